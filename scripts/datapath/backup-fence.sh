#!/usr/bin/env bash
# Backup step 0 (runs before backup-upload.sh). Image: amazon/aws-cli:2.x (needs aws).
#
# Fences a stale active site: publishes nothing unless the public domain's primary Route 53 record
# points at THIS site. The dr stack's failover flag moves that record; a dc cluster that comes back
# from an outage still believing it is active (its stack not yet updated) finds the record naming
# dr and refuses, so two sites never both publish backups. Route 53 is global, so this check works
# from either region.
#
# Environment:
#   FENCE_ZONE_ID       required  Route 53 hosted zone id holding the domain
#   FENCE_DOMAIN        required  the public domain, e.g. blog.example.com
#   FENCE_SITE_NAME     required  this site's own name, e.g. dc.blog.example.com
#   S3_ENDPOINT_URL     optional  also used for Route 53 when set (tests against a local AWS API)
# Credentials: whatever the AWS CLI finds (IRSA web identity in the cluster).
set -euo pipefail
TAG=backup
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

require_env FENCE_ZONE_ID FENCE_DOMAIN FENCE_SITE_NAME
require_cmd aws

endpoint=()
[[ -n "${S3_ENDPOINT_URL:-}" ]] && endpoint=(--endpoint-url "$S3_ENDPOINT_URL")

domain="${FENCE_DOMAIN%.}."
if ! target="$(aws ${endpoint[@]+"${endpoint[@]}"} route53 list-resource-record-sets --hosted-zone-id "$FENCE_ZONE_ID" \
    --query "ResourceRecordSets[?Name=='${domain}' && Type=='A' && SetIdentifier=='primary'].AliasTarget.DNSName | [0]" \
    --output text 2>&1)"; then
  die "cannot read the ${FENCE_DOMAIN} record in zone ${FENCE_ZONE_ID} (${target//$'\n'/ })" \
    "Give the backup role route53:ListResourceRecordSets on the zone, or check FENCE_ZONE_ID"
fi
if [[ -z "$target" || "$target" == "None" ]]; then
  die "the zone has no primary record for ${FENCE_DOMAIN}, so no site is known to be active" \
    "Run pulumi up on the stack that owns the domain (dr once deployed, else dc); nothing was published"
fi
if [[ "${target%.}" != "${FENCE_SITE_NAME%.}" ]]; then
  die "${FENCE_DOMAIN} points at ${target%.}, not at this site (${FENCE_SITE_NAME}): this site is not active" \
    "Run pulumi up on this site's stack to make it a standby; nothing was published"
fi
log "fence: ${FENCE_DOMAIN} points at this site (${FENCE_SITE_NAME}); backup may publish"
