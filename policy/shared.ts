/**
 * What every domain file of the pack shares: the shapes of a policy and of a resource as a policy sees it, and small
 * readers over the untyped JSON the engine hands in.
 *
 * A resource policy is `validate(type, inputs) => messages`; a stack policy is `validateStack(resources) =>
 * violations`, for invariants that span several resources (in AWS provider v7 a bucket's versioning,
 * encryption, public access block, policy and replication are separate resources). Every message names what is
 * wrong and ends with `Fix: ...`, the remediation.
 *
 * Inputs are plain JSON (secrets unwrapped). Under `pulumi preview` the pack hands in @pulumi/policy's proxy,
 * which throws on a value that is not known yet; the framework then reports "can't run policy during preview"
 * as advisory and the policy runs for real during `pulumi up`. So the policies read only what they need.
 */

export type EnforcementLevel = "advisory" | "mandatory";
export type Props = Record<string, unknown>;

export interface PolicyInfo {
    /** Unique in the pack; what `pulumi preview` prints. */
    readonly name: string;
    readonly description: string;
    readonly enforcementLevel: EnforcementLevel;
    /** How to fix a violation, in general terms; each message says it for the resource at hand. */
    readonly remediation: string;
}

export interface ResourcePolicy extends PolicyInfo {
    /** Resource types this policy looks at; `validate` returns nothing for any other type. */
    readonly resourceTypes: readonly string[];
    validate(type: string, inputs: Props): string[];
}

/** One registered resource, as a stack policy sees it. */
export interface StackResource {
    readonly type: string;
    readonly name: string;
    readonly urn: string;
    /** The resource's properties (inputs under mocks, the engine's planned state under the pack). */
    readonly inputs: Props;
    /** Provider id, when the caller knows it (the mocks do; the engine puts `id` in `inputs` for bridged resources). */
    readonly id?: string;
    /** ARN, when the caller knows it. */
    readonly arn?: string;
    /** Property name -> URNs the property's value came from (the engine's propertyDependencies). */
    readonly propertyDependencies?: Readonly<Record<string, readonly string[]>>;
}

export interface StackViolation {
    /** The resource to fix. */
    readonly urn: string;
    readonly message: string;
}

export interface StackPolicy extends PolicyInfo {
    validateStack(resources: readonly StackResource[]): StackViolation[];
}

// ------------------------------------------------------------------------------------------------
// Small readers over untyped JSON.

export function isRecord(v: unknown): v is Props {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The value at `path`, or undefined when any step is missing. */
export function at(v: unknown, ...path: (string | number)[]): unknown {
    let cur = v;
    for (const key of path) {
        if (Array.isArray(cur) && typeof key === "number") cur = cur[key];
        else if (isRecord(cur) && typeof key === "string") cur = cur[key];
        else return undefined;
    }
    return cur;
}

export function asArray(v: unknown): unknown[] {
    if (v === undefined || v === null) return [];
    return Array.isArray(v) ? v : [v];
}

export function asStrings(v: unknown): string[] {
    return asArray(v).filter((x): x is string => typeof x === "string");
}

export function nonEmptyString(v: unknown): v is string {
    return typeof v === "string" && v.trim() !== "";
}

// ------------------------------------------------------------------------------------------------
// IAM policy documents: read by the IAM policies and by the S3 bucket-policy check.

/** A JSON document given as a string (`JSON.stringify` in the program) or as an object. */
function parseDocument(v: unknown): Props | undefined {
    if (isRecord(v)) return v;
    if (typeof v !== "string") return undefined;
    try {
        const parsed: unknown = JSON.parse(v);
        return isRecord(parsed) ? parsed : undefined;
    } catch {
        return undefined;
    }
}

/** One statement of a policy document, its fields normalised to lists. */
export interface Statement {
    effect: string;
    actions: string[];
    notActions: string[];
    resources: string[];
    notResources: string[];
    condition: Props | undefined;
    principal: unknown;
    /** `Statement "<Sid>"`, or `Statement[<index>]` without a Sid, for messages. */
    sid: string;
}

export function statementsOf(document: unknown): Statement[] {
    const doc = parseDocument(document);
    if (!doc) return [];
    return asArray(doc.Statement)
        .filter(isRecord)
        .map((s, i) => ({
            effect: typeof s.Effect === "string" ? s.Effect : "Allow",
            actions: asStrings(s.Action),
            notActions: asStrings(s.NotAction),
            resources: asStrings(s.Resource),
            notResources: asStrings(s.NotResource),
            condition: isRecord(s.Condition) ? s.Condition : undefined,
            principal: s.Principal,
            sid: typeof s.Sid === "string" ? `Statement ${JSON.stringify(s.Sid)}` : `Statement[${i}]`,
        }));
}
