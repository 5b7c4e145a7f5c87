import { strict as assert } from "node:assert";
import { Ops, parseArgs, switchover } from "../tools/switchover";

/** A fake world: two stacks' config and outputs, and a log of every operation in order. */
function fakeWorld(active: "dc" | "dr", failAt?: string) {
    const calls: string[] = [];
    const config: Record<string, Record<string, string>> = {
        dc: {},
        dr: active === "dr" ? { "ghost-dcdr:failover": "true" } : {},
    };
    const outputs = (s: string) => ({
        siteName: s,
        region: s === "dc" ? "eu-west-1" : "eu-west-2",
        active: s === active,
        backupBucket: `bucket-${s}`,
        backupPrefix: `ghost/${s}/`,
    });
    const record = (call: string): Promise<void> => {
        calls.push(call);
        return failAt && call.startsWith(failAt) ? Promise.reject(new Error(`${call} failed`)) : Promise.resolve();
    };
    const ops: Ops = {
        log: () => undefined,
        setConfig: async (s, k, v) => {
            await record(`set ${s} ${k}=${v}`);
            config[s][k] = v;
        },
        removeConfig: async (s, k) => {
            await record(`rm ${s} ${k}`);
            delete config[s][k];
        },
        up: (s) => record(`up ${s}`),
        outputs: (s) => Promise.resolve(outputs(s)),
        runJobFromCronJob: (s, c) => record(`job ${s} ${c}`),
        newestBackupId: async (b, r, p) => {
            await record(`newest ${b} ${r} ${p}`);
            return "20261121T230000Z";
        },
        waitForObject: (b, r, k) => record(`wait ${b} ${r} ${k}`),
    };
    return { ops, calls, config };
}

describe("planned switchover command", () => {
    it("switches to dr: freeze, final backup, wait for replication, restore that set, flip, then demote dc", async () => {
        const world = fakeWorld("dc");
        assert.equal(await switchover("dr", { dc: "dc", dr: "dr" }, world.ops), "20261121T230000Z");
        assert.deepEqual(world.calls, [
            "set dc ghost-dcdr:maintenance=true",
            "up dc",
            "job dc ghost-backup",
            "newest bucket-dc eu-west-1 ghost/dc/",
            "wait bucket-dr eu-west-2 ghost/dc/20261121T230000Z/manifest.json",
            "set dr ghost-dcdr:restoreBackupId=20261121T230000Z",
            "up dr",
            "set dr ghost-dcdr:failover=true",
            "rm dr ghost-dcdr:restoreBackupId",
            "up dr",
            "rm dc ghost-dcdr:maintenance",
            "up dc",
        ]);
        assert.deepEqual(world.config, { dc: {}, dr: { "ghost-dcdr:failover": "true" } });
    });

    it("falls back to dc the same way, restoring dr's final backup on dc before dc serves", async () => {
        const world = fakeWorld("dr");
        await switchover("dc", { dc: "dc", dr: "dr" }, world.ops);
        assert.deepEqual(world.calls, [
            "set dr ghost-dcdr:maintenance=true",
            "up dr",
            "job dr ghost-backup",
            "newest bucket-dr eu-west-2 ghost/dr/",
            "wait bucket-dc eu-west-1 ghost/dr/20261121T230000Z/manifest.json",
            "set dc ghost-dcdr:restoreBackupId=20261121T230000Z",
            "up dc",
            "set dr ghost-dcdr:failover=false",
            "rm dr ghost-dcdr:maintenance",
            "up dr",
            "rm dc ghost-dcdr:restoreBackupId",
            "up dc",
        ]);
    });

    it("never moves the flag when a step before the flip fails", async () => {
        const world = fakeWorld("dc", "wait ");
        await assert.rejects(switchover("dr", { dc: "dc", dr: "dr" }, world.ops), /failed/);
        assert.ok(!world.calls.some((c) => c.includes("failover")));
        assert.equal(world.config.dc["ghost-dcdr:maintenance"], "true", "writes stay frozen: the operator decides");
    });

    it("refuses to switch towards the site that is already active", async () => {
        const world = fakeWorld("dr");
        await assert.rejects(
            switchover("dr", { dc: "dc", dr: "dr" }, world.ops),
            /dc must be the active site and dr the standby/,
        );
        assert.deepEqual(world.calls, []);
    });

    it("parses its arguments", () => {
        assert.deepEqual(parseArgs(["--to", "dr"]), { to: "dr", stacks: { dc: "dc", dr: "dr" } });
        assert.deepEqual(parseArgs(["--to", "dc", "--dr", "acme/ghost-dcdr/dr"]).stacks.dr, "acme/ghost-dcdr/dr");
        assert.throws(() => parseArgs(["--to", "west"]), /--to must be dr/);
        assert.throws(() => parseArgs(["--bogus", "x"]), /unexpected argument/);
    });
});
