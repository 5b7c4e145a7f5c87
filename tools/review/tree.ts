/**
 * The resource tree as a reviewer reads it: one headline per resource, then its inputs as `path: value` lines, every
 * value in full (never cut in the middle), the mocks' placeholders labelled. What would drown the tree is summarised
 * by shape and left to the files the plan writes: pod templates (manifests/), script and secret data (key names only),
 * tags (the provider's defaultTags). IAM policy documents print one statement per line. Pure.
 */
import { PlannedResource } from "./inventory";
import { asArray, asObject, asString, get, Json, JsonObject, Placeholders, resourceRefName, show } from "./values";

/** Compact JSON up to this length stays on one line; longer objects are opened one level down. */
const INLINE_MAX = 100;
/** Inputs every resource repeats or that only the engine reads. */
const SKIPPED = new Set(["apiVersion", "kind", "tags", "__defaults"]);

export type Field = readonly [path: string, value: string];

function isPolicyDocument(v: Json): v is JsonObject {
    return asObject(v) !== undefined && Array.isArray(get(v, "Statement"));
}

function parseJsonString(v: Json): Json {
    if (typeof v !== "string" || !/^\s*\{/.test(v)) return undefined;
    try {
        return JSON.parse(v) as Json;
    } catch {
        return undefined;
    }
}

const list = (v: Json): unknown[] => (Array.isArray(v) ? (v as unknown[]) : v === undefined ? [] : [v]);

/** One IAM statement on one line: `Allow s3:GetObject, s3:PutObject on <arns> for <principal> if <condition>`. */
export function statementLine(st: Json, ph?: Placeholders): string {
    const s = (v: Json) => show(v, { placeholders: ph });
    const parts = [
        asString(get(st, "Sid")) ? `[${asString(get(st, "Sid"))}]` : undefined,
        asString(get(st, "Effect")) ?? "?",
        list(get(st, "Action") ?? get(st, "NotAction"))
            .map((a) => String(a))
            .join(", "),
        get(st, "Principal") !== undefined ? `by ${s(get(st, "Principal"))}` : undefined,
        get(st, "Resource") !== undefined ? `on ${list(get(st, "Resource")).map(s).join(", ")}` : undefined,
        get(st, "NotResource") !== undefined ? `on all but ${list(get(st, "NotResource")).map(s).join(", ")}` : undefined,
        get(st, "Condition") !== undefined ? `if ${s(get(st, "Condition"))}` : undefined,
    ];
    return parts.filter((p) => p !== undefined && p !== "").join(" ");
}

/** A pod template, summarised: service account, each container's image and resources, volumes by name. */
function podFields(path: string, template: Json, ph?: Placeholders): Field[] {
    const s = (v: Json) => show(v, { placeholders: ph });
    const spec = get(template, "spec");
    const containers = (key: string) =>
        asArray(get(spec, key)).map(
            (c) =>
                `${asString(get(c, "name")) ?? "?"}=${s(get(c, "image"))}${get(c, "resources") ? ` ${s(get(c, "resources"))}` : ""}`,
        );
    const out: Field[] = [];
    if (get(template, "metadata") !== undefined) out.push([`${path}.metadata`, s(get(template, "metadata"))]);
    if (get(spec, "serviceAccountName")) out.push([`${path}.spec.serviceAccountName`, s(get(spec, "serviceAccountName"))]);
    if (get(spec, "restartPolicy")) out.push([`${path}.spec.restartPolicy`, s(get(spec, "restartPolicy"))]);
    for (const [i, c] of containers("initContainers").entries()) out.push([`${path}.spec.initContainers[${i}]`, c]);
    for (const [i, c] of containers("containers").entries()) out.push([`${path}.spec.containers[${i}]`, c]);
    const volumes = asArray(get(spec, "volumes")).map((v) => asString(get(v, "name")) ?? "?");
    if (volumes.length) out.push([`${path}.spec.volumes`, `${volumes.join(", ")} (full pod spec in manifests/)`]);
    return out;
}

function dataKeys(v: Json): string {
    const o = asObject(v) ?? {};
    return Object.entries(o)
        .map(([k, x]) =>
            typeof x === "string" && x !== "[secret]" ? `${k} (${x.length} chars)` : `${k}${x === "[secret]" ? " [secret]" : ""}`,
        )
        .join(", ");
}

function flatten(path: string, v: Json, ph: Placeholders | undefined, depth: number): Field[] {
    const s = (x: Json) => show(x, { placeholders: ph });
    if (v === undefined) return [];
    const leaf = path.split(".").pop() ?? path;
    if (/^(template)$/.test(leaf) && get(v, "spec", "containers") !== undefined) return podFields(path, v, ph);
    if (leaf === "data" || leaf === "stringData" || leaf === "binaryData") return [[path, `keys ${dataKeys(v)}`]];
    if (leaf === "kubeconfig" && typeof v === "string") {
        const server = asString(get(parseJsonString(v), "clusters", 0, "cluster", "server"));
        return [[path, v === "[secret]" ? "[secret]" : `kubeconfig of server ${server ? s(server) : "?"}`]];
    }
    const parsed = parseJsonString(v);
    if (isPolicyDocument(parsed)) {
        return asArray(parsed.Statement).map((st, i): Field => [`${path}.Statement[${i}]`, statementLine(st, ph)]);
    }
    if (resourceRefName(v) !== undefined || typeof v !== "object" || v === null) return [[path, s(v)]];
    const compact = s(v);
    if (compact.length <= INLINE_MAX || depth >= 4) return [[path, compact]];
    if (Array.isArray(v)) return v.flatMap((x, i) => flatten(`${path}[${i}]`, x, ph, depth + 1));
    return Object.entries(v as JsonObject).flatMap(([k, x]) =>
        flatten(/^[A-Za-z_$][\w$-]*$/.test(k) ? `${path}.${k}` : `${path}[${JSON.stringify(k)}]`, x, ph, depth + 1),
    );
}

/** The `path: value` lines of one resource's inputs. */
export function reviewFields(r: PlannedResource, ph?: Placeholders): Field[] {
    const out: Field[] = [];
    for (const [k, v] of Object.entries(r.inputs).sort(([a], [b]) => a.localeCompare(b))) {
        if (SKIPPED.has(k)) continue;
        // Remote components get a serialized copy of every resource passed in; the reference is what matters.
        out.push(...flatten(k, v, ph, 1));
    }
    return out;
}

export function renderTree(resources: readonly PlannedResource[], ph?: Placeholders): string {
    const children = new Map<string | undefined, PlannedResource[]>();
    for (const r of resources) {
        const list = children.get(r.parent) ?? [];
        list.push(r);
        children.set(r.parent, list);
    }
    const urns = new Set(resources.map((r) => r.urn));
    const lines: string[] = [];
    const emit = (r: PlannedResource, indent: string, parentNote = "") => {
        lines.push(`${indent}${r.type}  ${r.name}${r.remote ? "  (remote component)" : ""}${parentNote}`);
        for (const [path, value] of reviewFields(r, ph)) lines.push(`${indent}    ${path}: ${value}`);
    };
    const walk = (parent: string | undefined, indent: string) => {
        for (const r of (children.get(parent) ?? []).sort((a, b) => a.name.localeCompare(b.name))) {
            emit(r, indent);
            walk(r.urn, `${indent}  `);
        }
    };
    walk(undefined, "");
    // Anything whose parent was not recorded still shows, at the top.
    for (const r of resources) {
        if (r.parent && !urns.has(r.parent)) emit(r, "", `  (parent ${r.parent})`);
    }
    return lines.join("\n");
}
