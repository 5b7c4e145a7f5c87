#!/usr/bin/env bash
# Backup step 4 of 4. Image: amazon/aws-cli:2.x (needs aws, sha256sum, stat).
#
# Publishes the set prepared in $WORK_DIR/backup/ by backup-dump.sh to
#   s3://$BACKUP_BUCKET/$BACKUP_PREFIX<backupId>/<artifact>
# after re-checking every sha256, and writes manifest.json LAST. A set without manifest.json is
# not a backup (restore-fetch.sh ignores it), so an interrupted upload can never pass for one.
#
# Environment:
#   BACKUP_BUCKET           required  S3 bucket name
#   BACKUP_PREFIX           optional  key prefix of this site's sets, e.g. ghost/dc/. Default: "" (bucket root)
#   AWS_REGION              required  bucket region
#   S3_ENDPOINT_URL         optional  S3-compatible endpoint (tests). Default: AWS
#   BACKUP_SSE_KMS_KEY_ID   optional  KMS key id/ARN: uploads use SSE-KMS with it. Default: bucket default encryption
#   WORK_DIR                optional  shared directory. Default: /work
# Credentials: whatever the AWS CLI finds (IRSA web identity in the cluster).
set -euo pipefail
TAG=backup
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

require_cmd aws sha256sum stat
require_env BACKUP_BUCKET AWS_REGION
out="${WORK_DIR:-/work}/backup"
[[ -f "$out/meta.env" ]] || die "no finished dump in $out (meta.env missing): the dump step failed or was interrupted" "Fix the dump step; nothing was published"

meta() { sed -n "s/^$1=//p" "$out/meta.env" | head -n 1; }
backup_id="$(meta BACKUP_ID)"
valid_backup_id "$backup_id" || die "meta.env has no valid BACKUP_ID" "Re-run backup-dump.sh"
[[ "$(meta DUMP_TRAILER_VERIFIED)" == true ]] || die "the dump's completion trailer was not verified" "Re-run backup-dump.sh"
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

started=$(date +%s)
artifact_lines=()
while read -r sum name; do
  name="${name#\*}"
  bytes="$(stat -c %s "$out/artifacts/$name")"
  aws_s3 cp "$out/artifacts/$name" "s3://$BACKUP_BUCKET/$set_key/$name" ${sse[@]+"${sse[@]}"} ||
    die "upload of $name to s3://$BACKUP_BUCKET/$set_key/ failed" "Check S3 reachability and the job's IAM role; the set has no manifest, so it does not count"
  remote="$(aws_s3api head-object --bucket "$BACKUP_BUCKET" --key "$set_key/$name" --query ContentLength)" ||
    die "cannot read back $name after upload" "Check S3 reachability; the set has no manifest, so it does not count"
  [[ "$remote" == "$bytes" ]] || die "$name is $remote bytes in S3 but $bytes locally" "Re-run the backup"
  case "$name" in
    db.sql.zst) kind="mariadb-dump+zstd" ;;
    content.tar.zst) kind="ghost-content-tar+zstd" ;;
    ghost-export.json) kind="ghost-admin-export-json" ;;
    physical.mbstream.zst) kind="mariadb-backup-mbstream+zstd" ;;
    physical-schema.sql.zst) kind="mariadb-dump-schema+zstd" ;;
    *) kind="other" ;;
  esac
  artifact_lines+=("    {\"name\": \"$name\", \"kind\": \"$kind\", \"bytes\": $bytes, \"sha256\": \"$sum\"}")
  log "uploaded $name ($bytes bytes)"
done <"$out/SHA256SUMS"

manifest="$out/manifest.json"
{
  echo "{"
  echo "  \"schemaVersion\": 1,"
  echo "  \"backupId\": \"$backup_id\","
  echo "  \"createdAt\": \"$(json_escape "$(meta CREATED_AT)")\","
  echo "  \"completedAt\": \"$(date -u +%Y-%m-%dT%H:%M:%SZ)\","
  echo "  \"ghostVersion\": \"$(json_escape "$(meta GHOST_VERSION)")\","
  echo "  \"database\": {"
  echo "    \"name\": \"$(json_escape "$(meta DATABASE)")\","
  echo "    \"serverVersion\": \"$(json_escape "$(meta SERVER_VERSION)")\","
  echo "    \"tableCount\": $(meta TABLE_COUNT),"
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
aws_s3 cp "$manifest" "s3://$BACKUP_BUCKET/$set_key/manifest.json" --content-type application/json ${sse[@]+"${sse[@]}"} ||
  die "upload of manifest.json failed" "Check S3 reachability; the set has no manifest, so it does not count"
log "backup $backup_id published to s3://$BACKUP_BUCKET/$set_key/ in $(($(date +%s) - started))s"
