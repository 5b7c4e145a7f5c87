#!/usr/bin/env bash
# Backup step 2 of 4 (optional, off unless MARIADB_DATADIR is set). Image: mariadb:10.11.19 (needs
# mariadb-backup, mariadb-dump, zstd, sha256sum). Runs after backup-dump.sh, before the upload.
#
# Adds a physical copy of Ghost's database (mariadb-backup --stream) to the set in
# $WORK_DIR/backup/: restore-apply.sh imports it table by table (transportable tablespaces),
# about 2.5x faster than loading the logical dump, which stays in the set as the portable copy.
# mariadb-backup reads the server's data files, so this container must mount the MariaDB data
# volume (read-only is enough): run it in the MariaDB pod, or on its node with pod affinity.
#
# Environment:
#   MARIADB_DATADIR         optional  the server's datadir as mounted here. Default: unset (step skipped)
#   MARIADB_HOST, MARIADB_PORT, MARIADB_SOCKET, MARIADB_USER, MARIADB_PASSWORD_FILE,
#   MARIADB_DATABASE                     as for backup-dump.sh; the user also needs RELOAD,
#                                     PROCESS, BINLOG MONITOR (mariadb-backup's BACKUP STAGE locks)
#   WORK_DIR                optional  shared directory. Default: /work
#   ZSTD_LEVEL              optional  zstd compression level. Default: 1
#   ZSTD_THREADS            optional  zstd worker threads. Default: 1
set -euo pipefail
TAG=backup
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if [[ -z "${MARIADB_DATADIR:-}" ]]; then
  log "physical backup skipped (MARIADB_DATADIR is not set)"
  exit 0
fi
require_cmd mariadb-backup mariadb-dump zstd sha256sum
out="${WORK_DIR:-/work}/backup"
db="${MARIADB_DATABASE:-ghost}"
[[ -f "$out/meta.env" ]] || die "no finished dump in $out" "Run backup-dump.sh first, in the same pod"
[[ -d "$MARIADB_DATADIR" ]] || die "MARIADB_DATADIR '$MARIADB_DATADIR' is not a directory" "Mount the MariaDB data volume there"
mariadb_cnf

started=$(date +%s)
# The table definitions the tablespaces will be imported into, taken just before the copy. If a
# migration changed a table in between, the import refuses the set and restore can use the dump.
mariadb-dump --defaults-extra-file="$MARIADB_CNF" --no-data --skip-triggers --skip-add-locks --skip-dump-date \
  --default-character-set=utf8mb4 "$db" | zstd -q -o "$out/artifacts/physical-schema.sql.zst" ||
  die "mariadb-dump --no-data of '$db' failed" "See the error above; nothing was published"

target="$(mktemp -d "${TMPDIR:-/tmp}/dcdr-mbtarget.XXXXXX")"
cleanup_files+=("$target")
rc=0
mariadb-backup --defaults-extra-file="$MARIADB_CNF" --backup --stream=mbstream --datadir="$MARIADB_DATADIR" \
  --databases="$db" --target-dir="$target" 2>"$out/physical.log" |
  zstd -q "-T${ZSTD_THREADS:-1}" "-${ZSTD_LEVEL:-1}" -o "$out/artifacts/physical.mbstream.zst" || rc=$?
if ((rc != 0)) || [[ "$(tail -n 1 "$out/physical.log")" != *"completed OK!" ]]; then
  rm -f "$out/artifacts/physical.mbstream.zst" "$out/artifacts/physical-schema.sql.zst"
  die "mariadb-backup of '$db' failed: $(grep -m1 -i error "$out/physical.log" || tail -n 1 "$out/physical.log")" \
    "Check MARIADB_DATADIR and the user's RELOAD, PROCESS, BINLOG MONITOR grants; the set was not published"
fi
(cd "$out/artifacts" && sha256sum physical.mbstream.zst physical-schema.sql.zst) >>"$out/SHA256SUMS"
log "physical backup added in $(($(date +%s) - started))s ($(stat -c %s "$out/artifacts/physical.mbstream.zst") bytes)"
