/** Renders the README's config table from the schema and the stack files (`npx tsx tools/configTable.ts`). */
import { CONFIG_KEYS, KeySpec } from "../stacks/schema";
import { readStackFile } from "./stackFile";

export function renderConfigTable(): string {
    const dc = readStackFile("Pulumi.dc.yaml");
    const dr = readStackFile("Pulumi.dr.yaml");
    const cell = (v: string | undefined) => (v === undefined ? "(default)" : `\`${v}\``);
    const rows = [
        "| key | type | default | dc | dr | meaning |",
        "|---|---|---|---|---|---|",
        `| \`aws:region\` | string | required | ${cell(dc["aws:region"])} | ${cell(dr["aws:region"])} | The site's AWS region. |`,
    ];
    for (const [k, spec] of Object.entries(CONFIG_KEYS) as [string, KeySpec][]) {
        const key = `ghost-dcdr:${k}`;
        const def = spec.secret
            ? "none (secret)"
            : spec.default === undefined
              ? "required"
              : spec.default === ""
                ? "empty"
                : `\`${typeof spec.default === "string" ? spec.default : JSON.stringify(spec.default)}\``;
        rows.push(`| \`${key}\` | ${spec.type} | ${def} | ${cell(dc[key])} | ${cell(dr[key])} | ${spec.description} |`);
    }
    return rows.join("\n") + "\n";
}

if (require.main === module) {
    process.stdout.write(renderConfigTable());
}
