// The drills' Route 53: a hosted zone in moto_server holding the public domain's failover records, shaped as
// components/dns writes them (alias records "primary" and "secondary" at <site>.<domain>), which is what
// backup-fence.sh reads.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { siteHostname as dnsSiteHostname } from "../../components/dns";
import type { Site } from "../../components/site";
import { Moto } from "./s3";

/** The public domain of every drill. */
export const DRILL_DOMAIN = "blog.example.com";

/** A site's own name, which its ExternalDNS publishes and the failover records point at (components/dns). */
export function siteHostname(site: Site, domain = DRILL_DOMAIN): string {
    return dnsSiteHostname(site, domain);
}

export interface Zone {
    /** The hosted zone id, without /hostedzone/. */
    id: string;
    /** The public domain whose records the fence reads. */
    domain: string;
}

/** A hosted zone for the parent of `domain` (example.com for blog.example.com), with no records yet. */
export function createZone(moto: Moto, domain = DRILL_DOMAIN): Zone {
    const id = moto
        .aws([
            "route53",
            "create-hosted-zone",
            "--name",
            domain.split(".").slice(1).join("."),
            "--caller-reference",
            `drill-${process.pid}-${Date.now()}`,
            "--query",
            "HostedZone.Id",
        ])
        .trim()
        .replace("/hostedzone/", "");
    return { id, domain };
}

/**
 * Points the domain's primary record at `primary` and its secondary at the other site, as the failover flag does
 * (an UPSERT of both records). `action: "DELETE"` removes them again.
 */
export function setPrimary(moto: Moto, zone: Zone, primary: Site, action: "UPSERT" | "DELETE" = "UPSERT"): void {
    const targets: Record<"primary" | "secondary", Site> = { primary, secondary: primary === "dc" ? "dr" : "dc" };
    const batch = {
        Changes: (["primary", "secondary"] as const).map((id) => ({
            Action: action,
            ResourceRecordSet: {
                Name: zone.domain,
                Type: "A",
                SetIdentifier: id,
                Failover: id === "primary" ? "PRIMARY" : "SECONDARY",
                AliasTarget: {
                    HostedZoneId: zone.id,
                    DNSName: siteHostname(targets[id], zone.domain),
                    EvaluateTargetHealth: false,
                },
            },
        })),
    };
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "drill-route53-"));
    try {
        fs.writeFileSync(path.join(tmp, "batch.json"), JSON.stringify(batch));
        moto.aws([
            "route53",
            "change-resource-record-sets",
            "--hosted-zone-id",
            zone.id,
            "--change-batch",
            `file://${path.join(tmp, "batch.json")}`,
        ]);
    } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
    }
}
