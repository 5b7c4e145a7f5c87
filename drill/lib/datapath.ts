// Runs the data-path scripts in the order the Kubernetes pods run them, with a pod-like clean
// environment: what a pod would get from its env, Secret and IRSA, and nothing else.
import * as fs from "fs";
import * as path from "path";
import { MariaDb } from "./mariadb";
import { DRILL_PATH, log, runScript, ScriptResult } from "./proc";
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
    const site = (db: MariaDb, name: "dc" | "dr"): Site => ({
        db,
        database,
        contentDir: path.join(root, `${name}-content`),
        workDir: path.join(root, `${name}-pod`),
    });
    return { dcDb, drDb, moto, s3: { moto, bucket, prefix }, dc: site(dcDb, "dc"), dr: site(drDb, "dr") };
}

export function podEnv(site: Site, s3: Bucket, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    fs.mkdirSync(site.workDir, { recursive: true });
    return {
        PATH: DRILL_PATH,
        HOME: process.env.HOME,
        TMPDIR: site.workDir,
        ...FAKE_AWS_ENV,
        ...site.db.env(site.database),
        GHOST_CONTENT_DIR: site.contentDir,
        WORK_DIR: site.workDir,
        BACKUP_BUCKET: s3.bucket,
        BACKUP_PREFIX: s3.prefix,
        S3_ENDPOINT_URL: s3.moto.url,
        ...extra,
    };
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
