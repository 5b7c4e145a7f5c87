/**
 * Ghost's images, media and files in S3 (issue 13): one media bucket per region, each replicating into the other, and
 * one CloudFront distribution on `media.<domain>` whose origin group reads the dc bucket and fails over to the dr
 * bucket, so a visitor gets every upload whichever region is down and whichever site wrote it.
 *
 * What Ghost does with the bucket is Ghost's own S3 storage adapter (Ghost 6.65.0, core/server/adapters/storage/
 * S3Storage.js, and the redirects and route-settings S3 stores beside it); components/ghost/media.ts configures it.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { accountAdministersKey, accountOf, replicationPolicy, tlsOnlyPolicy } from "../backup/buckets";
import { Certificate } from "../certificate";
import type { Site } from "../site";

/**
 * Ghost's three kinds of upload. Each is stored under `content/<kind>/` (the adapter's `staticFileURLPrefix`, the same
 * path Ghost serves them under on the site), so a key is also the path of its public URL on the CDN.
 */
export const MEDIA_KINDS = ["images", "media", "files"] as const;
export type MediaKind = (typeof MEDIA_KINDS)[number];
/** `content/<kind>`: the key prefix of one kind of upload, and its URL path. */
export function mediaKeyPrefix(kind: MediaKind): string {
    return `content/${kind}`;
}
/**
 * Where Ghost's S3 redirects and route-settings stores keep redirects.json and routes.yaml. Outside `content/`, so
 * the CDN (which may read only `content/<kind>/*`) never serves them.
 */
export const MEDIA_SETTINGS_PREFIX = "ghost-settings";

/** Each media bucket is encrypted with this key alias, in both regions (a multi-region key pair). */
export const MEDIA_KEY_ALIAS = "alias/ghost-dcdr-media";
/** Old versions of an upload (an overwrite, a deletion) are kept this long, then expire. */
export const MEDIA_NONCURRENT_DAYS = 30;
/**
 * What the origin group fails over on. 403 as well as 404: CloudFront's OAC has no s3:ListBucket, so S3 answers a
 * missing key with 403. 5xx: the dc region's S3 failing. CloudFront also fails over when it cannot connect.
 */
export const CDN_FAILOVER_STATUS_CODES = [403, 404, 500, 502, 503, 504] as const;
/**
 * The primary origin's connection settings: when the dc region is unreachable, CloudFront waits at most
 * attempts x timeout seconds before it asks the dr bucket (the defaults, 3 x 10 s, would hold every uncached image
 * 30 s). CloudFront allows 1-3 attempts and 1-10 s.
 */
export const CDN_PRIMARY_CONNECTION = { attempts: 2, timeoutS: 3 } as const;
/** A missing upload (e.g. one not replicated yet) is cached as missing for at most this long. */
export const CDN_ERROR_CACHING_S = 10;

/** A region's media bucket, from config `backupBucketPrefix` (the prefix both buckets pairs share). */
export function mediaBucketName(prefix: string, region: string): string {
    return `${prefix}-media-${region}`;
}
/** The CDN's public name; Ghost's `cdnUrl` is https://<this> on both sites. */
export function mediaHostname(domain: string): string {
    return `media.${domain}`;
}
/** Route 53's zone for every CloudFront alias target (AWS docs, Route 53 AliasTarget: "Specify Z2FDTNDATAQYW2"). */
export const CLOUDFRONT_ZONE_ID = "Z2FDTNDATAQYW2";

/** The key ARNs CloudFront may read: `content/<kind>/*` of each kind, nothing else in the bucket. */
function publicObjectArns(bucketArn: string): string[] {
    return MEDIA_KINDS.map((kind) => `${bucketArn}/${mediaKeyPrefix(kind)}/*`);
}

/**
 * A media bucket's policy: plain HTTP refused, and the one distribution (through its Origin Access Control) may read
 * the uploads, nothing else. Everyone else reaches the bucket only through IAM (Ghost's role, the replication role).
 */
export function mediaBucketPolicy(bucketArn: string, distributionArn: string): aws.iam.PolicyDocument {
    const tls = tlsOnlyPolicy(bucketArn);
    return {
        Version: "2012-10-17",
        Statement: [
            ...(tls.Statement as aws.iam.PolicyStatement[]),
            {
                Sid: "CloudFrontReadsUploads",
                Effect: "Allow",
                Principal: { Service: "cloudfront.amazonaws.com" },
                Action: "s3:GetObject",
                Resource: publicObjectArns(bucketArn),
                Condition: { StringEquals: { "AWS:SourceArn": distributionArn } },
            },
        ],
    };
}

/**
 * The media key's policy: the account administers it through IAM (without that the key could never be changed again),
 * and the distribution may decrypt with it, which OAC needs to read SSE-KMS objects (CloudFront developer guide,
 * "Restrict access to an Amazon S3 origin", SSE-KMS: the key policy must allow cloudfront.amazonaws.com kms:Decrypt
 * with the distribution as AWS:SourceArn).
 */
export function mediaKeyPolicy(accountId: string, distributionArn: string): aws.iam.PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            accountAdministersKey(accountId),
            {
                Sid: "CloudFrontDecryptsUploads",
                Effect: "Allow",
                Principal: { Service: "cloudfront.amazonaws.com" },
                Action: "kms:Decrypt",
                Resource: "*",
                Condition: { StringEquals: { "AWS:SourceArn": distributionArn } },
            },
        ],
    };
}

/**
 * Ghost's IAM policy for its own site's media bucket, and nothing else:
 * - s3:ListBucket on the bucket, without a prefix condition: S3 answers HeadObject on a missing key with 404 only to
 *   a caller that may list the bucket, and 403 otherwise, which Ghost's S3Storage.exists() (run for every upload, to
 *   pick a unique name) takes for an error. The bucket holds only Ghost's own uploads and settings;
 * - get, put, delete and abort a multipart upload on its two prefixes: `content/` (uploads, and the resized copies
 *   Ghost writes for `/content/images/size/...`) and MEDIA_SETTINGS_PREFIX (redirects.json, routes.yaml: the stores
 *   read, write, and copy the previous file aside, which is GetObject + PutObject);
 * - the media key, for SSE-KMS: GenerateDataKey to write, Decrypt to read.
 */
export function ghostMediaPolicy(bucket: string, keyArn: string): aws.iam.PolicyDocument {
    const prefixes = ["content", MEDIA_SETTINGS_PREFIX];
    return {
        Version: "2012-10-17",
        Statement: [
            { Effect: "Allow", Action: ["s3:ListBucket"], Resource: `arn:aws:s3:::${bucket}` },
            {
                Effect: "Allow",
                Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
                Resource: prefixes.map((p) => `arn:aws:s3:::${bucket}/${p}/*`),
            },
            { Effect: "Allow", Action: ["kms:GenerateDataKey", "kms:Decrypt"], Resource: keyArn },
        ],
    };
}

export interface MediaBucketSpec {
    /** Bucket name (globally unique): `mediaBucketName`. */
    name: string;
    /** Provider for the bucket's region. */
    provider: aws.Provider;
}

export interface MediaStoreArgs {
    /** The bucket in each site's region; the multi-region key's primary lives in dc's. */
    buckets: Readonly<Record<Site, MediaBucketSpec>>;
    /** The CDN's public name (`mediaHostname`), in `hostedZoneId`. */
    hostname: string;
    /** The blog's own origin, https://<domain>: the only origin whose pages may read uploads from scripts (CORS). */
    siteOrigin: string;
    hostedZoneId: string;
    /** A provider in us-east-1: CloudFront takes its certificate only from ACM there. */
    certificateProvider: aws.Provider;
    /** S3 Replication Time Control on both directions: a 15-minute SLA, at extra cost. Defaults to false. */
    replicationTimeControl?: boolean;
    /** CloudFront price class. Defaults to PriceClass_100 (North America and Europe edge locations). */
    priceClass?: "PriceClass_100" | "PriceClass_200" | "PriceClass_All";
    /** Names the account-wide CloudFront policies (cache, response headers), which must be unique in the account. */
    policyNamePrefix: string;
    /** Refuse to delete the buckets on `pulumi destroy`. */
    protect: boolean;
    tags?: Record<string, string>;
}

/**
 * The media store, owned by the dc stack like the backup buckets (so a cold dr finds its region's copy): a multi-region
 * KMS key, two buckets (versioned, SSE-KMS, Block Public Access, TLS-only, noncurrent versions expiring), replication
 * each way (delete markers stay in their region), and the CDN: a us-east-1 certificate, an Origin Access Control, one
 * distribution with an origin group (dc bucket, then dr bucket) and the `media.<domain>` alias records.
 */
export class MediaStore extends pulumi.ComponentResource {
    readonly bucketArns: Record<Site, pulumi.Output<string>>;
    readonly keyArns: Record<Site, pulumi.Output<string>>;
    readonly distributionArn: pulumi.Output<string>;
    readonly distributionDomainName: pulumi.Output<string>;
    readonly url: pulumi.Output<string>;

    constructor(name: string, args: MediaStoreArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ghost-dcdr:media:MediaStore", name, {}, opts);
        const tags = args.tags ?? {};
        const inRegion = (site: Site) => ({ parent: this, provider: args.buckets[site].provider });

        // Buckets first: the distribution needs their domain names, and the key policies need the distribution.
        const buckets = {} as Record<Site, aws.s3.Bucket>;
        const versionings = {} as Record<Site, aws.s3.BucketVersioning>;
        for (const site of ["dc", "dr"] as const) {
            const bucket = new aws.s3.Bucket(
                `${name}-${site}`,
                { bucket: args.buckets[site].name, tags },
                { ...inRegion(site), protect: args.protect },
            );
            buckets[site] = bucket;
            versionings[site] = new aws.s3.BucketVersioning(
                `${name}-${site}-versioning`,
                { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } },
                inRegion(site),
            );
            new aws.s3.BucketPublicAccessBlock(
                `${name}-${site}-public-access`,
                {
                    bucket: bucket.id,
                    // The CDN reads through OAC, a service principal with a SourceArn condition: not "public" to S3.
                    blockPublicAcls: true,
                    blockPublicPolicy: true,
                    ignorePublicAcls: true,
                    restrictPublicBuckets: true,
                },
                inRegion(site),
            );
            new aws.s3.BucketOwnershipControls(
                `${name}-${site}-ownership`,
                { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
                inRegion(site),
            );
            new aws.s3.BucketLifecycleConfiguration(
                `${name}-${site}-lifecycle`,
                {
                    bucket: bucket.id,
                    rules: [
                        {
                            // Current uploads never expire: a post may show an image for ever.
                            id: "expire-old-versions",
                            status: "Enabled",
                            filter: { prefix: "" },
                            noncurrentVersionExpiration: { noncurrentDays: MEDIA_NONCURRENT_DAYS },
                            // A large upload Ghost abandoned (its multipart abort failed) leaves parts that cost money.
                            abortIncompleteMultipartUpload: { daysAfterInitiation: 2 },
                        },
                    ],
                },
                { ...inRegion(site), dependsOn: [versionings[site]] },
            );
        }

        const oac = new aws.cloudfront.OriginAccessControl(
            `${name}-oac`,
            {
                name: `${args.policyNamePrefix}-media`,
                description: `ghost-dcdr: CloudFront reads the media buckets of ${args.hostname}`,
                originAccessControlOriginType: "s3",
                signingBehavior: "always",
                signingProtocol: "sigv4",
            },
            { parent: this },
        );
        // Our own cache policy rather than a managed one by id: every setting is visible here and in the plan.
        // Uploads never change under a key (Ghost gives every upload a new name), so they are cached long; the cache
        // key is the path alone (no cookies, headers or query strings reach the bucket).
        const cachePolicy = new aws.cloudfront.CachePolicy(
            `${name}-cache`,
            {
                name: `${args.policyNamePrefix}-media`,
                comment: `ghost-dcdr uploads of ${args.hostname}`,
                minTtl: 1,
                defaultTtl: 86400,
                maxTtl: 31536000,
                parametersInCacheKeyAndForwardedToOrigin: {
                    cookiesConfig: { cookieBehavior: "none" },
                    headersConfig: { headerBehavior: "none" },
                    queryStringsConfig: { queryStringBehavior: "none" },
                    enableAcceptEncodingGzip: true,
                    enableAcceptEncodingBrotli: true,
                },
            },
            { parent: this },
        );
        // Uploads live on their own origin, apart from the blog's (a stored SVG or HTML file runs no script with the
        // blog's cookies). Only the blog's pages may read them from scripts (Ghost's editor reads images it shows).
        const headers = new aws.cloudfront.ResponseHeadersPolicy(
            `${name}-headers`,
            {
                name: `${args.policyNamePrefix}-media`,
                comment: `ghost-dcdr uploads of ${args.hostname}`,
                corsConfig: {
                    accessControlAllowCredentials: false,
                    accessControlAllowHeaders: { items: ["*"] },
                    accessControlAllowMethods: { items: ["GET", "HEAD"] },
                    accessControlAllowOrigins: { items: [args.siteOrigin] },
                    accessControlMaxAgeSec: 86400,
                    originOverride: true,
                },
                securityHeadersConfig: {
                    contentTypeOptions: { override: true },
                    strictTransportSecurity: { accessControlMaxAgeSec: 31536000, includeSubdomains: false, override: true },
                    referrerPolicy: { referrerPolicy: "strict-origin-when-cross-origin", override: true },
                },
            },
            { parent: this },
        );

        const certificate = new Certificate(
            `${name}-certificate`,
            { hostnames: [args.hostname], hostedZoneId: args.hostedZoneId, tags },
            { parent: this, providers: { aws: args.certificateProvider } },
        );

        const originGroupId = "media";
        const distribution = new aws.cloudfront.Distribution(
            `${name}-cdn`,
            {
                enabled: true,
                comment: `ghost-dcdr uploads: ${args.hostname}`,
                aliases: [args.hostname],
                isIpv6Enabled: true,
                httpVersion: "http2and3",
                priceClass: args.priceClass ?? "PriceClass_100",
                origins: (["dc", "dr"] as const).map((site) => ({
                    originId: site,
                    domainName: buckets[site].bucketRegionalDomainName,
                    originAccessControlId: oac.id,
                    // Only the primary is hurried: the secondary is the last resort and gets CloudFront's defaults.
                    ...(site === "dc"
                        ? {
                              connectionAttempts: CDN_PRIMARY_CONNECTION.attempts,
                              connectionTimeout: CDN_PRIMARY_CONNECTION.timeoutS,
                          }
                        : {}),
                })),
                originGroups: [
                    {
                        originId: originGroupId,
                        failoverCriteria: { statusCodes: [...CDN_FAILOVER_STATUS_CODES] },
                        members: [{ originId: "dc" }, { originId: "dr" }],
                    },
                ],
                defaultCacheBehavior: {
                    targetOriginId: originGroupId,
                    // An origin group serves only GET, HEAD (and OPTIONS): uploads are read-only here.
                    allowedMethods: ["GET", "HEAD"],
                    cachedMethods: ["GET", "HEAD"],
                    viewerProtocolPolicy: "redirect-to-https",
                    compress: true,
                    cachePolicyId: cachePolicy.id,
                    responseHeadersPolicyId: headers.id,
                },
                customErrorResponses: [403, 404].map((errorCode) => ({ errorCode, errorCachingMinTtl: CDN_ERROR_CACHING_S })),
                restrictions: { geoRestriction: { restrictionType: "none" } },
                viewerCertificate: {
                    acmCertificateArn: certificate.certificateArn,
                    sslSupportMethod: "sni-only",
                    minimumProtocolVersion: "TLSv1.2_2021",
                },
                tags,
            },
            { parent: this },
        );

        // The media key: a multi-region pair, so a replica is decrypted in its own region when the other is gone.
        const keyPolicy = distribution.arn.apply((arn) => JSON.stringify(mediaKeyPolicy(accountOf(arn), arn)));
        const primaryKey = new aws.kms.Key(
            `${name}-key`,
            {
                description: `Encryption of ghost-dcdr uploads (${args.hostname}; multi-region primary)`,
                multiRegion: true,
                enableKeyRotation: true,
                deletionWindowInDays: 30,
                policy: keyPolicy,
                tags,
            },
            inRegion("dc"),
        );
        const replicaKey = new aws.kms.ReplicaKey(
            `${name}-key-replica`,
            {
                description: `Encryption of ghost-dcdr uploads (${args.hostname}; multi-region replica)`,
                primaryKeyArn: primaryKey.arn,
                deletionWindowInDays: 30,
                policy: keyPolicy,
                tags,
            },
            inRegion("dr"),
        );
        const keys: Record<Site, pulumi.Output<string>> = { dc: primaryKey.arn, dr: replicaKey.arn };

        for (const site of ["dc", "dr"] as const) {
            new aws.kms.Alias(`${name}-${site}-alias`, { name: MEDIA_KEY_ALIAS, targetKeyId: keys[site] }, inRegion(site));
            new aws.s3.BucketServerSideEncryptionConfiguration(
                `${name}-${site}-sse`,
                {
                    bucket: buckets[site].id,
                    rules: [
                        {
                            applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: keys[site] },
                            // One data key per bucket instead of a KMS call per object (and per CloudFront miss).
                            bucketKeyEnabled: true,
                        },
                    ],
                },
                inRegion(site),
            );
            new aws.s3.BucketPolicy(
                `${name}-${site}-policy`,
                {
                    bucket: buckets[site].id,
                    policy: pulumi
                        .all([buckets[site].arn, distribution.arn])
                        .apply(([arn, dist]) => JSON.stringify(mediaBucketPolicy(arn, dist))),
                },
                inRegion(site),
            );
        }

        for (const type of ["A", "AAAA"] as const) {
            new aws.route53.Record(
                `${name}-${type.toLowerCase()}`,
                {
                    zoneId: args.hostedZoneId,
                    name: args.hostname,
                    type,
                    aliases: [{ name: distribution.domainName, zoneId: distribution.hostedZoneId, evaluateTargetHealth: false }],
                },
                { parent: this },
            );
        }

        // Replication, each bucket into the other: whichever site is active, its uploads reach the other region.
        const replicationRole = new aws.iam.Role(
            `${name}-replication-role`,
            {
                description: "S3 cross-region replication of ghost-dcdr uploads, both directions",
                assumeRolePolicy: JSON.stringify({
                    Version: "2012-10-17",
                    Statement: [{ Effect: "Allow", Principal: { Service: "s3.amazonaws.com" }, Action: "sts:AssumeRole" }],
                }),
                tags,
            },
            inRegion("dc"),
        );
        new aws.iam.RolePolicy(
            `${name}-replication-policy`,
            {
                role: replicationRole.id,
                policy: pulumi
                    .all([buckets.dc.arn, buckets.dr.arn, keys.dc, keys.dr])
                    .apply(([a, b, ka, kb]) => JSON.stringify(replicationPolicy([{ arn: a }, { arn: b }], [ka, kb]))),
            },
            inRegion("dc"),
        );
        const rtc = args.replicationTimeControl ?? false;
        for (const [from, to] of [
            ["dc", "dr"],
            ["dr", "dc"],
        ] as const) {
            new aws.s3.BucketReplicationConfig(
                `${name}-${from}-replication`,
                {
                    bucket: buckets[from].id,
                    role: replicationRole.arn,
                    rules: [
                        {
                            id: `to-${to}`,
                            status: "Enabled",
                            filter: { prefix: "" },
                            // A deletion (mistake or attack) stays in its own region; the other keeps the upload.
                            deleteMarkerReplication: { status: "Disabled" },
                            sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: "Enabled" } },
                            destination: {
                                bucket: buckets[to].arn,
                                encryptionConfiguration: { replicaKmsKeyId: keys[to] },
                                storageClass: "STANDARD",
                                // RTC: 99.99% of objects within 15 minutes, with the metrics that report it (both required).
                                ...(rtc
                                    ? {
                                          replicationTime: { status: "Enabled", time: { minutes: 15 } },
                                          metrics: { status: "Enabled", eventThreshold: { minutes: 15 } },
                                      }
                                    : {}),
                            },
                        },
                    ],
                },
                { ...inRegion(from), dependsOn: [versionings.dc, versionings.dr] },
            );
        }

        this.bucketArns = { dc: buckets.dc.arn, dr: buckets.dr.arn };
        this.keyArns = keys;
        this.distributionArn = distribution.arn;
        this.distributionDomainName = distribution.domainName;
        this.url = pulumi.output(`https://${args.hostname}`);
        this.registerOutputs({
            bucketArns: this.bucketArns,
            keyArns: this.keyArns,
            distributionArn: this.distributionArn,
            distributionDomainName: this.distributionDomainName,
            url: this.url,
        });
    }
}
