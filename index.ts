import { loadConfig } from "./stacks/config";
import { buildSite } from "./stacks/site";

// Config is validated in full before any resource is registered.
const { config, secrets } = loadConfig();
const site = buildSite(config, secrets);

export const siteName = site.site;
export const region = site.region;
export const clusterName = site.clusterName;
export const kubeconfig = site.kubeconfig;
export const vpcId = site.vpcId;
export const privateSubnetIds = site.privateSubnetIds;
export const publicSubnetIds = site.publicSubnetIds;
export const oidcProviderArn = site.oidcProviderArn;
export const certificateArn = site.certificateArn;
export const siteHostname = site.siteHostname;
export const externalDnsEnabled = site.externalDnsEnabled;
export const externalDnsRoleArn = site.externalDnsRoleArn;
export const active = site.active;
export const ghostUrl = site.ghostUrl;
export const ghostAdminUrl = site.ghostAdminUrl;
export const ghostSiteUrl = site.ghostSiteUrl;
export const databaseHost = site.databaseHost;
// Secrets: `pulumi stack output --show-secrets databasePassword -s <stack>` prints them; nothing else does.
export const databasePassword = site.databasePassword;
export const databaseRootPassword = site.databaseRootPassword;
