/**
 * `npm run docs:config`: rewrites, from stacks/schema.ts, the `config:` block of Pulumi.yaml and the README's config
 * table in place. Run it after adding or changing a key; `test/schema.test.ts` fails until you do.
 */
import * as fs from "node:fs";
import { withConfigTable } from "./configTable";
import { withConfigBlock } from "./pulumiYaml";

function rewrite(file: string, what: string, update: (text: string) => string): void {
    const before = fs.readFileSync(file, "utf8");
    const after = update(before);
    if (after !== before) fs.writeFileSync(file, after);
    console.log(after === before ? `${file}: ${what} already current` : `${file}: ${what} regenerated`);
}

rewrite("Pulumi.yaml", "config block", withConfigBlock);
rewrite("README.md", "config table", withConfigTable);
