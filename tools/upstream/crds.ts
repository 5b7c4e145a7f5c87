/**
 * Custom resources against the CRDs their operator publishes for the pinned release. The API server prunes
 * fields a structural schema does not list, silently: a misspelt or outdated field is not an error there, it is a
 * setting that never takes effect. So unknown fields are rejected here, where the API server would drop them.
 */
import type { ValidateFunction } from "ajv";
import type { Contract } from "../../components/pins";
import type { ContractStore } from "./contracts";
import type { PlannedResource } from "./plan";
import { CheckOutcome, isPlainObject, Problem } from "./problems";
import { newAjv, SchemaError, schemaErrors } from "./schema";

/** API groups whose objects must validate against a `crds` contract: mariadb-operator's. */
export const CUSTOM_RESOURCE_GROUPS: readonly string[] = ["k8s.mariadb.com"];

export interface CrdVersion {
    readonly group: string;
    readonly version: string;
    readonly kind: string;
    readonly served: boolean;
    /** `openAPIV3Schema` of this version. */
    readonly schema: unknown;
}

/** Each version of each CustomResourceDefinition in a multi-document YAML (other documents are skipped). */
export function crdVersions(docs: unknown): CrdVersion[] {
    const out: CrdVersion[] = [];
    for (const doc of Array.isArray(docs) ? docs : [docs]) {
        if (!isPlainObject(doc) || doc.kind !== "CustomResourceDefinition" || !isPlainObject(doc.spec)) continue;
        const { group, names, versions } = doc.spec as { group?: unknown; names?: { kind?: unknown }; versions?: unknown };
        for (const v of Array.isArray(versions) ? (versions as Record<string, unknown>[]) : []) {
            out.push({
                group: String(group),
                version: String(v.name),
                kind: String(names?.kind),
                served: v.served === true,
                schema: (v.schema as { openAPIV3Schema?: unknown } | undefined)?.openAPIV3Schema,
            });
        }
    }
    return out;
}

/**
 * A copy of a structural schema that rejects unknown fields: every object schema that lists `properties` and
 * says nothing about others (no `additionalProperties`, no `x-kubernetes-preserve-unknown-fields: true`) gets
 * `additionalProperties: false`, the fields the API server would prune. Only structural positions are walked
 * (properties, items, additionalProperties): Kubernetes forbids declaring fields inside allOf/anyOf/oneOf/not,
 * so closing a branch there would reject fields its parent lists.
 */
export function tightenSchema(schema: unknown): unknown {
    if (!isPlainObject(schema)) return schema;
    const out: Record<string, unknown> = { ...schema };
    if (isPlainObject(schema.properties)) {
        out.properties = Object.fromEntries(Object.entries(schema.properties).map(([k, v]) => [k, tightenSchema(v)]));
        if (!("additionalProperties" in schema) && schema["x-kubernetes-preserve-unknown-fields"] !== true) {
            out.additionalProperties = false;
        }
    }
    if (isPlainObject(schema.additionalProperties)) out.additionalProperties = tightenSchema(schema.additionalProperties);
    if (Array.isArray(schema.items)) out.items = schema.items.map(tightenSchema);
    else if (isPlainObject(schema.items)) out.items = tightenSchema(schema.items);
    return out;
}

/** `kubernetes:<group>/<version>:<kind>` -> its parts; undefined for core types and non-Kubernetes types. */
export function groupVersionKind(type: string): { group: string; version: string; kind: string } | undefined {
    const m = /^kubernetes:([^/:]+\.[^/:]+)\/([^/:]+):([^/:]+)$/.exec(type);
    return m ? { group: m[1], version: m[2], kind: m[3] } : undefined;
}

const validators = new WeakMap<ContractStore, Map<string, ValidateFunction>>();

/** Compiles each CRD version once per store: the MariaDB schema alone is hundreds of kilobytes. */
function validatorFor(store: ContractStore, file: string, crd: CrdVersion): ValidateFunction {
    const cache = validators.get(store) ?? new Map<string, ValidateFunction>();
    validators.set(store, cache);
    const key = `${file}#${crd.group}/${crd.version}/${crd.kind}`;
    let validate = cache.get(key);
    if (!validate) {
        validate = newAjv().compile(tightenSchema(crd.schema) as object);
        cache.set(key, validate);
    }
    return validate;
}

/** Schema errors of one object against one CRD version (tightened). */
export function validateAgainstCrd(
    obj: unknown,
    crd: CrdVersion,
    validate = newAjv().compile(tightenSchema(crd.schema) as object),
): SchemaError[] {
    return validate(obj) ? [] : schemaErrors(validate.errors);
}

/** Every object of a listed group, against the CRD of its group/version/kind in the pins' `crds` contracts. */
export function checkCustomResources(stack: string, resources: readonly PlannedResource[], store: ContractStore): CheckOutcome {
    const problems: Problem[] = [];
    let checked = 0;
    const contracts: Contract[] = store
        .all()
        .map(({ contract }) => contract)
        .filter((c) => c.kind === "crds");
    for (const r of resources) {
        const gvk = groupVersionKind(r.type);
        if (!gvk || !CUSTOM_RESOURCE_GROUPS.includes(gvk.group)) continue;
        checked++;
        const obj = r.inputs as { metadata?: { name?: string } };
        const subject = `${gvk.kind} ${obj.metadata?.name ?? r.name} (${gvk.group}/${gvk.version})`;
        const unreadable: string[] = [];
        const found = contracts.flatMap((contract) => {
            const docs = store.load(contract, "yaml-all");
            if (docs === undefined) unreadable.push(contract.file);
            return crdVersions(docs)
                .filter((v) => v.group === gvk.group && v.version === gvk.version && v.kind === gvk.kind)
                .map((crd) => ({ contract, crd }));
        });
        // With every crds contract unreadable, the missing or broken file is the problem, already reported once.
        if (found.length === 0 && contracts.length > 0 && unreadable.length === contracts.length) continue;
        if (found.length === 0) {
            const where = contracts.map((c) => c.file).join(", ") || "components/pins.ts (no pin lists a crds contract)";
            const note = unreadable.length > 0 ? ` (${unreadable.join(", ")} could not be read)` : "";
            problems.push({ stack, text: `crds: ${subject}: no CRD for this group/version/kind in ${where}${note}` });
            continue;
        }
        const { contract, crd } = found[0];
        if (!crd.served)
            problems.push({ stack, text: `crds ${contract.file}: ${subject}: the CRD does not serve ${gvk.version}` });
        for (const e of validateAgainstCrd(obj, crd, validatorFor(store, contract.file, crd))) {
            problems.push({ stack, text: `crds ${contract.file}: ${subject}: ${e.path}: ${e.message}` });
        }
    }
    return { problems, checked };
}
