import { EKS_POLICIES } from "../../policy/eks";
import { KEY_ARN, resourcePolicyTests, ResourceCases } from "./helpers";

const CASES: ResourceCases = {
    "eks-secrets-encryption-cmk": {
        pass: [
            ["eks:index:Cluster", { encryptionConfigKeyArn: KEY_ARN }],
            ["aws:eks/cluster:Cluster", { encryptionConfig: { provider: { keyArn: KEY_ARN }, resources: ["secrets"] } }],
        ],
        fail: [
            ["eks:index:Cluster", { name: "c" }, /has no encryptionConfigKeyArn.*Fix: pass a customer-managed KMS key ARN/],
            ["aws:eks/cluster:Cluster", { encryptionConfig: { provider: { keyArn: KEY_ARN }, resources: [] } }, /for `secrets`/],
        ],
    },
    "eks-endpoint-private-access": {
        pass: [
            ["eks:index:Cluster", { endpointPrivateAccess: true }],
            ["aws:eks/cluster:Cluster", { vpcConfig: { endpointPrivateAccess: true } }],
        ],
        fail: [
            ["eks:index:Cluster", {}, /private API endpoint is off.*Fix: set `endpointPrivateAccess: true`/],
            ["aws:eks/cluster:Cluster", { vpcConfig: { endpointPrivateAccess: false } }, /private API endpoint is off/],
        ],
    },
    "eks-public-endpoint-restricted": {
        pass: [
            ["eks:index:Cluster", { endpointPublicAccess: false }],
            ["eks:index:Cluster", { endpointPublicAccess: true, publicAccessCidrs: ["203.0.113.0/24"] }],
            ["aws:eks/cluster:Cluster", { vpcConfig: { endpointPublicAccess: true, publicAccessCidrs: ["198.51.100.7/32"] } }],
        ],
        fail: [
            [
                "eks:index:Cluster",
                { endpointPublicAccess: true, publicAccessCidrs: ["0.0.0.0/0"] },
                /accepts 0\.0\.0\.0\/0.*Fix: set `ghost-dcdr:endpointPublicAccessCidrs`/,
            ],
            ["aws:eks/cluster:Cluster", { vpcConfig: {} }, /0\.0\.0\.0\/0 \(AWS default\)/],
        ],
    },
    "nodes-imdsv2-hop-limit-1": {
        pass: [
            [
                "aws:ec2/launchTemplate:LaunchTemplate",
                { metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 } },
            ],
            ["eks:index:ManagedNodeGroup", { launchTemplate: { id: "lt-0123", version: "1" } }],
        ],
        fail: [
            [
                "aws:ec2/launchTemplate:LaunchTemplate",
                { metadataOptions: { httpTokens: "optional", httpPutResponseHopLimit: 1 } },
                /allows IMDSv1.*Fix: set metadataOptions.httpTokens to "required"/,
            ],
            [
                "aws:ec2/launchTemplate:LaunchTemplate",
                { metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 2 } },
                /hop limit is 2.*Fix: set metadataOptions.httpPutResponseHopLimit to 1/,
            ],
            ["aws:ec2/launchTemplate:LaunchTemplate", {}, /allows IMDSv1/],
            ["aws:eks/nodeGroup:NodeGroup", { clusterName: "c" }, /has no launch template.*hop limit 2/],
        ],
    },
};

describe("EKS policies: each on a compliant and a violating resource", () => {
    resourcePolicyTests(EKS_POLICIES, CASES);
});
