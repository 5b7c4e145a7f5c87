import { strict as assert } from "node:assert";
import { CLUSTER_AUTOSCALER_IMAGE_TAGS } from "../components/pins";
import { AWS_REGIONS, ConfigInput, hostnameProblem, parseConfig, readSections } from "../stacks/config";
import { CONFIG_KEYS, SECTIONS } from "../stacks/schema";
import { RecordingMocks, runStack } from "../tools/mocks";
import { DC, DR, configProblems, withConfig } from "./fixtures";

describe("config", () => {
    it("parses both committed stack files into the site each one names", () => {
        const dc = parseConfig(DC, "dc");
        const dr = parseConfig(DR, "dr");
        assert.equal(dc.site, "dc");
        assert.equal(dc.peerSite, "dr");
        assert.equal(dr.region, "eu-west-2");
        assert.equal(dr.peerRegion, dc.region);
        assert.equal(dc.dns.siteHostname, "dc.blog.example.com");
        assert.equal(dr.cluster.name, "ghost-dcdr-dr");
        assert.deepEqual(dr.network.subnets.privateCidrs, ["10.20.0.0/19", "10.20.32.0/19"]);
    });

    it("returns a deeply frozen object", () => {
        const c = parseConfig(DC, "dc");
        assert.ok(Object.isFrozen(c) && Object.isFrozen(c.cluster) && Object.isFrozen(c.network.subnets.privateCidrs));
        assert.throws(() => ((c.cluster as { nodeMaxSize: number }).nodeMaxSize = 99));
    });

    it("applies the schema defaults for optional keys", () => {
        const c = parseConfig(
            withConfig(DC, {
                "ghost-dcdr:availabilityZones": undefined,
                "ghost-dcdr:natGateways": undefined,
                "ghost-dcdr:nodeMaxSize": undefined,
                "ghost-dcdr:externalDns": undefined,
            }),
            "dc",
        );
        assert.equal(c.network.availabilityZones, 3);
        assert.equal(c.network.natGateways, "perAz");
        assert.equal(c.cluster.nodeMaxSize, 5);
        assert.equal(c.cluster.nodeDiskGi, 50);
        assert.deepEqual(c.cluster.endpointPublicAccessCidrs, ["0.0.0.0/0"]);
        assert.equal(c.dns.externalDns, true);
    });

    it("resolves the EBS CSI add-on build at deploy time unless one is pinned", () => {
        assert.equal(parseConfig(DC, "dc").cluster.ebsCsiAddonVersion, undefined, "default: empty, resolved by EKS");
        assert.equal(
            parseConfig(withConfig(DC, { "ghost-dcdr:ebsCsiAddonVersion": "" }), "dc").cluster.ebsCsiAddonVersion,
            undefined,
        );
        const pinned = parseConfig(withConfig(DC, { "ghost-dcdr:ebsCsiAddonVersion": "v1.44.0-eksbuild.1" }), "dc");
        assert.equal(pinned.cluster.ebsCsiAddonVersion, "v1.44.0-eksbuild.1");
    });

    it("takes the supported Kubernetes versions from the cluster-autoscaler image table", () => {
        for (const version of Object.keys(CLUSTER_AUTOSCALER_IMAGE_TAGS)) {
            assert.equal(
                parseConfig(withConfig(DC, { "ghost-dcdr:kubernetesVersion": version }), "dc").cluster.kubernetesVersion,
                version,
            );
        }
        assert.equal(CONFIG_KEYS.kubernetesVersion.default, "1.33");
        assert.ok(CONFIG_KEYS.kubernetesVersion.default in CLUSTER_AUTOSCALER_IMAGE_TAGS, "the default has an autoscaler image");
    });

    it("keeps 0 and false rather than replacing them with defaults", () => {
        const c = parseConfig(withConfig(DC, { "ghost-dcdr:nodeMinSize": "0", "ghost-dcdr:externalDns": "false" }), "dc");
        assert.equal(c.cluster.nodeMinSize, 0);
        assert.equal(c.dns.externalDns, false);
    });

    const rules: [string, Record<string, string | undefined>, string][] = [
        [
            "missing site",
            { "ghost-dcdr:site": undefined },
            "ghost-dcdr:site: is required but not set. Fix: pulumi config set ghost-dcdr:site dc -s dc",
        ],
        [
            "unknown site",
            { "ghost-dcdr:site": "primary" },
            'ghost-dcdr:site: "primary" is not a site; it must be dc or dr. Fix: pulumi config set ghost-dcdr:site dc -s dc',
        ],
        [
            "site that contradicts the stack name",
            { "ghost-dcdr:site": "dr" },
            'ghost-dcdr:site: "dr" does not match the stack "dc". Fix: pulumi config set ghost-dcdr:site dc -s dc',
        ],
        [
            "malformed region",
            { "aws:region": "eu-west1" },
            'aws:region: "eu-west1" is not an AWS region name. Fix: pulumi config set aws:region eu-west-1 -s dc',
        ],
        [
            "missing region",
            { "aws:region": undefined },
            "aws:region: is required but not set. Fix: pulumi config set aws:region eu-west-1 -s dc",
        ],
        [
            "a region with two letters swapped, given the nearest real region rather than the example",
            { "aws:region": "us-wset-2" },
            'aws:region: "us-wset-2" is not an AWS region name. Fix: pulumi config set aws:region us-west-2 -s dc',
        ],
        [
            "a region without its dashes, given the nearest real region",
            { "aws:region": "euwest3" },
            'aws:region: "euwest3" is not an AWS region name. Fix: pulumi config set aws:region eu-west-3 -s dc',
        ],
        [
            "a region that nothing is near, given the example",
            { "aws:region": "frankfurt" },
            'aws:region: "frankfurt" is not an AWS region name. Fix: pulumi config set aws:region eu-west-1 -s dc',
        ],
        [
            "a region-shaped name AWS does not have",
            { "aws:region": "eu-west-9" },
            `aws:region: "eu-west-9" is not an AWS region (those of the pinned @pulumi/aws: ${AWS_REGIONS.join(", ")}). Fix: pulumi config set aws:region eu-west-1 -s dc`,
        ],
        [
            "an unknown peer region, given the nearest region the peer's example is among",
            { "ghost-dcdr:peerRegion": "eu-west-9" },
            `ghost-dcdr:peerRegion: "eu-west-9" is not an AWS region (those of the pinned @pulumi/aws: ${AWS_REGIONS.join(", ")}). Fix: pulumi config set ghost-dcdr:peerRegion eu-west-2 -s dc`,
        ],
        [
            "a GovCloud region, whose ARNs are not arn:aws:",
            { "aws:region": "us-gov-west-1" },
            'aws:region: "us-gov-west-1" is not a region of the AWS commercial partition, whose arn:aws: ARNs this program writes. Fix: pulumi config set aws:region eu-west-1 -s dc',
        ],
        [
            "same region for both sites",
            { "ghost-dcdr:peerRegion": "eu-west-1" },
            'ghost-dcdr:peerRegion: "eu-west-1" is the same region as aws:region; DR needs a second region. Fix: pulumi config set ghost-dcdr:peerRegion eu-west-2 -s dc',
        ],
        [
            "malformed CIDR",
            { "ghost-dcdr:vpcCidr": "10.10.0/16" },
            'ghost-dcdr:vpcCidr: "10.10.0/16" is not an IPv4 CIDR block (expected a.b.c.d/n, e.g. 10.10.0.0/16). Fix: pulumi config set ghost-dcdr:vpcCidr 10.10.0.0/16 -s dc',
        ],
        [
            "CIDR with host bits",
            { "ghost-dcdr:vpcCidr": "10.10.5.0/16" },
            'ghost-dcdr:vpcCidr: "10.10.5.0/16" has host bits set: the network address for /16 is 10.10.0.0/16. Fix: pulumi config set ghost-dcdr:vpcCidr 10.10.0.0/16 -s dc',
        ],
        [
            "overlapping CIDRs",
            { "ghost-dcdr:peerVpcCidr": "10.10.0.0/17" },
            'ghost-dcdr:peerVpcCidr: "10.10.0.0/17" overlaps vpcCidr 10.10.0.0/16, so the VPCs could never be peered. Fix: give each site its own range, e.g. 10.10.0.0/16 for dc and 10.20.0.0/16 for dr',
        ],
        [
            "CIDR too small for the subnets",
            { "ghost-dcdr:vpcCidr": "10.10.0.0/24" },
            'ghost-dcdr:vpcCidr: "10.10.0.0/24" is too small for the subnets (private subnets would be /27, too few addresses for pods). Fix: use a /16 to /20: pulumi config set ghost-dcdr:vpcCidr 10.10.0.0/16 -s dc',
        ],
        [
            "CIDR larger than a VPC",
            { "ghost-dcdr:vpcCidr": "10.0.0.0/8", "ghost-dcdr:peerVpcCidr": "172.16.0.0/16" },
            'ghost-dcdr:vpcCidr: "10.0.0.0/8" is larger than AWS allows for a VPC (/16 at most). Fix: pulumi config set ghost-dcdr:vpcCidr 10.10.0.0/16 -s dc',
        ],
        [
            "min > desired",
            { "ghost-dcdr:nodeMinSize": "3", "ghost-dcdr:nodeDesiredSize": "2" },
            'ghost-dcdr:nodeMinSize/nodeDesiredSize/nodeMaxSize: "3/2/5" must satisfy min <= desired <= max. Fix: set e.g. nodeMinSize 2, nodeDesiredSize 2, nodeMaxSize 5',
        ],
        [
            "desired > max",
            { "ghost-dcdr:nodeDesiredSize": "6" },
            'ghost-dcdr:nodeMinSize/nodeDesiredSize/nodeMaxSize: "2/6/5" must satisfy min <= desired <= max. Fix: set e.g. nodeMinSize 2, nodeDesiredSize 2, nodeMaxSize 5',
        ],
        [
            "negative size",
            { "ghost-dcdr:nodeMinSize": "-1" },
            'ghost-dcdr:nodeMinSize: "-1" must be 0 or more. Fix: pulumi config set ghost-dcdr:nodeMinSize 2 -s dc',
        ],
        [
            "word for a number",
            { "ghost-dcdr:availabilityZones": "two" },
            'ghost-dcdr:availabilityZones: "two" is not a whole number. Fix: pulumi config set ghost-dcdr:availabilityZones 3 -s dc',
        ],
        [
            "fraction for a number",
            { "ghost-dcdr:nodeMaxSize": "2.5" },
            'ghost-dcdr:nodeMaxSize: "2.5" is not a whole number. Fix: pulumi config set ghost-dcdr:nodeMaxSize 5 -s dc',
        ],
        [
            "four AZs",
            { "ghost-dcdr:availabilityZones": "4" },
            'ghost-dcdr:availabilityZones: "4" must be 2 or 3. Fix: pulumi config set ghost-dcdr:availabilityZones 3 -s dc',
        ],
        [
            "unsupported Kubernetes version",
            { "ghost-dcdr:kubernetesVersion": "1.25" },
            'ghost-dcdr:kubernetesVersion: "1.25" is not a version EKS supports (1.30, 1.31, 1.32, 1.33, 1.34, 1.35). Fix: pulumi config set ghost-dcdr:kubernetesVersion 1.33 -s dc',
        ],
        [
            "unquoted 1.30 read by YAML as 1.3",
            { "ghost-dcdr:kubernetesVersion": "1.3" },
            'ghost-dcdr:kubernetesVersion: "1.3" is not a version EKS supports (1.30, 1.31, 1.32, 1.33, 1.34, 1.35) (YAML read 1.30 as the number 1.3: quote it, "1.30"). Fix: pulumi config set ghost-dcdr:kubernetesVersion 1.33 -s dc',
        ],
        [
            "URL for a domain",
            { "ghost-dcdr:domain": "https://blog.example.com" },
            'ghost-dcdr:domain: "https://blog.example.com" is a URL, not a hostname (drop the scheme and any path). Fix: pulumi config set ghost-dcdr:domain blog.example.com -s dc',
        ],
        [
            "domain that is not a hostname",
            { "ghost-dcdr:domain": "blog_example.com" },
            'ghost-dcdr:domain: "blog_example.com" is not a hostname (labels are a-z, 0-9 and inner hyphens, 1 to 63 long). Fix: pulumi config set ghost-dcdr:domain blog.example.com -s dc',
        ],
        [
            "hosted zone id with the API prefix",
            { "ghost-dcdr:hostedZoneId": "/hostedzone/Z123" },
            'ghost-dcdr:hostedZoneId: "/hostedzone/Z123" is not a Route 53 hosted zone id (drop the /hostedzone/ prefix). Fix: pulumi config set ghost-dcdr:hostedZoneId Z0123456789ABCDEFGHIJ -s dc (aws route53 list-hosted-zones shows yours)',
        ],
        [
            "user ARN for a role",
            { "ghost-dcdr:adminRoleArn": "arn:aws:iam::123456789012:user/bob" },
            'ghost-dcdr:adminRoleArn: "arn:aws:iam::123456789012:user/bob" is not an IAM role ARN (arn:aws:iam::<12-digit account>:role/<name>). Fix: pulumi config set ghost-dcdr:adminRoleArn arn:aws:iam::123456789012:role/platform-admin -s dc',
        ],
        [
            "yes for a boolean",
            { "ghost-dcdr:externalDns": "yes" },
            'ghost-dcdr:externalDns: "yes" is not a boolean. Fix: pulumi config set ghost-dcdr:externalDns true (or false) -s dc',
        ],
        [
            "unknown NAT strategy",
            { "ghost-dcdr:natGateways": "one" },
            'ghost-dcdr:natGateways: "one" is not a NAT strategy; it must be single or perAz. Fix: pulumi config set ghost-dcdr:natGateways perAz -s dc',
        ],
        [
            "instance type without a size",
            { "ghost-dcdr:nodeInstanceType": "large" },
            'ghost-dcdr:nodeInstanceType: "large" is not an EC2 instance type. Fix: pulumi config set ghost-dcdr:nodeInstanceType m6i.large -s dc',
        ],
        [
            "an instance family whose memory is unknown",
            { "ghost-dcdr:nodeInstanceType": "x2gd.large" },
            'ghost-dcdr:nodeInstanceType: "x2gd.large" is not of an instance family whose memory this program knows (t3, t3a, t4g, m5, m5d, m5n, m5dn, m5a, m5ad, m6i, m6id, m6in, m6idn, m6a, m6g, m6gd, m7i, m7i-flex, m7a, m7g, m7gd, m8g, m8gd, c5, c5d, c5a, c5ad, c6i, c6id, c6in, c6a, c6g, c6gd, c6gn, c7i, c7i-flex, c7a, c7g, c7gd, c7gn, c8g, c8gd, r5, r5d, r5n, r5dn, r5b, r5a, r5ad, r6i, r6id, r6in, r6idn, r6a, r6g, r6gd, r7i, r7a, r7g, r7gd, r8g, r8gd). Fix: pulumi config set ghost-dcdr:nodeInstanceType m6i.large -s dc, or add the family to INSTANCE_FAMILIES in components/cluster/instances.ts',
        ],
        [
            "c5n, whose memory per size differs from c5's",
            { "ghost-dcdr:nodeInstanceType": "c5n.xlarge" },
            'ghost-dcdr:nodeInstanceType: "c5n.xlarge" is not of an instance family whose memory this program knows (t3, t3a, t4g, m5, m5d, m5n, m5dn, m5a, m5ad, m6i, m6id, m6in, m6idn, m6a, m6g, m6gd, m7i, m7i-flex, m7a, m7g, m7gd, m8g, m8gd, c5, c5d, c5a, c5ad, c6i, c6id, c6in, c6a, c6g, c6gd, c6gn, c7i, c7i-flex, c7a, c7g, c7gd, c7gn, c8g, c8gd, r5, r5d, r5n, r5dn, r5b, r5a, r5ad, r6i, r6id, r6in, r6idn, r6a, r6g, r6gd, r7i, r7a, r7g, r7gd, r8g, r8gd). Fix: pulumi config set ghost-dcdr:nodeInstanceType m6i.large -s dc, or add the family to INSTANCE_FAMILIES in components/cluster/instances.ts',
        ],
        [
            "a size the family does not come in",
            { "ghost-dcdr:nodeInstanceType": "m6i.medium" },
            'ghost-dcdr:nodeInstanceType: "m6i.medium" is not a size of m6i this program knows (large, xlarge, 2xlarge, 4xlarge, 8xlarge, 9xlarge, 12xlarge, 16xlarge, 18xlarge, 24xlarge, 32xlarge, 48xlarge). Fix: pulumi config set ghost-dcdr:nodeInstanceType m6i.large -s dc',
        ],
        [
            "a burstable size that does not exist",
            { "ghost-dcdr:nodeInstanceType": "t3.4xlarge" },
            'ghost-dcdr:nodeInstanceType: "t3.4xlarge" is not a size of t3 this program knows (nano, micro, small, medium, large, xlarge, 2xlarge). Fix: pulumi config set ghost-dcdr:nodeInstanceType t3.large -s dc',
        ],
        [
            "an EBS CSI add-on version that is not an EKS build",
            { "ghost-dcdr:ebsCsiAddonVersion": "latest" },
            'ghost-dcdr:ebsCsiAddonVersion: "latest" is not an EKS add-on build (v<major>.<minor>.<patch>-eksbuild.<n>). Fix: pulumi config set ghost-dcdr:ebsCsiAddonVersion v1.64.0-eksbuild.1 -s dc (aws eks describe-addon-versions --addon-name aws-ebs-csi-driver --kubernetes-version 1.33 lists the builds), or pulumi config rm ghost-dcdr:ebsCsiAddonVersion -s dc for the newest',
        ],
        [
            "an EBS CSI driver release without the EKS build",
            { "ghost-dcdr:ebsCsiAddonVersion": "v1.64.0" },
            'ghost-dcdr:ebsCsiAddonVersion: "v1.64.0" is not an EKS add-on build (v<major>.<minor>.<patch>-eksbuild.<n>). Fix: pulumi config set ghost-dcdr:ebsCsiAddonVersion v1.64.0-eksbuild.1 -s dc (aws eks describe-addon-versions --addon-name aws-ebs-csi-driver --kubernetes-version 1.33 lists the builds), or pulumi config rm ghost-dcdr:ebsCsiAddonVersion -s dc for the newest',
        ],
        [
            "an EBS CSI add-on build without its leading v",
            { "ghost-dcdr:ebsCsiAddonVersion": "1.64.0-eksbuild.1", "ghost-dcdr:kubernetesVersion": "1.34" },
            'ghost-dcdr:ebsCsiAddonVersion: "1.64.0-eksbuild.1" is not an EKS add-on build (v<major>.<minor>.<patch>-eksbuild.<n>) (the leading v is missing). Fix: pulumi config set ghost-dcdr:ebsCsiAddonVersion v1.64.0-eksbuild.1 -s dc (aws eks describe-addon-versions --addon-name aws-ebs-csi-driver --kubernetes-version 1.34 lists the builds), or pulumi config rm ghost-dcdr:ebsCsiAddonVersion -s dc for the newest',
        ],
        [
            "a CIDR string where a list goes",
            { "ghost-dcdr:endpointPublicAccessCidrs": "0.0.0.0/0" },
            `ghost-dcdr:endpointPublicAccessCidrs: "0.0.0.0/0" is not a list of strings. Fix: pulumi config set ghost-dcdr:endpointPublicAccessCidrs '["203.0.113.0/24"]' -s dc (or a YAML list in the stack file)`,
        ],
        [
            "a misspelt key",
            { "ghost-dcdr:nodeMaxsize": "5" },
            "ghost-dcdr:nodeMaxsize: unknown config key. Fix: did you mean ghost-dcdr:nodeMaxSize? pulumi config rm ghost-dcdr:nodeMaxsize -s dc (the keys are listed in Pulumi.yaml and the README)",
        ],
    ];
    for (const [what, changes, message] of rules) {
        it(`rejects ${what} with one line naming key, value and fix`, () => {
            assert.deepEqual(configProblems(changes), [message]);
        });
    }

    it("on dr, blames a region equal to peerRegion on dr's own aws:region, not on the peerRegion that names dc's", () => {
        assert.deepEqual(configProblems({ "aws:region": "eu-west-1" }, DR, "dr"), [
            'aws:region: "eu-west-1" is the same region as ghost-dcdr:peerRegion, the dc site\'s; DR needs a second region. Fix: pulumi config set aws:region eu-west-2 -s dr',
        ]);
    });

    it("reports every problem at once, one line each", () => {
        const problems = configProblems({
            "ghost-dcdr:availabilityZones": "two",
            "ghost-dcdr:domain": "x",
            "aws:region": "mars",
        });
        assert.equal(problems.length, 3);
        assert.ok(problems.every((p) => !p.includes("\n")));
    });

    it("reports problems in section order (site, network, cluster, dns, app, backup, failover), unknown keys first", () => {
        const problems = configProblems({
            "ghost-dcdr:maintenance": "maybe",
            "ghost-dcdr:drMode": "hot",
            "ghost-dcdr:ghostCpu": "lots",
            "ghost-dcdr:domain": "x",
            "ghost-dcdr:nodeDiskGi": "5",
            "ghost-dcdr:natGateways": "one",
            "aws:region": "mars",
            "ghost-dcdr:nodeMaxsize": "5",
        });
        assert.deepEqual(
            problems.map((p) => p.slice(0, p.indexOf(": "))),
            [
                "ghost-dcdr:nodeMaxsize",
                "aws:region",
                "ghost-dcdr:natGateways",
                "ghost-dcdr:nodeDiskGi",
                "ghost-dcdr:domain",
                "ghost-dcdr:ghostCpu",
                "ghost-dcdr:drMode",
                "ghost-dcdr:maintenance",
            ],
        );
    });

    it("reads every schema key in exactly one section, the one stacks/schema.ts gives it", () => {
        for (const [raw, stack] of [
            [DC, "dc"],
            [DR, "dr"],
        ] as const) {
            const input = new ConfigInput(raw, stack);
            readSections(input);
            for (const [key, spec] of Object.entries(CONFIG_KEYS)) {
                const readBy = [...new Set(input.reads.filter((r) => r.key === key).map((r) => r.section))];
                assert.deepEqual(readBy, [spec.section], `${key} is read by ${readBy.join(", ") || "no section"}`);
            }
            assert.deepEqual([...new Set(input.reads.map((r) => r.section))], [...SECTIONS], "sections read in order");
        }
    });

    it("takes the example of a number's fix from the schema default", () => {
        for (const [key, spec] of Object.entries(CONFIG_KEYS)) {
            if (spec.type !== "integer") continue;
            assert.deepEqual(configProblems({ [`ghost-dcdr:${key}`]: "many" }), [
                `ghost-dcdr:${key}: "many" is not a whole number. Fix: pulumi config set ghost-dcdr:${key} ${spec.default} -s dc`,
            ]);
        }
    });

    it("knows hostnames", () => {
        assert.equal(hostnameProblem("blog.example.com"), undefined);
        assert.equal(hostnameProblem("a-b.c-d.example.co.uk"), undefined);
        assert.match(hostnameProblem("Blog.example.com") ?? "", /upper-case/);
        assert.match(hostnameProblem("blog.example.com.") ?? "", /trailing dot/);
        assert.match(hostnameProblem("-blog.example.com") ?? "", /not a hostname/);
        assert.match(hostnameProblem("localhost") ?? "", /fully qualified/);
    });

    it("stops the program before any resource is registered, without a stack trace", async () => {
        let error: Error | undefined;
        const mocks = new RecordingMocks();
        try {
            await runStack("dc", withConfig(DC, { "ghost-dcdr:nodeMinSize": "two" }), mocks);
        } catch (e) {
            error = e as Error;
        }
        assert.ok(error, "expected the run to fail");
        assert.equal(error.constructor.name, "RunError", "RunError is printed by Pulumi without a stack trace");
        assert.equal(
            error.message,
            'invalid stack config:\nghost-dcdr:nodeMinSize: "two" is not a whole number. Fix: pulumi config set ghost-dcdr:nodeMinSize 2 -s dc',
        );
        assert.equal(mocks.resources.length, 0, "nothing registered");
        const valid = await runStack("dc", DC);
        assert.ok(valid.mocks.resources.length > 0, "the same harness registers resources for valid config");
    });
});
