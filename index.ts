import { loadConfig } from "./stacks/config";
import { buildSite } from "./stacks/site";

// Config is validated in full before any resource is registered; then the site's role is resolved (the dc stack
// reads the dr stack's failover flag) and the site is built. Pulumi takes the stack outputs from this promise.
export = (async () => {
    const { config, secrets } = loadConfig();
    const site = await buildSite(config, secrets);
    return {
        siteName: site.site,
        region: site.region,
        clusterName: site.clusterName,
        kubeconfig: site.kubeconfig,
        vpcId: site.vpcId,
        privateSubnetIds: site.privateSubnetIds,
        publicSubnetIds: site.publicSubnetIds,
        oidcProviderArn: site.oidcProviderArn,
        certificateArn: site.certificateArn,
        siteHostname: site.siteHostname,
        externalDnsEnabled: site.externalDnsEnabled,
        externalDnsRoleArn: site.externalDnsRoleArn,
        // The failover state: `failover` is what the dc stack reads; `active` and `role` say what this site does.
        active: site.active,
        failover: site.failover,
        role: site.role,
        dnsSwitchTime: site.dnsSwitchTime,
        backupBucket: site.backupBucket,
        backupPrefix: site.backupPrefix,
        ghostUrl: site.ghostUrl,
        ghostAdminUrl: site.ghostAdminUrl,
        ghostSiteUrl: site.ghostSiteUrl,
        databaseHost: site.databaseHost,
        // Secrets: `pulumi stack output --show-secrets databasePassword -s <stack>` prints them; nothing else does.
        databasePassword: site.databasePassword,
        databaseRootPassword: site.databaseRootPassword,
    };
})();
