import * as aws from "@pulumi/aws";
import * as fs from "node:fs";
import * as path from "node:path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { IrsaRole } from "../irsa";
import { GHOST_SCHEMA_TABLES, MARIADB_CLIENT_LABEL, RESTORE_PASSWORD_KEY, RESTORE_USER } from "../mariadb";
import { IMAGES, imageRef } from "../pins";
import {
    BACKUP_STEPS,
    clusterRuns,
    CRONJOB_NAMES,
    InputName,
    Job,
    MountName,
    MOUNTS,
    mountsOf,
    RESTORE_STEPS,
    SCRIPTS_CONFIGMAP,
    SERVICE_ACCOUNTS,
    Step,
    stepContainer,
} from "./steps";

/** The AWS CLI image (v2; the scripts' upload and fetch steps). Official, pinned in components/pins.ts. */
export const AWS_CLI_IMAGE = imageRef(IMAGES.awsCli);
/** The scripts the jobs run: the very files the local drill runs (scripts/datapath). */
export const SCRIPTS_DIR = path.join(__dirname, "..", "..", "scripts", "datapath");

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
            // Only the active site signs its manifests (issue #10): a standby's IAM role gets no kms:Sign at all.
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

/**
 * A restore that runs now, as a Job Ghost's Deployment waits for: `once` restores when a standby is brought up cold
 * or a set is named (restoreBackupId); `catch-up` restores the newest set when a site turns active.
 */
export type RestoreNow = "once" | "catch-up";

export interface DataPathArgs {
    namespace: pulumi.Input<string>;
    region: string;
    /** This site's regional backup bucket. */
    bucket: string;
    /** ARN of the backup KMS key in this region. */
    keyArn: pulumi.Input<string>;
    /**
     * Manifest signing (issue #10), key ARNs in this region: `own` signs this site's backups (only while it backs up),
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
    /** Cron schedule of the backup CronJob, which both sites have. */
    backupSchedule: string;
    /** Suspends the backup CronJob and leaves the backup IAM role without kms:Sign: every site but the active one. */
    suspendBackups: boolean;
    /** Cron schedule of the warm standby's restore CronJob. Undefined (a cold standby): no restore CronJob. */
    restoreSchedule?: string;
    /** Suspends the restore CronJob: an active site never restores over its own writes. */
    suspendRestores: boolean;
    /** A restore to run now, before Ghost starts. Defaults to none. */
    restoreNow?: RestoreNow;
    /**
     * Runs the backup pod on Ghost's node: the content volume is ReadWriteOnce, so while Ghost has it mounted the
     * backup must share its node. False while Ghost is scaled to zero, when the volume attaches anywhere.
     */
    backupBesideGhost: boolean;
    /** IANA time zone of both schedules. */
    scheduleTimeZone: string;
    /** Restore this set instead of the newest good one. Defaults to the newest. */
    restoreBackupId?: string;
    ghostExport?: { user: string; password: pulumi.Output<string> };
    /**
     * Where Ghost keeps its uploads (issue 13): with s3 the backup leaves them out (they are versioned and replicated
     * in `bucket`, this region's media bucket) and records where they are; the restore swaps only themes and settings.
     */
    media: { storage: "s3"; bucket: string } | { storage: "volume" };
    tags?: Record<string, string>;
}

/**
 * The backup and restore jobs of a site: the scripts in a ConfigMap, one IRSA identity for each job, the backup
 * CronJob, the restore CronJob (warm standby) and the restore Job that must finish before Ghost starts, if any.
 * Each job's pod runs its chain of components/backup/steps.ts: official images sharing an emptyDir, the MariaDB image
 * for the database steps, the AWS CLI image for the S3 and Route 53 steps.
 */
export class DataPath extends pulumi.ComponentResource {
    readonly backupRoleArn: pulumi.Output<string>;
    readonly restoreRoleArn: pulumi.Output<string>;
    /** The ConfigMap of scripts/datapath (Ghost's seed step mounts it too). */
    readonly scriptsConfigMap: pulumi.Output<string>;
    /** The restore that must finish before Ghost starts (`restoreNow`), if any. */
    readonly restoreBeforeGhost?: k8s.batch.v1.Job;

    constructor(name: string, args: DataPathArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ghost-dcdr:backup:DataPath", name, {}, opts);

        const scripts = new k8s.core.v1.ConfigMap(
            `${name}-scripts`,
            {
                metadata: { name: SCRIPTS_CONFIGMAP, namespace: args.namespace },
                data: readScripts(),
            },
            { parent: this },
        );

        const identity = (
            job: Job,
            policy: pulumi.Output<aws.iam.PolicyDocument>,
            transformations: pulumi.ResourceTransformation[] = [],
        ) =>
            new IrsaRole(
                `${name}-${job}-irsa`,
                {
                    oidcProviderArn: args.oidcProviderArn,
                    oidcIssuer: args.oidcIssuer,
                    namespace: args.namespace,
                    serviceAccountName: SERVICE_ACCOUNTS[job],
                    description: `ghost-dcdr ${job} jobs (${args.ownPrefix})`,
                    policy,
                    tags: args.tags,
                },
                { parent: this, transformations },
            );
        // Both identities exist on both sites, so a role flip changes only which jobs run, and whether the backup IAM role
        // may sign (issue #10: kms:Sign only while the site backs up).
        const backupIdentity = identity(
            "backup",
            pulumi
                .all([args.keyArn, args.signing.ownKeyArn])
                .apply(([k, sign]) =>
                    backupPolicy(args.bucket, args.ownPrefix, k, args.fence.hostedZoneId, args.suspendBackups ? undefined : sign),
                ),
            // The bucket policies name this IAM role (issue #10), so its name is fixed, not generated.
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

        const pods = { scriptsConfigMap: scripts.metadata.name, exportSecretName: exportSecret?.metadata.name };
        // The CronJobs exist on both sites and the role only suspends them: a flip never deletes a running
        // job, and `kubectl get cronjob` on either site shows what would run.
        new k8s.batch.v1.CronJob(
            `${name}-backup`,
            {
                metadata: { name: CRONJOB_NAMES.backup, namespace: args.namespace },
                spec: {
                    ...cronSpec(args.backupSchedule, args.scheduleTimeZone, jobSpec(backupPod(args, pods), 3600, 2)),
                    suspend: args.suspendBackups,
                },
            },
            { parent: this, dependsOn: [backupIdentity] },
        );
        if (args.restoreSchedule !== undefined) {
            new k8s.batch.v1.CronJob(
                `${name}-restore`,
                {
                    metadata: { name: CRONJOB_NAMES.restore, namespace: args.namespace },
                    spec: {
                        ...cronSpec(args.restoreSchedule, args.scheduleTimeZone, jobSpec(restorePod(args, pods), 7200, 1)),
                        // Suspended the moment the site turns active: an active site never restores over its own writes.
                        suspend: args.suspendRestores,
                    },
                },
                { parent: this, dependsOn: [restoreIdentity] },
            );
        }
        // Pulumi waits for a Job to finish, so the stack is up only once the data is restored. A changed spec
        // (e.g. restoreBackupId) replaces the Job, which restores again.
        if (args.restoreNow) {
            const suffix = `restore-${args.restoreNow}`;
            this.restoreBeforeGhost = new k8s.batch.v1.Job(
                `${name}-${suffix}`,
                {
                    metadata: {
                        namespace: args.namespace,
                        labels: { "app.kubernetes.io/name": SERVICE_ACCOUNTS.restore, "ghost-dcdr/restore": suffix },
                    },
                    spec: jobSpec(restorePod(args, pods), 7200, 1, false),
                },
                { parent: this, dependsOn: [restoreIdentity] },
            );
        }

        this.backupRoleArn = backupIdentity.roleArn;
        this.restoreRoleArn = restoreIdentity.roleArn;
        this.scriptsConfigMap = scripts.metadata.name;
        this.registerOutputs({
            backupRoleArn: this.backupRoleArn,
            restoreRoleArn: this.restoreRoleArn,
            scriptsConfigMap: this.scriptsConfigMap,
        });
    }
}

type PodTemplate = k8s.types.input.core.v1.PodTemplateSpec;
type Container = k8s.types.input.core.v1.Container;
type Volume = k8s.types.input.core.v1.Volume;
interface PodInputs {
    scriptsConfigMap: pulumi.Input<string>;
    exportSecretName?: pulumi.Input<string>;
}

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

/** The per-site values of the steps' environment (steps.ts INPUTS), from this component's arguments. */
function inputsOf(args: DataPathArgs): Record<InputName, pulumi.Input<string> | undefined> {
    return {
        mariadbHost: args.database.host,
        mariadbPort: String(args.database.port),
        database: args.database.name,
        backupUser: args.database.user,
        ghostUser: args.database.user,
        // The restore swaps whole databases (staging, previous), which needs more than Ghost's own grants, but never
        // root: it logs in as the restore user, which has only restoreGrants() (issue 10, finding 2).
        restoreUser: RESTORE_USER,
        ghostVersion: args.ghostVersion,
        ghostAdminUrl: args.ghostUrl,
        ghostAdminUser: args.ghostExport?.user,
        fenceZoneId: args.fence.hostedZoneId,
        fenceDomain: args.fence.domain,
        fenceSiteName: args.fence.siteHostname,
        bucket: args.bucket,
        region: args.region,
        ownPrefix: args.ownPrefix,
        peerPrefix: args.peerPrefix,
        ownSigningKey: args.signing.ownKeyArn,
        peerSigningKey: args.signing.peerKeyArn,
        restoreBackupId: args.restoreBackupId,
        restoreMinTables: String(GHOST_SCHEMA_TABLES),
        // Ghost's own step, not run by these jobs.
        ghostInstallDir: undefined,
        mediaStorage: args.media.storage,
        mediaBucket: args.media.storage === "s3" ? args.media.bucket : undefined,
    };
}

/** One step of steps.ts as a container of the job's pod. */
function container(step: Step, args: DataPathArgs): Container {
    const inputs = inputsOf(args);
    const image = step.image === "mariadb" ? args.mariadbImage : step.image === "awsCli" ? AWS_CLI_IMAGE : undefined;
    if (image === undefined) throw new Error(`DataPath: step ${step.container} runs in the ${step.image} image, not a job's`);
    return {
        ...stepContainer(step, image, (i) => inputs[i]),
        securityContext: restricted,
        resources: { requests: { cpu: "250m", memory: "256Mi" }, limits: { memory: "1Gi" } },
    };
}

/**
 * The pod of `job`: the steps the cluster runs, in order (all but the last are init containers), and one volume for
 * each mount they use, in the order of steps.ts MOUNTS.
 */
function podTemplate(job: Job, args: DataPathArgs, pods: PodInputs, passwordKey: string): PodTemplate {
    const configured = new Set(args.ghostExport && pods.exportSecretName ? ["ghost-export"] : []);
    const steps = (job === "backup" ? BACKUP_STEPS : RESTORE_STEPS).filter((s) => clusterRuns(s, configured));
    const uses = steps.flatMap((s) => mountsOf(s, "cluster"));
    // The content volume is read-only unless a step writes it (the restore's apply).
    const contentReadOnly = uses.every((m) => m.mount !== "content" || m.readOnly === true);
    const sources: Partial<Record<MountName, Omit<Volume, "name">>> = {
        scripts: { configMap: { name: pods.scriptsConfigMap, defaultMode: 0o555 } },
        work: { emptyDir: {} },
        tmp: { emptyDir: { medium: "Memory", sizeLimit: "64Mi" } },
        content: { persistentVolumeClaim: { claimName: args.contentClaimName, readOnly: contentReadOnly } },
        dbSecret: {
            secret: { secretName: args.database.secretName, items: [{ key: passwordKey, path: "password" }], defaultMode: 0o400 },
        },
        exportSecret: pods.exportSecretName ? { secret: { secretName: pods.exportSecretName, defaultMode: 0o400 } } : undefined,
    };
    const used = new Set(uses.map((m) => m.mount));
    const volumes = (Object.keys(MOUNTS) as MountName[])
        .filter((m) => used.has(m))
        .map((m) => {
            const source = sources[m];
            if (!source) throw new Error(`DataPath: no volume for the ${m} mount of the ${job} job`);
            return { name: MOUNTS[m].volume, ...source };
        });
    const spec: k8s.types.input.core.v1.PodSpec = {
        serviceAccountName: SERVICE_ACCOUNTS[job],
        restartPolicy: "Never",
        securityContext: { runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: "RuntimeDefault" } },
        initContainers: steps.filter((s) => s.kind === "init").map((s) => container(s, args)),
        containers: steps.filter((s) => s.kind === "main").map((s) => container(s, args)),
        volumes,
    };
    if (job === "backup" && args.backupBesideGhost) {
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
    return { metadata: { labels: { "app.kubernetes.io/name": SERVICE_ACCOUNTS[job], ...MARIADB_CLIENT_LABEL } }, spec };
}

function backupPod(args: DataPathArgs, pods: PodInputs): PodTemplate {
    return podTemplate("backup", args, pods, "password");
}

function restorePod(args: DataPathArgs, pods: PodInputs): PodTemplate {
    const template = podTemplate("restore", args, pods, RESTORE_PASSWORD_KEY);
    // The apply step makes no AWS call: the EKS pod identity webhook gives it no web-identity token and no
    // AWS_ROLE_ARN, so a hostile set that ran code there would find no AWS credentials (finding 4). The
    // annotation is documented in aws/amazon-eks-pod-identity-webhook's README (v0.6.17).
    const metadata = pulumi
        .output(template.metadata)
        .apply((m) => ({ ...m, annotations: { ...m?.annotations, [SKIP_AWS_CONTAINERS]: NO_AWS_STEP } }));
    return { ...template, metadata };
}

/** Pod annotation of the EKS pod identity webhook: a comma-separated list of containers it leaves without AWS credentials. */
export const SKIP_AWS_CONTAINERS = "eks.amazonaws.com/skip-containers";
/** The restore step that gets no AWS credentials: the one that reads the (hostile) set into the database. */
const NO_AWS_STEP = stepOf(RESTORE_STEPS, "restore-apply.sh").container;

function stepOf(chain: readonly Step[], script: string): Step {
    const step = chain.find((s) => s.script === script);
    if (!step) throw new Error(`DataPath: no step runs ${script}`);
    return step;
}
