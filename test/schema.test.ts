import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as yaml from "js-yaml";
import { CONFIG_KEYS, SECTIONS } from "../stacks/schema";
import { CONFIG_TABLE_END, CONFIG_TABLE_START, withConfigTable } from "../tools/configTable";
import { withConfigBlock } from "../tools/pulumiYaml";

describe("config schema", () => {
    const pulumiYaml = fs.readFileSync("Pulumi.yaml", "utf8");
    const project = yaml.load(pulumiYaml) as { name: string; config: Record<string, any> };

    it("Pulumi.yaml's config block is the one npm run docs:config writes from stacks/schema.ts", () => {
        assert.equal(project.name, "ghost-dcdr");
        assert.equal(pulumiYaml, withConfigBlock(pulumiYaml), "Pulumi.yaml is stale: run npm run docs:config");
        assert.deepEqual(Object.keys(project.config), Object.keys(CONFIG_KEYS));
    });

    it("every key has a description, a section, and optional keys a default of their declared type", () => {
        for (const [key, spec] of Object.entries(project.config)) {
            assert.ok(spec.description.length > 10, key);
            assert.ok((SECTIONS as readonly string[]).includes(CONFIG_KEYS[key as keyof typeof CONFIG_KEYS].section), key);
            if (!("default" in spec)) continue;
            const type = Array.isArray(spec.default)
                ? "array"
                : typeof spec.default === "number"
                  ? "integer"
                  : typeof spec.default;
            assert.equal(type, spec.type, `${key} default matches its type`);
        }
    });

    it("the README's config table is the one npm run docs:config writes: every key, its type, default and stack values", () => {
        const readme = fs.readFileSync("README.md", "utf8");
        assert.equal(readme, withConfigTable(readme), "the README's config table is stale: run npm run docs:config");
        const table = readme.slice(readme.indexOf(CONFIG_TABLE_START), readme.indexOf(CONFIG_TABLE_END));
        for (const key of Object.keys(CONFIG_KEYS)) assert.ok(table.includes(`| \`ghost-dcdr:${key}\` |`), key);
    });

    it("rewrites only the config block and the marked table, and refuses a file without them", () => {
        const yamlText = "name: x\n# note\nconfig:\n  stale:\n    type: string\n\nother: 1\n";
        const rewritten = withConfigBlock(yamlText);
        assert.ok(rewritten.startsWith("name: x\n# note\nconfig:\n  site:\n"));
        assert.ok(rewritten.endsWith("    default: false\n\nother: 1\n"), "what follows the block is kept");
        assert.equal(withConfigBlock(rewritten), rewritten);
        assert.throws(() => withConfigBlock("name: x\n"), /no top-level `config:` line/);
        const readme = `intro\n${CONFIG_TABLE_START}\n| stale |\n${CONFIG_TABLE_END}\noutro\n`;
        const table = withConfigTable(readme);
        assert.ok(
            table.startsWith(`intro\n${CONFIG_TABLE_START}\n| key | type |`) && table.endsWith(`${CONFIG_TABLE_END}\noutro\n`),
        );
        assert.throws(() => withConfigTable("intro\n"), /no config table section/);
    });
});
