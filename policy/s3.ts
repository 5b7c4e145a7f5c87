/**
 * S3 policies. They are stack policies: in AWS provider v7 a bucket's versioning, encryption, public access block,
 * policy and replication are separate resources, so "every bucket has one" needs the whole stack.
 */
import {
    asArray,
    asStrings,
    at,
    nonEmptyString,
    PolicyInfo,
    Props,
    StackPolicy,
    StackResource,
    StackViolation,
    statementsOf,
} from "./shared";

// Checked against node_modules/@pulumi/aws 7.x: the V2 S3 classes are deprecated aliases that still register under
// their own tokens, so both spellings are covered.
const TYPES = {
    bucket: ["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"],
    bucketVersioning: ["aws:s3/bucketVersioning:BucketVersioning", "aws:s3/bucketVersioningV2:BucketVersioningV2"],
    bucketEncryption: [
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
    ],
    bucketPublicAccessBlock: ["aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"],
    bucketPolicy: ["aws:s3/bucketPolicy:BucketPolicy"],
    bucketReplication: ["aws:s3/bucketReplicationConfig:BucketReplicationConfig"],
} as const;

/** Both spellings of an S3 bucket's type token; ./cloudfront.ts recognises an S3 origin by a dependency on one. */
export const S3_BUCKET_TYPES: readonly string[] = TYPES.bucket;

const isOneOf = (types: readonly string[]) => (r: StackResource) => types.includes(r.type);

/** The ways other resources can name a bucket: its id (= its name) and its ARN. */
function bucketNames(b: StackResource): string[] {
    return [b.id, b.inputs.id, b.inputs.bucket].filter(nonEmptyString);
}
function bucketArns(b: StackResource): string[] {
    return [b.arn, b.inputs.arn, ...bucketNames(b).map((n) => `arn:aws:s3:::${n}`)].filter(nonEmptyString);
}

/**
 * The bucket a companion resource configures: by the engine's property dependencies when known (works in preview,
 * before the bucket has a name), else by the `bucket` value.
 */
function targetBucket(companion: StackResource, buckets: readonly StackResource[]): StackResource | undefined {
    const deps = companion.propertyDependencies?.bucket ?? [];
    const byDependency = buckets.find((b) => deps.includes(b.urn));
    if (byDependency) return byDependency;
    const ref = companion.inputs.bucket;
    return nonEmptyString(ref) ? buckets.find((b) => bucketNames(b).includes(ref)) : undefined;
}

function companionsByBucket(
    resources: readonly StackResource[],
    types: readonly string[],
): { buckets: StackResource[]; companions: StackResource[]; of: (b: StackResource) => StackResource[] } {
    const buckets = resources.filter(isOneOf(TYPES.bucket));
    const companions = resources.filter(isOneOf(types));
    const map = new Map<string, StackResource[]>();
    for (const c of companions) {
        const b = targetBucket(c, buckets);
        if (b) map.set(b.urn, [...(map.get(b.urn) ?? []), c]);
    }
    return { buckets, companions, of: (b) => map.get(b.urn) ?? [] };
}

/**
 * Builds a stack policy from: the companion types, a check of one companion's own settings, a check of a bucket's
 * deprecated inline settings (v7 still accepts some), and the message for a bucket with neither.
 */
function bucketCompanionPolicy(
    info: PolicyInfo,
    types: readonly string[],
    checkCompanion: (inputs: Props) => string[],
    inlineOk: (bucketInputs: Props) => boolean,
    missing: (bucket: StackResource) => string,
): StackPolicy {
    return {
        ...info,
        validateStack(resources) {
            const { buckets, companions, of } = companionsByBucket(resources, types);
            const out: StackViolation[] = [];
            for (const c of companions) {
                for (const message of checkCompanion(c.inputs)) out.push({ urn: c.urn, message: `${c.name}: ${message}` });
            }
            for (const b of buckets) {
                if (of(b).length === 0 && !inlineOk(b.inputs)) out.push({ urn: b.urn, message: missing(b) });
            }
            return out;
        },
    };
}

const s3Versioning = bucketCompanionPolicy(
    {
        name: "s3-bucket-versioning",
        description:
            "Every S3 bucket has a BucketVersioning resource with status Enabled (backups survive overwrite and delete).",
        enforcementLevel: "mandatory",
        remediation: 'Add aws.s3.BucketVersioning { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } }.',
    },
    TYPES.bucketVersioning,
    (inputs) => {
        const status = at(inputs, "versioningConfiguration", "status");
        return status === "Enabled"
            ? []
            : [`versioning status is ${JSON.stringify(status ?? null)}. Fix: set versioningConfiguration.status to "Enabled".`];
    },
    (inputs) => at(inputs, "versioning", "enabled") === true,
    (b) =>
        `Bucket ${b.name} has no versioning: an overwritten or deleted backup is gone, and replication needs versioning. ` +
        'Fix: add aws.s3.BucketVersioning { bucket: <bucket>.id, versioningConfiguration: { status: "Enabled" } }.',
);

function sseKmsProblems(rules: unknown): string[] {
    const list = asArray(rules);
    if (list.length === 0) return ["has no encryption rule"];
    const out: string[] = [];
    for (const rule of list) {
        const d = at(rule, "applyServerSideEncryptionByDefault");
        const algorithm = at(d, "sseAlgorithm");
        if (algorithm !== "aws:kms" && algorithm !== "aws:kms:dsse")
            out.push(`uses ${JSON.stringify(algorithm ?? null)}, not aws:kms`);
        else if (!nonEmptyString(at(d, "kmsMasterKeyId")))
            out.push("uses aws:kms without kmsMasterKeyId (the AWS-managed aws/s3 key)");
    }
    return out;
}

const s3EncryptionKms = bucketCompanionPolicy(
    {
        name: "s3-bucket-sse-kms",
        description: "Every S3 bucket encrypts by default with SSE-KMS under a customer-managed key.",
        enforcementLevel: "mandatory",
        remediation:
            'Add aws.s3.BucketServerSideEncryptionConfiguration with rules [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: key.arn }, bucketKeyEnabled: true }].',
    },
    TYPES.bucketEncryption,
    (inputs) =>
        sseKmsProblems(inputs.rules).map(
            (p) =>
                `default encryption ${p}. Fix: set applyServerSideEncryptionByDefault { sseAlgorithm: "aws:kms", ` +
                "kmsMasterKeyId: <customer-managed key ARN> } (access to the data then needs the key policy too).",
        ),
    (inputs) =>
        sseKmsProblems(at(inputs, "serverSideEncryptionConfiguration", "rule")).length === 0 &&
        at(inputs, "serverSideEncryptionConfiguration") !== undefined,
    (b) =>
        `Bucket ${b.name} has no SSE-KMS default encryption (S3 applies SSE-S3, with no key policy to limit who reads). ` +
        'Fix: add aws.s3.BucketServerSideEncryptionConfiguration with sseAlgorithm "aws:kms" and a customer-managed kmsMasterKeyId.',
);

const PUBLIC_ACCESS_FLAGS = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"] as const;

const s3PublicAccessBlocked = bucketCompanionPolicy(
    {
        name: "s3-bucket-public-access-block",
        description: "Every S3 bucket has a BucketPublicAccessBlock with all four flags true.",
        enforcementLevel: "mandatory",
        remediation:
            "Add aws.s3.BucketPublicAccessBlock with blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets all true.",
    },
    TYPES.bucketPublicAccessBlock,
    (inputs) => {
        const off = PUBLIC_ACCESS_FLAGS.filter((f) => inputs[f] !== true);
        return off.length === 0 ? [] : [`public access block leaves ${off.join(", ")} off. Fix: set all four flags to true.`];
    },
    () => false,
    (b) =>
        `Bucket ${b.name} has no public access block: one ACL or policy mistake makes backups public. Fix: add ` +
        "aws.s3.BucketPublicAccessBlock { bucket: <bucket>.id, blockPublicAcls, blockPublicPolicy, ignorePublicAcls, restrictPublicBuckets: true }.",
);

/** True when the policy has `Deny` for everyone on s3 actions when aws:SecureTransport is false, on bucket and objects. */
function hasTlsOnlyStatement(policy: unknown): boolean {
    return statementsOf(policy).some((s) => {
        if (s.effect !== "Deny") return false;
        const principal = s.principal;
        const everyone = principal === "*" || asStrings(at(principal, "AWS")).includes("*");
        const allS3 = s.actions.some((a) => a === "*" || a.toLowerCase() === "s3:*");
        const secure = asArray(at(s.condition, "Bool", "aws:SecureTransport")).map((v) => String(v).toLowerCase());
        const coversObjects = s.resources.some((r) => r.endsWith("/*"));
        const coversBucket = s.resources.some((r) => !r.endsWith("/*"));
        return everyone && allS3 && secure.includes("false") && coversObjects && coversBucket;
    });
}

const s3TlsOnly = bucketCompanionPolicy(
    {
        name: "s3-bucket-tls-only",
        description:
            "Every S3 bucket's policy denies all S3 actions over plain HTTP (Deny, Principal *, Condition Bool aws:SecureTransport false) on the bucket and its objects.",
        enforcementLevel: "mandatory",
        remediation:
            'Add aws.s3.BucketPolicy with { Effect: "Deny", Principal: "*", Action: "s3:*", Resource: [bucketArn, `${bucketArn}/*`], Condition: { Bool: { "aws:SecureTransport": "false" } } }.',
    },
    TYPES.bucketPolicy,
    (inputs) =>
        hasTlsOnlyStatement(inputs.policy)
            ? []
            : [
                  'bucket policy has no TLS-only statement. Fix: add { Effect: "Deny", Principal: "*", Action: "s3:*", ' +
                      'Resource: [<bucket ARN>, "<bucket ARN>/*"], Condition: { Bool: { "aws:SecureTransport": "false" } } }.',
              ],
    (inputs) => hasTlsOnlyStatement(inputs.policy),
    (b) =>
        `Bucket ${b.name} has no bucket policy denying plain-HTTP access. Fix: add aws.s3.BucketPolicy with a Deny ` +
        'statement on "s3:*" for Principal "*" when "aws:SecureTransport" is "false", on the bucket ARN and "<ARN>/*".',
);

/**
 * A bucket holding data we must not lose, known by its resource name: the backup buckets (`dc-backup-buckets-primary`
 * and `-replica`) and, since issue 13, Ghost's media buckets (`dc-media-dc` and `dc-media-dr`: uploads exist nowhere
 * else), all in the dc stack, each pair replicating both ways (stacks/site.ts, components/media). Tags cannot tell:
 * every resource carries the same project/site/stack/managed-by tags (stacks/config/site.ts).
 */
function mustBeReplicated(b: StackResource): boolean {
    return /backup|media/i.test(b.name);
}

function replicationProblems(inputs: Props): string[] {
    const out: string[] = [];
    if (!nonEmptyString(inputs.role)) out.push("has no `role` for S3 to replicate with");
    const enabled = asArray(inputs.rules).filter((r) => at(r, "status") === "Enabled");
    if (enabled.length === 0) out.push("has no rule with status Enabled");
    for (const rule of enabled) {
        const id = JSON.stringify(at(rule, "id") ?? "");
        if (!nonEmptyString(at(rule, "destination", "bucket"))) out.push(`rule ${id} has no destination bucket`);
        // Objects under SSE-KMS are skipped by replication unless the rule opts in and names the replica key.
        if (at(rule, "sourceSelectionCriteria", "sseKmsEncryptedObjects", "status") !== "Enabled") {
            out.push(`rule ${id} does not replicate SSE-KMS objects (sourceSelectionCriteria.sseKmsEncryptedObjects.status)`);
        }
        if (!nonEmptyString(at(rule, "destination", "encryptionConfiguration", "replicaKmsKeyId"))) {
            out.push(`rule ${id} has no destination.encryptionConfiguration.replicaKmsKeyId`);
        }
    }
    return out;
}

const s3BucketReplicated: StackPolicy = {
    name: "s3-bucket-replicated",
    description:
        'Every bucket holding data we must not lose (name contains "backup" or "media": backups, Ghost\'s uploads) ' +
        "replicates to the other region with an enabled rule that includes SSE-KMS objects, unless it is itself a " +
        "replica (the destination of a rule in this stack).",
    enforcementLevel: "mandatory",
    remediation:
        "Add aws.s3.BucketReplicationConfig on the bucket: role, an Enabled rule to the peer region's bucket ARN, " +
        "sourceSelectionCriteria.sseKmsEncryptedObjects Enabled and destination.encryptionConfiguration.replicaKmsKeyId.",
    validateStack(resources) {
        const { buckets, companions, of } = companionsByBucket(resources, TYPES.bucketReplication);
        const out: StackViolation[] = [];
        for (const c of companions) {
            for (const p of replicationProblems(c.inputs)) {
                out.push({
                    urn: c.urn,
                    message:
                        `${c.name}: replication ${p}. Fix: give it a role, an Enabled rule with destination { bucket: <peer ARN>, ` +
                        "encryptionConfiguration: { replicaKmsKeyId } } and sourceSelectionCriteria.sseKmsEncryptedObjects Enabled.",
                });
            }
        }
        const destinations = new Set(
            companions.flatMap((c) => asArray(c.inputs.rules).map((r) => at(r, "destination", "bucket"))),
        );
        const destinationDeps = new Set(companions.flatMap((c) => c.propertyDependencies?.rules ?? []));
        const isReplica = (b: StackResource) => destinationDeps.has(b.urn) || bucketArns(b).some((a) => destinations.has(a));
        for (const b of buckets.filter(mustBeReplicated)) {
            if (isReplica(b) || of(b).length > 0) continue;
            out.push({
                urn: b.urn,
                message:
                    `Bucket ${b.name} holds backups or media and is not replicated: losing its region loses them. Fix: add ` +
                    'aws.s3.BucketReplicationConfig { bucket: <bucket>.id, role, rules: [{ status: "Enabled", destination: ' +
                    "{ bucket: <peer-region bucket ARN>, encryptionConfiguration: { replicaKmsKeyId } }, sourceSelectionCriteria: " +
                    '{ sseKmsEncryptedObjects: { status: "Enabled" } } }] }.',
            });
        }
        return out;
    },
};

/** In the order `pulumi preview` lists them. */
export const S3_POLICIES: readonly StackPolicy[] = [
    s3Versioning,
    s3EncryptionKms,
    s3PublicAccessBlocked,
    s3TlsOnly,
    s3BucketReplicated,
];
