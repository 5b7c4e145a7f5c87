import { strict as assert } from "node:assert";
import { CLUSTER_AUTOSCALER_DEFAULTS } from "../components/addons/clusterAutoscaler";
import { CLUSTER_AUTOSCALER_IMAGE_TAGS } from "../components/pins";
import {
    AWS_LOAD_BALANCER_CONTROLLER_DEFAULTS,
    AWS_LOAD_BALANCER_CONTROLLER_IMAGE_TAG,
} from "../components/addons/awsLoadBalancerController";
import { EXTERNAL_DNS_DEFAULTS } from "../components/addons/externalDns";
import { validateManifest } from "../tools/k8sSchema";
import { OUTPUT } from "../stacks/outputs";
import { manifestsOf } from "../tools/plan";
import { DC, DR, withConfig } from "./fixtures";
import { inputsOf } from "./helpers";
import { MockRun, RecordedResource, cachedRun } from "../tools/mocks";

const STACKS = { dc: { config: DC, region: "eu-west-1" }, dr: { config: DR, region: "eu-west-2" } } as const;

/** Inputs with secret wrappers removed, for assertions on values. */
const children = (run: MockRun, parent: RecordedResource) => run.mocks.resources.filter((r) => r.parent === parent.urn);
const child = (run: MockRun, parent: RecordedResource, type: string) => {
    const found = children(run, parent).filter((r) => r.type === type);
    assert.equal(found.length, 1, `${parent.name} has one ${type}`);
    return found[0];
};

for (const [stack, { config, region }] of Object.entries(STACKS)) {
    describe(`site ${stack}`, () => {
        let run: MockRun;
        before(async () => {
            run = await cachedRun(stack, config);
        });

        it("registers no duplicate URNs", () => {
            const urns = run.mocks.resources.map((r) => r.urn);
            assert.equal(new Set(urns).size, urns.length);
        });

        it(`puts every AWS resource on an explicit provider: the site's in ${region}, the peer region's only for the replica buckets, us-east-1 only for the CDN's certificate`, () => {
            const providers = run.mocks.byType("pulumi:providers:aws");
            const regions = providers.map((p) => inputsOf(p).region);
            // Only dc owns the backup and media buckets and the CDN, so only dc has providers for other regions.
            assert.deepEqual(regions, stack === "dc" ? [region, "eu-west-2", "us-east-1"] : [region]);
            const refOf = (p: RecordedResource) => `${p.urn}::${p.name}-id`;
            const [own, peer, usEast1] = providers.map(refOf);
            const awsResources = run.mocks.resources.filter((r) => r.custom && r.type.startsWith("aws:"));
            assert.ok(awsResources.length > 10);
            for (const r of awsResources) {
                const expected = /backup-buckets-(replica(-|$)|key-replica)|media-(dr(-|$)|key-replica)/.test(r.name)
                    ? peer
                    : // Route 53 is global: the certificate's validation records go with the certificate.
                      /media-certificate-/.test(r.name)
                      ? usEast1
                      : own;
                assert.equal(r.provider, expected, `${r.type} ${r.name} uses the right regional provider`);
            }
            for (const r of run.mocks.resources.filter((x) => x.remote)) {
                assert.equal(r.providers.aws, own, `${r.type} ${r.name} is handed the site's AWS provider`);
            }
            for (const invoke of run.mocks.invokes)
                assert.equal(invoke.provider, own, `${invoke.token} goes to the site's provider`);
        });

        it("puts every Kubernetes resource on the cluster's provider", () => {
            const k8sProvider = run.mocks.one("pulumi:providers:kubernetes");
            assert.match(String(inputsOf(k8sProvider).kubeconfig), /"kind":"Config"/, "built from the cluster's kubeconfig");
            const ref = `${k8sProvider.urn}::${k8sProvider.name}-id`;
            const k8sResources = run.mocks.resources.filter((r) => r.custom && r.type.startsWith("kubernetes:"));
            assert.ok(k8sResources.length >= 6);
            for (const r of k8sResources) assert.equal(r.provider, ref, `${r.type} ${r.name}`);
        });

        it("builds the VPC from the subnet plan with the load balancer subnet tags", () => {
            const vpc = inputsOf(run.mocks.one("awsx:ec2:Vpc"));
            const expected =
                stack === "dc"
                    ? { azs: 3, nat: "OnePerAz", cidr: "10.10.0.0/16" }
                    : { azs: 2, nat: "Single", cidr: "10.20.0.0/16" };
            assert.equal(vpc.cidrBlock, expected.cidr);
            assert.equal(vpc.numberOfAvailabilityZones, expected.azs);
            assert.deepEqual(vpc.natGateways, { strategy: expected.nat });
            const spec = (type: string) => vpc.subnetSpecs.find((s: any) => s.type === type);
            assert.equal(spec("Public").cidrBlocks.length, expected.azs);
            assert.equal(spec("Public").tags["kubernetes.io/role/elb"], "1");
            assert.equal(spec("Private").tags["kubernetes.io/role/internal-elb"], "1");
            assert.equal(spec("Private").tags[`kubernetes.io/cluster/ghost-dcdr-${stack}`], "shared");
        });

        it("runs a pinned, private, encrypted EKS cluster with admin through access entries", () => {
            const eks = inputsOf(run.mocks.one("eks:index:Cluster"));
            const key = run.mocks.one("aws:kms/key:Key", "secrets-key");
            assert.equal(eks.version, "1.33");
            assert.equal(eks.name, `ghost-dcdr-${stack}`);
            assert.equal(
                eks.encryptionConfigKeyArn,
                `arn:aws:kms:${region}:123456789012:key/key-${key.name}`,
                "customer-managed key",
            );
            assert.equal(inputsOf(key).enableKeyRotation, true);
            assert.equal(eks.createOidcProvider, true);
            assert.equal(eks.authenticationMode, "API");
            assert.equal(eks.accessEntries.admin.principalArn, "arn:aws:iam::123456789012:role/platform-admin");
            assert.equal(
                eks.accessEntries.admin.accessPolicies.clusterAdmin.policyArn,
                "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
            );
            assert.equal(eks.nodeAssociatePublicIpAddress, false);
            assert.equal(eks.skipDefaultNodeGroup, true);
            assert.equal(eks.endpointPrivateAccess, true);
            assert.deepEqual(eks.privateSubnetIds, run.outputs.privateSubnetIds);
        });

        it("sizes nodes from config in private subnets, IMDSv2 hop limit 1, desired size left to the autoscaler", () => {
            const nodes = inputsOf(run.mocks.one("eks:index:ManagedNodeGroup"));
            assert.deepEqual(nodes.scalingConfig, { minSize: 2, desiredSize: 2, maxSize: 5 });
            assert.equal(nodes.ignoreScalingChanges, true);
            assert.deepEqual(nodes.subnetIds, run.outputs.privateSubnetIds);
            const lt = run.mocks.one("aws:ec2/launchTemplate:LaunchTemplate");
            assert.equal(nodes.launchTemplate.id, `${lt.name}-id`);
            assert.deepEqual(inputsOf(lt).metadataOptions, {
                httpEndpoint: "enabled",
                httpTokens: "required",
                httpPutResponseHopLimit: 1,
            });
            assert.equal(inputsOf(lt).blockDeviceMappings[0].ebs.encrypted, "true");
        });

        const addons = [
            // imageTag: the tag the release must set; undefined means the pinned chart's own appVersion image.
            {
                type: "ghost-dcdr:addons:ClusterAutoscaler",
                chart: CLUSTER_AUTOSCALER_DEFAULTS,
                sa: "cluster-autoscaler",
                // The row of the pin table for the stacks' Kubernetes version (1.33).
                imageTag: CLUSTER_AUTOSCALER_IMAGE_TAGS["1.33"],
            },
            {
                type: "ghost-dcdr:addons:AwsLoadBalancerController",
                chart: AWS_LOAD_BALANCER_CONTROLLER_DEFAULTS,
                sa: "aws-load-balancer-controller",
                imageTag: AWS_LOAD_BALANCER_CONTROLLER_IMAGE_TAG,
            },
            { type: "ghost-dcdr:addons:ExternalDns", chart: EXTERNAL_DNS_DEFAULTS, sa: "external-dns", imageTag: undefined },
        ];
        for (const addon of addons) {
            it(`${addon.type.split(":")[2]}: IRSA trust on :sub and :aud, ServiceAccount annotated with its role, pinned release`, () => {
                const component = run.mocks.one(addon.type);
                const irsa = child(run, component, "ghost-dcdr:irsa:IrsaRole");
                const role = child(run, irsa, "aws:iam/role:Role");
                const sa = child(run, irsa, "kubernetes:core/v1:ServiceAccount");
                const trust = JSON.parse(inputsOf(role).assumeRolePolicy);
                assert.equal(trust.Statement.length, 1);
                const statement = trust.Statement[0];
                const issuer = `oidc.eks.${region}.amazonaws.com/id/MOCK${stack.toUpperCase()}-CLUSTER-EKS`;
                assert.equal(statement.Principal.Federated, `arn:aws:iam::123456789012:oidc-provider/${issuer}`);
                assert.equal(statement.Action, "sts:AssumeRoleWithWebIdentity");
                assert.deepEqual(statement.Condition.StringEquals, {
                    [`${issuer}:sub`]: `system:serviceaccount:${addon.chart.namespace}:${addon.sa}`,
                    [`${issuer}:aud`]: "sts.amazonaws.com",
                });
                const meta = inputsOf(sa).metadata;
                assert.equal(meta.name, addon.sa);
                assert.equal(meta.namespace, addon.chart.namespace);
                assert.equal(meta.annotations["eks.amazonaws.com/role-arn"], `arn:aws:iam::123456789012:role/${role.name}`);

                const release = inputsOf(child(run, component, "kubernetes:helm.sh/v3:Release"));
                assert.match(release.version, /^\d+\.\d+\.\d+$/, "exact chart version");
                assert.equal(release.version, addon.chart.version);
                assert.equal(release.chart, addon.chart.chart);
                assert.equal(release.repositoryOpts.repo, addon.chart.repo);
                assert.match(release.repositoryOpts.repo, /^https:\/\//);
                const values = release.values;
                const saValues = values.serviceAccount ?? values.rbac.serviceAccount;
                assert.deepEqual(saValues, { create: false, name: addon.sa }, "the chart uses the IRSA ServiceAccount");
                assert.equal(values.image?.tag, addon.imageTag, "image tag pinned as intended");
            });
        }

        it("scopes the autoscaler's scaling to groups tagged for this cluster", () => {
            const component = run.mocks.one("ghost-dcdr:addons:ClusterAutoscaler");
            const policy = JSON.parse(
                inputsOf(child(run, child(run, component, "ghost-dcdr:irsa:IrsaRole"), "aws:iam/rolePolicy:RolePolicy")).policy,
            );
            const scaling = policy.Statement.find((s: any) => s.Action.includes("autoscaling:SetDesiredCapacity"));
            assert.deepEqual(scaling.Condition, {
                StringEquals: { [`aws:ResourceTag/k8s.io/cluster-autoscaler/ghost-dcdr-${stack}`]: "owned" },
            });
            const release = inputsOf(child(run, component, "kubernetes:helm.sh/v3:Release"));
            assert.equal(release.values.autoDiscovery.clusterName, `ghost-dcdr-${stack}`);
            assert.equal(release.values.awsRegion, region);
            assert.match(release.values.image.tag, /^v1\.33\.\d+$/, "autoscaler minor matches the cluster (1.33)");
        });

        it("gives the load balancer controller clusterName, region and vpcId", () => {
            const component = run.mocks.one("ghost-dcdr:addons:AwsLoadBalancerController");
            const values = inputsOf(child(run, component, "kubernetes:helm.sh/v3:Release")).values;
            assert.equal(values.clusterName, `ghost-dcdr-${stack}`);
            assert.equal(values.region, region);
            assert.equal(values.vpcId, run.outputs.vpcId);
        });

        it("lets ExternalDNS change only the configured zone, with an owner id unique to the site", () => {
            const component = run.mocks.one("ghost-dcdr:addons:ExternalDns");
            const policy = JSON.parse(
                inputsOf(child(run, child(run, component, "ghost-dcdr:irsa:IrsaRole"), "aws:iam/rolePolicy:RolePolicy")).policy,
            );
            const change = policy.Statement.find((s: any) => s.Action.includes("route53:ChangeResourceRecordSets"));
            assert.equal(change.Resource, "arn:aws:route53:::hostedzone/Z0123456789ABCDEFGHIJ");
            const values = inputsOf(child(run, component, "kubernetes:helm.sh/v3:Release")).values;
            assert.equal(values.txtOwnerId, `ghost-dcdr-${stack}-${region}`);
            assert.deepEqual(values.domainFilters, ["blog.example.com"]);
            assert.ok(values.extraArgs.includes("--zone-id-filter=Z0123456789ABCDEFGHIJ"));
        });

        it("requests a DNS-validated certificate for the domain and the site name", () => {
            const cert = inputsOf(run.mocks.one("aws:acm/certificate:Certificate", `${stack}-certificate-cert`));
            assert.equal(cert.domainName, "blog.example.com");
            assert.deepEqual(cert.subjectAlternativeNames, [`${stack}.blog.example.com`]);
            assert.equal(cert.validationMethod, "DNS");
            const records = run.mocks
                .byType("aws:route53/record:Record")
                .filter((r) => r.name.startsWith(`${stack}-certificate-validation`))
                .map(inputsOf);
            assert.deepEqual(records.map((r) => r.name).sort(), ["_mock.blog.example.com.", `_mock.${stack}.blog.example.com.`]);
            assert.ok(records.every((r) => r.zoneId === "Z0123456789ABCDEFGHIJ"));
            assert.equal(run.outputs.certificateArn, `arn:aws:acm:${region}:123456789012:certificate/${stack}-certificate-cert`);
        });

        it("exports the kubeconfig and the database passwords as secrets, and nothing else secret", () => {
            assert.deepEqual(run.secretOutputs.sort(), ["databasePassword", "databaseRootPassword", "kubeconfig"]);
        });

        it("exports every output the peer stack and the switchover read (stacks/outputs.ts), under that name", () => {
            for (const name of Object.values(OUTPUT)) assert.ok(name in run.outputs, `output ${name} missing`);
            assert.equal(run.outputs[OUTPUT.siteName], stack);
            assert.equal(run.outputs[OUTPUT.failover], false);
            assert.equal(run.outputs[OUTPUT.backupPrefix], `ghost/${stack}/`);
        });

        it("creates Kubernetes objects that pass the Kubernetes schema", async () => {
            const manifests = manifestsOf(run.mocks.resources);
            assert.ok(manifests.length >= 4);
            for (const m of manifests) await validateManifest(m);
        });
    });
}

describe("site toggles and pairing", () => {
    it("ExternalDNS off removes only the release: the IAM role and ServiceAccount keep their URNs", async () => {
        const on = await cachedRun("dc", DC);
        const off = await cachedRun("dc", withConfig(DC, { "ghost-dcdr:externalDns": "false" }));
        const urnsOf = (run: MockRun) =>
            new Set(run.mocks.resources.filter((r) => r.urn.includes("ExternalDns")).map((r) => r.urn));
        const removed = [...urnsOf(on)].filter((u) => !urnsOf(off).has(u));
        assert.deepEqual(
            removed.map((u) => u.split("::").pop()),
            ["dc-external-dns-release"],
        );
        assert.equal(off.mocks.byType("aws:iam/role:Role").filter((r) => r.name === "dc-external-dns-irsa-role").length, 1);
        assert.equal(off.outputs.externalDnsEnabled, false);
    });

    it("gives dc and dr distinct ExternalDNS owners, cluster names and VPC ranges", async () => {
        const dc = await cachedRun("dc", DC);
        const dr = await cachedRun("dr", DR);
        const owner = (run: MockRun) =>
            inputsOf(run.mocks.one("kubernetes:helm.sh/v3:Release", "external-dns-release")).values.txtOwnerId;
        assert.notEqual(owner(dc), owner(dr));
        assert.notEqual(dc.outputs.clusterName, dr.outputs.clusterName);
        assert.notEqual(inputsOf(dc.mocks.one("awsx:ec2:Vpc")).cidrBlock, inputsOf(dr.mocks.one("awsx:ec2:Vpc")).cidrBlock);
    });
});
