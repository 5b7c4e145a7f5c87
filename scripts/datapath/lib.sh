# shellcheck shell=bash
# Shared helpers for the data-path scripts. Sourced, never run.
#
# Every script sets TAG (backup|restore) before sourcing, so that each failure reads
#   <tag>: ERROR: <problem>. <fix>
# on one line, and every log line carries a UTC timestamp. Secrets never reach argv or the log.

log() { printf '%s %s: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$TAG" "$*" >&2; }

# die PROBLEM FIX
die() {
  printf '%s %s: ERROR: %s. %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$TAG" "$1" "$2" >&2
  exit 1
}

require_env() {
  local name
  for name in "$@"; do
    [[ -n "${!name:-}" ]] || die "$name is not set" "Set $name in the job's environment (see the header of $(basename "$0"))"
  done
}

require_cmd() {
  local cmd
  for cmd in "$@"; do
    command -v "$cmd" >/dev/null || die "command '$cmd' not found" "Run $(basename "$0") in the image listed in its header"
  done
}

# Backup ids are sortable UTC timestamps; anything else could escape the prefix or sort wrongly.
valid_backup_id() { [[ $1 =~ ^[0-9]{8}T[0-9]{6}Z$ ]]; }

# printable TEXT: TEXT made safe to quote in a log line. Control characters and bytes above 127 are shown
# the way `cat -vT` shows them (ESC as ^[, a tab as ^I, a newline as ^J), so a hostile value cannot move the
# cursor, recolour or rewrite the terminal or the log viewer; more than 64 characters end in "...".
printable() {
  local s=${1//$'\n'/^J} out
  out="$(printf '%s' "$s" | LC_ALL=C cat -vT)"
  ((${#out} <= 64)) || out="${out:0:64}..."
  printf '%s' "$out"
}

# Ghost's content folders (issue 13). UPLOAD_FOLDERS hold what users upload; a site with MEDIA_STORAGE=s3
# keeps them in its media bucket (versioned and replicated to the other region), so its sets leave them
# out. SITE_FOLDERS (custom themes, routes) are on the content volume whatever MEDIA_STORAGE says.
# Ghost 6's redirects FileStore keeps REDIRECTS_FILES in content/data/ (core/server/services/
# adapter-manager/utils.js: basePath getContentPath('data')); the rest of data/ can hold a SQLite
# database and is never archived. Used by backup-dump.sh, content-extract.sh and restore-apply.sh.
# shellcheck disable=SC2034 # used by the scripts that source this file
UPLOAD_FOLDERS=(images files media)
# shellcheck disable=SC2034
SITE_FOLDERS=(themes settings)
# shellcheck disable=SC2034
REDIRECTS_FILES=(redirects.json redirects.yaml)

# S3 bucket-name syntax: 3 to 63 of a-z 0-9 . -, starting and ending with a letter or digit, no "..".
valid_bucket_name() { [[ $1 =~ ^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$ && $1 != *..* ]]; }

# site_media_storage NOTHING-CHANGED: sets media_storage to where this site keeps Ghost's uploads, from
# MEDIA_STORAGE: s3 (the media bucket) or volume (the content volume); unset or empty means volume, the
# behaviour before issue 13. Anything else dies; NOTHING-CHANGED ends the fix ("nothing was changed").
site_media_storage() {
  media_storage="${MEDIA_STORAGE:-volume}"
  [[ "$media_storage" == s3 || "$media_storage" == volume ]] ||
    die "MEDIA_STORAGE '$(printable "$media_storage")' is not s3 or volume" \
      "Set it to s3 (uploads in the media bucket) or volume (uploads on the content volume), as config ghost-dcdr:mediaStorage does; $1"
}

# secret NAME: prints the value of $NAME, or the content of the file named by $NAME_FILE.
secret() {
  local name=$1 file_var="${1}_FILE"
  if [[ -n "${!file_var:-}" ]]; then
    [[ -r "${!file_var}" ]] || die "$file_var points to '${!file_var}', which is not readable" "Mount the Secret there or fix $file_var"
    # Kubernetes Secret files often end with a newline that is not part of the password.
    local value
    value="$(cat "${!file_var}")"
    printf '%s' "${value%$'\n'}"
  else
    printf '%s' "${!name:-}"
  fi
}

# MariaDB's password is read from MARIADB_PASSWORD_FILE only (finding 4 of issue 10): an env value would sit in
# the environment of every child (zstd, awk, tar, mariadb), readable in /proc/<pid>/environ. A set
# MARIADB_PASSWORD is captured here, removed from the environment before any child starts, and refused
# if it is not empty; empty means "no password" (the drills' throw-away root).
dcdr_env_password="${MARIADB_PASSWORD-}"
unset MARIADB_PASSWORD
[[ -z "$dcdr_env_password" ]] ||
  die "MARIADB_PASSWORD is set: the password would be in the environment of every process this script starts" \
    "Mount the password as a file and set MARIADB_PASSWORD_FILE instead; nothing was changed"
unset dcdr_env_password

# client_option NAME VALUE: refuses a value that could smuggle a second option into the option file.
client_option() {
  [[ "$2" != *[[:cntrl:]]* ]] ||
    die "$1 contains a newline or another control character, which would inject MariaDB client options" \
      "Store a value without control characters (the generated passwords are letters and digits); nothing was changed"
}

# MariaDB client options, password included, live in a file that is unlinked before anything is written to
# it (finding 4 of issue 10): only an open descriptor of this shell names it, and the clients re-open it
# through /dev/fd/N (Linux opens the deleted file afresh, from offset 0). When the script dies, however it
# dies (kill -9, out-of-memory, deadline), the kernel frees the file with the last descriptor: no password
# file is ever left in TMPDIR, and the password is never on a command line (`ps` shows argv).
MARIADB_CNF=""
mariadb_cnf() {
  require_env MARIADB_USER
  local password="" file fd
  [[ -n "${MARIADB_PASSWORD_FILE:-}" ]] && password="$(secret MARIADB_PASSWORD)"
  client_option "the MariaDB password (MARIADB_PASSWORD_FILE)" "$password"
  client_option MARIADB_USER "$MARIADB_USER"
  client_option MARIADB_HOST "${MARIADB_HOST:-}"
  client_option MARIADB_PORT "${MARIADB_PORT:-}"
  client_option MARIADB_SOCKET "${MARIADB_SOCKET:-}"
  file="$(umask 077 && mktemp "${TMPDIR:-/tmp}/dcdr-client.XXXXXX")" || die "cannot create a file in TMPDIR '${TMPDIR:-/tmp}'" "Give the job a writable TMPDIR"
  exec {fd}<>"$file"
  rm -f "$file"
  MARIADB_CNF="/dev/fd/$fd"
  {
    echo "[client]"
    echo "user=$MARIADB_USER"
    # Quoted: the client unescapes \\ and \" inside double quotes.
    local escaped=${password//\\/\\\\}
    echo "password=\"${escaped//\"/\\\"}\""
    if [[ -n "${MARIADB_SOCKET:-}" ]]; then
      echo "socket=$MARIADB_SOCKET"
    else
      echo "host=${MARIADB_HOST:-127.0.0.1}"
      echo "port=${MARIADB_PORT:-3306}"
      echo "protocol=tcp"
    fi
    echo "default-character-set=utf8mb4"
    echo "max-allowed-packet=1G"
    # Only the mariadb client knows this option; mariadb-dump would reject it under [client].
    echo "[mysql]"
    echo "connect-timeout=${MARIADB_CONNECT_TIMEOUT:-10}"
  } >&"$fd"
  [[ -s "$MARIADB_CNF" ]] || die "the MariaDB option file cannot be re-opened through $MARIADB_CNF" "Run the script on Linux with /proc mounted"
}

# sql QUERY [DB]: runs one query, tab-separated output without headers.
sql() { mariadb --defaults-extra-file="$MARIADB_CNF" --batch --skip-column-names -e "$1" ${2:+"$2"}; }

# S3 access through the AWS CLI. Credentials are whatever the CLI finds (IRSA in the cluster).
aws_s3api() {
  local args=(--region "$AWS_REGION" --output text)
  [[ -n "${S3_ENDPOINT_URL:-}" ]] && args+=(--endpoint-url "$S3_ENDPOINT_URL")
  aws "${args[@]}" s3api "$@"
}
aws_s3() {
  local args=(--region "$AWS_REGION" --only-show-errors)
  [[ -n "${S3_ENDPOINT_URL:-}" ]] && args+=(--endpoint-url "$S3_ENDPOINT_URL")
  aws "${args[@]}" s3 "$@"
}

# Normalised prefix: "" or "something/".
s3_prefix() {
  local p="${BACKUP_PREFIX:-}"
  p="${p#/}"
  [[ -z "$p" || "$p" == */ ]] || p="$p/"
  printf '%s' "$p"
}

json_escape() {
  local s=$1
  s=${s//\\/\\\\}
  s=${s//\"/\\\"}
  s=${s//$'\n'/\\n}
  s=${s//$'\t'/\\t}
  printf '%s' "$s"
}

# manifest_artifacts FILE: prints "name bytes sha256" for each artifact line of a manifest we wrote.
# The manifest is written one artifact per line (see backup-upload.sh) so that images without jq
# can read it; a manifest that does not parse this way is refused as malformed.
manifest_artifacts() {
  sed -n 's/^    {"name": "\([A-Za-z0-9._-]*\)", "kind": "[^"]*", "bytes": \([0-9]*\), "sha256": "\([0-9a-f]\{64\}\)"},\{0,1\}$/\1 \2 \3/p' "$1"
}

# manifest_field FILE KEY: the string or number value of a top-level or nested "key": value line.
manifest_field() {
  sed -n "s/^ *\"$2\": \"\{0,1\}\([^\",]*\)\"\{0,1\},\{0,1\}\$/\1/p" "$1" | head -n 1
}

cleanup_files=()
cleanup() {
  local f
  for f in ${cleanup_files[@]+"${cleanup_files[@]}"}; do rm -rf "$f"; done
}
trap cleanup EXIT
