/** JSON Schema validation (Ajv) shared by the CRD and Helm values checks: one configuration, one error format. */
import Ajv, { ErrorObject, Options } from "ajv";
import Ajv2019 from "ajv/dist/2019";
import Ajv2020 from "ajv/dist/2020";
import type AjvCore from "ajv/dist/core";
import { formatPath } from "./problems";

const OPTIONS: Options = {
    // CRD schemas carry Kubernetes keywords (x-kubernetes-*) that are not JSON Schema; they must not fail compilation.
    strict: false,
    // Every error, not the first: each is one problem line.
    allErrors: true,
    // Ajv ships no format validators (that is ajv-formats); OpenAPI's int32, int64, date-time, ... are left to the
    // API server, as unknown formats. Types, enums, patterns and unknown fields are what these checks are for.
    validateFormats: false,
};

/** The JSON Schema drafts a contract may declare in `$schema`, each with the Ajv class that implements it. */
const DRAFTS: Record<string, () => AjvCore> = {
    "json-schema.org/draft-07/schema": () => new Ajv(OPTIONS),
    "json-schema.org/draft/2019-09/schema": () => new Ajv2019(OPTIONS),
    "json-schema.org/draft/2020-12/schema": () => new Ajv2020(OPTIONS),
};

/** Draft-07, the draft Ajv's default class implements: for CRD schemas (OpenAPI v3 subset), which declare none. */
export const newAjv = (): AjvCore => new Ajv(OPTIONS);

/**
 * An Ajv for the draft a schema declares in `$schema` (scheme and trailing `#` ignored), or the reason there is
 * none: validating a 2020-12 schema with draft-07 rules would silently skip keywords.
 */
export function ajvForDeclaredDraft(schema: unknown): AjvCore | string {
    const declared = (schema as { $schema?: unknown } | null)?.$schema;
    if (typeof declared !== "string") return "declares no $schema, so its draft is unknown";
    const key = declared.replace(/^https?:\/\//, "").replace(/#$/, "");
    const make = DRAFTS[key];
    return make ? make() : `declares $schema ${declared}, which this check does not know (it knows draft-07, 2019-09, 2020-12)`;
}

export interface SchemaError {
    /** Where in the validated value, e.g. `spec.storage.size`. */
    readonly path: string;
    readonly message: string;
}

/** Ajv's errors as path + message, an unknown field named in its path; values are never echoed (they may be secret). */
export function schemaErrors(errors: readonly ErrorObject[] | null | undefined): SchemaError[] {
    const out: SchemaError[] = [];
    const seen = new Set<string>();
    for (const e of errors ?? []) {
        const segments: (string | number)[] = e.instancePath
            .split("/")
            .slice(1)
            .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
            .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
        let message = e.message ?? e.keyword;
        const params = e.params as { additionalProperty?: string; allowedValues?: unknown[] };
        if (e.keyword === "additionalProperties" && params.additionalProperty !== undefined) {
            segments.push(params.additionalProperty);
            message = "unknown field (not in the schema)";
        } else if (e.keyword === "enum" && params.allowedValues) {
            message = `${message}: ${params.allowedValues.map((v) => JSON.stringify(v)).join(", ")}`;
        }
        const error = { path: formatPath(segments), message };
        const key = `${error.path}\n${error.message}`;
        if (!seen.has(key)) out.push(error);
        seen.add(key);
    }
    return out;
}
