import * as pulumi from "@pulumi/pulumi";
import { ChartRef, irsaHelmAddon, Values } from "./helm";

export const AWS_LOAD_BALANCER_CONTROLLER_DEFAULTS = {
    chart: "aws-load-balancer-controller",
    repo: "https://aws.github.io/eks-charts",
    version: "1.13.4",
    namespace: "kube-system",
} as const satisfies ChartRef;
/** The chart's appVersion, pinned explicitly so an image change always shows in a diff. */
export const AWS_LOAD_BALANCER_CONTROLLER_IMAGE_TAG = "v2.13.4";

export interface AwsLoadBalancerControllerArgs {
    clusterName: string;
    region: string;
    vpcId: pulumi.Input<string>;
    oidcProviderArn: pulumi.Input<string>;
    oidcIssuer: pulumi.Input<string>;
    /** Deep-merged over the add-on's values. Defaults to none. */
    values?: Values;
    tags?: Record<string, string>;
}

const allow = (Action: string[], Resource: string, Condition?: Record<string, Record<string, unknown>>) => ({
    Effect: "Allow" as const,
    Action,
    Resource,
    ...(Condition ? { Condition } : {}),
});
const clusterTagged = (prefix: "ingress" | "service") => `aws:ResourceTag/${prefix}.k8s.aws/cluster`;
const requestTagged = (prefix: "ingress" | "service") => `aws:RequestTag/${prefix}.k8s.aws/cluster`;

/**
 * The controller's published IAM policy (docs/install/iam_policy.json of kubernetes-sigs/aws-load-balancer-controller
 * for the pinned appVersion). Its wildcard resources are required by the controller: EC2 and ELB describe
 * calls have no resource-level permissions, and mutations are fenced by the controller's cluster tags instead.
 */
export const AWS_LOAD_BALANCER_CONTROLLER_POLICY = {
    Version: "2012-10-17" as const,
    Statement: [
        allow(["iam:CreateServiceLinkedRole"], "*", {
            StringEquals: { "iam:AWSServiceName": "elasticloadbalancing.amazonaws.com" },
        }),
        allow(
            [
                "ec2:DescribeAccountAttributes",
                "ec2:DescribeAddresses",
                "ec2:DescribeAvailabilityZones",
                "ec2:DescribeInternetGateways",
                "ec2:DescribeVpcs",
                "ec2:DescribeVpcPeeringConnections",
                "ec2:DescribeSubnets",
                "ec2:DescribeSecurityGroups",
                "ec2:DescribeInstances",
                "ec2:DescribeNetworkInterfaces",
                "ec2:DescribeTags",
                "ec2:GetCoipPoolUsage",
                "ec2:DescribeCoipPools",
                "ec2:GetSecurityGroupsForVpc",
                "ec2:DescribeIpamPools",
                "ec2:DescribeRouteTables",
                "elasticloadbalancing:DescribeLoadBalancers",
                "elasticloadbalancing:DescribeLoadBalancerAttributes",
                "elasticloadbalancing:DescribeListeners",
                "elasticloadbalancing:DescribeListenerCertificates",
                "elasticloadbalancing:DescribeSSLPolicies",
                "elasticloadbalancing:DescribeRules",
                "elasticloadbalancing:DescribeTargetGroups",
                "elasticloadbalancing:DescribeTargetGroupAttributes",
                "elasticloadbalancing:DescribeTargetHealth",
                "elasticloadbalancing:DescribeTags",
                "elasticloadbalancing:DescribeTrustStores",
                "elasticloadbalancing:DescribeListenerAttributes",
                "elasticloadbalancing:DescribeCapacityReservation",
            ],
            "*",
        ),
        allow(
            [
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
            ],
            "*",
        ),
        allow(["ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress"], "*"),
        allow(["ec2:CreateSecurityGroup"], "*"),
        allow(["ec2:CreateTags"], "arn:aws:ec2:*:*:security-group/*", {
            StringEquals: { "ec2:CreateAction": "CreateSecurityGroup" },
            Null: { [requestTagged("ingress")]: "false" },
        }),
        allow(["ec2:CreateTags", "ec2:DeleteTags"], "arn:aws:ec2:*:*:security-group/*", {
            Null: { [requestTagged("ingress")]: "true", [clusterTagged("ingress")]: "false" },
        }),
        allow(["ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress", "ec2:DeleteSecurityGroup"], "*", {
            Null: { [clusterTagged("ingress")]: "false" },
        }),
        allow(["elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:CreateTargetGroup"], "*", {
            Null: { [requestTagged("ingress")]: "false" },
        }),
        allow(
            [
                "elasticloadbalancing:CreateListener",
                "elasticloadbalancing:DeleteListener",
                "elasticloadbalancing:CreateRule",
                "elasticloadbalancing:DeleteRule",
            ],
            "*",
        ),
        ...(["ingress", "service"] as const).map((prefix) =>
            allow(["elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"], "*", {
                Null: { [requestTagged(prefix)]: "true", [clusterTagged(prefix)]: "false" },
            }),
        ),
        allow(["elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"], "arn:aws:elasticloadbalancing:*:*:listener/*"),
        allow(
            ["elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"],
            "arn:aws:elasticloadbalancing:*:*:listener-rule/*",
        ),
        allow(
            [
                "elasticloadbalancing:ModifyLoadBalancerAttributes",
                "elasticloadbalancing:SetIpAddressType",
                "elasticloadbalancing:SetSecurityGroups",
                "elasticloadbalancing:SetSubnets",
                "elasticloadbalancing:DeleteLoadBalancer",
                "elasticloadbalancing:ModifyTargetGroup",
                "elasticloadbalancing:ModifyTargetGroupAttributes",
                "elasticloadbalancing:DeleteTargetGroup",
                "elasticloadbalancing:ModifyListenerAttributes",
                "elasticloadbalancing:ModifyCapacityReservation",
                "elasticloadbalancing:ModifyIpPools",
            ],
            "*",
            { Null: { [clusterTagged("ingress")]: "false" } },
        ),
        allow(["elasticloadbalancing:AddTags"], "*", {
            StringEquals: { "elasticloadbalancing:CreateAction": ["CreateTargetGroup", "CreateLoadBalancer"] },
            Null: { [requestTagged("ingress")]: "false" },
        }),
        allow(
            ["elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"],
            "arn:aws:elasticloadbalancing:*:*:targetgroup/*/*",
        ),
        allow(
            [
                "elasticloadbalancing:SetWebAcl",
                "elasticloadbalancing:ModifyListener",
                "elasticloadbalancing:AddListenerCertificates",
                "elasticloadbalancing:RemoveListenerCertificates",
                "elasticloadbalancing:ModifyRule",
                "elasticloadbalancing:SetRulePriorities",
            ],
            "*",
        ),
    ],
};

/** AWS Load Balancer Controller: turns the Ghost Ingress into an ALB in the public subnets. */
export class AwsLoadBalancerController extends pulumi.ComponentResource {
    readonly roleArn: pulumi.Output<string>;

    constructor(name: string, args: AwsLoadBalancerControllerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ghost-dcdr:addons:AwsLoadBalancerController", name, {}, opts);
        const serviceAccountName = "aws-load-balancer-controller";
        const identity = irsaHelmAddon(this, name, {
            chart: AWS_LOAD_BALANCER_CONTROLLER_DEFAULTS,
            serviceAccountName,
            description: `aws-load-balancer-controller of ${args.clusterName}`,
            policy: AWS_LOAD_BALANCER_CONTROLLER_POLICY,
            oidcProviderArn: args.oidcProviderArn,
            oidcIssuer: args.oidcIssuer,
            values: {
                clusterName: args.clusterName,
                // Set explicitly: with IMDS hop limit 1 the controller cannot look these up from the node.
                region: args.region,
                vpcId: args.vpcId,
                replicaCount: 2,
                image: { tag: AWS_LOAD_BALANCER_CONTROLLER_IMAGE_TAG },
                serviceAccount: { create: false, name: serviceAccountName },
            },
            overrides: args.values,
            tags: args.tags,
        });

        this.roleArn = identity.roleArn;
        this.registerOutputs({ roleArn: this.roleArn });
    }
}
