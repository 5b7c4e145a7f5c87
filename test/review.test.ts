import { strict as assert } from "node:assert";
import { switchTimeEstimate } from "../components/dns";
import { billOfMaterials, lifecycleSteadyState, loadPriceBook, PriceBook, priceBill } from "../tools/review/cost";
import { longestGapS, runsPerMonth } from "../tools/review/cron";
import { externalDnsTxtName } from "../tools/review/dns";
import { PlannedResource } from "../tools/review/inventory";
import { layersOf } from "../tools/review/layers";
import { expandAwsxVpc, expandEksCluster, natGatewayCount } from "../tools/review/remote";
import { reviewOverrides, reviewStack } from "../tools/review/review";
import { diffInputs } from "../tools/review/changes";
import { Placeholders, show } from "../tools/review/values";
import { stackWarnings } from "../tools/review/warnings";
import { DC, DR } from "./fixtures";
import { plannedResource } from "./helpers";

const res = plannedResource;

describe("review: what the remote components create (pure)", () => {
    it("awsx NAT gateways follow the strategy: Single makes one, OnePerAz one per AZ, each with an Elastic IP", () => {
        assert.equal(natGatewayCount("Single", 3), 1);
        assert.equal(natGatewayCount("OnePerAz", 3), 3);
        assert.equal(natGatewayCount("None", 3), 0);
        const vpc = (strategy: string, azs: number, extra: Record<string, unknown> = {}) =>
            expandAwsxVpc("v", {
                numberOfAvailabilityZones: azs,
                natGateways: { strategy, ...extra },
                subnetSpecs: [
                    { type: "Public", cidrBlocks: ["10.0.96.0/22", "10.0.100.0/22", "10.0.104.0/22"] },
                    { type: "Private", cidrBlocks: ["10.0.0.0/19", "10.0.32.0/19", "10.0.64.0/19"] },
                ],
            }).children;
        const count = (c: { type: string }[], type: string) => c.filter((x) => x.type === type).length;
        const perAz = vpc("OnePerAz", 3);
        assert.deepEqual([count(perAz, "aws:ec2/natGateway:NatGateway"), count(perAz, "aws:ec2/eip:Eip")], [3, 3]);
        // vpc + igw + 6 subnets x (subnet, route table, association, route) + 3 NAT + 3 EIP
        assert.equal(perAz.length, 2 + 6 * 4 + 6);
        const single = vpc("Single", 2);
        assert.deepEqual([count(single, "aws:ec2/natGateway:NatGateway"), count(single, "aws:ec2/eip:Eip")], [1, 1]);
        assert.equal(single.length, 2 + 4 * 4 + 2);
        assert.equal(
            single.find((c) => c.type === "aws:ec2/natGateway:NatGateway")?.parent,
            "v-public-1",
            "in the first AZ's public subnet",
        );
        const byo = vpc("OnePerAz", 2, { elasticIpAllocationIds: ["eipalloc-1", "eipalloc-2"] });
        assert.equal(count(byo, "aws:ec2/eip:Eip"), 0, "given allocation ids, awsx creates no Elastic IPs");
        assert.equal(count(vpc("None", 2), "aws:ec2/route:Route"), 2, "no NAT: only the public subnets get a default route");
    });

    it("pulumi-eks with this program's inputs: control plane, roles, security groups, add-ons, access entry, OIDC; no CoreDNS add-on", () => {
        const inputs = {
            authenticationMode: "API",
            skipDefaultNodeGroup: true,
            createOidcProvider: true,
            accessEntries: { admin: { principalArn: "arn:aws:iam::111122223333:role/a", accessPolicies: { clusterAdmin: {} } } },
        };
        const { children, caveats } = expandEksCluster("c", inputs);
        const names = children.map((c) => `${c.type} ${c.name}`);
        for (const expected of [
            "aws:eks/cluster:Cluster c-eksCluster",
            "aws:eks/addon:Addon c-kube-proxy",
            "aws:eks/addon:Addon c-vpc-cni",
            "aws:eks/accessEntry:AccessEntry c-admin",
            "aws:eks/accessPolicyAssociation:AccessPolicyAssociation c-admin-clusterAdmin",
            "aws:iam/openIdConnectProvider:OpenIdConnectProvider c-oidcProvider",
            "pulumi:providers:kubernetes c-eks-k8s",
        ]) {
            assert.ok(names.includes(expected), `missing ${expected} in ${names.join(", ")}`);
        }
        assert.equal(children.length, 19);
        assert.ok(!names.some((n) => n.includes("coredns")), "pulumi-eks adds CoreDNS only with its own node group");
        assert.ok(!names.some((n) => n.includes("nodeAccess")), "API mode has no aws-auth ConfigMap");
        assert.deepEqual(caveats, []);
        const withDefaultGroup = expandEksCluster("c", { ...inputs, skipDefaultNodeGroup: false, createOidcProvider: false });
        assert.ok(withDefaultGroup.children.some((c) => c.name === "c-coredns"));
        assert.ok(!withDefaultGroup.children.some((c) => c.name === "c-oidcProvider"));
        assert.match(withDefaultGroup.caveats.join(), /default node group .* not modelled/);
    });
});

describe("review: pure helpers", () => {
    it("counts a schedule's runs in the average month", () => {
        assert.equal(runsPerMonth("0 * * * *"), 730);
        assert.equal(runsPerMonth("*/15 * * * *"), 4 * 730);
        assert.equal(runsPerMonth("@daily"), 730 / 24);
        assert.ok(Math.abs(runsPerMonth("0 3 * * 0")! - 730 / 24 / 7) < 1e-9, "weekly");
        assert.equal(runsPerMonth("0 * * *"), undefined);
        assert.equal(runsPerMonth("61 * * * *"), undefined);
    });

    it("finds a schedule's longest gap between runs on the calendar, not its average interval", () => {
        const h = 3600;
        const table: [string, number | undefined][] = [
            ["0 * * * *", h],
            ["*/15 * * * *", h / 4],
            ["@daily", 24 * h],
            ["0 3,9 * * *", 18 * h],
            ["0 3 * * 1-5", 72 * h],
            ["0 0 1 * *", 31 * 24 * h],
            ["0 0 13 * 5", 7 * 24 * h],
            ["0 0 29 2 *", (4 * 365 + 1) * 24 * h],
            ["0 * * *", undefined],
        ];
        assert.deepEqual(
            table.map(([s]) => [s, longestGapS(s)]),
            table,
        );
        assert.ok(
            (730 * 3600) / runsPerMonth("0 3 * * 1-5")! < longestGapS("0 3 * * 1-5")!,
            "the weekend is longer than the average",
        );
    });

    it("labels the mocks' placeholders, and not the stack file's values", () => {
        const ph = new Placeholders(["dc-role", "dc-network-vpc", "dc-key"], ["arn:aws:iam::123456789012:role/platform-admin"]);
        for (const v of [
            "dc-role-id",
            "vpc-dc-network-vpc",
            "subnet-dc-network-vpc-private-2",
            "key-dc-key",
            "arn:aws:iam::123456789012:role/dc-role",
            "_mock.blog.example.com.",
            "v0.0.0-eksbuild.mock",
        ]) {
            assert.ok(ph.is(v), `${v} is a placeholder`);
        }
        for (const v of [
            "arn:aws:iam::123456789012:role/platform-admin",
            "blog.example.com",
            "arn:aws:iam::aws:policy/X",
            "ghost",
            "other-id",
        ]) {
            assert.ok(!ph.is(v), `${v} is not a placeholder`);
        }
        assert.equal(show({ a: "dc-role-id", b: 1 }, { placeholders: ph }), '{"a":"dc-role-id" (placeholder),"b":1}');
        assert.equal(show("x".repeat(30), { maxString: 10 }), "<30 characters>", "summarised by length, never cut");
    });

    it("names ExternalDNS's TXT records as v0.21 does: the record type before the first label", () => {
        assert.equal(externalDnsTxtName("dc.blog.example.com", "CNAME", "_extdns."), "_extdns.cname-dc.blog.example.com");
        assert.equal(externalDnsTxtName("dc.blog.example.com", "AAAA", "_extdns."), "_extdns.aaaa-dc.blog.example.com");
        assert.equal(externalDnsTxtName("dc.blog.example.com", "A", "%{record_type}-x."), "a-x.dc.blog.example.com");
    });

    it("diffs inputs by path, JSON documents in strings included", () => {
        const a = { spec: { suspend: true, rules: [{ host: "a" }] }, policy: '{"Statement":[{"Action":"s3:GetObject"}]}' };
        const b = {
            spec: { suspend: false, rules: [{ host: "b" }] },
            policy: '{"Statement":[{"Action":"s3:GetObject"},{"Action":"kms:Sign"}]}',
        };
        assert.deepEqual(
            diffInputs(a, b).map((c) => c.path),
            ["policy.Statement[1]", "spec.rules[0].host", "spec.suspend"],
        );
    });

    it("puts a resource in its top-level component's layer", () => {
        const vpc = res("ghost-dcdr:network:Network", "n");
        const child = res("awsx:ec2:Vpc", "n-vpc", {}, { parent: vpc.urn });
        const content = res("ghost-dcdr:ghost:GhostContent", "gc");
        const other = res("ghost-dcdr:newthing:Thing", "x");
        const media = res("ghost-dcdr:media:MediaStore", "m");
        // The media store's certificate is a Certificate component, like the DNS layer's: its top-level parent decides.
        const mediaCert = res("ghost-dcdr:certificate:Certificate", "m-certificate", {}, { parent: media.urn });
        const layers = layersOf([vpc, child, content, other, media, mediaCert]);
        assert.deepEqual(
            [
                layers.get(child.urn),
                layers.get(content.urn),
                layers.get(other.urn),
                layers.get(media.urn),
                layers.get(mediaCert.urn),
            ],
            ["network", "data", "other", "media", "media"],
        );
    });
});

describe("review: cost from resources and prices (pure)", () => {
    const book: PriceBook = {
        currency: "USD",
        hoursPerMonth: 730,
        items: {
            "eks.cluster": { what: "eks", unit: "h", regions: { "*": { price: 0.1, source: "s", status: "sourced" } } },
            "ec2.t3.small": { what: "ec2", unit: "h", regions: { r1: { price: 0.02, source: "s", status: "sourced" } } },
            "ebs.gp3": { what: "ebs", unit: "GB-month", regions: { r1: { price: 0.1, source: "s", status: "unverified" } } },
            "nat.hour": { what: "nat", unit: "h", regions: { r1: { price: 0.05, source: "s", status: "sourced" } } },
            "nat.gb": { what: "nat data", unit: "GB", regions: { r1: { price: 0.05, source: "s", status: "sourced" } } },
            "ipv4.hour": { what: "ip", unit: "h", regions: { r1: { price: 0.005, source: "s", status: "sourced" } } },
            "alb.hour": { what: "alb", unit: "h", regions: { r1: { price: 0.02, source: "s", status: "sourced" } } },
            "alb.lcu": { what: "lcu", unit: "h", regions: { r1: { price: 0.01, source: "s", status: "sourced" } } },
            "kms.key": { what: "kms", unit: "key-month", regions: { "*": { price: 1, source: "s", status: "sourced" } } },
        },
        assumptions: {
            backupSetGb: { value: 1, unit: "GB", why: "" },
            natBaselineGbPerMonth: { value: 10, unit: "GB", why: "" },
            albLcuServing: { value: 1, unit: "LCU", why: "" },
            albLcuMaintenance: { value: 0.5, unit: "LCU", why: "" },
            controlPlaneLogGbPerMonth: { value: 2, unit: "GB", why: "" },
        },
        notIncluded: [],
    };
    const peer = res("pulumi:providers:aws", "peer", { region: "r2" });
    const fixture = (extraVpc: Record<string, unknown> = {}, suspendRestore = true): PlannedResource[] => [
        peer,
        res("eks:index:Cluster", "c", {}),
        res("aws:ec2/launchTemplate:LaunchTemplate", "lt", {
            blockDeviceMappings: [{ ebs: { volumeSize: 20, volumeType: "gp3" } }],
        }),
        res("eks:index:ManagedNodeGroup", "ng", {
            instanceTypes: ["t3.small"],
            scalingConfig: { minSize: 1, desiredSize: 2, maxSize: 4 },
            launchTemplate: { id: "lt-id" },
        }),
        res("awsx:ec2:Vpc", "v", { numberOfAvailabilityZones: 2, natGateways: { strategy: "Single" }, ...extraVpc }),
        res("kubernetes:networking.k8s.io/v1:Ingress", "i", {
            metadata: { annotations: { "alb.ingress.kubernetes.io/scheme": "internet-facing" } },
            spec: {
                ingressClassName: "alb",
                rules: [{ host: "h", http: { paths: [{ backend: { service: { name: "ghost" } } }] } }],
            },
        }),
        res("kubernetes:core/v1:PersistentVolumeClaim", "pvc", { spec: { resources: { requests: { storage: "10Gi" } } } }),
        res("kubernetes:batch/v1:CronJob", "backup", {
            metadata: { name: "ghost-backup" },
            spec: { schedule: "0 0 * * *", suspend: false },
        }),
        res("kubernetes:batch/v1:CronJob", "restore", {
            metadata: { name: "ghost-restore" },
            spec: { schedule: "0 * * * *", suspend: suspendRestore },
        }),
        res("aws:kms/key:Key", "k", {}, { provider: `${peer.urn}::peer-id` }),
    ];
    const cost = (rs: PlannedResource[]) => priceBill(billOfMaterials(rs, { region: "r1", assumptions: book.assumptions }), book);
    const line = (c: ReturnType<typeof cost>, key: string) => c.lines.filter((l) => l.key === key);

    it("prices each planned thing at its unit price, in its region", () => {
        const c = cost(fixture());
        assert.equal(line(c, "eks.cluster")[0].monthly, 73);
        assert.equal(line(c, "ec2.t3.small")[0].monthly, 2 * 730 * 0.02, "desired nodes");
        assert.deepEqual(line(c, "ec2.t3.small")[0].monthlyRange, { min: 730 * 0.02, max: 4 * 730 * 0.02 });
        assert.deepEqual(
            line(c, "ebs.gp3").map((l) => l.monthly),
            [2 * 20 * 0.1, 10 * 0.1],
            "node root volumes, then the claims",
        );
        assert.equal(line(c, "nat.hour")[0].monthly, 730 * 0.05, "Single: one NAT gateway");
        // NAT data: the baseline plus one backup set per run of the running CronJob (daily); the suspended restore adds nothing.
        assert.equal(line(c, "nat.gb")[0].quantity, 10 + 730 / 24);
        assert.equal(line(c, "ipv4.hour")[0].quantity, (1 + 2) * 730, "one NAT address + the ALB's one per AZ");
        assert.equal(line(c, "alb.lcu")[0].quantity, 730, "a serving ALB at albLcuServing");
        assert.deepEqual(line(c, "kms.key")[0].region, "r2", "the key's region is its provider's");
        assert.ok(Math.abs(c.total - c.lines.reduce((n, l) => n + l.monthly!, 0)) < 1e-9);
        assert.deepEqual(c.unverified, ["ebs.gp3 (r1)"]);
        assert.deepEqual(c.unpriced, []);
    });

    it("a restore CronJob that runs moves a set per run through NAT; an S3 gateway endpoint takes that traffic off NAT", () => {
        const warm = line(cost(fixture({}, false)), "nat.gb")[0].quantity;
        assert.equal(warm, 10 + 730 / 24 + 730);
        const viaEndpoint = line(
            cost(fixture({ vpcEndpointSpecs: [{ serviceName: "com.amazonaws.r1.s3" }] }, false)),
            "nat.gb",
        )[0].quantity;
        assert.equal(viaEndpoint, 10);
    });

    it("leaves a thing without a price out of the total and says so", () => {
        const rs = fixture();
        rs.push(res("eks:index:ManagedNodeGroup", "ng2", { instanceTypes: ["x9.huge"], scalingConfig: { desiredSize: 1 } }));
        const c = cost(rs);
        assert.deepEqual(c.unpriced, ["ec2.x9.huge in r1"]);
        assert.equal(line(c, "ec2.x9.huge")[0].monthly, undefined);
        assert.equal(c.total, cost(fixture()).total);
    });

    it("keeps backups in each storage class for the days the lifecycle rule says", () => {
        const rules = [
            {
                status: "Enabled",
                expiration: { days: 365 },
                transitions: [
                    { days: 90, storageClass: "GLACIER" },
                    { days: 30, storageClass: "STANDARD_IA" },
                ],
            },
        ];
        assert.deepEqual(lifecycleSteadyState(rules, 2), [
            { cls: "STANDARD", gb: 60, days: 30 },
            { cls: "STANDARD_IA", gb: 120, days: 60 },
            { cls: "GLACIER", gb: 550, days: 275 },
        ]);
    });

    it("prices.json names a source, a status and, when sourced, a date for every figure; every assumption says why", () => {
        const real = loadPriceBook();
        for (const [key, item] of Object.entries(real.items)) {
            for (const [region, p] of Object.entries(item.regions)) {
                assert.ok(p.price > 0 && p.source && ["sourced", "unverified"].includes(p.status), `${key} ${region}`);
                if (p.status === "sourced")
                    assert.match(p.date ?? "", /^\d{4}-\d{2}-\d{2}$/, `${key} ${region}: a sourced price has its source's date`);
            }
        }
        for (const [key, a] of Object.entries(real.assumptions)) assert.ok(a.why.length > 20, key);
    });
});

describe("review: warnings (pure)", () => {
    const file = (stack: string, config: Record<string, string>) => ({ stack, file: `Pulumi.${stack}.yaml`, config });
    const clean = {
        "ghost-dcdr:site": "dc",
        "ghost-dcdr:domain": "blog.acme.io",
        "ghost-dcdr:hostedZoneId": "Z1AAAAAAAAAAAA",
        "ghost-dcdr:adminRoleArn": "arn:aws:iam::111122223333:role/admin",
        "ghost-dcdr:peerStack": "acme/ghost-dcdr/dr",
    };
    const dr = file("dr", { ...clean, "ghost-dcdr:site": "dr", "ghost-dcdr:peerStack": "" });

    it("says nothing about a real-looking stack file whose dc reads the dr stack", () => {
        assert.deepEqual(stackWarnings(file("dc", clean), [dr]), []);
    });

    it("names each example value still in the stack file, with the fix", () => {
        const w = stackWarnings(
            file("dc", {
                ...clean,
                "ghost-dcdr:domain": "blog.example.com",
                "ghost-dcdr:hostedZoneId": "Z0123456789ABCDEFGHIJ",
                "ghost-dcdr:adminRoleArn": "arn:aws:iam::123456789012:role/platform-admin",
            }),
            [dr],
        );
        assert.equal(w.length, 3, w.join("\n"));
        assert.match(
            w[0],
            /ghost-dcdr:domain is the example value blog\.example\.com\. Fix: pulumi config set ghost-dcdr:domain/,
        );
        assert.match(w[1], /hostedZoneId is the example value Z0123456789ABCDEFGHIJ/);
        assert.match(w[2], /adminRoleArn holds the example AWS account 123456789012/);
    });

    it("warns, from either stack, when dc has no peerStack while a dr stack is planned: both would write the domain", () => {
        const dc = file("dc", { ...clean, "ghost-dcdr:peerStack": "" });
        const expected =
            /Pulumi\.dc\.yaml has no ghost-dcdr:peerStack while Pulumi\.dr\.yaml plans a dr site: both stacks would write .* Fix: pulumi config set ghost-dcdr:peerStack <org>\/ghost-dcdr\/dr -s dc/;
        assert.match(stackWarnings(dc, [dr]).join("\n"), expected);
        assert.match(stackWarnings(dr, [dc]).join("\n"), expected);
        assert.deepEqual(stackWarnings(dc, []), [], "no dr stack planned: dc owning the domain is right");
        assert.match(
            stackWarnings(file("dc", { ...clean, "ghost-dcdr:peerStack": "acme/ghost-dcdr/dr2" }), [dr]).join(),
            /peerStack is acme\/ghost-dcdr\/dr2, but the dr stack planned here is dr/,
        );
    });
});

describe("review: the committed stacks under mocks", function () {
    this.timeout(60000);

    it("dc: what pulumi up creates, by layer, with the NAT gateways per AZ and the node group's numbers", async () => {
        const { base, summary } = await reviewStack("dc", "Pulumi.dc.yaml", DC as Record<string, string>);
        const inv = summary.resources;
        const layer = (name: string) => inv.layers.find((l) => l.layer === name)!;
        assert.equal(layer("network").remote, 32, "awsx: vpc, igw, 6 x (subnet, table, association, route), 3 NAT + 3 EIP");
        assert.equal(layer("cluster").remote, 20, "eks Cluster 19 + the managed node group's NodeGroup");
        assert.equal(inv.preview.create, 1 + base.resources.length + inv.preview.remoteDerived);
        assert.equal(
            inv.layers.reduce((n, l) => n + l.total, 0),
            inv.preview.create - 1,
            "every recorded and derived resource is in exactly one layer",
        );
        assert.ok(!inv.layers.some((l) => l.layer === "other"), "every component maps to a layer");
        assert.deepEqual(
            [inv.vpc?.natStrategy, inv.vpc?.natGateways, inv.vpc?.elasticIps, inv.vpc?.availabilityZones],
            ["OnePerAz", 3, 3, 3],
        );
        assert.deepEqual(
            [
                inv.nodeGroup?.instanceTypes,
                inv.nodeGroup?.minSize,
                inv.nodeGroup?.desiredSize,
                inv.nodeGroup?.maxSize,
                inv.nodeGroup?.rootVolumeGi,
            ],
            [["m6i.large"], 2, 2, 5, 50],
        );
        assert.match(summary.role.words.join(" "), /dc \(eu-west-1\) is the ACTIVE site: it serves blog\.example\.com/);
        assert.match(summary.switchTime.words, new RegExp(`^Worst-case switch time: ${switchTimeEstimate().manualS} s`));
    });

    it("dc: every DNS name with its target and TTL, including what ExternalDNS publishes at runtime", async () => {
        const { summary } = await reviewStack("dc", "Pulumi.dc.yaml", DC as Record<string, string>);
        const find = (name: string, type: string) => summary.dns.find((d) => d.name === name && d.type.startsWith(type));
        const primary = find("blog.example.com", "A alias (failover PRIMARY");
        assert.deepEqual([primary?.target, primary?.ttlS], ["dc.blog.example.com", 60]);
        const site = find("dc.blog.example.com", "A + AAAA alias");
        assert.match(site?.writer ?? "", /ExternalDNS at runtime \(owner ghost-dcdr-dc-eu-west-1\)/);
        assert.equal(site?.ttlS, 60);
        assert.equal(find("_extdns.cname-dc.blog.example.com", "TXT")?.ttlS, 300);
        assert.ok(find("_mock.blog.example.com. (placeholder)", "CNAME"), "the ACM validation name is labelled a placeholder");
    });

    it("dr: one NAT gateway (single), a warm standby, and a cost per DR mode that differs by the restores through NAT", async () => {
        const { summary } = await reviewStack("dr", "Pulumi.dr.yaml", DR as Record<string, string>);
        assert.deepEqual([summary.resources.vpc?.natStrategy, summary.resources.vpc?.natGateways], ["Single", 1]);
        assert.equal(summary.resources.layers.find((l) => l.layer === "network")?.remote, 20);
        assert.match(summary.role.words.join(" "), /STANDBY.*WARM standby/);
        const book = loadPriceBook();
        const restoresViaNat =
            runsPerMonth("30 * * * *")! * book.assumptions.backupSetGb.value * book.items["nat.gb"].regions["eu-west-2"].price;
        const { warm, cold } = summary.cost.totalByDrMode;
        assert.ok(
            Math.abs(warm - cold - restoresViaNat) < 0.02,
            `warm ${warm} - cold ${cold} should be the restores' NAT data ${restoresViaNat}`,
        );
    });

    it("--set failover=true on dr: restore suspends, backup resumes, the domain points at dr, Ghost starts; dc (reading dr) stops", async () => {
        const o = await reviewOverrides("dr", "Pulumi.dr.yaml", DR as Record<string, string>, { "ghost-dcdr:failover": "true" });
        const r = o.report;
        assert.ok(r.cronJobs.includes('CronJob ghost/ghost-restore SUSPENDS: suspended on "30 * * * *"'), r.cronJobs.join("\n"));
        assert.ok(r.cronJobs.includes('CronJob ghost/ghost-backup RESUMES: runs on "0 * * * *"'), r.cronJobs.join("\n"));
        assert.ok(
            r.domain.includes("blog.example.com PRIMARY record: dc.blog.example.com -> dr.blog.example.com"),
            r.domain.join("\n"),
        );
        assert.ok(r.startsAndStops.includes("Deployment ghost/ghost: replicas 0 -> 1 (STARTS)"), r.startsAndStops.join("\n"));
        assert.ok(
            r.startsAndStops.some((l) => /^Job dr-datapath-restore-catch-up .* RUNS ONCE/.test(l)),
            r.startsAndStops.join("\n"),
        );
        assert.ok(r.added.some((a) => a.name === "dr-datapath-restore-catch-up"));
        assert.ok(r.changed.some((c) => c.name === "dr-ghost-deployment" && c.changes.some((x) => x.path === "spec.replicas")));
        const dc = o.peers.find((p) => p.stack === "dc");
        assert.ok(dc?.hypothetical, "Pulumi.dc.yaml has no peerStack: dc's side is shown as it would be with one");
        assert.ok(
            dc.report.cronJobs.includes('CronJob ghost/ghost-backup SUSPENDS: suspended on "0 * * * *"'),
            dc.report.cronJobs.join("\n"),
        );
        assert.ok(dc.report.startsAndStops.includes("Deployment ghost/ghost: replicas 1 -> 0 (STOPS)"));
    });
});
