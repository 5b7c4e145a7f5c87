import * as pulumi from "@pulumi/pulumi";
import { CHARTS } from "../pins";
import { ChartRef, irsaHelmAddon } from "./helm";

/** The chart and app version come from the pin table; the chart takes the image tag explicitly (below). */
export const AWS_LOAD_BALANCER_CONTROLLER_DEFAULTS = CHARTS.awsLoadBalancerController satisfies ChartRef;
/** The chart's appVersion, pinned explicitly so an image change always shows in a diff. */
export const AWS_LOAD_BALANCER_CONTROLLER_IMAGE_TAG = CHARTS.awsLoadBalancerController.appVersion;

export interface AwsLoadBalancerControllerArgs {
    clusterName: string;
    region: string;
    vpcId: pulumi.Input<string>;
    oidcProviderArn: pulumi.Input<string>;
    oidcIssuer: pulumi.Input<string>;
    tags?: Record<string, string>;
}

type Conditions = Record<string, Record<string, string | string[]>>;
const allow = (Action: string[], Resource: string | string[], Condition?: Conditions) => ({
    Effect: "Allow" as const,
    Action,
    Resource,
    ...(Condition ? { Condition } : {}),
});

/**
 * The tag key the controller puts on every security group, load balancer and target group it creates
 * (kubernetes-sigs/aws-load-balancer-controller `pkg/shared_constants/tag_keys.go`, TagKeyK8sCluster, at v3.5.0 and
 * unchanged since v2.13.4). Every mutation below is fenced by it: on create the request must carry it, afterwards
 * the resource must. A different key here (ours said `ingress.k8s.aws/cluster` until issue 9) denies the controller
 * every create, so no ALB is ever made.
 */
export const LBC_CLUSTER_TAG = "elbv2.k8s.aws/cluster";
const requestTag = `aws:RequestTag/${LBC_CLUSTER_TAG}`;
const resourceTag = `aws:ResourceTag/${LBC_CLUSTER_TAG}`;
const elb = (resource: string) => `arn:aws:elasticloadbalancing:*:*:${resource}`;
/** Load balancers and target groups: the only ELB resources the controller tags at creation. */
const taggableElbResources = [elb("targetgroup/*/*"), elb("loadbalancer/net/*/*"), elb("loadbalancer/app/*/*")];

/**
 * The controller's IAM policy, statement for statement as published in kubernetes-sigs/aws-load-balancer-controller
 * `docs/install/iam_policy.json` at the pinned app version (v3.5.0; identical from v2.13.4). `npm run check:upstream`
 * holds this against that file (contract `lbc/iam_policy-v3.5.0.json`) and fails on any difference. The wildcard
 * resources are upstream's: EC2 and ELB describe calls have no resource-level permissions, and create calls cannot
 * name a resource that does not exist yet, so they are fenced by the cluster tag instead.
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
            Null: { [requestTag]: "false" },
        }),
        allow(["ec2:CreateTags", "ec2:DeleteTags"], "arn:aws:ec2:*:*:security-group/*", {
            Null: { [requestTag]: "true", [resourceTag]: "false" },
        }),
        allow(["ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress", "ec2:DeleteSecurityGroup"], "*", {
            Null: { [resourceTag]: "false" },
        }),
        allow(["elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:CreateTargetGroup"], "*", {
            Null: { [requestTag]: "false" },
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
        // Retagging is limited to the controller's own load balancers and target groups, and may not remove the fence.
        allow(["elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"], taggableElbResources, {
            Null: { [requestTag]: "true", [resourceTag]: "false" },
        }),
        allow(
            ["elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"],
            [
                elb("listener/net/*/*/*"),
                elb("listener/app/*/*/*"),
                elb("listener-rule/net/*/*/*"),
                elb("listener-rule/app/*/*/*"),
            ],
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
            { Null: { [resourceTag]: "false" } },
        ),
        // Tagging at creation, only with the fence tag in the request.
        allow(["elasticloadbalancing:AddTags"], taggableElbResources, {
            StringEquals: { "elasticloadbalancing:CreateAction": ["CreateTargetGroup", "CreateLoadBalancer"] },
            Null: { [requestTag]: "false" },
        }),
        allow(["elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"], elb("targetgroup/*/*")),
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
            tags: args.tags,
        });

        this.roleArn = identity.roleArn;
        this.registerOutputs({ roleArn: this.roleArn });
    }
}
