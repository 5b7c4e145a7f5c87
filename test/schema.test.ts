import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as yaml from "js-yaml";
import { CONFIG_KEYS } from "../stacks/schema";
import { renderConfigTable } from "../tools/configTable";
import { renderConfigBlock } from "../tools/pulumiYaml";

describe("config schema", () => {
    const project = yaml.load(fs.readFileSync("Pulumi.yaml", "utf8")) as { name: string; config: Record<string, any> };

    it("Pulumi.yaml declares exactly the keys of stacks/schema.ts, with the same type, description and default", () => {
        assert.equal(project.name, "ghost-dcdr");
        const rendered = yaml.load(`config:\n${renderConfigBlock()}`) as { config: Record<string, any> };
        assert.deepEqual(project.config, rendered.config, "regenerate with: npx tsx tools/pulumiYaml.ts");
    });

    it("every key has a description, and optional keys a default of their declared type", () => {
        for (const [key, spec] of Object.entries(project.config)) {
            assert.ok(spec.description.length > 10, key);
            if (!("default" in spec)) continue;
            const type = Array.isArray(spec.default)
                ? "array"
                : typeof spec.default === "number"
                  ? "integer"
                  : typeof spec.default;
            assert.equal(type, spec.type, `${key} default matches its type`);
        }
    });

    it("the README's config table lists every key with its type, default and stack values", () => {
        const readme = fs.readFileSync("README.md", "utf8");
        assert.ok(readme.includes(renderConfigTable()), "regenerate the README table with: npx tsx tools/configTable.ts");
        for (const key of Object.keys(CONFIG_KEYS)) assert.ok(readme.includes(`| \`ghost-dcdr:${key}\` |`), key);
    });
});
