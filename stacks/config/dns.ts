/** DNS section: the blog's public name, the Route 53 zone that holds it, and whether this site publishes records. */
import { siteHostname } from "../../components/dns";
import type { Site } from "../../components/site";
import { SectionReader } from "./reader";

export interface DnsConfig {
    readonly domain: string;
    /** Name that always points at this site, whichever site owns `domain` (e.g. dc.blog.example.com). */
    readonly siteHostname: string;
    readonly hostedZoneId: string;
    readonly externalDns: boolean;
}

/** What the DNS section read: `dns` when all of it is valid; `domain` on its own (the backup buckets are named after it). */
export interface DnsRead {
    readonly dns?: DnsConfig;
    readonly domain?: string;
}

const HOSTED_ZONE_RE = /^Z[A-Z0-9]{1,31}$/;
const LABEL_RE = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const EXAMPLE_DOMAIN = "blog.example.com";
const EXAMPLE_ZONE = "Z0123456789ABCDEFGHIJ";

/** Why `name` is not a DNS hostname we can publish, or undefined when it is one. */
export function hostnameProblem(name: string): string | undefined {
    if (/^[a-z]+:\/\//i.test(name)) return "is a URL, not a hostname (drop the scheme and any path)";
    if (name !== name.toLowerCase()) return "has upper-case letters; DNS names here are lower case";
    if (name.endsWith(".")) return "ends with a dot; give the name without the trailing dot";
    if (name.length > 253) return "is longer than 253 characters";
    const labels = name.split(".");
    if (labels.length < 2) return "is not a fully qualified hostname (expected something like blog.example.com)";
    if (!labels.every((l) => LABEL_RE.test(l))) return "is not a hostname (labels are a-z, 0-9 and inner hyphens, 1 to 63 long)";
    return undefined;
}

/** `site`: the valid site, or undefined; the site hostname is made of it. */
export function readDns(r: SectionReader<"dns">, site: Site | undefined): DnsRead {
    const domainText = r.required("domain", EXAMPLE_DOMAIN);
    const why = domainText === undefined ? undefined : hostnameProblem(domainText);
    if (why) r.problem("domain", domainText, why, r.set("domain", EXAMPLE_DOMAIN));
    const domain = why ? undefined : domainText;
    const hostedZoneId = r.required("hostedZoneId", EXAMPLE_ZONE);
    if (hostedZoneId !== undefined && !HOSTED_ZONE_RE.test(hostedZoneId)) {
        const hint = hostedZoneId.startsWith("/hostedzone/") ? " (drop the /hostedzone/ prefix)" : "";
        r.problem(
            "hostedZoneId",
            hostedZoneId,
            `is not a Route 53 hosted zone id${hint}`,
            r.set("hostedZoneId", EXAMPLE_ZONE) + " (aws route53 list-hosted-zones shows yours)",
        );
    }
    const externalDns = r.boolean("externalDns");

    if (site === undefined || domain === undefined || hostedZoneId === undefined || externalDns === undefined) {
        return { domain };
    }
    return { dns: { domain, siteHostname: siteHostname(site, domain), hostedZoneId, externalDns }, domain };
}
