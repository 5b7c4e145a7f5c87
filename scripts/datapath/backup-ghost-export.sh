#!/usr/bin/env bash
# Backup step 3 of 4 (optional, off by default). Image: amazon/aws-cli:2.x (needs curl, sha256sum),
# or any image with bash + curl. Runs after backup-dump.sh and before backup-upload.sh.
#
# Adds Ghost's own JSON export (Admin API, GET /ghost/api/admin/db/) to the set in
# $WORK_DIR/backup/ as ghost-export.json: a format any Ghost version can import, kept beside the
# dump in case a restore must cross Ghost major versions. Does nothing unless enabled.
#
# Environment:
#   GHOST_EXPORT_ENABLED          optional  "true" to run. Default: false (the script exits 0)
#   GHOST_ADMIN_URL               required when enabled  Ghost's URL as Ghost knows it, e.g. http://ghost.ghost.svc:2368
#   GHOST_ADMIN_USER              required when enabled  staff user's email (Administrator role)
#   GHOST_ADMIN_PASSWORD_FILE     preferred path of a file holding that user's password
#   GHOST_ADMIN_PASSWORD          fallback  the password itself
#   GHOST_ADMIN_ORIGIN            optional  Origin header Ghost accepts for the session. Default: GHOST_ADMIN_URL
#   WORK_DIR                      optional  shared directory. Default: /work
# Staff device verification must be off for this user (security__staffDeviceVerification=false),
# otherwise Ghost e-mails a code instead of opening the session.
set -euo pipefail
TAG=backup
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if [[ "${GHOST_EXPORT_ENABLED:-false}" != true ]]; then
  log "Ghost JSON export disabled (GHOST_EXPORT_ENABLED is not true)"
  exit 0
fi
require_cmd curl sha256sum
require_env GHOST_ADMIN_URL GHOST_ADMIN_USER
out="${WORK_DIR:-/work}/backup"
[[ -f "$out/meta.env" ]] || die "no finished dump in $out" "Run backup-dump.sh first, in the same pod"
url="${GHOST_ADMIN_URL%/}"
origin="${GHOST_ADMIN_ORIGIN:-$url}"

jar="$(mktemp "${TMPDIR:-/tmp}/dcdr-jar.XXXXXX")"
body="$(mktemp "${TMPDIR:-/tmp}/dcdr-login.XXXXXX")"
cleanup_files+=("$jar" "$body")
chmod 600 "$jar" "$body"
password="$(secret GHOST_ADMIN_PASSWORD)"
# The login body goes through a file (curl --data @file), never argv.
printf '{"username":"%s","password":"%s"}' "$(json_escape "$GHOST_ADMIN_USER")" "$(json_escape "$password")" >"$body"
unset password

status="$(curl -sS -o /dev/null -w '%{http_code}' -c "$jar" -H "Origin: $origin" -H 'Content-Type: application/json' \
  --data-binary "@$body" "$url/ghost/api/admin/session/")" ||
  die "cannot reach Ghost at $url" "Check GHOST_ADMIN_URL and that Ghost is running"
[[ "$status" == 201 ]] || die "Ghost refused the admin session (HTTP $status)" "Check GHOST_ADMIN_USER/GHOST_ADMIN_PASSWORD and that staff device verification is off"

tmp="$out/artifacts/ghost-export.json.part"
status="$(curl -sS -o "$tmp" -w '%{http_code}' -b "$jar" -H "Origin: $origin" "$url/ghost/api/admin/db/")" ||
  die "the Ghost export request failed" "Check Ghost's log"
[[ "$status" == 200 ]] || { rm -f "$tmp"; die "Ghost export returned HTTP $status" "Check that $GHOST_ADMIN_USER is an Administrator"; }
grep -q '"db"' "$tmp" || { rm -f "$tmp"; die "Ghost export is not a Ghost JSON export" "Check GHOST_ADMIN_URL points at Ghost"; }
mv "$tmp" "$out/artifacts/ghost-export.json"
(cd "$out/artifacts" && sha256sum ghost-export.json) >>"$out/SHA256SUMS"
log "Ghost JSON export added ($(stat -c %s "$out/artifacts/ghost-export.json") bytes)"
