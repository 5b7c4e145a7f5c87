// Runs the data path's steps as the cluster's pods run them: the chains of components/backup/steps.ts, the same
// scripts in the same order, each with the environment its step defines (the drill's own paths and values where the
// pod has its mounts and the site's), as the pods' uid, and nothing else in the environment but what a pod's image
// and IRSA would give it.
import { ChildProcess } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { CHAINS, InputName, Job, MountName, resolveEnv, Step } from "../../components/backup/steps";
import { BACKUP_PREFIXES } from "../../components/backup/buckets";
import { GHOST_DATABASE, GHOST_USER } from "../../components/mariadb";
import type { Site as SiteName } from "../../components/site";
import { MariaDb } from "./mariadb";
import {
    DRILL_PATH,
    drillIsRoot,
    GHOST_VERSION,
    ghostDir,
    log,
    POD_GID,
    POD_UID,
    runScript,
    ScriptResult,
    SCRIPTS_DIR,
} from "./proc";
import { createZone, DRILL_DOMAIN, setPrimary, siteHostname, Zone } from "./route53";
import { FAKE_AWS_ENV, Moto } from "./s3";

/** Ghost's database and MariaDB user, as the MariaDb component names them on both sites. */
export const DATABASE = GHOST_DATABASE;
export { GHOST_USER };
/** Where dc's sets go: dc backs up, dr restores from it. */
export const DC_PREFIX = BACKUP_PREFIXES.dc;
/**
 * Base tables of the Ghost-shaped databases lib/ghostdata.ts generates: 9 of Ghost's 98. The Job's restore sets
 * GHOST_SCHEMA_TABLES (96) instead; drill:restore-guards proves that minimum refuses these (issue 10, finding 8).
 */
export const GENERATED_TABLES = 9;

export interface Site {
    name: SiteName;
    db: MariaDb;
    database: string;
    contentDir: string;
    /** The pod's shared emptyDir (and, in the drill, its TMPDIR and HOME). */
    workDir: string;
    /** Where the site keeps Ghost's uploads (config `mediaStorage`, issue 13). Defaults to the volume. */
    media?: SiteMedia;
}

/** A site's media storage as the steps' inputs `mediaStorage` and `mediaBucket` give it. */
export type SiteMedia = { storage: "volume" } | { storage: "s3"; bucket: string };

export interface Bucket {
    moto: Moto;
    bucket: string;
    prefix: string;
    /** The dc site's manifest signing key in moto: the backup signs with it, the restore verifies (issue #10). */
    signingKeyId: string;
}

/** How one run of a chain differs from the plain pod, the way a drill case needs it. */
export interface PodOptions {
    /** MariaDB's data directory, mounted for the physical steps: the drill proves that path, the cluster never takes it (decisions.md #16). */
    datadir?: string;
    /** The pod's Secrets: directories holding a `password` file, as the cluster mounts them. None: no password (the drills' root). */
    secrets?: { db?: string; ghostExport?: string };
    /** The Ghost the optional export step logs in to; without it the step is left out, as in a cluster without ghostExport. */
    ghostExport?: { url: string; user: string };
    /** A case's own knobs, set for every step, last (undefined removes a variable). */
    env?: NodeJS.ProcessEnv;
}

export interface StepsResult {
    ok: boolean;
    seconds: number;
    steps: ScriptResult[];
    /** The failing step's ERROR line, or "". */
    error: string;
}

/** Where a step's environment comes from in the drill: its mounts' directories, the inputs, and a case's knobs. */
export interface StepWorld {
    mounts: Partial<Record<MountName, string>>;
    inputs: Partial<Record<InputName, string>>;
    /** What the pod's image and IRSA would give it: PATH, credentials, the stand-in endpoints. */
    standIn?: NodeJS.ProcessEnv;
    env?: NodeJS.ProcessEnv;
}

/** The environment of `step`: exactly the variables steps.ts names for it, valued from the drill's world. */
export function stepEnv(step: Step, world: StepWorld): NodeJS.ProcessEnv {
    const defined = resolveEnv(
        step,
        "drill",
        (m) => world.mounts[m],
        (i) => world.inputs[i],
    );
    return { PATH: DRILL_PATH, ...world.standIn, ...Object.fromEntries(defined), ...world.env };
}

/** The steps of `job` the drill runs: every one, the physical copy too; the optional ones only when configured. */
export function drillSteps(job: Job, opts: PodOptions = {}): Step[] {
    return CHAINS[job].filter((s) => typeof s.cluster !== "object" || !("optional" in s.cluster) || opts.ghostExport);
}

/** Runs steps in order and stops at the first failure, as a pod's init containers do; `after` sees each step end. */
export async function runSteps(
    steps: { script: string; env: NodeJS.ProcessEnv }[],
    logFile: string,
    after?: (script: string) => void,
): Promise<StepsResult> {
    const started = Date.now();
    const results: ScriptResult[] = [];
    for (const { script, env } of steps) {
        const result = await runScript(script, env, { logFile });
        after?.(script);
        results.push(result);
        if (result.code !== 0) {
            return {
                ok: false,
                seconds: (Date.now() - started) / 1000,
                steps: results,
                error: result.error || `${script} exited ${result.code}`,
            };
        }
    }
    return { ok: true, seconds: (Date.now() - started) / 1000, steps: results, error: "" };
}

/**
 * The drills' world: a primary and a DR MariaDB, moto as S3, KMS and Route 53 with the backup bucket, dc's signing key
 * and the public domain's failover records pointing at dc (so dc's backups pass the fence), and the two sites' pods.
 */
export class Drillground {
    private constructor(
        readonly root: string,
        readonly logFile: string,
        readonly dcDb: MariaDb,
        readonly drDb: MariaDb,
        readonly moto: Moto,
        readonly s3: Bucket,
        readonly zone: Zone,
        readonly dc: Site,
        readonly dr: Site,
    ) {}

    /** Starts both MariaDB servers and moto (in parallel) under `root`, and creates the bucket, the key and the zone. */
    static async start(root: string, logFile: string, bucket: string, prefix = DC_PREFIX): Promise<Drillground> {
        const [dcDb, drDb, moto] = await Promise.all([MariaDb.start("dc", root), MariaDb.start("dr", root), Moto.start(root)]);
        moto.createBucket(bucket);
        const signingKeyId = moto.createSigningKey("dc backup signing key");
        const zone = createZone(moto, DRILL_DOMAIN);
        setPrimary(moto, zone, "dc");
        const site = (db: MariaDb, name: SiteName): Site => ({
            name,
            db,
            database: DATABASE,
            contentDir: path.join(root, `${name}-content`),
            workDir: path.join(root, `${name}-pod`),
        });
        const [dc, dr] = [site(dcDb, "dc"), site(drDb, "dr")];
        // The content volumes belong to the pods' uid, as fsGroup makes them in the cluster.
        for (const s of [dc, dr]) {
            fs.mkdirSync(s.contentDir, { recursive: true });
            giveToPod(s.contentDir);
        }
        log(`moto: bucket ${bucket}, zone ${zone.id} with ${zone.domain}'s primary record at ${siteHostname("dc", zone.domain)}`);
        return new Drillground(root, logFile, dcDb, drDb, moto, { moto, bucket, prefix, signingKeyId }, zone, dc, dr);
    }

    /** `site` with a pod of its own: a fresh work directory, as each Job run gets a new emptyDir. */
    pod(site: Site, name: string): Site {
        return { ...site, workDir: path.join(this.root, "pods", name) };
    }

    /**
     * Runs `job`'s chain for `site`, every step with its own environment, and stops at the first failure. `after`
     * is called as each step ends, before the next starts.
     */
    async run(job: Job, site: Site, opts: PodOptions = {}, after?: (script: string) => void): Promise<StepsResult> {
        return runSteps(
            drillSteps(job, opts).map((step) => ({ script: step.script, env: this.env(step, site, opts) })),
            this.logFile,
            after,
        );
    }

    /** Runs one step (by its script) alone, with the environment its chain would give it. */
    async step(
        script: string,
        site: Site,
        opts: PodOptions = {},
        onStart?: (child: ChildProcess) => void,
    ): Promise<ScriptResult> {
        return runScript(script, this.env(stepOf(script), site, opts), { logFile: this.logFile, onStart });
    }

    /** The environment of the step that runs `script` (or `step` itself) for `site`. */
    env(step: Step | string, site: Site, opts: PodOptions = {}): NodeJS.ProcessEnv {
        fs.mkdirSync(site.workDir, { recursive: true });
        giveToPod(site.workDir);
        const env = stepEnv(typeof step === "string" ? stepOf(step) : step, {
            mounts: {
                scripts: SCRIPTS_DIR,
                // One directory for the emptyDir, HOME and TMPDIR (the pod's /tmp is a separate 64 MiB tmpfs).
                work: site.workDir,
                tmp: site.workDir,
                content: site.contentDir,
                dbSecret: opts.secrets?.db,
                exportSecret: opts.secrets?.ghostExport,
                mariadbData: opts.datadir,
            },
            inputs: this.inputs(site, opts),
            standIn: { ...FAKE_AWS_ENV, S3_ENDPOINT_URL: this.s3.moto.url },
            env: opts.env,
        });
        // A mounted Secret is readable by the pod's uid: so is every *_FILE the drill wrote for it.
        giveToPod(
            ...Object.entries(env).flatMap(([k, v]) =>
                k.endsWith("_FILE") && v && fs.statSync(v, { throwIfNoEntry: false })?.isFile() ? [v] : [],
            ),
        );
        return env;
    }

    /** steps.ts INPUTS as the drill has them: every one named, so a new input cannot be missed here. */
    private inputs(site: Site, opts: PodOptions): Record<InputName, string | undefined> {
        return {
            mariadbHost: "127.0.0.1",
            mariadbPort: String(site.db.port),
            database: site.database,
            // The throw-away servers have root without a password; drills that test the users pass MARIADB_USER.
            backupUser: "root",
            restoreUser: "root",
            ghostUser: GHOST_USER,
            ghostVersion: GHOST_VERSION,
            ghostAdminUrl: opts.ghostExport?.url,
            ghostAdminUser: opts.ghostExport?.user,
            fenceZoneId: this.zone.id,
            fenceDomain: this.zone.domain,
            fenceSiteName: siteHostname(site.name, this.zone.domain),
            bucket: this.s3.bucket,
            region: FAKE_AWS_ENV.AWS_REGION,
            // dr restores what dc wrote: one prefix, one key for both.
            ownPrefix: this.s3.prefix,
            peerPrefix: this.s3.prefix,
            ownSigningKey: this.s3.signingKeyId,
            peerSigningKey: this.s3.signingKeyId,
            restoreBackupId: undefined,
            restoreMinTables: String(GENERATED_TABLES),
            ghostInstallDir: ghostDir(),
            // The drills that do not say otherwise prove the volume's path; drill.ts and drill:media run s3.
            mediaStorage: site.media?.storage ?? "volume",
            mediaBucket: site.media?.storage === "s3" ? site.media.bucket : undefined,
        };
    }
}

/** The step of a chain that runs `script`. */
export function stepOf(script: string): Step {
    const step = Object.values(CHAINS)
        .flat()
        .find((s) => s.script === script);
    if (!step) throw new Error(`no step of components/backup/steps.ts runs ${script}`);
    return step;
}

/**
 * Makes paths the pods' uid's (issue 10: the scripts run as POD_UID, see runScript), as the cluster
 * mounts the emptyDir, the content volume and the Secrets for it. Nothing to do unless the drill is root.
 */
export function giveToPod(...paths: string[]): void {
    if (!drillIsRoot()) return;
    for (const p of paths) fs.chownSync(p, POD_UID, POD_GID);
}

/**
 * Makes everything under `dir` the pods' uid's, as it is on the cluster's content volume (Ghost, its init steps and
 * the restore all run as that uid there). Changes only what is not yet theirs, and never follows a link.
 */
export function giveTreeToPod(dir: string): void {
    if (!drillIsRoot()) return;
    const walk = (p: string) => {
        const st = fs.lstatSync(p);
        if (st.uid !== POD_UID || st.gid !== POD_GID) fs.lchownSync(p, POD_UID, POD_GID);
        if (st.isDirectory()) for (const e of fs.readdirSync(p)) walk(path.join(p, e));
    };
    walk(dir);
}

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
