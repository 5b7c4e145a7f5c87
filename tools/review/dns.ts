/**
 * Every DNS name the stack publishes or owns, read from the planned resources (never retyped): the Route 53 records
 * the program writes, the names ExternalDNS publishes at runtime from the Ingress, ExternalDNS's TXT ownership
 * records, and the ACM validation records. Pure.
 */
import { ALB_ALIAS_TTL_S } from "../../components/dns";
import { CLOUDFRONT_ZONE_ID } from "../../components/media";
import { namespacedName, PlannedResource } from "./inventory";
import { asArray, asString, get, Placeholders, show } from "./values";

export interface DnsName {
    readonly name: string;
    readonly type: string;
    /** What it answers with: an alias target, record values, or the load balancer. */
    readonly target: string;
    /** TTL in seconds, and where it comes from. */
    readonly ttlS: number;
    readonly ttlNote: string;
    /** Who writes it: this stack (with the resource name) or a controller at runtime. */
    readonly writer: string;
    readonly note?: string;
}

/**
 * ExternalDNS v0.21.0 (chart 1.21.1, components/pins.ts), read at its tag:
 * - provider/aws/aws.go `adjustEndpointAndNewAaaaIfNeeded`: an Ingress whose target is a load balancer hostname becomes
 *   an alias A record and an alias AAAA record.
 * - registry/txt/registry.go `generateTXTRecordWithFilter`: one TXT per record, named with the record type, an alias A
 *   counting as "cname"; registry/mapper/mapper.go `ToTXTName`: `<prefix><type>-<first label>.<rest>` when the prefix
 *   holds no %{record_type}.
 * - provider/aws/aws.go `defaultTTL = 300`: the TTL of non-alias records (the TXT ones) when none is configured.
 */
export const EXTERNAL_DNS_TXT_TTL_S = 300;

export function externalDnsTxtName(hostname: string, recordType: string, prefix: string, suffix = ""): string {
    const [first, ...rest] = hostname.split(".");
    const typed =
        prefix.includes("%{record_type}") || suffix.includes("%{record_type}") ? first : `${recordType.toLowerCase()}-${first}`;
    const p = prefix.replace("%{record_type}", recordType.toLowerCase());
    const s = suffix.replace("%{record_type}", recordType.toLowerCase());
    return rest.length ? `${p}${typed}${s}.${rest.join(".")}` : `${p}${typed}${s}`;
}

const ALIAS_TTL_NOTE = `alias: the target's TTL, in the end the ALB's (${ALB_ALIAS_TTL_S} s)`;

/**
 * An alias to a CloudFront distribution (media.<domain>) has no TTL of its own either: Route 53 answers with
 * CloudFront's (Route 53 developer guide, "Choosing between alias and non-alias records"), and CloudFront's DNS
 * answers for *.cloudfront.net carry 60 s (observed with dig; AWS does not state the figure).
 */
export const CLOUDFRONT_ALIAS_TTL_S = 60;
const CLOUDFRONT_TTL_NOTE = `alias: the target's TTL, CloudFront's own DNS answer (${CLOUDFRONT_ALIAS_TTL_S} s)`;

export function dnsNames(resources: readonly PlannedResource[], ph?: Placeholders): DnsName[] {
    const s = (v: unknown) => show(v, { placeholders: ph });
    const out: DnsName[] = [];
    for (const r of resources.filter((x) => x.type === "aws:route53/record:Record")) {
        const i = r.inputs;
        const failover = asString(get(i, "failoverRoutingPolicies", 0, "type"));
        const alias = asString(get(i, "aliases", 0, "name"));
        const cdn = asString(get(i, "aliases", 0, "zoneId")) === CLOUDFRONT_ZONE_ID;
        const ttl = Number(i.ttl ?? NaN);
        out.push({
            name: s(i.name),
            type: `${s(i.type)}${alias ? " alias" : ""}${failover ? ` (failover ${failover}${i.healthCheckId ? ", health-checked" : ""})` : ""}`,
            target: alias ? `${s(alias)}${cdn ? " (CloudFront)" : ""}` : asArray(i.records).map(s).join(", "),
            ttlS: alias ? (cdn ? CLOUDFRONT_ALIAS_TTL_S : ALB_ALIAS_TTL_S) : ttl,
            ttlNote: alias ? (cdn ? CLOUDFRONT_TTL_NOTE : ALIAS_TTL_NOTE) : "set on the record",
            writer: `this stack (${r.name})`,
            note: r.name.includes("validation")
                ? "ACM DNS validation; the real name is known once ACM has the request"
                : cdn
                  ? "the uploads' CDN: the same on either site, it needs no switch (the distribution fails over per request)"
                  : undefined,
        });
    }

    const release = resources.find(
        (x) => x.type === "kubernetes:helm.sh/v3:Release" && asString(x.inputs.chart) === "external-dns",
    );
    if (!release) return out;
    const values = release.inputs.values;
    const prefix = asString(get(values, "txtPrefix")) ?? "";
    const suffix = asString(get(values, "txtSuffix")) ?? "";
    const owner = asString(get(values, "txtOwnerId")) ?? "default";
    const filters = asArray(get(values, "domainFilters")).map(String);
    const sources = asArray(get(values, "sources")).map(String);
    if (!sources.includes("ingress")) return out;
    for (const ing of resources.filter((x) => x.type === "kubernetes:networking.k8s.io/v1:Ingress")) {
        const annotations = get(ing.inputs, "metadata", "annotations");
        const fromAnnotation = (asString(get(annotations, "external-dns.alpha.kubernetes.io/hostname")) ?? "")
            .split(",")
            .map((h) => h.trim())
            .filter(Boolean);
        // Without "annotation-only", ExternalDNS also publishes every rule's host.
        const annotationOnly =
            asString(get(annotations, "external-dns.alpha.kubernetes.io/ingress-hostname-source")) === "annotation-only";
        const fromRules = annotationOnly
            ? []
            : asArray(get(ing.inputs, "spec", "rules")).map((x) => asString(get(x, "host")) ?? "");
        const hosts = [...new Set([...fromAnnotation, ...fromRules])].filter(
            (h) => h && (filters.length === 0 || filters.some((f) => h === f || h.endsWith(`.${f}`))),
        );
        for (const host of hosts) {
            const writer = `ExternalDNS at runtime (owner ${owner}), from Ingress ${namespacedName(ing)}`;
            out.push({
                name: host,
                type: "A + AAAA alias",
                target: `the ALB the AWS Load Balancer Controller creates for Ingress ${namespacedName(ing)}`,
                ttlS: ALB_ALIAS_TTL_S,
                ttlNote: `alias: the ALB's own DNS TTL (${ALB_ALIAS_TTL_S} s)`,
                writer,
            });
            for (const type of ["CNAME", "AAAA"]) {
                out.push({
                    name: externalDnsTxtName(host, type, prefix, suffix),
                    type: "TXT",
                    target: `"heritage=external-dns,external-dns/owner=${owner},external-dns/resource=ingress/${namespacedName(ing)}"`,
                    ttlS: EXTERNAL_DNS_TXT_TTL_S,
                    ttlNote: "ExternalDNS's default for non-alias records",
                    writer,
                    note: `ownership of the ${type === "CNAME" ? "A" : "AAAA"} alias (ExternalDNS names an alias A "cname")`,
                });
            }
        }
    }
    return out;
}
