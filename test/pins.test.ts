import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import { CLUSTER_AUTOSCALER_IMAGE_TAGS, pinRows, SUPPORTED_KUBERNETES_VERSIONS } from "../components/pins";
import { renderPinsTable } from "../tools/readmePins";

interface CustomManager {
    customType: string;
    managerFilePatterns: string[];
    matchStrings: string[];
    datasourceTemplate?: string;
}

/** What Renovate's regex managers extract from `file`, as Renovate does it: every match of every matchString. */
function renovateExtract(managers: CustomManager[], file: string, text: string) {
    const found: { datasource?: string; depName?: string; registryUrl?: string; currentValue?: string }[] = [];
    for (const m of managers) {
        const applies = m.managerFilePatterns.some((p) => new RegExp(p.replace(/^\/(.*)\/$/, "$1")).test(file));
        if (!applies) continue;
        for (const source of m.matchStrings) {
            for (const match of text.matchAll(new RegExp(source, "g"))) {
                found.push({ datasource: m.datasourceTemplate ?? match.groups?.datasource, ...match.groups });
            }
        }
    }
    return found;
}

describe("pins", () => {
    const renovate = JSON.parse(fs.readFileSync("renovate.json", "utf8")) as { customManagers: CustomManager[] };
    const pinsFile = "components/pins.ts";
    const extracted = renovateExtract(renovate.customManagers, pinsFile, fs.readFileSync(pinsFile, "utf8"));

    it("every pin of the table is matched by a Renovate manager, with its datasource, name and version", () => {
        for (const pin of pinRows()) {
            const hit = extracted.find(
                (e) => e.datasource === pin.datasource && e.depName === pin.depName && e.currentValue === pin.version,
            );
            assert.ok(hit, `${pin.what} (${pin.depName} ${pin.version}) has no Renovate manager match`);
            if (pin.registryUrl) assert.equal(hit.registryUrl, pin.registryUrl, `${pin.depName}: registry URL`);
        }
    });

    it("every Renovate match is a pin of the table (no stale comment updates a value nothing reads)", () => {
        const rows = pinRows();
        assert.ok(extracted.length >= 10, `managers matched ${extracted.length} values`);
        for (const e of extracted) {
            assert.ok(
                rows.some((p) => p.depName === e.depName && p.version === e.currentValue),
                `${e.depName} ${e.currentValue} is matched by Renovate but is no pin`,
            );
        }
    });

    it("the managers would miss a pin written without its renovate comment (the check can fail)", () => {
        const text = fs
            .readFileSync(pinsFile, "utf8")
            .replace(/ *\/\/ renovate: datasource=docker depName=docker\.io\/amazon\/aws-cli\n/, "");
        const without = renovateExtract(renovate.customManagers, pinsFile, text);
        assert.ok(!without.some((e) => e.depName === "docker.io/amazon/aws-cli"));
    });

    it("accepts exactly the Kubernetes versions that have an autoscaler image of the same minor", () => {
        assert.deepEqual([...SUPPORTED_KUBERNETES_VERSIONS], Object.keys(CLUSTER_AUTOSCALER_IMAGE_TAGS));
        for (const [minor, tag] of Object.entries(CLUSTER_AUTOSCALER_IMAGE_TAGS)) {
            assert.match(tag, new RegExp(`^v${minor.replace(".", "\\.")}\\.\\d+$`), `${minor} -> ${tag}`);
        }
    });

    it("the README's pin list is generated from the table", () => {
        const readme = fs.readFileSync("README.md", "utf8");
        assert.ok(readme.includes(renderPinsTable()), "regenerate with: npm run docs:pins");
    });
});
