/**
 * Offline plan: `npm run plan -- --stack <dc|dr> [--config <file>] [--out <dir>] [--set <key>=<value> ...]`.
 * Runs the real program under the shared mocks (no credentials, no network) and prints, first, a review summary
 * (warnings, the site's role and switch time, what `pulumi up` creates by layer, every DNS name, the estimated monthly
 * cost per DR mode: tools/review/), then the resource tree with every value in full and the mocks' placeholders
 * labelled. Writes out/plan/<stack>/resources.json, summary.json, and the Kubernetes objects the program creates
 * directly as YAML under manifests/. Invalid config prints the validation message, exit 2.
 *
 * `--set` (repeatable) plans the stack file with overrides and prints what changes against the stack file: resources
 * and input paths, CronJobs that suspend or resume, where the domain points, what starts and stops, and what a dc stack
 * that reads this one does. It writes to out/plan/<stack>-set/ (also changes.json), never over the stack file's plan.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as yaml from "js-yaml";
import { CONFIG_KEYS, PROJECT } from "../stacks/schema";
import { maskSecrets, RecordedResource } from "./mocks";
import { formatChangeReport } from "./review/changes";
import { key, placeholdersFor, reviewOverrides, reviewStack } from "./review/review";
import { formatSummary } from "./review/summary";
import { renderTree as renderReviewTree } from "./review/tree";
import { readStackFile } from "./stackFile";

export interface PlanArgs {
    stack: string;
    configFile: string;
    outDir: string;
    /** `--set key=value` overrides of the stack file's config, keys fully qualified (`ghost-dcdr:failover`). */
    overrides?: Record<string, string>;
}

export const USAGE = "usage: npm run plan -- --stack <dc|dr> [--config <file>] [--out <dir>] [--set <key>=<value> ...]";

export function parseArgs(argv: string[]): PlanArgs {
    let stack: string | undefined;
    let configFile: string | undefined;
    let outDir: string | undefined;
    const overrides: Record<string, string> = {};
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        if (arg === "--stack" || arg === "-s") stack = argv[++i];
        else if (arg === "--config") configFile = argv[++i];
        else if (arg === "--out") outDir = argv[++i];
        else if (arg === "--set") {
            const [k, v] = parseOverride(argv[++i]);
            overrides[k] = v;
        } else throw new UsageError(`unknown argument ${JSON.stringify(arg)}`);
    }
    if (!stack) throw new UsageError("--stack is required");
    if (!/^[A-Za-z0-9_.-]+$/.test(stack)) throw new UsageError(`--stack ${JSON.stringify(stack)} is not a stack name`);
    const givenFile = configFile !== undefined;
    configFile ??= `Pulumi.${stack}.yaml`;
    if (!fs.existsSync(configFile)) {
        const known = fs
            .readdirSync(".")
            .filter((f) => /^Pulumi\.[A-Za-z0-9_.-]+\.yaml$/.test(f))
            .sort();
        const stacks = known.map((f) => f.slice("Pulumi.".length, -".yaml".length));
        throw new UsageError(
            givenFile || stacks.length === 0
                ? `${configFile} does not exist; pass --config <file> in the Pulumi.<stack>.yaml format`
                : `there is no stack ${stack} here (no ${configFile}); this project's stack files are ${known.join(", ")}: ` +
                      `pass ${stacks.map((s) => `--stack ${s}`).join(" or ")}, or --config <file> for a copy of one`,
        );
    }
    const site = siteOf(configFile);
    if (site && (stack === "dc" || stack === "dr") && site !== stack) {
        throw new UsageError(
            `${configFile} is the ${site} site's file (${PROJECT}:site: ${site}), but --stack is ${stack}: use --stack ${site}`,
        );
    }
    const withOverrides = Object.keys(overrides).length > 0;
    const args: PlanArgs = {
        stack,
        configFile,
        outDir: outDir ?? path.join("out", "plan", withOverrides ? `${stack}-set` : stack),
    };
    if (withOverrides) args.overrides = overrides;
    return args;
}

/**
 * `key=value`: the key as `pulumi config` writes it (`ghost-dcdr:failover`, `aws:region`); a bare key of this project
 * (`failover`) is qualified. The value is taken as the stack file would hold it (a string; lists as JSON).
 */
/** The site a stack file sets (`ghost-dcdr:site`), or undefined when it sets none or cannot be read (plan says why later). */
function siteOf(configFile: string): string | undefined {
    try {
        return readStackFile(configFile)[`${PROJECT}:site`];
    } catch {
        return undefined;
    }
}

export function parseOverride(text: string | undefined): [string, string] {
    const m = /^([^=\s]+)=(.*)$/s.exec(text ?? "");
    if (!m)
        throw new UsageError(`--set needs key=value, e.g. --set ${PROJECT}:failover=true (got ${JSON.stringify(text ?? "")})`);
    const [, k, v] = m;
    if (!k.includes(":") && !(k in CONFIG_KEYS)) {
        throw new UsageError(
            `--set ${k}: not a ${PROJECT} config key; write it as <namespace>:<key>, e.g. ${PROJECT}:failover or aws:region`,
        );
    }
    return [key(k), v];
}

export class UsageError extends Error {}

/** Kubernetes objects created directly (not Helm releases, not providers), as the API server would receive them. */
export function manifestsOf(resources: RecordedResource[]): Record<string, unknown>[] {
    return resources
        .filter((r) => r.custom && r.type.startsWith("kubernetes:") && !r.type.startsWith("kubernetes:helm.sh/"))
        .map((r) => maskSecrets(r.inputs) as Record<string, unknown>);
}

/** resources.json and manifests/: their content is fixed (CI diffs them, tools/plan-diff.sh); keep it byte-identical. */
function writePlanFiles(outDir: string, resources: RecordedResource[]): void {
    fs.rmSync(outDir, { recursive: true, force: true });
    fs.mkdirSync(path.join(outDir, "manifests"), { recursive: true });
    const records = resources.map((r) => ({
        urn: r.urn,
        type: r.type,
        name: r.name,
        parent: r.parent,
        provider: r.provider,
        providers: r.providers,
        inputs: maskSecrets(r.inputs),
    }));
    fs.writeFileSync(path.join(outDir, "resources.json"), JSON.stringify(records, null, 2) + "\n");
    for (const manifest of manifestsOf(resources)) {
        const meta = (manifest.metadata ?? {}) as { name?: string; namespace?: string };
        const file = [manifest.kind, meta.namespace, meta.name].filter(Boolean).join("-").toLowerCase() + ".yaml";
        fs.writeFileSync(path.join(outDir, "manifests", file), yaml.dump(manifest, { noRefs: true, sortKeys: true }));
    }
}

export async function plan(args: PlanArgs): Promise<{ resourceCount: number }> {
    const config = readStackFile(args.configFile) as Record<string, string>;
    const overrides = args.overrides ?? {};
    const withOverrides = Object.keys(overrides).length > 0;
    const planConfig = { ...config, ...overrides };
    // The flag lives on dr (stacks/roles.ts); a dc plan with it would only show the config error. Point at what works.
    if (overrides[key("failover")] !== undefined && planConfig[key("site")] === "dc") {
        throw new UsageError(
            `${key("failover")} is the dr stack's flag, so --set it on dr: npm run plan -- --stack dr --set ${key("failover")}=${overrides[key("failover")]} ` +
                "(the report shows what the dc stack does too)",
        );
    }

    const o = withOverrides ? await reviewOverrides(args.stack, args.configFile, config, overrides) : undefined;
    const review = await reviewStack(args.stack, args.configFile, planConfig, o?.next);
    const { base, summary } = review;
    const run = base.run;

    writePlanFiles(args.outDir, run.mocks.resources);
    fs.writeFileSync(path.join(args.outDir, "summary.json"), JSON.stringify(summary, null, 2) + "\n");

    const set = Object.entries(overrides)
        .map(([k, v]) => `${k}=${v}`)
        .join(" ");
    console.log(
        `Plan for stack ${args.stack} (config ${args.configFile}${withOverrides ? `, with --set ${set}` : ""}), under mocks: nothing was created.\n`,
    );
    if (o) {
        fs.writeFileSync(
            path.join(args.outDir, "changes.json"),
            JSON.stringify({ overrides: o.overrides, ...o.report, peers: o.peers }, null, 2) + "\n",
        );
        const ph = placeholdersFor(o.next, planConfig);
        console.log(`== What changes against ${args.configFile} with --set ${set} (also in changes.json) ==`);
        for (const [k, v] of Object.entries(o.overrides)) console.log(`  ${k}: ${v.from ?? "(not set: its default)"} -> ${v.to}`);
        console.log(`\nStack ${args.stack}:`);
        console.log(formatChangeReport(o.report, ph).join("\n"));
        for (const peer of o.peers) {
            console.log(`\nStack ${peer.stack}${peer.hypothetical ? " (hypothetical)" : ""}: ${peer.note}`);
            console.log(formatChangeReport(peer.report, ph).join("\n"));
        }
        console.log("");
    }
    console.log(formatSummary(summary));
    console.log(`\n== Resources (every value in full; pod templates in manifests/, everything in resources.json) ==\n`);
    console.log(renderReviewTree(base.resources, placeholdersFor(base, planConfig)));
    console.log(`\n${run.mocks.resources.length} resources. Outputs:`);
    for (const [k, value] of Object.entries(run.outputs)) {
        const shown = run.secretOutputs.includes(k) ? "[secret]" : JSON.stringify(value);
        console.log(`  ${k}: ${shown}`);
    }
    console.log(
        `\nWrote ${path.join(args.outDir, "resources.json")}, summary.json${o ? ", changes.json" : ""} and ${path.join(args.outDir, "manifests")}/`,
    );
    return { resourceCount: run.mocks.resources.length };
}

if (require.main === module) {
    let args: PlanArgs;
    try {
        args = parseArgs(process.argv.slice(2));
    } catch (e) {
        console.error(`plan: ${(e as Error).message}\n${USAGE}`);
        process.exit(2);
    }
    plan(args).then(
        () => process.exit(0),
        (e) => {
            // Config problems are the user's to fix: print the message alone, no stack trace.
            if (e instanceof UsageError) {
                console.error(`plan: ${e.message}`);
            } else if (e instanceof pulumi.RunError || (e as Error).message?.startsWith("invalid stack config")) {
                console.error((e as Error).message);
            } else {
                console.error(e);
            }
            process.exit(2);
        },
    );
}
