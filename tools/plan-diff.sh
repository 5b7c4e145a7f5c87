#!/usr/bin/env bash
# Compares both stacks' offline plans (resources.json and manifests) with a saved copy: the structure refactor of
# issue 11 must leave them identical apart from documented fixes.
# Needs jq.
# usage: bash tools/plan-diff.sh <saved plan dir, e.g. /tmp/plan-before> [<scratch dir>]
set -euo pipefail
before=${1:?usage: bash tools/plan-diff.sh <saved plan dir> [<scratch dir>]}
after=${2:-$(mktemp -d)}
status=0
for stack in dc dr; do
  npm run -s plan -- --stack "$stack" --out "$after/$stack" >/dev/null
  # By URN: the order of registration may shift when a resource waits on another output; its content may not.
  diff -u <(jq -S 'sort_by(.urn)' "$before/$stack/resources.json") <(jq -S 'sort_by(.urn)' "$after/$stack/resources.json") || status=1
  diff -ru "$before/$stack/manifests" "$after/$stack/manifests" || status=1
done
[ "$status" -eq 0 ] && echo "plan-diff: dc and dr plans identical to $before"
exit "$status"
