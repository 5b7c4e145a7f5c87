/** Renders the `config:` block of Pulumi.yaml from the schema table, so the two never drift. */
import { CONFIG_KEYS } from "../stacks/schema";

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

if (require.main === module) {
    process.stdout.write(renderConfigBlock());
}
