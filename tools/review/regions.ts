/**
 * Which AWS region a planned resource is created in: its explicit AWS provider's (STYLE.md: providers are explicit),
 * else the stack's. Shared by the cost (prices are per region) and the media store's facts (a bucket per region).
 * Pure.
 */
import type { PlannedResource } from "./inventory";
import { asString } from "./values";

/** Region of each explicit AWS provider, by URN, from the planned providers' inputs. */
export function providerRegions(resources: readonly PlannedResource[]): Map<string, string> {
    const out = new Map<string, string>();
    for (const r of resources) {
        const region = asString(r.inputs.region);
        if (r.type === "pulumi:providers:aws" && region) out.set(r.urn, region);
    }
    return out;
}

/** The region a resource is created in: its explicit AWS provider's, else the stack's. */
export function regionOf(r: PlannedResource, regions: Map<string, string>, fallback: string): string {
    const urn = r.provider?.split("::").slice(0, -1).join("::");
    return (urn && regions.get(urn)) ?? fallback;
}
