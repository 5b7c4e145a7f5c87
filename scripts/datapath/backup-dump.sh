#!/usr/bin/env bash
# Backup step 1 of 4. Image: mariadb:10.11.19 (needs mariadb, mariadb-dump, zstd, tar, sha256sum).
#
# Takes a consistent logical dump of Ghost's database and a tar of Ghost's content directory,
# verifies the dump's completion trailer, and leaves them with their sha256s in
# $WORK_DIR/backup/ for backup-upload.sh (aws-cli image) to publish. Publishes nothing itself.
#
# What content.tar.zst holds is what Ghost cannot rebuild, and where it lives depends on MEDIA_STORAGE
# (issue 13):
#   volume  images/ files/ media/ (the uploads), themes/ (custom themes), settings/ (routes.yaml) and
#           data/redirects.json, data/redirects.yaml: Ghost 6's redirects FileStore keeps the custom
#           redirects in content/data/ (Ghost 6.65.0 core/server/services/adapter-manager/utils.js), so
#           without them a failover lost them. Nothing else of data/ (it can hold a SQLite database).
#   s3      themes/ and settings/ only: the uploads and the redirects are in the media bucket, which is
#           versioned and replicated to the other region, so the set leaves them out and its manifest
#           (backup-upload.sh) names the bucket instead. (Ghost's S3 route-settings store keeps the live
#           routes.yaml in the bucket too; settings/ is archived as the volume holds it.)
# Never logs, the generated public/ cache, or the rest of data/. A link or special file among what is
# archived is refused here (the restore would refuse the set), and hard links are archived as the files
# they name (--hard-dereference), so every set this makes is one content-extract.sh admits.
#
# Environment (all strings):
#   MARIADB_HOST            optional  server host. Default: 127.0.0.1 (ignored when MARIADB_SOCKET is set)
#   MARIADB_PORT            optional  server port. Default: 3306
#   MARIADB_SOCKET          optional  unix socket instead of host/port. Default: unset
#   MARIADB_USER            required  user with SELECT, SHOW VIEW, TRIGGER, EVENT on the database
#   MARIADB_PASSWORD_FILE   required  path of a file holding the password (a mounted Secret); empty password: unset
#   MARIADB_PASSWORD        refused   a password in the environment reaches every child process (issue 10, finding 4)
#   MARIADB_DATABASE        optional  Ghost's database. Default: ghost
#   GHOST_CONTENT_DIR       optional  Ghost's content directory (read only). Default: /var/lib/ghost/content
#   GHOST_CONTENT_SKIP      optional  "true" backs up the database only. Default: false
#   MEDIA_STORAGE           optional  where Ghost keeps its uploads: s3 (the media bucket) or volume (the
#                                     content volume); anything else is refused. Default: volume
#   MEDIA_BUCKET            optional  the site's media bucket (S3 bucket-name syntax); required when
#                                     MEDIA_STORAGE is s3, recorded in the manifest. Default: unset
#   GHOST_VERSION           optional  Ghost version recorded in the manifest (the pinned image tag). Default: unset
#   WORK_DIR                optional  directory shared with the next steps (an emptyDir). Default: /work
#   BACKUP_ID               optional  sortable UTC id of this set, e.g. 20261121T220000Z. Default: now
#   ZSTD_LEVEL              optional  zstd compression level. Default: 1 (keeps up with mariadb-dump;
#                                     higher levels slow the dump down)
#   ZSTD_THREADS            optional  zstd worker threads. Default: 1 (measured: on 2 CPUs, -T0 made the
#                                     dump ~20% slower than -T1; raise it where the pod has spare CPUs)
set -euo pipefail
TAG=backup
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

require_cmd mariadb mariadb-dump zstd tar sha256sum
work="${WORK_DIR:-/work}"
db="${MARIADB_DATABASE:-ghost}"
content_dir="${GHOST_CONTENT_DIR:-/var/lib/ghost/content}"
backup_id="${BACKUP_ID:-$(date -u +%Y%m%dT%H%M%SZ)}"
valid_backup_id "$backup_id" || die "BACKUP_ID '$backup_id' is not a UTC timestamp like 20261121T220000Z" "Unset BACKUP_ID or give one in that form"
# Finding 8 (issue #10): only Ghost's own database may become a set. The name goes into SQL, and a
# system schema or one of the restore's own databases (<db>__staging/__previous/__dcdr) is never it.
[[ "$db" =~ ^[A-Za-z0-9_]{1,64}$ ]] || die "MARIADB_DATABASE '$db' is not a plain database name" "Set MARIADB_DATABASE to Ghost's database (letters, digits, _)"
case "$db" in
  mysql | information_schema | performance_schema | sys | *__staging | *__previous | *__dcdr)
    die "MARIADB_DATABASE '$db' is a system or restore database, not Ghost's; nothing was published" "Set MARIADB_DATABASE to Ghost's database (the Job's database.name)"
    ;;
esac
[[ -d "$work" && -w "$work" ]] || die "WORK_DIR '$work' is not a writable directory" "Mount the shared emptyDir at $work or set WORK_DIR"
site_media_storage "nothing was published"
media_bucket=""
if [[ "$media_storage" == s3 ]]; then
  media_bucket="${MEDIA_BUCKET:-}"
  [[ -n "$media_bucket" ]] ||
    die "MEDIA_STORAGE is s3 but MEDIA_BUCKET is not set: the set would not say where its uploads are" \
      "Set MEDIA_BUCKET to this site's media bucket (the Job sets it from the Media component); nothing was published"
  valid_bucket_name "$media_bucket" ||
    die "MEDIA_BUCKET '$(printable "$media_bucket")' is not an S3 bucket name" \
      "Set MEDIA_BUCKET to this site's media bucket (3-63 of a-z, 0-9, '.', '-'); nothing was published"
fi
if [[ "${GHOST_CONTENT_SKIP:-false}" != true ]]; then
  [[ -d "$content_dir" ]] || die "GHOST_CONTENT_DIR '$content_dir' is not a directory" "Mount Ghost's content volume there, set GHOST_CONTENT_DIR, or set GHOST_CONTENT_SKIP=true"
fi

out="$work/backup"
rm -rf "$out"
mkdir -p "$out/artifacts"
mariadb_cnf

log "backup $backup_id of database '$db' starting"
sql "SELECT 1" >/dev/null || die "cannot connect to MariaDB as '$MARIADB_USER'" "Check MARIADB_HOST/PORT, the password Secret and that the server is up"
[[ "$(sql "SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = '$db'")" == 1 ]] ||
  die "database '$db' does not exist" "Set MARIADB_DATABASE to Ghost's database"
server_version="$(sql "SELECT VERSION()")"
table_count="$(sql "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = '$db' AND table_type = 'BASE TABLE'")"
# Ghost's knex-migrator records every applied migration in `migrations` (version = the migration
# folder, currentVersion = Ghost's version when it ran); the newest row is the schema level a
# restoring Ghost must be at least. `migrations_lock` only holds the lock flag.
migration_version=""
migration_current=""
if [[ "$(sql "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = '$db' AND table_name = 'migrations'")" == 1 ]]; then
  IFS=$'\t' read -r migration_version migration_current < <(sql "SELECT version, currentVersion FROM migrations ORDER BY id DESC LIMIT 1" "$db") || true
fi
# Finding 8: an empty database, or one that is not Ghost's (no migration recorded), was published
# with a warning and then restored over dr's data. Refuse it before anything is written.
[[ "$table_count" =~ ^[1-9][0-9]*$ ]] ||
  die "database '$db' has no tables: a backup of it would wipe the standby" "Check MARIADB_DATABASE and that Ghost's database is the one on $MARIADB_USER's server; nothing was published"
[[ -n "$migration_version" ]] ||
  die "database '$db' has no Ghost 'migrations' table or no migration in it: it is not Ghost's database" "Set MARIADB_DATABASE to Ghost's database (the Job's database.name); nothing was published"

# --single-transaction: one consistent InnoDB snapshot without locking Ghost out.
# --skip-add-locks: the restore loads chunks of one table in parallel; LOCK TABLES would serialise them.
# --max-allowed-packet: Ghost posts carry html + lexical + plaintext; rows can be large.
# --skip-dump-date keeps equal databases producing equal dumps; the trailer is then "-- Dump completed".
# Nothing else touches the dump stream: on 2 CPUs mariadbd and mariadb-dump already use most of
# the machine, and every extra copy of the stream (tee | tail) measurably slowed the dump.
dump_started=$(date +%s.%N)
mariadb-dump --defaults-extra-file="$MARIADB_CNF" \
  --single-transaction --quick --routines --triggers --events --hex-blob \
  --default-character-set=utf8mb4 --skip-add-locks --skip-dump-date --max-allowed-packet=1G \
  "$db" | zstd -q "-T${ZSTD_THREADS:-1}" "-${ZSTD_LEVEL:-1}" -o "$out/artifacts/db.sql.zst" ||
  die "mariadb-dump of '$db' failed" "See the mariadb-dump error above; the set was not published"
# The checksum and the trailer check both read the finished file; they run side by side.
(cd "$out/artifacts" && sha256sum db.sql.zst) >"$out/SHA256SUMS" &
sha_pid=$!
trailer="$(zstd -dc "$out/artifacts/db.sql.zst" | tail -n 1)" || true
wait "$sha_pid" || die "cannot checksum db.sql.zst" "Check free space in WORK_DIR"
[[ "$trailer" == "-- Dump completed"* ]] ||
  die "the dump has no '-- Dump completed' trailer: it was cut short" "Re-run the backup; check the server log and the pod's memory limit"
dump_seconds=$(awk -v a="$dump_started" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
log "database dumped in ${dump_seconds}s: $(stat -c %s "$out/artifacts/db.sql.zst") bytes compressed"

if [[ "${GHOST_CONTENT_SKIP:-false}" != true ]]; then
  # What Ghost cannot rebuild (see the header): with MEDIA_STORAGE=s3 the uploads are in the media bucket.
  folders=("${SITE_FOLDERS[@]}")
  [[ "$media_storage" == volume ]] && folders=("${UPLOAD_FOLDERS[@]}" "${SITE_FOLDERS[@]}")
  parts=()
  for p in "${folders[@]}"; do
    [[ -e "$content_dir/$p" || -L "$content_dir/$p" ]] && parts+=("$p")
  done
  # The custom redirects, file by file: never the rest of data/. A link, directory or special file in
  # their place is refused (content-extract.sh admits only regular files there).
  if [[ "$media_storage" == volume ]]; then
    for f in "${REDIRECTS_FILES[@]}"; do
      [[ -e "$content_dir/data/$f" || -L "$content_dir/data/$f" ]] || continue
      [[ -f "$content_dir/data/$f" && ! -L "$content_dir/data/$f" && ! -L "$content_dir/data" ]] ||
        die "'$content_dir/data/$f' is not a regular file (a link, a directory or a special file, or data/ is a link), which the restore refuses" \
          "Replace it with the redirects file itself or remove it, then re-run the backup; nothing was published"
      parts+=("data/$f")
    done
  fi
  ((${#parts[@]})) || parts=(--files-from=/dev/null) # an empty archive still marks "content: none"
  # Parity with content-extract.sh (issue 10, finding 3): the restore admits only files and
  # directories, so a link or special file here would make a set that can never be restored.
  odd=""
  [[ "${parts[0]}" == --* ]] || odd="$(cd "$content_dir" && find "${parts[@]}" \( ! -type f ! -type d \) -print -quit)"
  [[ -z "$odd" ]] || die "'$content_dir/$odd' is a link or special file, which the restore refuses" "Replace it with the file itself or remove it, then re-run the backup; nothing was published"
  rc=0
  # --totals: the stream's size (CONTENT_BYTES, the budget the restore extracts against: finding 12)
  # at no extra cost; it counts the 512-byte headers and padding too, which extraction reads.
  # --hard-dereference: two hard links to one file are archived as two files, never as a hard-link
  # member, which content-extract.sh refuses.
  LC_ALL=C tar --totals --hard-dereference -C "$content_dir" -cf - "${parts[@]}" 2>"$out/content-tar.err" |
    zstd -q "-T${ZSTD_THREADS:-1}" "-${ZSTD_LEVEL:-1}" -o "$out/artifacts/content.tar.zst" || rc=$?
  grep -v '^Total bytes written: ' "$out/content-tar.err" >&2 || true
  content_bytes="$(sed -n 's/^Total bytes written: \([0-9]*\) .*/\1/p' "$out/content-tar.err")"
  rm -f "$out/content-tar.err"
  # GNU tar exits 1 when a file changed while it was read (Ghost is live); the set is still usable.
  ((rc == 0 || rc == 1)) || die "tar of '$content_dir' failed (exit $rc)" "Check that the content volume is mounted and readable"
  [[ "$content_bytes" =~ ^[0-9]+$ ]] || die "tar did not report the size of the content archive" "Run backup-dump.sh in the image named in its header (GNU tar)"
  ((rc == 0)) || log "warning: some content files changed while they were archived"
  archived="${parts[*]}"
  [[ "$archived" == --* ]] && archived=nothing
  if [[ "$media_storage" == s3 ]]; then
    archived+="; uploads: in media bucket $media_bucket (not in the set)"
  fi
  log "content archived: $archived ($(stat -c %s "$out/artifacts/content.tar.zst") bytes, $content_bytes uncompressed)"
fi

if [[ -f "$out/artifacts/content.tar.zst" ]]; then
  (cd "$out/artifacts" && sha256sum content.tar.zst) >>"$out/SHA256SUMS"
fi
# meta.env is written last: its presence says the dump step finished and verified the trailer.
{
  echo "BACKUP_ID=$backup_id"
  echo "CREATED_AT=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "DATABASE=$db"
  echo "SERVER_VERSION=$server_version"
  echo "TABLE_COUNT=$table_count"
  echo "GHOST_MIGRATION_VERSION=$migration_version"
  echo "GHOST_MIGRATION_CURRENT_VERSION=$migration_current"
  echo "GHOST_VERSION=${GHOST_VERSION:-}"
  echo "DUMP_SECONDS=$dump_seconds"
  echo "DUMP_TRAILER_VERIFIED=true"
  # Uncompressed size of content.tar.zst's tar stream; the restore's budget for it (finding 12).
  echo "CONTENT_BYTES=${content_bytes:-}"
  # Where the site keeps its uploads (issue 13): backup-upload.sh writes them into the manifest's "media".
  echo "MEDIA_STORAGE=$media_storage"
  echo "MEDIA_BUCKET=$media_bucket"
} >"$out/meta.env.tmp"
mv "$out/meta.env.tmp" "$out/meta.env"
log "backup $backup_id ready for upload in $out"
