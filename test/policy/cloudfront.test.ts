import { mediaBucketPolicy, mediaKeyPolicy } from "../../components/media";
import { CLOUDFRONT_RESOURCE_POLICIES, CLOUDFRONT_STACK_POLICIES } from "../../policy/cloudfront";
import { Props, StackResource } from "../../policy/shared";
import { MOCK_ACCOUNT } from "../../tools/mocks";
import {
    json,
    resourcePolicyTests,
    ResourceCases,
    stackPolicyTests,
    StackCases,
    stackResource as res,
    statement,
} from "./helpers";

// ---- Fixtures: the media CDN as components/media builds it (two S3 origins behind OAC, an origin group on the
// default behavior, an ACM certificate); each case breaks one thing.

const DISTRIBUTION = "aws:cloudfront/distribution:Distribution";
const OAC = "aws:cloudfront/originAccessControl:OriginAccessControl";
const BUCKET = "aws:s3/bucket:Bucket";
const BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy";
const KEY = "aws:kms/key:Key";
const REPLICA_KEY = "aws:kms/replicaKey:ReplicaKey";
const KEY_POLICY = "aws:kms/keyPolicy:KeyPolicy";

const DIST_ARN = `arn:aws:cloudfront::${MOCK_ACCOUNT}:distribution/E2QWRUHAPOMQZL`;
const CERT_ARN = `arn:aws:acm:us-east-1:${MOCK_ACCOUNT}:certificate/0f1e2d3c-media`;
const BUCKET_NAMES = { dc: "ghost-dcdr-media-eu-west-1", dr: "ghost-dcdr-media-eu-west-2" };
const FAILOVER_CODES = [403, 404, 500, 502, 503, 504];

const s3Origin = (originId: "dc" | "dr", region: string) => ({
    originId,
    domainName: `${BUCKET_NAMES[originId]}.s3.${region}.amazonaws.com`,
    originAccessControlId: "E1OACMEDIA",
});
const DC_ORIGIN = s3Origin("dc", "eu-west-1");
const DR_ORIGIN = s3Origin("dr", "eu-west-2");
const GROUP = {
    originId: "media",
    failoverCriteria: { statusCodes: FAILOVER_CODES },
    members: [{ originId: "dc" }, { originId: "dr" }],
};
const BEHAVIOR = {
    targetOriginId: "media",
    viewerProtocolPolicy: "redirect-to-https",
    allowedMethods: ["GET", "HEAD"],
    cachedMethods: ["GET", "HEAD"],
};
const CERTIFICATE = { acmCertificateArn: CERT_ARN, sslSupportMethod: "sni-only", minimumProtocolVersion: "TLSv1.2_2021" };

/** The media distribution's inputs, `change` merged over them. */
const distribution = (change: Props = {}): Props => ({
    origins: [DC_ORIGIN, DR_ORIGIN],
    originGroups: [GROUP],
    defaultCacheBehavior: BEHAVIOR,
    viewerCertificate: CERTIFICATE,
    ...change,
});
/** A viewer certificate with `change` merged over the media CDN's. */
const certificate = (change: Props): Props => distribution({ viewerCertificate: { ...CERTIFICATE, ...change } });

// ---- Resource policies.

const BUCKET_ARN = `arn:aws:s3:::${BUCKET_NAMES.dc}`;
const CLOUDFRONT = { Service: "cloudfront.amazonaws.com" };
const FROM_DISTRIBUTION = { StringEquals: { "AWS:SourceArn": DIST_ARN } };
const cloudFrontReads = (s: Record<string, unknown>) =>
    statement({
        Sid: "CloudFrontReadsUploads",
        Principal: CLOUDFRONT,
        Action: "s3:GetObject",
        Resource: `${BUCKET_ARN}/content/images/*`,
        Condition: FROM_DISTRIBUTION,
        ...s,
    });
const cloudFrontDecrypts = (s: Record<string, unknown>) =>
    statement({ Sid: "CloudFrontDecryptsUploads", Principal: CLOUDFRONT, Action: "kms:Decrypt", Resource: "*", ...s });

const CASES: ResourceCases = {
    "cloudfront-viewer-https": {
        pass: [
            [DISTRIBUTION, distribution()],
            [
                DISTRIBUTION,
                distribution({
                    defaultCacheBehavior: { ...BEHAVIOR, viewerProtocolPolicy: "https-only" },
                    orderedCacheBehaviors: [{ ...BEHAVIOR, pathPattern: "/content/files/*", viewerProtocolPolicy: "https-only" }],
                }),
            ],
        ],
        fail: [
            [
                DISTRIBUTION,
                distribution({ defaultCacheBehavior: { ...BEHAVIOR, viewerProtocolPolicy: "allow-all" } }),
                /CloudFront distribution's defaultCacheBehavior has viewerProtocolPolicy "allow-all".*Fix: set viewerProtocolPolicy to "redirect-to-https"/,
            ],
            [
                DISTRIBUTION,
                distribution({
                    orderedCacheBehaviors: [{ ...BEHAVIOR, pathPattern: "/content/images/*", viewerProtocolPolicy: "allow-all" }],
                }),
                /orderedCacheBehaviors\[0\] \(pathPattern "\/content\/images\/\*"\) has viewerProtocolPolicy "allow-all"/,
            ],
            [
                DISTRIBUTION,
                distribution({ defaultCacheBehavior: { targetOriginId: "media" } }),
                /defaultCacheBehavior has viewerProtocolPolicy null/,
            ],
        ],
    },
    "cloudfront-viewer-tls": {
        pass: [
            [DISTRIBUTION, distribution()],
            [DISTRIBUTION, certificate({ minimumProtocolVersion: "TLSv1.2_2025" })],
            [DISTRIBUTION, certificate({ minimumProtocolVersion: "TLSv1.3_2025" })],
        ],
        fail: [
            [
                DISTRIBUTION,
                distribution({ viewerCertificate: { cloudfrontDefaultCertificate: true } }),
                /serves the default \*\.cloudfront\.net certificate.*Fix: issue an ACM certificate in us-east-1/,
            ],
            [
                DISTRIBUTION,
                distribution({ viewerCertificate: undefined }),
                /has no ACM certificate \(viewerCertificate\.acmCertificateArn\)/,
            ],
            [
                DISTRIBUTION,
                distribution({
                    viewerCertificate: {
                        iamCertificateId: "ASCAEXAMPLE",
                        sslSupportMethod: "sni-only",
                        minimumProtocolVersion: "TLSv1.2_2021",
                    },
                }),
                /uses an IAM server certificate \(iamCertificateId\), which nothing renews/,
            ],
            [
                DISTRIBUTION,
                certificate({ acmCertificateArn: `arn:aws:acm:eu-west-1:${MOCK_ACCOUNT}:certificate/x` }),
                /certificate is in eu-west-1: CloudFront takes ACM certificates only from us-east-1/,
            ],
            [DISTRIBUTION, certificate({ sslSupportMethod: "vip" }), /sslSupportMethod is "vip", not "sni-only"/],
            [
                DISTRIBUTION,
                certificate({ minimumProtocolVersion: "TLSv1.2_2019" }),
                /minimumProtocolVersion is "TLSv1.2_2019".*Fix: set viewerCertificate\.minimumProtocolVersion to "TLSv1.2_2021"/,
            ],
            [DISTRIBUTION, certificate({ minimumProtocolVersion: "TLSv1" }), /minimumProtocolVersion is "TLSv1"/],
            [DISTRIBUTION, certificate({ minimumProtocolVersion: undefined }), /minimumProtocolVersion is null/],
        ],
    },
    "cloudfront-oac-sigv4-always": {
        pass: [[OAC, { originAccessControlOriginType: "s3", signingBehavior: "always", signingProtocol: "sigv4" }]],
        fail: [
            [
                OAC,
                { originAccessControlOriginType: "s3", signingBehavior: "never", signingProtocol: "sigv4" },
                /Origin access control signs with signingBehavior "never".*Fix: set signingBehavior "always"/,
            ],
            [
                OAC,
                { originAccessControlOriginType: "s3", signingBehavior: "no-override", signingProtocol: "sigv4" },
                /signingBehavior "no-override".*viewer's own Authorization header/,
            ],
            [
                OAC,
                { originAccessControlOriginType: "s3", signingBehavior: "always", signingProtocol: "sigv2" },
                /signingProtocol "sigv2", not "sigv4"/,
            ],
        ],
    },
    "cloudfront-grant-scoped": {
        pass: [
            // What components/media builds: TLS-only Deny + the distribution's read of the three upload prefixes.
            [BUCKET_POLICY, { bucket: "b", policy: json(mediaBucketPolicy(BUCKET_ARN, DIST_ARN)) }],
            [KEY, { policy: json(mediaKeyPolicy(MOCK_ACCOUNT, DIST_ARN)) }],
            [REPLICA_KEY, { policy: json(mediaKeyPolicy(MOCK_ACCOUNT, DIST_ARN)) }],
            // ArnEquals / ArnLike naming one distribution, a lower-case key, the document as an object.
            [BUCKET_POLICY, { policy: cloudFrontReads({ Condition: { ArnEquals: { "aws:SourceArn": DIST_ARN } } }) }],
            [
                BUCKET_POLICY,
                { policy: JSON.parse(cloudFrontReads({ Condition: { ArnLike: { "aws:sourcearn": [DIST_ARN] } } })) as unknown },
            ],
            [KEY_POLICY, { keyId: "k", policy: cloudFrontDecrypts({ Condition: FROM_DISTRIBUTION }) }],
            // No CloudFront grant at all; a Deny is no grant.
            [
                KEY,
                {
                    policy: statement({
                        Principal: { AWS: `arn:aws:iam::${MOCK_ACCOUNT}:root` },
                        Action: "kms:*",
                        Resource: "*",
                    }),
                },
            ],
            [BUCKET_POLICY, { policy: cloudFrontReads({ Effect: "Deny", Action: "s3:PutObject", Condition: undefined }) }],
        ],
        fail: [
            [
                BUCKET_POLICY,
                { policy: cloudFrontReads({ Condition: undefined }) },
                /Bucket policy Statement "CloudFrontReadsUploads" allows cloudfront\.amazonaws\.com without a condition naming the distribution.*any other distribution \(in any account.*Fix: add Condition \{ StringEquals: \{ "AWS:SourceArn": <distribution ARN> \} \}/,
            ],
            [
                BUCKET_POLICY,
                { policy: cloudFrontReads({ Condition: { StringEquals: { "AWS:SourceAccount": MOCK_ACCOUNT } } }) },
                /without a condition naming the distribution/,
            ],
            [
                BUCKET_POLICY,
                { policy: cloudFrontReads({ Condition: { StringEqualsIfExists: { "AWS:SourceArn": DIST_ARN } } }) },
                /without a condition naming the distribution/,
            ],
            [
                BUCKET_POLICY,
                {
                    policy: cloudFrontReads({
                        Condition: { ArnLike: { "AWS:SourceArn": `arn:aws:cloudfront::${MOCK_ACCOUNT}:distribution/*` } },
                    }),
                },
                /AWS:SourceArn "arn:aws:cloudfront::123456789012:distribution\/\*", which is not one distribution's ARN/,
            ],
            [
                BUCKET_POLICY,
                { policy: cloudFrontReads({ Condition: { StringEquals: { "AWS:SourceArn": "arn:aws:s3:::elsewhere" } } }) },
                /"arn:aws:s3:::elsewhere", which is not one distribution's ARN/,
            ],
            [
                BUCKET_POLICY,
                { policy: cloudFrontReads({ Action: ["s3:GetObject", "s3:PutObject"] }) },
                /Bucket policy Statement "CloudFrontReadsUploads" lets CloudFront s3:PutObject.*Fix: allow only "s3:GetObject"/,
            ],
            [BUCKET_POLICY, { policy: cloudFrontReads({ Action: "s3:*" }) }, /lets CloudFront s3:\*/],
            [BUCKET_POLICY, { policy: cloudFrontReads({ Action: undefined, NotAction: "s3:DeleteObject" }) }, /uses NotAction/],
            [
                BUCKET_POLICY,
                { policy: cloudFrontReads({ Principal: { ...CLOUDFRONT, AWS: "*" } }) },
                /grants CloudFront with Principal "\*" too, which is everyone.*Fix: make the Principal \{ Service: "cloudfront\.amazonaws\.com" \} alone/,
            ],
            [BUCKET_POLICY, { policy: cloudFrontReads({ Principal: "*" }) }, /grants CloudFront with Principal "\*"/],
            [
                KEY,
                { policy: cloudFrontDecrypts({}) },
                /Key policy Statement "CloudFrontDecryptsUploads" allows cloudfront\.amazonaws\.com without a condition naming the distribution/,
            ],
            [REPLICA_KEY, { policy: cloudFrontDecrypts({ Principal: { Service: ["CloudFront.amazonaws.com"] } }) }, /Key policy/],
            [KEY_POLICY, { keyId: "k", policy: cloudFrontDecrypts({}) }, /Key policy/],
        ],
    },
};

describe("CloudFront resource policies: each on a compliant and a violating resource", () => {
    resourcePolicyTests(CLOUDFRONT_RESOURCE_POLICIES, CASES);
});

// ---- Stack policies: which origins are S3 buckets needs the buckets too (an origin may be known only by the
// engine's property dependencies on a bucket).

const buckets = [
    res(BUCKET, "dc-media-dc", { bucket: BUCKET_NAMES.dc }),
    res(BUCKET, "dc-media-dr", { bucket: BUCKET_NAMES.dr }),
];
/** The media stack's buckets and a distribution `dc-media-cdn` with `change` merged over the media CDN's inputs. */
const cdnStack = (change: Props = {}, propertyDependencies?: Record<string, string[]>): StackResource[] => [
    ...buckets,
    res(OAC, "dc-media-oac", { originAccessControlOriginType: "s3", signingBehavior: "always", signingProtocol: "sigv4" }),
    res(DISTRIBUTION, "dc-media-cdn", distribution(change), propertyDependencies),
];
/** Origins reached through a name that is not an S3 host (e.g. an unknown computed one): only the dependency tells. */
const opaqueOrigin = (origin: Props, host: string) => ({ ...origin, domainName: host });
const ON_BUCKETS = { origins: buckets.map((b) => b.urn) };
const SITE_ORIGIN = {
    originId: "site",
    domainName: "blog.example.com",
    customOriginConfig: { httpPort: 80, httpsPort: 443, originProtocolPolicy: "https-only", originSslProtocols: ["TLSv1.2"] },
};

const STACK_CASES: StackCases = {
    "cloudfront-s3-origin-oac": {
        pass: [
            cdnStack(),
            // OAC with the provider's empty s3OriginConfig (no OAI).
            cdnStack({ origins: [{ ...DC_ORIGIN, s3OriginConfig: { originAccessIdentity: "" } }, DR_ORIGIN] }),
            // A custom origin (the blog itself) needs no OAC, even when the origins also depend on a bucket.
            cdnStack({ origins: [DC_ORIGIN, DR_ORIGIN, SITE_ORIGIN] }, ON_BUCKETS),
            [res(DISTRIBUTION, "site-cdn", distribution({ origins: [SITE_ORIGIN], originGroups: [] }))],
        ],
        fail: [
            [
                cdnStack({ origins: [DC_ORIGIN, { ...DR_ORIGIN, originAccessControlId: undefined }] }),
                /dc-media-cdn: origin "dr" \(ghost-dcdr-media-eu-west-2\.s3\.eu-west-2\.amazonaws\.com\) is an S3 bucket read without an Origin Access Control.*Fix: set originAccessControlId/,
            ],
            [
                cdnStack({ origins: [DC_ORIGIN, { ...DR_ORIGIN, originAccessControlId: "" }] }),
                /origin "dr" .* without an Origin Access Control/,
            ],
            [
                cdnStack({
                    origins: [
                        DC_ORIGIN,
                        {
                            ...DR_ORIGIN,
                            originAccessControlId: undefined,
                            s3OriginConfig: { originAccessIdentity: "origin-access-identity/cloudfront/E127EXAMPLE51Z" },
                        },
                    ],
                }),
                /origin "dr" .* uses a legacy origin access identity \(s3OriginConfig\.originAccessIdentity "origin-access-identity\/cloudfront\/E127EXAMPLE51Z"\).*Fix: remove s3OriginConfig/,
            ],
            [
                cdnStack({
                    origins: [
                        { ...DC_ORIGIN, domainName: `${BUCKET_NAMES.dc}.s3.amazonaws.com`, originAccessControlId: undefined },
                    ],
                }),
                /origin "dc" \(ghost-dcdr-media-eu-west-1\.s3\.amazonaws\.com\) is an S3 bucket read without/,
            ],
            [
                cdnStack({
                    origins: [
                        {
                            originId: "dc",
                            domainName: `${BUCKET_NAMES.dc}.s3-website-eu-west-1.amazonaws.com`,
                            customOriginConfig: SITE_ORIGIN.customOriginConfig,
                        },
                    ],
                }),
                /origin "dc" \(ghost-dcdr-media-eu-west-1\.s3-website-eu-west-1\.amazonaws\.com\) is an S3 website endpoint.*Fix: point the origin at the bucket's REST endpoint/,
            ],
            [
                cdnStack({ origins: [{ ...DC_ORIGIN, domainName: `${BUCKET_NAMES.dc}.s3-website.eu-west-1.amazonaws.com` }] }),
                /is an S3 website endpoint/,
            ],
            // Known as a bucket only through the engine's property dependencies (no S3 host name to match).
            [
                cdnStack(
                    {
                        origins: [
                            opaqueOrigin({ ...DC_ORIGIN, originAccessControlId: undefined }, "uploads.example.net"),
                            DR_ORIGIN,
                        ],
                    },
                    ON_BUCKETS,
                ),
                /origin "dc" \(uploads\.example\.net\) is an S3 bucket read without an Origin Access Control/,
            ],
        ],
    },
    "cloudfront-s3-origin-failover": {
        pass: [
            cdnStack(),
            // One S3 origin: nothing to fail over to.
            cdnStack({ origins: [DC_ORIGIN], originGroups: [], defaultCacheBehavior: { ...BEHAVIOR, targetOriginId: "dc" } }),
            // A custom origin and one bucket.
            cdnStack({
                origins: [DC_ORIGIN, SITE_ORIGIN],
                originGroups: [],
                defaultCacheBehavior: { ...BEHAVIOR, targetOriginId: "site" },
            }),
        ],
        fail: [
            [
                cdnStack({ originGroups: [], defaultCacheBehavior: { ...BEHAVIOR, targetOriginId: "dc" } }),
                /dc-media-cdn has 2 S3 origins \(dc, dr\) but its default cache behavior targets "dc", not an origin group: when that region's S3 fails, viewers lose the media.*Fix: add originGroups/,
            ],
            [
                cdnStack({ defaultCacheBehavior: { ...BEHAVIOR, targetOriginId: "dr" } }),
                /default cache behavior targets "dr", not an origin group/,
            ],
            [
                cdnStack({ originGroups: [{ ...GROUP, failoverCriteria: { statusCodes: [500, 502, 503, 504] } }] }),
                /dc-media-cdn: origin group "media" fails over on 500, 502, 503, 504 but not on 403, 404.*Fix: set failoverCriteria\.statusCodes/,
            ],
            [
                cdnStack({ originGroups: [{ ...GROUP, members: [{ originId: "dc" }] }] }),
                /origin group "media" has 1 member\(s\) of this distribution \(dc\), not 2/,
            ],
            [
                cdnStack({ originGroups: [{ ...GROUP, members: [{ originId: "dc" }, { originId: "gone" }] }] }),
                /origin group "media" has 1 member\(s\) of this distribution \(dc\), not 2/,
            ],
            // Both origins known as buckets only through the dependencies.
            [
                cdnStack(
                    {
                        origins: [opaqueOrigin(DC_ORIGIN, "a.example.net"), opaqueOrigin(DR_ORIGIN, "b.example.net")],
                        originGroups: [],
                        defaultCacheBehavior: { ...BEHAVIOR, targetOriginId: "dc" },
                    },
                    ON_BUCKETS,
                ),
                /dc-media-cdn has 2 S3 origins \(dc, dr\)/,
            ],
        ],
    },
};

describe("CloudFront stack policies: each on a compliant and a violating distribution", () => {
    stackPolicyTests(CLOUDFRONT_STACK_POLICIES, STACK_CASES);
});
