#!/usr/bin/env bash
# Backup step 4 of 4. Image: amazon/aws-cli:2.x (needs aws, sha256sum, stat).
#
# Publishes the set prepared in $WORK_DIR/backup/ by backup-dump.sh to
#   s3://$BACKUP_BUCKET/$BACKUP_PREFIX<backupId>/<artifact>
# after re-checking every sha256, and writes manifest.json LAST. A set without manifest.json is
# not a backup (restore-fetch.sh ignores it), so an interrupted upload can never pass for one.
#
# The manifest is signed (issue #10): before anything is uploaded, the sha256 of the exact
# manifest bytes is signed with the site's asymmetric KMS key (kms:Sign, which only the active
# site's backup role holds), and the base64 signature is published as manifest.json.sig BEFORE
# manifest.json. So a set that has manifest.json also has its signature, "complete" still means
# "has manifest.json", and a signing failure publishes nothing at all.
#
# The manifest's "media" object says where the set's uploads are (issue 13), from backup-dump.sh's
# MEDIA_STORAGE and MEDIA_BUCKET (meta.env): {"storage": "volume"} when content.tar.zst carries them,
# {"storage": "s3", "bucket": "<the site's media bucket>"} when they are in the media bucket instead and
# the archive holds only themes and settings. restore-apply.sh reads it (as hostile input) to decide what
# it swaps, and refuses an s3 set on a site whose uploads are on the volume.
#
# Environment:
#   BACKUP_BUCKET           required  S3 bucket name
#   BACKUP_PREFIX           optional  key prefix of this site's sets, e.g. ghost/dc/. Default: "" (bucket root)
#   AWS_REGION              required  bucket region
#   S3_ENDPOINT_URL         optional  S3-compatible endpoint (tests). Default: AWS
#   BACKUP_SSE_KMS_KEY_ID   optional  KMS key id/ARN: uploads use SSE-KMS with it. Default: bucket default encryption
#   BACKUP_SIGNING_KEY_ID   required  this site's asymmetric signing key (ECC_NIST_P256, SIGN_VERIFY): id, ARN or alias
#   KMS_ENDPOINT_URL        optional  KMS-compatible endpoint (tests). Default: S3_ENDPOINT_URL, else AWS
#   WORK_DIR                optional  shared directory. Default: /work
# Credentials: whatever the AWS CLI finds (IRSA web identity in the cluster).
set -euo pipefail
TAG=backup
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

require_cmd aws sha256sum stat sed
require_env BACKUP_BUCKET AWS_REGION BACKUP_SIGNING_KEY_ID
out="${WORK_DIR:-/work}/backup"
[[ -f "$out/meta.env" ]] || die "no finished dump in $out (meta.env missing): the dump step failed or was interrupted" "Fix the dump step; nothing was published"

meta() { sed -n "s/^$1=//p" "$out/meta.env" | head -n 1; }
backup_id="$(meta BACKUP_ID)"
valid_backup_id "$backup_id" || die "meta.env has no valid BACKUP_ID" "Re-run backup-dump.sh"
[[ "$(meta DUMP_TRAILER_VERIFIED)" == true ]] || die "the dump's completion trailer was not verified" "Re-run backup-dump.sh"
[[ "$(meta CONTENT_BYTES)" =~ ^[0-9]*$ ]] || die "meta.env has a CONTENT_BYTES that is not a number" "Re-run backup-dump.sh"
media_storage="$(meta MEDIA_STORAGE)"
media_bucket="$(meta MEDIA_BUCKET)"
case "$media_storage" in
  volume) ;;
  s3) valid_bucket_name "$media_bucket" || die "meta.env says MEDIA_STORAGE=s3 but has no valid MEDIA_BUCKET" "Re-run backup-dump.sh with MEDIA_BUCKET set; nothing was published" ;;
  *) die "meta.env has no MEDIA_STORAGE of s3 or volume: it was written by a backup-dump.sh older than this script" "Run the dump and upload steps from the same scripts; nothing was published" ;;
esac
[[ -f "$out/artifacts/db.sql.zst" ]] || die "db.sql.zst is missing from $out/artifacts" "Re-run backup-dump.sh"
(cd "$out/artifacts" && sha256sum --check --strict --quiet "$out/SHA256SUMS") >&2 ||
  die "an artifact in $out/artifacts does not match its sha256" "The files changed after the dump; re-run the backup"
for f in "$out"/artifacts/*; do
  grep -q "  $(basename "$f")\$" "$out/SHA256SUMS" || die "artifact $(basename "$f") has no sha256" "Re-run the backup"
done

prefix="$(s3_prefix)"
set_key="$prefix$backup_id"
if aws_s3api head-object --bucket "$BACKUP_BUCKET" --key "$set_key/manifest.json" >/dev/null 2>&1; then
  die "backup set $backup_id already has a manifest in s3://$BACKUP_BUCKET/$set_key/" "Sets are immutable; run a new backup (new BACKUP_ID)"
fi
sse=()
[[ -n "${BACKUP_SSE_KMS_KEY_ID:-}" ]] && sse=(--sse aws:kms --sse-kms-key-id "$BACKUP_SSE_KMS_KEY_ID")
# KMS through the AWS CLI, like aws_s3api (lib.sh); the drills' moto serves S3 and KMS on one endpoint.
aws_kms() {
  local args=(--region "$AWS_REGION" --output text)
  local endpoint="${KMS_ENDPOINT_URL:-${S3_ENDPOINT_URL:-}}"
  [[ -n "$endpoint" ]] && args+=(--endpoint-url "$endpoint")
  aws "${args[@]}" kms "$@"
}

started=$(date +%s)
# The manifest describes the local, sha-checked files, so it is written and signed before any
# upload: a signing failure then leaves nothing in the bucket (issue #10).
artifact_lines=()
names=()
while read -r sum name; do
  name="${name#\*}"
  names+=("$name")
  bytes="$(stat -c %s "$out/artifacts/$name")"
  case "$name" in
    db.sql.zst) kind="mariadb-dump+zstd" ;;
    content.tar.zst) kind="ghost-content-tar+zstd" ;;
    ghost-export.json) kind="ghost-admin-export-json" ;;
    physical.mbstream.zst) kind="mariadb-backup-mbstream+zstd" ;;
    physical-schema.sql.zst) kind="mariadb-dump-schema+zstd" ;;
    *) kind="other" ;;
  esac
  artifact_lines+=("    {\"name\": \"$name\", \"kind\": \"$kind\", \"bytes\": $bytes, \"sha256\": \"$sum\"}")
done <"$out/SHA256SUMS"

manifest="$out/manifest.json"
{
  echo "{"
  echo "  \"schemaVersion\": 1,"
  echo "  \"backupId\": \"$backup_id\","
  echo "  \"createdAt\": \"$(json_escape "$(meta CREATED_AT)")\","
  echo "  \"completedAt\": \"$(date -u +%Y-%m-%dT%H:%M:%SZ)\","
  echo "  \"ghostVersion\": \"$(json_escape "$(meta GHOST_VERSION)")\","
  # One key per line, as restore-apply.sh reads it (issue 13).
  echo "  \"media\": {"
  if [[ "$media_storage" == s3 ]]; then
    echo "    \"storage\": \"s3\","
    echo "    \"bucket\": \"$(json_escape "$media_bucket")\""
  else
    echo "    \"storage\": \"volume\""
  fi
  echo "  },"
  echo "  \"database\": {"
  echo "    \"name\": \"$(json_escape "$(meta DATABASE)")\","
  echo "    \"serverVersion\": \"$(json_escape "$(meta SERVER_VERSION)")\","
  echo "    \"tableCount\": $(meta TABLE_COUNT),"
  # Finding 8: the restore compares the content archive's expanded size with this budget.
  [[ -n "$(meta CONTENT_BYTES)" ]] && echo "    \"contentBytes\": $(meta CONTENT_BYTES),"
  echo "    \"ghostMigrationVersion\": \"$(json_escape "$(meta GHOST_MIGRATION_VERSION)")\","
  echo "    \"ghostMigrationCurrentVersion\": \"$(json_escape "$(meta GHOST_MIGRATION_CURRENT_VERSION)")\""
  echo "  },"
  echo "  \"artifacts\": ["
  last=$((${#artifact_lines[@]} - 1))
  for i in "${!artifact_lines[@]}"; do
    if ((i < last)); then echo "${artifact_lines[$i]},"; else echo "${artifact_lines[$i]}"; fi
  done
  echo "  ]"
  echo "}"
} >"$manifest"

# Sign the sha256 of the exact manifest bytes (MessageType DIGEST: KMS receives 32 bytes, never
# the file). ECC_NIST_P256 keys sign with ECDSA_SHA_256; restore-fetch.sh verifies the same way.
digest="$(sha256sum "$manifest")"
digest="${digest%% *}"
for ((i = 0; i < ${#digest}; i += 2)); do printf '%b' "\\x${digest:i:2}"; done >"$out/manifest.digest"
signature="$(aws_kms sign --key-id "$BACKUP_SIGNING_KEY_ID" --message "fileb://$out/manifest.digest" \
  --message-type DIGEST --signing-algorithm ECDSA_SHA_256 --query Signature)" ||
  die "signing the manifest of $backup_id with KMS key '$BACKUP_SIGNING_KEY_ID' failed (see the aws error above)" "Check BACKUP_SIGNING_KEY_ID, that the key is enabled and that this site's backup role has kms:Sign on it (only the active site's has); nothing was published"
[[ "$signature" =~ ^[A-Za-z0-9+/]+=*$ ]] ||
  die "KMS returned no usable signature for the manifest of $backup_id" "Check BACKUP_SIGNING_KEY_ID names an ECC_NIST_P256 SIGN_VERIFY key; nothing was published"
printf '%s\n' "$signature" >"$out/manifest.json.sig"
log "manifest of $backup_id signed with $BACKUP_SIGNING_KEY_ID"

for name in "${names[@]}"; do
  bytes="$(stat -c %s "$out/artifacts/$name")"
  aws_s3 cp "$out/artifacts/$name" "s3://$BACKUP_BUCKET/$set_key/$name" ${sse[@]+"${sse[@]}"} ||
    die "upload of $name to s3://$BACKUP_BUCKET/$set_key/ failed" "Check S3 reachability and the job's IAM role; the set has no manifest, so it does not count"
  remote="$(aws_s3api head-object --bucket "$BACKUP_BUCKET" --key "$set_key/$name" --query ContentLength)" ||
    die "cannot read back $name after upload" "Check S3 reachability; the set has no manifest, so it does not count"
  [[ "$remote" == "$bytes" ]] || die "$name is $remote bytes in S3 but $bytes locally" "Re-run the backup"
  log "uploaded $name ($bytes bytes)"
done
# The signature goes up before the manifest: whoever sees manifest.json (the mark of a complete
# set) also finds its signature, so a complete set is never unsigned, not even for a moment.
aws_s3 cp "$out/manifest.json.sig" "s3://$BACKUP_BUCKET/$set_key/manifest.json.sig" --content-type text/plain ${sse[@]+"${sse[@]}"} ||
  die "upload of manifest.json.sig failed" "Check S3 reachability; the set has no manifest, so it does not count"
aws_s3 cp "$manifest" "s3://$BACKUP_BUCKET/$set_key/manifest.json" --content-type application/json ${sse[@]+"${sse[@]}"} ||
  die "upload of manifest.json failed" "Check S3 reachability; the set has no manifest, so it does not count"
log "backup $backup_id published to s3://$BACKUP_BUCKET/$set_key/ in $(($(date +%s) - started))s"
