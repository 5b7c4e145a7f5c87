#!/usr/bin/env bash
# Restore step 2 of 2. Image: mariadb:10.11.19 (needs mariadb, zstd, tar, sha256sum, awk; bash >= 4.3).
#
# Restores the set that restore-fetch.sh downloaded into $WORK_DIR/restore/ so that a failed or
# refused restore leaves the previous data intact:
#   1. re-checks sha256s and the dump's "-- Dump completed" trailer, refuses anything else;
#   2. extracts the content archive into GHOST_CONTENT_DIR/.dcdr-incoming (same volume);
#   3. fills the staging database <db>__staging, either
#      - physical (when the set has physical.mbstream.zst and MARIADB_DATADIR is mounted): prepares
#        the mariadb-backup copy with --export and imports each table's tablespace into staging
#        tables made from physical-schema.sql.zst (about 2.5x faster than loading the dump), or
#      - logical: one decompress pass of the dump is split into per-table schema files and
#        ~RESTORE_CHUNK_MB data chunks that RESTORE_PARALLEL sessions load concurrently, each as
#        one transaction with unique/foreign-key checks off;
#   4. checks the staging table count against the manifest, then swaps every table with ONE
#      multi-table RENAME TABLE (atomic): live -> <db>__previous, staging -> live; views (no
#      data) are then re-created from the dump in the live database;
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
#   RESTORE_MODE            optional  auto | logical | physical. auto = physical when possible. Default: auto
#   MARIADB_DATADIR         optional  the DR server's datadir, mounted read-write here with the server's
#                                     uid (physical mode copies tablespaces into it). Default: unset (logical)
#   WORK_DIR                optional  shared directory; needs room for the uncompressed dump. Default: /work
set -euo pipefail
TAG=restore
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

require_cmd mariadb zstd tar sha256sum awk
mode="${RESTORE_MODE:-auto}"
[[ "$mode" =~ ^(auto|logical|physical)$ ]] || die "RESTORE_MODE '$mode' is not auto, logical or physical" "Unset it or use one of those"
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

# One restore at a time per database: a scheduled restore and a catch-up restore must never load the same
# staging database together. The lock belongs to one long-lived session (a coprocess): it is released when this
# script exits however it ends, because the session ends with it.
coproc LOCK_SESSION { mariadb --defaults-extra-file="$MARIADB_CNF" --batch --skip-column-names --unbuffered 2>&1; }
printf "SELECT GET_LOCK('ghost-dcdr-restore-%s', 0);\n" "$db" >&"${LOCK_SESSION[1]}"
lock_granted=""
read -r -t 30 lock_granted <&"${LOCK_SESSION[0]}" || true
[[ "$lock_granted" == 1 ]] ||
  die "another restore of '$db' is running on this server (lock ghost-dcdr-restore-$db is held)" \
    "Wait for it to finish (kubectl -n ghost get jobs) and run this restore again; nothing was changed"
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
physical=false
if [[ "$mode" != logical ]]; then
  why=""
  if [[ ! -f "$in/artifacts/physical.mbstream.zst" || ! -f "$in/artifacts/physical-schema.sql.zst" ]]; then
    why="the set has no physical backup"
  elif [[ -z "${MARIADB_DATADIR:-}" || ! -d "${MARIADB_DATADIR:-}" ]]; then
    why="MARIADB_DATADIR is not a mounted directory"
  else
    # Tablespaces import only into the same MariaDB major.minor.
    backup_server="$(manifest_field "$manifest" serverVersion)"
    here_server="$(sql "SELECT VERSION()")"
    [[ "$(cut -d. -f1,2 <<<"$backup_server")" == "$(cut -d. -f1,2 <<<"$here_server")" ]] ||
      why="the set is from MariaDB $backup_server and this server is $here_server"
  fi
  if [[ -z "$why" ]]; then
    physical=true
    require_cmd mariadb-backup mbstream
  elif [[ "$mode" == physical ]]; then
    die "RESTORE_MODE=physical but $why" "Unset RESTORE_MODE to load the logical dump; nothing was changed"
  else
    log "loading the logical dump: $why"
  fi
fi
if ! $physical; then
  trailer="$(zstd -dc "$dump" 2>/dev/null | tail -n 1)" || true
  [[ "$trailer" == "-- Dump completed"* ]] ||
    die "db.sql.zst of $backup_id has no '-- Dump completed' trailer: the dump is truncated" "Restore another set with RESTORE_BACKUP_ID; nothing was changed"
fi
if $with_content; then
  [[ -f "$in/artifacts/content.tar.zst" ]] || die "backup set $backup_id has no content.tar.zst" "Restore another set, or set GHOST_CONTENT_SKIP=true to restore the database only"
  [[ -d "$content_dir" && -w "$content_dir" ]] || die "GHOST_CONTENT_DIR '$content_dir' is not a writable directory" "Mount Ghost's content volume there or set GHOST_CONTENT_DIR"
fi
started=$(date +%s)
if $physical; then
  log "restoring $backup_id into database '$db' from the physical backup"
else
  log "restoring $backup_id into database '$db' from the dump (parallel $parallel, chunks ${chunk_mb} MiB)"
fi

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
    BEGIN { state = "header"; header = dir "/header.sql"; post = dir "/post.sql"; views = dir "/views.sql"; data = ""; printf "" > post; printf "" > views }
    in_insert {
      print > data; size += length($0) + 1
      if (substr($0, length($0)) == ";") end_statement()
      next
    }
    /^-- Table structure for table / {
      if (state == "header") emit("header", header)
      if (state == "schema") emit("schema", schema)
      state = "schema"; schemas++; schema = sprintf("%s/schema-%05d.sql", dir, schemas)
    }
    /^-- Dumping data for table / { if (state == "schema") emit("schema", schema); state = "data"; next }
    /^-- (Temporary table structure|Final view structure) for view / {
      if (state == "header") emit("header", header)
      if (state == "schema") emit("schema", schema)
      state = "view"
    }
    /^-- (Dumping events|Dumping routines) for database / {
      if (state == "header") emit("header", header)
      if (state == "schema") emit("schema", schema)
      state = "post"
    }
    /^-- Dump completed/ { completed = 1 }
    state == "header" { print > header; next }
    state == "schema" { print > schema; next }
    state == "view" {
      # The definer of DC may not exist on DR; the restoring user becomes the definer.
      if ($0 ~ /^\/\*!50013 DEFINER=.* SQL SECURITY /) sub(/DEFINER=[^ ]* /, "")
      print > views; next
    }
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
      close(views)
      print "trailer", (completed ? "ok" : "missing")
      emit("post", post)
    }'
}

base_tables() { sql "SELECT table_name FROM information_schema.tables WHERE table_schema = '$1' AND table_type = 'BASE TABLE'"; }

# import_physical: prepared tablespaces into the staging tables that physical-schema.sql made.
import_physical() {
  local phys="$work/restore/physical" owner t src
  src="$(manifest_field "$manifest" name)" # the database the set was taken from
  [[ "$src" =~ ^[A-Za-z0-9_]+$ ]] || { log "manifest.json names no source database"; return 1; }
  rm -rf "$phys"
  mkdir -p "$phys"
  cleanup_files+=("$phys")
  zstd -dc "$in/artifacts/physical.mbstream.zst" | mbstream -x -C "$phys" || { log "cannot unpack physical.mbstream.zst"; return 1; }
  mariadb-backup --prepare --export --target-dir="$phys" >"$phys.log" 2>&1 ||
    { log "mariadb-backup --prepare failed: $(grep -m1 -i error "$phys.log")"; return 1; }
  [[ -d "$MARIADB_DATADIR/$staging" ]] || { log "$MARIADB_DATADIR/$staging does not exist: MARIADB_DATADIR is not this server's datadir"; return 1; }
  owner="$(stat -c %u:%g "$MARIADB_DATADIR/$staging")"
  while read -r t; do
    [[ -z "$t" ]] && continue
    [[ -f "$phys/$src/$t.ibd" && -f "$phys/$src/$t.cfg" ]] || { log "the physical backup has no tablespace for table $t"; return 1; }
    sql "SET SESSION foreign_key_checks = 0; ALTER TABLE \`$staging\`.\`$t\` DISCARD TABLESPACE" || return 1
    mv "$phys/$src/$t.ibd" "$phys/$src/$t.cfg" "$MARIADB_DATADIR/$staging/" || return 1
    chown "$owner" "$MARIADB_DATADIR/$staging/$t.ibd" "$MARIADB_DATADIR/$staging/$t.cfg" || return 1
    sql "SET SESSION foreign_key_checks = 0; ALTER TABLE \`$staging\`.\`$t\` IMPORT TABLESPACE" || return 1
    rm -f "$MARIADB_DATADIR/$staging/$t.cfg"
  done < <(base_tables "$staging")
}

rc=0
if $physical; then
  { zstd -dc "$in/artifacts/physical-schema.sql.zst" | split_dump | dispatch && import_physical; } || rc=$?
else
  zstd -dc "$dump" | split_dump | dispatch || rc=$?
fi
if ((rc != 0)); then
  sql "DROP DATABASE IF EXISTS \`$staging\`" || true
  if $physical; then
    die "importing the physical backup of $backup_id into '$staging' failed" "See the error above; RESTORE_MODE=logical loads the dump instead. '$db' was not touched"
  fi
  die "loading $backup_id into '$staging' failed" "See the MariaDB error above; the live database '$db' was not touched"
fi
loaded_tables="$(sql "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = '$staging' AND table_type = 'BASE TABLE'")"
[[ "$loaded_tables" == "$expected_tables" ]] || {
  sql "DROP DATABASE IF EXISTS \`$staging\`" || true
  die "staging has $loaded_tables tables but the manifest of $backup_id says $expected_tables" "The set is inconsistent; restore another set. '$db' was not touched"
}
# Ghost uses no triggers, and RENAME TABLE cannot move a table with triggers between databases.
[[ "$(sql "SELECT COUNT(*) FROM information_schema.triggers WHERE trigger_schema = '$staging'")" == 0 ]] || {
  sql "DROP DATABASE IF EXISTS \`$staging\`" || true
  die "the dump contains triggers, which RENAME TABLE cannot move between databases" "Restore this set by hand with mariadb; '$db' was not touched"
}
log "loaded $loaded_tables tables into '$staging' in $(($(date +%s) - started))s"

# One RENAME TABLE statement is atomic: other sessions see either all old or all new tables.
# Live tables move out first so that foreign-key names are free when staging moves in.
# Views (Ghost 6 has members_resolved_subscription) cannot change database: they are dropped and
# re-created from the dump right after the swap; they hold no data.
renames=()
while read -r t; do [[ -n "$t" ]] && renames+=("\`$db\`.\`$t\` TO \`$previous\`.\`$t\`"); done < <(base_tables "$db")
while read -r t; do [[ -n "$t" ]] && renames+=("\`$staging\`.\`$t\` TO \`$db\`.\`$t\`"); done < <(base_tables "$staging")
rename_sql="RENAME TABLE $(IFS=,; echo "${renames[*]}")"
sql "DROP DATABASE IF EXISTS \`$previous\`; CREATE DATABASE \`$previous\`; CREATE DATABASE IF NOT EXISTS \`$db\` CHARACTER SET ${charset:-utf8mb4 COLLATE utf8mb4_general_ci}" ||
  die "cannot prepare database '$previous'" "Grant $MARIADB_USER ALL on \`${db}\\_\\_%\`.*; '$db' was not touched"
sql "$rename_sql" || {
  sql "DROP DATABASE IF EXISTS \`$staging\`; DROP DATABASE IF EXISTS \`$previous\`" || true
  die "the atomic table swap failed" "See the MariaDB error above; RENAME TABLE is all-or-nothing, so '$db' was not touched"
}
drop_views=""
while read -r v; do [[ -n "$v" ]] && drop_views+="DROP VIEW IF EXISTS \`$v\`; "; done < <(sql "SELECT table_name FROM information_schema.views WHERE table_schema = '$db'")
{ cat "$split_dir/header.sql"; echo "$drop_views"; cat "$split_dir/views.sql"; } | mariadb --defaults-extra-file="$MARIADB_CNF" --batch "$db" ||
  die "re-creating the views of $backup_id in '$db' failed" "The tables are restored; re-run the restore with RESTORE_FORCE=true"
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
    while read -r t; do [[ -n "$t" ]] && back+=("\`$db\`.\`$t\` TO \`$staging\`.\`$t\`"); done < <(base_tables "$db")
    while read -r t; do [[ -n "$t" ]] && back+=("\`$previous\`.\`$t\` TO \`$db\`.\`$t\`"); done < <(base_tables "$previous")
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
