import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { CHARTS, EBS_CSI_DRIVER } from "../components/pins";
import type { Contract } from "../components/pins";
import { parseArgs, resolveRefsDir, USAGE, UsageError } from "../tools/upstream/args";
import { checkPlans, main } from "../tools/upstream/check";
import { ContractStore, PinContracts, pinTable } from "../tools/upstream/contracts";
import { checkCustomResources, crdVersions, tightenSchema, validateAgainstCrd } from "../tools/upstream/crds";
import { downloadAll, downloadTargets } from "../tools/upstream/download";
import {
    checkIamPolicies,
    comparePolicies,
    descendantsOf,
    EBS_KMS_EXTENSION,
    IAM_POLICY_OWNERS,
    normalisePolicy,
    normaliseStatement,
} from "../tools/upstream/iam";
import { formatProblems } from "../tools/upstream/problems";
import { ajvForDeclaredDraft, newAjv } from "../tools/upstream/schema";
import { checkHelmReleases, coalesceValues, unknownValueKeys, validateValues } from "../tools/upstream/values";
import { planStacks, PlannedResource, StackPlan } from "../tools/upstream/plan";

const REFS = resolveRefsDir(process.env, path.resolve(__dirname, ".."), process.cwd());
const read = (file: string) => fs.readFileSync(path.join(REFS, file), "utf8");
const contractOf = (pin: { contracts: readonly Contract[] }, kind: Contract["kind"]): Contract => {
    const found = pin.contracts.find((c) => c.kind === kind);
    assert.ok(found, `the pin has a ${kind} contract`);
    return found;
};
const LBC_POLICY = contractOf(CHARTS.awsLoadBalancerController, "iam-policy");
const EBS_POLICY = contractOf(EBS_CSI_DRIVER, "iam-policy");
const MARIADB_CRDS = contractOf(CHARTS.mariadbOperatorCrds, "crds");

/** A planned resource, for checks fed a hand-made plan. */
function resource(type: string, name: string, parent?: PlannedResource, inputs: Record<string, unknown> = {}): PlannedResource {
    return { urn: `urn:pulumi:dc::ghost-dcdr::${type}::${name}`, type, name, parent: parent?.urn, inputs };
}

/** The component -> IrsaRole -> RolePolicy chain the program builds, with `policy` as the RolePolicy's document. */
function roleUnder(componentType: string, name: string, policy: unknown): PlannedResource[] {
    const component = resource(componentType, name);
    const irsa = resource("ghost-dcdr:irsa:IrsaRole", `${name}-irsa`, component);
    return [
        component,
        irsa,
        resource("aws:iam/rolePolicy:RolePolicy", `${name}-irsa-policy`, irsa, { policy: JSON.stringify(policy) }),
    ];
}

const KEY = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const kmsStatements = (key = KEY) => [
    { Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKeyWithoutPlaintext"], Resource: key },
    { Effect: "Allow", Action: "kms:CreateGrant", Resource: key, Condition: { Bool: { "kms:GrantIsForAWSResource": true } } },
];

describe("upstream conformance: IAM policies", () => {
    it('compares statements as IAM does: Sid, order and true/"true" do not matter; effect, resources and conditions do', () => {
        const a = normaliseStatement({
            Sid: "One",
            Effect: "Allow",
            Action: ["b:Y", "a:X"],
            Resource: "*",
            Condition: { Bool: { "aws:SecureTransport": true }, StringEquals: { k: ["2", "1"] } },
        });
        const b = normaliseStatement({
            Effect: "Allow",
            Action: ["a:X", "b:Y"],
            Resource: ["*"],
            Condition: { StringEquals: { k: ["1", "2"] }, Bool: { "aws:SecureTransport": "true" } },
        });
        assert.equal(a.key, b.key);
        assert.equal(a.label, "Sid One");
        assert.equal(b.label, "a:X (2 actions)");
        assert.notEqual(normaliseStatement({ Effect: "Deny", Action: ["a:X", "b:Y"], Resource: "*" }).key, b.key);
        assert.notEqual(normaliseStatement({ Effect: "Allow", Action: ["a:X", "b:Y"], Resource: "arn:x" }).key, b.key);
    });

    it("names each upstream statement we lack (with what differs) and each of ours upstream lacks", () => {
        const upstream = normalisePolicy({
            Statement: [
                {
                    Sid: "Tag",
                    Effect: "Allow",
                    Action: "ec2:CreateTags",
                    Resource: "*",
                    Condition: { Null: { "aws:RequestTag/new": "false" } },
                },
                { Effect: "Allow", Action: ["ec2:DescribeVolumes", "ec2:DescribeTags"], Resource: "*" },
            ],
        });
        const ours = normalisePolicy({
            Statement: [
                {
                    Effect: "Allow",
                    Action: "ec2:CreateTags",
                    Resource: "*",
                    Condition: { Null: { "aws:RequestTag/old": "false" } },
                },
                { Effect: "Allow", Action: ["ec2:DescribeVolumes"], Resource: "*" },
            ],
        });
        assert.deepEqual(comparePolicies(ours, upstream), [
            "upstream statement Sid Tag is missing: ours with the same actions has condition keys Null aws:RequestTag/old where upstream has Null aws:RequestTag/new",
            "upstream statement ec2:DescribeVolumes (2 actions) is missing: ec2:DescribeTags granted by no statement of ours",
            "statement ec2:CreateTags (1 action) of ours is not in upstream",
            "statement ec2:DescribeVolumes (1 action) of ours is not in upstream",
        ]);
        assert.deepEqual(comparePolicies(upstream, upstream), []);
    });

    it("reports the load balancer controller policy from before issue 9 against the pinned upstream policy", () => {
        const before = normalisePolicy(
            fs.readFileSync(path.join(__dirname, "fixtures", "lbc-policy-before-issue-9.json"), "utf8"),
        );
        const upstreamDoc = JSON.parse(read(LBC_POLICY.file)) as { Statement: unknown[] };
        const lines = comparePolicies(before, normalisePolicy(upstreamDoc));
        // Every statement upstream fences with the controller's tag is one we lacked: the controller could not
        // create or tag its own load balancers and security groups.
        const fenced = upstreamDoc.Statement.filter((s) => JSON.stringify(s).includes("elbv2.k8s.aws/cluster"));
        assert.ok(fenced.length >= 6, `upstream fences ${fenced.length} statements with elbv2.k8s.aws/cluster`);
        for (const s of fenced.map(normaliseStatement)) {
            assert.ok(
                lines.some((l) => l.startsWith(`upstream statement ${s.label} is missing`)),
                `${s.label} reported missing:\n${lines.join("\n")}`,
            );
        }
        assert.ok(
            lines.includes(
                "upstream statement ec2:CreateTags (1 action) on arn:aws:ec2:*:*:security-group/* is missing: ours with the same actions " +
                    "has condition keys Null aws:RequestTag/ingress.k8s.aws/cluster, StringEquals ec2:CreateAction " +
                    "where upstream has Null aws:RequestTag/elbv2.k8s.aws/cluster, StringEquals ec2:CreateAction",
            ),
            lines.join("\n"),
        );
        // The old policy's statements on the old tags are reported as ours, not upstream's; the ones it shares are not.
        assert.ok(
            lines.includes("statement elasticloadbalancing:AddTags (2 actions) of ours is not in upstream"),
            lines.join("\n"),
        );
        assert.ok(!lines.some((l) => l.includes("ec2:CreateSecurityGroup")), lines.join("\n"));
    });

    it("allows the EBS CSI role KMS on one key, limited to the documented actions, and nothing broader", () => {
        const upstream = normalisePolicy(read(EBS_POLICY.file));
        const withKms = (kms: unknown[]) =>
            comparePolicies(
                [...upstream, ...kms.map(normaliseStatement)],
                upstream,
                IAM_POLICY_OWNERS.find((o) => o.pin === "EBS_CSI_DRIVER")?.extensions,
            );
        assert.deepEqual(withKms(kmsStatements()), []);
        const broader = withKms([{ Effect: "Allow", Action: ["kms:Decrypt", "kms:Encrypt", "kms:ReEncrypt*"], Resource: KEY }]);
        assert.deepEqual(broader, [
            `statement kms:Decrypt (3 actions) on ${KEY} of ours is not in upstream, nor the documented extension ` +
                `"${EBS_KMS_EXTENSION.name}" of ${EBS_KMS_EXTENSION.citation} (kms:Encrypt, kms:ReEncrypt* beyond kms:CreateGrant, kms:Decrypt, kms:GenerateDataKeyWithoutPlaintext)`,
        ]);
        assert.match(
            withKms([{ Effect: "Allow", Action: "kms:Decrypt", Resource: "*" }])[0],
            /Resource \["\*"\] is not one key ARN/,
        );
        assert.match(
            withKms([{ Effect: "Allow", Action: "kms:Decrypt", Resource: "arn:aws:kms:eu-west-1:123456789012:key/*" }])[0],
            /is not one key ARN/,
        );
        assert.match(
            withKms([
                { Effect: "Allow", Action: "kms:Decrypt", Resource: KEY, Condition: { StringEquals: { "kms:ViaService": "x" } } },
            ])[0],
            /Condition \{"StringEquals"/,
        );
        assert.deepEqual(withKms([...kmsStatements(), ...kmsStatements(KEY.replace("1234abcd", "5678abcd"))]), [
            `the extension "${EBS_KMS_EXTENSION.name}" allows 1 resource(s), ours names ${KEY}, ${KEY.replace("1234abcd", "5678abcd")}`,
        ]);
        // The extension belongs to the EBS CSI role only.
        assert.equal(comparePolicies([...upstream, ...kmsStatements().map(normaliseStatement)], upstream).length, 2);
    });

    it("finds each mapped role by its component ancestor and checks only that one", () => {
        const store = new ContractStore(REFS);
        const old = JSON.parse(fs.readFileSync(path.join(__dirname, "fixtures", "lbc-policy-before-issue-9.json"), "utf8"));
        const ebs = JSON.parse(read(EBS_POLICY.file)) as { Statement: unknown[] };
        const plan = [
            ...roleUnder("ghost-dcdr:addons:AwsLoadBalancerController", "dc-lbc", old),
            ...roleUnder("ghost-dcdr:storage:Storage", "dc-storage", {
                ...ebs,
                Statement: [...ebs.Statement, ...kmsStatements()],
            }),
            // Another role with a policy nobody publishes: not this check's business.
            ...roleUnder("ghost-dcdr:backup:DataPath", "dc-datapath", {
                Statement: [{ Effect: "Allow", Action: "s3:*", Resource: "*" }],
            }),
        ];
        const { problems, checked } = checkIamPolicies("dc", plan, store);
        assert.equal(checked, 2);
        assert.ok(problems.length > 0);
        for (const p of problems) {
            assert.ok(p.text.startsWith(`iam-policy ${LBC_POLICY.file}: RolePolicy under AwsLoadBalancerController: `), p.text);
        }
        const missing = checkIamPolicies("dc", [resource("ghost-dcdr:storage:Storage", "dc-storage")], store).problems;
        assert.deepEqual(
            missing.map((p) => p.text),
            ["iam-policy: no aws:iam/rolePolicy:RolePolicy under Storage, so EBS_CSI_DRIVER's policy cannot be checked"],
        );
    });
});

describe("upstream conformance: custom resources against CRDs", () => {
    const crd = (schema: unknown) => ({ group: "g.example", version: "v1", kind: "K", served: true, schema });
    const object = (spec: unknown) => ({ apiVersion: "g.example/v1", kind: "K", metadata: { name: "x" }, spec });

    it("rejects a field the schema does not list, unless the object preserves unknown fields", () => {
        const schema = {
            type: "object",
            properties: {
                apiVersion: { type: "string" },
                kind: { type: "string" },
                metadata: { type: "object" },
                spec: {
                    type: "object",
                    properties: {
                        size: { type: "string" },
                        free: {
                            type: "object",
                            properties: { a: { type: "string" } },
                            "x-kubernetes-preserve-unknown-fields": true,
                        },
                        labels: { type: "object", additionalProperties: { type: "string" } },
                    },
                },
            },
        };
        assert.deepEqual(validateAgainstCrd(object({ size: "1Gi", sizee: "2Gi" }), crd(schema)), [
            { path: "spec.sizee", message: "unknown field (not in the schema)" },
        ]);
        assert.deepEqual(validateAgainstCrd(object({ free: { a: "x", anything: 1 }, labels: { "a/b": "c" } }), crd(schema)), []);
        assert.deepEqual(validateAgainstCrd(object({ labels: { a: 1 } }), crd(schema)), [
            { path: "spec.labels.a", message: "must be string" },
        ]);
        // The original schema is left as it was.
        assert.equal((tightenSchema(schema) as any).properties.spec.additionalProperties, false);
        assert.equal((schema.properties.spec as any).additionalProperties, undefined);
    });

    it("validates a MariaDB against the pinned operator's CRD: a misspelt field and a wrong type are each one error", () => {
        const mariadb = crdVersions(yaml.loadAll(read(MARIADB_CRDS.file))).find(
            (v) => v.kind === "MariaDB" && v.version === "v1alpha1",
        );
        assert.ok(mariadb, "the contract defines k8s.mariadb.com/v1alpha1 MariaDB");
        const good = {
            apiVersion: "k8s.mariadb.com/v1alpha1",
            kind: "MariaDB",
            metadata: { name: "mariadb", namespace: "ghost" },
            spec: { replicas: 1, storage: { size: "20Gi", storageClassName: "gp3" }, resources: { requests: { cpu: "500m" } } },
        };
        const validate = newAjv().compile(tightenSchema(mariadb.schema) as object);
        assert.deepEqual(validateAgainstCrd(good, mariadb, validate), []);
        const bad = { ...good, spec: { ...good.spec, replicas: "1", storage: { sizee: "20Gi" } } };
        assert.deepEqual(validateAgainstCrd(bad, mariadb, validate), [
            { path: "spec.replicas", message: "must be integer" },
            { path: "spec.storage.sizee", message: "unknown field (not in the schema)" },
        ]);
    });

    it("reports an object whose kind the contract has no CRD for", () => {
        const store = new ContractStore(REFS);
        const r = resource("kubernetes:k8s.mariadb.com/v1alpha1:MariaDBX", "dc-x", undefined, {
            apiVersion: "k8s.mariadb.com/v1alpha1",
            kind: "MariaDBX",
            metadata: { name: "x" },
        });
        assert.deepEqual(
            checkCustomResources("dc", [r], store).problems.map((p) => p.text),
            [`crds: MariaDBX x (k8s.mariadb.com/v1alpha1): no CRD for this group/version/kind in ${MARIADB_CRDS.file}`],
        );
    });
});

describe("upstream conformance: Helm values", () => {
    const defaults = {
        image: { repository: "r", tag: "" },
        podAnnotations: {},
        env: null,
        extraArgs: { v: 4 },
        replicaCount: 1,
    };
    const valuesText = "image:\n  repository: r\n  tag: ''\n# podDisruptionBudget:\n#   maxUnavailable: 1\nextraArgs:\n  v: 4\n";

    it("reports a key the chart does not have, and one it mentions only in a comment", () => {
        assert.deepEqual(
            unknownValueKeys({ image: { tag: "1", digest: "sha" }, podDisruptionBudget: { maxUnavailable: 1 } }, defaults, {
                valuesText,
            }),
            [
                { path: "image.digest", message: "not in the chart's values.yaml" },
                {
                    path: "podDisruptionBudget",
                    message: 'not in the chart\'s values.yaml (only a comment there mentions "podDisruptionBudget:")',
                },
            ],
        );
    });

    it("accepts anything under a `{}` map, a null default and a listed free-form map; lists and scalars are leaves", () => {
        const ours = {
            podAnnotations: { "eks.amazonaws.com/role-arn": "x" },
            env: { A: "1" },
            extraArgs: { expander: "least-waste" },
            image: { repository: "r2" },
        };
        assert.deepEqual(unknownValueKeys(ours, defaults, { freeForm: ["extraArgs"] }), []);
        assert.deepEqual(unknownValueKeys(ours, defaults), [
            { path: "extraArgs.expander", message: "not in the chart's values.yaml" },
        ]);
        assert.deepEqual(unknownValueKeys({ replicaCount: { min: 1 } }, defaults), [
            { path: "replicaCount", message: "values.yaml has a number here, not a map (ours sets min)" },
        ]);
    });

    it("holds the autoscaler's flags against the pinned chart: free-form only because FREE_FORM_VALUES says so", () => {
        const contract = contractOf(CHARTS.clusterAutoscaler, "helm-values");
        const upstream = yaml.load(read(contract.file));
        const ours = { extraArgs: { expander: "least-waste" }, rbac: { serviceAccount: { create: false, nmae: "x" } } };
        assert.deepEqual(unknownValueKeys(ours, upstream, { valuesText: read(contract.file) }), [
            {
                path: "extraArgs.expander",
                message: 'not in the chart\'s values.yaml (only a comment there mentions "expander:")',
            },
            { path: "rbac.serviceAccount.nmae", message: "not in the chart's values.yaml" },
        ]);
    });

    it("validates values against a chart's values.schema.json as Helm does: over the chart's defaults", () => {
        const schema = JSON.parse(read(contractOf(CHARTS.externalDns, "helm-values-schema").file));
        const chartDefaults = yaml.load(read(contractOf(CHARTS.externalDns, "helm-values").file));
        const ok = coalesceValues(chartDefaults, { policy: "sync", extraArgs: ["--aws-zone-type=public"], txtOwnerId: "dc" });
        assert.deepEqual(validateValues(ok, schema), []);
        const bad = coalesceValues(chartDefaults, { policy: "delete-all", interval: 60 });
        assert.deepEqual(validateValues(bad, schema), [
            { path: "interval", message: "must be string" },
            { path: "policy", message: 'must be equal to one of the allowed values: "create-only", "sync", "upsert-only"' },
        ]);
        assert.deepEqual(coalesceValues({ a: { b: 1, c: 2 }, d: 1 }, { a: { c: 3 }, d: null }), { a: { b: 1, c: 3 } });
    });

    it("uses the JSON Schema draft a schema declares, and refuses one it does not know", () => {
        assert.equal(typeof ajvForDeclaredDraft({ $schema: "http://json-schema.org/draft-07/schema#" }), "object");
        assert.equal(typeof ajvForDeclaredDraft({ $schema: "https://json-schema.org/draft/2020-12/schema" }), "object");
        assert.match(ajvForDeclaredDraft({ $schema: "http://json-schema.org/draft-04/schema#" }) as string, /does not know/);
        assert.match(ajvForDeclaredDraft({}) as string, /declares no \$schema/);
        // 2020-12's prefixItems is enforced, which draft-07 rules would ignore.
        assert.notDeepEqual(
            validateValues([1], { $schema: "https://json-schema.org/draft/2020-12/schema", prefixItems: [{ type: "string" }] }),
            [],
        );
    });

    it("reports a release whose chart has no pin or whose version is not the pinned one", () => {
        const store = new ContractStore(REFS);
        const release = (chart: string, version: string) =>
            resource("kubernetes:helm.sh/v3:Release", `dc-${chart}`, undefined, { chart, version, values: {} });
        const { problems, checked } = checkHelmReleases(
            "dc",
            [release("nginx", "1.0.0"), release("external-dns", "1.18.0")],
            store,
        );
        assert.equal(checked, 2);
        assert.deepEqual(
            problems.map((p) => p.text),
            [
                "helm-release: Release nginx@1.0.0: no pin for this chart in components/pins.ts",
                `helm-release: Release external-dns: version 1.18.0 is not the pinned ${CHARTS.externalDns.version} (CHARTS.externalDns)`,
            ],
        );
    });
});

describe("upstream conformance: contracts", () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "upstream-"));

    it("finds every pin with contracts in components/pins.ts, charts and others", () => {
        const pins = pinTable();
        assert.deepEqual(
            pins.map((p) => p.pin),
            [...Object.keys(CHARTS).map((k) => `CHARTS.${k}`), "EBS_CSI_DRIVER"],
        );
        assert.equal(pins.find((p) => p.pin === "CHARTS.externalDns")?.chart?.chart, "external-dns");
    });

    it("names a missing contract file, its pin and where to get it", () => {
        const store = new ContractStore(fs.mkdtempSync(path.join(tmp, "empty-")));
        const lines = formatProblems(store.missing());
        assert.equal(lines.length, store.fileCount());
        const line = lines.find((l) => l.includes(LBC_POLICY.file));
        assert.equal(
            line,
            `contracts: ${LBC_POLICY.file} (iam-policy of CHARTS.awsLoadBalancerController) is missing from ${store.dir}: ` +
                `copy kubernetes-sigs/aws-load-balancer-controller@${LBC_POLICY.ref}:docs/install/iam_policy.json there, ` +
                "or run npm run check:upstream -- --download",
        );
    });

    it("reports a contract file that does not parse, and every contract that nothing was checked against", () => {
        const dir = fs.mkdtempSync(path.join(tmp, "broken-"));
        fs.mkdirSync(path.join(dir, path.dirname(EBS_POLICY.file)), { recursive: true });
        fs.writeFileSync(path.join(dir, EBS_POLICY.file), '{"Version": "2012-10-17", "Statem');
        const store = new ContractStore(dir);
        const plan = roleUnder("ghost-dcdr:storage:Storage", "dc-storage", { Statement: [] });
        const { lines } = checkPlans([{ stack: "dc", resources: plan }], store);
        assert.ok(
            lines.some((l) => l.startsWith(`contracts: ${EBS_POLICY.file} is not readable json: `)),
            lines.join("\n"),
        );
        const unused = lines.filter((l) => l.includes("was checked against nothing in dc"));
        // The EBS policy was asked for (and found broken); every other contract had nothing to be checked against.
        assert.equal(unused.length, store.fileCount() - 1, unused.join("\n"));
        assert.ok(unused.some((l) => l.startsWith(`contracts: ${MARIADB_CRDS.file} (crds of CHARTS.mariadbOperatorCrds)`)));
    });

    it("takes its directory from UPSTREAM_REFS, else ../shared/upstream, else stops with exit-2 advice", () => {
        const root = fs.mkdtempSync(path.join(tmp, "root-"));
        assert.equal(resolveRefsDir({ UPSTREAM_REFS: "." }, root, tmp), tmp);
        assert.throws(() => resolveRefsDir({ UPSTREAM_REFS: "nope" }, root, tmp), /UPSTREAM_REFS=nope is not a directory/);
        assert.throws(() => resolveRefsDir({}, path.join(root, "repo"), tmp), UsageError);
        assert.throws(() => resolveRefsDir({}, path.join(root, "repo"), tmp), /set UPSTREAM_REFS/);
        fs.mkdirSync(path.join(root, "shared", "upstream"), { recursive: true });
        assert.equal(resolveRefsDir({}, path.join(root, "repo"), tmp), path.join(root, "shared", "upstream"));
        assert.deepEqual(parseArgs([]), { mode: "check" });
        assert.deepEqual(parseArgs(["--download", "--dest", "d"]), {
            mode: "download",
            baseUrl: "https://raw.githubusercontent.com",
            dest: "d",
        });
        assert.throws(() => parseArgs(["--bogus"]), /unknown argument "--bogus"/);
        assert.throws(() => parseArgs(["--dest", "d"]), /only go with --download/);
        assert.throws(() => parseArgs(["--download", "--base-url", "ftp://x"]), /not an http\(s\) URL/);
    });

    it("exits 2 on a usage error, before planning anything", async function () {
        this.timeout(30000);
        const bogus = await captured(() => main(["--bogus"], process.env, process.cwd()));
        assert.deepEqual(bogus, { code: 2, out: [], err: [`check:upstream: unknown argument "--bogus"\n${USAGE}`] });
        const noDir = await captured(() => main([], { UPSTREAM_REFS: "absent" }, tmp));
        assert.equal(noDir.code, 2);
        assert.match(noDir.err[0], /^check:upstream: UPSTREAM_REFS=absent is not a directory/);
        // The same, as the npm script CI runs.
        const result = spawnSync("npm", ["run", "-s", "check:upstream", "--", "--bogus"], { encoding: "utf8" });
        assert.equal(result.status, 2);
        assert.match(result.stderr, /check:upstream: unknown argument "--bogus"\nusage: npm run check:upstream/);
    });
});

/** Runs `fn` with console.log and console.error captured. */
async function captured(fn: () => Promise<number>): Promise<{ code: number; out: string[]; err: string[] }> {
    const out: string[] = [];
    const err: string[] = [];
    const { log, error } = console;
    console.log = (...args: unknown[]) => out.push(args.join(" "));
    console.error = (...args: unknown[]) => err.push(args.join(" "));
    try {
        return { code: await fn(), out, err };
    } finally {
        Object.assign(console, { log, error });
    }
}

describe("upstream conformance: --download", function () {
    this.timeout(60000);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "upstream-download-"));
    let server: http.Server;
    let baseUrl: string;
    const served = new Map<string, string>();

    before(async () => {
        // Upstream's layout, built from the pin table: /<repo>/<ref>/<path> serves the shared copy of <file>.
        for (const c of pinTable().flatMap((p) => p.contracts))
            served.set(`/${c.repo}/${c.ref}/${c.path}`, path.join(REFS, c.file));
        server = http.createServer((req, res) => {
            const file = served.get(decodeURIComponent(req.url ?? ""));
            if (!file) {
                res.writeHead(404).end("not found");
                return;
            }
            res.writeHead(200).end(fs.readFileSync(file));
        });
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it("fetches every contract of the pin table, byte for byte, through the command", async () => {
        const dest = path.join(tmp, "all");
        const run = await captured(() => main(["--download", "--base-url", baseUrl, "--dest", dest], {}, process.cwd()));
        assert.equal(run.code, 0, run.err.join("\n"));
        const files = [...new Set(pinTable().flatMap((p) => p.contracts.map((c) => c.file)))];
        assert.deepEqual(run.out, [`download: ${files.length} of ${files.length} contracts into ${dest}`]);
        for (const file of files)
            assert.ok(fs.readFileSync(path.join(dest, file)).equals(fs.readFileSync(path.join(REFS, file))), file);
        const written = fs.readdirSync(dest, { recursive: true, withFileTypes: true }).filter((d) => d.isFile());
        assert.equal(written.length, files.length, "nothing else, no temporary files");
    });

    it("names the URL of a file the server does not have, and leaves no partial file", async () => {
        const dest = path.join(tmp, "missing");
        const pins: PinContracts[] = [
            { pin: "EBS_CSI_DRIVER", contracts: EBS_CSI_DRIVER.contracts },
            { pin: "TEST", contracts: [{ ...EBS_POLICY, file: "ebs-csi/absent.json", path: "docs/absent.json" }] },
        ];
        const targets = downloadTargets(pins, baseUrl);
        const errors = await downloadAll(targets, dest);
        const url = `${baseUrl}/kubernetes-sigs/aws-ebs-csi-driver/${EBS_POLICY.ref}/docs/absent.json`;
        assert.deepEqual(errors, [`download: ebs-csi/absent.json: HTTP 404 Not Found from ${url}`]);
        assert.deepEqual(fs.readdirSync(path.join(dest, "ebs-csi")), [path.basename(EBS_POLICY.file)]);
    });

    it("fails a server that does not answer in time, with the URL", async () => {
        const silent = http.createServer(() => undefined);
        await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
        try {
            const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/slow.json`;
            const errors = await downloadAll([{ file: "slow.json", url }], path.join(tmp, "slow"), 200);
            assert.deepEqual(errors, [`download: slow.json: no complete answer within 0.2s from ${url}`]);
            assert.equal(fs.existsSync(path.join(tmp, "slow")), false);
        } finally {
            silent.closeAllConnections();
            silent.close();
        }
    });
});

describe("upstream conformance: both stacks' plans", function () {
    this.timeout(60000);
    let plans: StackPlan[];
    before(async () => {
        plans = await planStacks(path.resolve(__dirname, ".."));
    });

    it("conform to every upstream contract of the pin table (npm run check:upstream)", () => {
        const store = new ContractStore(REFS);
        const { lines, summary } = checkPlans(plans, store);
        assert.deepEqual(lines, [], `check:upstream found:\n${lines.join("\n")}`);
        assert.match(
            summary,
            new RegExp(`^check:upstream: dc, dr: ${store.fileCount()} contracts, \\d+ objects checked, 0 problems$`),
        );
        // Nothing the checks apply to was skipped: the mapped roles' policies, the MariaDB objects, the releases.
        const expected = plans.flatMap(({ resources }) => [
            ...IAM_POLICY_OWNERS.flatMap((o) =>
                resources
                    .filter((r) => r.type === o.component)
                    .flatMap((c) => descendantsOf(resources, c.urn).filter((r) => r.type === "aws:iam/rolePolicy:RolePolicy")),
            ),
            ...resources.filter(
                (r) => r.type === "kubernetes:helm.sh/v3:Release" || r.type.startsWith("kubernetes:k8s.mariadb.com/"),
            ),
        ]);
        assert.ok(expected.length >= 2 * 4, `both stacks have the two roles, a MariaDB and releases: ${expected.length}`);
        assert.equal(Number(/(\d+) objects/.exec(summary)?.[1]), expected.length);
    });

    it("as a command, prints one line per problem and exits 1 (here: every contract missing from UPSTREAM_REFS)", async () => {
        const empty = fs.mkdtempSync(path.join(os.tmpdir(), "upstream-empty-"));
        const store = new ContractStore(empty);
        const run = await captured(() => main([], { UPSTREAM_REFS: empty }, process.cwd()));
        assert.equal(run.code, 1);
        assert.deepEqual(run.out, formatProblems(store.missing()));
        assert.match(run.err.join("\n"), new RegExp(`^check:upstream: dc, dr: .* ${store.fileCount()} problems$`));
    });
});
