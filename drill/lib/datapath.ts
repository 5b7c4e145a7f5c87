// Runs the data-path scripts in the order the Kubernetes pods run them, with a pod-like clean
// environment: what a pod would get from its env, Secret and IRSA, and nothing else.
import * as fs from "fs";
import * as path from "path";
import { MariaDb } from "./mariadb";
import { DRILL_PATH, drillIsRoot, log, POD_GID, POD_UID, runScript, ScriptResult } from "./proc";
import { FAKE_AWS_ENV, Moto } from "./s3";

export interface Site {
    db: MariaDb;
    database: string;
    contentDir: string;
    /** The pod's shared emptyDir. */
    workDir: string;
}

export interface Bucket {
    moto: Moto;
    bucket: string;
    prefix: string;
    /** The dc site's manifest signing key in moto: the backup signs with it, the restore verifies (issue #10). */
    signingKeyId: string;
}

/** The drills' world: a primary and a DR MariaDB, an S3 API with the backup bucket, and the two sites' pods. */
export interface Drillground {
    dcDb: MariaDb;
    drDb: MariaDb;
    moto: Moto;
    s3: Bucket;
    dc: Site;
    dr: Site;
}

/** Starts both MariaDB servers and moto (in parallel) under `root` and creates the bucket. */
export async function startDrillground(root: string, bucket: string, prefix: string, database: string): Promise<Drillground> {
    const [dcDb, drDb, moto] = await Promise.all([MariaDb.start("dc", root), MariaDb.start("dr", root), Moto.start(root)]);
    moto.createBucket(bucket);
    const signingKeyId = moto.createSigningKey("dc backup signing key");
    const site = (db: MariaDb, name: "dc" | "dr"): Site => ({
        db,
        database,
        contentDir: path.join(root, `${name}-content`),
        workDir: path.join(root, `${name}-pod`),
    });
    const [dc, dr] = [site(dcDb, "dc"), site(drDb, "dr")];
    // The content volumes belong to the pods' uid, as fsGroup makes them in the cluster.
    for (const s of [dc, dr]) {
        fs.mkdirSync(s.contentDir, { recursive: true });
        giveToPod(s.contentDir);
    }
    return { dcDb, drDb, moto, s3: { moto, bucket, prefix, signingKeyId }, dc, dr };
}

/**
 * Makes paths the pods' uid's (issue 10: the scripts run as POD_UID, see runScript), as the cluster
 * mounts the emptyDir, the content volume and the Secrets for it. Nothing to do unless the drill is root.
 */
export function giveToPod(...paths: string[]): void {
    if (!drillIsRoot()) return;
    for (const p of paths) fs.chownSync(p, POD_UID, POD_GID);
}

export function podEnv(site: Site, s3: Bucket, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    fs.mkdirSync(site.workDir, { recursive: true });
    giveToPod(site.workDir);
    const env: NodeJS.ProcessEnv = {
        PATH: DRILL_PATH,
        // As the Jobs set it (components/backup/jobs.ts): the pods' uid cannot use the drill's HOME.
        HOME: site.workDir,
        TMPDIR: site.workDir,
        ...FAKE_AWS_ENV,
        ...site.db.env(site.database),
        GHOST_CONTENT_DIR: site.contentDir,
        WORK_DIR: site.workDir,
        BACKUP_BUCKET: s3.bucket,
        BACKUP_PREFIX: s3.prefix,
        S3_ENDPOINT_URL: s3.moto.url,
        // The generated Ghost-shaped databases (lib/ghostdata.ts) have 9 of Ghost's 98 tables; the Job sets
        // GHOST_SCHEMA_TABLES (96). drill:restore-guards proves the default refuses them (issue 10, finding 8).
        RESTORE_MIN_TABLES: "9",
        BACKUP_SIGNING_KEY_ID: s3.signingKeyId,
        ...extra,
    };
    // A mounted Secret is readable by the pod's uid: so is every *_FILE the drill wrote for it.
    giveToPod(
        ...Object.entries(env).flatMap(([k, v]) =>
            k.endsWith("_FILE") && v && fs.statSync(v, { throwIfNoEntry: false })?.isFile() ? [v] : [],
        ),
    );
    return env;
}

export interface StepsResult {
    ok: boolean;
    seconds: number;
    steps: ScriptResult[];
    /** The failing step's ERROR line, or "". */
    error: string;
}

/** Runs steps in order and stops at the first failure, as a pod's init containers do. */
export async function runSteps(scripts: string[], env: NodeJS.ProcessEnv, logFile: string): Promise<StepsResult> {
    const started = Date.now();
    const steps: ScriptResult[] = [];
    for (const script of scripts) {
        const result = await runScript(script, env, { logFile });
        steps.push(result);
        if (result.code !== 0) {
            return {
                ok: false,
                seconds: (Date.now() - started) / 1000,
                steps,
                error: result.error || `${script} exited ${result.code}`,
            };
        }
    }
    return { ok: true, seconds: (Date.now() - started) / 1000, steps, error: "" };
}

/**
 * Backup CronJob: initContainers mariadb (dump, then the optional physical copy, which needs the
 * MariaDB data volume), initContainer aws-cli (optional Ghost export), container aws-cli (upload).
 */
export const BACKUP_STEPS = ["backup-dump.sh", "backup-physical.sh", "backup-ghost-export.sh", "backup-upload.sh"];
/** Restore Job: initContainer aws-cli (fetch), container mariadb (apply). */
export const RESTORE_STEPS = ["restore-fetch.sh", "restore-apply.sh"];

export function backupIdOf(site: Site): string {
    const meta = fs.readFileSync(path.join(site.workDir, "backup", "meta.env"), "utf8");
    const match = /^BACKUP_ID=(.*)$/m.exec(meta);
    if (!match) {
        throw new Error("meta.env has no BACKUP_ID");
    }
    return match[1];
}

export function logSteps(result: StepsResult): void {
    for (const step of result.steps) {
        for (const line of step.output.trimEnd().split("\n")) {
            if (line !== "") {
                log(`  | ${line}`);
            }
        }
    }
}
