import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { IrsaRole } from "../irsa";

/** EKS managed add-on version of the EBS CSI driver; list others with `aws eks describe-addon-versions --addon-name aws-ebs-csi-driver`. */
export const EBS_CSI_ADDON_VERSION = "v1.67.1-eksbuild.1";
export const STORAGE_CLASS_NAME = "gp3-encrypted-retain";

export interface StorageArgs {
    clusterName: pulumi.Input<string>;
    oidcProviderArn: pulumi.Input<string>;
    oidcIssuer: pulumi.Input<string>;
    tags?: Record<string, string>;
}

/**
 * The EBS CSI driver (EKS managed add-on with its own IRSA role) and the StorageClass every stateful volume
 * uses: gp3, encrypted with the site's volume key, Retain so that deleting a claim never deletes the data.
 */
export class Storage extends pulumi.ComponentResource {
    readonly storageClassName: pulumi.Output<string>;
    readonly volumeKeyArn: pulumi.Output<string>;

    constructor(name: string, args: StorageArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ghost-dcdr:storage:Storage", name, {}, opts);
        const namespace = "kube-system";
        // Customer-managed key for the volumes: a snapshot or detached volume is useless outside this account's key policy.
        const volumeKey = new aws.kms.Key(
            `${name}-volumes-key`,
            {
                description: "Encryption of the site's EBS volumes (MariaDB data, Ghost content)",
                enableKeyRotation: true,
                deletionWindowInDays: 30,
                tags: args.tags,
            },
            { parent: this },
        );
        const serviceAccountName = "ebs-csi-controller-sa";
        const identity = new IrsaRole(
            `${name}-irsa`,
            {
                oidcProviderArn: args.oidcProviderArn,
                oidcIssuer: args.oidcIssuer,
                namespace,
                serviceAccountName,
                description: "EBS CSI driver controller",
                // The add-on creates and annotates its own ServiceAccount from serviceAccountRoleArn.
                createServiceAccount: false,
                policy: volumeKey.arn.apply((keyArn) => ebsCsiPolicy(keyArn)),
                tags: args.tags,
            },
            { parent: this },
        );

        const addon = new aws.eks.Addon(
            `${name}-ebs-csi`,
            {
                clusterName: args.clusterName,
                addonName: "aws-ebs-csi-driver",
                addonVersion: EBS_CSI_ADDON_VERSION,
                serviceAccountRoleArn: identity.roleArn,
                resolveConflictsOnCreate: "OVERWRITE",
                resolveConflictsOnUpdate: "PRESERVE",
                tags: args.tags,
            },
            { parent: this },
        );

        const storageClass = new k8s.storage.v1.StorageClass(
            `${name}-gp3`,
            {
                metadata: { name: STORAGE_CLASS_NAME },
                provisioner: "ebs.csi.aws.com",
                parameters: { type: "gp3", encrypted: "true", kmsKeyId: volumeKey.arn, "csi.storage.k8s.io/fstype": "ext4" },
                // Retain: a deleted PVC (an accidental `helm uninstall`, `pulumi destroy`) leaves the EBS volume and its data.
                reclaimPolicy: "Retain",
                // Bind where the pod lands, so the volume is created in the pod's AZ.
                volumeBindingMode: "WaitForFirstConsumer",
                allowVolumeExpansion: true,
            },
            { parent: this, dependsOn: [addon] },
        );

        this.storageClassName = storageClass.metadata.name;
        this.volumeKeyArn = volumeKey.arn;
        this.registerOutputs({ storageClassName: this.storageClassName, volumeKeyArn: this.volumeKeyArn });
    }
}

/** AWS's managed AmazonEBSCSIDriverPolicy scoped down: volume actions on volumes the driver tagged, KMS on one key. */
export function ebsCsiPolicy(volumeKeyArn: string) {
    return {
        Version: "2012-10-17" as const,
        Statement: [
            {
                Effect: "Allow" as const,
                Action: [
                    "ec2:DescribeAvailabilityZones",
                    "ec2:DescribeInstances",
                    "ec2:DescribeSnapshots",
                    "ec2:DescribeTags",
                    "ec2:DescribeVolumes",
                    "ec2:DescribeVolumesModifications",
                ],
                // Describe calls have no resource-level permissions.
                Resource: "*",
            },
            {
                Effect: "Allow" as const,
                Action: ["ec2:CreateVolume", "ec2:CreateSnapshot"],
                Resource: "*",
                Condition: { StringLike: { "aws:RequestTag/ebs.csi.aws.com/cluster": "true" } },
            },
            {
                Effect: "Allow" as const,
                Action: ["ec2:CreateTags"],
                Resource: ["arn:aws:ec2:*:*:volume/*", "arn:aws:ec2:*:*:snapshot/*"],
                Condition: { StringEquals: { "ec2:CreateAction": ["CreateVolume", "CreateSnapshot"] } },
            },
            {
                Effect: "Allow" as const,
                Action: ["ec2:AttachVolume", "ec2:DetachVolume", "ec2:ModifyVolume", "ec2:DeleteVolume", "ec2:DeleteSnapshot"],
                Resource: "*",
                Condition: { StringLike: { "aws:ResourceTag/ebs.csi.aws.com/cluster": "true" } },
            },
            {
                Effect: "Allow" as const,
                Action: ["ec2:AttachVolume", "ec2:DetachVolume"],
                Resource: "arn:aws:ec2:*:*:instance/*",
            },
            {
                Effect: "Allow" as const,
                Action: ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
                Resource: volumeKeyArn,
                Condition: { Bool: { "kms:GrantIsForAWSResource": "true" } },
            },
            {
                Effect: "Allow" as const,
                Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
                Resource: volumeKeyArn,
            },
        ],
    };
}
