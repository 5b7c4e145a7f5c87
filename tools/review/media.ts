/**
 * The media store (components/media, issue 13) as the plan reads it from the planned resources: the two buckets and
 * their regions, the replication each way and whether it runs with S3 Replication Time Control, the CDN's origin group,
 * the us-east-1 certificate and the alias records. One reading, shared by the inventory's lines, the cost's bill and
 * the recovery point. A resource belongs to the media store when its top-level component is in the "media" layer
 * (layers.ts), so a new child needs no change here. Pure.
 */
import type { PlannedResource } from "./inventory";
import { layersOf } from "./layers";
import { providerRegions, regionOf } from "./regions";
import { asArray, asBoolean, asNumber, asString, get, Placeholders, show } from "./values";

/**
 * S3 Replication Time Control's one time value (the S3 API's ReplicationTimeValue: "Valid value: 15"): with RTC, S3
 * replicates 99.99% of new objects within it, backed by an SLA.
 */
export const S3_RTC_MINUTES = 15;

export interface MediaBucketFacts {
    /** The resource name (`dc-media-dc`) and the bucket name. */
    readonly resource: string;
    readonly name: string;
    readonly region: string;
    readonly versioned: boolean;
    /** Days an overwritten or deleted upload's old version is kept (the lifecycle rule), when there is one. */
    readonly noncurrentDays?: number;
}

export interface MediaReplicationFacts {
    readonly resource: string;
    readonly from: MediaBucketFacts;
    /** The destination bucket's name and region (from its ARN; the bucket itself, when planned here). */
    readonly to: string;
    readonly toRegion?: string;
    /** S3 Replication Time Control on this direction. */
    readonly rtc: boolean;
    /** Seconds of the RTC threshold, when RTC is on. */
    readonly rtcS?: number;
    readonly deleteMarkers: boolean;
}

export interface CdnOriginFacts {
    readonly id: string;
    readonly bucket?: string;
    readonly region?: string;
    /** CloudFront's defaults (3 attempts of 10 s) apply when unset. */
    readonly connectionAttempts?: number;
    readonly connectionTimeoutS?: number;
}

export interface CdnFacts {
    readonly resource: string;
    readonly aliases: string[];
    readonly priceClass: string;
    readonly httpVersion?: string;
    readonly ipv6: boolean;
    /** The origins of the default behaviour, in the order CloudFront asks them (an origin group's members, or one). */
    readonly order: CdnOriginFacts[];
    readonly failoverStatusCodes: number[];
    /** Seconds a missing upload (403, 404) stays cached as missing. */
    readonly errorCachingS?: number;
}

export interface MediaFacts {
    readonly buckets: MediaBucketFacts[];
    readonly replication: MediaReplicationFacts[];
    readonly cdn?: CdnFacts;
    readonly certificates: { readonly names: string[]; readonly region: string; readonly validation: string }[];
    /** The CDN's public names: the alias records to the distribution. */
    readonly records: { readonly resource: string; readonly name: string; readonly type: string; readonly target: string }[];
}

/** The planned resources of the media store (nothing in a stack without one, e.g. dr or mediaStorage=volume). */
export function mediaResources(resources: readonly PlannedResource[]): PlannedResource[] {
    const layer = layersOf(resources);
    return resources.filter((r) => layer.get(r.urn) === "media");
}

/** The resources that configure a bucket: under the mocks their `bucket` input is the bucket's id, `<name>-id`. */
function onBucket(all: readonly PlannedResource[], type: string, bucket: PlannedResource): PlannedResource | undefined {
    return all.find((x) => x.type === type && asString(x.inputs.bucket) === `${bucket.name}-id`);
}

const bucketOfArn = (arn: string | undefined) => arn?.replace(/^arn:aws:s3:::/, "");

/** What the media store is, read from the planned resources; undefined when the stack plans none. */
export function mediaFacts(resources: readonly PlannedResource[], stackRegion: string): MediaFacts | undefined {
    const own = mediaResources(resources);
    if (own.length === 0) return undefined;
    const regions = providerRegions(resources);
    const where = (r: PlannedResource) => regionOf(r, regions, stackRegion);
    const of = (type: string) => own.filter((r) => r.type === type);

    const buckets: MediaBucketFacts[] = of("aws:s3/bucket:Bucket").map((b) => {
        const versioning = onBucket(own, "aws:s3/bucketVersioning:BucketVersioning", b);
        const lifecycle = onBucket(own, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", b);
        const rule = asArray(lifecycle?.inputs.rules).find((x) => asString(get(x, "status")) === "Enabled");
        return {
            resource: b.name,
            name: asString(b.inputs.bucket) ?? b.name,
            region: where(b),
            versioned: asString(get(versioning?.inputs, "versioningConfiguration", "status")) === "Enabled",
            noncurrentDays: asNumber(get(rule, "noncurrentVersionExpiration", "noncurrentDays")),
        };
    });
    const byName = new Map(buckets.map((b) => [b.name, b]));

    const replication: MediaReplicationFacts[] = [];
    for (const rc of of("aws:s3/bucketReplicationConfig:BucketReplicationConfig")) {
        const from = buckets.find((b) => asString(rc.inputs.bucket) === `${b.resource}-id`);
        const rule = asArray(rc.inputs.rules).find((x) => asString(get(x, "status")) === "Enabled");
        if (!from || !rule) continue;
        const to = bucketOfArn(asString(get(rule, "destination", "bucket"))) ?? "?";
        const rtc = asString(get(rule, "destination", "replicationTime", "status")) === "Enabled";
        const rtcMinutes = asNumber(get(rule, "destination", "replicationTime", "time", "minutes"));
        replication.push({
            resource: rc.name,
            from,
            to,
            toRegion: byName.get(to)?.region,
            rtc,
            rtcS: rtc && rtcMinutes !== undefined ? rtcMinutes * 60 : undefined,
            deleteMarkers: asString(get(rule, "deleteMarkerReplication", "status")) === "Enabled",
        });
    }

    // In the buckets' order (dc's first), whatever order the program registered the configurations in.
    replication.sort((x, y) => buckets.indexOf(x.from) - buckets.indexOf(y.from));

    const d = of("aws:cloudfront/distribution:Distribution")[0];
    let cdn: CdnFacts | undefined;
    if (d) {
        const origins = asArray(d.inputs.origins).map((o): CdnOriginFacts => {
            const domain = asString(get(o, "domainName")) ?? "";
            const bucket = buckets.find((b) => domain.startsWith(`${b.name}.s3.`));
            return {
                id: asString(get(o, "originId")) ?? "?",
                bucket: bucket?.name,
                region: bucket?.region ?? /\.s3\.([a-z0-9-]+)\.amazonaws\.com$/.exec(domain)?.[1],
                connectionAttempts: asNumber(get(o, "connectionAttempts")),
                connectionTimeoutS: asNumber(get(o, "connectionTimeout")),
            };
        });
        const target = asString(get(d.inputs, "defaultCacheBehavior", "targetOriginId"));
        const group = asArray(d.inputs.originGroups).find((g) => asString(get(g, "originId")) === target);
        const memberIds = group
            ? asArray(get(group, "members")).map((m) => asString(get(m, "originId")) ?? "?")
            : [target ?? "?"];
        const errorTtls = asArray(d.inputs.customErrorResponses)
            .map((e) => asNumber(get(e, "errorCachingMinTtl")))
            .filter((x): x is number => x !== undefined);
        cdn = {
            resource: d.name,
            aliases: asArray(d.inputs.aliases).map(String),
            // CloudFront's default when the input is absent.
            priceClass: asString(d.inputs.priceClass) ?? "PriceClass_All",
            httpVersion: asString(d.inputs.httpVersion),
            ipv6: asBoolean(d.inputs.isIpv6Enabled) === true,
            order: memberIds.map((id) => origins.find((o) => o.id === id) ?? { id }),
            failoverStatusCodes: asArray(get(group, "failoverCriteria", "statusCodes")).map(Number),
            errorCachingS: errorTtls.length ? Math.max(...errorTtls) : undefined,
        };
    }

    const certificates = of("aws:acm/certificate:Certificate").map((c) => ({
        names: [c.inputs.domainName, ...asArray(c.inputs.subjectAlternativeNames)].map(String),
        region: where(c),
        validation: asString(c.inputs.validationMethod) ?? "DNS",
    }));
    const records = of("aws:route53/record:Record")
        .filter((r) => get(r.inputs, "aliases", 0) !== undefined)
        .map((r) => ({
            resource: r.name,
            name: asString(r.inputs.name) ?? "?",
            type: asString(r.inputs.type) ?? "?",
            target: asString(get(r.inputs, "aliases", 0, "name")) ?? "?",
        }));
    return { buckets, replication, cdn, certificates, records };
}

/**
 * The direction that carries new uploads: out of the active site's bucket, i.e. out of `region` (the stack's, while it
 * is active). Only one direction carries anything at a time: S3 does not replicate a replica back.
 */
export function outboundReplication(f: MediaFacts, region: string): MediaReplicationFacts | undefined {
    return f.replication.find((x) => x.from.region === region) ?? f.replication[0];
}

/** RTC in words, for one direction or both. */
export function rtcWords(rtc: boolean): string {
    return rtc
        ? `with RTC (S3 Replication Time Control: 99.99% of uploads within ${S3_RTC_MINUTES} minutes, replication metrics on)`
        : "without RTC (no time bound: AWS says most objects replicate within 15 minutes, some may take hours)";
}

/** The inventory's lines for the media layer: what a reviewer checks about the uploads' store. */
export function mediaHighlights(f: MediaFacts, ph?: Placeholders): string[] {
    const s = (v: unknown) => show(v, { placeholders: ph });
    const out: string[] = [];
    for (const b of f.buckets) {
        out.push(
            `media bucket ${s(b.name)} in ${b.region}: ${b.versioned ? "versioned" : "NOT versioned (replication needs versioning)"}` +
                `${b.noncurrentDays !== undefined ? `, old versions of an upload kept ${b.noncurrentDays} days` : ""}`,
        );
    }
    const [a, b] = f.replication;
    const mirrored =
        f.replication.length === 2 &&
        a.to === b.from.name &&
        b.to === a.from.name &&
        a.rtc === b.rtc &&
        a.deleteMarkers === b.deleteMarkers;
    const deletes = (x: MediaReplicationFacts) =>
        x.deleteMarkers ? "deletions replicated" : "a deletion stays in its own region";
    if (mirrored) {
        out.push(
            `replication both ways, ${a.from.region} <-> ${b.from.region} (${s(a.from.name)} <-> ${s(b.from.name)}), ${deletes(a)}, ${rtcWords(a.rtc)}`,
        );
    } else {
        for (const x of f.replication) {
            out.push(
                `replication ${x.from.region} -> ${x.toRegion ?? "?"} (${s(x.from.name)} -> ${s(x.to)}), ${deletes(x)}, ${rtcWords(x.rtc)}`,
            );
        }
        if (f.buckets.length > 1 && f.replication.length < 2)
            out.push(`NOT replicated both ways: ${f.replication.length} direction(s)`);
    }
    const cdn = f.cdn;
    if (cdn) {
        const [primary, ...rest] = cdn.order;
        const origin = (o: CdnOriginFacts) => `${o.id} (${o.bucket ? s(o.bucket) : "?"}, ${o.region ?? "?"})`;
        const attempts = primary.connectionAttempts ?? 3;
        const timeoutS = primary.connectionTimeoutS ?? 10;
        out.push(
            `CloudFront distribution ${cdn.aliases.map(s).join(", ")}: ${cdn.priceClass}` +
                `${cdn.httpVersion ? `, ${cdn.httpVersion}` : ""}${cdn.ipv6 ? ", IPv6" : ""}; origin group ${[primary, ...rest].map(origin).join(" -> ")}` +
                (rest.length
                    ? `, fails over per request on ${cdn.failoverStatusCodes.join(", ")} or no connection; ${primary.id} is given ` +
                      `${attempts} connection attempt${attempts === 1 ? "" : "s"} x ${timeoutS} s = ${attempts * timeoutS} s at most before ${rest[0].id}` +
                      `${primary.connectionAttempts === undefined ? " (CloudFront's defaults)" : ""}`
                    : ", NO failover origin") +
                `${cdn.errorCachingS !== undefined ? `; a missing upload is cached as missing ${cdn.errorCachingS} s` : ""}`,
        );
    }
    for (const c of f.certificates) {
        out.push(
            `ACM certificate ${c.names.map(s).join(" + ")} in ${c.region} (${c.validation} validation)` +
                (c.region === "us-east-1"
                    ? ": CloudFront takes certificates only from us-east-1"
                    : ": NOT us-east-1, CloudFront cannot use it"),
        );
    }
    const byName = new Map<string, typeof f.records>();
    for (const r of f.records) byName.set(r.name, [...(byName.get(r.name) ?? []), r]);
    for (const [name, rs] of byName) {
        out.push(
            `Route 53 ${s(name)} ${rs.map((r) => r.type).join(" + ")} alias -> ${[...new Set(rs.map((r) => s(r.target)))].join(", ")} (the distribution)`,
        );
    }
    return out;
}
