import { loadConfig } from "./stacks/config";
import { buildSite } from "./stacks/site";

// Config is validated in full before any resource is registered.
const site = buildSite(loadConfig());

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
