/**
 * The layers a reviewer reads a deployment by, and which resource belongs to which: a resource takes the layer of its
 * top-level component (components are `ghost-dcdr:<module>:<Type>`, STYLE.md), so a new child lands in the right layer
 * without a change here. A component nobody mapped shows as "other", never silently dropped. Pure.
 */

export const LAYERS = ["network", "cluster", "add-ons", "app", "data", "media", "DNS", "stack"] as const;
export type Layer = (typeof LAYERS)[number] | "other";

/** What each layer holds, for the summary's headings. */
export const LAYER_TITLES: Readonly<Record<Layer, string>> = {
    network: "VPC, subnets, routes, NAT",
    cluster: "EKS control plane, node group, cluster identity",
    "add-ons": "cluster add-ons: autoscaler, load balancer controller, ExternalDNS, EBS CSI",
    app: "Ghost and its namespace",
    data: "MariaDB, Ghost's content volume, backups and restores",
    media: "uploads: media buckets, CDN, certificate",
    DNS: "public records and the TLS certificate",
    stack: "the stack, its providers and stack references",
    other: "components this review does not map to a layer (add them to tools/review/layers.ts)",
};

/**
 * Component type prefix -> layer; the longest matching prefix wins. Keyed by the type token, not the resource name,
 * so renaming a resource never moves it.
 */
export const LAYER_BY_TYPE: Readonly<Record<string, Layer>> = {
    "ghost-dcdr:network:": "network",
    "ghost-dcdr:cluster:": "cluster",
    "ghost-dcdr:addons:": "add-ons",
    "ghost-dcdr:storage:": "add-ons",
    "ghost-dcdr:ghost:Ghost": "app",
    "ghost-dcdr:ghost:GhostContent": "data",
    "ghost-dcdr:mariadb:": "data",
    "ghost-dcdr:backup:": "data",
    // The media store (issue 13) with its own certificate child: the top-level component decides, so it stays here.
    "ghost-dcdr:media:": "media",
    "ghost-dcdr:dns:": "DNS",
    "ghost-dcdr:certificate:": "DNS",
    "pulumi:": "stack",
    // Top-level Kubernetes objects outside any component (the app namespace).
    "kubernetes:core/v1:Namespace": "app",
};

export function layerOfType(type: string): Layer {
    let best: { prefix: string; layer: Layer } | undefined;
    for (const [prefix, layer] of Object.entries(LAYER_BY_TYPE)) {
        if (type.startsWith(prefix) && (!best || prefix.length > best.prefix.length)) best = { prefix, layer };
    }
    return best?.layer ?? "other";
}

export interface Parented {
    readonly urn: string;
    readonly type: string;
    readonly parent?: string;
}

/** The layer of each resource (by URN): that of its top-level ancestor's type. */
export function layersOf<R extends Parented>(resources: readonly R[]): Map<string, Layer> {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const out = new Map<string, Layer>();
    for (const r of resources) {
        let top: R = r;
        const seen = new Set<string>();
        while (top.parent && byUrn.has(top.parent) && !seen.has(top.urn)) {
            seen.add(top.urn);
            top = byUrn.get(top.parent)!;
        }
        out.set(r.urn, layerOfType(top.type));
    }
    return out;
}
