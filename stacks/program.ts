/**
 * The whole program: validate the config in full before any resource is registered, then build the site (its
 * role is resolved first: the dc stack reads the dr stack's failover flag). index.ts exports this; the offline
 * plan and the tests run this very function under mocks, so they see the stack's real outputs.
 */
import { ConfigOptions, loadConfig } from "./config";
import { buildSite, SiteOutputs } from "./site";

/** `options.configFile`: the stack file the config was read from (the offline plan's), for fixes that name it. */
export async function program(options: ConfigOptions = {}): Promise<SiteOutputs> {
    const { config, secrets } = loadConfig(options);
    return buildSite(config, secrets);
}
