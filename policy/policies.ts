/**
 * The ghost-dcdr policies as plain data and pure functions, one file per domain (./cloudfront.ts, ./eks.ts, ./iam.ts,
 * ./kubernetes.ts, ./s3.ts; shapes and JSON readers in ./shared.ts), so the tests can run them without a gRPC server
 * (`new PolicyPack(...)` in ./index.ts starts one) and the pack can wrap them without changing a line.
 */
import { CLOUDFRONT_RESOURCE_POLICIES, CLOUDFRONT_STACK_POLICIES } from "./cloudfront";
import { EKS_POLICIES } from "./eks";
import { IAM_POLICIES } from "./iam";
import { KUBERNETES_POLICIES } from "./kubernetes";
import { S3_POLICIES } from "./s3";
import { EnforcementLevel, ResourcePolicy, StackPolicy, StackResource } from "./shared";

export type { StackResource } from "./shared";

// The pack serves the policies in this order, and `pulumi preview` prints them in it.
export const RESOURCE_POLICIES: readonly ResourcePolicy[] = [
    ...EKS_POLICIES,
    ...IAM_POLICIES,
    ...KUBERNETES_POLICIES,
    ...CLOUDFRONT_RESOURCE_POLICIES,
];
export const STACK_POLICIES: readonly StackPolicy[] = [...S3_POLICIES, ...CLOUDFRONT_STACK_POLICIES];

/** A violation found by running the whole pack, for reports. */
export interface Finding {
    readonly policy: string;
    readonly enforcementLevel: EnforcementLevel;
    readonly urn: string;
    readonly message: string;
}

/** Runs every policy over every resource: what `pulumi preview --policy-pack policy` would report. */
export function runPack(resources: readonly StackResource[]): Finding[] {
    const out: Finding[] = [];
    for (const p of RESOURCE_POLICIES) {
        for (const r of resources) {
            if (!p.resourceTypes.includes(r.type)) continue;
            for (const message of p.validate(r.type, r.inputs)) {
                out.push({ policy: p.name, enforcementLevel: p.enforcementLevel, urn: r.urn, message });
            }
        }
    }
    for (const p of STACK_POLICIES) {
        for (const v of p.validateStack(resources)) {
            out.push({ policy: p.name, enforcementLevel: p.enforcementLevel, ...v });
        }
    }
    return out;
}
