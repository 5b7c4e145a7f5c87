#!/usr/bin/env bash
# Restore step 1 of 2. Image: amazon/aws-cli:2.x (needs aws, sha256sum, sed, stat).
#
# Picks the newest complete backup set (one with manifest.json) under
# s3://$BACKUP_BUCKET/$BACKUP_PREFIX, or the set named by RESTORE_BACKUP_ID, downloads it into
# $WORK_DIR/restore/ and checks every artifact's size and sha256 against the manifest. Touches
# no database: restore-apply.sh (mariadb image) does that after this step succeeded.
#
# Environment:
#   BACKUP_BUCKET           required  S3 bucket name
#   BACKUP_PREFIX           optional  key prefix of the sets, e.g. ghost/dc/. Default: "" (bucket root)
#   AWS_REGION              required  bucket region
#   S3_ENDPOINT_URL         optional  S3-compatible endpoint (tests). Default: AWS
#   RESTORE_BACKUP_ID       optional  restore this set (e.g. 20261121T220000Z). Default: newest complete set
#   RESTORE_MARKER_FILE     optional  marker written by restore-apply.sh (GHOST_CONTENT_DIR/.dcdr-restored);
#                                     when it names the chosen set, artifacts are not downloaded and
#                                     restore-apply.sh skips. Default: unset (always download)
#   RESTORE_FORCE           optional  "true" ignores RESTORE_MARKER_FILE. Default: false
#   WORK_DIR                optional  shared directory. Default: /work
# Credentials: whatever the AWS CLI finds (IRSA web identity in the cluster).
set -euo pipefail
TAG=restore
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

require_cmd aws sha256sum sed stat
require_env BACKUP_BUCKET AWS_REGION
work="${WORK_DIR:-/work}"
[[ -d "$work" && -w "$work" ]] || die "WORK_DIR '$work' is not a writable directory" "Mount the shared emptyDir at $work or set WORK_DIR"
prefix="$(s3_prefix)"
where="s3://$BACKUP_BUCKET/$prefix"
out="$work/restore"
rm -rf "$out"
mkdir -p "$out/artifacts"

if [[ -n "${RESTORE_BACKUP_ID:-}" ]]; then
  backup_id="$RESTORE_BACKUP_ID"
  valid_backup_id "$backup_id" || die "RESTORE_BACKUP_ID '$backup_id' is not a backup id like 20261121T220000Z" "Set it to one of the set names under $where"
  if ! aws_s3api head-object --bucket "$BACKUP_BUCKET" --key "$prefix$backup_id/manifest.json" >/dev/null 2>&1; then
    objects="$(aws_s3api list-objects-v2 --bucket "$BACKUP_BUCKET" --prefix "$prefix$backup_id/" --max-keys 1 --query 'KeyCount')" ||
      die "cannot list $where" "Check S3 reachability, BACKUP_BUCKET, AWS_REGION and the job's IAM role"
    if [[ "$objects" =~ ^[1-9] ]]; then
      die "backup set $backup_id has no manifest.json: it is incomplete (interrupted backup)" "Pick a complete set: unset RESTORE_BACKUP_ID to use the newest"
    fi
    die "backup set $backup_id does not exist under $where" "Check RESTORE_BACKUP_ID and BACKUP_PREFIX, or unset RESTORE_BACKUP_ID to use the newest"
  fi
else
  keys="$(aws_s3api list-objects-v2 --bucket "$BACKUP_BUCKET" --prefix "$prefix" \
    --query "Contents[?ends_with(Key, '/manifest.json')].Key")" ||
    die "cannot list $where" "Check S3 reachability, BACKUP_BUCKET, AWS_REGION and the job's IAM role"
  # Only direct children <prefix><backupId>/manifest.json count; ids sort by time.
  backup_id="$(tr '\t' '\n' <<<"$keys" | sed -n "s|^${prefix//|/\\|}\([0-9]\{8\}T[0-9]\{6\}Z\)/manifest.json\$|\1|p" | sort | tail -n 1)"
  [[ -n "$backup_id" ]] || die "no complete backup set (none with manifest.json) under $where" "Run a backup first, or check BACKUP_BUCKET/BACKUP_PREFIX"
fi
log "restoring backup set $backup_id from $where"

aws_s3 cp "s3://$BACKUP_BUCKET/$prefix$backup_id/manifest.json" "$out/manifest.json" ||
  die "cannot download manifest.json of $backup_id" "Check S3 reachability and the job's IAM role"
manifest="$out/manifest.json"
[[ "$(manifest_field "$manifest" schemaVersion)" == 1 ]] || die "manifest.json of $backup_id is malformed or of an unknown schema" "Restore another set with RESTORE_BACKUP_ID"
[[ "$(manifest_field "$manifest" backupId)" == "$backup_id" ]] || die "manifest.json of $backup_id names another backupId" "The set was tampered with or copied; restore another set"
artifacts="$(manifest_artifacts "$manifest")"
grep -q '^db.sql.zst ' <<<"$artifacts" || die "manifest.json of $backup_id lists no db.sql.zst" "Restore another set with RESTORE_BACKUP_ID"
[[ "$(grep -c '{"name":' "$manifest")" == "$(wc -l <<<"$artifacts")" ]] || die "manifest.json of $backup_id has an artifact entry that does not parse" "Restore another set with RESTORE_BACKUP_ID"

if [[ -n "${RESTORE_MARKER_FILE:-}" && "${RESTORE_FORCE:-false}" != true && -f "$RESTORE_MARKER_FILE" ]] &&
  grep -qx "backupId=$backup_id" "$RESTORE_MARKER_FILE"; then
  echo "$backup_id" >"$out/SKIP"
  log "backup set $backup_id is already restored here (per $RESTORE_MARKER_FILE); nothing to download"
  exit 0
fi

while read -r name bytes sum; do
  aws_s3 cp "s3://$BACKUP_BUCKET/$prefix$backup_id/$name" "$out/artifacts/$name" ||
    die "cannot download $name of $backup_id" "Check S3 reachability; if the object is gone, restore another set"
  [[ "$(stat -c %s "$out/artifacts/$name")" == "$bytes" ]] ||
    die "$name of $backup_id is $(stat -c %s "$out/artifacts/$name") bytes, the manifest says $bytes: the object is damaged" "Restore another set with RESTORE_BACKUP_ID"
  echo "$sum  $name" >>"$out/SHA256SUMS"
done <<<"$artifacts"
(cd "$out/artifacts" && sha256sum --check --strict --quiet "$out/SHA256SUMS") >&2 ||
  die "an artifact of $backup_id does not match its sha256 in manifest.json: the object is corrupted" "Restore another set with RESTORE_BACKUP_ID"
echo "$backup_id" >"$out/BACKUP_ID"
log "backup set $backup_id downloaded and verified ($(wc -l <<<"$artifacts") artifacts)"
