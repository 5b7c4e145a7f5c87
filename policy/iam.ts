/**
 * IAM policies: web-identity trust pinned on `:sub` and `:aud`, no wildcard actions or administrator policies, and
 * `"Resource": "*"` only for the allow-listed actions of ./iamAllowlist.ts.
 */
import { WILDCARD_RESOURCE_ALLOWLIST } from "./iamAllowlist";
import { asArray, asStrings, at, isRecord, Props, ResourcePolicy, statementsOf } from "./shared";

const TYPES = {
    role: "aws:iam/role:Role",
    policyDocuments: [
        "aws:iam/role:Role",
        "aws:iam/rolePolicy:RolePolicy",
        "aws:iam/policy:Policy",
        "aws:iam/userPolicy:UserPolicy",
        "aws:iam/groupPolicy:GroupPolicy",
    ],
    policyAttachments: [
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        "aws:iam/userPolicyAttachment:UserPolicyAttachment",
        "aws:iam/groupPolicyAttachment:GroupPolicyAttachment",
        "aws:iam/policyAttachment:PolicyAttachment",
    ],
} as const;

/** The permission documents a resource carries (trust policies excluded: they grant who, not what). */
function permissionDocuments(type: string, inputs: Props): { where: string; document: unknown }[] {
    if (type === TYPES.role) {
        return asArray(inputs.inlinePolicies).map((p, i) => ({
            where: `inlinePolicies[${i}] ${JSON.stringify(at(p, "name") ?? "")}`,
            document: at(p, "policy"),
        }));
    }
    if ((TYPES.policyDocuments as readonly string[]).includes(type)) return [{ where: "policy", document: inputs.policy }];
    return [];
}

const ADMIN_POLICY_ARNS = /:policy\/(AdministratorAccess|PowerUserAccess|IAMFullAccess)$/;

const iamNoWildcardActions: ResourcePolicy = {
    name: "iam-no-wildcard-actions",
    description:
        'IAM permission policies never allow "Action": "*", NotAction, or a whole service ("s3:*") on every resource, ' +
        "and no administrator managed policy is attached.",
    enforcementLevel: "mandatory",
    remediation: "List the exact actions the workload calls (the controller's published IAM policy) and scope Resource to ARNs.",
    resourceTypes: [...TYPES.policyDocuments, ...TYPES.policyAttachments],
    validate(type, inputs) {
        const out: string[] = [];
        if ((TYPES.policyAttachments as readonly string[]).includes(type)) {
            const arn = inputs.policyArn;
            if (typeof arn === "string" && ADMIN_POLICY_ARNS.test(arn)) {
                out.push(`Attaches ${arn}, which allows (nearly) every action. Fix: attach a least-privilege policy instead.`);
            }
            return out;
        }
        for (const { where, document } of permissionDocuments(type, inputs)) {
            for (const s of statementsOf(document)) {
                if (s.effect !== "Allow") continue;
                if (s.actions.includes("*")) {
                    out.push(`${where} ${s.sid} allows "Action": "*". Fix: list the exact actions the workload needs.`);
                }
                if (s.notActions.length > 0) {
                    out.push(
                        `${where} ${s.sid} uses NotAction with Allow, which grants every other action (including future ones). ` +
                            "Fix: list the allowed actions with Action.",
                    );
                }
                const serviceWide = s.actions.filter((a) => /^[a-z0-9-]+:\*$/i.test(a));
                if (serviceWide.length > 0 && s.resources.includes("*")) {
                    out.push(
                        `${where} ${s.sid} allows ${serviceWide.join(", ")} on "Resource": "*". Fix: list the exact actions ` +
                            "and scope Resource to the ARNs they act on.",
                    );
                }
            }
        }
        return out;
    },
};

const iamWildcardResourceAllowlist: ResourcePolicy = {
    name: "iam-wildcard-resource-allowlist",
    description:
        'IAM permission policies use "Resource": "*" only for actions a documented controller policy requires on "*" ' +
        "(allow-listed by action in policy/iamAllowlist.ts), fenced by a Condition where the controller's policy fences them.",
    enforcementLevel: "mandatory",
    remediation:
        'Scope Resource to the ARNs the action touches; if a controller\'s published policy really needs "*", add the ' +
        "action to WILDCARD_RESOURCE_ALLOWLIST citing that policy.",
    resourceTypes: TYPES.policyDocuments,
    validate(type, inputs) {
        const out: string[] = [];
        for (const { where, document } of permissionDocuments(type, inputs)) {
            for (const s of statementsOf(document)) {
                if (s.effect !== "Allow") continue;
                if (s.notResources.length > 0) {
                    out.push(
                        `${where} ${s.sid} uses NotResource with Allow, which grants the actions on every other resource. ` +
                            "Fix: list the resources with Resource.",
                    );
                }
                if (!s.resources.includes("*")) continue;
                const notAllowed = s.actions.filter((a) => !WILDCARD_RESOURCE_ALLOWLIST.has(a.toLowerCase()));
                if (notAllowed.length > 0) {
                    out.push(
                        `${where} ${s.sid} allows ${notAllowed.join(", ")} on "Resource": "*", and no documented controller ` +
                            "policy requires that. Fix: scope Resource to the ARNs these actions touch (or, for a controller " +
                            "whose published IAM policy needs it, add the actions to WILDCARD_RESOURCE_ALLOWLIST in " +
                            "policy/iamAllowlist.ts with the source).",
                    );
                }
                const unfenced = s.actions.filter((a) => WILDCARD_RESOURCE_ALLOWLIST.get(a.toLowerCase())?.needsCondition);
                if (unfenced.length > 0 && (!s.condition || Object.keys(s.condition).length === 0)) {
                    out.push(
                        `${where} ${s.sid} allows ${unfenced.join(", ")} on "Resource": "*" without a Condition; the ` +
                            "controller's policy fences these by tag or service name. Fix: add the Condition from the " +
                            "controller's published policy (e.g. aws:ResourceTag/<cluster tag>).",
                    );
                }
            }
        }
        return out;
    },
};

const WEB_IDENTITY = "sts:assumerolewithwebidentity";

/** Condition values keyed by condition key, from the operators that can pin a value. */
function conditionValues(condition: Props | undefined, suffix: string): { operator: string; values: string[] }[] {
    const out: { operator: string; values: string[] }[] = [];
    for (const [operator, block] of Object.entries(condition ?? {})) {
        if (!["StringEquals", "StringLike"].includes(operator) || !isRecord(block)) continue;
        for (const [key, value] of Object.entries(block)) {
            if (key.endsWith(suffix)) out.push({ operator, values: asStrings(value) });
        }
    }
    return out;
}

const iamIrsaTrustConditions: ResourcePolicy = {
    name: "iam-irsa-trust-sub-and-aud",
    description:
        "Roles assumable with a web identity (IRSA, GitHub OIDC) condition the trust on both `:sub` (which identity) " +
        "and `:aud` (sts.amazonaws.com).",
    enforcementLevel: "mandatory",
    remediation:
        "Build the trust policy with irsaTrustPolicy() (components/irsa), which pins `<issuer>:sub` to the ServiceAccount " +
        'and `<issuer>:aud` to "sts.amazonaws.com".',
    resourceTypes: [TYPES.role],
    validate(type, inputs) {
        if (type !== TYPES.role) return [];
        const out: string[] = [];
        for (const s of statementsOf(inputs.assumeRolePolicy)) {
            if (s.effect !== "Allow" || !s.actions.some((a) => a.toLowerCase() === WEB_IDENTITY)) continue;
            const sub = conditionValues(s.condition, ":sub");
            const aud = conditionValues(s.condition, ":aud");
            const subValues = sub.flatMap((c) => c.values);
            if (subValues.length === 0 || subValues.some((v) => v.trim() === "" || v === "*")) {
                out.push(
                    `Trust ${s.sid} allows sts:AssumeRoleWithWebIdentity without pinning \`<issuer>:sub\`: any identity of ` +
                        "the OIDC provider (every ServiceAccount in the cluster, every repository) can assume the role. " +
                        'Fix: add Condition StringEquals { "<issuer>:sub": "system:serviceaccount:<namespace>:<name>" }.',
                );
            }
            const audValues = aud.flatMap((c) => c.values);
            if (audValues.length === 0 || audValues.some((v) => v !== "sts.amazonaws.com")) {
                out.push(
                    `Trust ${s.sid} allows sts:AssumeRoleWithWebIdentity without \`<issuer>:aud\` = "sts.amazonaws.com": ` +
                        "tokens minted for another audience could be exchanged. " +
                        'Fix: add Condition StringEquals { "<issuer>:aud": "sts.amazonaws.com" }.',
                );
            }
        }
        return out;
    },
};

/** In the order `pulumi preview` lists them. */
export const IAM_POLICIES: readonly ResourcePolicy[] = [
    iamIrsaTrustConditions,
    iamNoWildcardActions,
    iamWildcardResourceAllowlist,
];
