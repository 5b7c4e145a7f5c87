import { strict as assert } from "node:assert";
import { AWS_LOAD_BALANCER_CONTROLLER_POLICY, LBC_CLUSTER_TAG } from "../components/addons/awsLoadBalancerController";
import { CLUSTER_AUTOSCALER_IMAGE, CLUSTER_AUTOSCALER_IMAGE_TAGS, EBS_CSI_DRIVER } from "../components/pins";
import { DC, withConfig } from "./fixtures";
import { inputsOf } from "./helpers";
import { cachedRun, MOCK_EBS_CSI_ADDON_VERSION, MockRun, RecordedResource } from "../tools/mocks";

const conditionKeys = (s: { Condition?: Record<string, Record<string, unknown>> }) =>
    Object.values(s.Condition ?? {}).flatMap((kv) => Object.keys(kv));
/** The IRSA policy document of the component of `type`. */
function policyOf(run: MockRun, type: string): { Statement: any[] } {
    const component = run.mocks.one(type);
    const under = (r: RecordedResource, ancestor: RecordedResource): boolean => {
        const parent = run.mocks.resources.find((x) => x.urn === r.parent);
        return parent !== undefined && (parent.urn === ancestor.urn || under(parent, ancestor));
    };
    const found = run.mocks.byType("aws:iam/rolePolicy:RolePolicy").filter((p) => under(p, component));
    assert.equal(found.length, 1, `${type} has one role policy`);
    return JSON.parse(inputsOf(found[0]).policy);
}

describe("add-ons against their upstream contracts", () => {
    let run: MockRun;
    before(async () => {
        run = await cachedRun("dc", DC);
    });

    it("the load balancer controller's policy fences every mutation by the tag key the controller sets", () => {
        assert.equal(LBC_CLUSTER_TAG, "elbv2.k8s.aws/cluster");
        const statements = policyOf(run, "ghost-dcdr:addons:AwsLoadBalancerController").Statement;
        assert.deepEqual(statements, JSON.parse(JSON.stringify(AWS_LOAD_BALANCER_CONTROLLER_POLICY.Statement)));
        const tagKeys = statements.flatMap(conditionKeys).filter((k) => /^aws:(Request|Resource)Tag\//.test(k));
        assert.equal(tagKeys.length, 9, "upstream fences nine conditions by the cluster tag");
        for (const key of tagKeys) assert.match(key, /^aws:(Request|Resource)Tag\/elbv2\.k8s\.aws\/cluster$/);
        for (const s of statements.filter((x) => x.Action.some((a: string) => /:(AddTags|RemoveTags)$/.test(a)))) {
            assert.notEqual(s.Resource, "*", "ELB tagging is scoped to load balancers, target groups, listeners and rules");
        }
    });

    it("the autoscaler runs the image of the cluster's minor and has no DescribeTags", async () => {
        const run131 = await cachedRun("dc", withConfig(DC, { "ghost-dcdr:kubernetesVersion": "1.31" }));
        for (const [r, minor] of [
            [run, "1.33"],
            [run131, "1.31"],
        ] as const) {
            const release = r.mocks
                .byType("kubernetes:helm.sh/v3:Release")
                .find((x) => inputsOf(x).chart === "cluster-autoscaler");
            assert.ok(release);
            assert.deepEqual(inputsOf(release).values.image, {
                repository: CLUSTER_AUTOSCALER_IMAGE,
                tag: CLUSTER_AUTOSCALER_IMAGE_TAGS[minor],
            });
        }
        const actions = policyOf(run, "ghost-dcdr:addons:ClusterAutoscaler").Statement.flatMap((s) => s.Action);
        assert.ok(!actions.includes("autoscaling:DescribeTags"));
    });

    it("resolves the EBS CSI add-on build for the cluster's Kubernetes version at deploy time", () => {
        const invokes = run.mocks.invokes.filter((i) => i.token === "aws:eks/getAddonVersion:getAddonVersion");
        assert.equal(invokes.length, 1);
        assert.deepEqual(
            { ...invokes[0].inputs },
            { addonName: EBS_CSI_DRIVER.addonName, kubernetesVersion: "1.33", mostRecent: true },
        );
        assert.equal(inputsOf(run.mocks.one("aws:eks/addon:Addon")).addonVersion, MOCK_EBS_CSI_ADDON_VERSION);
    });

    it("uses the add-on build that ebsCsiAddonVersion pins, without asking EKS", async () => {
        const pinned = await cachedRun("dc", withConfig(DC, { "ghost-dcdr:ebsCsiAddonVersion": "v1.64.0-eksbuild.1" }));
        assert.equal(inputsOf(pinned.mocks.one("aws:eks/addon:Addon")).addonVersion, "v1.64.0-eksbuild.1");
        assert.ok(!pinned.mocks.invokes.some((i) => i.token === "aws:eks/getAddonVersion:getAddonVersion"));
    });

    it("the EBS CSI role uses only the documented KMS actions, on the volume key alone", () => {
        const statements = policyOf(run, "ghost-dcdr:storage:Storage").Statement;
        const kms = statements.filter((s) => s.Action.some((a: string) => a.startsWith("kms:")));
        assert.deepEqual(kms.flatMap((s) => s.Action).sort(), [
            "kms:CreateGrant",
            "kms:Decrypt",
            "kms:GenerateDataKeyWithoutPlaintext",
        ]);
        for (const s of kms) assert.match(s.Resource, /^arn:aws:kms:[^*]+:key\/key-.*volumes-key$/);
        const describe = statements.find((s) => s.Action.includes("ec2:DescribeVolumes"));
        assert.ok(describe.Action.includes("ec2:DescribeInstanceTypes"), "DescribeInstanceTypes becomes mandatory upstream");
    });
});
