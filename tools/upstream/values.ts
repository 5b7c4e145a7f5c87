/**
 * Helm releases against their pins and their charts' values contracts. Helm ignores a value no template reads:
 * a key that a chart renamed or never had is a setting that silently does nothing. So every key path we set must
 * be one the chart's values.yaml has, and where the chart publishes a values.schema.json our values must pass it,
 * as `helm install` would check them.
 */
import type { Contract } from "../../components/pins";
import type { ContractStore, PinContracts } from "./contracts";
import type { PlannedResource } from "./plan";
import { CheckOutcome, formatPath, isPlainObject, Problem } from "./problems";
import { ajvForDeclaredDraft, SchemaError, schemaErrors } from "./schema";

/**
 * Maps whose keys a chart passes through although values.yaml gives them a non-empty default (a `{}` default is
 * recognised as free-form without being listed here). Each needs the reason, from the chart's templates.
 */
export const FREE_FORM_VALUES: readonly { readonly chart: string; readonly path: string; readonly reason: string }[] = [
    {
        chart: "cluster-autoscaler",
        path: "extraArgs",
        reason:
            "templates/deployment.yaml renders every key as --<key>=<value>; values.yaml sets only the logging flags " +
            "and lists other flags in comments (kubernetes/autoscaler cluster-autoscaler/charts/cluster-autoscaler)",
    },
];

export interface KeyProblem {
    /** Key path in the release's values, e.g. `serviceAccount.nmae`. */
    readonly path: string;
    readonly message: string;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * Whether a comment in values.yaml mentions `key:` (charts document optional keys that way). A hint for the
 * reader only, by key name, not by path: the key is reported either way.
 */
function inComment(valuesText: string, key: string): boolean {
    return new RegExp(`^[ \\t]*#+[ \\t]*(?:-[ \\t]+)?["']?${escapeRegExp(key)}["']?[ \\t]*:`, "m").test(valuesText);
}

function shapeOf(v: unknown): string {
    if (Array.isArray(v)) return "a list";
    return isPlainObject(v) ? "a map" : `a ${typeof v}`;
}

/**
 * Every key path set in `ours` that `defaults` (the chart's values.yaml) does not have. The walk descends only
 * while both sides are maps, and stops where the chart takes anything:
 * - a key whose default is `{}`: a free-form map (annotations, labels, nodeSelector, resources, ...);
 * - a key whose default is null: the chart documents the key but gives it no shape (its templates render what
 *   they are given, usually with toYaml), so nothing below it can be checked;
 * - a path in `freeForm` (FREE_FORM_VALUES for this chart).
 * Lists and scalars are leaves. A key that values.yaml mentions only in a comment is not a key of the chart.
 */
export function unknownValueKeys(
    ours: Readonly<Record<string, unknown>>,
    defaults: unknown,
    options: { readonly freeForm?: readonly string[]; readonly valuesText?: string } = {},
): KeyProblem[] {
    const problems: KeyProblem[] = [];
    const walk = (mine: Readonly<Record<string, unknown>>, theirs: Readonly<Record<string, unknown>>, at: string[]) => {
        for (const [key, value] of Object.entries(mine)) {
            const segments = [...at, key];
            const path = formatPath(segments);
            if (!Object.hasOwn(theirs, key)) {
                const comment = options.valuesText !== undefined && inComment(options.valuesText, key);
                problems.push({
                    path,
                    message: `not in the chart's values.yaml${comment ? ` (only a comment there mentions "${key}:")` : ""}`,
                });
                continue;
            }
            const upstream = theirs[key];
            if (!isPlainObject(value) || upstream === null || options.freeForm?.includes(path)) continue;
            if (!isPlainObject(upstream)) {
                const keys = Object.keys(value).join(", ") || "an empty map";
                problems.push({ path, message: `values.yaml has ${shapeOf(upstream)} here, not a map (ours sets ${keys})` });
            } else if (Object.keys(upstream).length > 0) {
                walk(value, upstream, segments);
            }
        }
    };
    walk(ours, isPlainObject(defaults) ? defaults : {}, []);
    return problems;
}

/**
 * The values Helm validates: ours over the chart's defaults, maps merged key by key, anything else replaced, and
 * a null of ours deleting the default (Helm's coalescing). Helm checks values.schema.json against this, not
 * against the user's values alone, so a `required` key the defaults supply passes.
 */
export function coalesceValues(defaults: unknown, ours: unknown): unknown {
    if (!isPlainObject(defaults) || !isPlainObject(ours)) return ours;
    const out: Record<string, unknown> = { ...defaults };
    for (const [key, value] of Object.entries(ours)) {
        if (value === null) delete out[key];
        else out[key] = coalesceValues(defaults[key], value);
    }
    return out;
}

/** Schema errors of `values` against a chart's values.schema.json, or why it cannot be validated. */
export function validateValues(values: unknown, schema: unknown): SchemaError[] | string {
    const ajv = ajvForDeclaredDraft(schema);
    if (typeof ajv === "string") return ajv;
    let validate;
    try {
        validate = ajv.compile(schema as object);
    } catch (e) {
        return `does not compile: ${(e as Error).message}`;
    }
    return validate(values) ? [] : schemaErrors(validate.errors);
}

const RELEASE = "kubernetes:helm.sh/v3:Release";

/** One release against its pin and the pin's helm-values and helm-values-schema contracts. */
function checkRelease(r: PlannedResource, pins: readonly PinContracts[], store: ContractStore): string[] {
    const chart = String(r.inputs.chart);
    const version = String(r.inputs.version);
    const pin = pins.find((p) => p.chart?.chart === chart);
    if (!pin?.chart) return [`helm-release: Release ${chart}@${version}: no pin for this chart in components/pins.ts`];
    const out: string[] = [];
    if (version !== pin.chart.version) {
        out.push(`helm-release: Release ${chart}: version ${version} is not the pinned ${pin.chart.version} (${pin.pin})`);
    }
    const values = r.inputs.values ?? {};
    if (!isPlainObject(values)) return [...out, `helm-release: Release ${chart}: values are ${shapeOf(values)}, not a map`];
    const of = (kind: Contract["kind"]) => pin.contracts.filter((c) => c.kind === kind);
    let defaults: unknown;
    for (const contract of of("helm-values")) {
        const loaded = store.load(contract, "yaml");
        if (loaded === undefined) continue;
        defaults ??= loaded;
        const freeForm = FREE_FORM_VALUES.filter((f) => f.chart === chart).map((f) => f.path);
        for (const p of unknownValueKeys(values, loaded, { freeForm, valuesText: store.text(contract, "yaml") })) {
            out.push(`helm-values ${contract.file}: Release ${chart}: ${p.path}: ${p.message}`);
        }
    }
    for (const contract of of("helm-values-schema")) {
        const schema = store.load(contract, "json");
        if (schema === undefined) continue;
        // Without a helm-values contract there are no defaults to coalesce with: our values are validated alone.
        const result = validateValues(coalesceValues(defaults ?? {}, values), schema);
        if (typeof result === "string") out.push(`helm-values-schema ${contract.file}: ${result}`);
        else for (const e of result) out.push(`helm-values-schema ${contract.file}: Release ${chart}: ${e.path}: ${e.message}`);
    }
    return out;
}

/** Every Helm release of a stack against its pin and the pin's values contracts. */
export function checkHelmReleases(stack: string, resources: readonly PlannedResource[], store: ContractStore): CheckOutcome {
    const releases = resources.filter((r) => r.type === RELEASE);
    const problems: Problem[] = releases.flatMap((r) => checkRelease(r, store.pins, store).map((text) => ({ stack, text })));
    return { problems, checked: releases.length };
}
