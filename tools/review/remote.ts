/**
 * What the remote (multi-language) components create in a real deployment. The mocks record a remote component with
 * its inputs only: its children are built by the provider plugin, out of the program's sight. These functions rebuild
 * the list from the inputs, following the providers' source at the pinned versions (package.json). Pure.
 *
 * Sources read (the tags below are the versions we pin):
 * - @pulumi/awsx 3.9.0: pulumi/pulumi-awsx `awsx/ec2/vpc.ts`. The v3.9.0 tag is not in the mirror we read; the file is
 *   unchanged from the v3.8.0 tag through commit e60adf3c (2026-08-20), the newest commit there.
 *   `Vpc.initialize`: one aws.ec2.Vpc, one InternetGateway (always, "AWS does not charge for it"), and per non-"Unused"
 *   subnet spec in each AZ a Subnet, a RouteTable, a RouteTableAssociation and a Route (public: to the IGW; private:
 *   to a NAT gateway unless the strategy is None). `shouldCreateNatGateway`: Single -> one NAT gateway (in the first
 *   AZ's public subnet), OnePerAz -> one per AZ; each with an Eip unless `elasticIpAllocationIds` are given.
 *   VPC endpoints only for `vpcEndpointSpecs`.
 * - @pulumi/eks 4.3.0: pulumi/pulumi-eks tag v4.3.0 (0f5a5447), `nodejs/eks/cluster/cluster.ts` (`createCore`,
 *   `createCluster`), `nodejs/eks/servicerole.ts`, `nodejs/eks/cluster/authenticationMode.ts`
 *   (`createAccessEntries`), `nodejs/eks/addons/cni-addon.ts`, `nodejs/eks/nodes/securitygroup.ts`
 *   (`createNodeGroupSecurityGroup`) and `nodejs/eks/nodes/nodegroup.ts` (`createManagedNodeGroup`).
 */
import * as crypto from "node:crypto";
import { asArray, asBoolean, asNumber, asObject, asString, get, Json, JsonObject } from "./values";

/** A resource a remote component creates, as a real preview would list it. */
export interface DerivedResource {
    readonly type: string;
    readonly name: string;
    /** Name of the resource it is created under (the remote component or one of the derived ones). */
    readonly parent: string;
    /** What it is, for the reader. */
    readonly note?: string;
}

export interface RemoteExpansion {
    readonly children: DerivedResource[];
    /** Where the list may differ from a real preview (inputs the expansion does not model). */
    readonly caveats: string[];
}

export type NatStrategy = "Single" | "OnePerAz" | "None";

/** awsx `shouldCreateNatGateway`, summed over the AZs: how many NAT gateways (and Elastic IPs) a strategy makes. */
export function natGatewayCount(strategy: NatStrategy, availabilityZones: number): number {
    if (strategy === "None") return 0;
    return strategy === "Single" ? Math.min(1, availabilityZones) : availabilityZones;
}

function natStrategyOf(inputs: JsonObject): NatStrategy {
    // awsx defaults to OnePerAz when no strategy is given (vpc.ts: `args.natGateways?.strategy ?? "OnePerAz"`).
    const s = asString(get(inputs, "natGateways", "strategy")) ?? "OnePerAz";
    const lower = s.toLowerCase();
    return lower === "single" ? "Single" : lower === "none" ? "None" : "OnePerAz";
}

/** The VPC facts a reviewer checks, from an `awsx:ec2:Vpc`'s inputs. */
export interface VpcFacts {
    readonly cidrBlock?: string;
    readonly availabilityZones: number;
    readonly natStrategy: NatStrategy;
    readonly natGateways: number;
    /** Elastic IPs the VPC allocates for its NAT gateways (none when allocation ids are given). */
    readonly elasticIps: number;
    readonly subnets: { readonly type: string; readonly name?: string; readonly cidrBlocks: string[] }[];
    /** Service names of the VPC endpoints it creates (e.g. com.amazonaws.<region>.s3). */
    readonly endpoints: string[];
}

export function vpcFacts(inputs: JsonObject): VpcFacts {
    const azNames = asArray(inputs.availabilityZoneNames);
    // awsx: three AZs when neither availabilityZoneNames nor numberOfAvailabilityZones is given.
    const availabilityZones = azNames.length || (asNumber(inputs.numberOfAvailabilityZones) ?? 3);
    const natStrategy = natStrategyOf(inputs);
    const natGateways = natGatewayCount(natStrategy, availabilityZones);
    const allocationIds = asArray(get(inputs, "natGateways", "elasticIpAllocationIds"));
    const subnets = asArray(inputs.subnetSpecs).map((s) => ({
        type: asString(get(s, "type")) ?? "?",
        name: asString(get(s, "name")),
        cidrBlocks: asArray(get(s, "cidrBlocks")).map(String),
    }));
    return {
        cidrBlock: asString(inputs.cidrBlock),
        availabilityZones,
        natStrategy,
        natGateways,
        elasticIps: allocationIds.length > 0 ? 0 : natGateways,
        subnets,
        endpoints: asArray(inputs.vpcEndpointSpecs).map((e) => asString(get(e, "serviceName")) ?? "?"),
    };
}

/**
 * awsx:ec2:Vpc. Subnet resource names follow awsx's legacy naming (`<vpc>-<type>-<n>`, n counting from 1 per type);
 * the EIP and NAT gateway are `<vpc>-<az index + 1>`.
 */
export function expandAwsxVpc(name: string, inputs: JsonObject): RemoteExpansion {
    const facts = vpcFacts(inputs);
    const caveats: string[] = [];
    const children: DerivedResource[] = [
        { type: "aws:ec2/vpc:Vpc", name, parent: name },
        { type: "aws:ec2/internetGateway:InternetGateway", name, parent: name },
    ];
    const specs = facts.subnets.filter((s) => s.type !== "Unused");
    if (specs.length === 0) caveats.push(`${name}: no explicit subnetSpecs; awsx's default layout is not modelled`);
    let nat = 0;
    for (let az = 0; az < facts.availabilityZones; az++) {
        // awsx sorts public subnets first in each AZ, so the NAT gateway exists before the private route needs it.
        for (const spec of [...specs].sort((a, b) => (a.type === "Public" ? -1 : b.type === "Public" ? 1 : 0))) {
            // awsx subnetNaming.ts `subnetName`: `<vpc>-<spec name or type>-<1-based AZ index>`.
            const subnet = `${name}-${spec.name ?? spec.type.toLowerCase()}-${az + 1}`;
            const cidr = spec.cidrBlocks[az];
            children.push(
                { type: "aws:ec2/subnet:Subnet", name: subnet, parent: name, note: cidr },
                { type: "aws:ec2/routeTable:RouteTable", name: subnet, parent: subnet },
                { type: "aws:ec2/routeTableAssociation:RouteTableAssociation", name: subnet, parent: subnet },
            );
            if (spec.type === "Public" && nat < facts.natGateways && (facts.natStrategy !== "Single" || nat === 0)) {
                if (facts.elasticIps > 0) {
                    children.push({
                        type: "aws:ec2/eip:Eip",
                        name: `${name}-${az + 1}`,
                        parent: subnet,
                        note: "NAT gateway address",
                    });
                }
                children.push({ type: "aws:ec2/natGateway:NatGateway", name: `${name}-${az + 1}`, parent: subnet });
                nat++;
            }
            if (spec.type === "Public" || (spec.type === "Private" && facts.natStrategy !== "None")) {
                children.push({
                    type: "aws:ec2/route:Route",
                    name: subnet,
                    parent: subnet,
                    note: spec.type === "Public" ? "0.0.0.0/0 -> internet gateway" : "0.0.0.0/0 -> NAT gateway",
                });
            }
        }
    }
    for (const service of facts.endpoints) {
        children.push({ type: "aws:ec2/vpcEndpoint:VpcEndpoint", name: service, parent: name });
    }
    return { children, caveats };
}

/** pulumi-eks servicerole.ts `sha1hash`: the first 8 hex digits of the SHA-1 of the policy ARN, in attachment names. */
function sha1hash(s: string): string {
    return crypto.createHash("sha1").update(s).digest("hex").substring(0, 8);
}

/** eks:index:Cluster with the inputs this program can give it. */
export function expandEksCluster(name: string, inputs: JsonObject): RemoteExpansion {
    const caveats: string[] = [];
    const children: DerivedResource[] = [];
    const add = (type: string, child: string, parent = name, note?: string) => children.push({ type, name: child, parent, note });

    if (inputs.serviceRole === undefined) {
        const role = `${name}-eksRole`;
        add("eks:index:ServiceRole", role, name, "EKS service role");
        add("aws:iam/role:Role", `${role}-role`, role);
        add(
            "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
            `${role}-${sha1hash("arn:aws:iam::aws:policy/AmazonEKSClusterPolicy")}`,
            role,
        );
    }
    const skipSecurityGroups = asBoolean(inputs.skipDefaultSecurityGroups) === true;
    if (!skipSecurityGroups && inputs.clusterSecurityGroup === undefined) {
        add("aws:ec2/securityGroup:SecurityGroup", `${name}-eksClusterSecurityGroup`);
        add("aws:ec2/securityGroupRule:SecurityGroupRule", `${name}-eksClusterInternetEgressRule`);
    }
    add("aws:eks/cluster:Cluster", `${name}-eksCluster`, name, "EKS control plane");
    if (asBoolean(get(inputs, "kubeProxyAddonOptions", "enabled")) !== false) {
        add("aws:eks/addon:Addon", `${name}-kube-proxy`, name, "kube-proxy managed add-on");
    }
    add("pulumi:providers:kubernetes", `${name}-eks-k8s`, name, "the component's own Kubernetes provider");

    const authenticationMode = asString(inputs.authenticationMode);
    // No authenticationMode means CONFIG_MAP (authenticationMode.ts `supportsConfigMap`).
    if (authenticationMode === undefined || authenticationMode.includes("CONFIG_MAP")) {
        add("kubernetes:core/v1:ConfigMap", `${name}-nodeAccess`, name, "aws-auth");
    }
    if (authenticationMode === "API" || authenticationMode === "API_AND_CONFIG_MAP") {
        for (const [entry, spec] of Object.entries(asObject(inputs.accessEntries) ?? {})) {
            add("aws:eks/accessEntry:AccessEntry", `${name}-${entry}`, name, asString(get(spec, "principalArn")));
            for (const policy of Object.keys(asObject(get(spec, "accessPolicies")) ?? {})) {
                add("aws:eks/accessPolicyAssociation:AccessPolicyAssociation", `${name}-${entry}-${policy}`, `${name}-${entry}`);
            }
        }
    }
    if (asBoolean(inputs.useDefaultVpcCni) !== true) {
        add("eks:index:VpcCniAddon", `${name}-vpc-cni`);
        add("aws:eks/addon:Addon", `${name}-vpc-cni`, `${name}-vpc-cni`, "VPC CNI managed add-on");
    }
    if (asBoolean(inputs.createOidcProvider) === true) {
        add("aws:iam/openIdConnectProvider:OpenIdConnectProvider", `${name}-oidcProvider`, name, "IRSA");
    }
    if (!skipSecurityGroups) {
        add("aws:ec2/securityGroup:SecurityGroup", `${name}-nodeSecurityGroup`);
        for (const rule of [
            "eksNodeIngressRule",
            "eksNodeClusterIngressRule",
            "eksExtApiServerClusterIngressRule",
            "eksNodeInternetEgressRule",
            "eksClusterIngressRule",
        ]) {
            add("aws:ec2/securityGroupRule:SecurityGroupRule", `${name}-${rule}`);
        }
    }
    // CoreDNS as a managed add-on only with a node group the component creates (or Fargate, or asked for).
    const corednsAsked = asBoolean(get(inputs, "corednsAddonOptions", "enabled")) === true;
    if (corednsAsked || asBoolean(inputs.skipDefaultNodeGroup) !== true || inputs.fargate) {
        add("aws:eks/addon:Addon", `${name}-coredns`, name, "CoreDNS managed add-on");
    }
    if (asBoolean(inputs.skipDefaultNodeGroup) !== true) {
        caveats.push(
            `${name}: the default node group (instance role, profile, launch template, auto scaling group) is not modelled`,
        );
    }
    for (const key of ["fargate", "autoMode", "storageClasses", "instanceRoles", "roleMappings", "userMappings"]) {
        if (inputs[key] !== undefined) caveats.push(`${name}: input ${key} is not modelled`);
    }
    return { children, caveats };
}

/** The node group facts a reviewer checks, from an `eks:index:ManagedNodeGroup`'s inputs. */
export interface NodeGroupFacts {
    readonly instanceTypes: string[];
    readonly amiType?: string;
    readonly minSize: number;
    readonly desiredSize: number;
    readonly maxSize: number;
    readonly subnets: number;
    /** The cluster autoscaler owns desiredSize after creation. */
    readonly ignoreScalingChanges: boolean;
}

export function nodeGroupFacts(inputs: JsonObject): NodeGroupFacts {
    // pulumi-eks defaults: desired 2, min 1, max 2 (nodegroup.ts `createManagedNodeGroup`, scalingConfig).
    return {
        instanceTypes: asArray(inputs.instanceTypes).map(String),
        amiType: asString(inputs.amiType),
        minSize: asNumber(get(inputs, "scalingConfig", "minSize")) ?? 1,
        desiredSize: asNumber(get(inputs, "scalingConfig", "desiredSize")) ?? 2,
        maxSize: asNumber(get(inputs, "scalingConfig", "maxSize")) ?? 2,
        subnets: asArray(inputs.subnetIds).length,
        ignoreScalingChanges: asBoolean(inputs.ignoreScalingChanges) === true,
    };
}

/** eks:index:ManagedNodeGroup: one aws.eks.NodeGroup named like the component, plus what its options add. */
export function expandManagedNodeGroup(name: string, inputs: JsonObject): RemoteExpansion {
    const children: DerivedResource[] = [
        { type: "aws:eks/nodeGroup:NodeGroup", name, parent: name, note: "EKS managed node group" },
    ];
    const caveats: string[] = [];
    if (asBoolean(inputs.enableEfaSupport) === true) {
        children.push({ type: "aws:ec2/placementGroup:PlacementGroup", name, parent: name });
    }
    // nodegroup.ts `requiresCustomLaunchTemplate`: these options make the component build its own launch template.
    const custom = [
        "kubeletExtraArgs",
        "bootstrapExtraArgs",
        "bottlerocketSettings",
        "nodeadmExtraOptions",
        "enableIMDSv2",
        "userData",
        "amiId",
    ];
    if (custom.some((k) => inputs[k] !== undefined) || asBoolean(inputs.enableEfaSupport) === true) {
        children.push({ type: "aws:ec2/launchTemplate:LaunchTemplate", name: `${name}-launchTemplate`, parent: name });
        caveats.push(`${name}: the component's own launch template is named approximately`);
    }
    return { children, caveats };
}

const EXPANDERS: Readonly<Record<string, (name: string, inputs: JsonObject) => RemoteExpansion>> = {
    "awsx:ec2:Vpc": expandAwsxVpc,
    "eks:index:Cluster": expandEksCluster,
    "eks:index:ManagedNodeGroup": expandManagedNodeGroup,
};

/** The children of one remote component; an unknown remote type is a caveat, never a silent zero. */
export function expandRemote(type: string, name: string, inputs: Json): RemoteExpansion {
    const expand = EXPANDERS[type];
    if (!expand)
        return {
            children: [],
            caveats: [`${type} ${name}: a remote component this review does not know; its children are not counted`],
        };
    return expand(name, asObject(inputs) ?? {});
}
