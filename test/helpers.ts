/**
 * Helpers every unit test shares: reading a recorded resource's inputs and a container's environment. One copy
 * here instead of one per test file.
 */
import { MockRun, RecordedResource, unwrapSecrets } from "../tools/mocks";
import type { PlannedResource } from "../tools/review/inventory";
import { plan } from "../tools/plan";

/** A recorded resource's inputs with the secret wrappers dropped, for assertions on what they contain. */
export const inputsOf = (r: RecordedResource) => unwrapSecrets(r.inputs) as Record<string, any>;

/** A container's environment as name -> value (or its valueFrom). */
export const envOf = (c: any): Record<string, any> =>
    Object.fromEntries((c.env ?? []).map((e: any) => [e.name, e.value ?? e.valueFrom]));

/** What `plan` prints, captured. */
export async function printedPlan(args: Parameters<typeof plan>[0]): Promise<string> {
    const log: string[] = [];
    const original = console.log;
    console.log = (...a: unknown[]) => log.push(a.join(" "));
    try {
        await plan(args);
    } finally {
        console.log = original;
    }
    return log.join("\n");
}

/** The resources of `type` inside components of type `component` (e.g. "ghost-dcdr:media:MediaStore"). */
export function childrenOf(run: MockRun, component: string, type: string): RecordedResource[] {
    return run.mocks.byType(type).filter((r) => r.urn.includes(`${component}$`));
}

/** A planned resource for the review's pure fixtures: top-level unless `extra` gives a parent URN. */
export function plannedResource(
    type: string,
    name: string,
    inputs: Record<string, unknown> = {},
    extra: Partial<PlannedResource> = {},
): PlannedResource {
    return {
        urn: `urn:pulumi:t::p::${type}::${name}`,
        type,
        name,
        custom: !type.startsWith("ghost-dcdr:"),
        remote: false,
        inputs,
        ...extra,
    };
}
