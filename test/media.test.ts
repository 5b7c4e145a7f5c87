/**
 * Issue 13: uploads in S3. The media buckets and their replication, the CDN (origin group, OAC, us-east-1 certificate,
 * alias records), the bucket and key policies, Ghost's IRSA role (exact actions and resources), Ghost's environment
 * and the media-migrate init container, on both stacks and with `mediaStorage: volume`.
 */
import { strict as assert } from "node:assert";
import { MEDIA_MIGRATE_STEP } from "../components/backup/steps";
import { AWS_CLI_IMAGE } from "../components/backup/datapath";
import { GHOST_SERVICE_ACCOUNT } from "../components/ghost";
import { GHOST_S3_ADAPTER_PATHS, GHOST_S3_MULTIPART, ghostMediaAdapters, ghostMediaEnv } from "../components/ghost/media";
import {
    CDN_FAILOVER_STATUS_CODES,
    CDN_PRIMARY_CONNECTION,
    CLOUDFRONT_ZONE_ID,
    ghostMediaPolicy,
    MEDIA_KEY_ALIAS,
    MEDIA_KINDS,
    MEDIA_NONCURRENT_DAYS,
    MEDIA_SETTINGS_PREFIX,
    mediaBucketName,
} from "../components/media";
import { CONFIG_KEYS } from "../stacks/schema";
import { cachedRun, MOCK_ACCOUNT, MockRun, RecordedResource, runStack, RecordingMocks } from "../tools/mocks";
import { configProblems, DC, DR, withConfig } from "./fixtures";
import { childrenOf, envOf, inputsOf } from "./helpers";

const PREFIX = "ghost-dcdr-blog-example-com";
const BUCKETS = { dc: mediaBucketName(PREFIX, "eu-west-1"), dr: mediaBucketName(PREFIX, "eu-west-2") };
const REGIONS = { dc: "eu-west-1", dr: "eu-west-2" } as const;
const CDN_URL = "https://media.blog.example.com";
const json = (v: unknown) => (typeof v === "string" ? JSON.parse(v) : v);

const ofMedia = (run: MockRun, type: string) => childrenOf(run, "ghost-dcdr:media:MediaStore", type);
const regionOf = (run: MockRun, r: RecordedResource) => run.mocks.regionOf(r.provider);
const deployment = (run: MockRun) =>
    inputsOf(run.mocks.byType("kubernetes:apps/v1:Deployment").find((d) => inputsOf(d).metadata.name === "ghost")!);

/** Whether an IAM policy document allows `action` on `resource` (exact or trailing-* patterns, Allow only). */
function allows(policy: any, action: string, resource: string): boolean {
    const match = (pattern: string, value: string) =>
        pattern === value || (pattern.endsWith("*") && value.startsWith(pattern.slice(0, -1)));
    return [policy.Statement]
        .flat()
        .some(
            (s: any) =>
                s.Effect === "Allow" &&
                [s.Action].flat().some((a: string) => match(a, action)) &&
                [s.Resource].flat().some((r: string) => match(r, resource)),
        );
}

describe("media storage in S3 (issue 13)", () => {
    let dc: MockRun;
    let dr: MockRun;
    before(async () => {
        dc = await cachedRun("dc", DC);
        dr = await cachedRun("dr", DR);
    });

    it("is the default, and says where uploads live in the outputs", () => {
        assert.equal(CONFIG_KEYS.mediaStorage.default, "s3");
        for (const [run, site] of [
            [dc, "dc"],
            [dr, "dr"],
        ] as const) {
            assert.equal(run.outputs.mediaStorage, "s3");
            assert.equal(run.outputs.mediaBucket, BUCKETS[site]);
            assert.equal(run.outputs.mediaUrl, CDN_URL);
        }
    });

    it("dc owns one media bucket per region, each on its region's provider; dr owns none", () => {
        const buckets = ofMedia(dc, "aws:s3/bucket:Bucket");
        assert.deepEqual(buckets.map((b) => [inputsOf(b).bucket, regionOf(dc, b)]).sort(), [
            [BUCKETS.dc, "eu-west-1"],
            [BUCKETS.dr, "eu-west-2"],
        ]);
        assert.equal(ofMedia(dr, "aws:s3/bucket:Bucket").length, 0);
        assert.equal(dr.mocks.byType("aws:cloudfront/distribution:Distribution").length, 0);
        assert.ok(
            dr.mocks.invokes.some((i) => i.token === "aws:kms/getAlias:getAlias" && i.inputs.name === MEDIA_KEY_ALIAS),
            "dr finds its region's media key by alias",
        );
    });

    it("versions, encrypts with the regional media key, blocks public access and ages out old versions, on both buckets", () => {
        const keys = {
            dc: dc.mocks.outputsOf(dc.mocks.one("aws:kms/key:Key", "media-key")).arn,
            dr: dc.mocks.outputsOf(dc.mocks.one("aws:kms/replicaKey:ReplicaKey", "media-key-replica")).arn,
        };
        assert.equal(inputsOf(dc.mocks.one("aws:kms/key:Key", "media-key")).multiRegion, true);
        for (const site of ["dc", "dr"] as const) {
            const sibling = (type: string) => dc.mocks.byType(type).find((r) => inputsOf(r).bucket === `dc-media-${site}-id`);
            assert.equal(
                inputsOf(sibling("aws:s3/bucketVersioning:BucketVersioning")!).versioningConfiguration.status,
                "Enabled",
            );
            const sse = inputsOf(
                sibling("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")!,
            ).rules[0];
            assert.deepEqual(sse.applyServerSideEncryptionByDefault, { sseAlgorithm: "aws:kms", kmsMasterKeyId: keys[site] });
            const pab = inputsOf(sibling("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")!);
            assert.deepEqual(
                [pab.blockPublicAcls, pab.blockPublicPolicy, pab.ignorePublicAcls, pab.restrictPublicBuckets],
                [true, true, true, true],
            );
            const lifecycle = inputsOf(sibling("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")!).rules[0];
            assert.deepEqual(lifecycle.noncurrentVersionExpiration, { noncurrentDays: MEDIA_NONCURRENT_DAYS });
            assert.equal(lifecycle.expiration, undefined, "a current upload never expires");
            const aliases = ofMedia(dc, "aws:kms/alias:Alias").filter((a) => regionOf(dc, a) === REGIONS[site]);
            assert.deepEqual(
                aliases.map((a) => [inputsOf(a).name, inputsOf(a).targetKeyId]),
                [[MEDIA_KEY_ALIAS, keys[site]]],
            );
        }
    });

    it("replicates each bucket into the other, KMS-encrypted, keeping deletions in their region, RTC off by default", async () => {
        const rules = (run: MockRun) =>
            ofMedia(run, "aws:s3/bucketReplicationConfig:BucketReplicationConfig").map((c) => [
                inputsOf(c).bucket,
                inputsOf(c).rules[0],
            ]);
        const pairs = rules(dc).map(([bucket, rule]) => [bucket, rule.destination.bucket]);
        assert.deepEqual(pairs.sort(), [
            ["dc-media-dc-id", `arn:aws:s3:::${BUCKETS.dr}`],
            ["dc-media-dr-id", `arn:aws:s3:::${BUCKETS.dc}`],
        ]);
        for (const [, rule] of rules(dc)) {
            assert.deepEqual(rule.deleteMarkerReplication, { status: "Disabled" });
            assert.deepEqual(rule.sourceSelectionCriteria, { sseKmsEncryptedObjects: { status: "Enabled" } });
            assert.deepEqual(rule.filter, { prefix: "" }, "uploads and Ghost's settings both replicate");
            assert.ok(rule.destination.encryptionConfiguration.replicaKmsKeyId);
            assert.equal(rule.destination.replicationTime, undefined);
            assert.equal(rule.destination.metrics, undefined);
        }
        const rtc = await cachedRun("dc", withConfig(DC, { "ghost-dcdr:mediaReplicationRtc": "true" }));
        for (const [, rule] of rules(rtc)) {
            assert.deepEqual(rule.destination.replicationTime, { status: "Enabled", time: { minutes: 15 } });
            assert.deepEqual(rule.destination.metrics, { status: "Enabled", eventThreshold: { minutes: 15 } });
        }
    });

    it("serves media.<domain> from an origin group: the dc bucket, failing over to the dr bucket, both through OAC", () => {
        const cdn = inputsOf(dc.mocks.one("aws:cloudfront/distribution:Distribution"));
        const oacId = dc.mocks.one("aws:cloudfront/originAccessControl:OriginAccessControl").name + "-id";
        assert.deepEqual(cdn.aliases, ["media.blog.example.com"]);
        assert.deepEqual(
            cdn.origins.map((o: any) => [o.originId, o.domainName, o.originAccessControlId]),
            [
                ["dc", `${BUCKETS.dc}.s3.eu-west-1.amazonaws.com`, oacId],
                ["dr", `${BUCKETS.dr}.s3.eu-west-2.amazonaws.com`, oacId],
            ],
        );
        assert.ok(
            cdn.origins.every((o: any) => o.s3OriginConfig === undefined),
            "no legacy origin access identity",
        );
        assert.equal(cdn.origins[0].connectionAttempts, CDN_PRIMARY_CONNECTION.attempts);
        assert.equal(cdn.origins[0].connectionTimeout, CDN_PRIMARY_CONNECTION.timeoutS);
        assert.deepEqual(cdn.originGroups, [
            {
                originId: "media",
                failoverCriteria: { statusCodes: [403, 404, 500, 502, 503, 504] },
                members: [{ originId: "dc" }, { originId: "dr" }],
            },
        ]);
        assert.deepEqual([...CDN_FAILOVER_STATUS_CODES], [403, 404, 500, 502, 503, 504]);
        const behavior = cdn.defaultCacheBehavior;
        assert.equal(behavior.targetOriginId, "media");
        assert.equal(behavior.viewerProtocolPolicy, "redirect-to-https");
        assert.deepEqual(behavior.allowedMethods, ["GET", "HEAD"]);
        assert.equal(cdn.orderedCacheBehaviors, undefined, "every path goes to the origin group");
        const oac = inputsOf(dc.mocks.one("aws:cloudfront/originAccessControl:OriginAccessControl"));
        assert.deepEqual(
            [oac.originAccessControlOriginType, oac.signingBehavior, oac.signingProtocol],
            ["s3", "always", "sigv4"],
        );
    });

    it("takes its certificate from ACM in us-east-1, DNS-validated in the zone, and publishes A and AAAA aliases", () => {
        const cert = dc.mocks.one("aws:acm/certificate:Certificate", "media-certificate-cert");
        assert.equal(regionOf(dc, cert), "us-east-1");
        assert.equal(inputsOf(cert).domainName, "media.blog.example.com");
        assert.equal(inputsOf(cert).validationMethod, "DNS");
        const cdn = dc.mocks.one("aws:cloudfront/distribution:Distribution");
        const viewer = inputsOf(cdn).viewerCertificate;
        assert.equal(viewer.acmCertificateArn, `arn:aws:acm:us-east-1:${MOCK_ACCOUNT}:certificate/dc-media-certificate-cert`);
        assert.deepEqual([viewer.sslSupportMethod, viewer.minimumProtocolVersion], ["sni-only", "TLSv1.2_2021"]);
        const records = ofMedia(dc, "aws:route53/record:Record").filter((r) => inputsOf(r).name === "media.blog.example.com");
        assert.deepEqual(records.map((r) => inputsOf(r).type).sort(), ["A", "AAAA"]);
        for (const r of records) {
            assert.equal(inputsOf(r).zoneId, "Z0123456789ABCDEFGHIJ");
            assert.deepEqual(inputsOf(r).aliases, [
                { name: dc.mocks.outputsOf(cdn).domainName, zoneId: CLOUDFRONT_ZONE_ID, evaluateTargetHealth: false },
            ]);
        }
    });

    it("lets only the distribution read uploads (not Ghost's settings), and only over TLS", () => {
        const distributionArn = dc.mocks.outputsOf(dc.mocks.one("aws:cloudfront/distribution:Distribution")).arn;
        for (const site of ["dc", "dr"] as const) {
            const policy = json(
                inputsOf(
                    ofMedia(dc, "aws:s3/bucketPolicy:BucketPolicy").find((p) => inputsOf(p).bucket === `dc-media-${site}-id`)!,
                ).policy,
            );
            const bucketArn = `arn:aws:s3:::${BUCKETS[site]}`;
            assert.deepEqual(policy.Statement[0].Condition, { Bool: { "aws:SecureTransport": "false" } });
            const read = policy.Statement.find((s: any) => s.Sid === "CloudFrontReadsUploads");
            assert.deepEqual(read.Principal, { Service: "cloudfront.amazonaws.com" });
            assert.equal(read.Action, "s3:GetObject");
            assert.deepEqual(read.Condition, { StringEquals: { "AWS:SourceArn": distributionArn } });
            assert.ok(allows(policy, "s3:GetObject", `${bucketArn}/content/images/2026/11/p.png`));
            assert.ok(allows(policy, "s3:GetObject", `${bucketArn}/content/files/2026/11/f.pdf`));
            assert.ok(!allows(policy, "s3:GetObject", `${bucketArn}/${MEDIA_SETTINGS_PREFIX}/redirects.json`));
            assert.ok(!allows(policy, "s3:PutObject", `${bucketArn}/content/images/x.png`));
            assert.equal(policy.Statement.length, 2);
        }
        for (const key of [
            dc.mocks.one("aws:kms/key:Key", "media-key"),
            dc.mocks.one("aws:kms/replicaKey:ReplicaKey", "media-key-replica"),
        ]) {
            const policy = json(inputsOf(key).policy);
            const cf = policy.Statement.find((s: any) => s.Principal?.Service === "cloudfront.amazonaws.com");
            assert.deepEqual([cf.Effect, cf.Action], ["Allow", "kms:Decrypt"]);
            assert.deepEqual(cf.Condition, { StringEquals: { "AWS:SourceArn": distributionArn } });
        }
    });

    it("gives each site's Ghost an IRSA role for its own region's media bucket and media key, nothing else", () => {
        for (const [run, site] of [
            [dc, "dc"],
            [dr, "dr"],
        ] as const) {
            const irsa = run.mocks.resources.filter((r) => r.name.startsWith(`${site}-ghost-media-irsa`));
            const role = inputsOf(irsa.find((r) => r.type === "aws:iam/role:Role")!);
            const trust = json(role.assumeRolePolicy).Statement[0].Condition.StringEquals;
            const issuer = Object.keys(trust)
                .find((k) => k.endsWith(":sub"))!
                .replace(/:sub$/, "");
            assert.equal(trust[`${issuer}:sub`], `system:serviceaccount:ghost:${GHOST_SERVICE_ACCOUNT}`);
            assert.equal(trust[`${issuer}:aud`], "sts.amazonaws.com");
            const policy = json(inputsOf(irsa.find((r) => r.type === "aws:iam/rolePolicy:RolePolicy")!).policy);
            const keyArn =
                site === "dc"
                    ? run.mocks.outputsOf(run.mocks.one("aws:kms/key:Key", "media-key")).arn
                    : `arn:aws:kms:eu-west-2:${MOCK_ACCOUNT}:key/mrk-mock`;
            assert.deepEqual(policy, ghostMediaPolicy(BUCKETS[site], keyArn));
            assert.deepEqual(policy.Statement, [
                { Effect: "Allow", Action: ["s3:ListBucket"], Resource: `arn:aws:s3:::${BUCKETS[site]}` },
                {
                    Effect: "Allow",
                    Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
                    Resource: [`arn:aws:s3:::${BUCKETS[site]}/content/*`, `arn:aws:s3:::${BUCKETS[site]}/ghost-settings/*`],
                },
                { Effect: "Allow", Action: ["kms:GenerateDataKey", "kms:Decrypt"], Resource: keyArn },
            ]);
            const other = site === "dc" ? "dr" : "dc";
            assert.ok(!allows(policy, "s3:PutObject", `arn:aws:s3:::${BUCKETS[other]}/content/images/x.png`));
            assert.ok(!allows(policy, "s3:GetObject", `arn:aws:s3:::${PREFIX}-backups-${REGIONS[site]}/ghost/dc/x`));
            assert.ok(!allows(policy, "s3:PutObject", `arn:aws:s3:::${BUCKETS[site]}/other/x`));
            assert.ok(!allows(policy, "s3:PutBucketPolicy", `arn:aws:s3:::${BUCKETS[site]}`));

            const sa = inputsOf(irsa.find((r) => r.type === "kubernetes:core/v1:ServiceAccount")!);
            assert.equal(sa.metadata.name, GHOST_SERVICE_ACCOUNT);
            const roleArn = run.mocks.outputsOf(irsa.find((r) => r.type === "aws:iam/role:Role")!).arn;
            assert.equal(sa.metadata.annotations["eks.amazonaws.com/role-arn"], roleArn);
            const pod = deployment(run).spec.template.spec;
            assert.equal(pod.serviceAccountName, GHOST_SERVICE_ACCOUNT);
            assert.equal(pod.automountServiceAccountToken, false);
        }
    });

    it("configures Ghost's S3 adapters with its own bucket and region and the shared CDN URL, and no credentials", () => {
        for (const [run, site] of [
            [dc, "dc"],
            [dr, "dr"],
        ] as const) {
            const ghost = deployment(run).spec.template.spec.containers.find((c: any) => c.name === "ghost");
            const env = envOf(ghost);
            const media = { bucket: BUCKETS[site], region: REGIONS[site], cdnUrl: CDN_URL };
            for (const { name, value } of ghostMediaEnv(media)) assert.equal(env[name as string], value, name as string);
            assert.equal(env.storage__active, "S3Storage");
            assert.equal(env.storage__S3Storage__bucket, BUCKETS[site]);
            assert.equal(env.storage__S3Storage__cdnUrl, CDN_URL);
            assert.equal(env.storage__S3Storage__multipartChunkSizeBytes, String(GHOST_S3_MULTIPART.chunkBytes));
            assert.ok(GHOST_S3_MULTIPART.chunkBytes >= 5 * 1024 * 1024, "S3Storage refuses parts under 5 MiB");
            for (const name of Object.keys(env)) {
                assert.ok(!/accessKeyId|secretAccessKey|sessionToken|endpoint|forcePathStyle|AWS_/i.test(name), `${name} in env`);
            }
            assert.ok(!("urls__image" in env), "sized images must reach Ghost, which makes them (see components/ghost/media.ts)");
        }
        // Every adapter the env configures is one the expected resolution names, and the reverse.
        const adapters = ghostMediaAdapters({ bucket: "b", region: "r", cdnUrl: CDN_URL });
        assert.deepEqual(Object.keys(adapters), [
            "storage:images",
            "storage:media",
            "storage:files",
            "redirects",
            "route-settings",
        ]);
        assert.deepEqual(
            MEDIA_KINDS.map((k) => adapters[`storage:${k}`].adapterConfig.staticFileURLPrefix),
            ["content/images", "content/media", "content/files"],
        );
        assert.equal(GHOST_S3_ADAPTER_PATHS.length, 3);
    });

    it("runs media-migrate after the seed step, in the pinned AWS CLI image with Ghost's identity, before Ghost", () => {
        const pod = deployment(dc).spec.template.spec;
        assert.deepEqual(
            pod.initContainers.map((c: any) => c.name),
            ["wait-for-mariadb", "seed-content", MEDIA_MIGRATE_STEP.container],
        );
        const migrate = pod.initContainers[2];
        assert.equal(migrate.image, AWS_CLI_IMAGE);
        assert.deepEqual(migrate.command, ["bash", "/scripts/media-migrate.sh"]);
        assert.deepEqual(envOf(migrate), {
            WORK_DIR: "/work",
            HOME: "/work",
            TMPDIR: "/tmp",
            GHOST_CONTENT_DIR: "/var/lib/ghost/content",
            MEDIA_BUCKET: BUCKETS.dc,
            AWS_REGION: "eu-west-1",
        });
        assert.equal(migrate.securityContext.readOnlyRootFilesystem, true);
        const content = migrate.volumeMounts.find((m: any) => m.name === "content");
        assert.equal(content.readOnly, undefined, "it writes its marker on the content volume");
        const volumes = pod.volumes.map((v: any) => v.name);
        for (const m of migrate.volumeMounts) assert.ok(volumes.includes(m.name), `volume ${m.name}`);
    });

    it("tells the backup and the restore where uploads live", () => {
        const cron = (run: MockRun, name: string) =>
            inputsOf(run.mocks.byType("kubernetes:batch/v1:CronJob").find((c) => inputsOf(c).metadata.name === name)!).spec
                .jobTemplate.spec.template.spec;
        const dump = cron(dc, "ghost-backup").initContainers.find((c: any) => c.name === "dump");
        assert.equal(envOf(dump).MEDIA_STORAGE, "s3");
        assert.equal(envOf(dump).MEDIA_BUCKET, BUCKETS.dc);
        const apply = cron(dr, "ghost-restore").containers.find((c: any) => c.name === "apply");
        assert.equal(envOf(apply).MEDIA_STORAGE, "s3");
    });
});

describe("media storage on the content volume (mediaStorage: volume)", () => {
    let dc: MockRun;
    let dr: MockRun;
    before(async () => {
        dc = await cachedRun("dc", withConfig(DC, { "ghost-dcdr:mediaStorage": "volume" }));
        dr = await cachedRun("dr", withConfig(DR, { "ghost-dcdr:mediaStorage": "volume" }));
    });

    it("builds no media store, no Ghost identity, no S3 environment and no media step", () => {
        for (const run of [dc, dr]) {
            assert.equal(run.mocks.resources.filter((r) => r.urn.includes("ghost-dcdr:media:")).length, 0);
            assert.equal(run.mocks.resources.filter((r) => r.name.includes("ghost-media-irsa")).length, 0);
            assert.equal(run.mocks.byType("pulumi:providers:aws").filter((p) => inputsOf(p).region === "us-east-1").length, 0);
            const pod = deployment(run).spec.template.spec;
            assert.equal(pod.serviceAccountName, undefined);
            assert.deepEqual(
                pod.initContainers.map((c: any) => c.name),
                ["wait-for-mariadb", "seed-content"],
            );
            const env = envOf(pod.containers[0]);
            assert.ok(Object.keys(env).every((k) => !k.startsWith("storage__") && !k.startsWith("adapters__")));
            assert.equal(run.outputs.mediaStorage, "volume");
            assert.equal(run.outputs.mediaBucket, undefined);
            assert.equal(run.outputs.mediaUrl, undefined);
        }
        assert.ok(!dr.mocks.invokes.some((i) => i.inputs.name === MEDIA_KEY_ALIAS));
        const dump = inputsOf(
            dc.mocks.byType("kubernetes:batch/v1:CronJob").find((c) => inputsOf(c).metadata.name === "ghost-backup")!,
        ).spec.jobTemplate.spec.template.spec.initContainers.find((c: any) => c.name === "dump");
        assert.equal(envOf(dump).MEDIA_STORAGE, "volume");
        assert.equal(envOf(dump).MEDIA_BUCKET, undefined);
    });
});

describe("media config", () => {
    it("names the key, the value and the fix for a bad mediaStorage or price class", () => {
        assert.deepEqual(configProblems({ "ghost-dcdr:mediaStorage": "S3" }), [
            'ghost-dcdr:mediaStorage: "S3" is not a media storage; it must be s3 or volume. Fix: pulumi config set ghost-dcdr:mediaStorage s3 -s dc',
        ]);
        const [problem] = configProblems({ "ghost-dcdr:mediaPriceClass": "cheap" });
        assert.match(problem, /^ghost-dcdr:mediaPriceClass: "cheap" is not a CloudFront price class; it must be /);
        assert.deepEqual(configProblems({ "ghost-dcdr:mediaReplicationRtc": "yes" }).length, 1);
    });

    it("refuses, before any resource, a dc stack whose mediaStorage differs from the deployed dr stack's", async () => {
        const peer = "acme/ghost-dcdr/dr";
        const config = withConfig(DC, { "ghost-dcdr:peerStack": peer });
        const mocks = new RecordingMocks({ [peer]: { siteName: "dr", failover: false, mediaStorage: "volume" } });
        await assert.rejects(runStack("dc", config, mocks), (e: Error) => {
            assert.match(
                e.message,
                /ghost-dcdr:mediaStorage is s3 on this stack but volume on the dr stack acme\/ghost-dcdr\/dr; .* Fix: pulumi config set ghost-dcdr:mediaStorage volume/,
            );
            return true;
        });
        assert.equal(
            mocks.resources.filter((r) => r.custom && !r.type.startsWith("pulumi:")).length,
            0,
            "nothing but the stack reference was registered",
        );
        // The same setting on both, or a dr stack from before issue 13 (no such output): no complaint.
        for (const outputs of [
            { siteName: "dr", failover: false, mediaStorage: "s3" },
            { siteName: "dr", failover: false },
        ]) {
            await runStack("dc", config, new RecordingMocks({ [peer]: outputs }));
        }
    });
});
