/**
 * The one place that decides what each site does. Everything that differs between the active and the standby
 * site (who publishes the public domain, who backs up, who restores, whether Ghost runs) reads it from here.
 */
import type { DrMode, Site } from "./config";

export type RestoreMode = "none" | "scheduled" | "on-bring-up";

export interface SiteRole {
    /** Serves the public domain and accepts writes. */
    readonly active: boolean;
    /** Publishes `<domain>` in DNS (the site-specific `<site>.<domain>` is always published). */
    readonly publishesDomain: boolean;
    /** Runs the backup CronJob. A standby never does: it would publish stale backups. */
    readonly runsBackups: boolean;
    /** How this site restores the other site's backups: never while active. */
    readonly restore: RestoreMode;
    /** Ghost replicas: one on the active site; none on a standby, whose data the restore replaces under it. */
    readonly ghostReplicas: 0 | 1;
}

/** Until the failover flag exists, dc is active and dr is the standby. */
export function siteRole(site: Site, drMode: DrMode): SiteRole {
    const active = site === "dc";
    return {
        active,
        publishesDomain: active,
        runsBackups: active,
        restore: active ? "none" : drMode === "warm" ? "scheduled" : "on-bring-up",
        ghostReplicas: active ? 1 : 0,
    };
}
