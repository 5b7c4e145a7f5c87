/**
 * What the README says that the program knows: each fact checked against the program, so it cannot drift
 * (issue 12: counts, names and patterns had drifted). Timings are measurements with their command and date.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { backupBucketName } from "../components/backup/buckets";
import {
    CDN_FAILOVER_STATUS_CODES,
    CDN_PRIMARY_CONNECTION,
    MEDIA_KEY_ALIAS,
    MEDIA_NONCURRENT_DAYS,
    mediaBucketName,
} from "../components/media";
import { configProblems, DC, DR } from "./fixtures";
import { inputsOf, printedPlan } from "./helpers";
import { cachedRun } from "../tools/mocks";
import { reviewStack } from "../tools/review/review";
import { readStackFile } from "../tools/stackFile";

const readme = () => fs.readFileSync("README.md", "utf8");
const flat = () => readme().replace(/\s+/g, " ");

describe("README facts, held against the program", function () {
    this.timeout(120000);

    it("lists every stack output, and no other", async () => {
        const run = await cachedRun("dc", DC);
        const line = /^Outputs: ([\s\S]*?)\n\n/m.exec(readme());
        assert.ok(line, "README has no 'Outputs:' paragraph");
        const listed = [...line[1].matchAll(/`([A-Za-z]+)`/g)].map((m) => m[1]).sort();
        assert.deepEqual(listed, Object.keys(run.outputs).sort());
    });

    it("states the media store's timings, names and failover codes as components/media defines them", () => {
        const text = flat();
        const { attempts, timeoutS } = CDN_PRIMARY_CONNECTION;
        for (const quoted of [
            `within ${attempts} x ${timeoutS} s`,
            `at most ${attempts} x ${timeoutS} s trying dc`,
            `old versions expire after ${MEDIA_NONCURRENT_DAYS} days`,
            `\`${mediaBucketName("<backupBucketPrefix>", "<region>")}\``,
            `\`${MEDIA_KEY_ALIAS}\``,
            `on ${CDN_FAILOVER_STATUS_CODES.filter((c) => c < 500).join(", ")}, 5xx or no connection`,
        ]) {
            assert.ok(text.includes(quoted), `README should say: ${quoted}`);
        }
    });

    it("names the ExternalDNS owner ids the stacks really use", async () => {
        for (const [stack, config] of [
            ["dc", DC],
            ["dr", DR],
        ] as const) {
            const run = await cachedRun(stack, config);
            const release = run.mocks
                .byType("kubernetes:helm.sh/v3:Release")
                .map(inputsOf)
                .find((r) => r.chart === "external-dns")!;
            const owner = release.values.txtOwnerId as string;
            assert.ok(readme().includes(`${stack}.blog.example.com (ExternalDNS owner ${owner})`), `owner ${owner}`);
        }
        for (const m of readme().matchAll(/ExternalDNS owner (ghost-dcdr-[a-z0-9-]+)/g)) {
            assert.match(m[1], /^ghost-dcdr-(dc|dr)-[a-z]+-[a-z]+-\d$/, `README names owner ${m[1]}`);
        }
    });

    it("gives the backup bucket names in the form the program builds them", () => {
        const pattern = backupBucketName("<backupBucketPrefix>", "<region>");
        assert.ok(flat().includes(`\`${pattern}\``), `README should name the buckets ${pattern}`);
        assert.ok(!flat().includes("<prefix>-<region>"), "the bucket pattern without -backups- is wrong");
    });

    it("quotes the plan summary's estimate of a real preview for both stacks", async () => {
        const counts: number[] = [];
        for (const stack of ["dc", "dr"]) {
            const file = `Pulumi.${stack}.yaml`;
            const { summary } = await reviewStack(stack, file, readStackFile(file) as Record<string, string>);
            counts.push(summary.resources.preview.create);
        }
        const quoted = `estimates a real preview at ${counts[0]} resources to create for dc and ${counts[1]} for dr`;
        assert.ok(flat().includes(quoted), `README should say: ${quoted}`);
    });

    it("shows the plan's real message for an invalid value", () => {
        const [message] = configProblems({ "ghost-dcdr:nodeMaxSize": "five" }, DC, "dc", { configFile: "Pulumi.dc.yaml" });
        assert.ok(readme().includes(`invalid stack config:\n${message}\n`), `README should show: ${message}`);
    });

    it("shows in its failover runbook what `plan --set ghost-dcdr:failover=true` really prints", async () => {
        const block = /<!-- failover-plan:start -->\n```\n([\s\S]*?)\n```\n<!-- failover-plan:end -->/.exec(readme());
        assert.ok(block, "README has no failover-plan block");
        const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "readme-set-"));
        const printed = await printedPlan({
            stack: "dr",
            configFile: "Pulumi.dr.yaml",
            outDir,
            overrides: { "ghost-dcdr:failover": "true" },
        });
        const lines = printed.split("\n").map((l) => l.trimEnd());
        const start = lines.indexOf(block[1].split("\n")[0]);
        assert.ok(start >= 0, "the block's first line is not in the output");
        assert.deepEqual(block[1].split("\n"), lines.slice(start, start + block[1].split("\n").length));
    });
});
