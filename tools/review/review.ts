/**
 * The plan's review: runs the real program under the recording mocks as often as the review needs (the stack file,
 * the other DR mode for the cost, the overrides of `--set`, the peer stack for a dc that reads one) and hands the
 * pure parts (summary.ts, changes.ts) what they read. A run takes under a second; the plan stays fast.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT } from "../../stacks/schema";
import { maskSecrets, MockRun, RecordedResource, RecordingMocks, runStack } from "../mocks";
import { readStackFile } from "../stackFile";
import { changeReport, ChangeReport, PlanSide } from "./changes";
import { billOfMaterials, CostEstimate, loadPriceBook, PRICES_FILE, priceBill } from "./cost";
import { PlannedResource } from "./inventory";
import { buildSummary, Summary } from "./summary";
import { Placeholders, JsonObject } from "./values";
import { StackFile, stackNameOf, stackWarnings } from "./warnings";

type OtherStacks = Record<string, Record<string, unknown>>;

export const DR_MODES = ["warm", "cold"] as const;

export interface PlannedStack extends PlanSide {
    readonly stack: string;
    readonly config: Readonly<Record<string, string>>;
    readonly run: MockRun;
}

export const key = (k: string) => (k.includes(":") ? k : `${PROJECT}:${k}`);

/** Recorded resources with their secrets masked: the review never holds a secret value. */
export function maskedResources(recorded: readonly RecordedResource[]): PlannedResource[] {
    return recorded.map((r) => ({
        urn: r.urn,
        type: r.type,
        name: r.name,
        parent: r.parent,
        provider: r.provider,
        custom: r.custom,
        remote: r.remote,
        inputs: maskSecrets(r.inputs) as JsonObject,
    }));
}

export async function planUnderMocks(
    stack: string,
    config: Readonly<Record<string, string>>,
    otherStacks: OtherStacks = {},
    /** The stack file the config came from: config problems then say what to change in it. */
    configFile?: string,
): Promise<PlannedStack> {
    const run = await runStack(stack, { ...config }, new RecordingMocks(otherStacks), { configFile });
    return { stack, config, run, resources: maskedResources(run.mocks.resources), outputs: run.outputs };
}

/** The other `Pulumi.<stack>.yaml` files beside the config file: the stacks a review compares against. */
export function siblingStackFiles(configFile: string, stack: string): StackFile[] {
    const dir = path.dirname(configFile);
    const out: StackFile[] = [];
    for (const f of fs.readdirSync(dir).sort()) {
        const m = /^Pulumi\.([A-Za-z0-9_.-]+)\.yaml$/.exec(f);
        const file = path.join(dir, f);
        if (!m || m[1] === stack || path.resolve(file) === path.resolve(configFile)) continue;
        try {
            out.push({ stack: m[1], file, config: readStackFile(file) as Record<string, string> });
        } catch {
            // Not a stack file we can read (e.g. encrypted values): nothing to compare against.
        }
    }
    return out;
}

/**
 * What the stack reads from other stacks, as the mocks must answer it: a dc stack with `peerStack` reads the dr
 * stack's outputs, here the outputs of the dr stack file planned under mocks (absent file: a peer never deployed).
 */
export async function peerOutputs(
    config: Readonly<Record<string, string>>,
    siblings: readonly StackFile[],
): Promise<OtherStacks> {
    const peer = config[key("peerStack")] ?? "";
    if (peer === "") return {};
    const file = siblings.find((s) => s.stack === stackNameOf(peer));
    if (!file) return {};
    const run = await planUnderMocks(file.stack, file.config);
    return { [peer]: run.outputs };
}

export function placeholdersFor(p: PlanSide, config: Readonly<Record<string, string>>): Placeholders {
    return new Placeholders(
        p.resources.map((r) => r.name),
        Object.values(config),
    );
}

/** The cost of a planned stack. */
export function costOf(p: PlanSide, region: string): CostEstimate {
    const book = loadPriceBook();
    return priceBill(billOfMaterials(p.resources, { region, assumptions: book.assumptions }), book);
}

export interface Review {
    readonly base: PlannedStack;
    readonly summary: Summary;
}

/**
 * Plans the stack file and, for the cost per DR mode, the same stack in each other DR mode. `planned` is a plan of
 * exactly this config already made (reused, not run again).
 */
export async function reviewStack(
    stack: string,
    configFile: string,
    config: Readonly<Record<string, string>>,
    planned?: PlannedStack,
): Promise<Review> {
    const siblings = siblingStackFiles(configFile, stack);
    const others = await peerOutputs(config, siblings);
    const base = planned ?? (await planUnderMocks(stack, config, others, configFile));
    const region = config["aws:region"] ?? "?";
    const drMode = config[key("drMode")] ?? "warm";
    const costByDrMode: Record<string, CostEstimate> = {};
    for (const mode of DR_MODES) {
        const p = mode === drMode ? base : await planUnderMocks(stack, { ...config, [key("drMode")]: mode }, others);
        costByDrMode[mode] = costOf(p, region);
    }
    const summary = buildSummary({
        stack,
        configFile,
        config,
        resources: base.resources,
        outputs: base.outputs,
        warnings: stackWarnings({ stack, file: configFile, config }, siblings),
        costByDrMode,
        pricesFile: path.relative(process.cwd(), PRICES_FILE),
        placeholders: placeholdersFor(base, config),
    });
    return { base, summary };
}

export interface PeerReport {
    readonly stack: string;
    readonly file: string;
    /** True when the peer's stack file has no peerStack and the report shows it as if it had one. */
    readonly hypothetical: boolean;
    readonly note: string;
    readonly report: ChangeReport;
}

export interface OverrideReview {
    readonly overrides: Record<string, { from?: string; to: string }>;
    readonly base: PlannedStack;
    readonly next: PlannedStack;
    readonly report: ChangeReport;
    /** dc's side of a dr change: dc reads dr's outputs (its failover flag) through peerStack. */
    readonly peers: PeerReport[];
}

/** `--set`: plans the stack file and the overridden config, and what changes between them, here and on a dc that reads this stack. */
export async function reviewOverrides(
    stack: string,
    configFile: string,
    config: Readonly<Record<string, string>>,
    overrides: Readonly<Record<string, string>>,
): Promise<OverrideReview> {
    const siblings = siblingStackFiles(configFile, stack);
    const others = await peerOutputs(config, siblings);
    const base = await planUnderMocks(stack, config, others, configFile);
    const nextConfig = { ...config, ...overrides };
    const next = await planUnderMocks(stack, nextConfig, await peerOutputs(nextConfig, siblings));
    const peers: PeerReport[] = [];
    if (config[key("site")] === "dr") {
        for (const dc of siblings.filter((s) => s.config[key("site")] === "dc")) {
            const configured = dc.config[key("peerStack")] ?? "";
            if (configured !== "" && stackNameOf(configured) !== stack) continue;
            const peerStack = configured || `organization/${PROJECT}/${stack}`;
            const dcConfig = { ...dc.config, [key("peerStack")]: peerStack };
            const before = await planUnderMocks(dc.stack, dcConfig, { [peerStack]: base.outputs });
            const after = await planUnderMocks(dc.stack, dcConfig, { [peerStack]: next.outputs });
            peers.push({
                stack: dc.stack,
                file: dc.file,
                hypothetical: configured === "",
                note:
                    configured === ""
                        ? `${dc.file} has no ${key("peerStack")}: the dc stack does not read this change at all (it stays active and keeps ` +
                          `writing the domain). Shown below as it would be with ${key("peerStack")}=${peerStack}, after \`pulumi up -s ${dc.stack}\`.`
                        : `${dc.file} reads this stack through ${key("peerStack")}=${configured}: after this stack's \`pulumi up\`, \`pulumi up -s ${dc.stack}\` applies this.`,
                report: changeReport(before, after),
            });
        }
    }
    return {
        overrides: Object.fromEntries(Object.entries(overrides).map(([k, v]) => [k, { from: config[k], to: v }])),
        base,
        next,
        report: changeReport(base, next),
        peers,
    };
}
