/**
 * The estimated monthly cost of one planned stack: a bill of materials read from the planned resources (what runs, how
 * many, how big, in which region), priced with the unit prices in prices.json. Both steps are pure functions, so the
 * arithmetic is tested on a small fixture without the engine. An estimate: usage-based lines rest on the assumptions
 * named in prices.json, and what is left out is listed there.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { DAYS_PER_MONTH, HOURS_PER_MONTH, runsPerMonth } from "./cron";
import {
    claimedGi,
    isPublicAlbIngress,
    launchTemplateOf,
    namespacedName,
    PlannedResource,
    rootVolumeGi,
    servesMaintenance,
} from "./inventory";
import { mediaFacts, mediaResources, outboundReplication } from "./media";
import { providerRegions, regionOf } from "./regions";
import { nodeGroupFacts, vpcFacts } from "./remote";
import { asArray, asBoolean, asNumber, asString, get, usd } from "./values";

export interface RegionalPrice {
    readonly price: number;
    readonly source: string;
    /** Publication date of the source, when known. */
    readonly date?: string;
    readonly status: "sourced" | "unverified";
    readonly note?: string;
}

export interface PriceItem {
    readonly what: string;
    readonly unit: string;
    /** By region code; "*" applies to every region without its own entry. */
    readonly regions: Readonly<Record<string, RegionalPrice>>;
}

export interface Assumption {
    readonly value: number;
    readonly unit: string;
    readonly why: string;
}

export interface PriceBook {
    readonly currency: string;
    readonly hoursPerMonth: number;
    readonly items: Readonly<Record<string, PriceItem>>;
    readonly assumptions: Readonly<Record<string, Assumption>>;
    readonly notIncluded: readonly string[];
}

export const PRICES_FILE = path.join(__dirname, "prices.json");

export function loadPriceBook(file = PRICES_FILE): PriceBook {
    return JSON.parse(fs.readFileSync(file, "utf8")) as PriceBook;
}

/** One quantity to price: `quantity` units of price `key` in `region`, and why. */
export interface BillItem {
    readonly key: string;
    readonly region: string;
    readonly quantity: number;
    /** The resources or facts the quantity comes from. */
    readonly basis: string;
    /** Assumptions (prices.json) the quantity rests on. */
    readonly assumptions?: readonly string[];
    /** The quantity at the node group's minimum and maximum, where the autoscaler may move it. */
    readonly range?: { readonly min: number; readonly max: number };
}

export interface CostLine extends BillItem {
    readonly what: string;
    readonly unit: string;
    readonly unitPrice?: number;
    /** undefined when prices.json has no price for the key in the region. */
    readonly monthly?: number;
    readonly status?: RegionalPrice["status"];
    readonly source?: string;
    readonly date?: string;
    readonly monthlyRange?: { readonly min: number; readonly max: number };
}

export interface CostEstimate {
    readonly currency: string;
    readonly lines: CostLine[];
    /** Sum of the priced lines. */
    readonly total: number;
    /** Keys (with region) that had no price: the total leaves them out. */
    readonly unpriced: string[];
    /** Prices used whose status is "unverified". */
    readonly unverified: string[];
    readonly assumptions: Readonly<Record<string, Assumption>>;
    readonly notIncluded: readonly string[];
}

export interface BillContext {
    /** The stack's region: resources without an explicit AWS provider (components, Kubernetes objects) run there. */
    readonly region: string;
    readonly assumptions: Readonly<Record<string, Assumption>>;
}

const value = (ctx: BillContext, key: string): number => {
    const a = ctx.assumptions[key];
    if (!a) throw new Error(`prices.json: assumption ${key} is missing`);
    return a.value;
};

/** True when the VPC routes S3 through a gateway endpoint (then S3 traffic skips the NAT gateways). */
function s3SkipsNat(resources: readonly PlannedResource[]): boolean {
    return resources.some((r) => r.type === "awsx:ec2:Vpc" && vpcFacts(r.inputs).endpoints.some((e) => /\.s3$/.test(e)));
}

/**
 * The data path's jobs (backup and restore), each run moving one backup set between the pod and S3. The program's
 * only CronJobs and Jobs are the data path's; the names say which is which.
 */
function dataJobs(resources: readonly PlannedResource[]) {
    const cron = resources.filter((r) => r.type === "kubernetes:batch/v1:CronJob");
    return {
        running: cron.filter((r) => asBoolean(get(r.inputs, "spec", "suspend")) !== true),
        backup: cron.find((r) => /backup/.test(namespacedName(r))),
        oneOff: resources.filter((r) => r.type === "kubernetes:batch/v1:Job"),
    };
}

/** Steady-state GB in each storage class of a bucket whose objects arrive at `gbPerDay`, by its lifecycle rule. */
export function lifecycleSteadyState(rules: unknown, gbPerDay: number): { cls: string; gb: number; days: number }[] {
    const rule = asArray(rules).find((r) => asString(get(r, "status")) === "Enabled");
    const expire = asNumber(get(rule, "expiration", "days")) ?? 365;
    const transitions = asArray(get(rule, "transitions"))
        .map((t) => ({ days: asNumber(get(t, "days")) ?? 0, cls: asString(get(t, "storageClass")) ?? "?" }))
        .sort((a, b) => a.days - b.days);
    const out: { cls: string; gb: number; days: number }[] = [];
    let from = 0;
    let cls = "STANDARD";
    for (const t of [...transitions, { days: expire, cls: "EXPIRED" }]) {
        const days = Math.max(0, Math.min(t.days, expire) - from);
        if (days > 0) out.push({ cls, gb: gbPerDay * days, days });
        from = Math.max(from, Math.min(t.days, expire));
        cls = t.cls;
    }
    return out;
}

const S3_CLASS_KEYS: Readonly<Record<string, string>> = {
    STANDARD: "s3.standard",
    STANDARD_IA: "s3.standardIa",
    GLACIER: "s3.glacier",
};

/** What the planned stack runs, in billable units. */
export function billOfMaterials(resources: readonly PlannedResource[], ctx: BillContext): BillItem[] {
    const regions = providerRegions(resources);
    const where = (r: PlannedResource) => regionOf(r, regions, ctx.region);
    const hours = HOURS_PER_MONTH;
    const items: BillItem[] = [];

    for (const r of resources.filter((x) => x.type === "eks:index:Cluster")) {
        items.push({ key: "eks.cluster", region: where(r), quantity: hours, basis: `${r.name}: one control plane, all month` });
        if (asArray(r.inputs.enabledClusterLogTypes).length > 0) {
            items.push({
                key: "cloudwatch.vendedLogs",
                region: where(r),
                quantity: value(ctx, "controlPlaneLogGbPerMonth"),
                basis: `${r.name}: control-plane logs ${asArray(r.inputs.enabledClusterLogTypes).join(",")}`,
                assumptions: ["controlPlaneLogGbPerMonth"],
            });
        }
    }

    for (const ng of resources.filter((x) => x.type === "eks:index:ManagedNodeGroup")) {
        const f = nodeGroupFacts(ng.inputs);
        const type = f.instanceTypes[0] ?? "?";
        items.push({
            key: `ec2.${type}`,
            region: where(ng),
            quantity: f.desiredSize * hours,
            basis: `${ng.name}: ${f.desiredSize} x ${type} (desired; min ${f.minSize}, max ${f.maxSize})`,
            range: { min: f.minSize * hours, max: f.maxSize * hours },
        });
        const lt = launchTemplateOf(resources, ng);
        const disk = rootVolumeGi(lt);
        const volumeType = asString(get(lt?.inputs, "blockDeviceMappings", 0, "ebs", "volumeType")) ?? "gp3";
        if (disk) {
            items.push({
                key: `ebs.${volumeType}`,
                region: where(ng),
                quantity: f.desiredSize * disk,
                basis: `${ng.name}: ${f.desiredSize} root volumes of ${disk} GiB`,
                range: { min: f.minSize * disk, max: f.maxSize * disk },
            });
        }
    }

    const claims = claimedGi(resources);
    if (claims.length) {
        const classes = resources.filter((x) => x.type === "kubernetes:storage.k8s.io/v1:StorageClass");
        const volumeType = asString(get(classes[0]?.inputs, "parameters", "type")) ?? "gp3";
        items.push({
            key: `ebs.${volumeType}`,
            region: ctx.region,
            quantity: claims.reduce((n, c) => n + c.gi, 0),
            basis: `volumes for ${claims.map((c) => `${c.name} ${c.gi} GiB`).join(", ")}`,
        });
    }

    const vpc = resources.find((x) => x.type === "awsx:ec2:Vpc");
    const albs = resources.filter(isPublicAlbIngress);
    if (vpc) {
        const f = vpcFacts(vpc.inputs);
        if (f.natGateways > 0) {
            items.push({
                key: "nat.hour",
                region: where(vpc),
                quantity: f.natGateways * hours,
                basis: `${vpc.name}: ${f.natGateways} NAT gateway${f.natGateways === 1 ? "" : "s"} (strategy ${f.natStrategy})`,
            });
            const jobs = dataJobs(resources);
            const setGb = value(ctx, "backupSetGb");
            const viaNat = !s3SkipsNat(resources);
            const runs = viaNat
                ? jobs.running.map((c) => ({ c, n: runsPerMonth(asString(get(c.inputs, "spec", "schedule")) ?? "") ?? 0 }))
                : [];
            const jobGb = runs.reduce((n, x) => n + x.n * setGb, 0);
            const parts = [
                `baseline ${value(ctx, "natBaselineGbPerMonth")} GB`,
                ...runs.map(
                    (x) =>
                        `${namespacedName(x.c)} ~${Math.round(x.n)} runs x ${setGb} GB (S3 through NAT: no S3 gateway endpoint)`,
                ),
                ...(viaNat && jobs.oneOff.length
                    ? [
                          `${jobs.oneOff.length} one-off restore Job${jobs.oneOff.length === 1 ? "" : "s"} at deploy (${setGb} GB once, not monthly)`,
                      ]
                    : []),
            ];
            items.push({
                key: "nat.gb",
                region: where(vpc),
                quantity: value(ctx, "natBaselineGbPerMonth") + jobGb,
                basis: parts.join("; "),
                assumptions: ["natBaselineGbPerMonth", ...(runs.length ? ["backupSetGb"] : [])],
            });
        }
        const albAddresses = albs.length * f.availabilityZones;
        if (f.elasticIps + albAddresses > 0) {
            items.push({
                key: "ipv4.hour",
                region: where(vpc),
                quantity: (f.elasticIps + albAddresses) * hours,
                basis: `${f.elasticIps} NAT Elastic IP${f.elasticIps === 1 ? "" : "s"} + ${albAddresses} ALB address${albAddresses === 1 ? "" : "es"} (one per AZ)`,
            });
        }
    }
    for (const ing of albs) {
        const maintenance = servesMaintenance(ing);
        items.push({ key: "alb.hour", region: ctx.region, quantity: hours, basis: `ALB of Ingress ${namespacedName(ing)}` });
        const lcu = maintenance ? "albLcuMaintenance" : "albLcuServing";
        items.push({
            key: "alb.lcu",
            region: ctx.region,
            quantity: value(ctx, lcu) * hours,
            basis: `ALB of Ingress ${namespacedName(ing)}, ${maintenance ? "maintenance page only" : "serving Ghost"}`,
            assumptions: [lcu],
        });
    }

    // The backup buckets: every bucket but the media store's (those hold uploads, not backup sets; priced below).
    const media = new Set(mediaResources(resources).map((r) => r.urn));
    const buckets = resources.filter((x) => x.type === "aws:s3/bucket:Bucket" && !media.has(x.urn));
    if (buckets.length) {
        const backup = dataJobs(resources).backup;
        const runs = runsPerMonth(asString(get(backup?.inputs, "spec", "schedule")) ?? "") ?? 0;
        const setGb = value(ctx, "backupSetGb");
        const gbPerDay = (runs / DAYS_PER_MONTH) * setGb;
        for (const b of buckets) {
            const lifecycle = resources.find(
                (x) =>
                    x.type === "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration" &&
                    asString(x.inputs.bucket) === `${b.name}-id`,
            );
            for (const seg of lifecycleSteadyState(lifecycle?.inputs.rules, gbPerDay)) {
                items.push({
                    key: S3_CLASS_KEYS[seg.cls] ?? `s3.${seg.cls}`,
                    region: where(b),
                    quantity: seg.gb,
                    basis:
                        `${asString(b.inputs.bucket) ?? b.name}: ${seg.days} days of sets in ${seg.cls} at steady state ` +
                        `(~${Math.round(runs)} sets a month x ${setGb} GB, both buckets hold every set)`,
                    assumptions: ["backupSetGb"],
                });
            }
        }
        // Each set crosses regions once: from the bucket it is written to (this stack's region while it is active).
        const replicated = resources.some(
            (x) => x.type === "aws:s3/bucketReplicationConfig:BucketReplicationConfig" && !media.has(x.urn),
        );
        if (replicated) {
            items.push({
                key: "s3.replicationTransfer",
                region: ctx.region,
                quantity: runs * setGb,
                basis: `~${Math.round(runs)} sets a month x ${setGb} GB replicated to the other region`,
                assumptions: ["backupSetGb"],
            });
        }
    }

    items.push(...mediaBill(resources, ctx));

    // Every customer managed key, the media store's pair included (a multi-region replica is billed as a key).
    const keys = resources.filter((x) => x.type === "aws:kms/key:Key" || x.type === "aws:kms/replicaKey:ReplicaKey");
    for (const region of [...new Set(keys.map(where))].sort()) {
        const here = keys.filter((k) => where(k) === region);
        items.push({ key: "kms.key", region, quantity: here.length, basis: here.map((k) => k.name).join(", ") });
    }

    for (const hc of resources.filter((x) => x.type === "aws:route53/healthCheck:HealthCheck")) {
        items.push({
            key: "route53.healthCheck",
            region: "*",
            quantity: 1,
            basis: `${hc.name} ${asString(hc.inputs.fqdn) ?? ""}`,
        });
        const features = [
            /^HTTPS/.test(asString(hc.inputs.type) ?? "") ? "HTTPS" : undefined,
            (asNumber(hc.inputs.requestInterval) ?? 30) < 30 ? "fast interval" : undefined,
            /STR_MATCH/.test(asString(hc.inputs.type) ?? "") ? "string matching" : undefined,
            asBoolean(hc.inputs.measureLatency) ? "latency" : undefined,
        ].filter((x): x is string => x !== undefined);
        if (features.length) {
            items.push({
                key: "route53.healthCheckFeature",
                region: "*",
                quantity: features.length,
                basis: `${hc.name}: ${features.join(", ")}`,
            });
        }
    }
    return items;
}

/**
 * The media store's usage (its KMS keys are priced with the others): the uploads in each bucket, their one crossing to
 * the other region (and RTC on it), and the CDN's traffic. Nothing without a media store (dr, mediaStorage=volume).
 */
function mediaBill(resources: readonly PlannedResource[], ctx: BillContext): BillItem[] {
    const f = mediaFacts(resources, ctx.region);
    if (!f) return [];
    const items: BillItem[] = [];
    const stored = value(ctx, "mediaStoredGb");
    for (const b of f.buckets) {
        items.push({
            key: "s3.standard",
            region: b.region,
            quantity: stored,
            basis: `${b.name}: the uploads in S3 Standard (every upload is in both media buckets)`,
            assumptions: ["mediaStoredGb"],
        });
    }
    // An upload lands in the active site's bucket and crosses regions once (the other direction carries nothing).
    const out = outboundReplication(f, ctx.region);
    if (out) {
        const gb = value(ctx, "mediaUploadGbPerMonth");
        const basis = `${out.from.name} -> ${out.to}: each month's new uploads, replicated once to ${out.toRegion ?? "the other region"}`;
        items.push({
            key: "s3.replicationTransfer",
            region: out.from.region,
            quantity: gb,
            basis,
            assumptions: ["mediaUploadGbPerMonth"],
        });
        if (out.rtc) {
            items.push({
                key: "s3.replicationTimeControl",
                region: out.from.region,
                quantity: gb,
                basis: `${basis}, with Replication Time Control`,
                assumptions: ["mediaUploadGbPerMonth"],
            });
        }
    }
    if (f.cdn) {
        // CloudFront bills by the edge that answers, not by a region: one price for the edges of the price class.
        const where = `${f.cdn.aliases.join(", ")} (${f.cdn.priceClass})`;
        items.push({
            key: "cloudfront.dataTransferOut",
            region: "*",
            quantity: value(ctx, "mediaCdnGbPerMonth"),
            basis: `${where}: uploads served to visitors`,
            assumptions: ["mediaCdnGbPerMonth"],
        });
        items.push({
            key: "cloudfront.httpsRequests",
            region: "*",
            quantity: value(ctx, "mediaCdnRequestsPerMonth") / 10_000,
            basis: `${where}: ${value(ctx, "mediaCdnRequestsPerMonth").toLocaleString("en-US")} HTTPS requests (HTTP redirects to HTTPS)`,
            assumptions: ["mediaCdnRequestsPerMonth"],
        });
    }
    return items;
}

/** Prices a bill. Pure: the book is an argument. */
export function priceBill(items: readonly BillItem[], book: PriceBook): CostEstimate {
    const unpriced: string[] = [];
    const unverified = new Set<string>();
    const lines: CostLine[] = items.map((item) => {
        const entry = book.items[item.key];
        const p = entry?.regions[item.region] ?? entry?.regions["*"];
        if (!entry || !p) {
            unpriced.push(`${item.key} in ${item.region}`);
            return { ...item, what: entry?.what ?? item.key, unit: entry?.unit ?? "?" };
        }
        if (p.status === "unverified") unverified.add(`${item.key} (${item.region === "*" ? "all regions" : item.region})`);
        // Per-hour prices apply to hours, per-month prices to months: the bill carries the matching quantity.
        const monthly = item.quantity * p.price;
        return {
            ...item,
            what: entry.what,
            unit: entry.unit,
            unitPrice: p.price,
            monthly,
            status: p.status,
            source: p.source,
            date: p.date,
            monthlyRange: item.range ? { min: item.range.min * p.price, max: item.range.max * p.price } : undefined,
        };
    });
    const total = lines.reduce((n, l) => n + (l.monthly ?? 0), 0);
    return {
        currency: book.currency,
        lines,
        total,
        unpriced,
        unverified: [...unverified],
        assumptions: book.assumptions,
        notIncluded: book.notIncluded,
    };
}

/** The cost lines as text, one per line, cheapest last. */
export function formatCost(c: CostEstimate, indent = "  "): string[] {
    const out: string[] = [];
    for (const l of [...c.lines].sort((a, b) => (b.monthly ?? 0) - (a.monthly ?? 0))) {
        const qty = Number.isInteger(l.quantity) ? String(l.quantity) : l.quantity.toFixed(1);
        const price = l.unitPrice === undefined ? "NO PRICE" : `${qty} ${l.unit} x $${l.unitPrice}`;
        const range = l.monthlyRange ? ` (${usd(l.monthlyRange.min)} at min, ${usd(l.monthlyRange.max)} at max)` : "";
        const flag = l.status === "unverified" ? " [unverified price]" : "";
        out.push(
            `${indent}${(l.monthly === undefined ? "?" : usd(l.monthly)).padStart(10)}  ${l.what} (${l.region}): ${price}${range}${flag}; ${l.basis}`,
        );
    }
    return out;
}
