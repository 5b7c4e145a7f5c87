/**
 * The IAM actions a permission policy may allow on `"Resource": "*"` (policy `iam-wildcard-resource-allowlist` in
 * ./iam.ts reads this table), each group citing the published IAM policy of the controller that needs it:
 * describe/list calls have no resource-level permissions, and some mutations can only be fenced by tag conditions.
 * Derived from components/addons/*.ts and components/storage; a new controller adds its actions here, citing its
 * policy document, or the policy flags it.
 */

/** Lower-cased action -> whether it needs a Condition: true when every source fences it (tags, service name). */
export const WILDCARD_RESOURCE_ALLOWLIST: ReadonlyMap<string, { readonly needsCondition: boolean }> = (() => {
    const map = new Map<string, { needsCondition: boolean }>();
    // An action two controllers need is fenced only if both fence it.
    const add = (needsCondition: boolean) => (actions: string[]) => {
        for (const action of actions) {
            const key = action.toLowerCase();
            const prior = map.get(key);
            if (prior) prior.needsCondition &&= needsCondition;
            else map.set(key, { needsCondition });
        }
    };
    /** Actions the controller's policy allows on "*" as they are. */
    const open = add(false);
    /** Actions the controller's policy allows on "*" only under a Condition (a tag or service name). */
    const fenced = add(true);
    // kubernetes-sigs/aws-load-balancer-controller docs/install/iam_policy.json (v3.5.0, the pinned app version).
    open([
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
    fenced([
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
    open([
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
    fenced(["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"]);
    // kubernetes-sigs/external-dns docs/tutorials/aws.md: zone changes are scoped to the zone ARN, listing is not.
    open(["route53:ListHostedZones"]);
    // kubernetes-sigs/aws-ebs-csi-driver docs/AmazonEBSCSIDriverPolicyV2.json (v1.64.0): only describe calls on "*";
    // every mutation is scoped to volume, snapshot or instance ARNs.
    open([
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
