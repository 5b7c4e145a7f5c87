#!/usr/bin/env bash
# Restore helper, run by restore-apply.sh. Image: mariadb:10.11.19 (needs GNU tar, zstd, head, wc, df,
# find, chmod, awk; bash >= 4.3). Must run as a non-root uid (the restore pod's 1000).
#
# Usage: content-extract.sh ARCHIVE DEST_DIR MAX_BYTES [FOLDERS]
#
# Extracts a content archive (content.tar.zst as backup-dump.sh makes it) into DEST_DIR and treats it
# as hostile input (issue 10, findings 3, 7 and 12): whoever can write the bucket writes this file.
# The whole archive is refused, with one ERROR line naming the member or the limit, unless:
#   - this runs as a non-root uid: as root, tar creates device files and restores owners and setuid bits;
#   - every member is a regular file or a directory: a symbolic link (media -> /) once made Ghost serve
#     /content/media/etc/passwd; hard links, devices, fifos, sockets and other types are refused alike;
#   - every member path is relative, has no '..', '.' or empty component, and lies in one of FOLDERS, the
#     content folders this set's backup-dump.sh archived ('./' itself may appear; the folders themselves
#     must be directories). A set made with MEDIA_STORAGE=s3 keeps its uploads in the media bucket, so
#     restore-apply.sh passes "themes settings" and an images/ member in it is refused (issue 13);
#   - under data/ only the regular files data/redirects.json and data/redirects.yaml (Ghost 6's redirects
#     FileStore), nothing deeper, no other name, no directory of those names: the rest of data/ can be
#     Ghost's SQLite database, which a set must never replace;
#   - the uncompressed tar stream, measured by decompressing it (never taken from the listing, which
#     an archive can make lie), and the sum of the file sizes the listing declares (which a sparse
#     member can make larger than the stream) both fit MAX_BYTES and the free space of DEST_DIR's volume
#     less CONTENT_RESERVE_BYTES (finding 12: a content bomb filled the live content volume).
# Tar never sees more than the measured budget + 1 bytes of the stream, even if the archive changed
# between the checks and the extraction, so it cannot write more than that. Owners and modes stored in
# the archive are ignored (--no-same-owner --no-same-permissions); afterwards every directory is 0755
# and every file 0644, what Ghost (uid 1000) needs to read and write them, so no stored mode (a './'
# of mode 000, an images/ of 0555) can make the content swap fail (finding 7). What was extracted is then
# checked again against the same rules: only files and directories, none hard-linked, only FOLDERS at the
# top, only the two redirects files in data/.
#
# Arguments:
#   ARCHIVE    the zstd-compressed tar
#   DEST_DIR   an existing, empty directory on the content volume (the swap renames folders out of it)
#   MAX_BYTES  the most bytes the uncompressed tar stream may hold; restore-apply.sh passes the
#              manifest's contentBytes (the stream size backup-dump.sh measured) + 10% + 16 MiB
#   FOLDERS    the top-level names the archive may hold, space-separated, each one of images files media
#              themes settings data ("data" admits the two redirects files only). Default: "images files
#              media themes settings" (a set made before issue 13)
# Environment:
#   CONTENT_RESERVE_BYTES  optional  bytes that must stay free on DEST_DIR's volume. Default: 67108864 (64 MiB)
#   WORK_DIR               optional  where the listing is kept while it is checked (one line per member:
#                                    too big for the pod's small in-memory /tmp on a large site). Default: TMPDIR, /tmp
set -euo pipefail
TAG=restore
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

require_cmd tar zstd head wc df find chmod awk
(($# == 3 || $# == 4)) || die "usage: content-extract.sh ARCHIVE DEST_DIR MAX_BYTES [FOLDERS] (got $# arguments)" "See the header of content-extract.sh"
archive=$1
dest=$2
max=$3
folders="${4-${UPLOAD_FOLDERS[*]} ${SITE_FOLDERS[*]}}"
[[ "$folders" =~ [a-z] ]] || die "FOLDERS is empty" "Name the folders the archive may hold (see the header of content-extract.sh); nothing was changed"
read -ra folder_list <<<"$folders"
for f in "${folder_list[@]}"; do
  [[ " ${UPLOAD_FOLDERS[*]} ${SITE_FOLDERS[*]} data " == *" $f "* ]] ||
    die "FOLDERS names '$(printable "$f")', not one of ${UPLOAD_FOLDERS[*]} ${SITE_FOLDERS[*]} data" "See the header of content-extract.sh; nothing was changed"
done
name="$(basename "$archive")"
[[ "$(id -u)" != 0 ]] ||
  die "content-extract.sh runs as root, so tar would create device files and keep owners and setuid bits from the archive" \
    "Run the restore as Ghost's uid 1000, as the restore pod does (securityContext runAsUser: 1000); nothing was changed"
[[ -f "$archive" && -r "$archive" ]] || die "ARCHIVE '$archive' is not a readable file" "Run restore-fetch.sh first; nothing was changed"
[[ -d "$dest" && -w "$dest" && ! -L "$dest" ]] || die "DEST_DIR '$dest' is not a writable directory" "Create it on the content volume first; nothing was changed"
[[ -z "$(ls -A "$dest")" ]] || die "DEST_DIR '$dest' is not empty" "Give an empty directory; nothing was changed"
[[ "$max" =~ ^[1-9][0-9]{0,15}$ ]] || die "MAX_BYTES '$max' is not a positive number of bytes" "Pass the manifest's contentBytes plus headroom; nothing was changed"
reserve="${CONTENT_RESERVE_BYTES:-67108864}"
[[ "$reserve" =~ ^[0-9]{1,16}$ ]] || die "CONTENT_RESERVE_BYTES '$reserve' is not a number of bytes" "Unset it (default 64 MiB) or give bytes; nothing was changed"
umask 022

# If anything below fails, DEST_DIR must stay removable whatever modes tar gave it (finding 7).
on_exit() {
  local rc=$?
  ((rc == 0)) || chmod -R u+rwX "$dest" 2>/dev/null || true
  cleanup
  exit "$rc"
}
trap on_exit EXIT
scratch="$(mktemp -d "${WORK_DIR:-${TMPDIR:-/tmp}}/dcdr-content.XXXXXX")"
cleanup_files+=("$scratch")

# The budget is the smaller of MAX_BYTES and what the volume can take.
avail="$(df -P -B1 "$dest" | awk 'NR == 2 { print $4 }')"
[[ "$avail" =~ ^[0-9]+$ ]] || die "cannot read the free space of the volume holding '$dest'" "Check that the content volume is mounted; nothing was changed"
room=$((avail > reserve ? avail - reserve : 0))
limit=$((max < room ? max : room))
over_budget() { # WHAT
  if ((max <= room)); then
    die "$name $1 more than its budget of $max bytes (the manifest's contentBytes plus headroom): it is not the archive the backup measured, or a content bomb" \
      "Restore another set with RESTORE_BACKUP_ID; nothing was changed"
  fi
  die "$name $1 more than the $room bytes free on the content volume (keeping CONTENT_RESERVE_BYTES=$reserve free)" \
    "Grow or clean the content volume, or restore another set; nothing was changed"
}

# 1. The real size of the stream: decompressed, counted and thrown away, never more than limit + 1 bytes.
set +o pipefail
zstd -dc -- "$archive" 2>"$scratch/zstd.err" | head -c "$((limit + 1))" | wc -c >"$scratch/bytes"
status=("${PIPESTATUS[@]}")
set -o pipefail
stream_bytes="$(tr -d ' \n' <"$scratch/bytes")"
((stream_bytes <= limit)) || over_budget "expands to"
# 141: zstd was cut off by head (SIGPIPE), which only happens past the limit, handled above.
((status[0] == 0)) || die "cannot decompress $name: $(head -n 1 "$scratch/zstd.err")" "Restore another set with RESTORE_BACKUP_ID; nothing was changed"

# 2. The listing, as stored (--absolute-names: tar would otherwise hide a leading '/'), in the C
# locale with every unprintable byte escaped, so that each member is one line.
set +o pipefail
zstd -dc -- "$archive" 2>/dev/null | head -c "$((limit + 1))" |
  LC_ALL=C tar --list --verbose --numeric-owner --full-time --quoting-style=escape --absolute-names -f - \
    >"$scratch/listing" 2>"$scratch/tar.err"
status=("${PIPESTATUS[@]}")
set -o pipefail
((status[2] == 0)) || die "$name is not a readable tar archive: $(head -n 1 "$scratch/tar.err")" "Restore another set with RESTORE_BACKUP_ID; nothing was changed"

# Each line: mode, uid/gid, size (major,minor for devices), date, time, one space, the name.
# Prints "ok <files> <bytes>" or the first refusal. Portable awk (the image's may be mawk).
verdict="$(LC_ALL=C awk -v folders="$folders" -v redirects="${REDIRECTS_FILES[*]}" '
  function refuse(why) { print "member '\''" name "'\'' " why; bad = 1; exit 1 }
  BEGIN {
    n = split(folders, f, " "); for (i = 1; i <= n; i++) { folder[f[i]] = 1; allowed = allowed (i > 1 ? ", " : "") f[i] }
    n = split(redirects, f, " "); for (i = 1; i <= n; i++) { redirect[f[i]] = 1; names = names (i > 1 ? " and " : "") f[i] }
  }
  {
    type = substr($1, 1, 1); name = $0
    if (!sub(/^[^ ]+ +[^ ]+ +[^ ]+ +[^ ]+ +[^ ]+ /, "", name)) { name = $0; refuse("cannot be read from the listing") }
    if (type == "l") { sub(/ -> .*$/, "", name); refuse("is a symbolic link") }
    if (type == "h") { sub(/ link to .*$/, "", name); refuse("is a hard link") }
    if (type == "c") refuse("is a character device")
    if (type == "b") refuse("is a block device")
    if (type == "p") refuse("is a fifo")
    if (type == "s") refuse("is a socket")
    if (type != "-" && type != "d") refuse("is a special member (tar type " type "), not a file or directory")
    if (substr(name, 1, 1) == "/") refuse("is an absolute path")
    p = name
    while (substr(p, 1, 2) == "./") p = substr(p, 3)
    if (type == "d") sub(/\/$/, "", p)
    if (p == "" || p == ".") { if (type == "d") next; refuse("is not a directory") }
    k = split(p, part, "/")
    for (i = 1; i <= k; i++) if (part[i] == "..") refuse("has a '\''..'\'' component")
    for (i = 1; i <= k; i++) if (part[i] == "" || part[i] == ".") refuse("has an empty or '\''.'\'' path component")
    if (!(part[1] in folder)) refuse("is outside " allowed " (the folders this content archive may hold)")
    if (k == 1 && type != "d") refuse("is a file where Ghost'\''s folder " part[1] " belongs")
    # Ghost 6 keeps the redirects in data/, and maybe its SQLite database: only the redirects may come back.
    if (part[1] == "data" && k > 1) {
      if (k > 2 || !(part[2] in redirect)) refuse("is in data/, where a content archive may hold only the files " names)
      if (type != "-") refuse("is a directory where the file " p " belongs")
    }
    if (type == "-") { files++; bytes += $3 }
  }
  END { if (!bad) printf "ok %d %.0f\n", files, bytes }
' "$scratch/listing")" || die "$name is refused: $verdict" "Restore another set with RESTORE_BACKUP_ID; nothing was changed"
read -r _ files declared <<<"$verdict"
# More than 18 digits would overflow bash's arithmetic; it is over any budget anyway.
((${#declared} <= 18 && declared <= limit)) || over_budget "declares $declared bytes of files,"

# 3. Extraction, from a stream cut at the same limit.
set +o pipefail
zstd -dc -- "$archive" 2>"$scratch/zstd.err" | head -c "$((limit + 1))" |
  tar --extract -f - -C "$dest" --no-same-owner --no-same-permissions --no-overwrite-dir \
    --delay-directory-restore --no-acls --no-selinux --no-xattrs 2>"$scratch/tar.err"
status=("${PIPESTATUS[@]}")
set -o pipefail
((status[2] == 0)) || die "extracting $name into '$dest' failed: $(grep -v '^tar: Exiting' "$scratch/tar.err" | head -n 1)" \
  "Check free space on the content volume, or restore another set; nothing was changed"
((status[0] == 0 || status[0] == 141)) || die "cannot decompress $name: $(head -n 1 "$scratch/zstd.err")" "Restore another set with RESTORE_BACKUP_ID; nothing was changed"

# 4. Modes Ghost can use; then prove nothing but files and directories, none hard-linked, is there.
chmod -R u+rwX "$dest"
find "$dest" -type d -exec chmod 0755 {} +
find "$dest" -type f -exec chmod 0644 {} +
odd="$(find "$dest" \( ! -type f ! -type d \) -o \( -type f -links +1 \) | head -n 1)"
[[ -z "$odd" ]] || die "after extracting $name, '$odd' is not a plain file or directory" "Restore another set with RESTORE_BACKUP_ID; nothing was changed"
# The same rules as the listing's, on what is really there: FOLDERS at the top, the redirects alone in data/.
while IFS= read -r -d '' top; do
  [[ " ${folder_list[*]} " == *" $top "* && -d "$dest/$top" ]] ||
    die "after extracting $name, '$(printable "$top")' is in '$dest', which is not one of the folders this archive may hold (${folder_list[*]})" "Restore another set with RESTORE_BACKUP_ID; nothing was changed"
done < <(find "$dest" -mindepth 1 -maxdepth 1 -printf '%f\0')
if [[ -d "$dest/data" ]]; then
  odd="$(cd "$dest" && find data -mindepth 1 \( -path 'data/*/*' -o ! -type f -o \( ! -name "${REDIRECTS_FILES[0]}" ! -name "${REDIRECTS_FILES[1]}" \) \) -print -quit)"
  [[ -z "$odd" ]] || die "after extracting $name, '$(printable "$odd")' is in data/, which may hold only ${REDIRECTS_FILES[*]}" "Restore another set with RESTORE_BACKUP_ID; nothing was changed"
fi
log "content archive checked and extracted: $files files, $declared bytes ($stream_bytes-byte tar stream, budget $limit); directories 0755, files 0644"
