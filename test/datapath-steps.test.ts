// The data path's step chains are defined once (components/backup/steps.ts): the cluster's Jobs, Ghost's init
// containers (seed, media), the drills and docs/datapath.md are all held to that definition here.
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { SCRIPTS_DIR } from "../components/backup/datapath";
import {
    BACKUP_STEPS,
    CHAINS,
    clusterRuns,
    CRONJOB_NAMES,
    GHOST_SEED_STEP,
    MEDIA_MIGRATE_STEP,
    MOUNTS,
    mountsOf,
    RESTORE_STEPS,
    SCRIPTS_CONFIGMAP,
    Step,
} from "../components/backup/steps";
import { GHOST_S3_ADAPTER_PATHS } from "../components/ghost/media";
import { MEDIA_KINDS, MEDIA_SETTINGS_PREFIX } from "../components/media";
import { DATABASE, DC_PREFIX, drillSteps, GHOST_USER } from "../drill/lib/datapath";
import { ghostInitSteps } from "../drill/lib/ghost";
import { FAULTS } from "../drill/faults";
import { DOC, headerVariables, renderEnvTable, renderStepsTable, withDatapathTables } from "../tools/datapathDoc";
import { DC, DR, withConfig } from "./fixtures";
import { envOf, inputsOf } from "./helpers";
import { cachedRun, MockRun } from "../tools/mocks";

/** What every job step gets, whether its script reads it or not: the shared emptyDir, and HOME and TMPDIR for the tools. */
const CONTAINER_ENV = ["WORK_DIR", "HOME", "TMPDIR"];
/** Inputs the config may leave unset (the variable is then absent): restoreBackupId (the newest good set). */
const UNSET_INPUTS = ["restoreBackupId"];
/** Scripts no step runs itself: sourced (lib.sh, dump-filter.sh) or run by a step's script (content-extract.sh). */
const HELPERS = ["lib.sh", "dump-filter.sh", "content-extract.sh"];

const steps = Object.values(CHAINS).flat();
/**
 * The variables the cluster sets for `step`: all it names but those from a mount the cluster does not mount, and
 * (`unset`) those whose input the config left unset.
 */
const clusterEnv = (step: Step, unset: string[] = []) => {
    const mounted = new Set(mountsOf(step, "cluster").map((m) => m.mount));
    return step.env
        .filter((e) => !("mount" in e.from) || mounted.has(e.from.mount))
        .filter((e) => !("input" in e.from) || !unset.includes(e.from.input))
        .map((e) => e.name);
};
const requiredVars = (script: string) =>
    [...fs.readFileSync(path.join(SCRIPTS_DIR, script), "utf8").matchAll(/^#\s+([A-Z_]+)\s+required\s{2}/gm)].map((m) => m[1]);

describe("data path steps: the definition", () => {
    it("runs every script of scripts/datapath, each step's file existing; the rest are helpers a step's script uses", () => {
        const scripts = fs.readdirSync(SCRIPTS_DIR).filter((f) => f.endsWith(".sh"));
        const run = new Set(steps.map((s) => s.script));
        for (const s of run) assert.ok(scripts.includes(s), `${s} is not in scripts/datapath`);
        assert.deepEqual(scripts.filter((s) => !run.has(s)).sort(), [...HELPERS].sort());
        const stepSources = [...run].map((s) => fs.readFileSync(path.join(SCRIPTS_DIR, s), "utf8")).join("\n");
        for (const h of HELPERS) assert.ok(stepSources.includes(h), `no step's script uses ${h}`);
    });

    it("names only variables a step's script declares in its header, and every one it requires", () => {
        for (const step of steps) {
            const declared = headerVariables(step.script);
            for (const e of step.env) {
                if (!CONTAINER_ENV.includes(e.name))
                    assert.ok(declared.includes(e.name), `${step.script} does not declare ${e.name}`);
            }
            if (step.cluster === "always" || "optional" in step.cluster) {
                for (const v of requiredVars(step.script))
                    assert.ok(clusterEnv(step).includes(v), `${step.script} requires ${v}, which the cluster does not set`);
            }
        }
    });

    it("fences the backup after everything is prepared and before anything is published, and says why it skips the physical copy", () => {
        const order = BACKUP_STEPS.map((s) => s.script);
        assert.ok(order.indexOf("backup-fence.sh") > order.indexOf("backup-dump.sh"));
        assert.equal(
            order.indexOf("backup-fence.sh"),
            order.indexOf("backup-upload.sh") - 1,
            "the fence is the step before the upload",
        );
        const physical = BACKUP_STEPS.find((s) => s.script === "backup-physical.sh")!;
        assert.ok(typeof physical.cluster === "object" && "never" in physical.cluster && /#16/.test(physical.cluster.never));
        for (const chain of [BACKUP_STEPS, RESTORE_STEPS]) {
            assert.deepEqual(
                chain.map((s) => s.kind),
                [...chain.slice(1).map(() => "init"), "main"],
                "init containers, then the Job's one container",
            );
        }
    });
});

/** A pod template's containers in run order. */
const containers = (template: any): any[] => [...(template.spec.initContainers ?? []), ...template.spec.containers];

/** What a container built from `step` must be: its name, script, env names in order, and mounts. */
function expected(step: Step): { name: string; command: string[]; env: string[]; mounts: [string, string, boolean][] } {
    return {
        name: step.container,
        command: ["bash", `${MOUNTS.scripts.path}/${step.script}`],
        env: clusterEnv(step, UNSET_INPUTS),
        mounts: mountsOf(step, "cluster").map((m) => [MOUNTS[m.mount].volume, MOUNTS[m.mount].path, m.readOnly === true]),
    };
}
const actual = (c: any) => ({
    name: c.name,
    command: c.command,
    env: (c.env ?? []).map((e: any) => e.name),
    mounts: c.volumeMounts.map((m: any) => [m.name, m.mountPath, m.readOnly === true]),
});

describe("data path steps: the cluster runs the definition", () => {
    let dc: MockRun;
    let dr: MockRun;
    before(async () => {
        dc = await cachedRun("dc", DC);
        dr = await cachedRun("dr", DR);
    });

    it("builds the backup and restore Jobs' containers from the definition: every step it runs, in order", () => {
        const backup = inputsOf(dc.mocks.one("kubernetes:batch/v1:CronJob", "datapath-backup"));
        const restore = inputsOf(dr.mocks.one("kubernetes:batch/v1:CronJob", "datapath-restore"));
        assert.equal(backup.metadata.name, CRONJOB_NAMES.backup);
        assert.equal(restore.metadata.name, CRONJOB_NAMES.restore);
        for (const [cron, chain] of [
            [backup, BACKUP_STEPS],
            [restore, RESTORE_STEPS],
        ] as const) {
            const built = containers(cron.spec.jobTemplate.spec.template).map(actual);
            assert.deepEqual(built, chain.filter((s) => clusterRuns(s)).map(expected));
        }
    });

    it("adds the optional Ghost export step exactly where the definition has it, when configured", async () => {
        const withExport = await cachedRun(
            "dc",
            withConfig(DC, {
                "ghost-dcdr:ghostExport": "true",
                "ghost-dcdr:ghostExportUser": "admin@example.com",
                "ghost-dcdr:ghostExportPassword": "export-Secret-42",
            }),
        );
        const cron = inputsOf(withExport.mocks.one("kubernetes:batch/v1:CronJob", "datapath-backup"));
        assert.deepEqual(
            containers(cron.spec.jobTemplate.spec.template).map(actual),
            BACKUP_STEPS.filter((s) => clusterRuns(s, new Set(["ghost-export"]))).map(expected),
        );
    });

    it("seeds Ghost's content volume with the seed step, from the scripts ConfigMap", () => {
        for (const run of [dc, dr]) {
            const spec = inputsOf(run.mocks.one("kubernetes:apps/v1:Deployment", "ghost-deployment")).spec.template.spec;
            const seed = spec.initContainers.find((c: any) => c.name === GHOST_SEED_STEP.container);
            assert.deepEqual(actual(seed), expected(GHOST_SEED_STEP));
            assert.deepEqual(envOf(seed), {
                GHOST_INSTALL_DIR: "/var/lib/ghost/current",
                GHOST_CONTENT_DIR: "/var/lib/ghost/content",
            });
            const scripts = spec.volumes.find((v: any) => v.name === MOUNTS.scripts.volume);
            assert.deepEqual(scripts.configMap, { name: SCRIPTS_CONFIGMAP, defaultMode: 0o555 });
        }
    });

    it("copies the volume's uploads into the bucket Ghost reads: the media step after the seed step, in Ghost's pod", () => {
        const [storage] = GHOST_S3_ADAPTER_PATHS;
        for (const run of [dc, dr]) {
            const spec = inputsOf(run.mocks.one("kubernetes:apps/v1:Deployment", "ghost-deployment")).spec.template.spec;
            const names = spec.initContainers.map((c: any) => c.name);
            assert.equal(names.indexOf(MEDIA_MIGRATE_STEP.container), names.indexOf(GHOST_SEED_STEP.container) + 1);
            const media = spec.initContainers.find((c: any) => c.name === MEDIA_MIGRATE_STEP.container);
            assert.deepEqual(actual(media), expected(MEDIA_MIGRATE_STEP));
            const env = envOf(media);
            const ghost = envOf(spec.containers.find((c: any) => c.name === "ghost"));
            assert.equal(env.MEDIA_BUCKET, ghost[`${storage}__bucket`], "the bucket Ghost's S3 storage reads");
            assert.equal(env.AWS_REGION, ghost[`${storage}__region`]);
            assert.equal(env.GHOST_CONTENT_DIR, MOUNTS.content.path);
            assert.equal(media.securityContext.readOnlyRootFilesystem, true);
            // HOME, WORK_DIR and TMPDIR are the pod's own emptyDirs, the only writable places besides the volume.
            for (const m of [MOUNTS.work, MOUNTS.tmp])
                assert.ok(spec.volumes.some((v: any) => v.name === m.volume && v.emptyDir));
        }
    });

    it("has no media step when Ghost keeps its uploads on the volume", async () => {
        const volume = await cachedRun("dc", withConfig(DC, { "ghost-dcdr:mediaStorage": "volume" }));
        const spec = inputsOf(volume.mocks.one("kubernetes:apps/v1:Deployment", "ghost-deployment")).spec.template.spec;
        assert.ok(!spec.initContainers.some((c: any) => c.name === MEDIA_MIGRATE_STEP.container));
    });

    it("the drill's constants are the cluster's values: database, Ghost's user, dc's prefix", () => {
        const backup = containers(
            inputsOf(dc.mocks.one("kubernetes:batch/v1:CronJob", "datapath-backup")).spec.jobTemplate.spec.template,
        );
        const dump = envOf(backup.find((c) => c.name === "dump"));
        assert.equal(dump.MARIADB_DATABASE, DATABASE);
        assert.equal(dump.MARIADB_USER, GHOST_USER);
        assert.equal(envOf(backup.find((c) => c.name === "upload")).BACKUP_PREFIX, DC_PREFIX);
        const fetch = containers(
            inputsOf(dr.mocks.one("kubernetes:batch/v1:CronJob", "datapath-restore")).spec.jobTemplate.spec.template,
        ).find((c) => c.name === "fetch");
        assert.equal(envOf(fetch).BACKUP_PREFIX, DC_PREFIX, "dr restores what dc writes");
    });
});

describe("data path steps: the drill runs the definition", () => {
    it("runs every backup step, the fence and the physical copy included; the export only when it has a Ghost", () => {
        assert.deepEqual(drillSteps("backup", { ghostExport: { url: "http://127.0.0.1:2368", user: "owner@example.com" } }), [
            ...BACKUP_STEPS,
        ]);
        assert.deepEqual(
            drillSteps("backup").map((s) => s.script),
            BACKUP_STEPS.filter((s) => s.container !== "ghost-export").map((s) => s.script),
        );
        assert.ok(drillSteps("backup").some((s) => s.script === "backup-fence.sh"));
        assert.deepEqual(drillSteps("restore"), [...RESTORE_STEPS]);
    });

    it("runs Ghost's init chain as the pod does: the seed step, then the media step when uploads are in S3", () => {
        assert.deepEqual(ghostInitSteps(true), [...CHAINS.ghost]);
        assert.deepEqual(ghostInitSteps(true), [GHOST_SEED_STEP, MEDIA_MIGRATE_STEP]);
        assert.deepEqual(ghostInitSteps(false), [GHOST_SEED_STEP]);
    });

    it("media-migrate.sh copies components/media's kinds of upload and writes the settings under its prefix", () => {
        const lib = fs.readFileSync(path.join(SCRIPTS_DIR, "lib.sh"), "utf8");
        const script = fs.readFileSync(path.join(SCRIPTS_DIR, MEDIA_MIGRATE_STEP.script), "utf8");
        const folders = /^UPLOAD_FOLDERS=\(([^)]*)\)$/m.exec(lib);
        assert.ok(folders, "lib.sh defines UPLOAD_FOLDERS");
        assert.deepEqual(folders[1].split(/\s+/).sort(), [...MEDIA_KINDS].sort());
        assert.ok(script.includes('for kind in "${UPLOAD_FOLDERS[@]}"'));
        assert.equal(/^settings_prefix=(\S+)$/m.exec(script)?.[1], MEDIA_SETTINGS_PREFIX);
    });

    it("media-migrate.sh refuses a symbolic link before it runs aws, and skips without aws once the volume is copied", () => {
        const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "media-"));
        try {
            // An `aws` that records each call and fails: the step may not reach S3 in either case.
            const bin = path.join(tmp, "bin");
            fs.mkdirSync(bin);
            const calls = path.join(tmp, "aws-calls");
            fs.writeFileSync(path.join(bin, "aws"), `#!/bin/sh\necho "$*" >> '${calls}'\nexit 99\n`, { mode: 0o755 });
            const content = path.join(tmp, "content");
            fs.mkdirSync(path.join(content, "images", "2026", "11"), { recursive: true });
            fs.writeFileSync(path.join(content, "images", "2026", "11", "photo.png"), "png");
            const run = () => {
                try {
                    execFileSync("bash", [path.join(SCRIPTS_DIR, MEDIA_MIGRATE_STEP.script)], {
                        env: {
                            PATH: `${bin}:/usr/bin:/bin`,
                            GHOST_CONTENT_DIR: content,
                            MEDIA_BUCKET: "ghost-dcdr-media-eu-west-1",
                            AWS_REGION: "eu-west-1",
                            WORK_DIR: tmp,
                        },
                        stdio: ["ignore", "pipe", "pipe"],
                    });
                    return { code: 0, stderr: "" };
                } catch (e: any) {
                    return { code: e.status as number, stderr: String(e.stderr) };
                }
            };
            const link = path.join(content, "images", "2026", "11", "passwd.png");
            fs.symlinkSync("/etc/passwd", link);
            const refused = run();
            assert.equal(refused.code, 1);
            assert.match(refused.stderr, /media: ERROR: '.*\/images\/2026\/11\/passwd\.png' is a symbolic link/);
            fs.rmSync(link);
            // A marker naming the bucket, later than every file: nothing to do, and aws is never run.
            fs.writeFileSync(path.join(content, ".dcdr-media-migrated"), "bucket=ghost-dcdr-media-eu-west-1\n");
            const later = new Date(Date.now() + 5000);
            fs.utimesSync(path.join(content, ".dcdr-media-migrated"), later, later);
            const skipped = run();
            assert.equal(skipped.code, 0, skipped.stderr);
            assert.ok(!fs.existsSync(calls), `aws was run: ${fs.existsSync(calls) ? fs.readFileSync(calls, "utf8") : ""}`);
            // Another bucket's marker: the step must list the bucket (and fails here, with the stub's error).
            fs.writeFileSync(path.join(content, ".dcdr-media-migrated"), "bucket=another-bucket\n");
            fs.utimesSync(path.join(content, ".dcdr-media-migrated"), later, later);
            const listed = run();
            assert.equal(listed.code, 1);
            assert.match(listed.stderr, /ERROR: cannot list s3:\/\/ghost-dcdr-media-eu-west-1/);
        } finally {
            fs.rmSync(tmp, { recursive: true, force: true });
        }
    });

    it("seed-content.sh gives an empty volume Ghost's folders and real copies of the bundled themes, and overwrites nothing", () => {
        const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "seed-"));
        try {
            // The image's layout: the installed version's bundled themes (ghost-cli links content/themes to these).
            const install = path.join(tmp, "current");
            for (const theme of ["casper", "source"]) {
                fs.mkdirSync(path.join(install, "content", "themes", theme), { recursive: true });
                fs.writeFileSync(path.join(install, "content", "themes", theme, "index.hbs"), `{{!-- ${theme} --}}`);
            }
            const content = path.join(tmp, "content");
            fs.mkdirSync(content);
            const seed = () =>
                execFileSync("bash", [path.join(SCRIPTS_DIR, GHOST_SEED_STEP.script)], {
                    env: { PATH: process.env.PATH, GHOST_INSTALL_DIR: install, GHOST_CONTENT_DIR: content },
                    stdio: ["ignore", "pipe", "pipe"],
                });
            seed();
            for (const d of ["apps", "data", "files", "images", "logs", "media", "public", "settings", "themes"])
                assert.ok(fs.statSync(path.join(content, d)).isDirectory(), d);
            for (const theme of ["casper", "source"]) {
                const dir = path.join(content, "themes", theme);
                assert.ok(fs.lstatSync(dir).isDirectory() && !fs.lstatSync(dir).isSymbolicLink(), `${theme} is a real directory`);
            }
            fs.writeFileSync(path.join(content, "themes", "casper", "index.hbs"), "restored");
            seed();
            assert.equal(fs.readFileSync(path.join(content, "themes", "casper", "index.hbs"), "utf8"), "restored");
        } finally {
            fs.rmSync(tmp, { recursive: true, force: true });
        }
    });
});

describe("data path steps: docs and README", () => {
    it("docs/datapath.md's step and environment tables are generated from the definition (npm run docs:datapath)", () => {
        const doc = fs.readFileSync(DOC, "utf8");
        assert.ok(doc.includes(renderStepsTable()) && doc.includes(renderEnvTable()), "run: npm run docs:datapath");
        assert.equal(withDatapathTables(doc), doc);
    });

    it("the README quotes the number of fault cases drill:faults runs", () => {
        const readme = fs.readFileSync("README.md", "utf8").replace(/\s+/g, " ");
        const quoted = /`npm run drill:faults` runs (\d+) fault cases and a control/.exec(readme);
        assert.ok(quoted, "the README says how many fault cases drill:faults runs");
        assert.equal(Number(quoted[1]), FAULTS.length);
    });
});
