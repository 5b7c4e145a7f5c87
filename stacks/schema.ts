/**
 * Every config key the program reads: the section that reads it, type, description and default. This table is the
 * single source: `npm run docs:config` writes `Pulumi.yaml`'s `config:` block and the README's config table from it
 * (test/schema.test.ts fails when either is stale), and each section of `stacks/config/` can read only its own keys.
 */

import { INSTANCE_FAMILIES } from "../components/cluster/instances";
import { backupBucketName } from "../components/backup/buckets";
import { mediaBucketName, mediaHostname } from "../components/media";
import { DEFAULT_KUBERNETES_VERSION, IMAGES } from "../components/pins";

export type KeyType = "string" | "integer" | "boolean" | "array";

/** The sections of the config, in the order they are read and their problems reported; one file each in `stacks/config/`. */
export const SECTIONS = ["site", "network", "cluster", "dns", "app", "backup", "media", "failover"] as const;
export type Section = (typeof SECTIONS)[number];

export interface KeySpec {
    /** The one section of `stacks/config/` that reads and checks the key. */
    readonly section: Section;
    readonly type: KeyType;
    readonly description: string;
    /** Absent means the key is required, unless it is a secret (which cannot have a default). */
    readonly default?: string | number | boolean | readonly string[];
    /** Read with `getSecret` so the value stays an `Output` secret end to end; a section only checks it is set. */
    readonly secret?: boolean;
}

/** Project namespace; keys below are written `ghost-dcdr:<key>` on the command line. */
export const PROJECT = "ghost-dcdr";

export const CONFIG_KEYS = {
    site: {
        section: "site",
        type: "string",
        description: "Which site this stack builds: dc (primary region) or dr (disaster-recovery region).",
    },
    peerRegion: {
        section: "site",
        type: "string",
        description: "The other site's AWS region; must differ from aws:region.",
    },
    vpcCidr: {
        section: "network",
        type: "string",
        description: "This site's VPC CIDR, /16 to /20.",
    },
    peerVpcCidr: {
        section: "network",
        type: "string",
        description: "The other site's VPC CIDR; must not overlap vpcCidr so the VPCs can be peered.",
    },
    availabilityZones: {
        section: "network",
        type: "integer",
        description: "Number of availability zones for subnets and nodes: 2 or 3.",
        default: 3,
    },
    natGateways: {
        section: "network",
        type: "string",
        description: "NAT gateway strategy: single (one shared, cheaper) or perAz (one per AZ, survives an AZ outage).",
        default: "perAz",
    },
    kubernetesVersion: {
        section: "cluster",
        type: "string",
        description: `EKS Kubernetes version, e.g. "${DEFAULT_KUBERNETES_VERSION}"; only versions EKS supports.`,
        default: DEFAULT_KUBERNETES_VERSION,
    },
    ebsCsiAddonVersion: {
        section: "cluster",
        type: "string",
        description:
            "Exact build of the EBS CSI driver's EKS managed add-on, e.g. v1.64.0-eksbuild.1. Empty: the most recent build for kubernetesVersion, resolved at deploy time.",
        default: "",
    },
    nodeInstanceType: {
        section: "cluster",
        type: "string",
        description:
            "EC2 instance type of the managed node group. Known families (the pods must fit the node's memory): " +
            `${Object.keys(INSTANCE_FAMILIES).join(", ")} and their d, n, b and -flex variants; others are refused. ` +
            "Graviton families (a g after the generation: t4g, m7g, c6gn) get the arm64 AMI.",
        default: "m6i.large",
    },
    nodeMinSize: {
        section: "cluster",
        type: "integer",
        description: "Minimum node count (cluster autoscaler floor).",
        default: 2,
    },
    nodeDesiredSize: {
        section: "cluster",
        type: "integer",
        description: "Initial node count; after creation the cluster autoscaler owns it.",
        default: 2,
    },
    nodeMaxSize: {
        section: "cluster",
        type: "integer",
        description: "Maximum node count (cluster autoscaler ceiling).",
        default: 5,
    },
    nodeDiskGi: {
        section: "cluster",
        type: "integer",
        description: "Root volume size of each node in GiB (encrypted gp3).",
        default: 50,
    },
    endpointPublicAccessCidrs: {
        section: "cluster",
        type: "array",
        description: "CIDRs allowed to reach the public EKS API endpoint; [] makes the endpoint private-only.",
        default: ["0.0.0.0/0"],
    },
    domain: {
        section: "dns",
        type: "string",
        description: "Public hostname of the blog, e.g. blog.example.com.",
    },
    hostedZoneId: {
        section: "dns",
        type: "string",
        description: "Route 53 hosted zone id (Z...) of the zone that holds domain.",
    },
    externalDns: {
        section: "dns",
        type: "boolean",
        description: "Run ExternalDNS on this site (publishes its DNS records); off keeps its IAM role for a fast switch back.",
        default: true,
    },
    adminRoleArn: {
        section: "cluster",
        type: "string",
        description: "IAM role ARN granted cluster admin through an EKS access entry.",
    },
    ghostVersion: {
        section: "app",
        type: "string",
        description: "Official ghost image tag (Ghost 6.x.y), pinned.",
        default: IMAGES.ghost.tag,
    },
    ghostCpu: {
        section: "app",
        type: "string",
        description: "CPU request of the Ghost pod (Kubernetes quantity, e.g. 500m). No CPU limit: Ghost bursts on renders.",
        default: "500m",
    },
    ghostMemoryMi: {
        section: "app",
        type: "integer",
        description: "Memory request and limit of the Ghost pod in MiB.",
        default: 1024,
    },
    ghostStorageGi: {
        section: "app",
        type: "integer",
        description: "Size in GiB of Ghost's content volume (images, files, media, themes).",
        default: 10,
    },
    staffDeviceVerification: {
        section: "app",
        type: "boolean",
        description: "Ghost emails staff a login code from a new device; needs smtpHost. Off: password-only staff login.",
        default: false,
    },
    smtpHost: {
        section: "app",
        type: "string",
        description: "SMTP server for Ghost's mail (login codes, invitations, newsletters). Empty: no mail.",
        default: "",
    },
    smtpPort: {
        section: "app",
        type: "integer",
        description: "SMTP port: 587 (STARTTLS) or 465 (TLS).",
        default: 587,
    },
    smtpUser: {
        section: "app",
        type: "string",
        description: "SMTP user name; set together with smtpPassword.",
        default: "",
    },
    smtpPassword: {
        section: "app",
        type: "string",
        description: "SMTP password; set with `pulumi config set --secret`.",
        secret: true,
    },
    smtpFrom: {
        section: "app",
        type: "string",
        description: "Sender address of Ghost's mail, e.g. blog@example.com. Empty: Ghost's default (noreply@<domain>).",
        default: "",
    },
    mariadbVersion: {
        section: "app",
        type: "string",
        description: "Official mariadb image tag, pinned (the version the backup drill proves).",
        default: IMAGES.mariadb.tag,
    },
    mariadbCpu: {
        section: "app",
        type: "string",
        description: "CPU request of the MariaDB pod (Kubernetes quantity).",
        default: "500m",
    },
    mariadbMemoryMi: {
        section: "app",
        type: "integer",
        description: "Memory request and limit of MariaDB in MiB; the InnoDB buffer pool gets half.",
        default: 2048,
    },
    mariadbStorageGi: {
        section: "app",
        type: "integer",
        description: "Size in GiB of MariaDB's data volume (encrypted gp3).",
        default: 20,
    },
    protectData: {
        section: "app",
        type: "boolean",
        description: "Protect the database and content volume from `pulumi destroy` (set false, `pulumi up`, then destroy).",
        default: true,
    },
    drMode: {
        section: "backup",
        type: "string",
        description:
            "How the standby keeps up: warm (restores the newest backup on restoreSchedule) or cold (restores once, when it is brought up).",
        default: "warm",
    },
    backupBucketPrefix: {
        section: "backup",
        type: "string",
        description: `Name prefix of the two backup buckets (${backupBucketName("<prefix>", "<region>")}) and the two media buckets (${mediaBucketName("<prefix>", "<region>")}); globally unique. Empty: ghost-dcdr-<domain with dashes>.`,
        default: "",
    },
    backupSchedule: {
        section: "backup",
        type: "string",
        description: "Cron schedule of the backup on the active site.",
        default: "0 * * * *",
    },
    restoreSchedule: {
        section: "backup",
        type: "string",
        description: "Cron schedule of the warm standby's restore (after the backup has had time to replicate).",
        default: "30 * * * *",
    },
    scheduleTimeZone: {
        section: "backup",
        type: "string",
        description: "IANA time zone of backupSchedule and restoreSchedule.",
        default: "Etc/UTC",
    },
    restoreBackupId: {
        section: "backup",
        type: "string",
        description: "Restore this backup set (e.g. 20261121T220000Z) instead of the newest complete one.",
        default: "",
    },
    backupTransitionIaDays: {
        section: "backup",
        type: "integer",
        description: "Days before backups move to S3 Standard-IA (30 or more).",
        default: 30,
    },
    backupTransitionGlacierDays: {
        section: "backup",
        type: "integer",
        description: "Days before backups move to S3 Glacier Flexible Retrieval.",
        default: 90,
    },
    backupExpireDays: {
        section: "backup",
        type: "integer",
        description: "Days before backups are deleted.",
        default: 365,
    },
    backupObjectLockMode: {
        section: "backup",
        type: "string",
        description:
            "S3 Object Lock for ransomware-proof backups: empty (off), GOVERNANCE or COMPLIANCE. Only takes effect when the buckets are created.",
        default: "",
    },
    backupObjectLockDays: {
        section: "backup",
        type: "integer",
        description: "Default retention of Object Lock in days.",
        default: 30,
    },
    ghostExport: {
        section: "backup",
        type: "boolean",
        description:
            "Also store Ghost's own JSON export (Admin API) in every backup set; needs ghostExportUser and ghostExportPassword.",
        default: false,
    },
    ghostExportUser: {
        section: "backup",
        type: "string",
        description: "Email of the Ghost staff user (Administrator) the export logs in as.",
        default: "",
    },
    ghostExportPassword: {
        section: "backup",
        type: "string",
        description: "Password of ghostExportUser; set with `pulumi config set --secret`.",
        secret: true,
    },
    mediaStorage: {
        section: "media",
        type: "string",
        description: `Where Ghost keeps images, media and files. s3: in this region's media bucket, replicated to the other region, served by CloudFront at https://${mediaHostname("<domain>")} (set the same on both stacks). volume: on the content volume, carried to the other region by the backup.`,
        default: "s3",
    },
    mediaReplicationRtc: {
        section: "media",
        type: "boolean",
        description:
            "S3 Replication Time Control on the media buckets: 99.99% of uploads in the other region within 15 minutes, at extra cost per GB. Off: most within minutes, no bound.",
        default: false,
    },
    mediaPriceClass: {
        section: "media",
        type: "string",
        description:
            "CloudFront price class of the media CDN: PriceClass_100 (North America, Europe), PriceClass_200 (and most of Asia, Middle East, Africa) or PriceClass_All.",
        default: "PriceClass_100",
    },
    failover: {
        section: "failover",
        type: "boolean",
        description:
            "Set on the dr stack only: true makes dr the active site (serves the domain, backs up) and dc the standby. The single source of truth for which site is active.",
        default: false,
    },
    peerStack: {
        section: "failover",
        type: "string",
        description:
            "dc stack only: the dr stack's fully qualified name (org/ghost-dcdr/dr), read for the failover flag. Empty: no dr site, dc is active and owns the domain.",
        default: "",
    },
    dnsFailover: {
        section: "failover",
        type: "string",
        description:
            "manual: the domain follows the failover flag only. automatic: Route 53 health checks also send visitors to the dr site's maintenance page when dc stops answering.",
        default: "manual",
    },
    catchUpRestore: {
        section: "failover",
        type: "boolean",
        description:
            "When dr turns active, restore the newest backup before Ghost starts. Set false only when no backup exists yet.",
        default: true,
    },
    maintenance: {
        section: "failover",
        type: "boolean",
        description:
            "Stop Ghost on this site and answer with the maintenance page (freezes writes for a planned switchover; backups still run).",
        default: false,
    },
} as const satisfies Record<string, KeySpec>;

export type ConfigKey = keyof typeof CONFIG_KEYS;
