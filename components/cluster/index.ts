import * as aws from "@pulumi/aws";
import * as eks from "@pulumi/eks";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { providersFor } from "../providers";

/**
 * EKS-optimised Amazon Linux 2023 AMI of the managed node group; its architecture must match the instance type's
 * (arm64 for Graviton). Our launch template sets no image id, so EKS picks the AMI by this type
 * (https://docs.aws.amazon.com/eks/latest/APIReference/API_Nodegroup.html#AmazonEKS-Type-Nodegroup-amiType).
 */
export type NodeAmiType = "AL2023_x86_64_STANDARD" | "AL2023_ARM_64_STANDARD";

export interface ClusterArgs {
    /** EKS cluster name (also what the cluster autoscaler discovers node groups by). */
    clusterName: string;
    /** Kubernetes minor version, e.g. "1.33"; pinned so upgrades are deliberate. */
    kubernetesVersion: string;
    vpcId: pulumi.Input<string>;
    /** Nodes run here; never in public subnets. */
    privateSubnetIds: pulumi.Input<string[]>;
    /** Internet-facing load balancers only. */
    publicSubnetIds: pulumi.Input<string[]>;
    nodeInstanceType: string;
    /** AMI type matching `nodeInstanceType`'s architecture. */
    nodeAmiType: NodeAmiType;
    nodeMinSize: number;
    /** Initial size only: after creation the cluster autoscaler owns the desired size. */
    nodeDesiredSize: number;
    nodeMaxSize: number;
    /** Root volume in GiB. Defaults to 50. */
    nodeDiskGi?: number;
    /** CIDRs allowed to reach the public API endpoint; empty makes the endpoint private-only. */
    endpointPublicAccessCidrs: readonly string[];
    /** IAM role granted cluster admin through an EKS access entry. */
    adminRoleArn: string;
    /** Tags for every AWS resource. Defaults to none. */
    tags?: Record<string, string>;
}

/**
 * An EKS cluster with a managed node group in private subnets, IRSA, KMS envelope encryption of Secrets,
 * IMDSv2 with hop limit 1, admin access through access entries, and the explicit Kubernetes provider that
 * every Kubernetes resource of the site must use.
 */
export class Cluster extends pulumi.ComponentResource {
    readonly clusterName: pulumi.Output<string>;
    readonly kubeconfig: pulumi.Output<string>;
    readonly oidcProviderArn: pulumi.Output<string>;
    /** OIDC issuer without `https://`, the prefix of IRSA trust condition keys. */
    readonly oidcIssuer: pulumi.Output<string>;
    readonly secretsKeyArn: pulumi.Output<string>;
    readonly nodeRoleArn: pulumi.Output<string>;
    /** Every Kubernetes resource of the site uses this provider; nothing falls back to an ambient kubeconfig. */
    readonly provider: k8s.Provider;

    constructor(name: string, args: ClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ghost-dcdr:cluster:Cluster", name, {}, opts);
        const tags = args.tags ?? {};

        // Customer-managed key for envelope encryption of Kubernetes Secrets (database passwords live there).
        const secretsKey = new aws.kms.Key(
            `${name}-secrets-key`,
            {
                description: `Envelope encryption of Kubernetes Secrets in EKS cluster ${args.clusterName}`,
                enableKeyRotation: true,
                deletionWindowInDays: 30,
                tags,
            },
            { parent: this },
        );
        new aws.kms.Alias(
            `${name}-secrets-key-alias`,
            {
                name: `alias/${args.clusterName}-secrets`,
                targetKeyId: secretsKey.keyId,
            },
            { parent: this },
        );

        const nodeRole = new aws.iam.Role(
            `${name}-node-role`,
            {
                description: `EC2 role of the ${args.clusterName} managed node group`,
                assumeRolePolicy: JSON.stringify({
                    Version: "2012-10-17",
                    Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
                }),
                tags,
            },
            { parent: this },
        );
        const nodePolicies = {
            worker: "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
            cni: "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
            // Pull only (GetAuthorizationToken, BatchGetImage, GetDownloadUrlForLayer, BatchImportUpstreamImage): the
            // ReadOnly policy also lists and describes every repository and image of the account, which nodes never need.
            ecr: "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly",
            // Session Manager instead of SSH keys for node access.
            ssm: "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
        };
        const attachments = Object.entries(nodePolicies).map(
            ([role, policyArn]) =>
                new aws.iam.RolePolicyAttachment(`${name}-node-${role}`, { role: nodeRole.name, policyArn }, { parent: this }),
        );

        // A launch template is the only way to set the hop limit: 1 keeps pods from borrowing the node's role
        // through IMDS (pods get their own identity through IRSA).
        const launchTemplate = new aws.ec2.LaunchTemplate(
            `${name}-nodes-lt`,
            {
                description: `Nodes of ${args.clusterName}: IMDSv2 only, hop limit 1, encrypted gp3 root volume`,
                metadataOptions: {
                    httpEndpoint: "enabled",
                    httpTokens: "required",
                    httpPutResponseHopLimit: 1,
                },
                blockDeviceMappings: [
                    {
                        deviceName: "/dev/xvda",
                        ebs: {
                            volumeSize: args.nodeDiskGi ?? 50,
                            volumeType: "gp3",
                            encrypted: "true",
                            deleteOnTermination: "true",
                        },
                    },
                ],
                tagSpecifications: [
                    { resourceType: "instance", tags },
                    { resourceType: "volume", tags },
                ],
                tags,
            },
            { parent: this },
        );

        const cluster = new eks.Cluster(
            `${name}-eks`,
            {
                name: args.clusterName,
                version: args.kubernetesVersion,
                vpcId: args.vpcId,
                privateSubnetIds: args.privateSubnetIds,
                publicSubnetIds: args.publicSubnetIds,
                nodeAssociatePublicIpAddress: false,
                // The managed node group below replaces the self-managed default group.
                skipDefaultNodeGroup: true,
                authenticationMode: "API",
                accessEntries: {
                    admin: {
                        principalArn: args.adminRoleArn,
                        accessPolicies: {
                            clusterAdmin: {
                                policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
                                accessScope: { type: "cluster" },
                            },
                        },
                    },
                },
                createOidcProvider: true,
                encryptionConfigKeyArn: secretsKey.arn,
                endpointPrivateAccess: true,
                endpointPublicAccess: args.endpointPublicAccessCidrs.length > 0,
                publicAccessCidrs: args.endpointPublicAccessCidrs.length > 0 ? [...args.endpointPublicAccessCidrs] : undefined,
                enabledClusterLogTypes: ["api", "audit", "authenticator", "controllerManager", "scheduler"],
                tags,
            },
            { parent: this, providers: providersFor(this, "aws") },
        );

        const nodeGroup = new eks.ManagedNodeGroup(
            `${name}-nodes`,
            {
                cluster,
                nodeRole,
                subnetIds: args.privateSubnetIds,
                instanceTypes: [args.nodeInstanceType],
                // EKS's default AMI type is x86_64, which a Graviton instance cannot boot.
                amiType: args.nodeAmiType,
                scalingConfig: {
                    minSize: args.nodeMinSize,
                    desiredSize: args.nodeDesiredSize,
                    maxSize: args.nodeMaxSize,
                },
                // The cluster autoscaler changes the desired size; without this every `pulumi up` would reset it.
                ignoreScalingChanges: true,
                launchTemplate: { id: launchTemplate.id, version: pulumi.interpolate`${launchTemplate.latestVersion}` },
                labels: { "ghost-dcdr/pool": "general" },
                tags,
            },
            { parent: this, providers: providersFor(this, "aws"), dependsOn: attachments },
        );

        this.provider = new k8s.Provider(
            `${name}-k8s`,
            {
                kubeconfig: cluster.kubeconfigJson,
                // Server-side apply lets Pulumi and controllers share fields without overwriting each other.
                enableServerSideApply: true,
                // Helm releases wait for their pods: nothing may be deployed before there are nodes to run it.
            },
            { parent: this, dependsOn: [nodeGroup] },
        );

        // Derived from the kubeconfig so that whatever uses the name (e.g. an EKS add-on) waits for the cluster.
        this.clusterName = cluster.kubeconfigJson.apply(() => args.clusterName);
        this.kubeconfig = pulumi.secret(cluster.kubeconfigJson);
        this.oidcProviderArn = cluster.oidcProviderArn;
        this.oidcIssuer = cluster.oidcIssuer;
        this.secretsKeyArn = secretsKey.arn;
        this.nodeRoleArn = nodeRole.arn;
        this.registerOutputs({
            clusterName: this.clusterName,
            kubeconfig: this.kubeconfig,
            oidcProviderArn: this.oidcProviderArn,
            oidcIssuer: this.oidcIssuer,
            secretsKeyArn: this.secretsKeyArn,
            nodeRoleArn: this.nodeRoleArn,
        });
    }
}
