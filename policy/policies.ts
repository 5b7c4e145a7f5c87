/**
 * The ghost-dcdr policies as plain data and pure functions, so the tests can run them without a gRPC server
 * (`new PolicyPack(...)` in ./index.ts starts one) and the pack can wrap them without changing a line.
 *
 * A resource policy is `validate(type, inputs) => messages`; a stack policy is `validateStack(resources) =>
 * violations`, for invariants that span several resources (in AWS provider v7 a bucket's versioning,
 * encryption, public access block, policy and replication are separate resources). Every message names what is
 * wrong and ends with `Fix: ...`, the remediation.
 *
 * Inputs are plain JSON (secrets unwrapped). Under `pulumi preview` the pack hands in @pulumi/policy's proxy,
 * which throws on a value that is not known yet; the framework then reports "can't run policy during preview"
 * as advisory and the policy runs for real during `pulumi up`. So these functions read only what they need.
 */

export type EnforcementLevel = "advisory" | "mandatory";
export type Props = Record<string, unknown>;

interface PolicyInfo {
    /** Unique in the pack; what `pulumi preview` prints. */
    readonly name: string;
    readonly description: string;
    readonly enforcementLevel: EnforcementLevel;
    /** How to fix a violation, in general terms; each message says it for the resource at hand. */
    readonly remediation: string;
}

export interface ResourcePolicy extends PolicyInfo {
    /** Resource types this policy looks at; `validate` returns nothing for any other type. */
    readonly resourceTypes: readonly string[];
    validate(type: string, inputs: Props): string[];
}

/** One registered resource, as a stack policy sees it. */
export interface StackResource {
    readonly type: string;
    readonly name: string;
    readonly urn: string;
    /** The resource's properties (inputs under mocks, the engine's planned state under the pack). */
    readonly inputs: Props;
    /** Provider id, when the caller knows it (the mocks do; the engine puts `id` in `inputs` for bridged resources). */
    readonly id?: string;
    /** ARN, when the caller knows it. */
    readonly arn?: string;
    /** Property name -> URNs the property's value came from (the engine's propertyDependencies). */
    readonly propertyDependencies?: Readonly<Record<string, readonly string[]>>;
}

export interface StackViolation {
    /** The resource to fix. */
    readonly urn: string;
    readonly message: string;
}

export interface StackPolicy extends PolicyInfo {
    validateStack(resources: readonly StackResource[]): StackViolation[];
}

// ------------------------------------------------------------------------------------------------
// Small readers over untyped JSON.

function isRecord(v: unknown): v is Props {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The value at `path`, or undefined when any step is missing. */
export function at(v: unknown, ...path: (string | number)[]): unknown {
    let cur = v;
    for (const key of path) {
        if (Array.isArray(cur) && typeof key === "number") cur = cur[key];
        else if (isRecord(cur) && typeof key === "string") cur = cur[key];
        else return undefined;
    }
    return cur;
}

function asArray(v: unknown): unknown[] {
    if (v === undefined || v === null) return [];
    return Array.isArray(v) ? v : [v];
}

function asStrings(v: unknown): string[] {
    return asArray(v).filter((x): x is string => typeof x === "string");
}

function nonEmptyString(v: unknown): v is string {
    return typeof v === "string" && v.trim() !== "";
}

/** A JSON document given as a string (`JSON.stringify` in the program) or as an object. */
function parseDocument(v: unknown): Props | undefined {
    if (isRecord(v)) return v;
    if (typeof v !== "string") return undefined;
    try {
        const parsed: unknown = JSON.parse(v);
        return isRecord(parsed) ? parsed : undefined;
    } catch {
        return undefined;
    }
}

// ------------------------------------------------------------------------------------------------
// Type tokens (checked against node_modules/@pulumi/aws 7.x: the V2 S3 classes are deprecated aliases that
// still register under their own tokens, so both spellings are covered).

export const TYPES = {
    bucket: ["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"],
    bucketVersioning: ["aws:s3/bucketVersioning:BucketVersioning", "aws:s3/bucketVersioningV2:BucketVersioningV2"],
    bucketEncryption: [
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
    ],
    bucketPublicAccessBlock: ["aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"],
    bucketPolicy: ["aws:s3/bucketPolicy:BucketPolicy"],
    bucketReplication: ["aws:s3/bucketReplicationConfig:BucketReplicationConfig"],
    eksComponent: "eks:index:Cluster",
    eksCluster: "aws:eks/cluster:Cluster",
    launchTemplate: "aws:ec2/launchTemplate:LaunchTemplate",
    nodeGroups: ["eks:index:ManagedNodeGroup", "aws:eks/nodeGroup:NodeGroup"],
    role: "aws:iam/role:Role",
    policyDocuments: [
        "aws:iam/role:Role",
        "aws:iam/rolePolicy:RolePolicy",
        "aws:iam/policy:Policy",
        "aws:iam/userPolicy:UserPolicy",
        "aws:iam/groupPolicy:GroupPolicy",
    ],
    policyAttachments: [
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        "aws:iam/userPolicyAttachment:UserPolicyAttachment",
        "aws:iam/groupPolicyAttachment:GroupPolicyAttachment",
        "aws:iam/policyAttachment:PolicyAttachment",
    ],
    helm: ["kubernetes:helm.sh/v3:Release", "kubernetes:helm.sh/v3:Chart", "kubernetes:helm.sh/v4:Chart"],
    cronJob: "kubernetes:batch/v1:CronJob",
    configMap: "kubernetes:core/v1:ConfigMap",
} as const;

/** Where each workload type keeps its pod spec. */
const POD_SPEC_PATHS: Readonly<Record<string, readonly string[]>> = {
    "kubernetes:core/v1:Pod": ["spec"],
    "kubernetes:core/v1:ReplicationController": ["spec", "template", "spec"],
    "kubernetes:apps/v1:Deployment": ["spec", "template", "spec"],
    "kubernetes:apps/v1:StatefulSet": ["spec", "template", "spec"],
    "kubernetes:apps/v1:DaemonSet": ["spec", "template", "spec"],
    "kubernetes:apps/v1:ReplicaSet": ["spec", "template", "spec"],
    "kubernetes:batch/v1:Job": ["spec", "template", "spec"],
    "kubernetes:batch/v1:CronJob": ["spec", "jobTemplate", "spec", "template", "spec"],
};
const WORKLOAD_TYPES = Object.keys(POD_SPEC_PATHS);

interface Container {
    /** e.g. `containers[0] "ghost"`, for messages. */
    where: string;
    spec: Props;
}

function containersOf(type: string, inputs: Props): Container[] {
    const path = POD_SPEC_PATHS[type];
    if (!path) return [];
    const podSpec = at(inputs, ...path);
    const out: Container[] = [];
    for (const field of ["initContainers", "containers", "ephemeralContainers"]) {
        asArray(at(podSpec, field)).forEach((c, i) => {
            if (isRecord(c)) out.push({ where: `${field}[${i}] ${JSON.stringify(c.name ?? "")}`, spec: c });
        });
    }
    return out;
}

// ------------------------------------------------------------------------------------------------
// EKS

export const eksSecretsEncryption: ResourcePolicy = {
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

export const eksPrivateEndpoint: ResourcePolicy = {
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

export const eksPublicEndpointRestricted: ResourcePolicy = {
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

export const nodesRequireImdsv2: ResourcePolicy = {
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

// ------------------------------------------------------------------------------------------------
// IAM

interface Statement {
    effect: string;
    actions: string[];
    notActions: string[];
    resources: string[];
    notResources: string[];
    condition: Props | undefined;
    principal: unknown;
    sid: string;
}

function statementsOf(document: unknown): Statement[] {
    const doc = parseDocument(document);
    if (!doc) return [];
    return asArray(doc.Statement)
        .filter(isRecord)
        .map((s, i) => ({
            effect: typeof s.Effect === "string" ? s.Effect : "Allow",
            actions: asStrings(s.Action),
            notActions: asStrings(s.NotAction),
            resources: asStrings(s.Resource),
            notResources: asStrings(s.NotResource),
            condition: isRecord(s.Condition) ? s.Condition : undefined,
            principal: s.Principal,
            sid: typeof s.Sid === "string" ? `Statement ${JSON.stringify(s.Sid)}` : `Statement[${i}]`,
        }));
}

/** The permission documents a resource carries (trust policies excluded: they grant who, not what). */
function permissionDocuments(type: string, inputs: Props): { where: string; document: unknown }[] {
    if (type === TYPES.role) {
        return asArray(inputs.inlinePolicies).map((p, i) => ({
            where: `inlinePolicies[${i}] ${JSON.stringify(at(p, "name") ?? "")}`,
            document: at(p, "policy"),
        }));
    }
    if ((TYPES.policyDocuments as readonly string[]).includes(type)) return [{ where: "policy", document: inputs.policy }];
    return [];
}

const ADMIN_POLICY_ARNS = /:policy\/(AdministratorAccess|PowerUserAccess|IAMFullAccess)$/;

export const iamNoWildcardActions: ResourcePolicy = {
    name: "iam-no-wildcard-actions",
    description:
        'IAM permission policies never allow "Action": "*", NotAction, or a whole service ("s3:*") on every resource, ' +
        "and no administrator managed policy is attached.",
    enforcementLevel: "mandatory",
    remediation: "List the exact actions the workload calls (the controller's published IAM policy) and scope Resource to ARNs.",
    resourceTypes: [...TYPES.policyDocuments, ...TYPES.policyAttachments],
    validate(type, inputs) {
        const out: string[] = [];
        if ((TYPES.policyAttachments as readonly string[]).includes(type)) {
            const arn = inputs.policyArn;
            if (typeof arn === "string" && ADMIN_POLICY_ARNS.test(arn)) {
                out.push(`Attaches ${arn}, which allows (nearly) every action. Fix: attach a least-privilege policy instead.`);
            }
            return out;
        }
        for (const { where, document } of permissionDocuments(type, inputs)) {
            for (const s of statementsOf(document)) {
                if (s.effect !== "Allow") continue;
                if (s.actions.includes("*")) {
                    out.push(`${where} ${s.sid} allows "Action": "*". Fix: list the exact actions the workload needs.`);
                }
                if (s.notActions.length > 0) {
                    out.push(
                        `${where} ${s.sid} uses NotAction with Allow, which grants every other action (including future ones). ` +
                            "Fix: list the allowed actions with Action.",
                    );
                }
                const serviceWide = s.actions.filter((a) => /^[a-z0-9-]+:\*$/i.test(a));
                if (serviceWide.length > 0 && s.resources.includes("*")) {
                    out.push(
                        `${where} ${s.sid} allows ${serviceWide.join(", ")} on "Resource": "*". Fix: list the exact actions ` +
                            "and scope Resource to the ARNs they act on.",
                    );
                }
            }
        }
        return out;
    },
};

interface AllowedWildcard {
    /** The controllers whose published policy needs the action on "*". */
    readonly controllers: string[];
    /** True when every source fences the action with a Condition (tags, service name) instead of an ARN. */
    readonly needsCondition: boolean;
}

/**
 * Actions allowed on `"Resource": "*"`, each from the documented IAM policy of the controller that needs it:
 * describe/list calls have no resource-level permissions, and some mutations can only be fenced by tag conditions.
 * Derived from components/addons/*.ts and components/storage; a new controller adds its actions here, citing its
 * policy document, or the policy flags it.
 */
export const WILDCARD_RESOURCE_ALLOWLIST: ReadonlyMap<string, AllowedWildcard> = (() => {
    const map = new Map<string, { controllers: string[]; needsCondition: boolean }>();
    const add = (controller: string, needsCondition: boolean, actions: string[]) => {
        for (const action of actions) {
            const key = action.toLowerCase();
            const prior = map.get(key);
            if (prior) {
                prior.controllers.push(controller);
                prior.needsCondition &&= needsCondition;
            } else {
                map.set(key, { controllers: [controller], needsCondition });
            }
        }
    };
    // kubernetes-sigs/aws-load-balancer-controller docs/install/iam_policy.json (v3.5.0, the pinned app version).
    const lbc = "aws-load-balancer-controller";
    add(lbc, false, [
        ...[
            "DescribeAccountAttributes",
            "DescribeAddresses",
            "DescribeAvailabilityZones",
            "DescribeInternetGateways",
            "DescribeVpcs",
            "DescribeVpcPeeringConnections",
            "DescribeSubnets",
            "DescribeSecurityGroups",
            "DescribeInstances",
            "DescribeNetworkInterfaces",
            "DescribeTags",
            "GetCoipPoolUsage",
            "DescribeCoipPools",
            "GetSecurityGroupsForVpc",
            "DescribeIpamPools",
            "DescribeRouteTables",
            "AuthorizeSecurityGroupIngress",
            "RevokeSecurityGroupIngress",
            "CreateSecurityGroup",
        ].map((a) => `ec2:${a}`),
        ...[
            "DescribeLoadBalancers",
            "DescribeLoadBalancerAttributes",
            "DescribeListeners",
            "DescribeListenerCertificates",
            "DescribeSSLPolicies",
            "DescribeRules",
            "DescribeTargetGroups",
            "DescribeTargetGroupAttributes",
            "DescribeTargetHealth",
            "DescribeTags",
            "DescribeTrustStores",
            "DescribeListenerAttributes",
            "DescribeCapacityReservation",
            "CreateListener",
            "DeleteListener",
            "CreateRule",
            "DeleteRule",
            "SetWebAcl",
            "ModifyListener",
            "AddListenerCertificates",
            "RemoveListenerCertificates",
            "ModifyRule",
            "SetRulePriorities",
        ].map((a) => `elasticloadbalancing:${a}`),
        "cognito-idp:DescribeUserPoolClient",
        "acm:ListCertificates",
        "acm:DescribeCertificate",
        "iam:ListServerCertificates",
        "iam:GetServerCertificate",
        "waf-regional:GetWebACL",
        "waf-regional:GetWebACLForResource",
        "waf-regional:AssociateWebACL",
        "waf-regional:DisassociateWebACL",
        "wafv2:GetWebACL",
        "wafv2:GetWebACLForResource",
        "wafv2:AssociateWebACL",
        "wafv2:DisassociateWebACL",
        "shield:GetSubscriptionState",
        "shield:DescribeProtection",
        "shield:CreateProtection",
        "shield:DeleteProtection",
    ]);
    add(lbc, true, [
        "iam:CreateServiceLinkedRole",
        "ec2:DeleteSecurityGroup",
        ...[
            "CreateLoadBalancer",
            "CreateTargetGroup",
            "ModifyLoadBalancerAttributes",
            "SetIpAddressType",
            "SetSecurityGroups",
            "SetSubnets",
            "DeleteLoadBalancer",
            "ModifyTargetGroup",
            "ModifyTargetGroupAttributes",
            "DeleteTargetGroup",
            "ModifyListenerAttributes",
            "ModifyCapacityReservation",
            "ModifyIpPools",
        ].map((a) => `elasticloadbalancing:${a}`),
    ]);
    // kubernetes/autoscaler cluster-autoscaler/cloudprovider/aws/README.md, "Full Cluster Autoscaler Features Policy".
    const autoscaler = "cluster-autoscaler";
    add(autoscaler, false, [
        "autoscaling:DescribeAutoScalingGroups",
        "autoscaling:DescribeAutoScalingInstances",
        "autoscaling:DescribeLaunchConfigurations",
        "autoscaling:DescribeScalingActivities",
        "ec2:DescribeImages",
        "ec2:DescribeInstanceTypes",
        "ec2:DescribeLaunchTemplateVersions",
        "ec2:GetInstanceTypesFromInstanceRequirements",
        "eks:DescribeNodegroup",
    ]);
    add(autoscaler, true, ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"]);
    // kubernetes-sigs/external-dns docs/tutorials/aws.md: zone changes are scoped to the zone ARN, listing is not.
    add("external-dns", false, ["route53:ListHostedZones"]);
    // kubernetes-sigs/aws-ebs-csi-driver docs/AmazonEBSCSIDriverPolicyV2.json (v1.64.0): only describe calls on "*";
    // every mutation is scoped to volume, snapshot or instance ARNs.
    add("aws-ebs-csi-driver", false, [
        "ec2:DescribeAvailabilityZones",
        "ec2:DescribeInstances",
        "ec2:DescribeInstanceTypes",
        "ec2:DescribeSnapshots",
        "ec2:DescribeVolumes",
        "ec2:DescribeVolumesModifications",
        "ec2:DescribeVolumeStatus",
    ]);
    return map;
})();

export const iamWildcardResourceAllowlist: ResourcePolicy = {
    name: "iam-wildcard-resource-allowlist",
    description:
        'IAM permission policies use "Resource": "*" only for actions a documented controller policy requires on "*" ' +
        "(allow-listed by action in policy/policies.ts), fenced by a Condition where the controller's policy fences them.",
    enforcementLevel: "mandatory",
    remediation:
        'Scope Resource to the ARNs the action touches; if a controller\'s published policy really needs "*", add the ' +
        "action to WILDCARD_RESOURCE_ALLOWLIST citing that policy.",
    resourceTypes: TYPES.policyDocuments,
    validate(type, inputs) {
        const out: string[] = [];
        for (const { where, document } of permissionDocuments(type, inputs)) {
            for (const s of statementsOf(document)) {
                if (s.effect !== "Allow") continue;
                if (s.notResources.length > 0) {
                    out.push(
                        `${where} ${s.sid} uses NotResource with Allow, which grants the actions on every other resource. ` +
                            "Fix: list the resources with Resource.",
                    );
                }
                if (!s.resources.includes("*")) continue;
                const notAllowed = s.actions.filter((a) => !WILDCARD_RESOURCE_ALLOWLIST.has(a.toLowerCase()));
                if (notAllowed.length > 0) {
                    out.push(
                        `${where} ${s.sid} allows ${notAllowed.join(", ")} on "Resource": "*", and no documented controller ` +
                            "policy requires that. Fix: scope Resource to the ARNs these actions touch (or, for a controller " +
                            "whose published IAM policy needs it, add the actions to WILDCARD_RESOURCE_ALLOWLIST in " +
                            "policy/policies.ts with the source).",
                    );
                }
                const unfenced = s.actions.filter((a) => WILDCARD_RESOURCE_ALLOWLIST.get(a.toLowerCase())?.needsCondition);
                if (unfenced.length > 0 && (!s.condition || Object.keys(s.condition).length === 0)) {
                    out.push(
                        `${where} ${s.sid} allows ${unfenced.join(", ")} on "Resource": "*" without a Condition; the ` +
                            "controller's policy fences these by tag or service name. Fix: add the Condition from the " +
                            "controller's published policy (e.g. aws:ResourceTag/<cluster tag>).",
                    );
                }
            }
        }
        return out;
    },
};

const WEB_IDENTITY = "sts:assumerolewithwebidentity";

/** Condition values keyed by condition key, from the operators that can pin a value. */
function conditionValues(condition: Props | undefined, suffix: string): { operator: string; values: string[] }[] {
    const out: { operator: string; values: string[] }[] = [];
    for (const [operator, block] of Object.entries(condition ?? {})) {
        if (!["StringEquals", "StringLike"].includes(operator) || !isRecord(block)) continue;
        for (const [key, value] of Object.entries(block)) {
            if (key.endsWith(suffix)) out.push({ operator, values: asStrings(value) });
        }
    }
    return out;
}

export const iamIrsaTrustConditions: ResourcePolicy = {
    name: "iam-irsa-trust-sub-and-aud",
    description:
        "Roles assumable with a web identity (IRSA, GitHub OIDC) condition the trust on both `:sub` (which identity) " +
        "and `:aud` (sts.amazonaws.com).",
    enforcementLevel: "mandatory",
    remediation:
        "Build the trust policy with irsaTrustPolicy() (components/irsa), which pins `<issuer>:sub` to the ServiceAccount " +
        'and `<issuer>:aud` to "sts.amazonaws.com".',
    resourceTypes: [TYPES.role],
    validate(type, inputs) {
        if (type !== TYPES.role) return [];
        const out: string[] = [];
        for (const s of statementsOf(inputs.assumeRolePolicy)) {
            if (s.effect !== "Allow" || !s.actions.some((a) => a.toLowerCase() === WEB_IDENTITY)) continue;
            const sub = conditionValues(s.condition, ":sub");
            const aud = conditionValues(s.condition, ":aud");
            const subValues = sub.flatMap((c) => c.values);
            if (subValues.length === 0 || subValues.some((v) => v.trim() === "" || v === "*")) {
                out.push(
                    `Trust ${s.sid} allows sts:AssumeRoleWithWebIdentity without pinning \`<issuer>:sub\`: any identity of ` +
                        "the OIDC provider (every ServiceAccount in the cluster, every repository) can assume the role. " +
                        'Fix: add Condition StringEquals { "<issuer>:sub": "system:serviceaccount:<namespace>:<name>" }.',
                );
            }
            const audValues = aud.flatMap((c) => c.values);
            if (audValues.length === 0 || audValues.some((v) => v !== "sts.amazonaws.com")) {
                out.push(
                    `Trust ${s.sid} allows sts:AssumeRoleWithWebIdentity without \`<issuer>:aud\` = "sts.amazonaws.com": ` +
                        "tokens minted for another audience could be exchanged. " +
                        'Fix: add Condition StringEquals { "<issuer>:aud": "sts.amazonaws.com" }.',
                );
            }
        }
        return out;
    },
};

// ------------------------------------------------------------------------------------------------
// Kubernetes

const EXACT_SEMVER = /^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

export const helmReleasePinned: ResourcePolicy = {
    name: "helm-release-pinned-version",
    description: "Every Helm release or chart names an exact chart version (semver, never a range or empty).",
    enforcementLevel: "mandatory",
    remediation: 'Set `version` to the exact chart version (its row in components/pins.ts), e.g. "3.5.0".',
    resourceTypes: TYPES.helm,
    validate(type, inputs) {
        if (!(TYPES.helm as readonly string[]).includes(type)) return [];
        const version = inputs.version;
        if (typeof version === "string" && EXACT_SEMVER.test(version)) return [];
        return [
            `Helm chart ${JSON.stringify(inputs.chart ?? "")} has version ${JSON.stringify(version ?? null)}: without an exact ` +
                'version every deploy can pull a different chart. Fix: pin `version` to an exact semver such as "1.2.3".',
        ];
    },
};

/** Why an image reference is not pinned, or undefined when it is (a tag other than latest, or a digest). */
export function unpinnedImageReason(image: unknown): string | undefined {
    if (typeof image !== "string" || image.trim() === "") return "has no image";
    if (/@sha256:[0-9a-f]{64}$/.test(image)) return undefined;
    const lastSegment = image.slice(image.lastIndexOf("/") + 1);
    const colon = lastSegment.lastIndexOf(":");
    if (colon < 0) return `image ${JSON.stringify(image)} has no tag (means :latest)`;
    const tag = lastSegment.slice(colon + 1);
    if (tag === "") return `image ${JSON.stringify(image)} has an empty tag`;
    if (tag.toLowerCase() === "latest") return `image ${JSON.stringify(image)} uses :latest`;
    return undefined;
}

/** Every `image: { tag }` object in Helm values, with its path. */
function helmImageTags(values: unknown, path = "values"): { path: string; tag: unknown; digest: unknown }[] {
    const out: { path: string; tag: unknown; digest: unknown }[] = [];
    if (Array.isArray(values)) {
        values.forEach((v, i) => out.push(...helmImageTags(v, `${path}[${i}]`)));
    } else if (isRecord(values)) {
        for (const [key, v] of Object.entries(values)) {
            if (key === "image" && isRecord(v) && "tag" in v)
                out.push({ path: `${path}.image.tag`, tag: v.tag, digest: v.digest });
            out.push(...helmImageTags(v, `${path}.${key}`));
        }
    }
    return out;
}

export const imagesPinned: ResourcePolicy = {
    name: "k8s-image-pinned",
    description:
        "Every container image (Pods, Deployments, StatefulSets, DaemonSets, Jobs, CronJobs) and every `image.tag` in " +
        "Helm values is pinned: a tag other than latest, or a digest.",
    enforcementLevel: "mandatory",
    remediation: "Use an exact version tag (e.g. ghost:6.3.1) or a @sha256 digest, and bump it deliberately.",
    resourceTypes: [...WORKLOAD_TYPES, ...TYPES.helm],
    validate(type, inputs) {
        const out: string[] = [];
        for (const c of containersOf(type, inputs)) {
            const reason = unpinnedImageReason(c.spec.image);
            if (reason) {
                out.push(
                    `${c.where} ${reason}: the image can change under the same spec. Fix: pin an exact version tag or an @sha256 digest.`,
                );
            }
        }
        if ((TYPES.helm as readonly string[]).includes(type)) {
            for (const { path, tag, digest } of helmImageTags(inputs.values)) {
                if (nonEmptyString(digest)) continue;
                const text = typeof tag === "number" ? String(tag) : tag;
                if (!nonEmptyString(text) || text.toLowerCase() === "latest") {
                    out.push(
                        `Helm ${path} is ${JSON.stringify(tag ?? null)}. Fix: set it to an exact image version (the chart's ` +
                            "appVersion it was tested with), or remove the key to use the chart's pinned default.",
                    );
                }
            }
        }
        return out;
    },
};

export const cronJobGuards: ResourcePolicy = {
    name: "k8s-cronjob-guards",
    description:
        "CronJobs never overlap (concurrencyPolicy Forbid), skip runs they missed by too long (startingDeadlineSeconds), " +
        "and time out (jobTemplate.spec.activeDeadlineSeconds).",
    enforcementLevel: "mandatory",
    remediation:
        'Set spec.concurrencyPolicy "Forbid", spec.startingDeadlineSeconds and spec.jobTemplate.spec.activeDeadlineSeconds.',
    resourceTypes: [TYPES.cronJob],
    validate(type, inputs) {
        if (type !== TYPES.cronJob) return [];
        const out: string[] = [];
        const spec = at(inputs, "spec");
        const policy = at(spec, "concurrencyPolicy");
        if (policy !== "Forbid") {
            out.push(
                `concurrencyPolicy is ${JSON.stringify(policy ?? "Allow (default)")}: a slow run overlaps the next (two ` +
                    'backups writing at once). Fix: set spec.concurrencyPolicy to "Forbid".',
            );
        }
        const positive = (v: unknown) => typeof v === "number" && Number.isInteger(v) && v > 0;
        if (!positive(at(spec, "startingDeadlineSeconds"))) {
            out.push(
                "spec.startingDeadlineSeconds is not set: after controller downtime the CronJob may start late, or stop " +
                    "scheduling after 100 missed runs. Fix: set spec.startingDeadlineSeconds (e.g. 600).",
            );
        }
        if (!positive(at(spec, "jobTemplate", "spec", "activeDeadlineSeconds"))) {
            out.push(
                "spec.jobTemplate.spec.activeDeadlineSeconds is not set: a hung run is never stopped and, with Forbid, " +
                    "blocks every later run. Fix: set it to the longest acceptable run time.",
            );
        }
        return out;
    },
};

/**
 * Name segments that mark a secret, and final segments that mark a reference to one (a file path, an id, an ARN)
 * rather than the secret itself: `DB_PASSWORD` is flagged, `DB_PASSWORD_FILE` and `KMS_KEY_ARN` are not.
 */
const SECRET_WORDS = new Set([
    "password",
    "passwd",
    "pwd",
    "pass",
    "secret",
    "secrets",
    "token",
    "key",
    "apikey",
    "credential",
    "credentials",
    "privatekey",
]);
const REFERENCE_SUFFIXES = new Set([
    "file",
    "path",
    "dir",
    "arn",
    "id",
    "name",
    "ref",
    "prefix",
    "suffix",
    "length",
    "ttl",
    "enabled",
    "url",
]);

export function isSecretLookingName(name: string): boolean {
    const words = name
        .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
        .toLowerCase()
        .split(/[^a-z0-9]+/)
        .filter((w) => w !== "");
    if (words.length === 0) return false;
    const last = words[words.length - 1];
    return words.some((w) => SECRET_WORDS.has(w)) && !REFERENCE_SUFFIXES.has(last);
}

/**
 * A literal value: non-empty and with no expansion in it. `$(VAR)` is the kubelet's reference to another variable,
 * and `$VAR`, `${VAR}` and `$(command)` in a script read the secret at run time (the datapath scripts' `secret`
 * helper); none of them is the secret itself.
 */
function isLiteralValue(v: unknown): boolean {
    return nonEmptyString(v) && !/\$(\(|\{|[A-Za-z_])/.test(v);
}

/** Secret-looking keys with literal values inside a ConfigMap value (JSON documents and KEY=value lines). */
function embeddedSecrets(value: string): string[] {
    const found: string[] = [];
    const walk = (v: unknown, path: string) => {
        if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}[${i}]`));
        else if (isRecord(v)) {
            for (const [k, x] of Object.entries(v)) {
                const p = path ? `${path}.${k}` : k;
                if (isSecretLookingName(k) && (typeof x === "string" ? isLiteralValue(x) : typeof x === "number")) found.push(p);
                else walk(x, p);
            }
        }
    };
    try {
        walk(JSON.parse(value), "");
    } catch {
        for (const line of value.split("\n")) {
            const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*[=:]\s*(.*)$/.exec(line);
            if (m && isSecretLookingName(m[1]) && isLiteralValue(m[2].replace(/^["']|["']$/g, ""))) found.push(m[1]);
        }
    }
    return found;
}

/** `{ name, value }` env entries of Helm values (`env`, `extraEnv`, `extraEnvVars` lists at any depth). */
function helmEnvEntries(values: unknown, path = "values"): { path: string; entry: Props }[] {
    const out: { path: string; entry: Props }[] = [];
    if (Array.isArray(values)) {
        values.forEach((v, i) => out.push(...helmEnvEntries(v, `${path}[${i}]`)));
    } else if (isRecord(values)) {
        for (const [key, v] of Object.entries(values)) {
            if (["env", "extraEnv", "extraEnvVars"].includes(key) && Array.isArray(v)) {
                v.forEach((e, i) => {
                    if (isRecord(e)) out.push({ path: `${path}.${key}[${i}]`, entry: e });
                });
            } else {
                out.push(...helmEnvEntries(v, `${path}.${key}`));
            }
        }
    }
    return out;
}

export const noPlaintextSecrets: ResourcePolicy = {
    name: "k8s-no-plaintext-secrets",
    description:
        "No secret-looking value (a key named like password/secret/token/key with a non-empty literal) sits in a ConfigMap, " +
        "a container's plain `env` value, or a Helm values `env` list; secrets come through a Secret and secretKeyRef.",
    enforcementLevel: "mandatory",
    remediation:
        "Put the value in a Kubernetes Secret (from a Pulumi secret) and reference it with env[].valueFrom.secretKeyRef, " +
        "or mount it and point a *_FILE variable at it.",
    resourceTypes: [TYPES.configMap, ...WORKLOAD_TYPES, ...TYPES.helm],
    validate(type, inputs) {
        const out: string[] = [];
        const fix = "Fix: store it in a Secret and use env[].valueFrom.secretKeyRef (or a mounted file and a *_FILE variable).";
        if (type === TYPES.configMap) {
            for (const [key, value] of Object.entries(isRecord(inputs.data) ? inputs.data : {})) {
                if (isSecretLookingName(key) && isLiteralValue(value)) {
                    out.push(
                        `ConfigMap key ${JSON.stringify(key)} holds a literal secret-looking value (ConfigMaps are not encrypted). ${fix}`,
                    );
                } else if (typeof value === "string") {
                    for (const inner of embeddedSecrets(value)) {
                        out.push(`ConfigMap key ${JSON.stringify(key)} embeds a literal ${JSON.stringify(inner)}. ${fix}`);
                    }
                }
            }
            return out;
        }
        for (const c of containersOf(type, inputs)) {
            for (const e of asArray(c.spec.env)) {
                if (!isRecord(e) || typeof e.name !== "string") continue;
                if (isSecretLookingName(e.name) && isLiteralValue(e.value)) {
                    out.push(
                        `${c.where} env ${JSON.stringify(e.name)} has a literal value, visible to anyone who can read the workload. ${fix}`,
                    );
                }
            }
        }
        if ((TYPES.helm as readonly string[]).includes(type)) {
            for (const { path, entry } of helmEnvEntries(inputs.values)) {
                if (typeof entry.name === "string" && isSecretLookingName(entry.name) && isLiteralValue(entry.value)) {
                    out.push(`Helm ${path} ${JSON.stringify(entry.name)} has a literal value. ${fix}`);
                }
            }
        }
        return out;
    },
};

export const RESOURCE_POLICIES: readonly ResourcePolicy[] = [
    eksSecretsEncryption,
    eksPrivateEndpoint,
    eksPublicEndpointRestricted,
    nodesRequireImdsv2,
    iamIrsaTrustConditions,
    iamNoWildcardActions,
    iamWildcardResourceAllowlist,
    helmReleasePinned,
    imagesPinned,
    cronJobGuards,
    noPlaintextSecrets,
];

// ------------------------------------------------------------------------------------------------
// S3 (stack level: a bucket's settings are separate resources in AWS provider v7)

const isOneOf = (types: readonly string[]) => (r: StackResource) => types.includes(r.type);

/** The ways other resources can name a bucket: its id (= its name) and its ARN. */
function bucketNames(b: StackResource): string[] {
    return [b.id, b.inputs.id, b.inputs.bucket].filter(nonEmptyString);
}
function bucketArns(b: StackResource): string[] {
    return [b.arn, b.inputs.arn, ...bucketNames(b).map((n) => `arn:aws:s3:::${n}`)].filter(nonEmptyString);
}

/**
 * The bucket a companion resource configures: by the engine's property dependencies when known (works in preview,
 * before the bucket has a name), else by the `bucket` value.
 */
function targetBucket(companion: StackResource, buckets: readonly StackResource[]): StackResource | undefined {
    const deps = companion.propertyDependencies?.bucket ?? [];
    const byDependency = buckets.find((b) => deps.includes(b.urn));
    if (byDependency) return byDependency;
    const ref = companion.inputs.bucket;
    return nonEmptyString(ref) ? buckets.find((b) => bucketNames(b).includes(ref)) : undefined;
}

function companionsByBucket(
    resources: readonly StackResource[],
    types: readonly string[],
): { buckets: StackResource[]; companions: StackResource[]; of: (b: StackResource) => StackResource[] } {
    const buckets = resources.filter(isOneOf(TYPES.bucket));
    const companions = resources.filter(isOneOf(types));
    const map = new Map<string, StackResource[]>();
    for (const c of companions) {
        const b = targetBucket(c, buckets);
        if (b) map.set(b.urn, [...(map.get(b.urn) ?? []), c]);
    }
    return { buckets, companions, of: (b) => map.get(b.urn) ?? [] };
}

/**
 * Builds a stack policy from: the companion types, a check of one companion's own settings, a check of a bucket's
 * deprecated inline settings (v7 still accepts some), and the message for a bucket with neither.
 */
function bucketCompanionPolicy(
    info: PolicyInfo,
    types: readonly string[],
    checkCompanion: (inputs: Props) => string[],
    inlineOk: (bucketInputs: Props) => boolean,
    missing: (bucket: StackResource) => string,
): StackPolicy {
    return {
        ...info,
        validateStack(resources) {
            const { buckets, companions, of } = companionsByBucket(resources, types);
            const out: StackViolation[] = [];
            for (const c of companions) {
                for (const message of checkCompanion(c.inputs)) out.push({ urn: c.urn, message: `${c.name}: ${message}` });
            }
            for (const b of buckets) {
                if (of(b).length === 0 && !inlineOk(b.inputs)) out.push({ urn: b.urn, message: missing(b) });
            }
            return out;
        },
    };
}

export const s3Versioning = bucketCompanionPolicy(
    {
        name: "s3-bucket-versioning",
        description:
            "Every S3 bucket has a BucketVersioning resource with status Enabled (backups survive overwrite and delete).",
        enforcementLevel: "mandatory",
        remediation: 'Add aws.s3.BucketVersioning { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } }.',
    },
    TYPES.bucketVersioning,
    (inputs) => {
        const status = at(inputs, "versioningConfiguration", "status");
        return status === "Enabled"
            ? []
            : [`versioning status is ${JSON.stringify(status ?? null)}. Fix: set versioningConfiguration.status to "Enabled".`];
    },
    (inputs) => at(inputs, "versioning", "enabled") === true,
    (b) =>
        `Bucket ${b.name} has no versioning: an overwritten or deleted backup is gone, and replication needs versioning. ` +
        'Fix: add aws.s3.BucketVersioning { bucket: <bucket>.id, versioningConfiguration: { status: "Enabled" } }.',
);

function sseKmsProblems(rules: unknown): string[] {
    const list = asArray(rules);
    if (list.length === 0) return ["has no encryption rule"];
    const out: string[] = [];
    for (const rule of list) {
        const d = at(rule, "applyServerSideEncryptionByDefault");
        const algorithm = at(d, "sseAlgorithm");
        if (algorithm !== "aws:kms" && algorithm !== "aws:kms:dsse")
            out.push(`uses ${JSON.stringify(algorithm ?? null)}, not aws:kms`);
        else if (!nonEmptyString(at(d, "kmsMasterKeyId")))
            out.push("uses aws:kms without kmsMasterKeyId (the AWS-managed aws/s3 key)");
    }
    return out;
}

export const s3EncryptionKms = bucketCompanionPolicy(
    {
        name: "s3-bucket-sse-kms",
        description: "Every S3 bucket encrypts by default with SSE-KMS under a customer-managed key.",
        enforcementLevel: "mandatory",
        remediation:
            'Add aws.s3.BucketServerSideEncryptionConfiguration with rules [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: key.arn }, bucketKeyEnabled: true }].',
    },
    TYPES.bucketEncryption,
    (inputs) =>
        sseKmsProblems(inputs.rules).map(
            (p) =>
                `default encryption ${p}. Fix: set applyServerSideEncryptionByDefault { sseAlgorithm: "aws:kms", ` +
                "kmsMasterKeyId: <customer-managed key ARN> } (access to the data then needs the key policy too).",
        ),
    (inputs) =>
        sseKmsProblems(at(inputs, "serverSideEncryptionConfiguration", "rule")).length === 0 &&
        at(inputs, "serverSideEncryptionConfiguration") !== undefined,
    (b) =>
        `Bucket ${b.name} has no SSE-KMS default encryption (S3 applies SSE-S3, with no key policy to limit who reads). ` +
        'Fix: add aws.s3.BucketServerSideEncryptionConfiguration with sseAlgorithm "aws:kms" and a customer-managed kmsMasterKeyId.',
);

const PUBLIC_ACCESS_FLAGS = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"] as const;

export const s3PublicAccessBlocked = bucketCompanionPolicy(
    {
        name: "s3-bucket-public-access-block",
        description: "Every S3 bucket has a BucketPublicAccessBlock with all four flags true.",
        enforcementLevel: "mandatory",
        remediation:
            "Add aws.s3.BucketPublicAccessBlock with blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets all true.",
    },
    TYPES.bucketPublicAccessBlock,
    (inputs) => {
        const off = PUBLIC_ACCESS_FLAGS.filter((f) => inputs[f] !== true);
        return off.length === 0 ? [] : [`public access block leaves ${off.join(", ")} off. Fix: set all four flags to true.`];
    },
    () => false,
    (b) =>
        `Bucket ${b.name} has no public access block: one ACL or policy mistake makes backups public. Fix: add ` +
        "aws.s3.BucketPublicAccessBlock { bucket: <bucket>.id, blockPublicAcls, blockPublicPolicy, ignorePublicAcls, restrictPublicBuckets: true }.",
);

/** True when the policy has `Deny` for everyone on s3 actions when aws:SecureTransport is false, on bucket and objects. */
export function hasTlsOnlyStatement(policy: unknown): boolean {
    return statementsOf(policy).some((s) => {
        if (s.effect !== "Deny") return false;
        const principal = s.principal;
        const everyone = principal === "*" || asStrings(at(principal, "AWS")).includes("*");
        const allS3 = s.actions.some((a) => a === "*" || a.toLowerCase() === "s3:*");
        const secure = asArray(at(s.condition, "Bool", "aws:SecureTransport")).map((v) => String(v).toLowerCase());
        const coversObjects = s.resources.some((r) => r.endsWith("/*"));
        const coversBucket = s.resources.some((r) => !r.endsWith("/*"));
        return everyone && allS3 && secure.includes("false") && coversObjects && coversBucket;
    });
}

export const s3TlsOnly = bucketCompanionPolicy(
    {
        name: "s3-bucket-tls-only",
        description:
            "Every S3 bucket's policy denies all S3 actions over plain HTTP (Deny, Principal *, Condition Bool aws:SecureTransport false) on the bucket and its objects.",
        enforcementLevel: "mandatory",
        remediation:
            'Add aws.s3.BucketPolicy with { Effect: "Deny", Principal: "*", Action: "s3:*", Resource: [bucketArn, `${bucketArn}/*`], Condition: { Bool: { "aws:SecureTransport": "false" } } }.',
    },
    TYPES.bucketPolicy,
    (inputs) =>
        hasTlsOnlyStatement(inputs.policy)
            ? []
            : [
                  'bucket policy has no TLS-only statement. Fix: add { Effect: "Deny", Principal: "*", Action: "s3:*", ' +
                      'Resource: [<bucket ARN>, "<bucket ARN>/*"], Condition: { Bool: { "aws:SecureTransport": "false" } } }.',
              ],
    (inputs) => hasTlsOnlyStatement(inputs.policy),
    (b) =>
        `Bucket ${b.name} has no bucket policy denying plain-HTTP access. Fix: add aws.s3.BucketPolicy with a Deny ` +
        'statement on "s3:*" for Principal "*" when "aws:SecureTransport" is "false", on the bucket ARN and "<ARN>/*".',
);

/** Tags that mark a bucket's role; a resource name containing "backup" counts as a backup bucket too. */
export const BACKUP_TAG = "ghost-dcdr/purpose";
export const REPLICA_TAG = "ghost-dcdr/replica-of";

function tagOf(b: StackResource, key: string): unknown {
    return at(b.inputs, "tags", key);
}

export function isBackupBucket(b: StackResource): boolean {
    return /backup/i.test(b.name) || tagOf(b, BACKUP_TAG) === "backup";
}

function replicationProblems(inputs: Props): string[] {
    const out: string[] = [];
    if (!nonEmptyString(inputs.role)) out.push("has no `role` for S3 to replicate with");
    const enabled = asArray(inputs.rules).filter((r) => at(r, "status") === "Enabled");
    if (enabled.length === 0) out.push("has no rule with status Enabled");
    for (const rule of enabled) {
        const id = JSON.stringify(at(rule, "id") ?? "");
        if (!nonEmptyString(at(rule, "destination", "bucket"))) out.push(`rule ${id} has no destination bucket`);
        // Objects under SSE-KMS are skipped by replication unless the rule opts in and names the replica key.
        if (at(rule, "sourceSelectionCriteria", "sseKmsEncryptedObjects", "status") !== "Enabled") {
            out.push(`rule ${id} does not replicate SSE-KMS objects (sourceSelectionCriteria.sseKmsEncryptedObjects.status)`);
        }
        if (!nonEmptyString(at(rule, "destination", "encryptionConfiguration", "replicaKmsKeyId"))) {
            out.push(`rule ${id} has no destination.encryptionConfiguration.replicaKmsKeyId`);
        }
    }
    return out;
}

export const s3BackupReplicated: StackPolicy = {
    name: "s3-backup-bucket-replicated",
    description:
        `Every backup bucket (name contains "backup", or tag ${BACKUP_TAG}=backup) replicates to the other region with an ` +
        "enabled rule that includes SSE-KMS objects, unless it is itself a replica (the destination of a rule in this " +
        `stack, or tagged ${REPLICA_TAG}).`,
    enforcementLevel: "mandatory",
    remediation:
        "Add aws.s3.BucketReplicationConfig on the backup bucket: role, an Enabled rule to the peer region's bucket ARN, " +
        "sourceSelectionCriteria.sseKmsEncryptedObjects Enabled and destination.encryptionConfiguration.replicaKmsKeyId.",
    validateStack(resources) {
        const { buckets, companions, of } = companionsByBucket(resources, TYPES.bucketReplication);
        const out: StackViolation[] = [];
        for (const c of companions) {
            for (const p of replicationProblems(c.inputs)) {
                out.push({
                    urn: c.urn,
                    message:
                        `${c.name}: replication ${p}. Fix: give it a role, an Enabled rule with destination { bucket: <peer ARN>, ` +
                        "encryptionConfiguration: { replicaKmsKeyId } } and sourceSelectionCriteria.sseKmsEncryptedObjects Enabled.",
                });
            }
        }
        const destinations = new Set(
            companions.flatMap((c) => asArray(c.inputs.rules).map((r) => at(r, "destination", "bucket"))),
        );
        const destinationDeps = new Set(companions.flatMap((c) => c.propertyDependencies?.rules ?? []));
        const isReplica = (b: StackResource) =>
            nonEmptyString(tagOf(b, REPLICA_TAG)) || destinationDeps.has(b.urn) || bucketArns(b).some((a) => destinations.has(a));
        for (const b of buckets.filter(isBackupBucket)) {
            if (isReplica(b) || of(b).length > 0) continue;
            out.push({
                urn: b.urn,
                message:
                    `Backup bucket ${b.name} is not replicated: losing its region loses the backups. Fix: add ` +
                    'aws.s3.BucketReplicationConfig { bucket: <bucket>.id, role, rules: [{ status: "Enabled", destination: ' +
                    "{ bucket: <peer-region bucket ARN>, encryptionConfiguration: { replicaKmsKeyId } }, sourceSelectionCriteria: " +
                    `{ sseKmsEncryptedObjects: { status: "Enabled" } } }] } (or tag a replica with ${REPLICA_TAG}).`,
            });
        }
        return out;
    },
};

export const STACK_POLICIES: readonly StackPolicy[] = [
    s3Versioning,
    s3EncryptionKms,
    s3PublicAccessBlocked,
    s3TlsOnly,
    s3BackupReplicated,
];

/** A violation found by running the whole pack, for reports. */
export interface Finding {
    readonly policy: string;
    readonly enforcementLevel: EnforcementLevel;
    readonly urn: string;
    readonly message: string;
}

/** Runs every policy over every resource: what `pulumi preview --policy-pack policy` would report. */
export function runPack(resources: readonly StackResource[]): Finding[] {
    const out: Finding[] = [];
    for (const p of RESOURCE_POLICIES) {
        for (const r of resources) {
            if (!p.resourceTypes.includes(r.type)) continue;
            for (const message of p.validate(r.type, r.inputs)) {
                out.push({ policy: p.name, enforcementLevel: p.enforcementLevel, urn: r.urn, message });
            }
        }
    }
    for (const p of STACK_POLICIES) {
        for (const v of p.validateStack(resources)) {
            out.push({ policy: p.name, enforcementLevel: p.enforcementLevel, ...v });
        }
    }
    return out;
}
