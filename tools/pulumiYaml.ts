/**
 * Pulumi.yaml's `config:` block, rendered from the schema table so the two never drift: `npm run docs:config`
 * rewrites it in place (tools/configDocs.ts); `test/schema.test.ts` fails when the file differs.
 */
import { CONFIG_KEYS } from "../stacks/schema";

/** The lines under `config:`, one entry per key in schema order. */
export function renderConfigBlock(): string {
    const lines: string[] = [];
    for (const [key, spec] of Object.entries(CONFIG_KEYS)) {
        lines.push(`  ${key}:`);
        lines.push(`    type: ${spec.type}`);
        if (spec.type === "array") lines.push("    items:", "      type: string");
        lines.push(`    description: ${JSON.stringify(spec.description)}`);
        if ("default" in spec) lines.push(`    default: ${JSON.stringify(spec.default)}`);
        if ("secret" in spec && spec.secret) lines.push("    secret: true");
    }
    return lines.join("\n") + "\n";
}

/**
 * Replaces the top-level `config:` block of `pulumiYaml` (the line `config:` and the indented lines under it) with
 * the rendered one, leaving the rest of the file as it is; throws when there is no such block.
 */
export function withConfigBlock(pulumiYaml: string): string {
    const lines = pulumiYaml.split("\n");
    const start = lines.indexOf("config:");
    if (start < 0) {
        throw new Error("Pulumi.yaml has no top-level `config:` line: add one where the block belongs");
    }
    let end = start + 1;
    while (end < lines.length && (lines[end].startsWith(" ") || lines[end] === "")) end++;
    // Blank lines after the block belong to what follows it.
    while (end > start + 1 && lines[end - 1] === "") end--;
    return [...lines.slice(0, start + 1), ...renderConfigBlock().trimEnd().split("\n"), ...lines.slice(end)].join("\n");
}
