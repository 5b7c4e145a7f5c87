/**
 * The one place that reads config. `parseConfig` is pure (tested without the engine): it reads the sections in
 * order, each from its own file with its own keys (stacks/schema.ts says which), and a section that checks a value
 * against another section's gets that section's result as an argument; first, keys.ts names every key that no section
 * reads. `loadConfig` feeds it the stack's config and turns problems into a `RunError`, which Pulumi prints without a
 * stack trace. Every problem is one line naming the key, the bad value and the fix, and all of them are reported at
 * once; the fix is a `pulumi config` command, or, for config read from a stack file, what to change in that file.
 */
import * as pulumi from "@pulumi/pulumi";
import { PROJECT } from "../schema";
import { readApp, AppConfig } from "./app";
import { readBackup, BackupConfig } from "./backup";
import { readCluster, ClusterConfig } from "./cluster";
import { readDns, DnsConfig } from "./dns";
import { readFailover, FailoverConfig } from "./failover";
import { readMedia, MediaConfig } from "./media";
import { readNetwork, NetworkConfig } from "./network";
import { checkKeys } from "./keys";
import { ConfigInput, ConfigOptions, RawConfig } from "./reader";
import { readSite, SiteSection } from "./site";

export type { Site } from "../../components/site";
export type { NatStrategy } from "../../components/network/subnets";
export type { AppConfig } from "./app";
export { SUPPORTED_MARIADB_SERIES } from "./app";
export type { BackupConfig, DrMode, ObjectLockMode } from "./backup";
export { isCronSchedule } from "./backup";
export type { ClusterConfig } from "./cluster";
export type { DnsConfig } from "./dns";
export { hostnameProblem } from "./dns";
export type { DnsFailover, FailoverConfig } from "./failover";
export type { MediaConfig, MediaPriceClass, MediaStorage } from "./media";
export type { NetworkConfig } from "./network";
export { ConfigInput } from "./reader";
export type { ConfigOptions, RawConfig } from "./reader";
export { AWS_CONFIG_KEYS, KNOWN_NAMESPACES } from "./keys";
export { AWS_REGIONS, OTHER_PARTITION_REGIONS } from "./regions";
export type { SiteSection } from "./site";
// The node tables live beside the cluster component; re-exported for the tests that still import them from here.
export { INSTANCE_FAMILIES, instanceMemoryMi, isGravitonFamily, nodeAmiTypeFor } from "../../components/cluster/instances";

export interface SiteConfig extends SiteSection {
    readonly network: NetworkConfig;
    readonly cluster: ClusterConfig;
    readonly dns: DnsConfig;
    readonly app: AppConfig;
    readonly backup: BackupConfig;
    readonly media: MediaConfig;
    readonly failover: FailoverConfig;
}

/** Secret config, kept as secret Outputs; never part of the plain, frozen config. */
export interface SiteSecrets {
    readonly smtpPassword?: pulumi.Output<string>;
    readonly ghostExportPassword?: pulumi.Output<string>;
}

/** All problems found in one pass, so a user fixes them in one go. */
export class ConfigError extends Error {
    constructor(readonly problems: readonly string[]) {
        super(problems.join("\n"));
        this.name = "ConfigError";
    }
}

/**
 * Validates raw config and returns the typed, frozen site config, or throws ConfigError listing every
 * problem. `stack` is the stack name (dc and dr stacks must say the matching site); `options.configFile`, the stack
 * file the config was read from, makes every fix say what to change in that file.
 */
export function parseConfig(raw: RawConfig, stack: string, options: ConfigOptions = {}): SiteConfig {
    return readSections(new ConfigInput(raw, stack, options));
}

/** `parseConfig` on an input the caller keeps, to see which section read which key (`input.reads`). */
export function readSections(input: ConfigInput): SiteConfig {
    checkKeys(input);
    const { section: siteSection, site, region, peerRegion } = readSite(input.section("site"));
    const network = readNetwork(input.section("network"), site);
    const { cluster, node } = readCluster(input.section("cluster"), site);
    const { dns, domain } = readDns(input.section("dns"), site);
    const app = readApp(input.section("app"), node);
    const backup = readBackup(input.section("backup"), { region, peerRegion, domain });
    const media = readMedia(input.section("media"), { region, peerRegion, domain, bucketPrefix: backup?.bucketPrefix });
    const failover = readFailover(input.section("failover"), site);

    if (input.problems.length > 0) {
        throw new ConfigError(input.problems);
    }
    if (!siteSection || !network || !cluster || !dns || !app || !backup || !media || !failover) {
        throw new Error("a config section returned no value but reported no problem: a bug in stacks/config");
    }
    return deepFreeze({
        site: siteSection.site,
        peerSite: siteSection.peerSite,
        stack: siteSection.stack,
        region: siteSection.region,
        peerRegion: siteSection.peerRegion,
        network,
        cluster,
        dns,
        app,
        backup,
        media,
        failover,
        tags: siteSection.tags,
    });
}

function deepFreeze<T>(value: T): T {
    if (value && typeof value === "object") {
        for (const v of Object.values(value)) deepFreeze(v);
        Object.freeze(value);
    }
    return value;
}

/**
 * Reads this stack's config through Pulumi and validates it; a problem stops the program before any resource.
 * `options.configFile`: the config the runtime holds was read from that file (the offline plan), not by the CLI.
 */
export function loadConfig(options: ConfigOptions = {}): { config: SiteConfig; secrets: SiteSecrets } {
    try {
        const config = parseConfig(pulumi.runtime.allConfig(), pulumi.getStack(), options);
        const project = new pulumi.Config(PROJECT);
        return {
            config,
            secrets: {
                smtpPassword: project.getSecret("smtpPassword"),
                ghostExportPassword: project.getSecret("ghostExportPassword"),
            },
        };
    } catch (e) {
        if (e instanceof ConfigError) {
            throw new pulumi.RunError(`invalid stack config:\n${e.message}`);
        }
        throw e;
    }
}
