/**
 * Reading the recorded inputs (untyped JSON from the engine) without `any`, and showing values in full with the mocks'
 * placeholders labelled. Pure: no engine, no files.
 */
import { MOCK_ACCOUNT } from "../mocks";

export type Json = unknown;
export type JsonObject = Record<string, unknown>;

export function asObject(v: Json): JsonObject | undefined {
    return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as JsonObject) : undefined;
}

export function asArray(v: Json): unknown[] {
    return Array.isArray(v) ? (v as unknown[]) : [];
}

export function asString(v: Json): string | undefined {
    return typeof v === "string" ? v : undefined;
}

/** A number, or a numeric string (the engine sometimes hands numbers over as strings, e.g. a launch template version). */
export function asNumber(v: Json): number | undefined {
    if (typeof v === "number" && Number.isFinite(v)) return v;
    if (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v))) return Number(v);
    return undefined;
}

export function asBoolean(v: Json): boolean | undefined {
    return typeof v === "boolean" ? v : undefined;
}

/** `get(x, "spec", "template", "spec")`: the value at that path, or undefined. Array indices are numbers. */
export function get(v: Json, ...path: (string | number)[]): Json {
    let cur: Json = v;
    for (const key of path) {
        if (typeof key === "number") cur = asArray(cur)[key];
        else cur = asObject(cur)?.[key];
        if (cur === undefined) return undefined;
    }
    return cur;
}

/** Kubernetes quantities of storage ("20Gi", "512Mi", "1Ti") in GiB; undefined when not a size. */
export function gibOf(quantity: Json): number | undefined {
    const text = typeof quantity === "string" || typeof quantity === "number" ? String(quantity) : "";
    const m = /^(\d+(?:\.\d+)?)(Mi|Gi|Ti|M|G|T)?$/.exec(text.trim());
    if (!m) return undefined;
    const n = Number(m[1]);
    const unit = m[2] ?? "";
    const factor: Record<string, number> = {
        "": 1 / 1024 ** 3,
        Mi: 1 / 1024,
        Gi: 1,
        Ti: 1024,
        M: 1e6 / 1024 ** 3,
        G: 1e9 / 1024 ** 3,
    };
    return n * (factor[unit] ?? 1e12 / 1024 ** 3);
}

/** A reference to another resource as the SDK serializes it into a component's inputs (`{ __pulumiResource, __name }`). */
export function resourceRefName(v: Json): string | undefined {
    const o = asObject(v);
    return o?.__pulumiResource === true ? asString(o.__name) : undefined;
}

/**
 * Recognises what the mocks (tools/mocks.ts) answer for outputs that exist only after a deploy, so a reviewer does not
 * take them for real: ids `<name>-id`, `vpc-<name>`, `subnet-<name>-<type>-<n>`, `key-<name>`, every ARN in the mocks'
 * account (unless the stack file itself holds that ARN), and the values marked "mock" (`_mock.` ACM validation names,
 * `v0.0.0-eksbuild.mock`, `mrk-mock`, `https://<name>.eks.mock`, `MOCK...` OIDC ids and passwords).
 */
export class Placeholders {
    private readonly names: Set<string>;
    /** Config values (strings) of the stack file: what they contain is the user's, not the mocks'. */
    private readonly configValues: string[];

    constructor(resourceNames: Iterable<string>, configValues: Iterable<string> = []) {
        this.names = new Set(resourceNames);
        this.configValues = [...configValues].filter((v) => v.includes(MOCK_ACCOUNT));
    }

    is(value: string): boolean {
        if (/mock/i.test(value)) return true;
        if (value.includes(`:${MOCK_ACCOUNT}:`)) return !this.configValues.some((c) => value.includes(c));
        if (value.endsWith("-id") && this.names.has(value.slice(0, -3))) return true;
        if (/^(vpc|key)-/.test(value) && this.names.has(value.slice(4))) return true;
        const subnet = /^subnet-(.+)-(?:private|public)-\d+$/.exec(value);
        return subnet !== null && this.names.has(subnet[1]);
    }
}

export const PLACEHOLDER_LABEL = "(placeholder)";

export interface ShowOptions {
    placeholders?: Placeholders;
    /** Strings longer than this are summarised by length (never cut in the middle). Defaults to no limit. */
    maxString?: number;
}

/**
 * One value on one line, in full: strings bare, everything else as compact JSON with each placeholder string followed
 * by `(placeholder)`. Resource references print as `<resource name>`.
 */
export function show(v: Json, opts: ShowOptions = {}): string {
    const ref = resourceRefName(v);
    if (ref !== undefined) return `<resource ${ref}>`;
    if (typeof v === "string") return showString(v, opts, false);
    return showJson(v, opts);
}

function showString(s: string, opts: ShowOptions, quoted: boolean): string {
    if (opts.maxString !== undefined && s.length > opts.maxString) {
        return `<${s.includes("\n") ? `${s.split("\n").length} lines, ` : ""}${s.length} characters>`;
    }
    const text = quoted ? JSON.stringify(s) : s;
    return opts.placeholders?.is(s) ? `${text} ${PLACEHOLDER_LABEL}` : text;
}

function showJson(v: Json, opts: ShowOptions): string {
    const ref = resourceRefName(v);
    if (ref !== undefined) return `<resource ${ref}>`;
    if (typeof v === "string") return showString(v, opts, true);
    if (Array.isArray(v)) return `[${v.map((x) => showJson(x, opts)).join(",")}]`;
    const o = asObject(v);
    if (o) {
        return `{${Object.entries(o)
            .filter(([, x]) => x !== undefined)
            .map(([k, x]) => `${showString(k, opts, true)}:${showJson(x, opts)}`)
            .join(",")}}`;
    }
    return v === undefined ? "undefined" : JSON.stringify(v);
}

/** Money, two decimals, thousands separated: `$1,234.50`. */
export function usd(n: number): string {
    return `$${n.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}
