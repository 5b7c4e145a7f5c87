#!/usr/bin/env bash
# Prepares this machine for `npm run drill`, `drill:faults` and `bench:datapath`.
# Idempotent: every step is skipped when its result is already there.
#
# Environment:
#   GHOST_DCDR_CACHE  optional; where the Ghost install is cached, outside the repo.
#                     Default: $HOME/.cache/ghost-dcdr
#   GHOST_VERSION     optional; Ghost release to install from npm. Default: 6.65.0
set -euo pipefail

repo_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache_dir="${GHOST_DCDR_CACHE:-$HOME/.cache/ghost-dcdr}"
ghost_version="${GHOST_VERSION:-6.65.0}"
ghost_dir="$cache_dir/ghost-$ghost_version"

log() { printf '%s setup: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2; }
die() { printf '%s setup: ERROR: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2; exit 1; }

# --- Debian packages -------------------------------------------------------
# awscli is Debian's v2 at /usr/bin/aws; mariadb-backup is the physical backup tool.
packages=(mariadb-server mariadb-client mariadb-backup zstd awscli shellcheck curl)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  log "installing Debian packages: ${missing[*]}"
  [[ $(id -u) == 0 ]] || die "installing ${missing[*]} needs root. Run this script as root or install them yourself."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # The server package must not start a system-wide MariaDB: the drill runs its own.
  printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  rm -f /usr/sbin/policy-rc.d
else
  log "Debian packages present"
fi

# --- moto (S3 stand-in) ----------------------------------------------------
if ! command -v moto_server >/dev/null && [[ ! -x /root/.pyenv/shims/moto_server ]]; then
  die "moto_server not found. Install it with: pip install 'moto[server]'"
fi

# --- Ghost -----------------------------------------------------------------
node_bin="$repo_dir/node_modules/.bin"
[[ -x "$node_bin/node" ]] || die "Node 22 not found at $node_bin/node. Run: npm ci (in $repo_dir)"
if [[ -f "$ghost_dir/.installed" ]]; then
  log "Ghost $ghost_version cached at $ghost_dir"
else
  log "installing Ghost $ghost_version into $ghost_dir (about 4 minutes)"
  rm -rf "$ghost_dir" "$ghost_dir.tmp"
  mkdir -p "$ghost_dir.tmp"
  (
    cd "$ghost_dir.tmp"
    export PATH="$node_bin:$PATH"
    tarball="$(npm pack --silent "ghost@$ghost_version")"
    tar -xzf "$tarball" --strip-components=1
    rm -f "$tarball"
    # devDependencies include a GitHub tarball that the registry-only network cannot reach.
    node -e '
      const fs = require("fs");
      const p = JSON.parse(fs.readFileSync("package.json", "utf8"));
      delete p.devDependencies;
      fs.writeFileSync("package.json", JSON.stringify(p, null, 2));
    '
    npm install --omit=dev --legacy-peer-deps --no-audit --no-fund --loglevel=error >/dev/null
  )
  touch "$ghost_dir.tmp/.installed"
  mv "$ghost_dir.tmp" "$ghost_dir"
fi
log "ready"
