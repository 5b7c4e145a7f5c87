#!/usr/bin/env bash
# Ghost init container step, after seed-content.sh, when config `mediaStorage` is s3 (issue 13). Image:
# amazon/aws-cli:2.x (needs aws, ln, cp, mkdir, mv, rm, stat, sleep, date; bash >= 4.3), run as uid 1000 with a
# read-only root filesystem.
#
# Copies Ghost's uploads from the content volume into this site's media bucket, under the keys Ghost's S3 adapters
# (components/ghost/media.ts) read them from, before Ghost starts on S3:
#   <content>/images/<path>         -> s3://$MEDIA_BUCKET/content/images/<path>   (media/ and files/ alike: the
#                                      adapter's staticFileURLPrefix content/<kind>, then the path Ghost had on disk)
#   <content>/settings/routes.yaml  -> s3://$MEDIA_BUCKET/ghost-settings/routes.yaml    (S3RouteSettingsStore)
#   <content>/data/redirects.json   -> s3://$MEDIA_BUCKET/ghost-settings/redirects.json (S3RedirectsStore)
# The volume's files are never changed or deleted.
#
# - Never overwrites: the bucket is listed once and only the keys it lacks are uploaded (Ghost on the other site may
#   have written them, and replication brought them here). The missing files are hard-linked (copied when a file
#   cannot be linked) into a staging tree on the same volume, <content>/.dcdr-media-staging, which goes up with ONE
#   `aws s3 cp --recursive` and is then removed: one aws process, however many files.
# - Refuses, before anything is uploaded, every entry under images/, media/, files/ (and routes.yaml, redirects.json)
#   that is not a regular file or a folder: a symbolic link (images/x -> /etc/passwd would publish that file on the
#   public CDN), a device, fifo or socket (whatever its number of links), a file or folder this uid cannot read, and
#   a name with a control character (newline, tab: no URL Ghost writes holds one, and S3 lists such keys only
#   URL-encoded). A regular file with several hard links is copied: a hard link can only name a file on this volume.
# - Refuses data/redirects.yaml: Ghost's S3 redirects store reads only redirects.json, so those redirects would stop.
# - A key the bucket already has with another size than the volume's file is refused (the bucket's object is what
#   posts written on S3 show; which one is right is a person's call). routes.yaml and redirects.json are the
#   exception: the bucket's copy is the one Ghost Admin last saved (on either site) and is kept.
# - Verifies after the upload that every file's key is in the bucket with the file's size.
# - Idempotent: after a full success writes <content>/.dcdr-media-migrated (the bucket, the UTC time). A later run
#   skips without contacting S3 when that marker names MEDIA_BUCKET and no file or folder it would copy changed since
#   (by ctime, which a file moved, restored or copied in with an old mtime still gets); otherwise it lists the bucket
#   again and copies what is missing.
#
# Environment:
#   GHOST_CONTENT_DIR     required  the content volume (read-write: the staging tree and the marker go there)
#   MEDIA_BUCKET          required  this site's media bucket
#   AWS_REGION            required  the bucket's region
#   S3_ENDPOINT_URL       optional  S3-compatible endpoint (tests). Default: AWS
#   MEDIA_MIGRATE_FORCE   optional  "true" ignores the marker: lists the bucket and copies what is missing. Default: false
#   WORK_DIR              optional  scratch directory for the bucket listings. Default: /work
# Credentials: whatever the AWS CLI finds (Ghost's IRSA web identity in the cluster).
set -euo pipefail
TAG=media
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

require_cmd aws ln cp mkdir mv rm stat sleep date
require_env GHOST_CONTENT_DIR MEDIA_BUCKET AWS_REGION
content="${GHOST_CONTENT_DIR%/}"
work="${WORK_DIR:-/work}"
[[ -d "$content" && ! -L "$content" && -w "$content" ]] ||
  die "GHOST_CONTENT_DIR '$content' is not a writable directory" "Mount Ghost's content volume there, read-write, or set GHOST_CONTENT_DIR"
[[ -d "$work" && -w "$work" ]] || die "WORK_DIR '$work' is not a writable directory" "Mount the pod's emptyDir at $work or set WORK_DIR"
valid_bucket_name "$MEDIA_BUCKET" ||
  die "MEDIA_BUCKET '$(printable "$MEDIA_BUCKET")' is not an S3 bucket name" "Set MEDIA_BUCKET to this site's media bucket (components/media mediaBucketName)"
# The uploads are lib.sh's UPLOAD_FOLDERS; the settings prefix is components/media MEDIA_SETTINGS_PREFIX
# (test/datapath-steps.test.ts holds both to components/media).
settings_prefix=ghost-settings
marker="$content/.dcdr-media-migrated"
staging="$content/.dcdr-media-staging"
started_ns=$(date +%s%N)
nothing="nothing was uploaded and Ghost does not start"

# named PATH: the path for a message, on one line whatever its name holds.
named() {
  if [[ "$1" == *[[:cntrl:]]* ]]; then printf '%q' "$1"; else printf "'%s'" "$1"; fi
}
type_of() {
  if [[ -p "$1" ]]; then echo "a fifo"; elif [[ -S "$1" ]]; then echo "a socket"; elif [[ -b "$1" ]]; then echo "a block device"; elif [[ -c "$1" ]]; then echo "a character device"; else echo "a special file"; fi
}
refuse_entry() {
  local p=$1 what
  if [[ -n "${2:-}" ]]; then
    what=$2
  elif [[ -L "$p" ]]; then
    what="is a symbolic link: its target (anything this pod can read) would be published on the public CDN"
  elif [[ "${p#"$content"/}" == *[[:cntrl:]]* ]]; then
    what="has a control character (newline, tab, ...) in its name, which no URL Ghost writes holds"
  elif [[ -d "$p" || -f "$p" ]]; then
    what="cannot be read by this step (uid $EUID)"
  else
    what="is $(type_of "$p"), not a regular file or folder"
  fi
  die "$(named "$p") $what" "Replace it with the file itself, rename it or remove it from the content volume, then restart Ghost; $nothing"
}
# ok_entry PATH: true for a readable folder or regular file whose path (below the content volume) has no control character.
ok_entry() {
  [[ ! -L "$1" && "${1#"$content"/}" != *[[:cntrl:]]* ]] || return 1
  if [[ -d "$1" ]]; then [[ -r "$1" && -x "$1" ]]; else [[ -f "$1" && -r "$1" ]]; fi
}

redirects_yaml="$content/data/redirects.yaml"
if [[ -e "$redirects_yaml" || -L "$redirects_yaml" ]]; then
  die "$(named "$redirects_yaml") holds redirects in YAML, which Ghost's S3 redirects store does not read (it reads only redirects.json): they would stop working" \
    "Convert it to JSON and upload that in Ghost Admin (Settings, Labs, Redirects) once Ghost runs, or save it as data/redirects.json for this step to copy; either way remove the YAML file from the content volume; $nothing"
fi

# Everything this step would copy: files[i] goes to keys[i]; dirs are the folders (for the marker's check).
shopt -s globstar dotglob nullglob
files=()
keys=()
dirs=()
for kind in "${UPLOAD_FOLDERS[@]}"; do
  root="$content/$kind"
  [[ -e "$root" || -L "$root" ]] || continue
  ok_entry "$root" || refuse_entry "$root"
  [[ -d "$root" ]] || refuse_entry "$root" "is a file where Ghost keeps a folder of uploads"
  dirs+=("$root")
  # globstar (bash >= 4.3) lists a symbolic link to a folder and does not descend into it.
  for p in "$root"/**; do
    [[ "$p" == "$root/" ]] && continue
    ok_entry "$p" || refuse_entry "$p"
    if [[ -d "$p" ]]; then
      dirs+=("$p")
    else
      files+=("$p")
      keys+=("content/$kind/${p#"$root"/}") # components/media mediaKeyPrefix(kind), then the path
    fi
  done
done
# Files from here on are the two settings files.
settings_from=${#files[@]}
for pair in "settings/routes.yaml:routes.yaml" "data/redirects.json:redirects.json"; do
  p="$content/${pair%%:*}"
  if [[ -L "${p%/*}" ]]; then refuse_entry "${p%/*}"; fi
  [[ -e "$p" || -L "$p" ]] || continue
  ok_entry "$p" || refuse_entry "$p"
  [[ -f "$p" ]] || refuse_entry "$p" "is a folder, not Ghost's ${pair#*:} file"
  files+=("$p")
  keys+=("$settings_prefix/${pair#*:}")
done

# stat_each FORMAT ARRAY: `stat -c FORMAT` of every path in ARRAY into STATS, in order, 1000 paths per process.
STATS=()
stat_each() {
  local format=$1 i
  local -n paths=$2
  STATS=()
  for ((i = 0; i < ${#paths[@]}; i += 1000)); do
    mapfile -t -O "${#STATS[@]}" STATS < <(stat -c "$format" -- "${paths[@]:i:1000}")
  done
  ((${#STATS[@]} == ${#paths[@]})) || die "cannot read the size and times of the files under $(named "$content")" "Check the content volume; $nothing"
}
stat_each '%s %Z' files
sizes=()
ctimes=()
total_bytes=0
for s in "${STATS[@]}"; do
  sizes+=("${s% *}")
  ctimes+=("${s#* }")
  total_bytes=$((total_bytes + ${s% *}))
done
stat_each '%Z' dirs
dir_ctimes=("${STATS[@]}")

elapsed() {
  local ms=$((($(date +%s%N) - started_ns) / 1000000))
  printf '%d.%03ds' $((ms / 1000)) $((ms % 1000))
}

if [[ "${MEDIA_MIGRATE_FORCE:-false}" != true && -f "$marker" && ! -L "$marker" ]]; then
  marked=""
  while IFS= read -r line; do
    if [[ "$line" == bucket=* ]]; then
      marked="${line#bucket=}"
      break
    fi
  done <"$marker"
  if [[ "$marked" == "$MEDIA_BUCKET" ]]; then
    since="$(stat -c %Y -- "$marker")"
    changed=""
    for i in "${!files[@]}"; do
      ((ctimes[i] < since)) || {
        changed="${files[i]}"
        break
      }
    done
    if [[ -z "$changed" ]]; then
      for i in "${!dirs[@]}"; do
        ((dir_ctimes[i] < since)) || {
          changed="${dirs[i]}"
          break
        }
      done
    fi
    if [[ -z "$changed" ]]; then
      log "nothing changed on the volume since it was copied to s3://$MEDIA_BUCKET ($(named "$marker")): skipped without contacting S3; ${#files[@]} files, $total_bytes bytes; copied 0 files (0 bytes) in $(elapsed)"
      exit 0
    fi
    log "$(named "$changed") changed since the last copy to s3://$MEDIA_BUCKET: checking the bucket"
  else
    names="no bucket"
    [[ -z "$marked" ]] || names="bucket '$(printable "$marked")'"
    log "the marker $(named "$marker") names $names, not '$MEDIA_BUCKET': checking the bucket"
  fi
fi

# list_bucket FILE: every object of the bucket as "<URL-encoded key>\t<size>", one per line (a key may hold any
# character, and URL-encoded it holds no tab or newline), then into REMOTE[key]=size.
declare -A REMOTE=()
list_bucket() {
  local out=$1 err="$work/media-list.err" enc size key
  if ! aws_s3api list-objects-v2 --bucket "$MEDIA_BUCKET" --encoding-type url --query 'Contents[].[Key,Size]' >"$out" 2>"$err"; then
    aws_failed "$err" "cannot list s3://$MEDIA_BUCKET" "Check that MEDIA_BUCKET is this site's media bucket in $AWS_REGION, that S3 is reachable from the pod, and that Ghost's role (IRSA) may list and write the bucket; $nothing"
  fi
  REMOTE=()
  while IFS=$'\t' read -r enc size; do
    [[ -n "$enc" && "$enc" != None ]] || continue
    # EncodingType=url: '+' is a space and %XX a byte (S3's encoding; a literal '+' arrives as %2B).
    key="${enc//+/ }"
    key="${key//\\/\\\\}"
    printf -v key '%b' "${key//%/\\x}"
    REMOTE["$key"]=$size
  done <"$out"
}
# aws_failed ERRFILE PROBLEM FIX: shows the AWS CLI's error (its first lines: one failed upload of many is one
# line each), then dies with its last line in the problem.
aws_failed() {
  local line why="" n=0
  while IFS= read -r line; do
    if [[ -n "${line//[[:space:]]/}" ]]; then
      why="$line"
      n=$((n + 1))
      if ((n <= 5)); then log "aws: ${line//[[:cntrl:]]/ }"; fi
    fi
  done <"$1"
  if ((n > 5)); then log "aws: ... and $((n - 5)) more lines"; fi
  why="${why//[[:cntrl:]]/ }"
  die "$2${why:+ ($why)}" "$3"
}

list_bucket "$work/media-bucket-before.txt"
missing=()
kept_settings=()
conflicts=()
skipped_bytes=0
for i in "${!files[@]}"; do
  key="${keys[i]}"
  if [[ -z "${REMOTE["$key"]+set}" ]]; then
    missing+=("$i")
    continue
  fi
  skipped_bytes=$((skipped_bytes + sizes[i]))
  if [[ "${REMOTE["$key"]}" != "${sizes[i]}" ]]; then
    if ((i >= settings_from)); then kept_settings+=("$key"); else conflicts+=("$i"); fi
  fi
done
if ((${#conflicts[@]})); then
  shown=()
  for i in "${conflicts[@]:0:5}"; do
    shown+=("$(named "${keys[i]}") (${REMOTE["${keys[i]}"]} bytes in the bucket, ${sizes[i]} on the volume)")
  done
  die "s3://$MEDIA_BUCKET already holds another object under ${#conflicts[@]} of the volume's keys, and this step never overwrites: ${shown[*]}" \
    "Compare each pair; to publish the volume's file delete the bucket's object (versioning keeps it), or move the volume's file out of $(named "$content"); $nothing"
fi
for key in ${kept_settings[@]+"${kept_settings[@]}"}; do
  log "kept s3://$MEDIA_BUCKET/$key: it differs from the volume's copy, and the bucket's is the one Ghost Admin last saved"
done

copied_bytes=0
not_linked=0
if ((${#missing[@]})); then
  rm -rf -- "$staging"
  cleanup_files+=("$staging")
  declare -A targets=()
  for i in "${missing[@]}"; do
    targets["$staging/${keys[i]%/*}"]=1
    copied_bytes=$((copied_bytes + sizes[i]))
  done
  tdirs=("${!targets[@]}")
  for ((j = 0; j < ${#tdirs[@]}; j += 500)); do
    mkdir -p -- "${tdirs[@]:j:500}" || die "cannot create the staging tree $(named "$staging")" "Check free space and permissions on the content volume; $nothing"
  done
  # One ln per target folder (and at most 500 files); a file that cannot be linked (not this uid's) is copied.
  batch=()
  batch_dir=""
  flush() {
    ((${#batch[@]})) || return 0
    if ! ln -t "$batch_dir" -- "${batch[@]}" 2>/dev/null; then
      local src dst
      for src in "${batch[@]}"; do
        dst="$batch_dir/${src##*/}"
        [[ -e "$dst" ]] && continue
        if ! ln -- "$src" "$dst" 2>/dev/null; then
          cp -- "$src" "$dst" || die "cannot stage $(named "$src") in $(named "$staging")" "Check free space on the content volume; $nothing"
          not_linked=$((not_linked + 1))
        fi
      done
    fi
    batch=()
  }
  for i in "${missing[@]}"; do
    dir="$staging/${keys[i]%/*}"
    if [[ "$dir" != "$batch_dir" || ${#batch[@]} -ge 500 ]]; then
      flush
      batch_dir=$dir
    fi
    batch+=("${files[i]}")
  done
  flush
  ((not_linked == 0)) || log "$not_linked files were copied into the staging tree, not linked (another uid owns them)"
  log "uploading ${#missing[@]} files ($copied_bytes bytes) to s3://$MEDIA_BUCKET"
  err="$work/media-upload.err"
  if ! aws_s3 cp --recursive --no-follow-symlinks "$staging/" "s3://$MEDIA_BUCKET/" 2>"$err"; then
    aws_failed "$err" "the upload to s3://$MEDIA_BUCKET failed" "Check that S3 is reachable and that Ghost's role (IRSA) may write the bucket; nothing is marked as copied, and the next start uploads what is still missing, so Ghost does not start without its uploads"
  fi
  rm -rf -- "$staging"

  list_bucket "$work/media-bucket-after.txt"
  bad=()
  for i in "${!files[@]}"; do
    key="${keys[i]}"
    if [[ -z "${REMOTE["$key"]+set}" ]]; then
      bad+=("$(named "$key") (missing)")
    elif ((i < settings_from)) && [[ "${REMOTE["$key"]}" != "${sizes[i]}" ]]; then
      bad+=("$(named "$key") (${REMOTE["$key"]} bytes, the file has ${sizes[i]})")
    fi
  done
  if ((${#bad[@]})); then
    die "after the upload ${#bad[@]} of ${#files[@]} keys are missing from s3://$MEDIA_BUCKET or have another size, first: ${bad[*]:0:5}" \
      "Check the bucket (a policy or lifecycle rule removing objects?) and the aws output above; nothing is marked as copied, and the next start uploads what is missing"
  fi
  # Linking and unlinking changed the files' ctime: the marker must be later than that, or the next start would copy again.
  sleep 1
fi

rm -f -- "$marker.tmp"
printf 'bucket=%s\nmigratedAt=%s\nfiles=%s\nbytes=%s\n' "$MEDIA_BUCKET" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "${#files[@]}" "$total_bytes" >"$marker.tmp"
mv -f -T -- "$marker.tmp" "$marker"
log "s3://$MEDIA_BUCKET holds all ${#files[@]} files of the volume ($total_bytes bytes): copied ${#missing[@]} files ($copied_bytes bytes), already there $((${#files[@]} - ${#missing[@]})) files ($skipped_bytes bytes), in $(elapsed)"
