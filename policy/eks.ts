/**
 * EKS policies: Secrets envelope encryption, the API endpoint's exposure, and IMDSv2 on the nodes.
 *
 * `eks:index:Cluster` and `eks:index:ManagedNodeGroup` are remote components: the checks read their inputs (what the
 * tests see) and also the `aws:eks/cluster:Cluster` / `aws:eks/nodeGroup:NodeGroup` they create (what the engine sees
 * in a real preview).
 */
import { asArray, asStrings, at, nonEmptyString, Props, ResourcePolicy } from "./shared";

const TYPES = {
    eksComponent: "eks:index:Cluster",
    eksCluster: "aws:eks/cluster:Cluster",
    launchTemplate: "aws:ec2/launchTemplate:LaunchTemplate",
    nodeGroups: ["eks:index:ManagedNodeGroup", "aws:eks/nodeGroup:NodeGroup"],
} as const;

const eksSecretsEncryption: ResourcePolicy = {
    name: "eks-secrets-encryption-cmk",
    description: "EKS clusters encrypt Kubernetes Secrets with a customer-managed KMS key (envelope encryption).",
    enforcementLevel: "mandatory",
    remediation: "Create an aws.kms.Key with rotation and pass its ARN as eks.Cluster `encryptionConfigKeyArn`.",
    resourceTypes: [TYPES.eksComponent, TYPES.eksCluster],
    validate(type, inputs) {
        if (type === TYPES.eksComponent) {
            return nonEmptyString(inputs.encryptionConfigKeyArn)
                ? []
                : [
                      "eks.Cluster has no encryptionConfigKeyArn: Kubernetes Secrets (database passwords) are stored with only " +
                          "EBS-level encryption. Fix: pass a customer-managed KMS key ARN as `encryptionConfigKeyArn` " +
                          "(components/cluster creates one).",
                  ];
        }
        if (type === TYPES.eksCluster) {
            const configs = asArray(inputs.encryptionConfig);
            const ok = configs.some(
                (c) => nonEmptyString(at(c, "provider", "keyArn")) && asStrings(at(c, "resources")).includes("secrets"),
            );
            return ok
                ? []
                : [
                      "aws.eks.Cluster has no encryptionConfig for `secrets` with a KMS key. Fix: set encryptionConfig " +
                          '{ provider: { keyArn: <customer-managed key ARN> }, resources: ["secrets"] }.',
                  ];
        }
        return [];
    },
};

/** Endpoint settings of either cluster type, with AWS's defaults (private off, public on, open to the world). */
function endpointOf(type: string, inputs: Props): { privateAccess: boolean; publicAccess: boolean; cidrs: string[] } | undefined {
    if (type === TYPES.eksComponent) {
        return {
            privateAccess: inputs.endpointPrivateAccess === true,
            publicAccess: inputs.endpointPublicAccess !== false,
            cidrs: asStrings(inputs.publicAccessCidrs),
        };
    }
    if (type === TYPES.eksCluster) {
        const vpc = at(inputs, "vpcConfig");
        return {
            privateAccess: at(vpc, "endpointPrivateAccess") === true,
            publicAccess: at(vpc, "endpointPublicAccess") !== false,
            cidrs: asStrings(at(vpc, "publicAccessCidrs")),
        };
    }
    return undefined;
}

const eksPrivateEndpoint: ResourcePolicy = {
    name: "eks-endpoint-private-access",
    description: "EKS clusters enable the private API endpoint, so nodes and in-VPC clients never leave the VPC.",
    enforcementLevel: "mandatory",
    remediation: "Set `endpointPrivateAccess: true` on the cluster.",
    resourceTypes: [TYPES.eksComponent, TYPES.eksCluster],
    validate(type, inputs) {
        const endpoint = endpointOf(type, inputs);
        if (!endpoint || endpoint.privateAccess) return [];
        return [
            "The cluster's private API endpoint is off (AWS's default): node traffic to the API server goes through the " +
                "public endpoint. Fix: set `endpointPrivateAccess: true` (eks.Cluster) or vpcConfig.endpointPrivateAccess.",
        ];
    },
};

const OPEN_CIDRS = ["0.0.0.0/0", "::/0"];

const eksPublicEndpointRestricted: ResourcePolicy = {
    name: "eks-public-endpoint-restricted",
    description: "Advisory: a public EKS API endpoint is restricted to known CIDRs, not 0.0.0.0/0.",
    enforcementLevel: "advisory",
    remediation:
        "Set the stack's `endpointPublicAccessCidrs` to your office/VPN/CI egress CIDRs, or to [] for a private-only endpoint.",
    resourceTypes: [TYPES.eksComponent, TYPES.eksCluster],
    validate(type, inputs) {
        const endpoint = endpointOf(type, inputs);
        if (!endpoint || !endpoint.publicAccess) return [];
        const open =
            endpoint.cidrs.length === 0 ? ["0.0.0.0/0 (AWS default)"] : endpoint.cidrs.filter((c) => OPEN_CIDRS.includes(c));
        if (open.length === 0) return [];
        return [
            `The public API endpoint accepts ${open.join(", ")}: the Kubernetes API is reachable from the whole internet ` +
                "(authentication still applies). Fix: set `ghost-dcdr:endpointPublicAccessCidrs` to the CIDRs that " +
                "administer the cluster (office, VPN, CI egress), or [] for a private-only endpoint.",
        ];
    },
};

const nodesRequireImdsv2: ResourcePolicy = {
    name: "nodes-imdsv2-hop-limit-1",
    description:
        "Node launch templates require IMDSv2 tokens with a hop limit of 1, and every node group uses a launch template.",
    enforcementLevel: "mandatory",
    remediation:
        'Give the node group a launch template with metadataOptions { httpTokens: "required", httpPutResponseHopLimit: 1 }.',
    resourceTypes: [TYPES.launchTemplate, ...TYPES.nodeGroups],
    validate(type, inputs) {
        if (type === TYPES.launchTemplate) {
            const options = at(inputs, "metadataOptions");
            const out: string[] = [];
            if (at(options, "httpEndpoint") === "disabled") return [];
            if (at(options, "httpTokens") !== "required") {
                out.push(
                    `Launch template allows IMDSv1 (metadataOptions.httpTokens is ${JSON.stringify(at(options, "httpTokens") ?? null)}). ` +
                        'Fix: set metadataOptions.httpTokens to "required".',
                );
            }
            if (Number(at(options, "httpPutResponseHopLimit")) !== 1) {
                out.push(
                    `Launch template hop limit is ${JSON.stringify(at(options, "httpPutResponseHopLimit") ?? null)}, so pods can ` +
                        "reach the node's IMDS and borrow the node role. Fix: set metadataOptions.httpPutResponseHopLimit to 1 " +
                        "(pods get their AWS identity through IRSA).",
                );
            }
            return out;
        }
        if ((TYPES.nodeGroups as readonly string[]).includes(type)) {
            const lt = at(inputs, "launchTemplate");
            if (nonEmptyString(at(lt, "id")) || nonEmptyString(at(lt, "name"))) return [];
            return [
                "Node group has no launch template, so EKS's default applies (hop limit 2: pods can use the node role). " +
                    "Fix: pass `launchTemplate: { id, version }` of a template with IMDSv2 required and hop limit 1.",
            ];
        }
        return [];
    },
};

/** In the order `pulumi preview` lists them. */
export const EKS_POLICIES: readonly ResourcePolicy[] = [
    eksSecretsEncryption,
    eksPrivateEndpoint,
    eksPublicEndpointRestricted,
    nodesRequireImdsv2,
];
