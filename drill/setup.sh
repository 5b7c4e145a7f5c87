#!/usr/bin/env bash
# Prepares this machine for the drills (`npm run drill`, `drill:*`, `bench:datapath`), or cleans up after them.
#
#   bash drill/setup.sh                  set up; idempotent: each step is skipped when its result is already there
#   bash drill/setup.sh --clean          remove the drills' work directories (.drill/: ~3 GB, 9 GB after bench:datapath)
#   bash drill/setup.sh --clean --cache  the same, and the Ghost install cache (~0.8 GB)
#   (npm run clean:drill [-- --cache] runs the last two.)
#
# What it needs (every missing one is reported at once, with its fix, before anything slow starts):
#   - `npm ci` done in this repository: the pinned Node 22 (node_modules/.bin/node) runs Ghost, and its headers
#     (the node package's node-<os>-<arch> package, include/node) build Ghost's native modules for that Node;
#   - root and apt-get, only when one of the Debian packages below is missing;
#   - moto_server (pip's moto[server]): the S3, KMS and Route 53 APIs the drills run against;
#   - the npm registry, and about 1 GB of disk: the Ghost cache (~0.8 GB) and npm's download cache.
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
install_log="$cache_dir/ghost-$ghost_version.install.log"
drill_dir="$repo_dir/.drill"
node="$repo_dir/node_modules/.bin/node"

log() { printf '%s setup: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2; }
die() {
  printf '%s setup: ERROR: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2
  exit 1
}
usage() { sed -n '2,7s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2; }
size_of() {
  if [[ -e $1 ]]; then du -sh "$1" | cut -f1; else echo "nothing"; fi
}

clean=false
clean_cache=false
for arg in "$@"; do
  case "$arg" in
    --clean) clean=true ;;
    --cache) clean_cache=true ;;
    -h | --help) usage && exit 0 ;;
    *) usage && die "unknown argument: $arg" ;;
  esac
done
[[ $clean_cache == false || $clean == true ]] || die "--cache goes with --clean: bash drill/setup.sh --clean --cache"

# --- clean up ----------------------------------------------------------------
if [[ $clean == true ]]; then
  # A running drill's servers live in .drill/: removing it under them would fail that drill in odd ways.
  if command -v pgrep >/dev/null && running="$(pgrep -d ' ' -f -- "$drill_dir/")" && [[ -n $running ]]; then
    die "a drill is running (pids: $running); its servers use $drill_dir. Stop it first (Ctrl-C stops everything it started)."
  fi
  if [[ -d $drill_dir ]]; then
    log "removing $drill_dir ($(size_of "$drill_dir"))"
    rm -rf "$drill_dir"
  else
    log "$drill_dir: not there"
  fi
  if [[ $clean_cache == true ]]; then
    # Only what this script put there: GHOST_DCDR_CACHE may name a directory that holds other things.
    shopt -s nullglob
    cached=("$cache_dir"/ghost-*)
    if ((${#cached[@]})); then
      log "removing the Ghost cache in $cache_dir ($(du -shc "${cached[@]}" | tail -n1 | cut -f1))"
      rm -rf "${cached[@]}"
      rmdir "$cache_dir" 2>/dev/null || true
    else
      log "$cache_dir: no Ghost install cached"
    fi
  fi
  exit 0
fi

# --- what is missing -----------------------------------------------------------
problems=()

# awscli is Debian's v2 at /usr/bin/aws; mariadb-backup is the physical backup tool; g++, make and python3 are
# what node-gyp needs to build Ghost's native modules (re2, better-sqlite3) when no prebuilt binary can be fetched.
packages=(mariadb-server mariadb-client mariadb-backup zstd awscli shellcheck curl g++ make python3)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  if ! command -v apt-get >/dev/null; then
    problems+=("Debian packages missing: ${missing[*]}. This script installs them with apt-get, which this system lacks: install their equivalents yourself.")
  elif [[ $(id -u) != 0 ]]; then
    problems+=("Debian packages missing: ${missing[*]}. Installing them needs root: run this script as root, or: sudo apt-get install --no-install-recommends ${missing[*]}")
  fi
fi

# The drills look for moto_server on PATH and in root's pyenv (drill/lib/proc.ts motoServer).
if ! command -v moto_server >/dev/null && [[ ! -x /root/.pyenv/shims/moto_server ]]; then
  fix="pipx install 'moto[server]' (Debian: apt-get install pipx; then ~/.local/bin on PATH), or pip install 'moto[server]' in a Python venv whose bin is on PATH"
  # Debian 12 has no moto package; offer one where the distribution has it.
  if command -v apt-cache >/dev/null && apt-cache policy python3-moto 2>/dev/null | grep -q 'Candidate: [0-9]'; then
    fix="apt-get install python3-moto, or $fix"
  fi
  problems+=("moto_server not found (on PATH or /root/.pyenv/shims): the drills need its S3, KMS and Route 53 APIs on 127.0.0.1. Install it: $fix")
fi

[[ -x $node ]] || problems+=("Node 22 not found at $node. Run: npm ci (in $repo_dir)")

# The Node that runs Ghost (the drills start it with their own Node, node_modules/.bin/node) must be the Node its
# native modules are built for. node-gyp builds against whatever headers nodedir names, and without one downloads
# them from nodejs.org (issue 12: unreachable here, "network connectivity"); a user's ~/.npmrc nodedir may name
# another Node's. The pinned `node` package installs a per-platform package, node-<os>-<arch>, with include/node.
node_headers() {
  local version platform dir h found
  version="$("$node" -p 'process.version.slice(1)')"
  platform="$("$node" -p 'process.platform + "-" + process.arch')"
  for dir in "$repo_dir/node_modules/node/node_modules/node-$platform" "$repo_dir/node_modules/node-$platform"; do
    h="$dir/include/node/node_version.h"
    [[ -f $h ]] || continue
    found="$(awk '/^#define NODE_(MAJOR|MINOR|PATCH)_VERSION / { v = v (v ? "." : "") $3 } END { print v }' "$h")"
    if [[ $found == "$version" ]]; then
      printf '%s\n' "$dir"
      return 0
    fi
    log "ignoring $h: Node $found's headers, not $version's" >&2
  done
  printf 'no headers for Node %s (%s) under node_modules (looked for %s and %s). Without them node-gyp downloads them from nodejs.org. Run: npm ci (in %s): the node package then installs node-%s with include/node\n' \
    "$version" "$platform" "node_modules/node/node_modules/node-$platform/include/node" "node_modules/node-$platform/include/node" "$repo_dir" "$platform"
  return 1
}

# A cached install is usable only if its native modules load in the Node that will run it: a cache built with
# another nodedir (an older set-up, or a ~/.npmrc nodedir) fails here with "NODE_MODULE_VERSION".
native_modules_load() {
  local out
  # re2 loads its binary on require; better-sqlite3 only when a database opens. A release without one skips it.
  if out="$(cd "$1" && "$node" -e '
    for (const name of ["re2", "better-sqlite3"]) {
      let file;
      try { file = require.resolve(name, { paths: [process.cwd()] }); } catch { continue; }
      const mod = require(file);
      if (name === "better-sqlite3") new mod(":memory:").close();
    }
  ' 2>&1)"; then
    return 0
  fi
  printf '%s\n' "$out" | awk '/^[A-Za-z]*Error/ { p = 1 } p' | head -n 4 >&2
  return 1
}

ghost_needed=true
if [[ -x $node && -f "$ghost_dir/.installed" ]]; then
  if native_modules_load "$ghost_dir"; then
    ghost_needed=false
  else
    log "the cached Ghost in $ghost_dir has native modules built for another Node (above); it will be reinstalled"
  fi
fi
if [[ $ghost_needed == true && -x $node ]]; then
  headers="$(node_headers)" || problems+=("$headers")
  # The install peaks at ~0.8 GB in the cache plus npm's download cache; refuse early rather than fail half-way.
  probe="$cache_dir"
  until [[ -d $probe ]]; do probe="$(dirname "$probe")"; done
  free_kb="$(df -Pk "$probe" | awk 'NR == 2 { print $4 }')"
  ((free_kb >= 1200000)) || problems+=("only $((free_kb / 1024)) MB free under $probe; installing Ghost needs about 1.2 GB (or set GHOST_DCDR_CACHE to a bigger disk)")
fi

if ((${#problems[@]})); then
  for p in "${problems[@]}"; do log "MISSING: $p"; done
  die "${#problems[@]} prerequisite(s) missing (above); nothing was changed"
fi

# --- Debian packages -------------------------------------------------------
if ((${#missing[@]})); then
  log "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # The server package must not start a system-wide MariaDB: the drill runs its own.
  printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  rm -f /usr/sbin/policy-rc.d
else
  log "Debian packages present"
fi
log "moto_server: $(command -v moto_server || echo /root/.pyenv/shims/moto_server)"

# --- Ghost -----------------------------------------------------------------
# Prints the lines of a failed install that say why (npm's and node-gyp's errors, the compiler's), once each, and
# what they usually mean here.
explain_failure() {
  log "Ghost's install failed after $((SECONDS - started))s; what npm and node-gyp said:"
  grep -E 'gyp ERR!|npm error|npm ERR!|(fatal )?error:' "$install_log" |
    grep -vE 'gyp ERR! (stack +at |System |command |node-gyp -v|.npm_package_)' |
    awk '!seen[$0]++' | head -n 25 >&2 || true
  if grep -q 'network connectivity' "$install_log"; then
    log "cause: node-gyp did not get Node $("$node" --version)'s headers ($headers, through npm_config_nodedir) and could not download them from nodejs.org"
  elif grep -qE 'not found: (make|g\+\+|python)|find Python|command not found' "$install_log"; then
    log "cause: a build tool is missing: apt-get install g++ make python3"
  fi
  die "Ghost was not installed; the full output is in $install_log"
}

if [[ $ghost_needed == false ]]; then
  log "Ghost $ghost_version cached at $ghost_dir"
else
  log "installing Ghost $ghost_version into $ghost_dir, building its native modules for Node $("$node" --version) with $headers (about 5 minutes; output in $install_log)"
  # Built beside the old install, which stays usable until the new one works.
  rm -rf "$ghost_dir.tmp"
  mkdir -p "$ghost_dir.tmp"
  started=$SECONDS
  # set -e does not apply inside a subshell whose status is tested (`if !`, `||`), so it runs untested and the
  # status is read after.
  set +e
  (
    set -euo pipefail
    cd "$ghost_dir.tmp"
    export PATH="$repo_dir/node_modules/.bin:$PATH"
    # For node-gyp, under npm: the environment outranks ~/.npmrc, and this reaches only this install.
    export npm_config_nodedir="$headers"
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
    # --foreground-scripts: the build output lands in the log in order, so a failure can be read there.
    npm install --omit=dev --legacy-peer-deps --no-audit --no-fund --foreground-scripts
  ) >"$install_log" 2>&1
  status=$?
  set -e
  ((status == 0)) || explain_failure
  if ! native_modules_load "$ghost_dir.tmp"; then
    die "Ghost installed, but its native modules do not load in $("$node" --version) (above); the output is in $install_log"
  fi
  printf 'ghost %s for node %s (NODE_MODULE_VERSION %s)\n' "$ghost_version" "$("$node" --version)" "$("$node" -p process.versions.modules)" >"$ghost_dir.tmp/.installed"
  rm -rf "$ghost_dir"
  mv "$ghost_dir.tmp" "$ghost_dir"
  log "Ghost installed in $((SECONDS - started))s"
fi

log "ready. Disk: the Ghost cache uses $(size_of "$ghost_dir") in $ghost_dir; the drills write under $drill_dir ($(size_of "$drill_dir") now; each drill keeps its last run there: ~3 GB for all of them, 5.7 GB more for bench:datapath)"
log "clean up: npm run clean:drill (removes .drill/); npm run clean:drill -- --cache (the Ghost cache too)"
