#!/usr/bin/env bash
# Ghost init container step. Image: the pinned Ghost image (needs bash, cp, mkdir).
#
# Gives a fresh (empty) content volume the directories Ghost expects and the bundled themes, so
# Ghost can boot on it. Never overwrites anything already there: safe on every pod start, and
# a restored volume keeps its restored themes.
#
# Environment:
#   GHOST_INSTALL_DIR   optional  Ghost's installation (holds content/themes). Default: /var/lib/ghost/current
#   GHOST_CONTENT_DIR   optional  the content volume. Default: /var/lib/ghost/content
set -euo pipefail
TAG=seed
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

install_dir="${GHOST_INSTALL_DIR:-/var/lib/ghost/current}"
content_dir="${GHOST_CONTENT_DIR:-/var/lib/ghost/content}"
[[ -d "$install_dir/content/themes" ]] || die "no bundled themes in $install_dir/content/themes" "Set GHOST_INSTALL_DIR to Ghost's installation directory"
[[ -d "$content_dir" && -w "$content_dir" ]] || die "GHOST_CONTENT_DIR '$content_dir' is not a writable directory" "Mount the content volume there or set GHOST_CONTENT_DIR"

for d in apps data files images logs media public settings themes; do
  mkdir -p "$content_dir/$d"
done
for theme in "$install_dir"/content/themes/*/; do
  name="$(basename "$theme")"
  if [[ ! -e "$content_dir/themes/$name" ]]; then
    cp -R "$theme" "$content_dir/themes/$name"
    log "seeded theme $name"
  fi
done
log "content directory $content_dir ready"
