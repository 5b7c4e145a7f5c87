#!/usr/bin/env bash
# Restore step 2 of 2. Image: mariadb:10.11.19 (needs mariadb, zstd, tar, sha256sum, awk, fold; bash >= 4.3).
#
# Restores the set that restore-fetch.sh downloaded into $WORK_DIR/restore/ so that a failed or
# refused restore leaves the previous data intact:
#   1. re-checks sha256s and the dump's "-- Dump completed" trailer, refuses anything else; reads
#      where the set's uploads are (the manifest's "media", issue 13, below) and refuses a set whose
#      uploads are in a media bucket when this site keeps its uploads on the volume;
#   2. extracts the content archive into GHOST_CONTENT_DIR/.dcdr-incoming (same volume) with
#      content-extract.sh, which refuses links, special files, paths outside the folders this set may
#      hold and archives over the manifest's contentBytes budget (issue 10, findings 3, 7, 12);
#   3. fills the staging database <db>__staging, either
#      - physical (when the set has physical.mbstream.zst and MARIADB_DATADIR is mounted): prepares
#        the mariadb-backup copy with --export and imports each table's tablespace into staging
#        tables made from physical-schema.sql.zst (about 2.5x faster than loading the dump), or
#      - logical: one decompress pass of the dump through dump-filter.sh, which admits only what
#        mariadb-dump of one database writes (issue 10), into per-table schema files and
#        ~RESTORE_CHUNK_MB data chunks that RESTORE_PARALLEL sandboxed sessions load concurrently,
#        each as one transaction with unique/foreign-key checks off;
#   4. checks the staging table count against the manifest and that Ghost is stopped, then swaps
#      every table with ONE multi-table RENAME TABLE (atomic, short lock_wait_timeout, retried):
#      <db>__previous -> <db>__discarded, live -> <db>__previous (kept until the next restore, so
#      this one can be undone and rows written on the standby are kept), staging -> live; the dump's
#      views, triggers, routines and events are then created in the live database, owned by
#      the restoring user;
#   5. swaps the content by rename (rolling the database and the content back if any move fails):
#      whole folders, and data/redirects.json and data/redirects.yaml file by file (the rest of the
#      live data/ may hold files Ghost needs, such as a SQLite database, and is never moved);
#   6. records the backupId in <db>__dcdr.restores and in GHOST_CONTENT_DIR/.dcdr-restored.
# Restoring a set that is already recorded is skipped (warm-standby cron) unless RESTORE_FORCE=true.
# Restart Ghost afterwards: it caches settings and themes in memory.
#
# Uploads (issue 13). The manifest's media.storage says where the set's uploads are; the manifest is
# signed, but a compromised active site signs whatever it likes, so it is read exactly as
# backup-upload.sh writes it and anything else is refused, its value quoted (control characters made
# visible, cut at 64 characters). media.bucket, syntax-checked, is only ever logged, never used for S3.
#   manifest has no "media" (made before issue 13): read as volume; swaps images files media themes
#            settings; the live data/redirects.* stay as they are (such a set never carried them).
#   volume:  the set carries the uploads and the redirects: swaps images files media themes settings and
#            data/redirects.json, data/redirects.yaml (a redirects file the set lacks is removed). On a
#            site with MEDIA_STORAGE=s3 this puts the set's uploads on the volume, and Ghost's
#            media-migrate init container copies them into the media bucket when Ghost next starts.
#   s3:      the uploads are in the writing site's media bucket, which replicates to this region's:
#            swaps themes and settings only; the live images/ files/ media/ and data/ are left exactly
#            where they are, and an archive holding any of them is refused. On a site with
#            MEDIA_STORAGE=volume such a set is refused before anything changes: Ghost there would find
#            none of its uploads.
#
# Environment:
#   MARIADB_HOST            optional  server host. Default: 127.0.0.1 (ignored when MARIADB_SOCKET is set)
#   MARIADB_PORT            optional  server port. Default: 3306
#   MARIADB_SOCKET          optional  unix socket instead of host/port. Default: unset
#   MARIADB_USER            required  the restore user, with exactly the grants docs/datapath.md lists ("Restore user")
#   MARIADB_PASSWORD_FILE   optional  path of a file holding the password (a mounted Secret). Unset: no password.
#                                     MARIADB_PASSWORD (the value in the environment) is refused (finding 4)
#   MARIADB_DATABASE        optional  database to restore into. Default: ghost
#   GHOST_CONTENT_DIR       optional  Ghost's content directory (read-write). Default: /var/lib/ghost/content
#   GHOST_CONTENT_SKIP      optional  "true" restores the database only. Default: false
#   MEDIA_STORAGE           optional  where this site keeps Ghost's uploads: s3 (the media bucket) or volume
#                                     (the content volume); anything else is refused. Default: volume
#   RESTORE_PARALLEL        optional  concurrent loading sessions. Default: number of CPUs
#   RESTORE_CHUNK_MB        optional  size of one loaded data chunk, MiB. Default: 64
#   RESTORE_MAX_LINE_MB     optional  longest dump line (one row) admitted, MiB; never above the server's
#                                     max_allowed_packet. Default: 16
#   RESTORE_DISABLE_BINLOG  optional  "true" sets sql_log_bin=0 for the load (needs BINLOG ADMIN). Default: false
#   RESTORE_FORCE           optional  "true" restores even if this set is already recorded, names another
#                                     database or has fewer than RESTORE_MIN_TABLES tables. Default: false
#   RESTORE_MIN_TABLES      optional  a set with fewer tables is refused (finding 8). Default: 96 (Ghost 6.65.0)
#   RESTORE_GHOST_USER      optional  Ghost's MariaDB user: any session of it, or any session on <db>, refuses
#                                     the restore (Ghost must be stopped, finding 11). Default: unset (<db> only)
#   RESTORE_LOCK_WAIT_SECONDS optional lock_wait_timeout of one swap attempt. Default: 10
#   RESTORE_SWAP_ATTEMPTS   optional  swap attempts before giving up. Default: 3
#   RESTORE_MODE            optional  auto | logical | physical. auto = physical when possible. Default: auto
#   RESTORE_CONTENT_MAX_BYTES optional content budget for a set whose manifest has no contentBytes (made
#                                     before it existed); such a set is refused without it. Default: unset
#   CONTENT_RESERVE_BYTES   optional  bytes content-extract.sh keeps free on the content volume. Default: 64 MiB
#   MARIADB_DATADIR         optional  the DR server's datadir, mounted read-write here with the server's
#                                     uid (physical mode copies tablespaces into it). Default: unset (logical)
#   WORK_DIR                optional  shared directory; needs room for the uncompressed dump. Default: /work
set -euo pipefail
TAG=restore
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

require_cmd mariadb zstd tar sha256sum awk fold
mode="${RESTORE_MODE:-auto}"
[[ "$mode" =~ ^(auto|logical|physical)$ ]] || die "RESTORE_MODE '$mode' is not auto, logical or physical" "Unset it or use one of those"
site_media_storage "nothing was changed"
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

# Finding 11: a restore replaces '$db' whole, so whatever a running Ghost writes meanwhile would be swapped
# away. The restore proves Ghost is stopped by asking the server itself: no session of Ghost's user, and no
# session of anyone on '$db'. That catches every Ghost (a pod still terminating, one started by hand, a
# port-forward), not just the Deployment's replica count. Seeing other users' sessions needs PROCESS, the
# restore user's only server-wide privilege; without it the check would see nothing, so it fails closed.
ghost_user="${RESTORE_GHOST_USER:-}"
[[ -z "$ghost_user" || "$ghost_user" =~ ^[A-Za-z0-9_.-]+$ ]] || die "RESTORE_GHOST_USER '$ghost_user' is not a plain user name" "Set it to Ghost's MariaDB user, e.g. ghost"
# ghost_sessions: one line "user@host db command" per other session that uses '$db' or is Ghost's user.
ghost_sessions() {
  sql "SELECT CONCAT(user, '@', SUBSTRING_INDEX(host, ':', 1), ' ', IFNULL(db, '-'), ' ', command)
         FROM information_schema.processlist
        WHERE id <> CONNECTION_ID() AND command NOT IN ('Daemon', 'Binlog Dump')
          AND (db = '$db' OR user = '${ghost_user:-$db}')"
}
# require_ghost_stopped WHAT-WAS-CHANGED: dies unless no session but the restore's own uses '$db'.
require_ghost_stopped() {
  local sessions
  [[ "$(sql "SELECT COUNT(*) FROM information_schema.user_privileges
              WHERE privilege_type = 'PROCESS' AND grantee = CONCAT(\"'\", REPLACE(CURRENT_USER(), '@', \"'@'\"), \"'\")")" == 1 ]] ||
    die "$MARIADB_USER cannot see other sessions (it has no PROCESS privilege), so it cannot prove Ghost is stopped" \
      "Grant $MARIADB_USER PROCESS (docs/datapath.md, Restore user); $1"
  sessions="$(ghost_sessions)" || die "cannot list the server's sessions" "See the MariaDB error above; $1"
  [[ -z "$sessions" ]] ||
    die "Ghost is connected to '$db' ($(wc -l <<<"$sessions") session(s): $(head -n 3 <<<"$sessions" | paste -sd ';')): a restore would discard what it writes" \
      "Stop Ghost on this site (kubectl -n ghost scale deployment ghost --replicas=0; a standby runs none) and restore again; $1"
}
require_ghost_stopped "nothing was changed"
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

# Finding 8: a set of another database, or of an empty or partial one, would replace '$db' with the wrong
# data. Refused before anything is touched, unless RESTORE_FORCE=true says the operator means it.
check_manifest_database() {
  local name min force="${RESTORE_FORCE:-false}"
  name="$(manifest_field "$manifest" name)"
  [[ "$name" =~ ^[A-Za-z0-9_]{1,64}$ ]] || name="(not a plain database name)"
  min="${RESTORE_MIN_TABLES:-96}"
  [[ "$min" =~ ^[0-9]{1,4}$ ]] || die "RESTORE_MIN_TABLES '$min' is not a number" "Unset it (Ghost 6.65.0 has 96 tables) or give a number"
  ((expected_tables > 0)) ||
    die "the manifest of $backup_id counts 0 tables: it is a backup of an empty database" \
      "Restore another set with RESTORE_BACKUP_ID (RESTORE_FORCE does not restore an empty set); nothing was changed"
  if [[ "$name" != "$db" ]]; then
    [[ "$force" == true ]] ||
      die "the manifest of $backup_id names database '$name', not '$db'" \
        "Restore a set of '$db' with RESTORE_BACKUP_ID, or set RESTORE_FORCE=true to load it into '$db' anyway; nothing was changed"
    log "WARNING: RESTORE_FORCE=true: restoring a set of database '$name' into '$db'"
  fi
  if ((expected_tables < min)); then
    [[ "$force" == true ]] ||
      die "the manifest of $backup_id counts $expected_tables tables, fewer than the $min of Ghost's schema (RESTORE_MIN_TABLES)" \
        "Restore a complete set with RESTORE_BACKUP_ID, or set RESTORE_FORCE=true to restore this one anyway; nothing was changed"
    log "WARNING: RESTORE_FORCE=true: restoring $expected_tables tables, fewer than the $min of Ghost's schema"
  fi
}
check_manifest_database

# Issue 13: where the set's uploads are. The manifest is hostile input even though it is signed: it must hold
# either no "media" key at all (a set made before issue 13, read as volume) or exactly the object
# backup-upload.sh writes, one key per line:
#     "media": {                         "media": {
#       "storage": "volume"                "storage": "s3",
#     },                                   "bucket": "<the writing site's media bucket>"
#                                        },
# Sets set_storage (s3 | volume), set_bucket (s3 only) and set_legacy (true: no "media").
# json_value KEY: the raw JSON text after the first "KEY": of the manifest, on its line, without the blanks
# around it or a trailing comma (for the checks below and to quote in a refusal, never to run).
json_value() {
  local line raw
  line="$(grep -m 1 "\"$1\"[[:space:]]*:" "$manifest")" || true
  raw="${line#*\""$1"\"}"
  raw="${raw#*:}"
  raw="${raw#"${raw%%[![:space:]]*}"}"
  raw="${raw%"${raw##*[![:space:]]}"}"
  printf '%s' "${raw%,}"
}
check_manifest_media() {
  local n_media n_storage n_bucket at raw expected fix="Restore another set with RESTORE_BACKUP_ID; nothing was changed"
  n_media="$(grep -c '"media"[[:space:]]*:' "$manifest")" || true
  n_storage="$(grep -c '"storage"[[:space:]]*:' "$manifest")" || true
  n_bucket="$(grep -c '"bucket"[[:space:]]*:' "$manifest")" || true
  set_storage=volume
  set_bucket=""
  set_legacy=false
  if ((n_media + n_storage + n_bucket == 0)); then
    set_legacy=true
    return 0
  fi
  ((n_media == 1 && n_storage == 1 && n_bucket <= 1)) ||
    die "the manifest of $backup_id has $n_media \"media\", $n_storage \"storage\" and $n_bucket \"bucket\" keys, not the one media object backup-upload.sh writes" "$fix"
  raw="$(json_value storage)"
  case "$raw" in
    '"s3"') set_storage=s3 ;;
    '"volume"') set_storage=volume ;;
    *) die "the manifest of $backup_id says media.storage = $(printable "$raw"), not \"s3\" or \"volume\"" "$fix" ;;
  esac
  if ((n_bucket == 1)); then
    raw="$(json_value bucket)"
    set_bucket="${raw#\"}"
    set_bucket="${set_bucket%\"}"
    if [[ "$raw" != "\"$set_bucket\"" ]] || ! valid_bucket_name "$set_bucket"; then
      die "the manifest of $backup_id says media.bucket = $(printable "$raw"), which is not an S3 bucket name" "$fix"
    fi
  fi
  [[ "$set_storage" == volume || -n "$set_bucket" ]] ||
    die "the manifest of $backup_id says media.storage = \"s3\" but names no media.bucket" "$fix"
  [[ "$set_storage" == s3 || -z "$set_bucket" ]] ||
    die "the manifest of $backup_id says media.storage = \"volume\" but names a media.bucket" "$fix"
  # The object itself, line for line: no key elsewhere in the manifest, nothing else inside it.
  if [[ "$set_storage" == s3 ]]; then
    expected="$(printf '  "media": {\n    "storage": "s3",\n    "bucket": "%s"\n  },' "$set_bucket")"
  else
    expected="$(printf '  "media": {\n    "storage": "volume"\n  },')"
  fi
  at="$(grep -n -m 1 '"media"[[:space:]]*:' "$manifest" | cut -d: -f1)"
  [[ "$(sed -n "${at},$((at + $(wc -l <<<"$expected") - 1))p" "$manifest")" == "$expected" ]] ||
    die "the manifest of $backup_id has a media object that is not written as backup-upload.sh writes it (near line $at)" "$fix"
}
check_manifest_media
if [[ "$set_storage" == s3 && "$media_storage" == volume ]]; then
  die "backup set $backup_id keeps its uploads (images, files, media) in media bucket $set_bucket, not in the set, and this site keeps its uploads on the content volume (MEDIA_STORAGE=volume): its Ghost would find none of them" \
    "Run \`pulumi config set ghost-dcdr:mediaStorage s3\` on this stack and deploy it, then restore again; or restore a set made in volume mode with RESTORE_BACKUP_ID; nothing was changed"
fi
# What this set's content archive may hold, and what the swap replaces: exactly the same folders.
if [[ "$set_storage" == s3 ]]; then
  swap_folders=("${SITE_FOLDERS[@]}")
  extract_folders="${SITE_FOLDERS[*]}"
  swap_redirects=false
elif $set_legacy; then
  swap_folders=("${UPLOAD_FOLDERS[@]}" "${SITE_FOLDERS[@]}")
  extract_folders="${swap_folders[*]}"
  swap_redirects=false
else
  swap_folders=("${UPLOAD_FOLDERS[@]}" "${SITE_FOLDERS[@]}")
  extract_folders="${swap_folders[*]} data"
  swap_redirects=true
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
  # tail -c keeps 4 KiB, never a whole line: a dump of one huge line must not be buffered here (finding 12).
  trailer="$(zstd -dc "$dump" 2>/dev/null | tail -c 4096 | tail -n 1)" || true
  [[ "$trailer" == "-- Dump completed"* ]] ||
    die "db.sql.zst of $backup_id has no '-- Dump completed' trailer: the dump is truncated" "Restore another set with RESTORE_BACKUP_ID; nothing was changed"
fi
if $with_content; then
  [[ -f "$in/artifacts/content.tar.zst" ]] || die "backup set $backup_id has no content.tar.zst" "Restore another set, or set GHOST_CONTENT_SKIP=true to restore the database only"
  [[ -d "$content_dir" && -w "$content_dir" ]] || die "GHOST_CONTENT_DIR '$content_dir' is not a writable directory" "Mount Ghost's content volume there or set GHOST_CONTENT_DIR"
  # The redirects are swapped file by file inside the live data/, which must be a real, writable directory.
  if $swap_redirects && [[ -e "$content_dir/data" || -L "$content_dir/data" ]]; then
    [[ -d "$content_dir/data" && ! -L "$content_dir/data" && -w "$content_dir/data" ]] ||
      die "'$content_dir/data' is not a writable directory (a link, a file, or not writable by uid $(id -u)), so the set's redirects cannot be put there" \
        "Make it a directory Ghost's uid owns, then restore again; nothing was changed"
  fi
fi
started=$(date +%s)
if $physical; then
  log "restoring $backup_id into database '$db' from the physical backup"
else
  log "restoring $backup_id into database '$db' from the dump (parallel $parallel, chunks ${chunk_mb} MiB)"
fi

incoming="$content_dir/.dcdr-incoming"
# clear_leftover DIR: removes what a failed earlier restore left (it holds no live content), first
# making it writable: a mode-000 leftover once stopped every later restore at an rm (finding 7).
clear_leftover() {
  [[ -e "$1" || -L "$1" ]] || return 0
  [[ -L "$1" ]] || chmod -R u+rwX "$1" 2>/dev/null || true
  rm -rf "$1" || die "cannot remove '$1', left by an earlier restore" "Remove it by hand (it holds no live content) and re-run the restore; nothing was changed"
  log "removed the leftovers of an earlier restore: $1"
}
if $with_content; then
  # The archive is hostile input (findings 3, 7, 12): content-extract.sh admits only files and
  # directories under Ghost's five folders, within a size budget: the stream size the backup measured
  # (contentBytes) + 10% + 16 MiB. Sets made before contentBytes existed need RESTORE_CONTENT_MAX_BYTES.
  content_declared="$(manifest_field "$manifest" contentBytes)"
  if [[ "$content_declared" =~ ^[0-9]{1,15}$ ]]; then
    content_budget=$((content_declared + content_declared / 10 + 16 * 1024 * 1024))
  elif [[ -z "$content_declared" && -n "${RESTORE_CONTENT_MAX_BYTES:-}" ]]; then
    [[ "$RESTORE_CONTENT_MAX_BYTES" =~ ^[1-9][0-9]{0,15}$ ]] ||
      die "RESTORE_CONTENT_MAX_BYTES '$RESTORE_CONTENT_MAX_BYTES' is not a number of bytes" "Give the most bytes the set's content may expand to; nothing was changed"
    content_budget=$RESTORE_CONTENT_MAX_BYTES
    log "manifest.json of $backup_id declares no contentBytes; the content budget is RESTORE_CONTENT_MAX_BYTES=$content_budget"
  else
    [[ -z "$content_declared" ]] || content_declared=" (it says \"$content_declared\")"
    die "manifest.json of $backup_id declares no usable contentBytes$content_declared, so its content archive has no size budget" \
      "Restore a set made by the current backup-dump.sh, or set RESTORE_CONTENT_MAX_BYTES to the most bytes its content may expand to; nothing was changed"
  fi
  clear_leftover "$incoming"
  mkdir -m 0755 "$incoming"
  cleanup_files+=("$incoming")
  # Its own ERROR line says why; one line per refusal.
  [[ "$set_storage" == s3 ]] &&
    log "backup set $backup_id keeps its uploads in media bucket $set_bucket: its content archive may hold only ${SITE_FOLDERS[*]}"
  bash "$(dirname "${BASH_SOURCE[0]}")/content-extract.sh" "$in/artifacts/content.tar.zst" "$incoming" "$content_budget" "$extract_folders" || exit 1
  log "content extracted beside the live content"
fi

charset="$(sql "SELECT CONCAT(default_character_set_name, ' COLLATE ', default_collation_name) FROM information_schema.schemata WHERE schema_name = '$db'")"
sql "DROP DATABASE IF EXISTS \`$staging\`; CREATE DATABASE \`$staging\` CHARACTER SET ${charset:-utf8mb4 COLLATE utf8mb4_general_ci}" ||
  die "cannot create staging database '$staging'" "Grant $MARIADB_USER ALL on \`${db}\\_\\_%\`.*; nothing was changed"

split_dir="$work/restore/split"
rm -rf "$split_dir"
mkdir -p "$split_dir"
cleanup_files+=("$split_dir")
# The session settings every load session starts with. The dump's own header is never sent (finding 1):
# dump-filter.sh checks it holds exactly these settings and drops it.
session="$split_dir/session.sql"
{
  echo "SET NAMES utf8mb4; SET TIME_ZONE = '+00:00'; SET SQL_MODE = 'NO_AUTO_VALUE_ON_ZERO'; SET SQL_NOTES = 0;"
  [[ "${RESTORE_DISABLE_BINLOG:-false}" == true ]] && echo "SET SESSION sql_log_bin = 0;"
  # One transaction per chunk instead of one commit (and log flush) per INSERT statement.
  echo "SET SESSION unique_checks = 0, foreign_key_checks = 0, autocommit = 0;"
} >"$session"
# Finding 12: the longest dump line (one row) the filter accepts, never more than the server would take in one
# statement. mariadb-dump writes one row per line; a longer line is refused before it is held whole.
max_line_mb="${RESTORE_MAX_LINE_MB:-16}"
[[ "$max_line_mb" =~ ^[1-9][0-9]{0,3}$ && "$max_line_mb" -le 1024 ]] ||
  die "RESTORE_MAX_LINE_MB '$max_line_mb' is not a number from 1 to 1024" "Unset it or give a number such as 16"
max_line_bytes=$((max_line_mb * 1024 * 1024))
packet="$(sql "SELECT @@GLOBAL.max_allowed_packet")" || true
[[ "$packet" =~ ^[0-9]+$ ]] && ((packet < max_line_bytes)) && max_line_bytes=$packet

# sandboxed: every client session that reads anything derived from the dump runs --sandbox, so \!, \.,
# tee, pager and friends are refused by the client even if the filter missed one (finding 1).
sandboxed() { mariadb --defaults-extra-file="$MARIADB_CNF" --sandbox --batch --skip-column-names "$@"; }

# load FILE: runs the session settings and FILE in one sandboxed session of the staging db.
load() {
  { cat "$session" "$1"; echo "COMMIT;"; } | sandboxed "$staging" || return 1
  rm -f "$1"
}

# Reads "<kind> <file>" lines from the filter: schema files load at once (in order, so a table
# exists before its rows), data chunks in up to $parallel background sessions. Triggers, routines,
# events and views (post) are created in the live database after the swap.
dispatch() {
  local kind file running=0 failed=0 trailer=""
  while read -r kind file; do
    case "$kind" in
      refused) failed=1 && break ;;
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
      post) ;;
    esac
  done
  while ((running > 0)); do
    wait -n || failed=1
    running=$((running - 1))
  done
  [[ "$trailer" == ok ]] || failed=1
  return "$failed"
}

# shellcheck source=dump-filter.sh
source "$(dirname "${BASH_SOURCE[0]}")/dump-filter.sh"
source_db="$(manifest_field "$manifest" name)"
[[ "$source_db" =~ ^[A-Za-z0-9_]+$ ]] || source_db="$db"
databases="$(sql "SHOW DATABASES" | tr '\n' ',')"

# split_dump DIR [POST_ONLY]: the whitelist filter over stdin (see dump-filter.sh), in ~RESTORE_CHUNK_MB chunks.
split_dump() {
  dump_filter "$1" $((chunk_mb * 1024 * 1024)) "$max_line_bytes" "${2:-0}" "$source_db" "$db" "$databases"
}
objects_dir="$split_dir"

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
  # The physical schema has no triggers, routines or events: they come from the dump, which is read (and
  # checked) whole by the same filter, writing only the objects (finding 10).
  objects_dir="$split_dir/objects"
  mkdir -p "$objects_dir"
  { zstd -dc "$in/artifacts/physical-schema.sql.zst" | split_dump "$split_dir" | dispatch &&
    zstd -dc "$dump" | split_dump "$objects_dir" 1 | dispatch && import_physical; } || rc=$?
else
  zstd -dc "$dump" | split_dump "$split_dir" | dispatch || rc=$?
fi
refusal="$(cat "$split_dir/refused" "$objects_dir/refused" 2>/dev/null | head -n 1)" || true
if [[ -n "$refusal" ]]; then
  sql "DROP DATABASE IF EXISTS \`$staging\`" || true
  die "the dump of $backup_id is refused: $refusal" "A mariadb-dump of one database never holds this, so the set was crafted or corrupted: restore another set with RESTORE_BACKUP_ID. Nothing of it was run; '$db' was not touched"
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
# Finding 11: '$previous' keeps the tables each restore replaced until the NEXT restore's swap, so a mistaken
# restore can be undone (the undo statement is recorded in '$meta_db'.restores and named in the log), and
# rows written on the standby since the last restore are never lost: they move to '$previous' with the rest.
# The older '$previous' goes aside to '$discarded' in the same atomic RENAME, only now that staging loaded
# and checked, and is dropped once this restore is complete.
discarded="${db}__discarded"
lock_wait="${RESTORE_LOCK_WAIT_SECONDS:-10}"
attempts="${RESTORE_SWAP_ATTEMPTS:-3}"
[[ "$lock_wait" =~ ^[1-9][0-9]{0,3}$ ]] || die "RESTORE_LOCK_WAIT_SECONDS '$lock_wait' is not a number of seconds" "Unset it or give a number such as 10"
[[ "$attempts" =~ ^[1-9][0-9]?$ ]] || die "RESTORE_SWAP_ATTEMPTS '$attempts' is not a small positive number" "Unset it or give a number such as 3"
table_list() { base_tables "$1" 2>/dev/null | sort; }
# live_checksums: "table<TAB>checksum" of every base table of '$db', sorted (CHECKSUM TABLE reads every row).
live_checksums() {
  local list=() t
  while read -r t; do [[ -n "$t" ]] && list+=("\`$db\`.\`${t//\`/\`\`}\`"); done < <(table_list "$db")
  ((${#list[@]} > 0)) || return 0
  sql "CHECKSUM TABLE $(IFS=,; echo "${list[*]}")" | sed "s/^$db\\.//" | sort
}
# renames FROM TO: the "FROM.t TO TO.t" clauses for every base table of FROM.
renames() {
  local t
  # shellcheck disable=SC2016 # the backquotes are MariaDB's identifier quotes, not command substitution
  while read -r t; do [[ -n "$t" ]] && printf '`%s`.`%s` TO `%s`.`%s`\n' "$1" "${t//\`/\`\`}" "$2" "${t//\`/\`\`}"; done < <(table_list "$1")
}
# swap_tables SQL: runs one RENAME with a short lock_wait_timeout, retrying while another session holds a
# metadata lock. Ghost's queries would queue behind a waiting RENAME: never for more than $lock_wait s at a time.
swap_tables() {
  local attempt out
  for ((attempt = 1; attempt <= attempts; attempt++)); do
    out="$(sql "SET SESSION lock_wait_timeout = $lock_wait; $1" 2>&1)" && return 0
    [[ "$out" == *"Lock wait timeout exceeded"* ]] || { printf '%s\n' "$out" >&2; return 1; }
    log "the swap waited ${lock_wait}s for the metadata locks of '$db' (attempt $attempt of $attempts): another session is using its tables"
    ((attempt < attempts)) && sleep 2
  done
  return 2
}

# Ghost may have been started since the first check: prove again that it is stopped, before '$db' changes.
# (In a subshell, so that a refusal can still drop staging; the refusal is the ERROR line it printed.)
(require_ghost_stopped "'$db' was not touched") || { sql "DROP DATABASE IF EXISTS \`$staging\`" || true; exit 1; }
# Rows written on the standby since the last restore: compare the live tables with what that restore left.
last_checksums="$(sql "SELECT checksums FROM \`$meta_db\`.restores ORDER BY id DESC LIMIT 1" 2>/dev/null)" || last_checksums=""
if [[ -n "$last_checksums" && "$last_checksums" != NULL ]]; then
  changed="$(diff <(printf '%b\n' "$last_checksums") <(live_checksums) | awk -F '\t' '/^[<>] / { print substr($1, 3) }' | sort -u | paste -sd ' ')" || true
  [[ -z "$changed" ]] ||
    log "WARNING: '$db' was written since $(last_restored) was restored (tables: $changed). This restore keeps those rows in '$previous'; they are NOT in the restored '$db'. Copy what must stay from '$previous' before the next restore replaces it"
fi

# Finding 10: staging holds tables only; the dump's triggers, routines, events and views (post.sql, checked
# by the filter) are created in the live database right after the swap. RENAME TABLE cannot move a table
# with triggers between databases, so the live tables' triggers are dropped just before the swap.
[[ "$(sql "SELECT COUNT(*) FROM information_schema.triggers WHERE trigger_schema = '$staging'")" == 0 ]] || {
  sql "DROP DATABASE IF EXISTS \`$staging\`" || true
  die "'$staging' holds triggers that the restore did not create" "Another session is writing to '$staging'; stop it and restore again. '$db' was not touched"
}
drop_triggers=""
while read -r t; do [[ -n "$t" ]] && drop_triggers+="DROP TRIGGER IF EXISTS \`$db\`.\`${t//\`/\`\`}\`; "; done < <(sql "SELECT trigger_name FROM information_schema.triggers WHERE trigger_schema = '$db'")
# Finding 11: the triggers are dropped inside each swap attempt, under its short lock_wait_timeout (a DROP
# TRIGGER waits for its table's metadata lock like the RENAME does), and put back if the swap fails.
live_triggers="$split_dir/live-triggers.sql"
if [[ -n "$drop_triggers" ]]; then
  mariadb-dump --defaults-extra-file="$MARIADB_CNF" --no-data --no-create-info --triggers --skip-lock-tables \
    --skip-add-locks --skip-comments --no-tablespaces "$db" >"$live_triggers" || {
    sql "DROP DATABASE IF EXISTS \`$staging\`" || true
    die "cannot save the triggers of '$db' before the swap" "See the MariaDB error above; '$db' was not touched"
  }
fi
log "loaded $loaded_tables tables into '$staging' in $(($(date +%s) - started))s"

# Leftover of a restore rolled back after its swap: the earlier '$previous' waits in '$discarded'; put it back.
if [[ -z "$(table_list "$previous")" && -n "$(table_list "$discarded")" ]]; then
  if ! swap_tables "CREATE DATABASE IF NOT EXISTS \`$previous\`; RENAME TABLE $(renames "$discarded" "$previous" | paste -sd ,)"; then
    sql "DROP DATABASE IF EXISTS \`$staging\`" || true
    die "cannot move the tables of '$discarded' back to '$previous'" "See the MariaDB error above; '$db' was not touched"
  fi
fi
sql "DROP DATABASE IF EXISTS \`$discarded\`; CREATE DATABASE \`$discarded\`; CREATE DATABASE IF NOT EXISTS \`$previous\`;
     CREATE DATABASE IF NOT EXISTS \`$db\` CHARACTER SET ${charset:-utf8mb4 COLLATE utf8mb4_general_ci}" ||
  die "cannot prepare databases '$discarded' and '$previous'" "Grant $MARIADB_USER the restore user's grants (docs/datapath.md); '$db' was not touched"
# One RENAME TABLE statement is atomic: other sessions see either all old or all new tables. Older
# previous out, then live out (so that foreign-key names are free), then staging in.
# Views (Ghost 6 has members_resolved_subscription) cannot change database: they are dropped and
# re-created from the dump right after the swap; they hold no data.
rename_sql="RENAME TABLE $({ renames "$previous" "$discarded"; renames "$db" "$previous"; renames "$staging" "$db"; } | paste -sd ,)"
swap_rc=0
swap_tables "$drop_triggers$rename_sql" || swap_rc=$?
if ((swap_rc != 0)); then
  sql "DROP DATABASE IF EXISTS \`$staging\`; DROP DATABASE IF EXISTS \`$discarded\`" || true
  untouched="'$db' and '$previous' were not touched"
  if [[ -n "$drop_triggers" ]]; then
    # Put back those of the live triggers that an attempt dropped (their tables never moved); --force passes
    # over the ones still there (each waits at most lock_wait_timeout for a table another session holds).
    { echo "SET SESSION lock_wait_timeout = $lock_wait;"; cat "$live_triggers"; } |
      mariadb --defaults-extra-file="$MARIADB_CNF" --sandbox --batch --force "$db" >/dev/null 2>&1 || true
    [[ "$(sql "SELECT COUNT(*) FROM information_schema.triggers WHERE trigger_schema = '$db'")" == "$(grep -c '^/\*!50003 CREATE\*/' "$live_triggers")" ]] ||
      untouched="'$db' keeps its tables but lost some of its triggers (the next restore brings the set's), and '$previous' was not touched"
  fi
  ((swap_rc == 2)) &&
    die "the table swap could not lock the tables of '$db' in $attempts attempts of ${lock_wait}s: another session holds a metadata lock on them" \
      "Find it (SHOW PROCESSLIST), end it, and restore again. RENAME TABLE is all-or-nothing: $untouched"
  die "the atomic table swap failed" "See the MariaDB error above; RENAME TABLE is all-or-nothing: $untouched"
fi
# Finding 10: the set's views, triggers, routines and events replace the live database's, in one sandboxed
# session; the filter rewrote every DEFINER to CURRENT_USER, so each belongs to the restoring user.
drop_objects=""
while IFS=$'\t' read -r kind name; do
  [[ -n "$name" ]] && drop_objects+="DROP $kind IF EXISTS \`${name//\`/\`\`}\`; "
done < <(sql "SELECT 'VIEW', table_name FROM information_schema.views WHERE table_schema = '$db'
  UNION ALL SELECT routine_type, routine_name FROM information_schema.routines WHERE routine_schema = '$db'
  UNION ALL SELECT 'EVENT', event_name FROM information_schema.events WHERE event_schema = '$db'")
{ cat "$session"; echo "$drop_objects"; cat "$objects_dir/post.sql"; echo "COMMIT;"; } | sandboxed "$db" >/dev/null ||
  die "creating the views, triggers, routines and events of $backup_id in '$db' failed" "The tables are restored; see the MariaDB error above and re-run the restore with RESTORE_FORCE=true"
declared() { grep -c "^$1 " "$objects_dir/declared.txt" || true; }
for kind in trigger procedure function event view; do
  case "$kind" in
    trigger) query="SELECT COUNT(*) FROM information_schema.triggers WHERE trigger_schema = '$db'" ;;
    procedure | function) query="SELECT COUNT(*) FROM information_schema.routines WHERE routine_schema = '$db' AND routine_type = '${kind^^}'" ;;
    event) query="SELECT COUNT(*) FROM information_schema.events WHERE event_schema = '$db'" ;;
    view) query="SELECT COUNT(*) FROM information_schema.views WHERE table_schema = '$db'" ;;
  esac
  have="$(sql "$query")"
  [[ "$have" == "$(declared "$kind")" ]] ||
    die "'$db' has $have ${kind}s after the restore but the dump of $backup_id declares $(declared "$kind")" "The tables are restored; see the log above and re-run the restore with RESTORE_FORCE=true"
done
definer="$(sql "SELECT CURRENT_USER()")"
[[ "$definer" != root@* ]] || [[ "$(declared trigger)$(declared procedure)$(declared function)$(declared event)$(declared view)" == 00000 ]] ||
  log "warning: the set's triggers, routines, events and views are owned by $definer because the restore logs in as $definer; log in as the restore user"
log "database swapped: '$db' now holds $backup_id, with $(declared view) views, $(declared trigger) triggers, $(declared procedure) procedures, $(declared function) functions and $(declared event) events owned by $definer"

if $with_content; then
  old="$content_dir/.dcdr-previous"
  clear_leftover "$old"
  mkdir -m 0755 "$old"
  # Finding 7: every move is checked and nothing is taken for absent because it cannot be seen (an
  # unreadable incoming once made the swap move the live images away, move nothing in, and log
  # "complete"). Linux needs write permission on a directory to move it to another parent.
  moved_out=()
  moved_in=()
  made_data=false
  swap_content() {
    local p
    [[ -r "$incoming" && -x "$incoming" ]] || { log "cannot read $incoming"; return 1; }
    for p in "${swap_folders[@]}"; do
      if [[ -e "$content_dir/$p" || -L "$content_dir/$p" ]]; then
        [[ -d "$content_dir/$p" && ! -L "$content_dir/$p" ]] && { chmod u+rwx "$content_dir/$p" 2>/dev/null || true; }
        mv -T "$content_dir/$p" "$old/$p" || { log "cannot move $content_dir/$p aside"; return 1; }
        moved_out+=("$p")
      fi
      if [[ -e "$incoming/$p" ]]; then
        mv -T "$incoming/$p" "$content_dir/$p" || { log "cannot move the restored $p into $content_dir"; return 1; }
        moved_in+=("$p")
        [[ -d "$content_dir/$p" ]] || { log "$content_dir/$p is not there after the move"; return 1; }
      fi
    done
    # The redirects, file by file: the live data/ stays, with everything else in it (issue 13).
    if $swap_redirects; then
      for p in "${REDIRECTS_FILES[@]/#/data/}"; do
        if [[ -e "$content_dir/$p" || -L "$content_dir/$p" ]]; then
          mkdir -p "$old/data" || { log "cannot create $old/data"; return 1; }
          mv -T "$content_dir/$p" "$old/$p" || { log "cannot move $content_dir/$p aside"; return 1; }
          moved_out+=("$p")
        fi
        if [[ -e "$incoming/$p" ]]; then
          if [[ ! -e "$content_dir/data" ]]; then
            mkdir -m 0755 "$content_dir/data" || { log "cannot create $content_dir/data"; return 1; }
            made_data=true
          fi
          mv -T "$incoming/$p" "$content_dir/$p" || { log "cannot move the restored $p into $content_dir/data"; return 1; }
          moved_in+=("$p")
          [[ -f "$content_dir/$p" && ! -L "$content_dir/$p" ]] || { log "$content_dir/$p is not a file after the move"; return 1; }
        fi
      done
      [[ ! -e "$incoming/data" ]] || rmdir "$incoming/data" || { log "$incoming/data holds more than the redirects"; return 1; }
    fi
    local left
    left="$(find "$incoming" -mindepth 1 -maxdepth 1 -printf '%f ' | head -c 200)"
    [[ -z "$left" ]] || { log "$incoming still holds $left"; return 1; }
  }
  if ! swap_content; then
    # Undo in reverse: restored folders and files back out, the live ones back in. A step that fails is named.
    stuck=()
    for p in ${moved_in[@]+"${moved_in[@]}"}; do
      mkdir -p "$(dirname "$incoming/$p")" 2>/dev/null || true
      mv -T "$content_dir/$p" "$incoming/$p" || stuck+=("$content_dir/$p")
    done
    for p in ${moved_out[@]+"${moved_out[@]}"}; do mv -T "$old/$p" "$content_dir/$p" || stuck+=("$old/$p"); done
    if $made_data; then rmdir "$content_dir/data" 2>/dev/null || stuck+=("$content_dir/data (created by this restore)"); fi
    back=()
    while read -r t; do [[ -n "$t" ]] && back+=("\`$db\`.\`$t\` TO \`$staging\`.\`$t\`"); done < <(base_tables "$db")
    while read -r t; do [[ -n "$t" ]] && back+=("\`$previous\`.\`$t\` TO \`$db\`.\`$t\`"); done < <(base_tables "$previous")
    db_back=rolled
    sql "CREATE DATABASE IF NOT EXISTS \`$staging\`; RENAME TABLE $(IFS=,; echo "${back[*]}")" || db_back="NOT rolled"
    rmdir "$old/data" 2>/dev/null || true
    rmdir "$old" 2>/dev/null || true
    if ((${#stuck[@]})); then
      die "swapping the content directory failed and the content rollback is incomplete (database $db_back back): ${stuck[*]} could not be moved back" \
        "Move the live folders and files from $old back into $content_dir by hand, fix the permissions on $content_dir, and re-run the restore"
    fi
    die "swapping the content directory failed (see the line above); content rolled back, database $db_back back" "Check permissions and free space on $content_dir, then re-run the restore"
  fi
  log "content swapped: ${moved_in[*]:-nothing} restored; the previous content is removed"
  chmod -R u+rwX "$old" 2>/dev/null || true
  rm -rf "$old" || log "warning: could not remove the previous content in $old; the next restore removes it"
  # What became of the uploads (issue 13).
  if [[ "$set_storage" == s3 ]]; then
    log "uploads: in media bucket $set_bucket (not in the set); ${SITE_FOLDERS[*]} restored, the content volume's ${UPLOAD_FOLDERS[*]} and data/ left as they were"
  elif [[ "$media_storage" == s3 ]]; then
    log "uploads: the set carries them (made with its uploads on the volume) and they are restored onto the content volume; Ghost's media-migrate init container copies them, and the redirects, into this site's media bucket when Ghost next starts"
    if [[ -e "$content_dir/data/redirects.yaml" ]]; then
      log "WARNING: the set's redirects are in data/redirects.yaml, which Ghost's S3 redirects store does not read, so media-migrate.sh refuses to start Ghost on this s3 site until it is converted to data/redirects.json (see that script's error)"
    fi
  else
    log "uploads: restored from the set onto the content volume"
  fi
  if $set_legacy; then
    log "the manifest of $backup_id has no media (the set predates issue 13): read as volume; data/redirects.* left as they were, the set never carried them"
  fi
fi

# Finding 11: what this restore left in '$db' (to see rows written on the standby before the next restore),
# and the statement that undoes it: one atomic RENAME that swaps '$db' and '$previous' (running it twice
# swaps them back again). '$previous' stays until the next restore's swap; only the older '$discarded' goes.
sql_string() { local v=${1//\\/\\\\}; printf "'%s'" "${v//\'/\\\'}"; }
checksums="$(live_checksums)" || checksums=""
undo_sql="SET SESSION lock_wait_timeout = $lock_wait;"
while read -r t; do
  [[ -n "$t" ]] && undo_sql+=" DROP TRIGGER IF EXISTS \`$db\`.\`${t//\`/\`\`}\`;"
done < <(sql "SELECT trigger_name FROM information_schema.triggers WHERE trigger_schema = '$db'")
undo_sql+=" CREATE DATABASE IF NOT EXISTS \`$staging\`; RENAME TABLE $({ renames "$db" "$staging"; renames "$previous" "$db"; renames "$db" "$previous" | sed "s/^\`$db\`\\./\`$staging\`./"; } | paste -sd ,);"
undo_sql+=" DROP DATABASE \`$staging\`; UPDATE \`$meta_db\`.restores SET checksums = NULL ORDER BY id DESC LIMIT 1;"
sql "CREATE DATABASE IF NOT EXISTS \`$meta_db\`;
     CREATE TABLE IF NOT EXISTS \`$meta_db\`.restores (
       id INT AUTO_INCREMENT PRIMARY KEY, backup_id VARCHAR(32) NOT NULL,
       restored_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP, tables INT NOT NULL, seconds INT NOT NULL);
     ALTER TABLE \`$meta_db\`.restores ADD COLUMN IF NOT EXISTS checksums MEDIUMTEXT NULL, ADD COLUMN IF NOT EXISTS undo_sql MEDIUMTEXT NULL;
     INSERT INTO \`$meta_db\`.restores (backup_id, tables, seconds, checksums, undo_sql)
       VALUES ('$backup_id', $loaded_tables, $(($(date +%s) - started)), $(sql_string "$checksums"), $(sql_string "$undo_sql"));
     DROP DATABASE IF EXISTS \`$discarded\`; DROP DATABASE IF EXISTS \`$staging\`" ||
  die "restored $backup_id but could not record it in '$meta_db'" "The data is restored; grant the restore user's grants on \`${db}\\_\\_%\`.* (docs/datapath.md) so the next run can skip it"
log "'$previous' keeps the tables this restore replaced, until the next restore. To undo this restore's database swap (Ghost stopped): mariadb -Nr -e 'SELECT undo_sql FROM \`$meta_db\`.restores ORDER BY id DESC LIMIT 1' | mariadb (one RENAME TABLE that swaps '$db' and '$previous'; run again to redo)"
if $with_content; then
  printf 'backupId=%s\nrestoredAt=%s\n' "$backup_id" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$content_dir/.dcdr-restored"
fi
log "restore of $backup_id complete in $(($(date +%s) - started))s"
