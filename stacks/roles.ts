/**
 * The one place that decides what each site does. The dr stack's `failover` flag is the single source of truth;
 * the dc stack reads it from the dr stack (`peerStack`). Everything that differs between the active and the
 * standby site (DNS, backups, restores, whether Ghost runs) is derived here and nowhere else.
 */
import * as pulumi from "@pulumi/pulumi";
import type { DnsFailover, DrMode, Site, SiteConfig } from "./config";
import { OUTPUT } from "./outputs";
import { PROJECT } from "./schema";

export type RestoreMode = "none" | "scheduled" | "on-bring-up";

/** What the dc stack knows of the dr stack, read through a StackReference. */
export interface PeerState {
    /** The dr stack exists and has been deployed (it has outputs). */
    readonly deployed: boolean;
    /** The dr stack's failover flag, as of its last deployment. */
    readonly failover: boolean;
}

export interface RoleInputs {
    readonly site: Site;
    /** dr: its own failover flag. dc: ignored (see `peer`). */
    readonly failover: boolean;
    /** dc: the dr stack's state; undefined when no peer stack is configured. */
    readonly peer?: PeerState;
    readonly drMode: DrMode;
    readonly dnsFailover: DnsFailover;
    readonly catchUpRestore: boolean;
    /** Writes frozen: Ghost stopped, maintenance page served (planned switchover). */
    readonly maintenance: boolean;
    /** A set the operator asked to restore now (config restoreBackupId). */
    readonly restoreRequested: boolean;
}

export interface SiteRole {
    /** Serves the public domain and accepts writes. */
    readonly active: boolean;
    /**
     * This stack writes the public `<domain>` record(s). The dr stack does whenever it is deployed; the dc stack
     * only while there is no dr site. So one stack at a time owns the name, and the dr stack can move it alone.
     */
    readonly ownsDomainRecord: boolean;
    /** The site `<domain>` points at (as primary) when this stack writes it. */
    readonly domainTarget: Site;
    /** Route 53 health checks fail `<domain>` over to dr's maintenance page when dc stops answering. */
    readonly automaticDns: boolean;
    /** The backup CronJob is active (not suspended). A standby never backs up: it would publish stale backups. */
    readonly runsBackups: boolean;
    /** How a standby restores the active site's backups. "none" on the active site: it never restores. */
    readonly restore: RestoreMode;
    /**
     * A standby runs one restore Job now: at bring-up when cold, or when the operator names a set
     * (restoreBackupId, as the planned switchover does). Never on the active site.
     */
    readonly restoreOnce: boolean;
    /** dr just turned active: restore the newest backup once, before Ghost takes traffic. */
    readonly catchUpRestore: boolean;
    /** One Ghost on the active site (unless in maintenance); none on a standby, whose data the restores replace. */
    readonly ghostReplicas: 0 | 1;
}

/** Pure: the role of a site from its inputs. test/roles.test.ts checks its invariants over every combination (320). */
export function deriveRole(inputs: RoleInputs): SiteRole {
    // dr is active by its own flag; dc sees dr's flag only while dr is deployed.
    const drIsActive = inputs.site === "dr" ? inputs.failover : inputs.peer?.deployed === true && inputs.peer.failover;
    const active = inputs.site === "dr" ? drIsActive : !drIsActive;
    return {
        active,
        ownsDomainRecord: inputs.site === "dr" || inputs.peer?.deployed !== true,
        domainTarget: drIsActive ? "dr" : "dc",
        // Only the dr stack can fail over to itself, and only while it is the standby.
        automaticDns: inputs.dnsFailover === "automatic" && inputs.site === "dr" && !drIsActive,
        runsBackups: active,
        restore: active ? "none" : inputs.drMode === "warm" ? "scheduled" : "on-bring-up",
        restoreOnce: !active && (inputs.drMode === "cold" || inputs.restoreRequested),
        catchUpRestore: inputs.site === "dr" && active && inputs.catchUpRestore,
        ghostReplicas: active && !inputs.maintenance ? 1 : 0,
    };
}

/**
 * Reads what the role depends on and derives it. The dc stack reads the dr stack's `failover` output; a peer
 * with no outputs (initialised, never deployed) counts as not deployed.
 */
export async function resolveRole(config: SiteConfig): Promise<SiteRole> {
    let peer: PeerState | undefined;
    if (config.site === "dc" && config.failover.peerStack) {
        const ref = new pulumi.StackReference(`${config.site}-peer`, { name: config.failover.peerStack });
        const [site, flag, media] = await Promise.all([
            ref.getOutputDetails(OUTPUT.siteName),
            ref.getOutputDetails(OUTPUT.failover),
            ref.getOutputDetails(OUTPUT.mediaStorage),
        ]);
        peer = { deployed: site.value !== undefined, failover: flag.value === true };
        // Both sites must keep uploads in the same place: a restore of one site's sets on the other depends on it, and
        // the dc stack builds the media buckets dr's Ghost writes to. (A dr stack deployed before issue 13 has no such
        // output and is not checked.)
        if (media.value !== undefined && media.value !== config.media.mediaStorage) {
            throw new pulumi.RunError(
                `invalid stack config:\n${PROJECT}:mediaStorage is ${config.media.mediaStorage} on this stack but ` +
                    `${String(media.value)} on the dr stack ${config.failover.peerStack}; both sites must keep uploads ` +
                    `in the same place. Fix: pulumi config set ${PROJECT}:mediaStorage ${String(media.value)} (or change the ` +
                    `dr stack's and deploy it first)`,
            );
        }
    }
    return deriveRole({
        site: config.site,
        failover: config.failover.failover,
        peer,
        drMode: config.backup.drMode,
        dnsFailover: config.failover.dnsFailover,
        catchUpRestore: config.failover.catchUpRestore,
        maintenance: config.failover.maintenance,
        restoreRequested: config.backup.restoreBackupId !== undefined,
    });
}
