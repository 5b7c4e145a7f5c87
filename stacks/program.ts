/**
 * The whole program: validate the config in full before any resource is registered, then build the site (its
 * role is resolved first: the dc stack reads the dr stack's failover flag). index.ts exports this; the offline
 * plan and the tests run this very function under mocks, so they see the stack's real outputs.
 */
import { loadConfig } from "./config";
import { buildSite, SiteOutputs } from "./site";

export async function program(): Promise<SiteOutputs> {
    const { config, secrets } = loadConfig();
    return buildSite(config, secrets);
}
