#!/usr/bin/env bash
# Restore step 2 of 2. Image: mariadb:10.11.19 (needs mariadb, zstd, tar, sha256sum, awk; bash >= 4.3).
#
# Restores the set that restore-fetch.sh downloaded into $WORK_DIR/restore/ so that a failed or
# refused restore leaves the previous data intact:
#   1. re-checks sha256s and the dump's "-- Dump completed" trailer, refuses anything else;
#   2. extracts the content archive into GHOST_CONTENT_DIR/.dcdr-incoming (same volume);
#   3. loads the dump into the staging database <db>__staging: one decompress pass is split into
#      per-table schema files and ~RESTORE_CHUNK_MB data chunks that RESTORE_PARALLEL sessions
#      load concurrently, each as one transaction with unique/foreign-key checks off;
#   4. checks the staging table count against the manifest, then swaps every table with ONE
#      multi-table RENAME TABLE (atomic): live -> <db>__previous, staging -> live;
#   5. swaps the content directories by rename (rolling the database back if that fails);
#   6. records the backupId in <db>__dcdr.restores and in GHOST_CONTENT_DIR/.dcdr-restored.
# Restoring a set that is already recorded is skipped (warm-standby cron) unless RESTORE_FORCE=true.
# Restart Ghost afterwards: it caches settings and themes in memory.
#
# Environment:
#   MARIADB_HOST            optional  server host. Default: 127.0.0.1 (ignored when MARIADB_SOCKET is set)
#   MARIADB_PORT            optional  server port. Default: 3306
#   MARIADB_SOCKET          optional  unix socket instead of host/port. Default: unset
#   MARIADB_USER            required  user with ALL on `<db>` and on `<db>__%` (staging, previous, dcdr)
#   MARIADB_PASSWORD_FILE   preferred path of a file holding the password (a mounted Secret)
#   MARIADB_PASSWORD        fallback  the password itself
#   MARIADB_DATABASE        optional  database to restore into. Default: ghost
#   GHOST_CONTENT_DIR       optional  Ghost's content directory (read-write). Default: /var/lib/ghost/content
#   GHOST_CONTENT_SKIP      optional  "true" restores the database only. Default: false
#   RESTORE_PARALLEL        optional  concurrent loading sessions. Default: number of CPUs
#   RESTORE_CHUNK_MB        optional  size of one loaded data chunk, MiB. Default: 64
#   RESTORE_DISABLE_BINLOG  optional  "true" sets sql_log_bin=0 for the load (needs BINLOG ADMIN). Default: false
#   RESTORE_FORCE           optional  "true" restores even if this set is already recorded. Default: false
#   WORK_DIR                optional  shared directory; needs room for the uncompressed dump. Default: /work
set -euo pipefail
TAG=restore
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

require_cmd mariadb zstd tar sha256sum awk
work="${WORK_DIR:-/work}"
in="$work/restore"
db="${MARIADB_DATABASE:-ghost}"
[[ "$db" =~ ^[A-Za-z0-9_]+$ ]] || die "MARIADB_DATABASE '$db' has characters other than letters, digits and _" "Use a plain database name"
staging="${db}__staging"
previous="${db}__previous"
meta_db="${db}__dcdr"
content_dir="${GHOST_CONTENT_DIR:-/var/lib/ghost/content}"
with_content=true
[[ "${GHOST_CONTENT_SKIP:-false}" == true ]] && with_content=false
parallel="${RESTORE_PARALLEL:-$(nproc 2>/dev/null || echo 2)}"
chunk_mb="${RESTORE_CHUNK_MB:-64}"
[[ "$parallel" =~ ^[1-9][0-9]*$ ]] || die "RESTORE_PARALLEL '$parallel' is not a positive integer" "Unset it or give a number such as 2"
[[ "$chunk_mb" =~ ^[1-9][0-9]*$ ]] || die "RESTORE_CHUNK_MB '$chunk_mb' is not a positive integer" "Unset it or give a number such as 64"

mariadb_cnf
sql "SELECT 1" >/dev/null || die "cannot connect to MariaDB as '$MARIADB_USER'" "Check MARIADB_HOST/PORT, the password Secret and that the server is up; nothing was changed"
last_restored() {
  sql "SELECT backup_id FROM \`$meta_db\`.restores ORDER BY id DESC LIMIT 1" 2>/dev/null || true
}

if [[ -f "$in/SKIP" ]]; then
  backup_id="$(cat "$in/SKIP")"
  [[ "$(last_restored)" == "$backup_id" ]] ||
    die "the content marker says $backup_id is restored but the database does not" "Re-run the restore with RESTORE_FORCE=true"
  log "backup set $backup_id is already restored; nothing to do"
  exit 0
fi
[[ -f "$in/BACKUP_ID" && -f "$in/manifest.json" ]] || die "no verified download in $in" "Run restore-fetch.sh first, in the same pod; nothing was changed"
backup_id="$(cat "$in/BACKUP_ID")"
valid_backup_id "$backup_id" || die "$in/BACKUP_ID is not a backup id" "Re-run restore-fetch.sh"
manifest="$in/manifest.json"
expected_tables="$(manifest_field "$manifest" tableCount)"
[[ "$expected_tables" =~ ^[0-9]+$ ]] || die "manifest.json of $backup_id has no tableCount" "Restore another set with RESTORE_BACKUP_ID"

if [[ "${RESTORE_FORCE:-false}" != true && "$(last_restored)" == "$backup_id" ]] &&
  { ! $with_content || grep -qx "backupId=$backup_id" "$content_dir/.dcdr-restored" 2>/dev/null; }; then
  log "backup set $backup_id is already restored; nothing to do (RESTORE_FORCE=true restores it again)"
  exit 0
fi

(cd "$in/artifacts" && sha256sum --check --strict --quiet "$in/SHA256SUMS") >&2 ||
  die "an artifact of $backup_id no longer matches its sha256" "Re-run restore-fetch.sh; nothing was changed"
dump="$in/artifacts/db.sql.zst"
trailer="$(zstd -dc "$dump" 2>/dev/null | tail -n 1)" || true
[[ "$trailer" == "-- Dump completed"* ]] ||
  die "db.sql.zst of $backup_id has no '-- Dump completed' trailer: the dump is truncated" "Restore another set with RESTORE_BACKUP_ID; nothing was changed"
if $with_content; then
  [[ -f "$in/artifacts/content.tar.zst" ]] || die "backup set $backup_id has no content.tar.zst" "Restore another set, or set GHOST_CONTENT_SKIP=true to restore the database only"
  [[ -d "$content_dir" && -w "$content_dir" ]] || die "GHOST_CONTENT_DIR '$content_dir' is not a writable directory" "Mount Ghost's content volume there or set GHOST_CONTENT_DIR"
fi
started=$(date +%s)
log "restoring $backup_id into database '$db' (parallel $parallel, chunks ${chunk_mb} MiB)"

incoming="$content_dir/.dcdr-incoming"
if $with_content; then
  rm -rf "$incoming"
  mkdir -p "$incoming"
  cleanup_files+=("$incoming")
  zstd -dc "$in/artifacts/content.tar.zst" | tar -C "$incoming" -xf - ||
    die "cannot extract content.tar.zst of $backup_id" "Check free space on the content volume; nothing was changed"
  log "content extracted beside the live content"
fi

charset="$(sql "SELECT CONCAT(default_character_set_name, ' COLLATE ', default_collation_name) FROM information_schema.schemata WHERE schema_name = '$db'")"
sql "DROP DATABASE IF EXISTS \`$staging\`; CREATE DATABASE \`$staging\` CHARACTER SET ${charset:-utf8mb4 COLLATE utf8mb4_general_ci}" ||
  die "cannot create staging database '$staging'" "Grant $MARIADB_USER ALL on \`${db}\\_\\_%\`.*; nothing was changed"

split_dir="$work/restore/split"
rm -rf "$split_dir"
mkdir -p "$split_dir"
cleanup_files+=("$split_dir")
prelude="$split_dir/prelude.sql"
{
  [[ "${RESTORE_DISABLE_BINLOG:-false}" == true ]] && echo "SET SESSION sql_log_bin = 0;"
  # One transaction per chunk instead of one commit (and log flush) per INSERT statement.
  echo "SET SESSION unique_checks = 0, foreign_key_checks = 0, autocommit = 0;"
} >"$prelude"

# load FILE: runs the dump header, the session prelude and FILE in one session of the staging db.
header=""
load() {
  { cat "$header" "$prelude" "$1"; echo "COMMIT;"; } |
    mariadb --defaults-extra-file="$MARIADB_CNF" --batch --skip-column-names "$staging" || return 1
  rm -f "$1"
}

# Reads "<kind> <file>" lines from the splitter: schema files load at once (in order, so a table
# exists before its rows), data chunks in up to $parallel background sessions.
dispatch() {
  local kind file running=0 failed=0 trailer=""
  while read -r kind file; do
    case "$kind" in
      header) header="$file" ;;
      schema) load "$file" || { failed=1; break; } ;;
      data)
        while ((running >= parallel)); do
          wait -n || failed=1
          running=$((running - 1))
        done
        ((failed)) && break
        load "$file" &
        running=$((running + 1))
        ;;
      trailer) trailer="$file" ;;
      post)
        while ((running > 0)); do
          wait -n || failed=1
          running=$((running - 1))
        done
        ((failed)) && break
        [[ "$trailer" == ok ]] || { failed=1; break; }
        load "$file" || { failed=1; break; }
        ;;
    esac
  done
  while ((running > 0)); do
    wait -n || failed=1
    running=$((running - 1))
  done
  [[ "$trailer" == ok ]] || failed=1
  return "$failed"
}

# mariadb-dump writes one row per line inside "INSERT INTO ... VALUES" statements (strings escape
# newlines), so a statement ends at the first line ending in ";".
split_dump() {
  LC_ALL=C awk -v dir="$split_dir" -v chunk_bytes=$((chunk_mb * 1024 * 1024)) '
    function emit(kind, file) { close(file); print kind, file; fflush() }
    function end_statement() { in_insert = 0; if (size >= chunk_bytes) { emit("data", data); data = "" } }
    BEGIN { state = "header"; header = dir "/header.sql"; post = dir "/post.sql"; data = ""; printf "" > post }
    in_insert {
      print > data; size += length($0) + 1
      if (substr($0, length($0)) == ";") end_statement()
      next
    }
    /^-- (Temporary )?[Tt]able structure for (table|view) / {
      if (state == "header") emit("header", header)
      if (state == "schema") emit("schema", schema)
      state = "schema"; schemas++; schema = sprintf("%s/schema-%05d.sql", dir, schemas)
    }
    /^-- Dumping data for table / { if (state == "schema") emit("schema", schema); state = "data"; next }
    /^-- (Final view structure for view|Dumping events for database|Dumping routines for database) / {
      if (state == "header") emit("header", header)
      if (state == "schema") emit("schema", schema)
      state = "post"
    }
    /^-- Dump completed/ { completed = 1 }
    state == "header" { print > header; next }
    state == "schema" { print > schema; next }
    state == "data" {
      if (substr($0, 1, 12) == "INSERT INTO ") {
        if (data == "") { chunks++; data = sprintf("%s/data-%05d.sql", dir, chunks); size = 0 }
        print > data; size += length($0) + 1
        if (substr($0, length($0)) == ";") end_statement(); else in_insert = 1
        next
      }
      if ($0 == "" || substr($0, 1, 3) == "-- " || $0 == "--" || $0 ~ /^\/\*!40000 ALTER TABLE .* (DIS|EN)ABLE KEYS \*\/;$/) next
      print > post
      next
    }
    { print > post }
    END {
      if (state == "header") emit("header", header)
      if (state == "schema") emit("schema", schema)
      if (data != "") emit("data", data)
      print "trailer", (completed ? "ok" : "missing")
      emit("post", post)
    }'
}

rc=0
zstd -dc "$dump" | split_dump | dispatch || rc=$?
if ((rc != 0)); then
  sql "DROP DATABASE IF EXISTS \`$staging\`" || true
  die "loading $backup_id into '$staging' failed" "See the MariaDB error above; the live database '$db' was not touched"
fi
loaded_tables="$(sql "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = '$staging' AND table_type = 'BASE TABLE'")"
[[ "$loaded_tables" == "$expected_tables" ]] || {
  sql "DROP DATABASE IF EXISTS \`$staging\`" || true
  die "staging has $loaded_tables tables but the manifest of $backup_id says $expected_tables" "The set is inconsistent; restore another set. '$db' was not touched"
}
# Ghost uses neither views nor triggers; RENAME TABLE cannot move either between databases.
[[ "$(sql "SELECT (SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = '$staging' AND table_type <> 'BASE TABLE')
            + (SELECT COUNT(*) FROM information_schema.triggers WHERE trigger_schema = '$staging')")" == 0 ]] || {
  sql "DROP DATABASE IF EXISTS \`$staging\`" || true
  die "the dump contains views or triggers, which RENAME TABLE cannot move between databases" "Restore this set by hand with mariadb; '$db' was not touched"
}
log "loaded $loaded_tables tables into '$staging' in $(($(date +%s) - started))s"

# One RENAME TABLE statement is atomic: other sessions see either all old or all new tables.
# Live tables move out first so that foreign-key names are free when staging moves in.
renames=()
while read -r t; do [[ -n "$t" ]] && renames+=("\`$db\`.\`$t\` TO \`$previous\`.\`$t\`"); done < <(sql "SELECT table_name FROM information_schema.tables WHERE table_schema = '$db'")
while read -r t; do [[ -n "$t" ]] && renames+=("\`$staging\`.\`$t\` TO \`$db\`.\`$t\`"); done < <(sql "SELECT table_name FROM information_schema.tables WHERE table_schema = '$staging'")
rename_sql="RENAME TABLE $(IFS=,; echo "${renames[*]}")"
sql "DROP DATABASE IF EXISTS \`$previous\`; CREATE DATABASE \`$previous\`; CREATE DATABASE IF NOT EXISTS \`$db\` CHARACTER SET ${charset:-utf8mb4 COLLATE utf8mb4_general_ci}" ||
  die "cannot prepare database '$previous'" "Grant $MARIADB_USER ALL on \`${db}\\_\\_%\`.*; '$db' was not touched"
sql "$rename_sql" || {
  sql "DROP DATABASE IF EXISTS \`$staging\`; DROP DATABASE IF EXISTS \`$previous\`" || true
  die "the atomic table swap failed" "See the MariaDB error above; RENAME TABLE is all-or-nothing, so '$db' was not touched"
}
log "database swapped: '$db' now holds $backup_id"

if $with_content; then
  old="$content_dir/.dcdr-previous"
  rm -rf "$old"
  mkdir -p "$old"
  swap_content() {
    local p
    for p in images files media themes settings; do
      if [[ -e "$content_dir/$p" ]]; then mv "$content_dir/$p" "$old/$p" || return 1; fi
      if [[ -e "$incoming/$p" ]]; then mv "$incoming/$p" "$content_dir/$p" || return 1; fi
    done
  }
  if ! swap_content; then
    for p in images files media themes settings; do
      if [[ -e "$old/$p" ]]; then rm -rf "${content_dir:?}/$p" && mv "$old/$p" "$content_dir/$p"; fi
    done
    back=()
    while read -r t; do [[ -n "$t" ]] && back+=("\`$db\`.\`$t\` TO \`$staging\`.\`$t\`"); done < <(sql "SELECT table_name FROM information_schema.tables WHERE table_schema = '$db'")
    while read -r t; do [[ -n "$t" ]] && back+=("\`$previous\`.\`$t\` TO \`$db\`.\`$t\`"); done < <(sql "SELECT table_name FROM information_schema.tables WHERE table_schema = '$previous'")
    sql "CREATE DATABASE IF NOT EXISTS \`$staging\`; RENAME TABLE $(IFS=,; echo "${back[*]}")" || true
    die "swapping the content directory failed; database and content were rolled back" "Check permissions and free space on $content_dir"
  fi
  cleanup_files+=("$old")
fi

sql "CREATE DATABASE IF NOT EXISTS \`$meta_db\`;
     CREATE TABLE IF NOT EXISTS \`$meta_db\`.restores (
       id INT AUTO_INCREMENT PRIMARY KEY, backup_id VARCHAR(32) NOT NULL,
       restored_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP, tables INT NOT NULL, seconds INT NOT NULL);
     INSERT INTO \`$meta_db\`.restores (backup_id, tables, seconds) VALUES ('$backup_id', $loaded_tables, $(($(date +%s) - started)));
     DROP DATABASE IF EXISTS \`$previous\`; DROP DATABASE IF EXISTS \`$staging\`" ||
  die "restored $backup_id but could not record it in '$meta_db'" "The data is restored; grant ALL on \`${db}\\_\\_%\`.* so the next run can skip it"
if $with_content; then
  printf 'backupId=%s\nrestoredAt=%s\n' "$backup_id" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$content_dir/.dcdr-restored"
fi
log "restore of $backup_id complete in $(($(date +%s) - started))s"
