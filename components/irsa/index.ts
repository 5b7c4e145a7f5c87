import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

export interface IrsaRoleArgs {
    /** ARN of the cluster's IAM OIDC provider. */
    oidcProviderArn: pulumi.Input<string>;
    /** OIDC issuer without `https://` (the prefix of the `:sub` and `:aud` condition keys). */
    oidcIssuer: pulumi.Input<string>;
    /** Namespace of the ServiceAccount; must exist (or be created with `dependsOn`). */
    namespace: pulumi.Input<string>;
    /** ServiceAccount name; the only identity allowed to assume the role. */
    serviceAccountName: string;
    /** Least-privilege permissions of the role, as an IAM policy document. */
    policy: aws.iam.PolicyDocument | pulumi.Output<aws.iam.PolicyDocument>;
    /** What the role is for, shown in IAM. */
    description: string;
    /** Tags for the role. Defaults to none. */
    tags?: Record<string, string>;
    /**
     * Create the annotated ServiceAccount. Defaults to true; false when something else owns it (an EKS managed
     * add-on creates its own and takes the role ARN directly).
     */
    createServiceAccount?: boolean;
}

/** Builds the IRSA trust policy: only this ServiceAccount (`:sub`), only for STS (`:aud`). */
export function irsaTrustPolicy(
    oidcProviderArn: string,
    oidcIssuer: string,
    namespace: string,
    serviceAccount: string,
): aws.iam.PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Effect: "Allow",
                Principal: { Federated: oidcProviderArn },
                Action: "sts:AssumeRoleWithWebIdentity",
                Condition: {
                    // Checking :aud too stops tokens minted for another audience from being exchanged
                    // (terraform-aws-iam iam-role-for-service-accounts-eks does the same).
                    StringEquals: {
                        [`${oidcIssuer}:sub`]: `system:serviceaccount:${namespace}:${serviceAccount}`,
                        [`${oidcIssuer}:aud`]: "sts.amazonaws.com",
                    },
                },
            },
        ],
    };
}

/**
 * An IAM role for one Kubernetes ServiceAccount (IRSA) and that ServiceAccount, annotated with the role.
 * Every workload that talks to AWS gets its identity here; none hand-rolls its own.
 */
export class IrsaRole extends pulumi.ComponentResource {
    readonly roleArn: pulumi.Output<string>;
    readonly serviceAccountName: pulumi.Output<string>;

    constructor(name: string, args: IrsaRoleArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ghost-dcdr:irsa:IrsaRole", name, {}, opts);

        const role = new aws.iam.Role(
            `${name}-role`,
            {
                description: args.description,
                assumeRolePolicy: pulumi
                    .all([args.oidcProviderArn, args.oidcIssuer, args.namespace])
                    .apply(([arn, issuer, ns]) => JSON.stringify(irsaTrustPolicy(arn, issuer, ns, args.serviceAccountName))),
                tags: args.tags,
            },
            { parent: this },
        );
        new aws.iam.RolePolicy(
            `${name}-policy`,
            {
                role: role.id,
                policy: pulumi.output(args.policy).apply((p) => JSON.stringify(p)),
            },
            { parent: this },
        );

        if (args.createServiceAccount ?? true) {
            new k8s.core.v1.ServiceAccount(
                `${name}-sa`,
                {
                    metadata: {
                        name: args.serviceAccountName,
                        namespace: args.namespace,
                        annotations: {
                            "eks.amazonaws.com/role-arn": role.arn,
                            "eks.amazonaws.com/sts-regional-endpoints": "true",
                        },
                    },
                },
                { parent: this },
            );
        }

        this.roleArn = role.arn;
        this.serviceAccountName = pulumi.output(args.serviceAccountName);
        this.registerOutputs({ roleArn: this.roleArn, serviceAccountName: this.serviceAccountName });
    }
}
