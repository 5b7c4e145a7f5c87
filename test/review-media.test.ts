/**
 * The plan's review of the media store (issue 13): its layer and lines, its cost (dc only, RTC only when on), and the
 * recovery point and switch time it changes. Pure parts on a small fixture; the committed stacks under the mocks.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
    CDN_ERROR_CACHING_S,
    CDN_FAILOVER_STATUS_CODES,
    CDN_PRIMARY_CONNECTION,
    MEDIA_NONCURRENT_DAYS,
    mediaHostname,
} from "../components/media";
import { billOfMaterials, CostEstimate, loadPriceBook, PriceBook, priceBill } from "../tools/review/cost";
import { PlannedResource } from "../tools/review/inventory";
import { layersOf } from "../tools/review/layers";
import { costOf, planUnderMocks, reviewOverrides, reviewStack } from "../tools/review/review";
import { S3_REPLICATION_WORDS } from "../tools/review/summary";
import { DC, DR, withConfig } from "./fixtures";
import { plannedResource, printedPlan } from "./helpers";

const DOMAIN = "blog.example.com";
const MEDIA = "ghost-dcdr-blog-example-com-media";
const { attempts, timeoutS } = CDN_PRIMARY_CONNECTION;

const res = plannedResource;

describe("review: the media store (pure)", () => {
    const r1 = res("pulumi:providers:aws", "p1", { region: "r1" });
    const r2 = res("pulumi:providers:aws", "p2", { region: "r2" });
    const east = res("pulumi:providers:aws", "east", { region: "us-east-1" });
    const store = res("ghost-dcdr:media:MediaStore", "m");
    const cert = res("ghost-dcdr:certificate:Certificate", "m-certificate", {}, { parent: store.urn });
    const inStore = (type: string, name: string, inputs: Record<string, unknown>, provider?: PlannedResource) =>
        res(type, name, inputs, { parent: store.urn, provider: provider && `${provider.urn}::${provider.name}-id` });
    const replication = (from: string, to: string, rtc: boolean) => ({
        bucket: `m-${from}-id`,
        rules: [
            {
                status: "Enabled",
                deleteMarkerReplication: { status: "Disabled" },
                destination: {
                    bucket: `arn:aws:s3:::b-${to}`,
                    ...(rtc ? { replicationTime: { status: "Enabled", time: { minutes: 15 } } } : {}),
                },
            },
        ],
    });
    /** A media store in r1 (dc) and r2 (dr), and a backup bucket beside it that must still be priced as backups. */
    const fixture = (rtc = false): PlannedResource[] => [
        r1,
        r2,
        east,
        store,
        cert,
        inStore("aws:s3/bucket:Bucket", "m-dc", { bucket: "b-dc" }, r1),
        inStore("aws:s3/bucket:Bucket", "m-dr", { bucket: "b-dr" }, r2),
        ...["dc", "dr"].map((site) =>
            inStore(
                "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
                `m-${site}-lifecycle`,
                { bucket: `m-${site}-id`, rules: [{ status: "Enabled", noncurrentVersionExpiration: { noncurrentDays: 30 } }] },
                site === "dc" ? r1 : r2,
            ),
        ),
        inStore("aws:s3/bucketReplicationConfig:BucketReplicationConfig", "m-dr-replication", replication("dr", "dc", rtc), r2),
        inStore("aws:s3/bucketReplicationConfig:BucketReplicationConfig", "m-dc-replication", replication("dc", "dr", rtc), r1),
        inStore(
            "aws:cloudfront/distribution:Distribution",
            "m-cdn",
            {
                aliases: ["media.x"],
                priceClass: "PriceClass_100",
                origins: [
                    { originId: "dc", domainName: "b-dc.s3.r1.amazonaws.com", connectionAttempts: 2, connectionTimeout: 3 },
                    { originId: "dr", domainName: "b-dr.s3.r2.amazonaws.com" },
                ],
                originGroups: [
                    {
                        originId: "g",
                        failoverCriteria: { statusCodes: [404] },
                        members: [{ originId: "dc" }, { originId: "dr" }],
                    },
                ],
                defaultCacheBehavior: { targetOriginId: "g" },
            },
            r1,
        ),
        res(
            "aws:acm/certificate:Certificate",
            "m-certificate-cert",
            { domainName: "media.x" },
            {
                parent: cert.urn,
                provider: `${east.urn}::east-id`,
            },
        ),
        res("aws:s3/bucket:Bucket", "backups", { bucket: "backups-r1" }, { provider: `${r1.urn}::p1-id` }),
        res("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "backups-lifecycle", {
            bucket: "backups-id",
            rules: [{ status: "Enabled", expiration: { days: 90 }, transitions: [{ days: 30, storageClass: "GLACIER" }] }],
        }),
        res("kubernetes:batch/v1:CronJob", "backup", { metadata: { name: "ghost-backup" }, spec: { schedule: "0 0 * * *" } }),
    ];
    const price = (p: number) => ({ regions: { "*": { price: p, source: "s", status: "sourced" as const } } });
    const book: PriceBook = {
        currency: "USD",
        hoursPerMonth: 730,
        items: {
            "s3.standard": { what: "s3", unit: "GB-month", ...price(0.02) },
            "s3.glacier": { what: "glacier", unit: "GB-month", ...price(0.004) },
            "s3.replicationTransfer": { what: "crr", unit: "GB", ...price(0.02) },
            "s3.replicationTimeControl": { what: "rtc", unit: "GB", ...price(0.015) },
            "cloudfront.dataTransferOut": { what: "cf out", unit: "GB", ...price(0.085) },
            "cloudfront.httpsRequests": { what: "cf req", unit: "10,000 requests", ...price(0.012) },
        },
        assumptions: {
            backupSetGb: { value: 1, unit: "GB", why: "" },
            mediaStoredGb: { value: 10, unit: "GB", why: "" },
            mediaUploadGbPerMonth: { value: 2, unit: "GB", why: "" },
            mediaCdnGbPerMonth: { value: 50, unit: "GB", why: "" },
            mediaCdnRequestsPerMonth: { value: 30_000, unit: "requests", why: "" },
        },
        notIncluded: [],
    };
    const cost = (rs: PlannedResource[]) => priceBill(billOfMaterials(rs, { region: "r1", assumptions: book.assumptions }), book);
    const lines = (c: CostEstimate, key: string) => c.lines.filter((l) => l.key === key);

    it("puts the store, its children and its certificate's children in the media layer", () => {
        const rs = fixture();
        const layers = layersOf(rs);
        for (const name of ["m", "m-dc", "m-cdn", "m-certificate", "m-certificate-cert"]) {
            assert.equal(layers.get(rs.find((r) => r.name === name)!.urn), "media", name);
        }
    });

    it("prices the uploads in each bucket, not backup sets; the backup bucket keeps its backup pricing", () => {
        const c = cost(fixture());
        const storage = lines(c, "s3.standard");
        const media = storage.filter((l) => /^b-d[cr]:/.test(l.basis)).map((l) => [l.region, l.quantity]);
        assert.deepEqual(media, [
            ["r1", 10],
            ["r2", 10],
        ]);
        assert.ok(!c.lines.some((l) => /^b-d[cr]:.*sets/.test(l.basis)), "a media bucket holds no backup sets");
        // The backup bucket: one daily set of 1 GB, 30 days in STANDARD then 60 in GLACIER.
        assert.deepEqual(
            c.lines.filter((l) => l.basis.startsWith("backups-r1")).map((l) => [l.key, l.quantity]),
            [
                ["s3.standard", 30],
                ["s3.glacier", 60],
            ],
        );
    });

    it("replicates each month's uploads once, out of the stack's region; RTC adds its line only when on", () => {
        const off = cost(fixture());
        assert.deepEqual(
            lines(off, "s3.replicationTransfer").map((l) => [l.region, l.quantity]),
            [["r1", 2]],
            "uploads only: the backup bucket here has no replication",
        );
        assert.deepEqual(lines(off, "s3.replicationTimeControl"), []);
        const on = cost(fixture(true));
        assert.deepEqual(
            lines(on, "s3.replicationTimeControl").map((l) => [l.region, l.quantity, l.monthly]),
            [["r1", 2, 2 * 0.015]],
        );
        assert.ok(Math.abs(on.total - off.total - 2 * 0.015) < 1e-9);
    });

    it("prices the CDN's traffic from the assumptions, at the edges' price (no AWS region)", () => {
        const c = cost(fixture());
        assert.deepEqual(
            lines(c, "cloudfront.dataTransferOut").map((l) => [l.region, l.quantity]),
            [["*", 50]],
        );
        assert.deepEqual(
            lines(c, "cloudfront.httpsRequests").map((l) => [l.region, l.quantity]),
            [["*", 3]],
        );
        assert.match(lines(c, "cloudfront.dataTransferOut")[0].basis, /media\.x \(PriceClass_100\)/);
    });

    it("prices.json prices every line the media bill makes, in both sites' regions", () => {
        const real = loadPriceBook();
        // billOfMaterials throws on an assumption prices.json lacks.
        const bill = billOfMaterials(fixture(true), { region: "r1", assumptions: real.assumptions });
        const keys = new Set(bill.map((b) => b.key));
        for (const key of ["s3.standard", "s3.replicationTransfer", "s3.replicationTimeControl", "cloudfront.dataTransferOut"]) {
            assert.ok(keys.has(key), `the media bill has ${key}`);
        }
        for (const key of keys) {
            for (const region of ["eu-west-1", "eu-west-2"]) {
                assert.ok(real.items[key]?.regions[region] ?? real.items[key]?.regions["*"], `${key} in ${region}`);
            }
        }
    });
});

describe("review: the media store in the committed stacks", function () {
    this.timeout(120000);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "review-media-"));

    it("dc: the media layer, with what a reviewer checks on one line each; nothing in other", async () => {
        const { summary } = await reviewStack("dc", "Pulumi.dc.yaml", DC as Record<string, string>);
        assert.ok(!summary.resources.layers.some((l) => l.layer === "other"));
        const media = summary.resources.layers.find((l) => l.layer === "media");
        assert.ok(media, summary.resources.layers.map((l) => l.layer).join());
        const lines = media.highlights;
        const has = (text: string) =>
            assert.ok(
                lines.some((l) => l.includes(text)),
                `${text}\nin\n${lines.join("\n")}`,
            );
        for (const region of ["eu-west-1", "eu-west-2"]) {
            has(
                `media bucket ${MEDIA}-${region} in ${region}: versioned, old versions of an upload kept ${MEDIA_NONCURRENT_DAYS} days`,
            );
        }
        has(`replication both ways, eu-west-1 <-> eu-west-2 (${MEDIA}-eu-west-1 <-> ${MEDIA}-eu-west-2), a deletion stays`);
        has("without RTC (no time bound");
        has(
            `CloudFront distribution ${mediaHostname(DOMAIN)}: PriceClass_100, http2and3, IPv6; origin group ` +
                `dc (${MEDIA}-eu-west-1, eu-west-1) -> dr (${MEDIA}-eu-west-2, eu-west-2), ` +
                `fails over per request on ${CDN_FAILOVER_STATUS_CODES.join(", ")} or no connection; ` +
                `dc is given ${attempts} connection attempts x ${timeoutS} s = ${attempts * timeoutS} s at most before dr; ` +
                `a missing upload is cached as missing ${CDN_ERROR_CACHING_S} s`,
        );
        has(
            `ACM certificate ${mediaHostname(DOMAIN)} in us-east-1 (DNS validation): CloudFront takes certificates only from us-east-1`,
        );
        has(`Route 53 ${mediaHostname(DOMAIN)} A + AAAA alias -> `);

        for (const type of ["A alias", "AAAA alias"]) {
            const d = summary.dns.find((x) => x.name === mediaHostname(DOMAIN) && x.type === type);
            assert.match(d?.target ?? "", /cloudfront\.net.*\(CloudFront\)$/, type);
            assert.match(
                d?.ttlNote ?? "",
                /CloudFront's own DNS answer/,
                "an alias to CloudFront takes CloudFront's TTL, not the ALB's",
            );
        }
    });

    it("dc: the media store adds exactly its own cost lines to the stack without it (mediaStorage=volume)", async () => {
        const region = DC["aws:region"]!;
        const s3 = costOf(await planUnderMocks("dc", DC as Record<string, string>), region);
        const volume = costOf(
            await planUnderMocks("dc", withConfig(DC, { "ghost-dcdr:mediaStorage": "volume" }) as Record<string, string>),
            region,
        );
        const book = loadPriceBook();
        const mediaLines = s3.lines.filter((l) => l.key.startsWith("cloudfront.") || l.basis.includes(MEDIA));
        assert.deepEqual(mediaLines.map((l) => [l.key, l.region, l.quantity]).sort(), [
            ["cloudfront.dataTransferOut", "*", book.assumptions.mediaCdnGbPerMonth.value],
            ["cloudfront.httpsRequests", "*", book.assumptions.mediaCdnRequestsPerMonth.value / 10_000],
            ["s3.replicationTransfer", "eu-west-1", book.assumptions.mediaUploadGbPerMonth.value],
            ["s3.standard", "eu-west-1", book.assumptions.mediaStoredGb.value],
            ["s3.standard", "eu-west-2", book.assumptions.mediaStoredGb.value],
        ]);
        assert.ok(!s3.lines.some((l) => l.basis.includes(MEDIA) && /sets/.test(l.basis)), "no media bucket priced as backups");
        // The two media keys are priced with the others: one more key in each region.
        const keys = (c: CostEstimate) => c.lines.filter((l) => l.key === "kms.key").reduce((n, l) => n + l.quantity, 0);
        assert.equal(keys(s3) - keys(volume), 2);
        const added = mediaLines.reduce((n, l) => n + l.monthly!, 0) + 2 * book.items["kms.key"].regions["*"].price;
        assert.ok(Math.abs(s3.total - volume.total - added) < 1e-9, `${s3.total} - ${volume.total} should be ${added}`);
        assert.ok(!volume.lines.some((l) => l.key.startsWith("cloudfront.")));
        // No AWS source row offline for the CDN's prices: the plan says so.
        for (const key of ["cloudfront.dataTransferOut", "cloudfront.httpsRequests"]) {
            assert.ok(s3.unverified.includes(`${key} (all regions)`), s3.unverified.join(", "));
        }
    });

    it("dr: no media resources and no media cost (dc owns the store), though its Ghost uses S3", async () => {
        const { base, summary } = await reviewStack("dr", "Pulumi.dr.yaml", DR as Record<string, string>);
        assert.equal(base.outputs.mediaStorage, "s3");
        assert.ok(!summary.resources.layers.some((l) => l.layer === "media" || l.layer === "other"));
        const region = DR["aws:region"]!;
        const volume = costOf(
            await planUnderMocks("dr", withConfig(DR, { "ghost-dcdr:mediaStorage": "volume" }) as Record<string, string>),
            region,
        );
        assert.equal(
            summary.cost.estimate.total,
            volume.total,
            "the same bill as without S3 uploads: nothing priced from config",
        );
        assert.ok(!summary.cost.estimate.lines.some((l) => l.key.startsWith("cloudfront.") || l.basis.includes("media")));
    });

    it("--set mediaReplicationRtc=true on dc: the RTC line appears, and the recovery point says RTC is on", async () => {
        const o = await reviewOverrides("dc", "Pulumi.dc.yaml", DC as Record<string, string>, {
            "ghost-dcdr:mediaReplicationRtc": "true",
        });
        const rtc = (c: CostEstimate) => c.lines.filter((l) => l.key === "s3.replicationTimeControl");
        assert.deepEqual(rtc(costOf(o.base, "eu-west-1")), []);
        const on = rtc(costOf(o.next, "eu-west-1"));
        assert.deepEqual(
            on.map((l) => [l.region, l.quantity]),
            [["eu-west-1", loadPriceBook().assumptions.mediaUploadGbPerMonth.value]],
        );
        const { summary } = await reviewStack(
            "dc",
            "Pulumi.dc.yaml",
            withConfig(DC, { "ghost-dcdr:mediaReplicationRtc": "true" }) as Record<string, string>,
        );
        assert.deepEqual(summary.role.recoveryPoint.media, {
            storage: "s3",
            typical: "seconds to minutes",
            rtc: true,
            replicationBoundS: 15 * 60,
        });
        assert.match(summary.role.recoveryPoint.words.join("\n"), /RTC is on here \(ghost-dcdr:mediaReplicationRtc\)/);
    });

    it("recovery point: the database from the backup schedule, the uploads by replication (s3) or with the backup (volume)", async () => {
        const s3 = (await reviewStack("dc", "Pulumi.dc.yaml", DC as Record<string, string>)).summary;
        const [, database, uploads] = s3.role.recoveryPoint.words;
        assert.match(
            database,
            /^ {2}Database: .* up to 1 h \(the longest gap of backupSchedule "0 \* \* \* \*" Etc\/UTC\), plus/,
        );
        assert.match(database, /without RTC: no time bound/, "the backup buckets replicate without RTC");
        assert.equal(uploads, `  Uploads: ${S3_REPLICATION_WORDS}. RTC is off here (ghost-dcdr:mediaReplicationRtc).`);
        assert.match(
            S3_REPLICATION_WORDS,
            /typically seconds to minutes; with RTC 99\.99% within 15 minutes; without RTC no time bound \(AWS: most objects in 15 minutes, some may take hours\)/,
        );
        assert.ok(
            s3.switchTime.words.endsWith(
                `Uploads need no switch: ${mediaHostname(DOMAIN)} serves from whichever bucket answers (the CDN fails over per request, ` +
                    `waiting at most ${attempts} x ${timeoutS} s = ${attempts * timeoutS} s when the dc region is unreachable).`,
            ),
            s3.switchTime.words,
        );

        // A weekday schedule: the longest gap is the weekend's, not the average interval.
        const volume = (
            await reviewStack(
                "dc",
                "Pulumi.dc.yaml",
                withConfig(DC, {
                    "ghost-dcdr:mediaStorage": "volume",
                    "ghost-dcdr:backupSchedule": "0 3 * * 1-5",
                }) as Record<string, string>,
            )
        ).summary;
        const rp = volume.role.recoveryPoint;
        assert.equal(rp.database.intervalS, 3 * 86_400);
        assert.match(
            rp.words[2],
            /^ {2}Uploads: on the content volume, as old as the newest backup \(at most one backupSchedule interval plus replication\): up to 3 days/,
        );
        assert.deepEqual(rp.media, {
            storage: "volume",
            typical: "as old as the newest backup set",
            intervalS: 3 * 86_400,
            replicationBoundS: null,
        });
        assert.equal(volume.switchTime.mediaFailoverS, undefined);
        assert.doesNotMatch(volume.switchTime.words, /Uploads/, "uploads on the volume switch with the site");

        const dr = (await reviewStack("dr", "Pulumi.dr.yaml", DR as Record<string, string>)).summary;
        assert.match(dr.role.recoveryPoint.words[2], /RTC is the dc stack's choice/, "dr does not know dc's RTC setting");
        assert.equal(dr.role.recoveryPoint.media.rtc, undefined);
    });

    it("summary.json carries the recovery point's figures and the CDN's failover wait; the plan prints them under Role", async () => {
        const outDir = path.join(tmp, "dc");
        const printed = await printedPlan({ stack: "dc", configFile: "Pulumi.dc.yaml", outDir });
        const summary = JSON.parse(fs.readFileSync(path.join(outDir, "summary.json"), "utf8"));
        assert.deepEqual(summary.role.recoveryPoint.database, {
            schedule: "0 * * * *",
            timeZone: "Etc/UTC",
            intervalS: 3600,
            replicationBoundS: null,
        });
        assert.deepEqual(summary.role.recoveryPoint.media, {
            storage: "s3",
            typical: "seconds to minutes",
            rtc: false,
            replicationBoundS: null,
        });
        assert.equal(summary.switchTime.mediaFailoverS, attempts * timeoutS);
        const role = printed.slice(printed.indexOf("\nRole:"), printed.indexOf("\nWhat `pulumi up` creates"));
        for (const line of summary.role.recoveryPoint.words) assert.ok(role.includes(`\n  ${line}`), line);
        assert.match(printed, /^ {2}media +\d+ +0 +\d+ {2}uploads: media buckets, CDN, certificate$/m);
    });
});
