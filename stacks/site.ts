/**
 * Builds one site (dc or dr) from the validated config. DC and DR run this same code; only config differs, and
 * what the site does (active or standby) comes from stacks/roles.ts.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AwsLoadBalancerController } from "../components/addons/awsLoadBalancerController";
import { ClusterAutoscaler } from "../components/addons/clusterAutoscaler";
import { ExternalDns } from "../components/addons/externalDns";
import { Certificate } from "../components/certificate";
import { Cluster } from "../components/cluster";
import { BackupBuckets, BACKUP_KEY_ALIAS, backupRoleName, SIGNING_KEY_ALIASES } from "../components/backup/buckets";
import { DataPath } from "../components/backup/datapath";
import { PublicDomain, switchTimeEstimate } from "../components/dns";
import { Ghost, GHOST_HEALTH_PATH, GhostContent } from "../components/ghost";
import { MariaDb } from "../components/mariadb";
import { MEDIA_KEY_ALIAS, MediaStore } from "../components/media";
import { Network } from "../components/network";
import { Storage } from "../components/storage";
import * as k8s from "@pulumi/kubernetes";
import { Site, SiteConfig, SiteSecrets } from "./config";
import { resolveRole, SiteRole } from "./roles";

/**
 * The stack's outputs, exactly as `pulumi stack output` shows them (index.ts returns this object unchanged). The
 * names another stack or tool reads are in stacks/outputs.ts; renaming one breaks a deployed peer.
 */
export interface SiteOutputs {
    /** "dc" or "dr". The dc stack reads the dr stack's: a peer without it has never been deployed. */
    siteName: Site;
    region: string;
    clusterName: pulumi.Output<string>;
    kubeconfig: pulumi.Output<string>;
    vpcId: pulumi.Output<string>;
    privateSubnetIds: pulumi.Output<string[]>;
    publicSubnetIds: pulumi.Output<string[]>;
    oidcProviderArn: pulumi.Output<string>;
    certificateArn: pulumi.Output<string>;
    siteHostname: string;
    externalDnsEnabled: boolean;
    externalDnsRoleArn: pulumi.Output<string>;
    /** What this site does now; `role` says it in full. */
    active: boolean;
    /** dr: its failover flag, which the dc stack reads. dc: false. */
    failover: boolean;
    role: SiteRole;
    dnsSwitchTime: string;
    /** This site's regional backup bucket and the prefix its own backups go to (the switchover reads them). */
    backupBucket: string;
    backupPrefix: string;
    /** Where Ghost keeps uploads (config mediaStorage); the dc stack checks the dr stack's is the same. */
    mediaStorage: "s3" | "volume";
    /** s3: this region's media bucket and the CDN's URL (Ghost's cdnUrl); volume: not set. */
    mediaBucket?: string;
    mediaUrl?: string;
    ghostUrl: pulumi.Output<string>;
    ghostAdminUrl: pulumi.Output<string>;
    ghostSiteUrl: pulumi.Output<string>;
    databaseHost: pulumi.Output<string>;
    /** Secrets: `pulumi stack output --show-secrets databasePassword -s <stack>` prints them; nothing else does. */
    databasePassword: pulumi.Output<string>;
    databaseRootPassword: pulumi.Output<string>;
}

export async function buildSite(config: SiteConfig, secrets: SiteSecrets = {}): Promise<SiteOutputs> {
    const role = await resolveRole(config);
    const name = config.site;
    // The one AWS provider of the stack: every AWS resource uses it, so nothing reaches the default region.
    const awsProvider = new aws.Provider(`${name}-aws`, {
        region: config.region as aws.Region,
        defaultTags: { tags: { ...config.tags } },
    });
    const awsOnly = { providers: { aws: awsProvider } };
    const tags = { ...config.tags };

    const network = new Network(
        `${name}-network`,
        {
            cidrBlock: config.network.vpcCidr,
            availabilityZones: config.network.availabilityZones,
            subnets: config.network.subnets,
            natGateways: config.network.natGateways,
            clusterName: config.cluster.name,
            tags,
        },
        awsOnly,
    );

    const cluster = new Cluster(
        `${name}-cluster`,
        {
            clusterName: config.cluster.name,
            kubernetesVersion: config.cluster.kubernetesVersion,
            vpcId: network.vpcId,
            privateSubnetIds: network.privateSubnetIds,
            publicSubnetIds: network.publicSubnetIds,
            nodeInstanceType: config.cluster.nodeInstanceType,
            nodeAmiType: config.cluster.nodeAmiType,
            nodeMinSize: config.cluster.nodeMinSize,
            nodeDesiredSize: config.cluster.nodeDesiredSize,
            nodeMaxSize: config.cluster.nodeMaxSize,
            nodeDiskGi: config.cluster.nodeDiskGi,
            endpointPublicAccessCidrs: config.cluster.endpointPublicAccessCidrs,
            adminRoleArn: config.cluster.adminRoleArn,
            tags,
        },
        awsOnly,
    );

    // Add-ons get both providers: AWS for their IAM roles, the cluster's for everything in Kubernetes.
    const both = { providers: { aws: awsProvider, kubernetes: cluster.provider } };
    const identityArgs = { oidcProviderArn: cluster.oidcProviderArn, oidcIssuer: cluster.oidcIssuer, tags };

    new ClusterAutoscaler(
        `${name}-autoscaler`,
        {
            clusterName: config.cluster.name,
            kubernetesVersion: config.cluster.kubernetesVersion,
            region: config.region,
            ...identityArgs,
        },
        both,
    );
    new AwsLoadBalancerController(
        `${name}-lbc`,
        {
            clusterName: config.cluster.name,
            region: config.region,
            vpcId: network.vpcId,
            ...identityArgs,
        },
        both,
    );
    const externalDns = new ExternalDns(
        `${name}-external-dns`,
        {
            enabled: config.dns.externalDns,
            txtOwnerId: `${config.cluster.name}-${config.region}`,
            hostedZoneId: config.dns.hostedZoneId,
            domainFilter: config.dns.domain,
            region: config.region,
            ...identityArgs,
        },
        both,
    );

    const certificate = new Certificate(
        `${name}-certificate`,
        {
            hostnames: [config.dns.domain, config.dns.siteHostname],
            hostedZoneId: config.dns.hostedZoneId,
            tags,
        },
        awsOnly,
    );

    // Application tier: MariaDB and Ghost in one namespace, on encrypted retained volumes.
    const k8sOnly = { providers: { kubernetes: cluster.provider } };
    const storage = new Storage(
        `${name}-storage`,
        {
            clusterName: cluster.clusterName,
            kubernetesVersion: config.cluster.kubernetesVersion,
            addonVersion: config.cluster.ebsCsiAddonVersion,
            ...identityArgs,
        },
        both,
    );
    const namespace = new k8s.core.v1.Namespace(
        `${name}-app-ns`,
        {
            metadata: {
                name: config.app.namespace,
                // MariaDB's operator-built pods do not meet "restricted": enforce baseline, warn on restricted.
                labels: { "pod-security.kubernetes.io/enforce": "baseline", "pod-security.kubernetes.io/warn": "restricted" },
            },
        },
        { provider: cluster.provider },
    );
    const mariadb = new MariaDb(
        `${name}-mariadb`,
        {
            namespace: namespace.metadata.name,
            version: config.app.mariadb.version,
            cpu: config.app.mariadb.cpu,
            memoryMi: config.app.mariadb.memoryMi,
            storageGi: config.app.mariadb.storageGi,
            innodbBufferPoolMi: config.app.mariadb.innodbBufferPoolMi,
            storageClassName: storage.storageClassName,
            protect: config.app.protectData,
        },
        k8sOnly,
    );
    const content = new GhostContent(
        `${name}-ghost-content`,
        {
            namespace: namespace.metadata.name,
            storageGi: config.app.ghost.storageGi,
            storageClassName: storage.storageClassName,
            protect: config.app.protectData,
        },
        k8sOnly,
    );

    // Backups. The dc stack owns both regional buckets (and their replication), so the dr region's copy exists
    // before the dr stack is ever deployed; the dr stack finds its region's backup key by alias.
    let backupKeyArn: pulumi.Output<string>;
    // Manifest signing (issue #10): each site's backup role has a fixed name, so the dc stack's bucket policies can
    // name dr's before the dr stack exists; the keys are found like the backup key, in this site's region.
    const roleNames = {
        dc: backupRoleName("dc", [config.backup.localBucket, config.backup.peerBucket]),
        dr: backupRoleName("dr", [config.backup.localBucket, config.backup.peerBucket]),
    };
    let signingKeyArns: { own: pulumi.Output<string>; peer: pulumi.Output<string> };
    // The dc stack owns what lives in both regions (backup and media buckets): it needs the peer region's provider.
    const peerProvider =
        config.site === "dc"
            ? new aws.Provider(`${name}-aws-peer`, {
                  region: config.peerRegion as aws.Region,
                  defaultTags: { tags: { ...config.tags } },
              })
            : undefined;
    if (peerProvider) {
        const buckets = new BackupBuckets(
            `${name}-backup-buckets`,
            {
                primary: { name: config.backup.localBucket, provider: awsProvider },
                replica: { name: config.backup.peerBucket, provider: peerProvider },
                lifecycle: config.backup.lifecycle,
                objectLock: config.backup.objectLock,
                protect: config.app.protectData,
                writers: {
                    dc: { prefix: config.backup.prefixes.dc, roleName: roleNames.dc },
                    dr: { prefix: config.backup.prefixes.dr, roleName: roleNames.dr },
                },
                tags,
            },
            awsOnly,
        );
        backupKeyArn = buckets.keyArns[0];
        signingKeyArns = { own: buckets.signingKeyArns.dc[0], peer: buckets.signingKeyArns.dr[0] };
    } else {
        backupKeyArn = aws.kms.getAliasOutput({ name: BACKUP_KEY_ALIAS }, { provider: awsProvider }).targetKeyArn;
        const signingKey = (site: "dc" | "dr") =>
            aws.kms.getAliasOutput({ name: SIGNING_KEY_ALIASES[site] }, { provider: awsProvider }).targetKeyArn;
        signingKeyArns = { own: signingKey("dr"), peer: signingKey("dc") };
    }

    // Uploads in S3 (issue 13): the dc stack owns both media buckets and the CDN, so a cold dr finds its region's copy
    // and the CDN never needs the dc region to change; each site's Ghost writes to its own region's bucket.
    let mediaKeyArn: pulumi.Output<string> | undefined;
    if (config.media.mediaStorage === "s3") {
        if (peerProvider) {
            const store = new MediaStore(
                `${name}-media`,
                {
                    buckets: {
                        dc: { name: config.media.localBucket, provider: awsProvider },
                        dr: { name: config.media.peerBucket, provider: peerProvider },
                    },
                    hostname: config.media.hostname,
                    siteOrigin: `https://${config.dns.domain}`,
                    hostedZoneId: config.dns.hostedZoneId,
                    certificateProvider: new aws.Provider(`${name}-aws-us-east-1`, {
                        region: "us-east-1",
                        defaultTags: { tags: { ...config.tags } },
                    }),
                    replicationTimeControl: config.media.mediaReplicationRtc,
                    priceClass: config.media.mediaPriceClass,
                    policyNamePrefix: config.backup.bucketPrefix,
                    protect: config.app.protectData,
                    tags,
                },
                awsOnly,
            );
            mediaKeyArn = store.keyArns.dc;
        } else {
            mediaKeyArn = aws.kms.getAliasOutput({ name: MEDIA_KEY_ALIAS }, { provider: awsProvider }).targetKeyArn;
        }
    }
    const dataPath = new DataPath(
        `${name}-datapath`,
        {
            namespace: namespace.metadata.name,
            region: config.region,
            bucket: config.backup.localBucket,
            keyArn: backupKeyArn,
            signing: {
                ownKeyArn: signingKeyArns.own,
                peerKeyArn: signingKeyArns.peer,
                backupRoleName: roleNames[config.site],
            },
            ownPrefix: config.backup.prefixes[config.site],
            peerPrefix: config.backup.prefixes[config.peerSite],
            ...identityArgs,
            fence: { hostedZoneId: config.dns.hostedZoneId, domain: config.dns.domain, siteHostname: config.dns.siteHostname },
            mariadbImage: mariadb.image,
            database: {
                host: mariadb.host,
                port: mariadb.port,
                name: mariadb.database,
                user: mariadb.user,
                secretName: mariadb.secretName,
            },
            ghostVersion: config.app.ghost.version,
            contentClaimName: content.claimName,
            ghostUrl: `https://${config.dns.domain}`,
            // What the role means for the jobs (stacks/roles.ts), as plain values.
            backupSchedule: config.backup.backupSchedule,
            suspendBackups: !role.runsBackups,
            restoreSchedule: config.backup.drMode === "warm" ? config.backup.restoreSchedule : undefined,
            suspendRestores: role.restore !== "scheduled",
            restoreNow: role.restoreOnce ? "once" : role.catchUpRestore ? "catch-up" : undefined,
            backupBesideGhost: role.ghostReplicas === 1,
            scheduleTimeZone: config.backup.scheduleTimeZone,
            restoreBackupId: config.backup.restoreBackupId,
            ghostExport:
                config.backup.ghostExportUser && secrets.ghostExportPassword
                    ? { user: config.backup.ghostExportUser, password: secrets.ghostExportPassword }
                    : undefined,
            media:
                config.media.mediaStorage === "s3" ? { storage: "s3", bucket: config.media.localBucket } : { storage: "volume" },
            tags,
        },
        { ...both, dependsOn: [mariadb] },
    );

    const ghost = new Ghost(
        `${name}-ghost`,
        {
            namespace: namespace.metadata.name,
            version: config.app.ghost.version,
            cpu: config.app.ghost.cpu,
            memoryMi: config.app.ghost.memoryMi,
            contentClaimName: content.claimName,
            scriptsConfigMap: dataPath.scriptsConfigMap,
            domain: config.dns.domain,
            siteHostname: config.dns.siteHostname,
            certificateArn: certificate.certificateArn,
            database: {
                host: mariadb.host,
                port: mariadb.port,
                user: mariadb.user,
                name: mariadb.database,
                secretName: mariadb.secretName,
                passwordKey: "password",
                clientImage: mariadb.image,
            },
            staffDeviceVerification: config.app.ghost.staffDeviceVerification,
            smtp: config.app.ghost.smtp,
            smtpPassword: secrets.smtpPassword,
            replicas: role.ghostReplicas,
            // A site turning active restores the newest backup before Ghost takes traffic.
            startAfter: dataPath.restoreBeforeGhost ? [dataPath.restoreBeforeGhost] : [],
            media: mediaKeyArn
                ? {
                      bucket: config.media.localBucket,
                      region: config.region,
                      cdnUrl: `https://${config.media.hostname}`,
                      keyArn: mediaKeyArn,
                      ...identityArgs,
                  }
                : undefined,
        },
        { ...both, dependsOn: [mariadb] },
    );

    // The public name: written by the dr stack once it exists, by dc only while there is no dr site.
    if (role.ownsDomainRecord) {
        new PublicDomain(
            `${name}-public-domain`,
            {
                hostedZoneId: config.dns.hostedZoneId,
                domain: config.dns.domain,
                target: role.domainTarget,
                automatic: role.automaticDns,
                healthPath: GHOST_HEALTH_PATH,
                tags,
            },
            { ...awsOnly, dependsOn: [ghost] },
        );
    }

    return {
        siteName: config.site,
        region: config.region,
        clusterName: cluster.clusterName,
        kubeconfig: cluster.kubeconfig,
        vpcId: network.vpcId,
        privateSubnetIds: network.privateSubnetIds,
        publicSubnetIds: network.publicSubnetIds,
        oidcProviderArn: cluster.oidcProviderArn,
        certificateArn: certificate.certificateArn,
        siteHostname: config.dns.siteHostname,
        externalDnsEnabled: externalDns.enabled,
        externalDnsRoleArn: externalDns.roleArn,
        active: role.active,
        failover: config.site === "dr" && config.failover.failover,
        role,
        dnsSwitchTime: switchTimeEstimate().explanation,
        backupBucket: config.backup.localBucket,
        backupPrefix: config.backup.prefixes[config.site],
        mediaStorage: config.media.mediaStorage,
        ...(config.media.mediaStorage === "s3"
            ? { mediaBucket: config.media.localBucket, mediaUrl: `https://${config.media.hostname}` }
            : {}),
        ghostUrl: ghost.url,
        ghostAdminUrl: ghost.adminUrl,
        ghostSiteUrl: ghost.siteUrl,
        databaseHost: mariadb.host,
        databasePassword: pulumi.secret(mariadb.password),
        databaseRootPassword: pulumi.secret(mariadb.rootPassword),
    };
}
