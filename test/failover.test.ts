import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { EXTERNAL_DNS_INTERVAL_S } from "../components/addons/externalDns";
import {
    ALB_ALIAS_TTL_S,
    HEALTH_CHECK_FAILURE_THRESHOLD,
    HEALTH_CHECK_INTERVAL_S,
    ROUTE53_PROPAGATION_S,
    switchTimeEstimate,
} from "../components/dns";
import { deriveRole } from "../stacks/roles";
import { DC, DR, configProblems, withConfig } from "./fixtures";
import { inputsOf, printedPlan } from "./helpers";
import { MockRun, RecordedResource, RecordingMocks, cachedRun, runStack } from "../tools/mocks";

const PEER = "acme/ghost-dcdr/dr";

interface State {
    peerDeployed: boolean;
    failover: boolean;
    drMode: "warm" | "cold";
    dns: "manual" | "automatic";
    /** The dc stack was updated (pulumi up -s dc) after the flag was set. */
    dcRefreshed: boolean;
}

/** What a site does in a run, read back from the resources it registered (not from the role object). */
interface Observed {
    ghostReplicas: number;
    backupCronActive: boolean;
    restoreCronActive: boolean;
    restoreJobs: RecordedResource[];
    /** Set identifier -> alias target, for the `<domain>` records this stack writes. */
    domainRecords: Record<string, string>;
    fenceSite: string;
    run: MockRun;
}

function observe(run: MockRun): Observed {
    const cron = (suffix: string) => run.mocks.byType("kubernetes:batch/v1:CronJob").find((c) => c.name.endsWith(suffix));
    const active = (r?: RecordedResource) => r !== undefined && inputsOf(r).spec.suspend === false;
    const records = run.mocks
        .byType("aws:route53/record:Record")
        .filter((r) => r.name.includes("public-domain"))
        .map(inputsOf);
    const backup = inputsOf(cron("datapath-backup")!).spec.jobTemplate.spec.template.spec;
    const fence = backup.initContainers.find((c: any) => c.name === "fence");
    return {
        ghostReplicas: inputsOf(run.mocks.one("kubernetes:apps/v1:Deployment")).spec.replicas,
        backupCronActive: active(cron("datapath-backup")),
        restoreCronActive: active(cron("datapath-restore")),
        restoreJobs: run.mocks.byType("kubernetes:batch/v1:Job"),
        domainRecords: Object.fromEntries(records.map((r) => [r.setIdentifier, r.aliases[0].name])),
        fenceSite: fence.env.find((e: any) => e.name === "FENCE_SITE_NAME").value,
        run,
    };
}

async function deploy(state: State): Promise<{ dc: Observed; dr?: Observed }> {
    const drConfig = (flag: boolean) =>
        withConfig(DR, {
            "ghost-dcdr:failover": String(flag),
            "ghost-dcdr:drMode": state.drMode,
            "ghost-dcdr:dnsFailover": state.dns,
        });
    let dr: MockRun | undefined;
    const peerOutputs: Record<string, Record<string, unknown>> = {};
    if (state.peerDeployed) {
        // What dc sees is the dr stack's outputs as of dc's last update: before the flag unless refreshed.
        const seenByDc = await cachedRun("dr", drConfig(state.dcRefreshed ? state.failover : false));
        peerOutputs[PEER] = { siteName: seenByDc.outputs.siteName, failover: seenByDc.outputs.failover };
        dr = await cachedRun("dr", drConfig(state.failover));
    }
    const dc = await cachedRun(
        "dc",
        withConfig(DC, { "ghost-dcdr:peerStack": PEER, "ghost-dcdr:drMode": state.drMode, "ghost-dcdr:dnsFailover": state.dns }),
        peerOutputs,
    );
    return { dc: observe(dc), dr: dr && observe(dr) };
}

const states: State[] = [];
for (const peerDeployed of [false, true]) {
    for (const failover of peerDeployed ? [false, true] : [false]) {
        for (const drMode of ["warm", "cold"] as const) {
            for (const dns of ["manual", "automatic"] as const) {
                for (const dcRefreshed of failover ? [false, true] : [true])
                    states.push({ peerDeployed, failover, drMode, dns, dcRefreshed });
            }
        }
    }
}

describe("failover matrix: every combination of peer, flag, DR mode, DNS mode and dc refresh", function () {
    this.timeout(120000);

    for (const state of states) {
        const label = `peer ${state.peerDeployed ? "deployed" : "absent"}, failover ${state.failover}, ${state.drMode}, dns ${state.dns}, dc ${state.dcRefreshed ? "refreshed" : "not refreshed"} after the flag`;
        it(label, async () => {
            const { dc, dr } = await deploy(state);
            const sites = { dc, ...(dr ? { dr } : {}) } as Record<"dc" | "dr", Observed | undefined>;
            const expectedActive = state.peerDeployed && state.failover ? "dr" : "dc";

            // Exactly one stack writes `<domain>`, and its primary names the active site: the dr stack once it
            // exists, otherwise dc. (Route 53 holds one record set per set identifier, so one primary.)
            const writers = (["dc", "dr"] as const).filter((s) => Object.keys(sites[s]?.domainRecords ?? {}).length > 0);
            assert.deepEqual(writers, [state.peerDeployed ? "dr" : "dc"], "one owner of the public domain");
            const records = sites[writers[0]]!.domainRecords;
            assert.equal(records.primary, `${expectedActive}.blog.example.com`, "the primary answer is the active site");
            if (state.dns === "automatic" && expectedActive === "dc" && state.peerDeployed) {
                assert.equal(
                    records.secondary,
                    "dr.blog.example.com",
                    "automatic: dc failing its health check sends visitors to dr's maintenance page",
                );
            } else {
                assert.equal(records.secondary, records.primary, "no automatic way back to a site that is not active");
            }

            // Exactly one site publishes backups: its CronJob runs and its fence passes (the domain's primary
            // record names it). A stale dc that was not updated after the flag keeps its CronJob, but its fence
            // step refuses to publish (scripts/datapath/backup-fence.sh, exercised against a real Route 53 API).
            const publishing = (["dc", "dr"] as const).filter(
                (s) => sites[s]?.backupCronActive === true && sites[s]?.fenceSite === records.primary,
            );
            assert.deepEqual(publishing, [expectedActive], "exactly one site publishes backups");
            for (const s of ["dc", "dr"] as const) {
                const o = sites[s];
                if (o) assert.equal(o.fenceSite, `${s}.blog.example.com`, "each site's fence expects its own name");
            }

            for (const s of ["dc", "dr"] as const) {
                const o = sites[s];
                if (!o) continue;
                const acceptsWrites = o.ghostReplicas === 1;
                // No site both restores and accepts writes: a running Ghost means the restore schedule is
                // suspended, and any one-off restore Job finishes before Ghost starts.
                if (acceptsWrites) {
                    assert.equal(o.restoreCronActive, false, `${s}: restore schedule suspended while Ghost runs`);
                    const ghost = o.run.mocks.one("kubernetes:apps/v1:Deployment");
                    for (const job of o.restoreJobs)
                        assert.ok(ghost.dependencies.includes(job.urn), `${s}: Ghost waits for ${job.name}`);
                }
                // A site that is not active never runs Ghost, and restores per drMode.
                const thinksActive = s === "dr" ? state.failover : !(state.peerDeployed && state.failover && state.dcRefreshed);
                assert.equal(acceptsWrites, thinksActive);
                if (!thinksActive) {
                    assert.equal(o.restoreCronActive, state.drMode === "warm", `${s}: warm standby restores on schedule`);
                    const bringUp = o.restoreJobs.filter((j) => j.name.endsWith("restore-once"));
                    assert.equal(bringUp.length, state.drMode === "cold" ? 1 : 0, `${s}: cold standby restores on bring-up`);
                }
            }

            // The standby's restore stops the moment it turns active, and a catch-up restore runs first.
            if (dr && state.failover) {
                assert.equal(dr.restoreCronActive, false);
                assert.deepEqual(
                    dr.restoreJobs.map((j) => j.name),
                    ["dr-datapath-restore-catch-up"],
                );
            }
        });
    }

    it(`covers ${states.length} states`, () => {
        // 1 (no peer) x 2 modes x 2 dns + peer: (flag false: 1 + flag true: 2 refresh states) x 2 x 2
        assert.equal(states.length, 4 + 12);
    });
});

describe("failover config and plan", () => {
    it("keeps the flag on the dr stack and the peer reference on dc", () => {
        assert.deepEqual(configProblems({ "ghost-dcdr:failover": "true" }), [
            'ghost-dcdr:failover: "true" is set on the dc stack; the flag lives on the dr stack only. Fix: pulumi config rm ghost-dcdr:failover -s dc && pulumi config set ghost-dcdr:failover true -s <dr stack>',
        ]);
        assert.deepEqual(configProblems({ "ghost-dcdr:peerStack": PEER }, DR, "dr"), [
            'ghost-dcdr:peerStack: "acme/ghost-dcdr/dr" is set on the dr stack; only dc reads its peer (dr holds the flag itself). Fix: pulumi config rm ghost-dcdr:peerStack -s dr',
        ]);
        assert.deepEqual(configProblems({ "ghost-dcdr:dnsFailover": "auto" }), [
            'ghost-dcdr:dnsFailover: "auto" is not a DNS failover mode; it must be manual or automatic. Fix: pulumi config set ghost-dcdr:dnsFailover manual -s dc',
        ]);
    });

    it("reads the failover flag from the dr stack's outputs", async () => {
        const mocks = new RecordingMocks({ [PEER]: { siteName: "dr", failover: true } });
        const run = await runStack("dc", withConfig(DC, { "ghost-dcdr:peerStack": PEER }), mocks);
        const ref = run.mocks.one("pulumi:pulumi:StackReference");
        assert.equal(inputsOf(ref).name, PEER);
        assert.equal(run.outputs.active, false);
    });

    it("estimates the worst-case switch time from the settings", () => {
        const t = switchTimeEstimate();
        // Resolvers cache an alias answer for the alias target's TTL: the ALB's record, served with 60 s.
        assert.equal(ALB_ALIAS_TTL_S, 60);
        assert.equal(t.manualS, EXTERNAL_DNS_INTERVAL_S + ROUTE53_PROPAGATION_S + ALB_ALIAS_TTL_S);
        assert.equal(
            t.automaticS,
            HEALTH_CHECK_INTERVAL_S * HEALTH_CHECK_FAILURE_THRESHOLD + ROUTE53_PROPAGATION_S + ALB_ALIAS_TTL_S,
        );
        assert.equal(t.manualS, 180);
        assert.equal(t.automaticS, 150);
        assert.match(
            t.explanation,
            /manual: ExternalDNS interval 60 s \+ Route 53 propagation 60 s \+ alias TTL \(the ALB's 60 s\) = 180 s/,
        );
        assert.match(t.explanation, /automatic: 10 s x 3 failed checks \+ 60 s \+ alias TTL \(the ALB's 60 s\) = 150 s/);
        assert.doesNotMatch(t.explanation, /\+ TTL \d/, "no TTL of our own: alias records have none");
    });

    it("the estimate adds up what the stack really configures: ExternalDNS's interval and the health check's cadence", async () => {
        const toSeconds = (d: string) => Number(/^(\d+)([sm])$/.exec(d)![1]) * (d.endsWith("m") ? 60 : 1);
        const dc = await cachedRun("dc", DC);
        const externalDns = dc.mocks
            .byType("kubernetes:helm.sh/v3:Release")
            .map(inputsOf)
            .find((r) => r.chart === "external-dns")!;
        assert.equal(toSeconds(externalDns.values.interval), EXTERNAL_DNS_INTERVAL_S);
        const dr = await cachedRun("dr", withConfig(DR, { "ghost-dcdr:dnsFailover": "automatic" }));
        const check = inputsOf(dr.mocks.one("aws:route53/healthCheck:HealthCheck"));
        assert.equal(check.requestInterval, HEALTH_CHECK_INTERVAL_S);
        assert.equal(check.failureThreshold, HEALTH_CHECK_FAILURE_THRESHOLD);
    });

    it("the README's failover runbook quotes the same switch times and terms as the estimate", () => {
        const t = switchTimeEstimate();
        const runbook = fs.readFileSync("README.md", "utf8").replace(/\s+/g, " ");
        assert.ok(runbook.includes(`manual, ${t.manualS} s after the dr update writes the record`), "manual total");
        assert.ok(runbook.includes(`automatic\`, ${t.automaticS} s from dc failing`), "automatic total");
        assert.ok(
            runbook.includes(
                `(ExternalDNS interval ${EXTERNAL_DNS_INTERVAL_S} s + Route 53 propagation ${ROUTE53_PROPAGATION_S} s + alias TTL (the ALB's ${ALB_ALIAS_TTL_S} s))`,
            ),
            "manual terms",
        );
        assert.ok(
            runbook.includes(
                `(${HEALTH_CHECK_INTERVAL_S} s x ${HEALTH_CHECK_FAILURE_THRESHOLD} checks + ${ROUTE53_PROPAGATION_S} s + alias TTL (the ALB's ${ALB_ALIAS_TTL_S} s))`,
            ),
            "automatic terms",
        );
    });

    it("the dr plan with failover true shows the dr site active and prints the switch time", async () => {
        const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-failover-"));
        const configFile = path.join(outDir, "dr.yaml");
        fs.writeFileSync(configFile, JSON.stringify({ config: withConfig(DR, { "ghost-dcdr:failover": "true" }) }));
        const printed = await printedPlan({ stack: "dr", configFile, outDir });
        assert.match(printed, /^ {2}active: true$/m);
        assert.match(printed, /^ {2}failover: true$/m);
        assert.match(printed, /dnsSwitchTime: "manual: .* = 180 s/);
        assert.match(printed, /dr-datapath-restore-catch-up/);
        assert.match(printed, /aws:route53\/record:Record {2}dr-public-domain-primary/);
        const resources = JSON.parse(fs.readFileSync(path.join(outDir, "resources.json"), "utf8"));
        const primary = resources.find((r: any) => r.name === "dr-public-domain-primary");
        assert.equal(primary.inputs.aliases[0].name, "dr.blog.example.com");
    });

    it("maintenance freezes writes on the active site but keeps its backups running", async () => {
        const run = await cachedRun("dc", withConfig(DC, { "ghost-dcdr:maintenance": "true" }));
        assert.equal(inputsOf(run.mocks.one("kubernetes:apps/v1:Deployment")).spec.replicas, 0);
        const ingress = inputsOf(run.mocks.one("kubernetes:networking.k8s.io/v1:Ingress"));
        assert.ok(ingress.metadata.annotations["alb.ingress.kubernetes.io/actions.maintenance"]);
        const backup = inputsOf(run.mocks.one("kubernetes:batch/v1:CronJob", "datapath-backup")).spec;
        assert.equal(backup.suspend, false, "the final backup of a switchover still runs");
        assert.equal(backup.jobTemplate.spec.template.spec.affinity, undefined, "no Ghost pod to sit beside: the volume is free");
    });

    it("a standby restores a named set at once (the switchover's restore), and never the active site", async () => {
        const named = { "ghost-dcdr:restoreBackupId": "20261121T220000Z" };
        const standby = await cachedRun("dr", withConfig(DR, named));
        const job = inputsOf(standby.mocks.one("kubernetes:batch/v1:Job"));
        assert.equal(
            job.spec.template.spec.initContainers[0].env.find((e: any) => e.name === "RESTORE_BACKUP_ID").value,
            "20261121T220000Z",
        );
        const active = await cachedRun("dc", withConfig(DC, named));
        assert.equal(active.mocks.byType("kubernetes:batch/v1:Job").length, 0);
    });

    it("derives the role in one place: dc without a deployed peer is active", () => {
        const role = deriveRole({
            site: "dc",
            failover: false,
            peer: { deployed: false, failover: false },
            drMode: "warm",
            dnsFailover: "manual",
            catchUpRestore: true,
            maintenance: false,
            restoreRequested: false,
        });
        assert.equal(role.active, true);
        assert.equal(role.ownsDomainRecord, true);
    });
});
