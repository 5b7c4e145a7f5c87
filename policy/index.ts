/**
 * The ghost-dcdr CrossGuard policy pack: `pulumi preview --policy-pack policy` (docs/policy.md).
 *
 * Constructing a PolicyPack starts the analyzer's gRPC server and prints its port, so this file only adapts the
 * pure policies that ./policies.ts assembles to @pulumi/policy; the tests import those files directly.
 */
import { PolicyPack, PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { RESOURCE_POLICIES, STACK_POLICIES, StackResource } from "./policies";

/** The engine's view of a resource in the shape the pure stack policies take. */
function toStackResource(r: PolicyResource): StackResource {
    const propertyDependencies: Record<string, string[]> = {};
    for (const [key, deps] of Object.entries(r.propertyDependencies)) propertyDependencies[key] = deps.map((d) => d.urn);
    return { type: r.type, name: r.name, urn: r.urn, inputs: r.props, propertyDependencies };
}

const resourcePolicies: ResourceValidationPolicy[] = RESOURCE_POLICIES.map((p) => ({
    name: p.name,
    description: p.description,
    enforcementLevel: p.enforcementLevel,
    remediationSteps: p.remediation,
    validateResource: (args, reportViolation) => {
        // Checked before touching props: reading an unknown prop during preview marks the policy as not run.
        if (!p.resourceTypes.includes(args.type)) return;
        for (const message of p.validate(args.type, args.props)) reportViolation(message);
    },
}));

const stackPolicies: StackValidationPolicy[] = STACK_POLICIES.map((p) => ({
    name: p.name,
    description: p.description,
    enforcementLevel: p.enforcementLevel,
    remediationSteps: p.remediation,
    validateStack: (args, reportViolation) => {
        for (const v of p.validateStack(args.resources.map(toStackResource))) reportViolation(v.message, v.urn);
    },
}));

new PolicyPack("ghost-dcdr", { policies: [...resourcePolicies, ...stackPolicies] });
