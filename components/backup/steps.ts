/**
 * The data path's step chains, defined once: for every step of the backup Job, the restore Job and Ghost's own seed
 * step, the script it runs, the image, the mounts, every environment variable and where its value comes from, the
 * order, and whether the cluster runs it. The Kubernetes Jobs (datapath.ts), Ghost's init container
 * (components/ghost), the local drills (drill/lib/datapath.ts) and the tables in docs/datapath.md
 * (`npm run docs:datapath`) are all built from these tables, so the drill runs exactly the chain the cluster runs.
 *
 * Pure data and small pure functions: no Pulumi resources, nothing that reads config.
 */
import { IMAGES, imageRef } from "../pins";

/** The two directions of the data path: each is one pod, a chain of init containers ending in one container. */
export type Job = "backup" | "restore";
export const JOBS: readonly Job[] = ["backup", "restore"];
/** Pods whose containers run a scripts/datapath script: the two jobs, and Ghost's own pod (its seed step). */
export type Pod = Job | "ghost";

/** The CronJobs' names, `kubectl -n <namespace> create job --from=cronjob/<name>` (README, tools/switchover.ts). */
export const CRONJOB_NAMES: Readonly<Record<Job, string>> = { backup: "ghost-backup", restore: "ghost-restore" };
/** Each job's service account (its IRSA identity) and the `app.kubernetes.io/name` label of its pods. */
export const SERVICE_ACCOUNTS: Readonly<Record<Job, string>> = { backup: "ghost-backup", restore: "ghost-restore" };
/** The ConfigMap that carries scripts/datapath into the jobs' and Ghost's pods. */
export const SCRIPTS_CONFIGMAP = "datapath-scripts";

/** The images steps run in, by what they carry; each runner maps them to a pinned reference. */
export type ImageName = "mariadb" | "awsCli" | "ghost";
export const IMAGE_DEFAULTS: Readonly<Record<ImageName, { ref: string; note: string }>> = {
    mariadb: { ref: imageRef(IMAGES.mariadb), note: "the MariaDB server's own image, config `mariadbVersion`" },
    awsCli: { ref: imageRef(IMAGES.awsCli), note: "official AWS CLI v2, pinned" },
    ghost: { ref: imageRef(IMAGES.ghost), note: "Ghost's own image, config `ghostVersion`" },
};

/** A volume as the steps see it: where it is mounted in the pod and what it is. */
export interface Mount {
    /** Volume name in the pod spec. */
    readonly volume: string;
    readonly path: string;
    readonly what: string;
}
export const MOUNTS = {
    scripts: { volume: "scripts", path: "/scripts", what: "the scripts ConfigMap, mode 0555" },
    work: { volume: "work", path: "/work", what: "an emptyDir the pod's steps share" },
    tmp: { volume: "tmp", path: "/tmp", what: "a 64 MiB in-memory emptyDir" },
    content: { volume: "content", path: "/var/lib/ghost/content", what: "Ghost's content volume" },
    dbSecret: { volume: "db-secret", path: "/secrets/db", what: "one key of the MariaDB credentials Secret, as `password`" },
    exportSecret: { volume: "export-secret", path: "/secrets/ghost-export", what: "the export user's password Secret" },
    mariadbData: { volume: "mariadb-data", path: "/var/lib/mysql", what: "the MariaDB server's data volume" },
} as const satisfies Record<string, Mount>;
export type MountName = keyof typeof MOUNTS;

/** A mount of one step. `cluster: false`: the drill mounts it, the cluster never does (see `why`). */
export interface MountUse {
    readonly mount: MountName;
    readonly readOnly?: true;
    readonly cluster?: false;
    readonly why?: string;
}

/**
 * Per-site values each runner supplies (the cluster from DataPath's and Ghost's arguments, the drill from its own
 * world), with where the cluster takes them from. A value a runner leaves undefined leaves its variable unset.
 */
export const INPUTS = {
    mariadbHost: "the MariaDB Service's host name",
    mariadbPort: "the MariaDB Service's port",
    database: "Ghost's database (`MariaDb.database`)",
    backupUser: "the user the backup logs in as: Ghost's own (`MariaDb.user`)",
    ghostUser: "Ghost's MariaDB user (`MariaDb.user`)",
    restoreUser: "the restore user, `RESTORE_USER` (components/mariadb)",
    ghostVersion: "the Ghost image tag (config `ghostVersion`)",
    ghostAdminUrl: "Ghost's public URL, https://<domain>",
    ghostAdminUser: "config `ghostExportUser`",
    fenceZoneId: "config `hostedZoneId`",
    fenceDomain: "config `domain`",
    fenceSiteName: "this site's own name, <site>.<domain>",
    bucket: "this region's backup bucket",
    region: "this site's region",
    ownPrefix: "this site's prefix, e.g. ghost/dc/",
    peerPrefix: "the other site's prefix, e.g. ghost/dc/ on dr",
    ownSigningKey: "this site's signing key in this region",
    peerSigningKey: "the other site's signing key in this region (a multi-region replica)",
    restoreBackupId: "config `restoreBackupId` (unset: the newest good set)",
    restoreMinTables: "`GHOST_SCHEMA_TABLES` (components/mariadb)",
    ghostInstallDir: "the Ghost image's installation, /var/lib/ghost/current",
    mediaStorage: "config `mediaStorage`: s3 (uploads in the media bucket) or volume (on the content volume)",
    mediaBucket: "this region's media bucket (config `mediaStorage` s3; unset with volume)",
} as const satisfies Record<string, string>;
export type InputName = keyof typeof INPUTS;

/** Where an environment variable's value comes from. */
export type EnvSource =
    /** The path of one of the step's mounts (or a file in it): set only where that mount is mounted. */
    | { readonly mount: MountName; readonly file?: string }
    /** The same literal in the cluster and the drill. */
    | { readonly value: string }
    /** A per-site value (INPUTS). */
    | { readonly input: InputName };

export interface EnvVar {
    readonly name: string;
    readonly from: EnvSource;
    /** Why the variable is set this way, when that is not obvious (the docs table shows it). */
    readonly why?: string;
}

/** Whether the cluster runs a step: always, only when configured, or never (and why). */
export type ClusterRun = "always" | { readonly optional: string } | { readonly never: string };

export interface Step {
    /** Container name in the pod (the restore's `apply` is named in the skip-containers annotation too). */
    readonly container: string;
    /** A file of scripts/datapath, run as `bash /scripts/<script>`. */
    readonly script: string;
    readonly image: ImageName;
    /** init: an init container, which must succeed before the next step starts; main: the pod's container. */
    readonly kind: "init" | "main";
    readonly mounts: readonly MountUse[];
    readonly env: readonly EnvVar[];
    readonly cluster: ClusterRun;
}

/** What every step of a job is given: the shared emptyDir, a writable TMPDIR and the scripts. */
const JOB_MOUNTS: readonly MountUse[] = [{ mount: "scripts", readOnly: true }, { mount: "work" }, { mount: "tmp" }];
const JOB_ENV: readonly EnvVar[] = [
    { name: "WORK_DIR", from: { mount: "work" } },
    {
        name: "HOME",
        from: { mount: "work" },
        why: "the AWS CLI and the MariaDB client keep caches under HOME; the root filesystem is read-only",
    },
    { name: "TMPDIR", from: { mount: "tmp" } },
];
const PASSWORD_FILE: EnvVar = {
    name: "MARIADB_PASSWORD_FILE",
    from: { mount: "dbSecret", file: "password" },
    why: "a mounted file, not an env value: the password is never in the pod spec or a process's environment (issue 10, finding 4)",
};
/** How a MariaDB step logs in, as `user`. */
const mariadbLogin = (user: InputName): EnvVar[] => [
    { name: "MARIADB_HOST", from: { input: "mariadbHost" } },
    { name: "MARIADB_PORT", from: { input: "mariadbPort" } },
    { name: "MARIADB_DATABASE", from: { input: "database" } },
    { name: "MARIADB_USER", from: { input: user } },
    PASSWORD_FILE,
];
const CONTENT_DIR: EnvVar = { name: "GHOST_CONTENT_DIR", from: { mount: "content" } };
const PHYSICAL_NEVER =
    "docs/decisions.md #16: the cluster backs up and restores logically; the physical path needs MariaDB's data volume in the job's pod, which the operator's StatefulSet does not offer. The drills prove it";

/** The backup Job (CronJob `ghost-backup`), in run order. */
export const BACKUP_STEPS: readonly Step[] = [
    {
        container: "dump",
        script: "backup-dump.sh",
        image: "mariadb",
        kind: "init",
        mounts: [...JOB_MOUNTS, { mount: "content", readOnly: true }, { mount: "dbSecret", readOnly: true }],
        env: [
            ...JOB_ENV,
            ...mariadbLogin("backupUser"),
            CONTENT_DIR,
            { name: "GHOST_VERSION", from: { input: "ghostVersion" } },
            {
                name: "MEDIA_STORAGE",
                from: { input: "mediaStorage" },
                why: "s3: uploads are versioned and replicated in the media bucket, so the set leaves them out and its manifest says where they are (issue 13)",
            },
            { name: "MEDIA_BUCKET", from: { input: "mediaBucket" } },
        ],
        cluster: "always",
    },
    {
        container: "physical",
        script: "backup-physical.sh",
        image: "mariadb",
        kind: "init",
        mounts: [
            ...JOB_MOUNTS,
            { mount: "dbSecret", readOnly: true },
            { mount: "mariadbData", readOnly: true, cluster: false, why: PHYSICAL_NEVER },
        ],
        env: [
            ...JOB_ENV,
            ...mariadbLogin("backupUser"),
            {
                name: "MARIADB_DATADIR",
                from: { mount: "mariadbData" },
                why: "unset (no data volume mounted): the script skips itself",
            },
        ],
        cluster: { never: PHYSICAL_NEVER },
    },
    {
        container: "ghost-export",
        script: "backup-ghost-export.sh",
        image: "awsCli",
        kind: "init",
        mounts: [...JOB_MOUNTS, { mount: "exportSecret", readOnly: true }],
        env: [
            ...JOB_ENV,
            { name: "GHOST_EXPORT_ENABLED", from: { value: "true" } },
            { name: "GHOST_ADMIN_URL", from: { input: "ghostAdminUrl" } },
            { name: "GHOST_ADMIN_USER", from: { input: "ghostAdminUser" } },
            { name: "GHOST_ADMIN_PASSWORD_FILE", from: { mount: "exportSecret", file: "password" } },
        ],
        cluster: { optional: "config `ghostExport` (with `ghostExportUser` and its password)" },
    },
    {
        container: "fence",
        script: "backup-fence.sh",
        image: "awsCli",
        kind: "init",
        mounts: JOB_MOUNTS,
        env: [
            ...JOB_ENV,
            { name: "FENCE_ZONE_ID", from: { input: "fenceZoneId" } },
            { name: "FENCE_DOMAIN", from: { input: "fenceDomain" } },
            {
                name: "FENCE_SITE_NAME",
                from: { input: "fenceSiteName" },
                why: "the last check before anything is published: the domain's primary record must name this site (decisions.md #14)",
            },
        ],
        cluster: "always",
    },
    {
        container: "upload",
        script: "backup-upload.sh",
        image: "awsCli",
        kind: "main",
        mounts: JOB_MOUNTS,
        env: [
            ...JOB_ENV,
            { name: "BACKUP_BUCKET", from: { input: "bucket" } },
            { name: "BACKUP_PREFIX", from: { input: "ownPrefix" } },
            { name: "AWS_REGION", from: { input: "region" } },
            {
                name: "BACKUP_SIGNING_KEY_ID",
                from: { input: "ownSigningKey" },
                why: "only the active site's backup role may use it (issue 10)",
            },
        ],
        cluster: "always",
    },
];

/** The restore Job (CronJob `ghost-restore` on a warm standby, or a one-off Job), in run order. */
export const RESTORE_STEPS: readonly Step[] = [
    {
        container: "fetch",
        script: "restore-fetch.sh",
        image: "awsCli",
        kind: "init",
        mounts: [...JOB_MOUNTS, { mount: "content", readOnly: true }],
        env: [
            ...JOB_ENV,
            { name: "BACKUP_BUCKET", from: { input: "bucket" } },
            { name: "BACKUP_PREFIX", from: { input: "peerPrefix" } },
            { name: "AWS_REGION", from: { input: "region" } },
            {
                name: "BACKUP_SIGNING_KEY_ID",
                from: { input: "peerSigningKey" },
                why: "the other site's key: a set not signed by it is refused before it is read (issue 10)",
            },
            {
                name: "RESTORE_MARKER_FILE",
                from: { mount: "content", file: ".dcdr-restored" },
                why: "lets a warm standby skip a set it already restored",
            },
            { name: "RESTORE_BACKUP_ID", from: { input: "restoreBackupId" } },
        ],
        cluster: "always",
    },
    {
        container: "apply",
        script: "restore-apply.sh",
        image: "mariadb",
        kind: "main",
        mounts: [
            ...JOB_MOUNTS,
            { mount: "content" },
            { mount: "dbSecret", readOnly: true },
            { mount: "mariadbData", cluster: false, why: PHYSICAL_NEVER },
        ],
        env: [
            ...JOB_ENV,
            ...mariadbLogin("restoreUser"),
            CONTENT_DIR,
            { name: "RESTORE_PARALLEL", from: { value: "2" } },
            {
                name: "RESTORE_MIN_TABLES",
                from: { input: "restoreMinTables" },
                why: "a set with fewer tables than Ghost's schema is refused unless forced (issue 10, finding 8)",
            },
            {
                name: "RESTORE_GHOST_USER",
                from: { input: "ghostUser" },
                why: "sessions of this user on the live database mean Ghost is running: the restore refuses (finding 11)",
            },
            {
                name: "MARIADB_DATADIR",
                from: { mount: "mariadbData" },
                why: "unset (no data volume mounted): the restore is logical",
            },
            {
                name: "MEDIA_STORAGE",
                from: { input: "mediaStorage" },
                why: "which content folders the restore swaps; a set whose uploads are in the media bucket is refused by a volume site (issue 13)",
            },
        ],
        cluster: "always",
    },
];

/**
 * Ghost's seed step, an init container of Ghost's own pod (components/ghost): gives an empty content volume Ghost's
 * folders and bundled themes as real files, never overwriting anything (seed-content.sh's header; why a script and
 * not the image's own seeding: components/ghost).
 */
export const GHOST_SEED_STEP: Step = {
    container: "seed-content",
    script: "seed-content.sh",
    image: "ghost",
    kind: "init",
    mounts: [{ mount: "content" }, { mount: "scripts", readOnly: true }],
    env: [
        { name: "GHOST_INSTALL_DIR", from: { input: "ghostInstallDir" } },
        { name: "GHOST_CONTENT_DIR", from: { mount: "content" } },
    ],
    cluster: "always",
};

/**
 * Ghost's media step (issue 13), an init container of Ghost's pod after the seed step when config `mediaStorage` is
 * s3: copies every image, media file and file on the content volume, and the redirects and routes files, into the
 * media bucket under the keys Ghost's S3 adapters use, never overwriting an object already there, before Ghost starts
 * with S3 storage. It runs in the window between the old Ghost stopping and the new one starting (the Deployment's
 * Recreate), so no upload to the volume can be missed; it is idempotent, so later starts find nothing to copy
 * (docs/decisions.md #19).
 */
export const MEDIA_MIGRATE_STEP: Step = {
    container: "media-migrate",
    script: "media-migrate.sh",
    image: "awsCli",
    kind: "init",
    mounts: [{ mount: "content" }, ...JOB_MOUNTS],
    env: [
        ...JOB_ENV,
        CONTENT_DIR,
        { name: "MEDIA_BUCKET", from: { input: "mediaBucket" } },
        { name: "AWS_REGION", from: { input: "region" } },
    ],
    cluster: { optional: "config `mediaStorage` s3" },
};

/** Every chain, by pod. */
export const CHAINS: Readonly<Record<Pod, readonly Step[]>> = {
    backup: BACKUP_STEPS,
    restore: RESTORE_STEPS,
    ghost: [GHOST_SEED_STEP, MEDIA_MIGRATE_STEP],
};

/** Whether the cluster runs `step`, given which optional steps are configured (by container name). */
export function clusterRuns(step: Step, configured: ReadonlySet<string> = new Set()): boolean {
    if (step.cluster === "always") return true;
    return "optional" in step.cluster && configured.has(step.container);
}

/** The mounts of `step` a runner mounts: the cluster skips those marked `cluster: false`. */
export function mountsOf(step: Step, runner: "cluster" | "drill"): MountUse[] {
    return step.mounts.filter((m) => runner === "drill" || m.cluster !== false);
}

/**
 * The environment of `step` as `[name, value]` pairs in definition order. `mountPath` maps a mounted mount to its
 * path (the runner's own: /work in the pod, a directory in the drill) or undefined where the runner has none;
 * `input` gives a per-site value. A variable whose value is undefined is left out.
 */
export function resolveEnv<T>(
    step: Step,
    runner: "cluster" | "drill",
    mountPath: (mount: MountName) => string | undefined,
    input: (name: InputName) => T | undefined,
): [string, T | string][] {
    const mounted = new Set(mountsOf(step, runner).map((m) => m.mount));
    const pairs: [string, T | string][] = [];
    for (const { name, from } of step.env) {
        let value: T | string | undefined;
        if ("value" in from) value = from.value;
        else if ("input" in from) value = input(from.input);
        else {
            const dir = mounted.has(from.mount) ? mountPath(from.mount) : undefined;
            value = dir === undefined ? undefined : from.file ? `${dir}/${from.file}` : dir;
        }
        if (value !== undefined) pairs.push([name, value]);
    }
    return pairs;
}

/** The part of a Kubernetes container a step defines; each component adds its security context and resources. */
export interface StepContainer<T> {
    name: string;
    image: string;
    command: string[];
    env: { name: string; value: T | string }[];
    volumeMounts: { name: string; mountPath: string; readOnly?: true }[];
}

/** `step` as the cluster runs it: `bash /scripts/<script>` in `image`, its env and its mounts at their pod paths. */
export function stepContainer<T>(step: Step, image: string, input: (name: InputName) => T | undefined): StepContainer<T> {
    return {
        name: step.container,
        image,
        command: ["bash", `${MOUNTS.scripts.path}/${step.script}`],
        env: resolveEnv(step, "cluster", (m) => MOUNTS[m].path, input).map(([name, value]) => ({ name, value })),
        volumeMounts: mountsOf(step, "cluster").map((m) => ({
            name: MOUNTS[m.mount].volume,
            mountPath: MOUNTS[m.mount].path,
            ...(m.readOnly ? { readOnly: true as const } : {}),
        })),
    };
}
