import { tlsOnlyPolicy } from "../../components/backup/buckets";
import { S3_POLICIES } from "../../policy/s3";
import { Props, StackResource } from "../../policy/shared";
import { json, KEY_ARN, stackPolicyTests, StackCases, stackResource as res, statement } from "./helpers";

// ---- S3 stack fixtures: a bucket is compliant with its five companions; each case removes or breaks one.

const TLS_POLICY = (bucket: string) => json(tlsOnlyPolicy(`arn:aws:s3:::${bucket}`));
const REPLICATION_RULE = {
    id: "to-dr",
    status: "Enabled",
    destination: { bucket: "arn:aws:s3:::ghost-dcdr-dr-backups", encryptionConfiguration: { replicaKmsKeyId: KEY_ARN } },
    sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: "Enabled" } },
};

/** A compliant backup bucket named `name`; `change` edits (or, returning undefined, drops) one resource by type. */
function bucketSet(name = "dc-backups", change: (r: StackResource) => StackResource | undefined = (r) => r): StackResource[] {
    const bucket = res("aws:s3/bucket:Bucket", name, { bucket: `ghost-dcdr-${name}`, tags: {} });
    const ref = { bucket: `${name}-id` };
    const set = [
        bucket,
        res("aws:s3/bucketVersioning:BucketVersioning", `${name}-versioning`, {
            ...ref,
            versioningConfiguration: { status: "Enabled" },
        }),
        res("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", `${name}-sse`, {
            ...ref,
            rules: [
                {
                    applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: KEY_ARN },
                    bucketKeyEnabled: true,
                },
            ],
        }),
        res("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", `${name}-pab`, {
            ...ref,
            blockPublicAcls: true,
            blockPublicPolicy: true,
            ignorePublicAcls: true,
            restrictPublicBuckets: true,
        }),
        res("aws:s3/bucketPolicy:BucketPolicy", `${name}-policy`, { ...ref, policy: TLS_POLICY(`ghost-dcdr-${name}`) }),
        res("aws:s3/bucketReplicationConfig:BucketReplicationConfig", `${name}-replication`, {
            ...ref,
            role: "arn:aws:iam::1:role/replication",
            rules: [REPLICATION_RULE],
        }),
    ];
    return set.map(change).filter((r): r is StackResource => r !== undefined);
}
const drop = (type: string) => (r: StackResource) => (r.type === type ? undefined : r);
const edit = (type: string, inputs: Props) => (r: StackResource) =>
    r.type === type ? { ...r, inputs: { ...r.inputs, ...inputs } } : r;

const STACK_CASES: StackCases = {
    "s3-bucket-versioning": {
        pass: [
            bucketSet(),
            // Linked through the engine's property dependencies, before the bucket has a name (preview).
            bucketSet("b", (r) =>
                r.type.includes("Versioning")
                    ? {
                          ...r,
                          inputs: { versioningConfiguration: { status: "Enabled" } },
                          propertyDependencies: { bucket: [bucketSet("b")[0].urn] },
                      }
                    : r,
            ),
            [res("aws:s3/bucketV2:BucketV2", "legacy", { versioning: { enabled: true } })],
        ],
        fail: [
            [
                bucketSet("b", drop("aws:s3/bucketVersioning:BucketVersioning")),
                /Bucket b has no versioning.*Fix: add aws\.s3\.BucketVersioning/,
            ],
            [
                bucketSet(
                    "b",
                    edit("aws:s3/bucketVersioning:BucketVersioning", { versioningConfiguration: { status: "Suspended" } }),
                ),
                /b-versioning: versioning status is "Suspended"/,
            ],
        ],
    },
    "s3-bucket-sse-kms": {
        pass: [bucketSet()],
        fail: [
            [
                bucketSet("b", drop("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")),
                /Bucket b has no SSE-KMS default encryption/,
            ],
            [
                bucketSet(
                    "b",
                    edit("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", {
                        rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
                    }),
                ),
                /default encryption uses "AES256", not aws:kms/,
            ],
            [
                bucketSet(
                    "b",
                    edit("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", {
                        rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" } }],
                    }),
                ),
                /without kmsMasterKeyId/,
            ],
        ],
    },
    "s3-bucket-public-access-block": {
        pass: [bucketSet()],
        fail: [
            [
                bucketSet("b", drop("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")),
                /Bucket b has no public access block/,
            ],
            [
                bucketSet("b", edit("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", { restrictPublicBuckets: false })),
                /leaves restrictPublicBuckets off/,
            ],
        ],
    },
    "s3-bucket-tls-only": {
        pass: [bucketSet()],
        fail: [
            [bucketSet("b", drop("aws:s3/bucketPolicy:BucketPolicy")), /Bucket b has no bucket policy denying plain-HTTP access/],
            [
                bucketSet(
                    "b",
                    edit("aws:s3/bucketPolicy:BucketPolicy", {
                        policy: statement({ Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" }),
                    }),
                ),
                /bucket policy has no TLS-only statement/,
            ],
        ],
    },
    "s3-bucket-replicated": {
        pass: [
            bucketSet(),
            // Neither a backup nor a media bucket: no replication needed.
            bucketSet("assets", drop("aws:s3/bucketReplicationConfig:BucketReplicationConfig")),
            // The destination of a rule in this stack is a replica.
            [
                ...bucketSet(),
                ...bucketSet("dr-backups", drop("aws:s3/bucketReplicationConfig:BucketReplicationConfig")).map((r) =>
                    r.type === "aws:s3/bucket:Bucket" ? { ...r, inputs: { ...r.inputs, bucket: "ghost-dcdr-dr-backups" } } : r,
                ),
            ],
            // A replica whose name AWS generates (no `bucket` input): the rule's property dependencies name it.
            [
                ...bucketSet("dc-backups", (r) =>
                    r.type.includes("Replication")
                        ? { ...r, propertyDependencies: { rules: [bucketSet("dr-backups")[0].urn] } }
                        : r,
                ),
                ...bucketSet("dr-backups", drop("aws:s3/bucketReplicationConfig:BucketReplicationConfig")).map((r) =>
                    r.type === "aws:s3/bucket:Bucket" ? { ...r, inputs: { tags: {} } } : r,
                ),
            ],
        ],
        fail: [
            [
                bucketSet("dc-backups", drop("aws:s3/bucketReplicationConfig:BucketReplicationConfig")),
                /Bucket dc-backups holds backups or media and is not replicated.*Fix: add aws\.s3\.BucketReplicationConfig/,
            ],
            // Ghost's uploads (issue 13): a media bucket is data we must not lose, like a backup.
            [
                bucketSet("dc-media-dc", drop("aws:s3/bucketReplicationConfig:BucketReplicationConfig")),
                /Bucket dc-media-dc holds backups or media and is not replicated: losing its region loses them/,
            ],
            [
                bucketSet(
                    "dc-backups",
                    edit("aws:s3/bucketReplicationConfig:BucketReplicationConfig", {
                        rules: [{ ...REPLICATION_RULE, sourceSelectionCriteria: {} }],
                    }),
                ),
                /rule "to-dr" does not replicate SSE-KMS objects/,
            ],
            [
                bucketSet(
                    "dc-backups",
                    edit("aws:s3/bucketReplicationConfig:BucketReplicationConfig", {
                        rules: [{ ...REPLICATION_RULE, status: "Disabled" }],
                    }),
                ),
                /has no rule with status Enabled/,
            ],
        ],
    },
};

describe("S3 policies: each on a compliant and a violating bucket", () => {
    stackPolicyTests(S3_POLICIES, STACK_CASES);
});
