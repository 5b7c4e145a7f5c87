import * as pulumi from "@pulumi/pulumi";
import { CHARTS, CLUSTER_AUTOSCALER_IMAGE, CLUSTER_AUTOSCALER_IMAGE_TAGS, KubernetesVersion } from "../pins";
import { ChartRef, irsaHelmAddon } from "./helm";

export const CLUSTER_AUTOSCALER_DEFAULTS = CHARTS.clusterAutoscaler satisfies ChartRef;

export interface ClusterAutoscalerArgs {
    clusterName: string;
    /** Picks the autoscaler image: its minor must match the cluster's (components/pins.ts). */
    kubernetesVersion: KubernetesVersion;
    region: string;
    oidcProviderArn: pulumi.Input<string>;
    oidcIssuer: pulumi.Input<string>;
    tags?: Record<string, string>;
}

/**
 * IAM permissions of the autoscaler's AWS guide (kubernetes/autoscaler `cluster-autoscaler/cloudprovider/aws/README.md`
 * at cluster-autoscaler-1.35.2, "Full Cluster Autoscaler Features Policy"): no `autoscaling:DescribeTags`, which
 * auto-discovery stopped needing; the scaling actions only on groups tagged for this cluster, as the guide suggests.
 */
export function clusterAutoscalerPolicy(clusterName: string) {
    return {
        Version: "2012-10-17" as const,
        Statement: [
            {
                Effect: "Allow" as const,
                Action: [
                    "autoscaling:DescribeAutoScalingGroups",
                    "autoscaling:DescribeAutoScalingInstances",
                    "autoscaling:DescribeLaunchConfigurations",
                    "autoscaling:DescribeScalingActivities",
                    "ec2:DescribeImages",
                    "ec2:DescribeInstanceTypes",
                    "ec2:DescribeLaunchTemplateVersions",
                    "ec2:GetInstanceTypesFromInstanceRequirements",
                    "eks:DescribeNodegroup",
                ],
                // Describe calls do not support resource-level permissions.
                Resource: "*",
            },
            {
                Effect: "Allow" as const,
                Action: ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"],
                Resource: "*",
                // EKS managed node groups tag their ASGs with this key, so the autoscaler can only scale this cluster's groups.
                Condition: { StringEquals: { [`aws:ResourceTag/k8s.io/cluster-autoscaler/${clusterName}`]: "owned" } },
            },
        ],
    };
}

/** Cluster autoscaler that discovers the node groups by their cluster tags. */
export class ClusterAutoscaler extends pulumi.ComponentResource {
    readonly roleArn: pulumi.Output<string>;

    constructor(name: string, args: ClusterAutoscalerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ghost-dcdr:addons:ClusterAutoscaler", name, {}, opts);
        const serviceAccountName = "cluster-autoscaler";
        const identity = irsaHelmAddon(this, name, {
            chart: CLUSTER_AUTOSCALER_DEFAULTS,
            serviceAccountName,
            description: `cluster-autoscaler of ${args.clusterName}`,
            policy: clusterAutoscalerPolicy(args.clusterName),
            oidcProviderArn: args.oidcProviderArn,
            oidcIssuer: args.oidcIssuer,
            values: {
                cloudProvider: "aws",
                awsRegion: args.region,
                autoDiscovery: { clusterName: args.clusterName },
                image: { repository: CLUSTER_AUTOSCALER_IMAGE, tag: CLUSTER_AUTOSCALER_IMAGE_TAGS[args.kubernetesVersion] },
                rbac: { serviceAccount: { create: false, name: serviceAccountName } },
                extraArgs: {
                    "balance-similar-node-groups": true,
                    // Let it drain nodes that only run kube-system pods, so the group can shrink.
                    "skip-nodes-with-system-pods": false,
                    expander: "least-waste",
                },
            },
            tags: args.tags,
        });

        this.roleArn = identity.roleArn;
        this.registerOutputs({ roleArn: this.roleArn });
    }
}
