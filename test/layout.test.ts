import { strict as assert } from "node:assert";
import * as fs from "node:fs";

/** The README's layout list, from "Layout" to the next blank line. */
function layoutSection(): string {
    const readme = fs.readFileSync("README.md", "utf8");
    const start = readme.indexOf("Layout (");
    assert.ok(start >= 0, "README has no Layout section");
    return readme.slice(start, readme.indexOf("\n\n", start));
}

describe("README layout", () => {
    it("names every top-level folder and every component folder", () => {
        const layout = layoutSection();
        const folders = (dir: string) =>
            fs
                .readdirSync(dir, { withFileTypes: true })
                .filter((e) => e.isDirectory() && !e.name.startsWith(".") && !["node_modules", "out", "bin"].includes(e.name))
                .map((e) => e.name);
        for (const name of folders(".")) assert.match(layout, new RegExp("`" + name + "/"), `top-level ${name}/`);
        for (const name of folders("components")) assert.match(layout, new RegExp("`" + name + "`"), `components/${name}`);
    });
});
