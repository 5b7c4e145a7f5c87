/**
 * IAM policies of third-party controllers against the policy their project publishes for the pinned release.
 * A controller calls what its code calls: a statement of upstream's that we lack breaks a feature at run time
 * (issue 9: our load balancer policy conditioned on a tag the controller no longer sets), and a statement of ours
 * that upstream lacks is a permission nobody reviewed. Statements are compared whole, after normalising what IAM
 * treats as equal (order of actions and resources, Sid, `true` and "true").
 */
import type { ContractStore } from "./contracts";
import type { PlannedResource } from "./plan";
import { CheckOutcome, isPlainObject, Problem } from "./problems";

/** A statement as IAM compares it: sets sorted, Sid dropped, condition values as strings. */
export interface Statement {
    /** How a message names it: its Sid, else its first action and count (and its resource when not `*`). */
    readonly label: string;
    readonly effect: string;
    readonly action?: readonly string[];
    readonly notAction?: readonly string[];
    readonly resource?: readonly string[];
    readonly notResource?: readonly string[];
    /** Operator -> key -> sorted values; IAM reads `true` and "true" alike, so every value is a string. */
    readonly condition: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>>;
    /** Canonical form: equal keys mean equal statements. */
    readonly key: string;
}

const stringSet = (v: unknown): string[] | undefined =>
    v === undefined ? undefined : [...new Set((Array.isArray(v) ? v : [v]).map((x) => String(x)))].sort();

const sortedEntries = <T>(o: Record<string, T>): [string, T][] => Object.entries(o).sort(([a], [b]) => a.localeCompare(b));

/** Normalises one statement of a policy document; throws naming what is not a statement. */
export function normaliseStatement(raw: unknown): Statement {
    if (!isPlainObject(raw)) throw new Error(`statement ${JSON.stringify(raw)} is not an object`);
    const condition: Record<string, Record<string, string[]>> = {};
    for (const [operator, keys] of sortedEntries(isPlainObject(raw.Condition) ? raw.Condition : {})) {
        if (!isPlainObject(keys)) throw new Error(`condition operator ${operator} does not map keys to values`);
        condition[operator] = Object.fromEntries(sortedEntries(keys).map(([k, v]) => [k, stringSet(v) ?? []]));
    }
    const fields = {
        effect: String(raw.Effect),
        action: stringSet(raw.Action),
        notAction: stringSet(raw.NotAction),
        resource: stringSet(raw.Resource),
        notResource: stringSet(raw.NotResource),
        condition,
    };
    return { ...fields, label: labelOf(raw), key: JSON.stringify(fields) };
}

const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);

function labelOf(raw: Record<string, unknown>): string {
    if (typeof raw.Sid === "string" && raw.Sid !== "") return `Sid ${raw.Sid}`;
    const negated = raw.Action === undefined && raw.NotAction !== undefined;
    const actions = asArray(negated ? raw.NotAction : raw.Action);
    const resources = asArray(raw.Resource);
    const first = `${negated ? "NotAction " : ""}${String(actions[0])} (${actions.length} action${actions.length === 1 ? "" : "s"})`;
    if (resources.length === 0 || (resources.length === 1 && resources[0] === "*")) return first;
    return `${first} on ${String(resources[0])}${resources.length > 1 ? ` (+${resources.length - 1})` : ""}`;
}

/** The statements of a policy document (object or JSON string). */
export function normalisePolicy(doc: unknown): Statement[] {
    const parsed: unknown = typeof doc === "string" ? JSON.parse(doc) : doc;
    if (!isPlainObject(parsed) || parsed.Statement === undefined) throw new Error("not an IAM policy document (no Statement)");
    return (Array.isArray(parsed.Statement) ? parsed.Statement : [parsed.Statement]).map(normaliseStatement);
}

/**
 * A documented way in which our policy may go beyond upstream's. `judge` says whether a statement of ours is
 * one: undefined when the extension has nothing to say about it, [] when it is one, else why it is not.
 */
export interface PolicyExtension {
    readonly name: string;
    /** Where upstream documents it. */
    readonly citation: string;
    readonly judge: (s: Statement) => string[] | undefined;
    /** Most distinct resources its statements in one policy may name together. */
    readonly maxResources: number;
}

const EBS_KMS_ACTIONS = ["kms:CreateGrant", "kms:Decrypt", "kms:GenerateDataKeyWithoutPlaintext"];
/** One key: no wildcard, no alias (an alias can be repointed to another key). */
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;
const GRANT_FOR_AWS_RESOURCE = JSON.stringify({ Bool: { "kms:GrantIsForAWSResource": ["true"] } });

/**
 * Customer-managed key encryption of EBS volumes: the driver's role needs these three actions on the key
 * (kubernetes-sigs/aws-ebs-csi-driver docs/install.md at v1.64.0, "Encrypted EBS Volumes via KMS"). We allow
 * them on the one volume key only; the `kms:GrantIsForAWSResource` condition on CreateGrant only narrows.
 */
export const EBS_KMS_EXTENSION: PolicyExtension = {
    name: "KMS on the volume key",
    citation: 'kubernetes-sigs/aws-ebs-csi-driver docs/install.md at v1.64.0, "Encrypted EBS Volumes via KMS"',
    maxResources: 1,
    judge: (s) => {
        const actions = s.action ?? s.notAction ?? [];
        if (!actions.some((a) => a.toLowerCase().startsWith("kms:"))) return undefined;
        const reasons: string[] = [];
        if (s.effect !== "Allow") reasons.push(`Effect ${s.effect}`);
        if (s.notAction) reasons.push("NotAction");
        const beyond = (s.action ?? []).filter((a) => !EBS_KMS_ACTIONS.includes(a));
        if (beyond.length > 0) reasons.push(`${beyond.join(", ")} beyond ${EBS_KMS_ACTIONS.join(", ")}`);
        if (s.notResource || s.resource?.length !== 1 || !KMS_KEY_ARN.test(s.resource[0])) {
            reasons.push(`Resource ${JSON.stringify(s.resource ?? s.notResource)} is not one key ARN`);
        }
        const condition = JSON.stringify(s.condition);
        const narrowsGrant = condition === GRANT_FOR_AWS_RESOURCE && s.action?.includes("kms:CreateGrant");
        if (condition !== "{}" && !narrowsGrant) reasons.push(`Condition ${condition}`);
        return reasons;
    },
};

/**
 * Which component's IAM role follows which pin's `iam-policy` contract, and the documented ways that role may go
 * beyond it. The pins say which policy upstream publishes; only the program knows which role it grants it to.
 * A pin with an iam-policy contract that is not here is reported as a contract checked against nothing.
 */
export const IAM_POLICY_OWNERS: readonly {
    readonly pin: string;
    /** Type token of the component under which the role's RolePolicy is. */
    readonly component: string;
    readonly extensions: readonly PolicyExtension[];
}[] = [
    { pin: "CHARTS.awsLoadBalancerController", component: "ghost-dcdr:addons:AwsLoadBalancerController", extensions: [] },
    { pin: "EBS_CSI_DRIVER", component: "ghost-dcdr:storage:Storage", extensions: [EBS_KMS_EXTENSION] },
];

const list = (v: readonly string[] | undefined): string => (v ? v.join(", ") : "none");

function conditionKeys(s: Statement): string[] {
    return Object.entries(s.condition).flatMap(([op, keys]) => Object.keys(keys).map((k) => `${op} ${k}`));
}

/** How `ours` differs from `upstream`, two statements with the same actions; [] when they are equal. */
export function differences(ours: Statement, upstream: Statement): string[] {
    const out: string[] = [];
    for (const field of ["resource", "notResource"] as const) {
        if (JSON.stringify(ours[field]) !== JSON.stringify(upstream[field])) {
            const name = field === "resource" ? "Resource" : "NotResource";
            out.push(`${name} ${list(ours[field])} where upstream has ${list(upstream[field])}`);
        }
    }
    const ourKeys = conditionKeys(ours);
    const upstreamKeys = conditionKeys(upstream);
    const lacks = upstreamKeys.filter((k) => !ourKeys.includes(k));
    const adds = ourKeys.filter((k) => !upstreamKeys.includes(k));
    if (lacks.length > 0 || adds.length > 0) {
        out.push(`condition keys ${list(ourKeys)} where upstream has ${list(upstreamKeys)}`);
    } else {
        for (const k of ourKeys) {
            const [op, key] = [k.slice(0, k.indexOf(" ")), k.slice(k.indexOf(" ") + 1)];
            const [a, b] = [ours.condition[op][key], upstream.condition[op][key]];
            if (JSON.stringify(a) !== JSON.stringify(b)) out.push(`condition ${k} is ${list(a)} where upstream has ${list(b)}`);
        }
    }
    if (ours.effect !== upstream.effect) out.push(`Effect ${ours.effect} where upstream has ${upstream.effect}`);
    return out;
}

const sameActions = (a: Statement, b: Statement) =>
    JSON.stringify([a.action, a.notAction]) === JSON.stringify([b.action, b.notAction]);

/** Why an upstream statement has no equal in ours, told from our closest statement. */
function whyMissing(upstream: Statement, ours: readonly Statement[]): string {
    const candidates = ours.filter((s) => sameActions(s, upstream)).map((s) => differences(s, upstream));
    if (candidates.length > 0) {
        const closest = candidates.reduce((best, d) => (d.length < best.length ? d : best));
        return `ours with the same actions has ${closest.join("; ")}`;
    }
    const granted = new Set(ours.flatMap((s) => s.action ?? []));
    const ungranted = (upstream.action ?? []).filter((a) => !granted.has(a));
    return ungranted.length > 0
        ? `${ungranted.join(", ")} granted by no statement of ours`
        : "no statement of ours has exactly these actions";
}

/**
 * Every upstream statement we lack and every statement of ours upstream lacks (unless a documented extension
 * allows it), one message each.
 */
export function comparePolicies(
    ours: readonly Statement[],
    upstream: readonly Statement[],
    extensions: readonly PolicyExtension[] = [],
): string[] {
    const ourKeys = new Set(ours.map((s) => s.key));
    const upstreamKeys = new Set(upstream.map((s) => s.key));
    const messages: string[] = [];
    for (const s of upstream) {
        if (!ourKeys.has(s.key)) messages.push(`upstream statement ${s.label} is missing: ${whyMissing(s, ours)}`);
    }
    const extensionResources = new Map<PolicyExtension, Set<string>>();
    for (const s of ours) {
        if (upstreamKeys.has(s.key)) continue;
        const verdicts = extensions.map((e) => ({ e, reasons: e.judge(s) })).filter((v) => v.reasons !== undefined);
        const allowed = verdicts.find((v) => v.reasons?.length === 0);
        if (allowed) {
            const resources = extensionResources.get(allowed.e) ?? new Set<string>();
            for (const r of s.resource ?? []) resources.add(r);
            extensionResources.set(allowed.e, resources);
            continue;
        }
        const not = verdicts.map(
            (v) => `, nor the documented extension "${v.e.name}" of ${v.e.citation} (${(v.reasons ?? []).join("; ")})`,
        );
        messages.push(`statement ${s.label} of ours is not in upstream${not.join("")}`);
    }
    for (const [e, resources] of extensionResources) {
        if (resources.size > e.maxResources) {
            messages.push(
                `the extension "${e.name}" allows ${e.maxResources} resource(s), ours names ${[...resources].join(", ")}`,
            );
        }
    }
    return messages;
}

/** The resources below `ancestorUrn` (children, grandchildren, ...), by following `parent` URNs. */
export function descendantsOf(resources: readonly PlannedResource[], ancestorUrn: string): PlannedResource[] {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const isBelow = (r: PlannedResource): boolean => {
        for (let p = r.parent; p !== undefined; p = byUrn.get(p)?.parent) if (p === ancestorUrn) return true;
        return false;
    };
    return resources.filter(isBelow);
}

const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";
/** Other ways to grant a role permissions: under a checked component they would escape the comparison. */
const OTHER_GRANTS = ["aws:iam/rolePolicyAttachment:RolePolicyAttachment", "aws:iam/policy:Policy"];

/**
 * Holds the inline policies of each mapped component's role against its pin's iam-policy contract. A component
 * has one controller role; its RolePolicies together are that role's permissions, so they are compared as one.
 */
export function checkIamPolicies(stack: string, resources: readonly PlannedResource[], store: ContractStore): CheckOutcome {
    const problems: Problem[] = [];
    let checked = 0;
    const report = (text: string) => problems.push({ stack, text });
    for (const owner of IAM_POLICY_OWNERS) {
        const pin = store.pins.find((p) => p.pin === owner.pin);
        const contracts = pin?.contracts.filter((c) => c.kind === "iam-policy") ?? [];
        if (!pin || contracts.length === 0) {
            report(`iam-policy: IAM_POLICY_OWNERS names ${owner.pin}, which has no iam-policy contract in components/pins.ts`);
            continue;
        }
        const shortName = owner.component.split(":").pop() ?? owner.component;
        for (const component of resources.filter((r) => r.type === owner.component)) {
            const below = descendantsOf(resources, component.urn);
            const policies = below.filter((r) => r.type === ROLE_POLICY);
            for (const other of below.filter((r) => OTHER_GRANTS.includes(r.type))) {
                report(
                    `iam-policy: ${shortName} grants its role permissions through ${other.type} ${other.name}, which this check does not compare`,
                );
            }
            if (policies.length === 0) {
                report(`iam-policy: no ${ROLE_POLICY} under ${shortName}, so ${owner.pin}'s policy cannot be checked`);
                continue;
            }
            checked += policies.length;
            let ours: Statement[];
            try {
                ours = policies.flatMap((p) => normalisePolicy(p.inputs.policy));
            } catch (e) {
                report(`iam-policy: RolePolicy under ${shortName}: ${(e as Error).message}`);
                continue;
            }
            for (const contract of contracts) {
                const doc = store.load(contract, "json");
                if (doc === undefined) continue;
                let upstream: Statement[];
                try {
                    upstream = normalisePolicy(doc);
                } catch (e) {
                    report(`iam-policy ${contract.file}: ${(e as Error).message}`);
                    continue;
                }
                for (const message of comparePolicies(ours, upstream, owner.extensions)) {
                    report(`iam-policy ${contract.file}: RolePolicy under ${shortName}: ${message}`);
                }
            }
        }
    }
    return { problems, checked };
}
