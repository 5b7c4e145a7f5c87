/**
 * Every config key the program reads: type, description and default. This table is the single source:
 * `Pulumi.yaml` must declare the same keys (a test compares them) and the README lists them.
 */

export type KeyType = "string" | "integer" | "boolean" | "array";

export interface KeySpec {
    readonly type: KeyType;
    readonly description: string;
    /** Absent means the key is required. */
    readonly default?: string | number | boolean | readonly string[];
    /** Read with `getSecret` so the value stays an `Output` secret end to end. */
    readonly secret?: boolean;
}

/** Project namespace; keys below are written `ghost-dcdr:<key>` on the command line. */
export const PROJECT = "ghost-dcdr";

export const CONFIG_KEYS = {
    site: {
        type: "string",
        description: "Which site this stack builds: dc (primary region) or dr (disaster-recovery region).",
    },
    peerRegion: {
        type: "string",
        description: "The other site's AWS region; must differ from aws:region.",
    },
    vpcCidr: {
        type: "string",
        description: "This site's VPC CIDR, /16 to /20.",
    },
    peerVpcCidr: {
        type: "string",
        description: "The other site's VPC CIDR; must not overlap vpcCidr so the VPCs can be peered.",
    },
    availabilityZones: {
        type: "integer",
        description: "Number of availability zones for subnets and nodes: 2 or 3.",
        default: 3,
    },
    natGateways: {
        type: "string",
        description: "NAT gateway strategy: single (one shared, cheaper) or perAz (one per AZ, survives an AZ outage).",
        default: "perAz",
    },
    kubernetesVersion: {
        type: "string",
        description: "EKS Kubernetes version, e.g. \"1.33\"; only versions EKS supports.",
        default: "1.33",
    },
    nodeInstanceType: {
        type: "string",
        description: "EC2 instance type of the managed node group.",
        default: "m6i.large",
    },
    nodeMinSize: {
        type: "integer",
        description: "Minimum node count (cluster autoscaler floor).",
        default: 2,
    },
    nodeDesiredSize: {
        type: "integer",
        description: "Initial node count; after creation the cluster autoscaler owns it.",
        default: 2,
    },
    nodeMaxSize: {
        type: "integer",
        description: "Maximum node count (cluster autoscaler ceiling).",
        default: 5,
    },
    nodeDiskGi: {
        type: "integer",
        description: "Root volume size of each node in GiB (encrypted gp3).",
        default: 50,
    },
    endpointPublicAccessCidrs: {
        type: "array",
        description: "CIDRs allowed to reach the public EKS API endpoint; [] makes the endpoint private-only.",
        default: ["0.0.0.0/0"],
    },
    domain: {
        type: "string",
        description: "Public hostname of the blog, e.g. blog.example.com.",
    },
    hostedZoneId: {
        type: "string",
        description: "Route 53 hosted zone id (Z...) of the zone that holds domain.",
    },
    externalDns: {
        type: "boolean",
        description: "Run ExternalDNS on this site (publishes its DNS records); off keeps its IAM role for a fast switch back.",
        default: true,
    },
    adminRoleArn: {
        type: "string",
        description: "IAM role ARN granted cluster admin through an EKS access entry.",
    },
} as const satisfies Record<string, KeySpec>;

export type ConfigKey = keyof typeof CONFIG_KEYS;
