#!/usr/bin/env bash
# Restore step 1 of 2. Image: amazon/aws-cli:2.x (needs aws, sha256sum, sed, stat, base64, date, sort).
#
# Picks the newest good backup set under s3://$BACKUP_BUCKET/$BACKUP_PREFIX, or the set named by
# RESTORE_BACKUP_ID, downloads it into $WORK_DIR/restore/ and checks every artifact's size and
# sha256 against the manifest. Touches no database: restore-apply.sh (mariadb image) does that
# after this step succeeded.
#
# A backup set is hostile input until proven otherwise (issue #10):
# - its manifest.json must carry a valid signature (manifest.json.sig, base64) by the writing
#   site's KMS key, checked with kms:Verify BEFORE the manifest is parsed and before any artifact
#   is downloaded: a set written by anyone else is refused however consistent its checksums are;
# - sets are ordered by the signed manifest's createdAt, not by their name, and a set named or
#   dated more than RESTORE_MAX_CLOCK_SKEW_S in the future is refused (finding 9: it would stay
#   "newest" forever);
# - without RESTORE_BACKUP_ID, a set that fails any check (signature, malformed manifest, size,
#   sha256) is skipped for the next newest good one, at most RESTORE_MAX_SETS of them, and each
#   skip is a "WARNING:" line plus the marker $WORK_DIR/restore/FALLBACK (for monitoring). An
#   explicit RESTORE_BACKUP_ID never falls back.
#
# Environment:
#   BACKUP_BUCKET             required  S3 bucket name
#   BACKUP_PREFIX             optional  key prefix of the sets, e.g. ghost/dc/. Default: "" (bucket root)
#   AWS_REGION                required  bucket region
#   S3_ENDPOINT_URL           optional  S3-compatible endpoint (tests). Default: AWS
#   BACKUP_SIGNING_KEY_ID     required  KMS key (id, ARN or alias) of the site that WRITES the sets: kms:Verify
#   KMS_ENDPOINT_URL          optional  KMS-compatible endpoint (tests). Default: S3_ENDPOINT_URL, else AWS
#   RESTORE_BACKUP_ID         optional  restore this set (e.g. 20261121T220000Z). Default: newest good set
#   RESTORE_MAX_CLOCK_SKEW_S  optional  how far in the future a set's name or time may be. Default: 300
#   RESTORE_MAX_SETS          optional  how many of the newest sets are tried before giving up. Default: 5
#   RESTORE_MARKER_FILE       optional  marker written by restore-apply.sh (GHOST_CONTENT_DIR/.dcdr-restored);
#                                       when it names the chosen set, artifacts are not downloaded and
#                                       restore-apply.sh skips. Default: unset (always download)
#   RESTORE_FORCE             optional  "true" ignores RESTORE_MARKER_FILE. Default: false
#   WORK_DIR                  optional  shared directory. Default: /work
# Credentials: whatever the AWS CLI finds (IRSA web identity in the cluster).
set -euo pipefail
TAG=restore
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

require_cmd aws sha256sum sed stat base64 date sort
require_env BACKUP_BUCKET AWS_REGION BACKUP_SIGNING_KEY_ID
work="${WORK_DIR:-/work}"
[[ -d "$work" && -w "$work" ]] || die "WORK_DIR '$work' is not a writable directory" "Mount the shared emptyDir at $work or set WORK_DIR"
max_skew="${RESTORE_MAX_CLOCK_SKEW_S:-300}"
[[ "$max_skew" =~ ^[0-9]{1,9}$ ]] || die "RESTORE_MAX_CLOCK_SKEW_S '$max_skew' is not a number of seconds" "Unset it (default 300) or give seconds"
max_sets="${RESTORE_MAX_SETS:-5}"
[[ "$max_sets" =~ ^[1-9][0-9]{0,2}$ ]] || die "RESTORE_MAX_SETS '$max_sets' is not a number from 1 to 999" "Unset it (default 5) or give a count"
prefix="$(s3_prefix)"
where="s3://$BACKUP_BUCKET/$prefix"
out="$work/restore"
candidates="$work/restore-candidates"
rm -rf "$out" "$candidates"
mkdir -p "$out/artifacts" "$candidates"
cleanup_files+=("$candidates")
now="$(date -u +%s)"
explicit=false
[[ -n "${RESTORE_BACKUP_ID:-}" ]] && explicit=true

# KMS through the AWS CLI, like aws_s3api (lib.sh); the drills' moto serves S3 and KMS on one endpoint.
aws_kms() {
  local args=(--region "$AWS_REGION" --output text)
  local endpoint="${KMS_ENDPOINT_URL:-${S3_ENDPOINT_URL:-}}"
  [[ -n "$endpoint" ]] && args+=(--endpoint-url "$endpoint")
  aws "${args[@]}" kms "$@"
}

# epoch_of TIME: seconds since 1970 of a backup id (20261121T220000Z) or a UTC time (2026-11-21T22:00:00Z).
epoch_of() {
  local t=$1
  [[ "$t" =~ ^([0-9]{4})([0-9]{2})([0-9]{2})T([0-9]{2})([0-9]{2})([0-9]{2})Z$ ]] &&
    t="${BASH_REMATCH[1]}-${BASH_REMATCH[2]}-${BASH_REMATCH[3]}T${BASH_REMATCH[4]}:${BASH_REMATCH[5]}:${BASH_REMATCH[6]}Z"
  [[ "$t" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$ ]] || return 1
  date -u -d "$t" +%s 2>/dev/null
}

# Every set passed over, one line each: monitoring alerts on $out/FALLBACK.
skipped=()
skip() {
  log "WARNING: backup set $1 skipped: $2"
  skipped+=("$1: $2")
}

# fetch_bounded KEY FILE MAX: downloads at most MAX bytes of an object and prints its full size, so a
# hostile set cannot fill the work volume with a huge "manifest"; fails when the object cannot be read.
fetch_bounded() {
  local range
  range="$(aws_s3api get-object --bucket "$BACKUP_BUCKET" --key "$1" --range "bytes=0-$(($3 - 1))" "$2" --query ContentRange 2>/dev/null)" ||
    return 1
  if [[ "$range" =~ /([0-9]+)$ ]]; then echo "${BASH_REMATCH[1]}"; else stat -c %s "$2"; fi
}

# check_set ID: downloads the set's manifest and signature into $candidates/ID, verifies the signature,
# then parses the manifest. Sets `reason` and returns 1 when the set must be refused; sets `created`
# (epoch of createdAt) on success. Dies only when KMS itself cannot be asked (then no set can be checked).
check_set() {
  local id=$1 dir="$candidates/$1" key="$prefix$1" size sig verdict
  reason=""
  mkdir -p "$dir"
  size="$(fetch_bounded "$key/manifest.json.sig" "$dir/manifest.json.sig" 1024)" ||
    { reason="it has no manifest.json.sig: the set is unsigned"; return 1; }
  ((size <= 1024)) || { reason="its manifest.json.sig is $size bytes, not a signature"; return 1; }
  size="$(fetch_bounded "$key/manifest.json" "$dir/manifest.json" 65536)" ||
    { reason="its manifest.json cannot be read (empty, or gone since the listing)"; return 1; }
  ((size <= 65536)) || { reason="its manifest.json is $size bytes, larger than 64 KiB"; return 1; }

  # The signature is checked before a single byte of the manifest is interpreted.
  sig="$(tr -d '\n' <"$dir/manifest.json.sig")"
  [[ "$sig" =~ ^[A-Za-z0-9+/]{16,}=*$ ]] || { reason="its manifest.json.sig is not a base64 signature"; return 1; }
  base64 -d <<<"$sig" >"$dir/signature" 2>/dev/null || { reason="its manifest.json.sig is not a base64 signature"; return 1; }
  local digest
  digest="$(sha256sum "$dir/manifest.json")"
  digest="${digest%% *}"
  for ((i = 0; i < ${#digest}; i += 2)); do printf '%b' "\\x${digest:i:2}"; done >"$dir/digest"
  if verdict="$(aws_kms verify --key-id "$BACKUP_SIGNING_KEY_ID" --message "fileb://$dir/digest" --message-type DIGEST \
    --signing-algorithm ECDSA_SHA_256 --signature "fileb://$dir/signature" --query SignatureValid 2>"$dir/kms-error")"; then
    [[ "$verdict" == True ]] || { reason="its manifest signature is not valid for key $BACKUP_SIGNING_KEY_ID: the set was not written by the backup of the site that owns $where"; return 1; }
  elif grep -q 'KMSInvalidSignatureException\|InvalidSignature' "$dir/kms-error"; then
    reason="its manifest signature is not valid for key $BACKUP_SIGNING_KEY_ID: the set was not written by the backup of the site that owns $where"
    return 1
  else
    die "cannot verify the manifest signature of $id with KMS key '$BACKUP_SIGNING_KEY_ID': $(head -c 300 "$dir/kms-error" | tr '\n' ' ')" \
      "Check KMS reachability, BACKUP_SIGNING_KEY_ID (the writing site's key) and kms:Verify in the restore role; nothing was changed"
  fi

  # Signed by the right key: now the manifest is read, still as untrusted text.
  local m="$dir/manifest.json" artifacts created_at completed_at t
  [[ "$(manifest_field "$m" schemaVersion)" == 1 ]] || { reason="its manifest is malformed or of an unknown schema"; return 1; }
  [[ "$(manifest_field "$m" backupId)" == "$id" ]] || { reason="its manifest names another backupId (a signed manifest copied to another set)"; return 1; }
  artifacts="$(manifest_artifacts "$m")"
  grep -q '^db.sql.zst ' <<<"$artifacts" || { reason="its manifest lists no db.sql.zst"; return 1; }
  [[ "$(grep -c '{"name":' "$m")" == "$(wc -l <<<"$artifacts")" ]] || { reason="its manifest has an artifact entry that does not parse"; return 1; }
  created_at="$(manifest_field "$m" createdAt)"
  completed_at="$(manifest_field "$m" completedAt)"
  created="$(epoch_of "$created_at")" || { reason="its manifest has no valid createdAt"; return 1; }
  # Finding 9: a set from the future would be "newest" until the clock caught up with it.
  for t in "$id" "$created_at" "$completed_at"; do
    local e
    e="$(epoch_of "$t")" || { reason="its manifest has a malformed time '$t'"; return 1; }
    if ((e > now + max_skew)); then
      if [[ "$explicit" == true ]]; then
        log "WARNING: backup set $id is dated $t, $((e - now))s in the future (clock skew at the writing site?); restoring it because RESTORE_BACKUP_ID names it"
      else
        reason="it is dated $t, $((e - now))s in the future (more than RESTORE_MAX_CLOCK_SKEW_S=$max_skew): a clock ahead at the writing site, or a crafted set"
        return 1
      fi
    fi
  done
  return 0
}

# download_set ID: downloads and checks every artifact of a verified set into $out. Sets `reason`
# and returns 1 when an artifact is missing or damaged.
download_set() {
  local id=$1 name bytes sum got
  rm -rf "$out"
  mkdir -p "$out/artifacts"
  cp "$candidates/$id/manifest.json" "$candidates/$id/manifest.json.sig" "$out/"
  while read -r name bytes sum; do
    aws_s3 cp "s3://$BACKUP_BUCKET/$prefix$id/$name" "$out/artifacts/$name" ||
      { reason="its $name cannot be downloaded"; return 1; }
    got="$(stat -c %s "$out/artifacts/$name")"
    [[ "$got" == "$bytes" ]] || { reason="its $name is $got bytes, the manifest says $bytes: the object is damaged"; return 1; }
    echo "$sum  $name" >>"$out/SHA256SUMS"
  done < <(manifest_artifacts "$out/manifest.json")
  (cd "$out/artifacts" && sha256sum --check --strict --quiet "$out/SHA256SUMS") >&2 ||
    { reason="an artifact does not match its sha256 in the manifest: the object is corrupted"; return 1; }
  return 0
}

write_fallback() {
  ((${#skipped[@]})) || return 0
  {
    printf 'skipped %s\n' "${skipped[@]}"
    echo "used ${1:-none}"
  } >"$out/FALLBACK"
  log "WARNING: FALLBACK: ${#skipped[@]} newer backup set(s) skipped, restoring ${1:-none}; see $out/FALLBACK and the WARNING lines above"
}

ordered=()
if [[ "$explicit" == true ]]; then
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
  check_set "$backup_id" ||
    die "backup set $backup_id is refused: $reason" "Restore another set (RESTORE_BACKUP_ID never falls back to another one); nothing was changed"
  ordered=("$backup_id")
else
  listing="$(aws_s3api list-objects-v2 --bucket "$BACKUP_BUCKET" --prefix "$prefix" \
    --query "Contents[?ends_with(Key, '/manifest.json')].Key")" ||
    die "cannot list $where" "Check S3 reachability, BACKUP_BUCKET, AWS_REGION and the job's IAM role"
  # Only direct children <prefix><backupId>/manifest.json count. The RESTORE_MAX_SETS newest names
  # are checked (a name in the future is refused without downloading anything), then ordered by
  # their signed createdAt.
  tried=0
  good=()
  while read -r id; do
    [[ -n "$id" ]] || continue
    e="$(epoch_of "$id")" || continue
    if ((e > now + max_skew)); then
      skip "$id" "its name is $((e - now))s in the future (more than RESTORE_MAX_CLOCK_SKEW_S=$max_skew): a clock ahead at the writing site, or a crafted set"
      continue
    fi
    ((tried < max_sets)) || break
    tried=$((tried + 1))
    if check_set "$id"; then
      good+=("$created $id")
    else
      skip "$id" "$reason"
    fi
  done < <(tr '\t' '\n' <<<"$listing" | sed -n "s|^${prefix//|/\\|}\([0-9]\{8\}T[0-9]\{6\}Z\)/manifest.json\$|\1|p" | sort -r)
  if ((${#good[@]} == 0)); then
    ((${#skipped[@]})) && write_fallback none
    ((${#skipped[@]})) &&
      die "none of the newest backup sets under $where passed verification (${#skipped[@]} refused, see the WARNING lines)" "Find out who wrote them; restore an older set with RESTORE_BACKUP_ID; nothing was changed"
    die "no complete backup set (none with manifest.json) under $where" "Run a backup first, or check BACKUP_BUCKET/BACKUP_PREFIX"
  fi
  # The manifest's own (signed) time orders the sets; the name breaks ties.
  mapfile -t ordered < <(printf '%s\n' "${good[@]}" | sort -r | sed 's/^[^ ]* //')
fi

backup_id=""
for id in "${ordered[@]}"; do
  if [[ -n "${RESTORE_MARKER_FILE:-}" && "${RESTORE_FORCE:-false}" != true && -f "$RESTORE_MARKER_FILE" ]] &&
    grep -qx "backupId=$id" "$RESTORE_MARKER_FILE"; then
    rm -rf "$out"
    mkdir -p "$out"
    cp "$candidates/$id/manifest.json" "$candidates/$id/manifest.json.sig" "$out/"
    echo "$id" >"$out/SKIP"
    write_fallback "$id (already restored)"
    log "backup set $id is already restored here (per $RESTORE_MARKER_FILE); nothing to download"
    exit 0
  fi
  log "restoring backup set $id from $where (manifest signature verified)"
  if download_set "$id"; then
    backup_id="$id"
    break
  fi
  [[ "$explicit" == true ]] &&
    die "backup set $id is refused: $reason" "Restore another set (RESTORE_BACKUP_ID never falls back to another one); nothing was changed"
  skip "$id" "$reason"
done
if [[ -z "$backup_id" ]]; then
  rm -rf "$out/artifacts"
  write_fallback none
  die "none of the newest backup sets under $where is usable (${#skipped[@]} refused, see the WARNING lines)" "Restore an older set with RESTORE_BACKUP_ID; nothing was changed"
fi
write_fallback "$backup_id"
echo "$backup_id" >"$out/BACKUP_ID"
log "backup set $backup_id downloaded and verified ($(wc -l <"$out/SHA256SUMS") artifacts)"
