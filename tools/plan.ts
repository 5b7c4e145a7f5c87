/**
 * Offline plan: `npm run plan -- --stack <dc|dr> [--config <file>] [--out <dir>]`.
 * Runs the real program under the shared mocks (no credentials, no network), prints the resource tree with
 * secrets masked, and writes out/plan/<stack>/resources.json plus the Kubernetes objects the program creates
 * directly as YAML under out/plan/<stack>/manifests/. Invalid config prints the validation message, exit 2.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as yaml from "js-yaml";
import { maskSecrets, RecordedResource, runStack } from "./mocks";
import { readStackFile } from "./stackFile";

export interface PlanArgs {
    stack: string;
    configFile: string;
    outDir: string;
}

export function parseArgs(argv: string[]): PlanArgs {
    let stack: string | undefined;
    let configFile: string | undefined;
    let outDir: string | undefined;
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        if (arg === "--stack" || arg === "-s") stack = argv[++i];
        else if (arg === "--config") configFile = argv[++i];
        else if (arg === "--out") outDir = argv[++i];
        else throw new UsageError(`unknown argument ${JSON.stringify(arg)}`);
    }
    if (!stack) throw new UsageError("--stack is required");
    if (!/^[A-Za-z0-9_.-]+$/.test(stack)) throw new UsageError(`--stack ${JSON.stringify(stack)} is not a stack name`);
    configFile ??= `Pulumi.${stack}.yaml`;
    if (!fs.existsSync(configFile)) {
        throw new UsageError(`${configFile} does not exist; pass --config <file> in the Pulumi.<stack>.yaml format`);
    }
    return { stack, configFile, outDir: outDir ?? path.join("out", "plan", stack) };
}

class UsageError extends Error {}

/** Kubernetes objects created directly (not Helm releases, not providers), as the API server would receive them. */
export function manifestsOf(resources: RecordedResource[]): Record<string, unknown>[] {
    return resources
        .filter((r) => r.custom && r.type.startsWith("kubernetes:") && !r.type.startsWith("kubernetes:helm.sh/"))
        .map((r) => maskSecrets(r.inputs) as Record<string, unknown>);
}

function summary(r: RecordedResource): string {
    const inputs = maskSecrets(r.inputs) as Record<string, unknown>;
    if (r.type === "kubernetes:helm.sh/v3:Release") {
        return `${String(inputs.chart)}@${String(inputs.version)} in ${String(inputs.namespace)}`;
    }
    const parts: string[] = [];
    for (const [key, value] of Object.entries(inputs)) {
        if (["apiVersion", "kind"].includes(key)) continue;
        const text = typeof value === "string" ? value : JSON.stringify(value);
        if (text === undefined) continue;
        parts.push(`${key}=${text.length > 48 ? `${text.slice(0, 45)}...` : text}`);
        if (parts.length === 4) break;
    }
    return parts.join(" ");
}

export function renderTree(resources: RecordedResource[]): string {
    const children = new Map<string | undefined, RecordedResource[]>();
    for (const r of resources) {
        const list = children.get(r.parent) ?? [];
        list.push(r);
        children.set(r.parent, list);
    }
    const urns = new Set(resources.map((r) => r.urn));
    const lines: string[] = [];
    const walk = (parent: string | undefined, indent: string) => {
        for (const r of (children.get(parent) ?? []).sort((a, b) => a.name.localeCompare(b.name))) {
            lines.push(`${indent}${r.type}  ${r.name}${r.remote ? "  (remote component)" : ""}  ${summary(r)}`.trimEnd());
            walk(r.urn, `${indent}  `);
        }
    };
    walk(undefined, "");
    // Anything whose parent was not recorded still shows, at the top.
    for (const r of resources) {
        if (r.parent && !urns.has(r.parent)) lines.push(`${r.type}  ${r.name}  (parent ${r.parent})`);
    }
    return lines.join("\n");
}

export async function plan(args: PlanArgs): Promise<{ resourceCount: number }> {
    const { mocks, outputs, secretOutputs } = await runStack(args.stack, readStackFile(args.configFile));
    fs.rmSync(args.outDir, { recursive: true, force: true });
    fs.mkdirSync(path.join(args.outDir, "manifests"), { recursive: true });
    const records = mocks.resources.map((r) => ({
        urn: r.urn,
        type: r.type,
        name: r.name,
        parent: r.parent,
        provider: r.provider,
        providers: r.providers,
        inputs: maskSecrets(r.inputs),
    }));
    fs.writeFileSync(path.join(args.outDir, "resources.json"), JSON.stringify(records, null, 2) + "\n");
    for (const manifest of manifestsOf(mocks.resources)) {
        const meta = (manifest.metadata ?? {}) as { name?: string; namespace?: string };
        const file = [manifest.kind, meta.namespace, meta.name].filter(Boolean).join("-").toLowerCase() + ".yaml";
        fs.writeFileSync(path.join(args.outDir, "manifests", file), yaml.dump(manifest, { noRefs: true, sortKeys: true }));
    }
    console.log(`Plan for stack ${args.stack} (config ${args.configFile}), under mocks: nothing was created.\n`);
    console.log(renderTree(mocks.resources));
    console.log(`\n${mocks.resources.length} resources. Outputs:`);
    for (const [key, value] of Object.entries(outputs)) {
        const shown = secretOutputs.includes(key) ? "[secret]" : JSON.stringify(value);
        console.log(`  ${key}: ${shown}`);
    }
    console.log(`\nWrote ${path.join(args.outDir, "resources.json")} and ${path.join(args.outDir, "manifests")}/`);
    return { resourceCount: mocks.resources.length };
}

if (require.main === module) {
    let args: PlanArgs;
    try {
        args = parseArgs(process.argv.slice(2));
    } catch (e) {
        console.error(`plan: ${(e as Error).message}\nusage: npm run plan -- --stack <dc|dr> [--config <file>] [--out <dir>]`);
        process.exit(2);
    }
    plan(args).then(
        () => process.exit(0),
        (e) => {
            // Config problems are the user's to fix: print the message alone, no stack trace.
            if (e instanceof pulumi.RunError || (e as Error).message?.startsWith("invalid stack config")) {
                console.error((e as Error).message);
            } else {
                console.error(e);
            }
            process.exit(2);
        },
    );
}
