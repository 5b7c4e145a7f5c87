/**
 * Planned switchover and fallback with zero data loss: `npm run switchover -- --to <dr|dc> [--dc <stack>] [--dr <stack>]`.
 *
 * Runs the ordered steps across both stacks and prints each one: freeze writes on the active site (maintenance),
 * take a final backup there, wait until it has replicated to the other region, restore exactly that set on the
 * standby, flip the failover flag, then bring the old active site up as the standby. It stops at the first
 * failed step, before the flag moves, and says where it stopped and how to go on or back.
 *
 * Needs the Pulumi CLI (Automation API), kubectl and the AWS CLI v2, with credentials for both regions. The
 * orchestration (`switchover`) is separate from the real operations (`realOps`) so the step order is tested.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { CRONJOB_NAMES } from "../components/backup/steps";
import type { Site } from "../components/site";
import { APP_NAMESPACE } from "../stacks/config/app";
import { OUTPUT } from "../stacks/outputs";
import { ConfigKey, PROJECT } from "../stacks/schema";

/** Everything the switchover does to the world; the tests pass a recording fake. */
export interface Ops {
    log(message: string): void;
    setConfig(stack: string, key: string, value: string): Promise<void>;
    removeConfig(stack: string, key: string): Promise<void>;
    up(stack: string): Promise<void>;
    outputs(stack: string): Promise<Record<string, unknown>>;
    /** Runs a Job from a CronJob's template in the stack's cluster and waits for it to succeed. */
    runJobFromCronJob(stack: string, cronJob: string): Promise<void>;
    /** Id of the newest complete backup set (one with a manifest) under the prefix, if any. */
    newestBackupId(bucket: string, region: string, prefix: string): Promise<string | undefined>;
    /** Waits until the object exists (replication arrived), or throws after `timeoutS`. */
    waitForObject(bucket: string, region: string, key: string, timeoutS: number): Promise<void>;
}

export interface Stacks {
    dc: string;
    dr: string;
}

/** A config key of this project, checked against the schema by the compiler. */
const KEY = (k: ConfigKey) => `${PROJECT}:${k}`;
/** S3 replication of a small backup set normally lands within minutes; RTC's SLA is 15. */
const REPLICATION_TIMEOUT_S = 20 * 60;

/** Moves the active role to `to`. Returns the backup id that both sites hold at the end. */
export async function switchover(to: Site, stacks: Stacks, ops: Ops): Promise<string> {
    const from: Site = to === "dr" ? "dc" : "dr";
    let n = 0;
    const step = async <T>(what: string, run: () => Promise<T>): Promise<T> => {
        n += 1;
        const started = Date.now();
        ops.log(`[${n}] ${what} ...`);
        const result = await run();
        ops.log(`[${n}] done in ${Math.round((Date.now() - started) / 1000)} s`);
        return result;
    };

    const [fromOut, toOut] = await step(`read both stacks (${stacks[from]} -> ${stacks[to]})`, async () => [
        await ops.outputs(stacks[from]),
        await ops.outputs(stacks[to]),
    ]);
    if (toOut[OUTPUT.siteName] !== to)
        throw new Error(`${stacks[to]} is not a deployed ${to} site (run pulumi up -s ${stacks[to]} first)`);
    if (fromOut[OUTPUT.active] !== true || toOut[OUTPUT.active] !== false) {
        throw new Error(
            `${from} must be the active site and ${to} the standby; now ${from}.active=${String(fromOut[OUTPUT.active])}, ${to}.active=${String(toOut[OUTPUT.active])}`,
        );
    }
    const fromBucket = String(fromOut[OUTPUT.backupBucket]);
    const toBucket = String(toOut[OUTPUT.backupBucket]);
    const prefix = String(fromOut[OUTPUT.backupPrefix]);

    await step(`freeze writes on ${from}: maintenance page, Ghost stopped`, async () => {
        await ops.setConfig(stacks[from], KEY("maintenance"), "true");
        await ops.up(stacks[from]);
    });
    const backupId = await step(`final backup on ${from}`, async () => {
        await ops.runJobFromCronJob(stacks[from], CRONJOB_NAMES.backup);
        const id = await ops.newestBackupId(fromBucket, String(fromOut[OUTPUT.region]), prefix);
        if (!id) throw new Error(`the final backup left no complete set under s3://${fromBucket}/${prefix}`);
        ops.log(`    final backup set ${id}`);
        return id;
    });
    await step(`wait for ${backupId} to replicate to ${toBucket}`, () =>
        ops.waitForObject(toBucket, String(toOut[OUTPUT.region]), `${prefix}${backupId}/manifest.json`, REPLICATION_TIMEOUT_S),
    );
    await step(`restore ${backupId} on ${to} (still standby)`, async () => {
        await ops.setConfig(stacks[to], KEY("restoreBackupId"), backupId);
        await ops.up(stacks[to]);
    });
    if (to === "dr") {
        await step("flip: dr active (failover true); Ghost starts on the restored data, the domain moves to dr", async () => {
            await ops.setConfig(stacks.dr, KEY("failover"), "true");
            await ops.removeConfig(stacks.dr, KEY("restoreBackupId"));
            await ops.up(stacks.dr);
        });
        await step("dc becomes the standby (reads the flag): backups suspended, restores scheduled", async () => {
            await ops.removeConfig(stacks.dc, KEY("maintenance"));
            await ops.up(stacks.dc);
        });
    } else {
        await step("flip: dr standby (failover false); the domain moves to dc", async () => {
            await ops.setConfig(stacks.dr, KEY("failover"), "false");
            await ops.removeConfig(stacks.dr, KEY("maintenance"));
            await ops.up(stacks.dr);
        });
        await step("dc becomes active (reads the flag): Ghost starts on the restored data, backups resume", async () => {
            await ops.removeConfig(stacks.dc, KEY("restoreBackupId"));
            await ops.up(stacks.dc);
        });
    }
    ops.log(`switchover to ${to} complete: both sites hold backup ${backupId}; ${from} is the standby`);
    return backupId;
}

export function parseArgs(argv: string[]): { to: Site; stacks: Stacks } {
    const args: Record<string, string> = {};
    for (let i = 0; i < argv.length; i += 2) {
        const flag = argv[i];
        if (!["--to", "--dc", "--dr"].includes(flag) || argv[i + 1] === undefined) {
            throw new Error(
                `unexpected argument ${JSON.stringify(flag)}; usage: npm run switchover -- --to <dr|dc> [--dc <stack>] [--dr <stack>]`,
            );
        }
        args[flag.slice(2)] = argv[i + 1];
    }
    if (args.to !== "dr" && args.to !== "dc") throw new Error("--to must be dr (switch over) or dc (fall back)");
    return { to: args.to, stacks: { dc: args.dc ?? "dc", dr: args.dr ?? "dr" } };
}

const run = promisify(execFile);

/** The real operations: Pulumi Automation API, kubectl and the AWS CLI. */
export async function realOps(workDir: string): Promise<Ops> {
    const { LocalWorkspace } = (await import("@pulumi/pulumi")).automation;
    const stack = (name: string) => LocalWorkspace.selectStack({ stackName: name, workDir });
    const aws = async (region: string, args: string[]) =>
        (await run("aws", ["--region", region, ...args], { maxBuffer: 64 << 20 })).stdout.trim();
    return {
        log: (m) => console.log(m),
        setConfig: async (s, key, value) => (await stack(s)).setConfig(key, { value }),
        removeConfig: async (s, key) => (await stack(s)).removeConfig(key),
        up: async (s) => {
            await (await stack(s)).up({ onOutput: (o: string) => process.stdout.write(o) });
        },
        outputs: async (s) => {
            const outputs = await (await stack(s)).outputs();
            return Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, (v as { value: unknown }).value]));
        },
        runJobFromCronJob: async (s, cronJob) => {
            const kubeconfig = (await (await stack(s)).outputs()).kubeconfig.value as string;
            const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "switchover-")), "kubeconfig");
            fs.writeFileSync(file, kubeconfig, { mode: 0o600 });
            const kubectl = (args: string[]) => run("kubectl", ["--kubeconfig", file, "-n", APP_NAMESPACE, ...args]);
            const job = `${cronJob}-switchover-${Date.now()}`;
            try {
                await kubectl(["create", "job", `--from=cronjob/${cronJob}`, job]);
                for (;;) {
                    const { stdout } = await kubectl(["get", "job", job, "-o", "jsonpath={.status.succeeded},{.status.failed}"]);
                    const [succeeded, failed] = stdout.split(",");
                    if (succeeded === "1") return;
                    if (failed && Number(failed) > 0)
                        throw new Error(`job ${job} failed: kubectl -n ghost logs job/${job} --all-containers`);
                    await new Promise((r) => setTimeout(r, 10000));
                }
            } finally {
                fs.rmSync(path.dirname(file), { recursive: true, force: true });
            }
        },
        newestBackupId: async (bucket, region, prefix) => {
            const keys = await aws(region, [
                "s3api",
                "list-objects-v2",
                "--bucket",
                bucket,
                "--prefix",
                prefix,
                "--query",
                "Contents[?ends_with(Key, '/manifest.json')].Key",
                "--output",
                "text",
            ]);
            const ids = keys
                .split(/\s+/)
                .map((k) => k.slice(prefix.length).split("/")[0])
                .filter((id) => /^\d{8}T\d{6}Z$/.test(id));
            return ids.sort().pop();
        },
        waitForObject: async (bucket, region, key, timeoutS) => {
            const deadline = Date.now() + timeoutS * 1000;
            for (;;) {
                try {
                    await aws(region, ["s3api", "head-object", "--bucket", bucket, "--key", key]);
                    return;
                } catch {
                    if (Date.now() > deadline)
                        throw new Error(
                            `s3://${bucket}/${key} did not arrive within ${timeoutS} s: check the bucket's replication status`,
                        );
                    await new Promise((r) => setTimeout(r, 15000));
                }
            }
        },
    };
}

if (require.main === module) {
    (async () => {
        const { to, stacks } = parseArgs(process.argv.slice(2));
        await switchover(to, stacks, await realOps(path.join(__dirname, "..")));
    })().catch((e: Error) => {
        console.error(`switchover: ${e.message}`);
        console.error("Nothing after the failed step ran. The failover flag moves only in the flip step; to go back before it,");
        console.error("remove ghost-dcdr:maintenance (and restoreBackupId) from the stacks and run pulumi up on them.");
        process.exit(1);
    });
}
