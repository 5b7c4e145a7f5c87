/**
 * Stack outputs that cross the stack boundary: the dc stack reads the dr stack's (stacks/roles.ts) and the
 * switchover reads both (tools/switchover.ts). One name each, checked against SiteOutputs by the compiler:
 * renaming an output breaks a deployed peer, which would read nothing and take the dr stack for undeployed.
 */
import type { SiteOutputs } from "./site";

export const OUTPUT = {
    siteName: "siteName",
    failover: "failover",
    active: "active",
    region: "region",
    backupBucket: "backupBucket",
    backupPrefix: "backupPrefix",
    mediaStorage: "mediaStorage",
} as const satisfies { [K in keyof SiteOutputs]?: K };
