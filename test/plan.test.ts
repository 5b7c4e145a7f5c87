import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs, plan } from "../tools/plan";
import { DC, DR } from "./fixtures";
import { cachedRun } from "../tools/mocks";

describe("offline plan", function () {
    this.timeout(60000);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "plan-"));

    it("the README's deploy section quotes the offline plan's resource counts of both stacks", async () => {
        const [dc, dr] = await Promise.all([cachedRun("dc", DC), cachedRun("dr", DR)]);
        const readme = fs.readFileSync("README.md", "utf8").replace(/\s+/g, " ");
        const quoted = `lists ${dc.mocks.resources.length} resources for dc (it also owns both backup buckets) and ${dr.mocks.resources.length} for dr`;
        assert.ok(readme.includes(quoted), `README should say: ${quoted}`);
    });

    it("writes resources.json (remote components with their inputs, secrets masked) and the manifests", async () => {
        const outDir = path.join(tmp, "dr");
        const log: string[] = [];
        const original = console.log;
        console.log = (...args: unknown[]) => log.push(args.join(" "));
        try {
            await plan({ stack: "dr", configFile: "Pulumi.dr.yaml", outDir });
        } finally {
            console.log = original;
        }
        const printed = log.join("\n");
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

    it("takes --stack and --config, and names what is wrong with the arguments", () => {
        assert.deepEqual(parseArgs(["--stack", "dc"]), {
            stack: "dc",
            configFile: "Pulumi.dc.yaml",
            outDir: path.join("out", "plan", "dc"),
        });
        assert.equal(parseArgs(["--stack", "dr", "--config", "Pulumi.dc.yaml"]).configFile, "Pulumi.dc.yaml");
        assert.throws(() => parseArgs([]), /--stack is required/);
        assert.throws(() => parseArgs(["--stack", "nope"]), /Pulumi\.nope\.yaml does not exist/);
        assert.throws(() => parseArgs(["--stack", "dc", "--bogus"]), /unknown argument "--bogus"/);
    });

    it("as a command, prints only the validation message for invalid config and exits 2", () => {
        const bad = path.join(tmp, "bad.yaml");
        fs.writeFileSync(
            bad,
            fs.readFileSync("Pulumi.dc.yaml", "utf8").replace("ghost-dcdr:nodeMaxSize: 5", "ghost-dcdr:nodeMaxSize: five"),
        );
        const result = spawnSync("npm", ["run", "-s", "plan", "--", "--stack", "dc", "--config", bad], { encoding: "utf8" });
        assert.equal(result.status, 2);
        assert.equal(
            result.stderr.replace(/^npm warn .*\n/gm, "").trim(),
            'invalid stack config:\nghost-dcdr:nodeMaxSize: "five" is not a whole number. Fix: pulumi config set ghost-dcdr:nodeMaxSize 5 -s dc',
        );
    });
});
