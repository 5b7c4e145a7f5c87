import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** Every backup object is encrypted with this key alias, in both regions (a multi-region key pair). */
export const BACKUP_KEY_ALIAS = "alias/ghost-dcdr-backups";

export interface BucketSpec {
    /** Bucket name (globally unique). */
    name: string;
    region: string;
    /** Provider for the bucket's region. */
    provider: aws.Provider;
}

export interface BackupBucketsArgs {
    /** The dc region's bucket: the multi-region key's primary lives here. */
    primary: BucketSpec;
    /** The dr region's bucket. */
    replica: BucketSpec;
    lifecycle: { iaDays: number; glacierDays: number; expireDays: number };
    /** Object Lock can only be turned on when a bucket is created. */
    objectLock?: { mode: "GOVERNANCE" | "COMPLIANCE"; days: number };
    /** Refuse to delete the buckets on `pulumi destroy`. */
    protect: boolean;
    tags?: Record<string, string>;
}

/** Denies every request that does not use TLS. */
export function tlsOnlyPolicy(bucketArn: string): aws.iam.PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "DenyInsecureTransport",
                Effect: "Deny",
                Principal: "*",
                Action: "s3:*",
                Resource: [bucketArn, `${bucketArn}/*`],
                Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
        ],
    };
}

/** What S3 replication needs: read the source's versions, write replicas, and the KMS keys on both sides. */
export function replicationPolicy(buckets: { arn: string }[], keyArns: string[]): aws.iam.PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            { Effect: "Allow", Action: ["s3:GetReplicationConfiguration", "s3:ListBucket"], Resource: buckets.map((b) => b.arn) },
            {
                Effect: "Allow",
                Action: [
                    "s3:GetObjectVersionForReplication",
                    "s3:GetObjectVersionAcl",
                    "s3:GetObjectVersionTagging",
                    "s3:GetObjectRetention",
                    "s3:GetObjectLegalHold",
                ],
                Resource: buckets.map((b) => `${b.arn}/*`),
            },
            {
                Effect: "Allow",
                Action: ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags", "s3:ObjectOwnerOverrideToBucketOwner"],
                Resource: buckets.map((b) => `${b.arn}/*`),
            },
            { Effect: "Allow", Action: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"], Resource: keyArns },
        ],
    };
}

/**
 * The two backup buckets, one per region, each replicating into the other (S3 cross-region replication).
 * The dc stack owns both, so the dr region's copy exists before the dr stack is ever deployed (cold DR), and
 * after a failover the dr site's backups replicate back to the dc region the same way.
 */
export class BackupBuckets extends pulumi.ComponentResource {
    readonly bucketArns: pulumi.Output<string>[];
    readonly keyArns: pulumi.Output<string>[];

    constructor(name: string, args: BackupBucketsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ghost-dcdr:backup:BackupBuckets", name, {}, opts);
        const tags = args.tags ?? {};

        // One multi-region key: the same key material in both regions, so a replica is decrypted locally
        // when the other region is gone.
        const primaryKey = new aws.kms.Key(
            `${name}-key`,
            {
                description: "Encryption of ghost-dcdr backups (multi-region primary)",
                multiRegion: true,
                enableKeyRotation: true,
                deletionWindowInDays: 30,
                tags,
            },
            { parent: this, provider: args.primary.provider },
        );
        const replicaKey = new aws.kms.ReplicaKey(
            `${name}-key-replica`,
            {
                description: "Encryption of ghost-dcdr backups (multi-region replica)",
                primaryKeyArn: primaryKey.arn,
                deletionWindowInDays: 30,
                tags,
            },
            { parent: this, provider: args.replica.provider },
        );
        const keys = [primaryKey.arn, replicaKey.arn];

        const sides = [args.primary, args.replica].map((spec, i) => {
            const role = i === 0 ? "primary" : "replica";
            const provider = { parent: this, provider: spec.provider };
            new aws.kms.Alias(`${name}-${role}-alias`, { name: BACKUP_KEY_ALIAS, targetKeyId: keys[i] }, provider);
            const bucket = new aws.s3.Bucket(
                `${name}-${role}`,
                {
                    bucket: spec.name,
                    objectLockEnabled: args.objectLock !== undefined,
                    tags,
                },
                { ...provider, protect: args.protect },
            );
            const versioning = new aws.s3.BucketVersioning(
                `${name}-${role}-versioning`,
                {
                    bucket: bucket.id,
                    versioningConfiguration: { status: "Enabled" },
                },
                provider,
            );
            new aws.s3.BucketServerSideEncryptionConfiguration(
                `${name}-${role}-sse`,
                {
                    bucket: bucket.id,
                    rules: [
                        {
                            applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: keys[i] },
                            // One data key per bucket instead of a KMS call per object.
                            bucketKeyEnabled: true,
                        },
                    ],
                },
                provider,
            );
            new aws.s3.BucketPublicAccessBlock(
                `${name}-${role}-public-access`,
                {
                    bucket: bucket.id,
                    blockPublicAcls: true,
                    blockPublicPolicy: true,
                    ignorePublicAcls: true,
                    restrictPublicBuckets: true,
                },
                provider,
            );
            new aws.s3.BucketPolicy(
                `${name}-${role}-tls-only`,
                {
                    bucket: bucket.id,
                    policy: bucket.arn.apply((arn) => JSON.stringify(tlsOnlyPolicy(arn))),
                },
                provider,
            );
            new aws.s3.BucketLifecycleConfiguration(
                `${name}-${role}-lifecycle`,
                {
                    bucket: bucket.id,
                    rules: [
                        {
                            id: "age-out-backups",
                            status: "Enabled",
                            filter: { prefix: "" },
                            transitions: [
                                { days: args.lifecycle.iaDays, storageClass: "STANDARD_IA" },
                                { days: args.lifecycle.glacierDays, storageClass: "GLACIER" },
                            ],
                            expiration: { days: args.lifecycle.expireDays },
                            noncurrentVersionExpiration: { noncurrentDays: 30 },
                            // An upload killed mid-way leaves parts that cost money and are never a backup.
                            abortIncompleteMultipartUpload: { daysAfterInitiation: 2 },
                        },
                    ],
                },
                { ...provider, dependsOn: [versioning] },
            );
            if (args.objectLock) {
                new aws.s3.BucketObjectLockConfiguration(
                    `${name}-${role}-object-lock`,
                    {
                        bucket: bucket.id,
                        rule: { defaultRetention: { mode: args.objectLock.mode, days: args.objectLock.days } },
                    },
                    { ...provider, dependsOn: [versioning] },
                );
            }
            return { bucket, versioning, provider: spec.provider };
        });

        const replicationRole = new aws.iam.Role(
            `${name}-replication-role`,
            {
                description: "S3 cross-region replication of ghost-dcdr backups, both directions",
                assumeRolePolicy: JSON.stringify({
                    Version: "2012-10-17",
                    Statement: [{ Effect: "Allow", Principal: { Service: "s3.amazonaws.com" }, Action: "sts:AssumeRole" }],
                }),
                tags,
            },
            { parent: this, provider: args.primary.provider },
        );
        new aws.iam.RolePolicy(
            `${name}-replication-policy`,
            {
                role: replicationRole.id,
                policy: pulumi
                    .all([sides[0].bucket.arn, sides[1].bucket.arn, ...keys])
                    .apply(([a, b, ...k]) => JSON.stringify(replicationPolicy([{ arn: a }, { arn: b }], k))),
            },
            { parent: this, provider: args.primary.provider },
        );

        // Each bucket replicates into the other: whichever site is active, its backups reach the other region.
        [
            [0, 1],
            [1, 0],
        ].forEach(([from, to]) => {
            new aws.s3.BucketReplicationConfig(
                `${name}-${from === 0 ? "primary" : "replica"}-replication`,
                {
                    bucket: sides[from].bucket.id,
                    role: replicationRole.arn,
                    rules: [
                        {
                            id: "to-other-region",
                            status: "Enabled",
                            filter: { prefix: "ghost/" },
                            // A delete marker (mistake or ransomware) stays in its own region.
                            deleteMarkerReplication: { status: "Disabled" },
                            sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: "Enabled" } },
                            destination: {
                                bucket: sides[to].bucket.arn,
                                encryptionConfiguration: { replicaKmsKeyId: keys[to] },
                                storageClass: "STANDARD",
                            },
                        },
                    ],
                },
                { parent: this, provider: sides[from].provider, dependsOn: [sides[0].versioning, sides[1].versioning] },
            );
        });

        this.bucketArns = sides.map((s) => s.bucket.arn);
        this.keyArns = keys;
        this.registerOutputs({ bucketArns: this.bucketArns, keyArns: this.keyArns });
    }
}
