import * as pulumi from "@pulumi/pulumi";
import { ChartRef, irsaHelmAddon, Values } from "./helm";

export const CLUSTER_AUTOSCALER_DEFAULTS = {
    chart: "cluster-autoscaler",
    repo: "https://kubernetes.github.io/autoscaler",
    version: "9.46.6",
    namespace: "kube-system",
} as const satisfies ChartRef;

/**
 * The autoscaler's minor version must match the cluster's
 * (https://github.com/kubernetes/autoscaler/tree/master/cluster-autoscaler#releases).
 */
export const CLUSTER_AUTOSCALER_IMAGE_TAGS: Readonly<Record<string, string>> = {
    "1.30": "v1.30.4",
    "1.31": "v1.31.2",
    "1.32": "v1.32.1",
    "1.33": "v1.33.0",
    "1.34": "v1.34.0",
    "1.35": "v1.35.0",
};

export interface ClusterAutoscalerArgs {
    clusterName: string;
    kubernetesVersion: string;
    region: string;
    oidcProviderArn: pulumi.Input<string>;
    oidcIssuer: pulumi.Input<string>;
    /** Deep-merged over the add-on's values. Defaults to none. */
    values?: Values;
    tags?: Record<string, string>;
}

/** IAM permissions from the autoscaler's AWS guide; scaling actions only on groups tagged for this cluster. */
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
                    "autoscaling:DescribeTags",
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
                image: { tag: CLUSTER_AUTOSCALER_IMAGE_TAGS[args.kubernetesVersion] },
                rbac: { serviceAccount: { create: false, name: serviceAccountName } },
                extraArgs: {
                    "balance-similar-node-groups": true,
                    // Let it drain nodes that only run kube-system pods, so the group can shrink.
                    "skip-nodes-with-system-pods": false,
                    expander: "least-waste",
                },
            },
            overrides: args.values,
            tags: args.tags,
        });

        this.roleArn = identity.roleArn;
        this.registerOutputs({ roleArn: this.roleArn });
    }
}
