/**
 * What the per-domain policy tests share: document builders, and the two tests every resource or stack policy gets
 * (it passes its compliant cases, and flags each violating one with the expected message and a `Fix:`).
 */
import { strict as assert } from "node:assert";
import { Props, ResourcePolicy, StackPolicy, StackResource } from "../../policy/shared";
import { MOCK_ACCOUNT } from "../../tools/mocks";

export const json = (v: unknown) => JSON.stringify(v);
export const KEY_ARN = `arn:aws:kms:eu-west-1:${MOCK_ACCOUNT}:key/backup`;
/** A policy document with one Allow statement (`s` may override the Effect). */
export const statement = (s: Record<string, unknown>) => json({ Version: "2012-10-17", Statement: [{ Effect: "Allow", ...s }] });

export type Case = [type: string, inputs: Props];
export type FailCase = [type: string, inputs: Props, message: RegExp];
/** At least one compliant and one violating resource for every policy of a domain, by policy name. */
export type ResourceCases = Record<string, { pass: Case[]; fail: FailCase[] }>;

/** Defines, for each of `policies`, a test over its compliant cases and one over its violating cases. */
export function resourcePolicyTests(policies: readonly ResourcePolicy[], cases: ResourceCases): void {
    // A case table out of step with its domain (a renamed or removed policy) must not pass silently.
    assert.deepEqual(Object.keys(cases).sort(), policies.map((p) => p.name).sort(), "one case table entry per policy");
    for (const p of policies) {
        const { pass, fail } = cases[p.name] ?? { pass: [], fail: [] };
        it(`${p.name}: passes compliant resources`, () => {
            assert.ok(pass.length > 0);
            for (const [type, inputs] of pass) {
                assert.ok(p.resourceTypes.includes(type), `${p.name} looks at ${type}`);
                assert.deepEqual(p.validate(type, inputs), [], `${type} ${json(inputs)}`);
            }
        });
        it(`${p.name}: flags violating resources with a message and a Fix`, () => {
            assert.ok(fail.length > 0);
            for (const [type, inputs, message] of fail) {
                assert.ok(p.resourceTypes.includes(type), `${p.name} looks at ${type}`);
                const messages = p.validate(type, inputs);
                assert.ok(
                    messages.some((m) => message.test(m)),
                    `${type} ${json(inputs)}: expected ${message}, got ${json(messages)}`,
                );
                for (const m of messages) assert.match(m, /Fix: /);
            }
        });
    }
}

/** A resource as a stack policy sees it, its URN built from type and name. */
export function stackResource(
    type: string,
    name: string,
    inputs: Props,
    propertyDependencies?: Record<string, string[]>,
): StackResource {
    return { type, name, urn: `urn:pulumi:dc::ghost-dcdr::${type}::${name}`, id: `${name}-id`, inputs, propertyDependencies };
}

/** Compliant stacks and violating ones (with the expected message) for every stack policy of a domain, by name. */
export type StackCases = Record<string, { pass: StackResource[][]; fail: [StackResource[], RegExp][] }>;

/** Defines, for each of `policies`, a test over its compliant stacks and one over its violating stacks. */
export function stackPolicyTests(policies: readonly StackPolicy[], cases: StackCases): void {
    assert.deepEqual(Object.keys(cases).sort(), policies.map((p) => p.name).sort(), "one case table entry per policy");
    for (const p of policies) {
        const { pass, fail } = cases[p.name] ?? { pass: [], fail: [] };
        it(`${p.name}: passes compliant stacks`, () => {
            assert.ok(pass.length > 0);
            for (const resources of pass) {
                assert.deepEqual(p.validateStack(resources), [], resources.map((r) => r.name).join(", "));
            }
        });
        it(`${p.name}: flags the resource to fix`, () => {
            assert.ok(fail.length > 0);
            for (const [resources, message] of fail) {
                const violations = p.validateStack(resources);
                const hit = violations.find((v) => message.test(v.message));
                assert.ok(hit, `expected ${message}, got ${json(violations)}`);
                assert.ok(
                    resources.some((r) => r.urn === hit.urn),
                    "names a resource of the stack",
                );
                for (const v of violations) assert.match(v.message, /Fix: /);
            }
        });
    }
}
