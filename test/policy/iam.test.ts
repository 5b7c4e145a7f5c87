import { AWS_LOAD_BALANCER_CONTROLLER_POLICY } from "../../components/addons/awsLoadBalancerController";
import { clusterAutoscalerPolicy } from "../../components/addons/clusterAutoscaler";
import { externalDnsPolicy } from "../../components/addons/externalDns";
import { irsaTrustPolicy } from "../../components/irsa";
import { IAM_POLICIES } from "../../policy/iam";
import { MOCK_ACCOUNT } from "../../tools/mocks";
import { json, resourcePolicyTests, ResourceCases, statement } from "./helpers";

const ISSUER = "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE";
const PROVIDER_ARN = `arn:aws:iam::${MOCK_ACCOUNT}:oidc-provider/${ISSUER}`;

const CASES: ResourceCases = {
    "iam-irsa-trust-sub-and-aud": {
        pass: [
            [
                "aws:iam/role:Role",
                { assumeRolePolicy: json(irsaTrustPolicy(PROVIDER_ARN, ISSUER, "kube-system", "external-dns")) },
            ],
            [
                "aws:iam/role:Role",
                { assumeRolePolicy: statement({ Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }) },
            ],
            [
                "aws:iam/role:Role",
                {
                    assumeRolePolicy: statement({
                        Principal: { Federated: "arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com" },
                        Action: "sts:AssumeRoleWithWebIdentity",
                        Condition: {
                            StringEquals: { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com" },
                            StringLike: {
                                "token.actions.githubusercontent.com:sub": "repo:acme/ghost-dcdr:environment:production-dc",
                            },
                        },
                    }),
                },
            ],
        ],
        fail: [
            [
                "aws:iam/role:Role",
                {
                    assumeRolePolicy: statement({
                        Principal: { Federated: PROVIDER_ARN },
                        Action: "sts:AssumeRoleWithWebIdentity",
                        Condition: { StringEquals: { [`${ISSUER}:sub`]: "system:serviceaccount:default:app" } },
                    }),
                },
                /without `<issuer>:aud` = "sts.amazonaws.com".*Fix: add Condition StringEquals/,
            ],
            [
                "aws:iam/role:Role",
                {
                    assumeRolePolicy: statement({
                        Principal: { Federated: PROVIDER_ARN },
                        Action: ["sts:AssumeRoleWithWebIdentity"],
                        Condition: {
                            StringEquals: { [`${ISSUER}:aud`]: "sts.amazonaws.com" },
                            StringLike: { [`${ISSUER}:sub`]: "*" },
                        },
                    }),
                },
                /without pinning `<issuer>:sub`: any identity/,
            ],
        ],
    },
    "iam-no-wildcard-actions": {
        pass: [
            ["aws:iam/rolePolicy:RolePolicy", { policy: json(clusterAutoscalerPolicy("c")) }],
            ["aws:iam/policy:Policy", { policy: statement({ Action: "s3:*", Resource: "arn:aws:s3:::backups/*" }) }],
            [
                "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
                { policyArn: "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy" },
            ],
        ],
        fail: [
            [
                "aws:iam/rolePolicy:RolePolicy",
                { policy: statement({ Action: "*", Resource: "arn:aws:s3:::b" }) },
                /allows "Action": "\*".*Fix: list the exact actions/,
            ],
            [
                "aws:iam/policy:Policy",
                { policy: statement({ Action: ["s3:*"], Resource: "*" }) },
                /allows s3:\* on "Resource": "\*"/,
            ],
            [
                "aws:iam/role:Role",
                { inlinePolicies: [{ name: "p", policy: statement({ NotAction: "iam:*", Resource: "*" }) }] },
                /inlinePolicies\[0\] "p" Statement\[0\] uses NotAction/,
            ],
            [
                "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
                { policyArn: "arn:aws:iam::aws:policy/AdministratorAccess" },
                /Attaches .*AdministratorAccess/,
            ],
        ],
    },
    "iam-wildcard-resource-allowlist": {
        pass: [
            ["aws:iam/rolePolicy:RolePolicy", { policy: json(AWS_LOAD_BALANCER_CONTROLLER_POLICY) }],
            ["aws:iam/rolePolicy:RolePolicy", { policy: json(clusterAutoscalerPolicy("c")) }],
            ["aws:iam/rolePolicy:RolePolicy", { policy: json(externalDnsPolicy("Z123")) }],
            ["aws:iam/policy:Policy", { policy: statement({ Action: "s3:GetObject", Resource: "arn:aws:s3:::backups/*" }) }],
        ],
        fail: [
            [
                "aws:iam/rolePolicy:RolePolicy",
                { policy: statement({ Sid: "Read", Action: ["s3:GetObject", "route53:ListHostedZones"], Resource: "*" }) },
                /Statement "Read" allows s3:GetObject on "Resource": "\*", and no documented controller/,
            ],
            [
                "aws:iam/rolePolicy:RolePolicy",
                { policy: statement({ Action: "autoscaling:SetDesiredCapacity", Resource: "*" }) },
                /without a Condition/,
            ],
            [
                "aws:iam/policy:Policy",
                { policy: statement({ Action: "s3:GetObject", NotResource: "arn:aws:s3:::private/*" }) },
                /uses NotResource/,
            ],
        ],
    },
};

describe("IAM policies: each on a compliant and a violating resource", () => {
    resourcePolicyTests(IAM_POLICIES, CASES);
});
