import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs, plan } from "../tools/plan";
import { printedPlan } from "./helpers";
import { DC, DR } from "./fixtures";
import { cachedRun } from "../tools/mocks";

describe("offline plan", function () {
    this.timeout(60000);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "plan-"));

    it("the README's deploy section quotes the offline plan's resource counts of both stacks", async () => {
        // One after the other: the mocks are process-wide, two runs at once would mix their config.
        const dc = await cachedRun("dc", DC);
        const dr = await cachedRun("dr", DR);
        const readme = fs.readFileSync("README.md", "utf8").replace(/\s+/g, " ");
        const quoted = `lists ${dc.mocks.resources.length} resources for dc (it also owns both backup buckets, both media buckets and the CDN) and ${dr.mocks.resources.length} for dr`;
        assert.ok(readme.includes(quoted), `README should say: ${quoted}`);
    });

    it("writes resources.json (remote components with their inputs, secrets masked) and the manifests", async () => {
        const outDir = path.join(tmp, "dr");
        const printed = await printedPlan({ stack: "dr", configFile: "Pulumi.dr.yaml", outDir });
        assert.match(printed, /eks:index:Cluster {2}dr-cluster-eks {2}\(remote component\)/);
        assert.match(printed, /kubeconfig: \[secret\]/);
        const resources = JSON.parse(fs.readFileSync(path.join(outDir, "resources.json"), "utf8"));
        const vpc = resources.find((r: any) => r.type === "awsx:ec2:Vpc");
        assert.equal(vpc.inputs.cidrBlock, "10.20.0.0/16");
        assert.ok(resources.every((r: any) => r.urn && r.type && r.name));
        assert.match(printed, new RegExp(`^${resources.length} resources\\.`, "m"));
        const manifests = fs.readdirSync(path.join(outDir, "manifests"));
        assert.ok(manifests.includes("serviceaccount-external-dns-external-dns.yaml"), manifests.join(","));
    });

    it("prints in full what a reviewer checks, labels the mocks' placeholders, and writes summary.json", async () => {
        const outDir = path.join(tmp, "dr-review");
        const printed = await printedPlan({ stack: "dr", configFile: "Pulumi.dr.yaml", outDir });
        // The values issue 12 found cut at ~40 characters: namespace name, alias target, Ingress hosts, schedule, suspend.
        for (const line of [
            "    metadata.name: ghost",
            '      aliases: [{"evaluateTargetHealth":false,"name":"dc.blog.example.com","zoneId":"Z0123456789ABCDEFGHIJ"}]',
            "      spec.rules[1].host: dr.blog.example.com",
            "      spec.schedule: 30 * * * *",
            "      spec.suspend: false",
            "        role: dr-autoscaler-irsa-role-id (placeholder)",
            "      name: _mock.blog.example.com. (placeholder)",
        ]) {
            assert.ok(printed.split("\n").includes(line), `the plan should print the line ${JSON.stringify(line)}`);
        }
        assert.doesNotMatch(printed, /\.\.\.$/m, "no value is cut with an ellipsis");
        assert.ok(printed.indexOf("== Review summary") < printed.indexOf("== Resources"), "the summary comes first");
        const summary = JSON.parse(fs.readFileSync(path.join(outDir, "summary.json"), "utf8"));
        assert.deepEqual(Object.keys(summary).sort(), [
            "configFile",
            "cost",
            "dns",
            "placeholders",
            "region",
            "resources",
            "role",
            "site",
            "stack",
            "switchTime",
            "warnings",
        ]);
        assert.deepEqual(Object.keys(summary.cost.totalByDrMode).sort(), ["cold", "warm"]);
    });

    it("with --set, prints what changes against the stack file and writes it beside the overridden plan", async () => {
        const outDir = path.join(tmp, "dr-set");
        const log: string[] = [];
        const original = console.log;
        console.log = (...args: unknown[]) => log.push(args.join(" "));
        try {
            await plan({ stack: "dr", configFile: "Pulumi.dr.yaml", outDir, overrides: { "ghost-dcdr:failover": "true" } });
        } finally {
            console.log = original;
        }
        const printed = log.join("\n");
        assert.match(printed, /^ {2}ghost-dcdr:failover: \(not set: its default\) -> true$/m);
        assert.match(printed, /^ {4}CronJob ghost\/ghost-restore SUSPENDS: suspended on "30 \* \* \* \*"$/m);
        assert.match(printed, /^ {4}blog\.example\.com PRIMARY record: dc\.blog\.example\.com -> dr\.blog\.example\.com$/m);
        assert.match(printed, /^Stack dc \(hypothetical\): Pulumi\.dc\.yaml has no ghost-dcdr:peerStack/m);
        const changes = JSON.parse(fs.readFileSync(path.join(outDir, "changes.json"), "utf8"));
        assert.deepEqual(changes.overrides, { "ghost-dcdr:failover": { to: "true" } });
        const resources = JSON.parse(fs.readFileSync(path.join(outDir, "resources.json"), "utf8"));
        assert.ok(
            resources.some((r: any) => r.name === "dr-datapath-restore-catch-up"),
            "resources.json is the overridden plan",
        );
    });

    it("takes --stack and --config, and names what is wrong with the arguments", () => {
        assert.deepEqual(parseArgs(["--stack", "dc"]), {
            stack: "dc",
            configFile: "Pulumi.dc.yaml",
            outDir: path.join("out", "plan", "dc"),
        });
        assert.equal(parseArgs(["--stack", "prod-dc", "--config", "Pulumi.dc.yaml"]).configFile, "Pulumi.dc.yaml");
        assert.throws(() => parseArgs([]), /--stack is required/);
        assert.throws(
            () => parseArgs(["--stack", "prod"]),
            /^Error: there is no stack prod here \(no Pulumi\.prod\.yaml\); this project's stack files are Pulumi\.dc\.yaml, Pulumi\.dr\.yaml: pass --stack dc or --stack dr, or --config <file> for a copy of one$/,
        );
        assert.throws(() => parseArgs(["--stack", "dc", "--config", "nope.yaml"]), /nope\.yaml does not exist/);
        assert.throws(
            () => parseArgs(["--stack", "dc", "--config", "Pulumi.dr.yaml"]),
            /Pulumi\.dr\.yaml is the dr site's file \(ghost-dcdr:site: dr\), but --stack is dc: use --stack dr/,
        );
        assert.throws(() => parseArgs(["--stack", "dc", "--bogus"]), /unknown argument "--bogus"/);
    });

    it("sends a failover flag set on dc to the dr stack, where the flag lives", async () => {
        await assert.rejects(
            plan({
                stack: "dc",
                configFile: "Pulumi.dc.yaml",
                outDir: path.join(tmp, "dc-set"),
                overrides: { "ghost-dcdr:failover": "true" },
            }),
            /ghost-dcdr:failover is the dr stack's flag, so --set it on dr: npm run plan -- --stack dr --set ghost-dcdr:failover=true/,
        );
    });

    it("takes --set key=value (repeatable), qualifies a bare project key, and writes beside the stack file's plan", () => {
        assert.deepEqual(parseArgs(["--stack", "dr", "--set", "ghost-dcdr:failover=true", "--set", "drMode=cold"]), {
            stack: "dr",
            configFile: "Pulumi.dr.yaml",
            outDir: path.join("out", "plan", "dr-set"),
            overrides: { "ghost-dcdr:failover": "true", "ghost-dcdr:drMode": "cold" },
        });
        assert.deepEqual(parseArgs(["--stack", "dc", "--set", "aws:region=eu-west-3"]).overrides, { "aws:region": "eu-west-3" });
        assert.throws(
            () => parseArgs(["--stack", "dc", "--set", "failover"]),
            /--set needs key=value, e\.g\. --set ghost-dcdr:failover=true/,
        );
        assert.throws(() => parseArgs(["--stack", "dc", "--set", "nosuchkey=1"]), /--set nosuchkey: not a ghost-dcdr config key/);
    });

    it("as a command, prints only the validation message, with the fix in the file it read, and exits 2", () => {
        const bad = path.join(tmp, "bad.yaml");
        fs.writeFileSync(
            bad,
            fs.readFileSync("Pulumi.dc.yaml", "utf8").replace("ghost-dcdr:nodeMaxSize: 5", "ghost-dcdr:nodeMaxSize: five"),
        );
        const result = spawnSync("npm", ["run", "-s", "plan", "--", "--stack", "dc", "--config", bad], { encoding: "utf8" });
        assert.equal(result.status, 2);
        assert.equal(
            result.stderr.replace(/^npm warn .*\n/gm, "").trim(),
            `invalid stack config:\nghost-dcdr:nodeMaxSize: "five" is not a whole number. Fix: in ${bad} set ghost-dcdr:nodeMaxSize: 5`,
        );
    });
});
