import * as aws from "@pulumi/aws";
import * as fs from "node:fs";
import * as path from "node:path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { DrMode } from "../../stacks/config";
import type { SiteRole } from "../../stacks/roles";
import { IrsaRole } from "../irsa";
import { GHOST_SCHEMA_TABLES, MARIADB_CLIENT_LABEL, RESTORE_PASSWORD_KEY, RESTORE_USER } from "../mariadb";
import { IMAGES, imageRef } from "../pins";

/** The AWS CLI image (v2; the scripts' upload and fetch steps). Official, pinned in components/pins.ts. */
export const AWS_CLI_IMAGE = imageRef(IMAGES.awsCli);
/** The scripts the jobs run: the very files the local drill runs (scripts/datapath). */
export const SCRIPTS_DIR = path.join(__dirname, "..", "..", "scripts", "datapath");
const SCRIPTS_MOUNT = "/scripts";
const WORK_MOUNT = "/work";
const CONTENT_MOUNT = "/var/lib/ghost/content";
const DB_SECRET_MOUNT = "/secrets/db";
const EXPORT_SECRET_MOUNT = "/secrets/ghost-export";

/** The script files, by name, as the ConfigMap carries them. */
export function readScripts(dir = SCRIPTS_DIR): Record<string, string> {
    const files = fs
        .readdirSync(dir)
        .filter((f) => f.endsWith(".sh"))
        .sort();
    if (files.length === 0) throw new Error(`no scripts in ${dir}`);
    return Object.fromEntries(files.map((f) => [f, fs.readFileSync(path.join(dir, f), "utf8")]));
}

/** Write the site's own prefix, and read the public domain's record for the fence; nothing else. */
export function backupPolicy(
    bucket: string,
    prefix: string,
    keyArn: string,
    hostedZoneId: string,
    signingKeyArn?: string,
): aws.iam.PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Effect: "Allow",
                Action: ["route53:ListResourceRecordSets"],
                Resource: `arn:aws:route53:::hostedzone/${hostedZoneId}`,
            },
            {
                Effect: "Allow",
                Action: ["s3:ListBucket"],
                Resource: `arn:aws:s3:::${bucket}`,
                Condition: { StringLike: { "s3:prefix": [prefix, `${prefix}*`] } },
            },
            {
                Effect: "Allow",
                Action: ["s3:PutObject", "s3:GetObject", "s3:AbortMultipartUpload"],
                Resource: `arn:aws:s3:::${bucket}/${prefix}*`,
            },
            { Effect: "Allow", Action: ["kms:GenerateDataKey", "kms:Decrypt"], Resource: keyArn },
            // Only the active site signs its manifests (issue #10): a standby's role gets no kms:Sign at all.
            ...(signingKeyArn ? [{ Effect: "Allow" as const, Action: ["kms:Sign"], Resource: signingKeyArn }] : []),
        ],
    };
}

/** Read the other site's prefix and verify its manifests' signatures; nothing else. */
export function restorePolicy(bucket: string, prefix: string, keyArn: string, verifyKeyArn: string): aws.iam.PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Effect: "Allow",
                Action: ["s3:ListBucket"],
                Resource: `arn:aws:s3:::${bucket}`,
                Condition: { StringLike: { "s3:prefix": [prefix, `${prefix}*`] } },
            },
            { Effect: "Allow", Action: ["s3:GetObject"], Resource: `arn:aws:s3:::${bucket}/${prefix}*` },
            { Effect: "Allow", Action: ["kms:Decrypt"], Resource: keyArn },
            // The writing site's signing key, in this region (a multi-region replica): verify, never sign (issue #10).
            { Effect: "Allow", Action: ["kms:Verify", "kms:GetPublicKey"], Resource: verifyKeyArn },
        ],
    };
}

export interface DataPathArgs {
    namespace: pulumi.Input<string>;
    region: string;
    /** This site's regional backup bucket. */
    bucket: string;
    /** ARN of the backup KMS key in this region. */
    keyArn: pulumi.Input<string>;
    /**
     * Manifest signing (issue #10), key ARNs in this region: `own` signs this site's backups (only while it is active),
     * `peer` verifies the other site's. `backupRoleName` is the fixed name the bucket policies allow to write.
     */
    signing: { ownKeyArn: pulumi.Input<string>; peerKeyArn: pulumi.Input<string>; backupRoleName: string };
    /** Prefix this site's backups go to, e.g. ghost/dc/. */
    ownPrefix: string;
    /** Prefix the other site's backups arrive under (by replication), e.g. ghost/dr/. */
    peerPrefix: string;
    oidcProviderArn: pulumi.Input<string>;
    oidcIssuer: pulumi.Input<string>;
    /** The fence: a backup publishes only while `domain`'s primary record points at `siteHostname`. */
    fence: { hostedZoneId: string; domain: string; siteHostname: string };
    /** The MariaDB server image: it carries mariadb-dump, mariadb, zstd. */
    mariadbImage: string;
    database: { host: pulumi.Input<string>; port: number; name: string; user: string; secretName: pulumi.Input<string> };
    ghostVersion: string;
    contentClaimName: pulumi.Input<string>;
    /** Ghost's URL, for the optional JSON export. */
    ghostUrl: string;
    /** What this site does now (stacks/roles.ts). */
    role: Pick<SiteRole, "runsBackups" | "restore" | "restoreOnce" | "catchUpRestore" | "ghostReplicas">;
    drMode: DrMode;
    schedule: string;
    restoreSchedule: string;
    timeZone: string;
    restoreBackupId?: string;
    ghostExport?: { user: string; password: pulumi.Output<string> };
    tags?: Record<string, string>;
}

/**
 * The backup and restore jobs of a site: the scripts in a ConfigMap, one IRSA identity for each direction, the
 * backup CronJob where this site backs up, and the restore CronJob (warm) or Job (cold) where it restores.
 * Each job is a chain of containers of official images sharing an emptyDir: the MariaDB image for the database
 * steps, the AWS CLI image for the S3 steps.
 */
export class DataPath extends pulumi.ComponentResource {
    readonly backupRoleArn: pulumi.Output<string>;
    readonly restoreRoleArn: pulumi.Output<string>;
    /** The restore that must finish before Ghost starts (cold bring-up or catch-up on promotion), if any. */
    readonly restoreBeforeGhost?: k8s.batch.v1.Job;

    constructor(name: string, args: DataPathArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ghost-dcdr:backup:DataPath", name, {}, opts);

        const scripts = new k8s.core.v1.ConfigMap(
            `${name}-scripts`,
            {
                metadata: { name: "datapath-scripts", namespace: args.namespace },
                data: readScripts(),
            },
            { parent: this },
        );

        const identity = (
            role: "backup" | "restore",
            policy: pulumi.Output<aws.iam.PolicyDocument>,
            transformations: pulumi.ResourceTransformation[] = [],
        ) =>
            new IrsaRole(
                `${name}-${role}-irsa`,
                {
                    oidcProviderArn: args.oidcProviderArn,
                    oidcIssuer: args.oidcIssuer,
                    namespace: args.namespace,
                    serviceAccountName: `ghost-${role}`,
                    description: `ghost-dcdr ${role} jobs (${args.ownPrefix})`,
                    policy,
                    tags: args.tags,
                },
                { parent: this, transformations },
            );
        // Both identities exist on both sites, so a role flip changes only which jobs run, and whether the backup role
        // may sign (issue #10: kms:Sign only while the site is active).
        const backupIdentity = identity(
            "backup",
            pulumi
                .all([args.keyArn, args.signing.ownKeyArn])
                .apply(([k, sign]) =>
                    backupPolicy(
                        args.bucket,
                        args.ownPrefix,
                        k,
                        args.fence.hostedZoneId,
                        args.role.runsBackups ? sign : undefined,
                    ),
                ),
            // The bucket policies name this role (issue #10), so its name is fixed, not generated.
            [
                (t) =>
                    t.type === "aws:iam/role:Role"
                        ? { props: { ...t.props, name: args.signing.backupRoleName }, opts: t.opts }
                        : undefined,
            ],
        );
        const restoreIdentity = identity(
            "restore",
            pulumi
                .all([args.keyArn, args.signing.peerKeyArn])
                .apply(([k, verify]) => restorePolicy(args.bucket, args.peerPrefix, k, verify)),
        );

        let exportSecret: k8s.core.v1.Secret | undefined;
        if (args.ghostExport) {
            exportSecret = new k8s.core.v1.Secret(
                `${name}-ghost-export`,
                {
                    metadata: { name: "ghost-export", namespace: args.namespace },
                    type: "Opaque",
                    stringData: { password: pulumi.secret(args.ghostExport.password) },
                },
                { parent: this },
            );
        }

        const common = {
            scriptsConfigMap: scripts.metadata.name,
            exportSecretName: exportSecret?.metadata.name,
        };
        // The CronJobs exist on both sites and the role only suspends them: a flip never deletes a running
        // job, and `kubectl get cronjob` on either site shows what would run.
        new k8s.batch.v1.CronJob(
            `${name}-backup`,
            {
                metadata: { name: "ghost-backup", namespace: args.namespace },
                spec: {
                    ...cronSpec(args.schedule, args.timeZone, jobSpec(backupPod(args, common), 3600, 2)),
                    suspend: !args.role.runsBackups,
                },
            },
            { parent: this, dependsOn: [backupIdentity] },
        );
        if (args.drMode === "warm") {
            new k8s.batch.v1.CronJob(
                `${name}-restore`,
                {
                    metadata: { name: "ghost-restore", namespace: args.namespace },
                    spec: {
                        ...cronSpec(args.restoreSchedule, args.timeZone, jobSpec(restorePod(args, common), 7200, 1)),
                        // Suspended the moment the site turns active: an active site never restores over its own writes.
                        suspend: args.role.restore !== "scheduled",
                    },
                },
                { parent: this, dependsOn: [restoreIdentity] },
            );
        }
        // Pulumi waits for a Job to finish, so the stack is up only once the data is restored. A changed spec
        // (e.g. restoreBackupId) replaces the Job, which restores again.
        const once = (suffix: string) =>
            new k8s.batch.v1.Job(
                `${name}-${suffix}`,
                {
                    metadata: {
                        namespace: args.namespace,
                        labels: { "app.kubernetes.io/name": "ghost-restore", "ghost-dcdr/restore": suffix },
                    },
                    spec: jobSpec(restorePod(args, common), 7200, 1, false),
                },
                { parent: this, dependsOn: [restoreIdentity] },
            );
        if (args.role.restoreOnce) {
            this.restoreBeforeGhost = once("restore-once");
        } else if (args.role.catchUpRestore) {
            this.restoreBeforeGhost = once("restore-catch-up");
        }

        this.backupRoleArn = backupIdentity.roleArn;
        this.restoreRoleArn = restoreIdentity.roleArn;
        this.registerOutputs({ backupRoleArn: this.backupRoleArn, restoreRoleArn: this.restoreRoleArn });
    }
}

type PodTemplate = k8s.types.input.core.v1.PodTemplateSpec;
type Container = k8s.types.input.core.v1.Container;
type EnvVar = k8s.types.input.core.v1.EnvVar;

function cronSpec(
    schedule: string,
    timeZone: string,
    jobTemplateSpec: k8s.types.input.batch.v1.JobSpec,
): k8s.types.input.batch.v1.CronJobSpec {
    return {
        schedule,
        timeZone,
        // Never two runs at once: a slow backup must not race the next one, nor a restore another restore.
        concurrencyPolicy: "Forbid",
        // A run missed by more than 10 minutes (e.g. the controller was down) is skipped, not run late in a burst.
        startingDeadlineSeconds: 600,
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 5,
        jobTemplate: { spec: jobTemplateSpec },
    };
}

function jobSpec(
    template: PodTemplate,
    activeDeadlineSeconds: number,
    backoffLimit: number,
    expire = true,
): k8s.types.input.batch.v1.JobSpec {
    // Jobs that Pulumi owns directly must not expire, or every refresh would find them gone and re-run them.
    return { backoffLimit, activeDeadlineSeconds, ...(expire ? { ttlSecondsAfterFinished: 86400 } : {}), template };
}

const restricted = {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ["ALL"] },
    runAsNonRoot: true,
    readOnlyRootFilesystem: true,
};

function step(
    name: string,
    image: string,
    script: string,
    env: EnvVar[],
    mounts: k8s.types.input.core.v1.VolumeMount[],
): Container {
    return {
        name,
        image,
        command: ["bash", `${SCRIPTS_MOUNT}/${script}`],
        env: [
            { name: "WORK_DIR", value: WORK_MOUNT },
            // The AWS CLI and MariaDB client keep caches under HOME; the root filesystem is read-only.
            { name: "HOME", value: WORK_MOUNT },
            { name: "TMPDIR", value: "/tmp" },
            ...env,
        ],
        volumeMounts: [
            { name: "scripts", mountPath: SCRIPTS_MOUNT, readOnly: true },
            { name: "work", mountPath: WORK_MOUNT },
            { name: "tmp", mountPath: "/tmp" },
            ...mounts,
        ],
        securityContext: restricted,
        resources: { requests: { cpu: "250m", memory: "256Mi" }, limits: { memory: "1Gi" } },
    };
}

function s3Env(args: DataPathArgs, prefix: string): EnvVar[] {
    return [
        { name: "BACKUP_BUCKET", value: args.bucket },
        { name: "BACKUP_PREFIX", value: prefix },
        { name: "AWS_REGION", value: args.region },
    ];
}

function dbEnv(args: DataPathArgs, user: string): EnvVar[] {
    return [
        { name: "MARIADB_HOST", value: args.database.host },
        { name: "MARIADB_PORT", value: String(args.database.port) },
        { name: "MARIADB_DATABASE", value: args.database.name },
        { name: "MARIADB_USER", value: user },
        // A mounted file, not an env value: the password never sits in the pod spec or the process table.
        { name: "MARIADB_PASSWORD_FILE", value: `${DB_SECRET_MOUNT}/password` },
        { name: "GHOST_CONTENT_DIR", value: CONTENT_MOUNT },
    ];
}

function podTemplate(
    role: "backup" | "restore",
    args: DataPathArgs,
    common: { scriptsConfigMap: pulumi.Input<string> },
    passwordKey: string,
    contentReadOnly: boolean,
    initContainers: Container[],
    containers: Container[],
    extraVolumes: k8s.types.input.core.v1.Volume[] = [],
): PodTemplate {
    const spec: k8s.types.input.core.v1.PodSpec = {
        serviceAccountName: `ghost-${role}`,
        restartPolicy: "Never",
        securityContext: { runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: "RuntimeDefault" } },
        initContainers,
        containers,
        volumes: [
            { name: "scripts", configMap: { name: common.scriptsConfigMap, defaultMode: 0o555 } },
            { name: "work", emptyDir: {} },
            { name: "tmp", emptyDir: { medium: "Memory", sizeLimit: "64Mi" } },
            { name: "content", persistentVolumeClaim: { claimName: args.contentClaimName, readOnly: contentReadOnly } },
            {
                name: "db-secret",
                secret: {
                    secretName: args.database.secretName,
                    items: [{ key: passwordKey, path: "password" }],
                    defaultMode: 0o400,
                },
            },
            ...extraVolumes,
        ],
    };
    if (role === "backup" && args.role.ghostReplicas === 1) {
        // The content volume is ReadWriteOnce: the backup must run on the node where Ghost has it mounted.
        // (With Ghost stopped, e.g. in maintenance for a switchover, the volume is free to attach anywhere.)
        spec.affinity = {
            podAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: [
                    {
                        labelSelector: { matchLabels: { "app.kubernetes.io/name": "ghost" } },
                        topologyKey: "kubernetes.io/hostname",
                    },
                ],
            },
        };
    }
    return { metadata: { labels: { "app.kubernetes.io/name": `ghost-${role}`, ...MARIADB_CLIENT_LABEL } }, spec };
}

function backupPod(
    args: DataPathArgs,
    common: { scriptsConfigMap: pulumi.Input<string>; exportSecretName?: pulumi.Input<string> },
): PodTemplate {
    const content = [{ name: "content", mountPath: CONTENT_MOUNT, readOnly: true }];
    const dbSecret = [{ name: "db-secret", mountPath: DB_SECRET_MOUNT, readOnly: true }];
    const init: Container[] = [
        step(
            "dump",
            args.mariadbImage,
            "backup-dump.sh",
            [...dbEnv(args, args.database.user), { name: "GHOST_VERSION", value: args.ghostVersion }],
            [...content, ...dbSecret],
        ),
    ];
    const extraVolumes: k8s.types.input.core.v1.Volume[] = [];
    if (args.ghostExport && common.exportSecretName) {
        init.push(
            step(
                "ghost-export",
                AWS_CLI_IMAGE,
                "backup-ghost-export.sh",
                [
                    { name: "GHOST_EXPORT_ENABLED", value: "true" },
                    { name: "GHOST_ADMIN_URL", value: args.ghostUrl },
                    { name: "GHOST_ADMIN_USER", value: args.ghostExport.user },
                    { name: "GHOST_ADMIN_PASSWORD_FILE", value: `${EXPORT_SECRET_MOUNT}/password` },
                ],
                [{ name: "export-secret", mountPath: EXPORT_SECRET_MOUNT, readOnly: true }],
            ),
        );
        extraVolumes.push({ name: "export-secret", secret: { secretName: common.exportSecretName, defaultMode: 0o400 } });
    }
    // Last check before anything is published: is this still the site the public domain points at?
    init.push(
        step(
            "fence",
            AWS_CLI_IMAGE,
            "backup-fence.sh",
            [
                { name: "FENCE_ZONE_ID", value: args.fence.hostedZoneId },
                { name: "FENCE_DOMAIN", value: args.fence.domain },
                { name: "FENCE_SITE_NAME", value: args.fence.siteHostname },
            ],
            [],
        ),
    );
    const upload = step(
        "upload",
        AWS_CLI_IMAGE,
        "backup-upload.sh",
        [...s3Env(args, args.ownPrefix), { name: "BACKUP_SIGNING_KEY_ID", value: args.signing.ownKeyArn }],
        [],
    );
    return podTemplate("backup", args, common, "password", true, init, [upload], extraVolumes);
}

function restorePod(args: DataPathArgs, common: { scriptsConfigMap: pulumi.Input<string> }): PodTemplate {
    const fetchEnv: EnvVar[] = [
        ...s3Env(args, args.peerPrefix),
        // The other site's key: a set not signed by it is refused before it is read (issue #10).
        { name: "BACKUP_SIGNING_KEY_ID", value: args.signing.peerKeyArn },
        // Lets a warm standby skip a set it already restored.
        { name: "RESTORE_MARKER_FILE", value: `${CONTENT_MOUNT}/.dcdr-restored` },
    ];
    if (args.restoreBackupId) fetchEnv.push({ name: "RESTORE_BACKUP_ID", value: args.restoreBackupId });
    const fetch = step("fetch", AWS_CLI_IMAGE, "restore-fetch.sh", fetchEnv, [
        { name: "content", mountPath: CONTENT_MOUNT, readOnly: true },
    ]);
    // The restore swaps whole databases (staging, previous), which needs more than Ghost's own grants, but never
    // root: it logs in as the restore user, which has only restoreGrants() (issue 10, finding 2).
    const apply = step(
        "apply",
        args.mariadbImage,
        "restore-apply.sh",
        [
            ...dbEnv(args, RESTORE_USER),
            { name: "RESTORE_PARALLEL", value: "2" },
            // A set with fewer tables than Ghost's schema is refused unless forced (finding 8).
            { name: "RESTORE_MIN_TABLES", value: String(GHOST_SCHEMA_TABLES) },
            // Sessions of this user on the live database mean Ghost is running: the restore refuses (finding 11).
            { name: "RESTORE_GHOST_USER", value: args.database.user },
        ],
        [
            { name: "content", mountPath: CONTENT_MOUNT },
            { name: "db-secret", mountPath: DB_SECRET_MOUNT, readOnly: true },
        ],
    );
    const template = podTemplate("restore", args, common, RESTORE_PASSWORD_KEY, false, [fetch], [apply]);
    // The apply step makes no AWS call: the EKS pod identity webhook gives it no web-identity token and no
    // AWS_ROLE_ARN, so a hostile set that ran code there would find no AWS credentials (finding 4). The
    // annotation is documented in aws/amazon-eks-pod-identity-webhook's README (v0.6.17).
    const metadata = pulumi
        .output(template.metadata)
        .apply((m) => ({ ...m, annotations: { ...m?.annotations, [SKIP_AWS_CONTAINERS]: "apply" } }));
    return { ...template, metadata };
}

/** Pod annotation of the EKS pod identity webhook: a comma-separated list of containers it leaves without AWS credentials. */
export const SKIP_AWS_CONTAINERS = "eks.amazonaws.com/skip-containers";
