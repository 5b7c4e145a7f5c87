/**
 * The one place that decides what each site does. Everything that differs between the active and the standby
 * site (who publishes the public domain, who backs up, who restores) reads it from here.
 */
import type { Site } from "./config";

export interface SiteRole {
    /** Serves the public domain and accepts writes. */
    readonly active: boolean;
    /** Publishes `<domain>` in DNS (the site-specific `<site>.<domain>` is always published). */
    readonly publishesDomain: boolean;
}

/** Until the failover flag exists, dc is active and dr is the standby. */
export function siteRole(site: Site): SiteRole {
    const active = site === "dc";
    return { active, publishesDomain: active };
}
