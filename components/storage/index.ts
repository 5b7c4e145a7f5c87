import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { IrsaRole } from "../irsa";
import { EBS_CSI_DRIVER } from "../pins";

export const STORAGE_CLASS_NAME = "gp3-encrypted-retain";

export interface StorageArgs {
    clusterName: pulumi.Input<string>;
    /** The cluster's Kubernetes version, for which the add-on build is resolved. */
    kubernetesVersion: string;
    /**
     * An exact EKS add-on build (`v1.64.0-eksbuild.1`; list them with `aws eks describe-addon-versions --addon-name
     * aws-ebs-csi-driver --kubernetes-version <v>`). Defaults to the most recent build for `kubernetesVersion`,
     * resolved by the EKS API at deploy time.
     */
    addonVersion?: string;
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
    /** The EBS CSI add-on build deployed (pinned by config, or the most recent one for the cluster's version). */
    readonly addonVersion: pulumi.Output<string>;

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

        // No hard-coded build: EKS publishes builds per Kubernetes version, and one that nobody can verify offline
        // would fail only at `pulumi up`. The EKS API answers which builds exist for this cluster's version.
        this.addonVersion = args.addonVersion
            ? pulumi.output(args.addonVersion)
            : aws.eks.getAddonVersionOutput(
                  { addonName: EBS_CSI_DRIVER.addonName, kubernetesVersion: args.kubernetesVersion, mostRecent: true },
                  { parent: this },
              ).version;
        const addonVersion = this.addonVersion;
        const addon = new aws.eks.Addon(
            `${name}-ebs-csi`,
            {
                clusterName: args.clusterName,
                addonName: EBS_CSI_DRIVER.addonName,
                addonVersion,
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
        this.registerOutputs({
            storageClassName: this.storageClassName,
            volumeKeyArn: this.volumeKeyArn,
            addonVersion: this.addonVersion,
        });
    }
}

const volumeArn = "arn:aws:ec2:*:*:volume/*";
const snapshotArn = "arn:aws:ec2:*:*:snapshot/*";
const allow = (Action: string[], Resource: string | string[], Condition?: Record<string, Record<string, string | string[]>>) => ({
    Effect: "Allow" as const,
    Action,
    Resource,
    ...(Condition ? { Condition } : {}),
});
/** The driver puts this tag on every volume and snapshot it creates; the policy fences every mutation by it. */
const managed = { StringEquals: { "ec2:ResourceTag/ebs.csi.aws.com/cluster": "true" } };
const requestsManaged = { StringEquals: { "aws:RequestTag/ebs.csi.aws.com/cluster": "true" } };
/** Volumes of the in-tree plugin migrated to CSI carry only the PVC name tag. */
const migrated = { StringLike: { "ec2:ResourceTag/kubernetes.io/created-for/pvc/name": "*" } };

/**
 * The EBS CSI driver's published policy, statement for statement: kubernetes-sigs/aws-ebs-csi-driver
 * `docs/AmazonEBSCSIDriverPolicyV2.json` at v1.64.0 (the policy `docs/install.md` names as the example at that tag,
 * and AWS's managed AmazonEBSCSIDriverPolicyV2). Every mutation is limited to volumes and snapshots the driver tagged;
 * `ec2:DescribeInstanceTypes` is included (the driver's CHANGELOG at v1.64.0 says it becomes mandatory). The KMS
 * statements follow the same docs ("Encrypted EBS Volumes via KMS": Decrypt, GenerateDataKeyWithoutPlaintext,
 * CreateGrant) on the one volume key instead of every key; CreateGrant only for grants EC2 makes for the volume.
 * `npm run check:upstream` holds this against the contract `ebs-csi/AmazonEBSCSIDriverPolicyV2-v1.64.0.json`.
 */
export function ebsCsiPolicy(volumeKeyArn: string) {
    return {
        Version: "2012-10-17" as const,
        Statement: [
            allow(
                [
                    "ec2:DescribeAvailabilityZones",
                    "ec2:DescribeInstances",
                    "ec2:DescribeInstanceTypes",
                    "ec2:DescribeSnapshots",
                    "ec2:DescribeVolumes",
                    "ec2:DescribeVolumesModifications",
                    "ec2:DescribeVolumeStatus",
                ],
                // Describe calls have no resource-level permissions.
                "*",
            ),
            allow(["ec2:CreateVolume", "ec2:CopyVolumes"], volumeArn, requestsManaged),
            allow(["ec2:CopyVolumes"], "arn:aws:ec2:*:*:volume/vol-*", managed),
            allow(["ec2:CopyVolumes"], "arn:aws:ec2:*:*:volume/vol-*", migrated),
            allow(["ec2:CreateSnapshot"], snapshotArn, requestsManaged),
            allow(["ec2:CreateSnapshot"], volumeArn, managed),
            allow(["ec2:ModifyVolume", "ec2:AttachVolume", "ec2:DetachVolume", "ec2:DeleteVolume"], volumeArn, managed),
            allow(["ec2:ModifyVolume", "ec2:AttachVolume", "ec2:DetachVolume", "ec2:DeleteVolume"], volumeArn, migrated),
            allow(["ec2:CreateVolume", "ec2:EnableFastSnapshotRestores"], snapshotArn, managed),
            allow(["ec2:AttachVolume", "ec2:DetachVolume"], "arn:aws:ec2:*:*:instance/*"),
            allow(["ec2:DeleteSnapshot", "ec2:LockSnapshot"], snapshotArn, managed),
            allow(["ec2:CreateTags"], [volumeArn, snapshotArn], {
                StringEquals: { "ec2:CreateAction": ["CreateVolume", "CreateSnapshot", "CopyVolumes"] },
            }),
            // Retagging a managed volume may not touch the tags the fences above rely on.
            allow(["ec2:CreateTags", "ec2:DeleteTags"], volumeArn, {
                ...managed,
                Null: { "aws:TagKeys": "false" },
                "ForAllValues:StringNotEquals": {
                    "aws:TagKeys": [
                        "ebs.csi.aws.com/cluster",
                        "ebs.csi.aws.com/cluster-name",
                        "kubernetes.io/created-for/pvc/name",
                    ],
                },
            }),
            allow(["kms:Decrypt", "kms:GenerateDataKeyWithoutPlaintext"], volumeKeyArn),
            allow(["kms:CreateGrant"], volumeKeyArn, { Bool: { "kms:GrantIsForAWSResource": "true" } }),
        ],
    };
}
