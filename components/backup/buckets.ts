import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as crypto from "node:crypto";
import { Site, SITES } from "../site";

/** Every backup object is encrypted with this key alias, in both regions (a multi-region key pair). */
export const BACKUP_KEY_ALIAS = "alias/ghost-dcdr-backups";

/**
 * Where each site's backup sets go in the buckets: one prefix per site, so the bucket policies can fence each
 * site's writes and a standby reads only the other site's sets. The stacks, the drills and the docs use these.
 */
export const BACKUP_PREFIXES: Readonly<Record<Site, string>> = { dc: "ghost/dc/", dr: "ghost/dr/" };

/** A region's backup bucket, from config `backupBucketPrefix` (the schema's description and the README quote this). */
export function backupBucketName(prefix: string, region: string): string {
    return `${prefix}-backups-${region}`;
}

/**
 * Each site's manifest signing key (issue #10), by alias. One asymmetric multi-region key per site: the primary in
 * the site's own region (where its backups are signed), a replica with the same key material in the other region,
 * so the other site verifies with a key in its own region even when the writer's region is gone. Both aliases
 * exist in both regions.
 */
export const SIGNING_KEY_ALIASES: Readonly<Record<Site, string>> = {
    dc: "alias/ghost-dcdr-backup-signing-dc",
    dr: "alias/ghost-dcdr-backup-signing-dr",
};
/** ECDSA on P-256: the scripts sign and verify with ECDSA_SHA_256 (backup-upload.sh, restore-fetch.sh). */
export const SIGNING_KEY_SPEC = "ECC_NIST_P256";

/**
 * The name of a site's backup IAM role. Fixed rather than generated, because the dc stack's bucket policies must name
 * the dr site's role before the dr stack exists (issue #10: only that role may write under the site's prefix). The
 * suffix, a hash of the two bucket names, keeps two deployments in one account apart.
 */
export function backupRoleName(site: Site, bucketNames: string[]): string {
    const hash = crypto
        .createHash("sha256")
        .update([...bucketNames].sort().join(","))
        .digest("hex")
        .slice(0, 10);
    return `ghost-dcdr-${site}-backup-${hash}`;
}

/** Every S3 action that creates, changes or removes an object or its protection: denied under a site's prefix to all but its writers. */
export const OBJECT_WRITE_ACTIONS = [
    "s3:PutObject",
    "s3:PutObjectAcl",
    "s3:PutObjectVersionAcl",
    "s3:PutObjectTagging",
    "s3:PutObjectVersionTagging",
    "s3:DeleteObjectTagging",
    "s3:DeleteObjectVersionTagging",
    "s3:PutObjectRetention",
    "s3:PutObjectLegalHold",
    "s3:BypassGovernanceRetention",
    "s3:DeleteObject",
    "s3:DeleteObjectVersion",
    "s3:ReplicateObject",
    "s3:ReplicateDelete",
    "s3:ReplicateTags",
];

/** The account of an IAM ARN (arn:aws:iam::<account>:role/x). */
export function accountOf(arn: string): string {
    const account = arn.split(":")[4];
    if (!/^\d{12}$/.test(account ?? "")) throw new Error(`cannot read an account id from the ARN '${arn}'`);
    return account;
}

export interface BucketSpec {
    /** Bucket name (globally unique). */
    name: string;
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
    /**
     * Per site, the prefix its backups go to and the name of its backup role (`backupRoleName`): the only principal,
     * besides S3 replication, that may write under that prefix, and the only one that may sign with the site's key.
     */
    writers: Readonly<Record<Site, { prefix: string; roleName: string }>>;
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

/**
 * The buckets' policy: plain HTTP refused (`tlsOnlyPolicy`), and under each site's prefix every object write denied to
 * every principal but that site's backup role and the replication role (issue #10). An explicit Deny wins over any
 * Allow, so an over-broad role, an operator's credential or the other site's backup role cannot plant or remove a set.
 */
export function backupBucketPolicy(
    bucketArn: string,
    writers: { prefix: string; roleArn: string }[],
    replicationRoleArn: string,
): aws.iam.PolicyDocument {
    const tls = tlsOnlyPolicy(bucketArn);
    return {
        Version: "2012-10-17",
        Statement: [
            ...(tls.Statement as aws.iam.PolicyStatement[]),
            ...writers.map((w): aws.iam.PolicyStatement => ({
                Sid: `OnlyItsBackupRoleWrites${w.prefix.replace(/[^A-Za-z0-9]/g, "")}`,
                Effect: "Deny",
                Principal: "*",
                Action: OBJECT_WRITE_ACTIONS,
                Resource: `${bucketArn}/${w.prefix}*`,
                Condition: { ArnNotEquals: { "aws:PrincipalArn": [w.roleArn, replicationRoleArn] } },
            })),
        ],
    };
}

/**
 * The key-policy statement every customer key here carries: the account administers the key through IAM, as with any
 * key. Without it no one could ever change the key again.
 */
export function accountAdministersKey(accountId: string): aws.iam.PolicyStatement {
    return {
        Sid: "AccountAdministersTheKeyThroughIam",
        Effect: "Allow",
        Principal: { AWS: `arn:aws:iam::${accountId}:root` },
        Action: "kms:*",
        Resource: "*",
    };
}

/**
 * A signing key's policy. The account administers the key through IAM as with any key (without that statement the key
 * could never be changed again), but `kms:Sign` is denied to everyone except `signerArn`, the site's backup role, so
 * no other role, however broad its IAM policy, can sign a manifest. A replica (no signer) signs for nobody: the other
 * region only verifies with it.
 */
export function signingKeyPolicy(accountId: string, signerArn?: string): aws.iam.PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            accountAdministersKey(accountId),
            {
                Sid: signerArn ? "OnlyTheSiteBackupRoleSigns" : "ReplicaNeverSigns",
                Effect: "Deny",
                Principal: "*",
                Action: "kms:Sign",
                Resource: "*",
                ...(signerArn ? { Condition: { ArnNotEquals: { "aws:PrincipalArn": signerArn } } } : {}),
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
    /** Per site, its signing key's ARN in [the primary bucket's region, the replica bucket's region]. */
    readonly signingKeyArns: Record<Site, pulumi.Output<string>[]>;

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
        // The writers' ARNs, in the account the stack deploys to (the replication role's).
        const account = replicationRole.arn.apply(accountOf);
        const writerArns = account.apply((a) =>
            SITES.map((site) => ({
                prefix: args.writers[site].prefix,
                roleArn: `arn:aws:iam::${a}:role/${args.writers[site].roleName}`,
            })),
        );

        // One signing key per site (issue #10), primary in the site's region, replica in the other. Child names say the
        // region ("primary"/"replica", as for the buckets), then the site whose sets the key signs. Key rotation does
        // not exist for asymmetric keys; a new key means a new alias target and sets signed before it still verify
        // only while the old key is kept.
        const regionOf = { dc: 0, dr: 1 } as const;
        const specs = [args.primary, args.replica];
        const signingKeyArns = {} as Record<Site, pulumi.Output<string>[]>;
        for (const site of SITES) {
            const home = regionOf[site];
            const signer = writerArns.apply((w) => w[SITES.indexOf(site)].roleArn);
            const signing = new aws.kms.Key(
                `${name}-${home === 0 ? "primary" : "replica"}-signing-${site}`,
                {
                    description: `Signs the manifests of ghost-dcdr's ${site} backups (multi-region primary)`,
                    keyUsage: "SIGN_VERIFY",
                    customerMasterKeySpec: SIGNING_KEY_SPEC,
                    multiRegion: true,
                    deletionWindowInDays: 30,
                    policy: pulumi.all([account, signer]).apply(([a, arn]) => JSON.stringify(signingKeyPolicy(a, arn))),
                    tags,
                },
                { parent: this, provider: specs[home].provider },
            );
            const replica = new aws.kms.ReplicaKey(
                `${name}-${home === 0 ? "replica" : "primary"}-signing-${site}`,
                {
                    description: `Verifies the manifests of ghost-dcdr's ${site} backups (multi-region replica)`,
                    primaryKeyArn: signing.arn,
                    deletionWindowInDays: 30,
                    policy: account.apply((a) => JSON.stringify(signingKeyPolicy(a))),
                    tags,
                },
                { parent: this, provider: specs[1 - home].provider },
            );
            const arns = home === 0 ? [signing.arn, replica.arn] : [replica.arn, signing.arn];
            arns.forEach(
                (arn, i) =>
                    new aws.kms.Alias(
                        `${name}-${i === 0 ? "primary" : "replica"}-signing-${site}-alias`,
                        { name: SIGNING_KEY_ALIASES[site], targetKeyId: arn },
                        { parent: this, provider: specs[i].provider },
                    ),
            );
            signingKeyArns[site] = arns;
        }

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
            // The name predates the prefix statements (issue #10); kept so the policy is updated, not replaced.
            new aws.s3.BucketPolicy(
                `${name}-${role}-tls-only`,
                {
                    bucket: bucket.id,
                    policy: pulumi
                        .all([bucket.arn, writerArns, replicationRole.arn])
                        .apply(([arn, w, rep]) => JSON.stringify(backupBucketPolicy(arn, w, rep))),
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
        this.signingKeyArns = signingKeyArns;
        this.registerOutputs({ bucketArns: this.bucketArns, keyArns: this.keyArns, signingKeyArns: this.signingKeyArns });
    }
}
