import * as awsx from "@pulumi/awsx";
import * as pulumi from "@pulumi/pulumi";
import { providersFor } from "../providers";
import type { NatStrategy, SubnetPlan } from "./subnets";

export interface NetworkArgs {
    /** VPC CIDR, already validated (/16 to /20). */
    cidrBlock: string;
    /** Number of availability zones; the subnet plan has one private and one public subnet per AZ. */
    availabilityZones: 2 | 3;
    /** Explicit subnet CIDRs from `planSubnets`, so the layout is reviewable in the plan and stable across awsx versions. */
    subnets: SubnetPlan;
    /** `single`: one NAT gateway (an AZ outage cuts egress for the others); `perAz`: one per AZ. */
    natGateways: NatStrategy;
    /** EKS cluster name: the load balancer controller and EKS discover subnets by `kubernetes.io/cluster/<name>`. */
    clusterName: string;
    /** Tags for the VPC and every subnet. Defaults to none. */
    tags?: Record<string, string>;
}

/** VPC with public subnets (load balancers, NAT) and private subnets (nodes), tagged for the AWS Load Balancer Controller. */
export class Network extends pulumi.ComponentResource {
    readonly vpcId: pulumi.Output<string>;
    readonly privateSubnetIds: pulumi.Output<string[]>;
    readonly publicSubnetIds: pulumi.Output<string[]>;

    constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ghost-dcdr:network:Network", name, {}, opts);
        const tags = args.tags ?? {};
        const clusterTag = { [`kubernetes.io/cluster/${args.clusterName}`]: "shared" };

        const vpc = new awsx.ec2.Vpc(
            `${name}-vpc`,
            {
                cidrBlock: args.cidrBlock,
                numberOfAvailabilityZones: args.availabilityZones,
                enableDnsHostnames: true,
                enableDnsSupport: true,
                // "Auto" keeps the explicit cidrBlocks below and allows the unused gap after the public subnets.
                subnetStrategy: "Auto",
                natGateways: { strategy: args.natGateways === "perAz" ? "OnePerAz" : "Single" },
                subnetSpecs: [
                    {
                        type: "Public",
                        cidrBlocks: [...args.subnets.publicCidrs],
                        // Internet-facing ALBs go here (https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/deploy/subnet_discovery/).
                        tags: { ...tags, ...clusterTag, "kubernetes.io/role/elb": "1" },
                    },
                    {
                        type: "Private",
                        cidrBlocks: [...args.subnets.privateCidrs],
                        tags: { ...tags, ...clusterTag, "kubernetes.io/role/internal-elb": "1" },
                    },
                ],
                tags,
            },
            { parent: this, providers: providersFor(this, "aws") },
        );

        this.vpcId = vpc.vpcId;
        this.privateSubnetIds = vpc.privateSubnetIds;
        this.publicSubnetIds = vpc.publicSubnetIds;
        this.registerOutputs({
            vpcId: this.vpcId,
            privateSubnetIds: this.privateSubnetIds,
            publicSubnetIds: this.publicSubnetIds,
        });
    }
}
