/**
 * CloudFront policies (issue 13: Ghost's uploads on `media.<domain>`): viewers only over HTTPS with an ACM certificate
 * and a current TLS policy; every S3 origin read through an Origin Access Control that always signs; two S3 origins
 * behind an origin group that fails over; and every grant to cloudfront.amazonaws.com, in a bucket or key policy,
 * pinned to one distribution.
 *
 * Only `aws:cloudfront/distribution:Distribution` is checked: `MultitenantDistribution` names its fields differently
 * and takes its certificates from tenants, and the program has none.
 *
 * Which origins are S3 buckets takes the whole stack (an origin may be known as a bucket only through the engine's
 * property dependencies), so those two checks are stack policies; the rest read one resource. In preview, a value not
 * known yet (a new bucket's domain name, the distribution's ARN in a bucket policy) defers the check to `pulumi up`
 * as the other policies do (./shared.ts).
 */
import { S3_BUCKET_TYPES } from "./s3";
import {
    asArray,
    asStrings,
    at,
    isRecord,
    nonEmptyString,
    Props,
    ResourcePolicy,
    StackPolicy,
    StackResource,
    StackViolation,
    Statement,
    statementsOf,
} from "./shared";

const TYPES = {
    distribution: "aws:cloudfront/distribution:Distribution",
    originAccessControl: "aws:cloudfront/originAccessControl:OriginAccessControl",
    bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
    keyPolicies: ["aws:kms/key:Key", "aws:kms/replicaKey:ReplicaKey", "aws:kms/keyPolicy:KeyPolicy"],
} as const;

// ------------------------------------------------------------------------------------------------
// Viewers: HTTPS only, an ACM certificate, a current TLS policy.

const HTTPS_ONLY_POLICIES = ["redirect-to-https", "https-only"];

/** The distribution's cache behaviors, each with where it is for messages. */
function cacheBehaviors(inputs: Props): { where: string; behavior: unknown }[] {
    return [
        { where: "defaultCacheBehavior", behavior: inputs.defaultCacheBehavior },
        ...asArray(inputs.orderedCacheBehaviors).map((behavior, i) => ({
            where: `orderedCacheBehaviors[${i}] (pathPattern ${JSON.stringify(at(behavior, "pathPattern") ?? null)})`,
            behavior,
        })),
    ];
}

const cloudfrontViewerHttps: ResourcePolicy = {
    name: "cloudfront-viewer-https",
    description:
        'Every cache behavior (default and ordered) of every CloudFront distribution has viewerProtocolPolicy "redirect-to-https" or "https-only".',
    enforcementLevel: "mandatory",
    remediation:
        'Set viewerProtocolPolicy to "redirect-to-https" (or "https-only") on defaultCacheBehavior and every orderedCacheBehaviors entry.',
    resourceTypes: [TYPES.distribution],
    validate(type, inputs) {
        if (type !== TYPES.distribution) return [];
        const out: string[] = [];
        for (const { where, behavior } of cacheBehaviors(inputs)) {
            const policy = at(behavior, "viewerProtocolPolicy");
            if (typeof policy === "string" && HTTPS_ONLY_POLICIES.includes(policy)) continue;
            out.push(
                `CloudFront distribution's ${where} has viewerProtocolPolicy ${JSON.stringify(policy ?? null)}: viewers ` +
                    "can fetch over plain HTTP, readable and alterable on the way. " +
                    'Fix: set viewerProtocolPolicy to "redirect-to-https" (or "https-only").',
            );
        }
        return out;
    },
};

/**
 * A viewer security policy at least as strict as TLSv1.2_2021: TLS 1.2 with only AEAD (GCM, ChaCha20) ciphers, or
 * TLS 1.3 alone. The older TLSv1.2_2018/_2019 still offer CBC ciphers, and everything before them TLS 1.0/1.1
 * (CloudFront developer guide, "Supported protocols and ciphers between viewers and CloudFront").
 */
function isCurrentTlsPolicy(version: unknown): boolean {
    const m = typeof version === "string" ? /^TLSv1\.(\d)_(\d{4})$/.exec(version) : null;
    if (!m) return false;
    const [minor, year] = [Number(m[1]), Number(m[2])];
    return minor >= 3 || (minor === 2 && year >= 2021);
}

const VIEWER_CERTIFICATE_FIX =
    "Fix: issue an ACM certificate in us-east-1 for the distribution's aliases (components/certificate does, through a " +
    'us-east-1 provider) and set viewerCertificate { acmCertificateArn, sslSupportMethod: "sni-only", ' +
    'minimumProtocolVersion: "TLSv1.2_2021" }.';

const cloudfrontViewerTls: ResourcePolicy = {
    name: "cloudfront-viewer-tls",
    description:
        'Every CloudFront distribution serves an ACM certificate (not the default *.cloudfront.net one) with sslSupportMethod "sni-only" ' +
        "and minimumProtocolVersion TLSv1.2_2021 or newer (TLSv1.2_2025, TLSv1.3_2025).",
    enforcementLevel: "mandatory",
    remediation:
        'Set viewerCertificate { acmCertificateArn: <us-east-1 ACM certificate>, sslSupportMethod: "sni-only", minimumProtocolVersion: "TLSv1.2_2021" }.',
    resourceTypes: [TYPES.distribution],
    validate(type, inputs) {
        if (type !== TYPES.distribution) return [];
        const certificate = inputs.viewerCertificate;
        const out: string[] = [];
        const acmArn = at(certificate, "acmCertificateArn");
        if (at(certificate, "cloudfrontDefaultCertificate") === true) {
            // With the default certificate CloudFront also forces the security policy to TLSv1, whatever is set: the
            // settings below mean nothing, so the one message is enough.
            return [
                "CloudFront distribution serves the default *.cloudfront.net certificate " +
                    "(viewerCertificate.cloudfrontDefaultCertificate), which allows TLSv1 whatever minimumProtocolVersion " +
                    `says and cannot serve the distribution's own name. ${VIEWER_CERTIFICATE_FIX}`,
            ];
        }
        if (nonEmptyString(at(certificate, "iamCertificateId"))) {
            out.push(
                "CloudFront distribution uses an IAM server certificate (iamCertificateId), which nothing renews. " +
                    VIEWER_CERTIFICATE_FIX,
            );
        } else if (!nonEmptyString(acmArn)) {
            out.push(
                `CloudFront distribution has no ACM certificate (viewerCertificate.acmCertificateArn). ${VIEWER_CERTIFICATE_FIX}`,
            );
        } else {
            const region = /^arn:aws[a-z-]*:acm:([a-z0-9-]+):/.exec(acmArn)?.[1];
            if (region !== undefined && region !== "us-east-1") {
                out.push(
                    `CloudFront distribution's certificate is in ${region}: CloudFront takes ACM certificates only from ` +
                        "us-east-1. Fix: issue the certificate with a us-east-1 provider and pass its ARN as " +
                        "viewerCertificate.acmCertificateArn.",
                );
            }
        }
        const method = at(certificate, "sslSupportMethod");
        if (method !== "sni-only") {
            out.push(
                `CloudFront distribution's viewerCertificate.sslSupportMethod is ${JSON.stringify(method ?? null)}, not ` +
                    '"sni-only" ("vip" pays for dedicated IP addresses at every edge location and allows older TLS). ' +
                    'Fix: set sslSupportMethod "sni-only".',
            );
        }
        const version = at(certificate, "minimumProtocolVersion");
        if (!isCurrentTlsPolicy(version)) {
            out.push(
                `CloudFront distribution's viewerCertificate.minimumProtocolVersion is ${JSON.stringify(version ?? null)}: ` +
                    "viewers may connect with TLS older than 1.2 or with CBC ciphers. " +
                    'Fix: set viewerCertificate.minimumProtocolVersion to "TLSv1.2_2021" (or "TLSv1.2_2025", "TLSv1.3_2025").',
            );
        }
        return out;
    },
};

// ------------------------------------------------------------------------------------------------
// Origin Access Control.

const cloudfrontOacSigv4Always: ResourcePolicy = {
    name: "cloudfront-oac-sigv4-always",
    description:
        'Every CloudFront Origin Access Control signs every origin request: signingBehavior "always", signingProtocol "sigv4".',
    enforcementLevel: "mandatory",
    remediation: 'Set signingBehavior "always" and signingProtocol "sigv4" on the aws.cloudfront.OriginAccessControl.',
    resourceTypes: [TYPES.originAccessControl],
    validate(type, inputs) {
        if (type !== TYPES.originAccessControl) return [];
        const out: string[] = [];
        const behavior = inputs.signingBehavior;
        if (behavior !== "always") {
            const why =
                behavior === "never"
                    ? "which turns origin access control off for every origin that uses it (the bucket then has to be public)"
                    : behavior === "no-override"
                      ? "which forwards a viewer's own Authorization header to the origin instead of signing"
                      : 'and only "always" makes CloudFront sign every origin request';
            out.push(
                `Origin access control signs with signingBehavior ${JSON.stringify(behavior ?? null)}, ${why}. ` +
                    'Fix: set signingBehavior "always".',
            );
        }
        if (inputs.signingProtocol !== "sigv4") {
            out.push(
                `Origin access control uses signingProtocol ${JSON.stringify(inputs.signingProtocol ?? null)}, not "sigv4". ` +
                    'Fix: set signingProtocol "sigv4".',
            );
        }
        return out;
    },
};

// ------------------------------------------------------------------------------------------------
// Grants to CloudFront in bucket and key policies.

const CLOUDFRONT_SERVICE = "cloudfront.amazonaws.com";
/** Operators that pin AWS:SourceArn to a value (the `IfExists` forms do not: they hold when the key is absent). */
const SOURCE_ARN_OPERATORS = ["StringEquals", "ArnEquals", "ArnLike"];
/** One distribution's ARN, no wildcard. */
const DISTRIBUTION_ARN = /^arn:aws[a-z-]*:cloudfront::\d{12}:distribution\/[A-Za-z0-9]+$/;

function principalServices(principal: unknown): string[] {
    return asStrings(at(principal, "Service")).map((s) => s.toLowerCase());
}
function isEveryone(principal: unknown): boolean {
    return principal === "*" || asStrings(at(principal, "AWS")).includes("*");
}
/** True when some condition value, under any operator, is a CloudFront ARN. */
function mentionsCloudFront(condition: Props | undefined): boolean {
    return Object.values(condition ?? {})
        .filter(isRecord)
        .some((block) => Object.values(block).some((v) => asStrings(v).some((s) => /^arn:aws[a-z-]*:cloudfront:/.test(s))));
}
/** AWS:SourceArn values (the key is case-insensitive) under the operators that pin it. */
function sourceArns(condition: Props | undefined): string[] {
    const out: string[] = [];
    for (const [operator, block] of Object.entries(condition ?? {})) {
        if (!SOURCE_ARN_OPERATORS.includes(operator) || !isRecord(block)) continue;
        for (const [key, value] of Object.entries(block))
            if (key.toLowerCase() === "aws:sourcearn") out.push(...asStrings(value));
    }
    return out;
}

/** A statement granting CloudFront: by its service principal, or by `*` fenced with a CloudFront ARN. */
function grantsCloudFront(s: Statement): boolean {
    if (s.effect !== "Allow") return false;
    return (
        principalServices(s.principal).includes(CLOUDFRONT_SERVICE) ||
        (isEveryone(s.principal) && mentionsCloudFront(s.condition))
    );
}

const SOURCE_ARN_FIX = 'Fix: add Condition { StringEquals: { "AWS:SourceArn": <distribution ARN> } } (distribution.arn).';

function grantProblems(type: string, policy: unknown): string[] {
    const where = type === TYPES.bucketPolicy ? "Bucket policy" : "Key policy";
    const out: string[] = [];
    for (const s of statementsOf(policy).filter(grantsCloudFront)) {
        if (isEveryone(s.principal)) {
            out.push(
                `${where} ${s.sid} grants CloudFront with Principal "*" too, which is everyone. Fix: make the Principal ` +
                    `{ Service: "${CLOUDFRONT_SERVICE}" } alone, with Condition StringEquals AWS:SourceArn = the distribution ARN.`,
            );
        }
        const arns = sourceArns(s.condition);
        if (arns.length === 0) {
            out.push(
                `${where} ${s.sid} allows ${CLOUDFRONT_SERVICE} without a condition naming the distribution ` +
                    "(StringEquals, ArnEquals or ArnLike on AWS:SourceArn): any other distribution (in any account, or in " +
                    `this one when only AWS:SourceAccount is set) can use the grant. ${SOURCE_ARN_FIX}`,
            );
        }
        for (const arn of arns.filter((a) => !DISTRIBUTION_ARN.test(a))) {
            out.push(
                `${where} ${s.sid} conditions CloudFront on AWS:SourceArn ${JSON.stringify(arn)}, which is not one ` +
                    `distribution's ARN (arn:aws:cloudfront::<account>:distribution/<id>, no wildcard). ${SOURCE_ARN_FIX}`,
            );
        }
        if (type !== TYPES.bucketPolicy) continue;
        // CloudFront reads through OAC; any other action (a write, a delete, s3:*) lets a viewer's request change the bucket.
        if (s.notActions.length > 0) {
            out.push(
                `${where} ${s.sid} uses NotAction for CloudFront, which grants every other S3 action. ` +
                    'Fix: allow only "Action": "s3:GetObject".',
            );
        }
        const extra = s.actions.filter((a) => a.toLowerCase() !== "s3:getobject");
        if (extra.length > 0) {
            out.push(
                `${where} ${s.sid} lets CloudFront ${extra.join(", ")}: the distribution only reads, and anything more ` +
                    "lets requests through it (a viewer's PUT or DELETE, once a behavior allows them) change the bucket. " +
                    'Fix: allow only "s3:GetObject" on the object prefixes CloudFront serves.',
            );
        }
    }
    return out;
}

const cloudfrontGrantScoped: ResourcePolicy = {
    name: "cloudfront-grant-scoped",
    description:
        "Every bucket or KMS key policy statement that allows cloudfront.amazonaws.com is conditioned on AWS:SourceArn " +
        '(StringEquals, ArnEquals or ArnLike) naming one distribution and never has Principal "*"; in a bucket policy ' +
        "it allows only s3:GetObject.",
    enforcementLevel: "mandatory",
    remediation:
        'Grant CloudFront as { Effect: "Allow", Principal: { Service: "cloudfront.amazonaws.com" }, Action: "s3:GetObject" (kms:Decrypt in a ' +
        'key policy), Resource: ..., Condition: { StringEquals: { "AWS:SourceArn": distribution.arn } } }.',
    resourceTypes: [TYPES.bucketPolicy, ...TYPES.keyPolicies],
    validate(type, inputs) {
        if (type !== TYPES.bucketPolicy && !(TYPES.keyPolicies as readonly string[]).includes(type)) return [];
        return grantProblems(type, inputs.policy);
    },
};

// ------------------------------------------------------------------------------------------------
// S3 origins: OAC, and failover between two of them.

/** A bucket's REST endpoint: global, regional (`.s3.<region>.`), dual-stack, or the legacy `.s3-<region>.` form. */
const S3_REST_HOST =
    /\.s3(\.dualstack)?(\.[a-z0-9-]+)?\.amazonaws\.com(\.cn)?$|\.s3-(?!website)[a-z0-9-]+\.amazonaws\.com(\.cn)?$/i;
/** A bucket's website endpoint (`.s3-website-<region>.` or `.s3-website.<region>.`): plain HTTP, public, no OAC. */
const S3_WEBSITE_HOST = /\.s3-website[.-][a-z0-9-]+\.amazonaws\.com(\.cn)?$/i;

interface S3Origin {
    readonly id: string;
    readonly domainName: string;
    readonly website: boolean;
    readonly origin: unknown;
}

/**
 * The distribution's origins that are S3 buckets: by the host name, or, when the `origins` input depends on a bucket
 * of the stack (the engine knows which resources fed it, not which origin each fed), every origin without a custom or
 * VPC origin config, which is what CloudFront treats as an S3 origin.
 */
function s3OriginsOf(distribution: StackResource, bucketUrns: ReadonlySet<string>): S3Origin[] {
    const dependsOnBucket = (distribution.propertyDependencies?.origins ?? []).some((u) => bucketUrns.has(u));
    const out: S3Origin[] = [];
    for (const origin of asArray(distribution.inputs.origins)) {
        const domainName = at(origin, "domainName");
        const host = typeof domainName === "string" ? domainName : "";
        const website = S3_WEBSITE_HOST.test(host);
        const structural =
            dependsOnBucket && at(origin, "customOriginConfig") === undefined && at(origin, "vpcOriginConfig") === undefined;
        if (website || S3_REST_HOST.test(host) || structural) {
            const id = at(origin, "originId");
            out.push({ id: typeof id === "string" ? id : JSON.stringify(id ?? null), domainName: host, website, origin });
        }
    }
    return out;
}

/** Runs `check` over every distribution of the stack with its S3 origins. */
function distributionPolicy(
    info: Omit<StackPolicy, "validateStack">,
    check: (distribution: StackResource, s3Origins: S3Origin[]) => string[],
): StackPolicy {
    return {
        ...info,
        validateStack(resources) {
            const bucketUrns = new Set(resources.filter((r) => S3_BUCKET_TYPES.includes(r.type)).map((r) => r.urn));
            const out: StackViolation[] = [];
            for (const d of resources.filter((r) => r.type === TYPES.distribution)) {
                for (const message of check(d, s3OriginsOf(d, bucketUrns))) out.push({ urn: d.urn, message });
            }
            return out;
        },
    };
}

const OAC_FIX =
    'set originAccessControlId to an aws.cloudfront.OriginAccessControl { originAccessControlOriginType: "s3", ' +
    'signingBehavior: "always", signingProtocol: "sigv4" } and allow it in the bucket policy (Principal { Service: ' +
    '"cloudfront.amazonaws.com" }, s3:GetObject, StringEquals AWS:SourceArn = the distribution ARN)';

const cloudfrontS3OriginOac = distributionPolicy(
    {
        name: "cloudfront-s3-origin-oac",
        description:
            "Every CloudFront origin that is an S3 bucket (an S3 host name, or an origin input that depends on a bucket) " +
            "reads through an Origin Access Control, uses no legacy origin access identity, and is not a website endpoint.",
        enforcementLevel: "mandatory",
        remediation:
            "Point the origin at the bucket's REST endpoint (bucket.bucketRegionalDomainName), set originAccessControlId to " +
            "an OAC (s3, always, sigv4), drop s3OriginConfig.originAccessIdentity, and allow the distribution in the bucket policy.",
    },
    (d, s3Origins) => {
        const out: string[] = [];
        for (const o of s3Origins) {
            const origin = `${d.name}: origin ${JSON.stringify(o.id)} (${o.domainName})`;
            if (o.website) {
                out.push(
                    `${origin} is an S3 website endpoint: CloudFront reaches it over plain HTTP as a custom origin, and ` +
                        "it cannot use an Origin Access Control, so the bucket has to be public. Fix: point the origin at " +
                        `the bucket's REST endpoint (bucket.bucketRegionalDomainName) and ${OAC_FIX}.`,
                );
                continue;
            }
            const oai = at(o.origin, "s3OriginConfig", "originAccessIdentity");
            if (nonEmptyString(oai)) {
                out.push(
                    `${origin} uses a legacy origin access identity (s3OriginConfig.originAccessIdentity ${JSON.stringify(oai)}), ` +
                        "the legacy mechanism, which cannot read SSE-KMS objects nor reach buckets in Regions opened after December 2022. " +
                        "Fix: remove s3OriginConfig (or leave originAccessIdentity empty) and " +
                        `${OAC_FIX}.`,
                );
            }
            if (!nonEmptyString(at(o.origin, "originAccessControlId"))) {
                out.push(
                    `${origin} is an S3 bucket read without an Origin Access Control: CloudFront's requests are ` +
                        `unsigned, so the bucket would have to be public (or use the legacy OAI). Fix: ${OAC_FIX}.`,
                );
            }
        }
        return out;
    },
);

/**
 * What an S3 origin group must fail over on: 403 and 404 (OAC has no s3:ListBucket, so a key missing in the primary,
 * e.g. one not replicated yet, is a 403) and the 5xx of a failing region (CloudFront developer guide, "Optimize high
 * availability with CloudFront origin failover").
 */
const S3_FAILOVER_STATUS_CODES: readonly number[] = [403, 404, 500, 502, 503, 504];

const FAILOVER_FIX =
    'Fix: add originGroups [{ originId: "<group>", failoverCriteria: { statusCodes: [403, 404, 500, 502, 503, 504] }, ' +
    'members: [{ originId: "<primary>" }, { originId: "<secondary>" }] }] and set defaultCacheBehavior.targetOriginId to "<group>".';

const cloudfrontS3OriginFailover = distributionPolicy(
    {
        name: "cloudfront-s3-origin-failover",
        description:
            "A CloudFront distribution with two or more S3 origins serves its default behavior from an origin group of " +
            "two of its origins that fails over on 403, 404, 500, 502, 503 and 504.",
        enforcementLevel: "mandatory",
        remediation:
            "Add an origin group { failoverCriteria: { statusCodes: [403, 404, 500, 502, 503, 504] }, members: [primary, " +
            "secondary] } and point defaultCacheBehavior.targetOriginId at it.",
    },
    (d, s3Origins) => {
        if (s3Origins.length < 2) return [];
        const target = at(d.inputs, "defaultCacheBehavior", "targetOriginId");
        const group = asArray(d.inputs.originGroups).find((g) => at(g, "originId") === target);
        if (group === undefined) {
            return [
                `${d.name} has ${s3Origins.length} S3 origins (${s3Origins.map((o) => o.id).join(", ")}) but its default ` +
                    `cache behavior targets ${JSON.stringify(target ?? null)}, not an origin group: when that region's S3 ` +
                    `fails, viewers lose the media. ${FAILOVER_FIX}`,
            ];
        }
        const out: string[] = [];
        const name = JSON.stringify(target);
        const codes = asArray(at(group, "failoverCriteria", "statusCodes")).map(Number);
        const missing = S3_FAILOVER_STATUS_CODES.filter((c) => !codes.includes(c));
        if (missing.length > 0) {
            out.push(
                `${d.name}: origin group ${name} fails over on ${codes.join(", ") || "nothing"} but not on ${missing.join(", ")}: ` +
                    "a viewer gets that error instead of the copy in the other region. Fix: set failoverCriteria.statusCodes " +
                    `to [${S3_FAILOVER_STATUS_CODES.join(", ")}].`,
            );
        }
        const originIds = new Set(asArray(d.inputs.origins).map((o) => at(o, "originId")));
        const members = [...new Set(asArray(at(group, "members")).map((m) => at(m, "originId")))].filter((m) => originIds.has(m));
        if (members.length < 2) {
            out.push(
                `${d.name}: origin group ${name} has ${members.length} member(s) of this distribution ` +
                    `(${members.map(String).join(", ")}), not 2: there is nothing to fail over to. Fix: set members to ` +
                    "[{ originId: <primary S3 origin> }, { originId: <the other region's S3 origin> }].",
            );
        }
        return out;
    },
);

/** In the order `pulumi preview` lists them. */
export const CLOUDFRONT_RESOURCE_POLICIES: readonly ResourcePolicy[] = [
    cloudfrontViewerHttps,
    cloudfrontViewerTls,
    cloudfrontOacSigv4Always,
    cloudfrontGrantScoped,
];
export const CLOUDFRONT_STACK_POLICIES: readonly StackPolicy[] = [cloudfrontS3OriginOac, cloudfrontS3OriginFailover];
