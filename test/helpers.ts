/**
 * Helpers every unit test shares: reading a recorded resource's inputs and a container's environment. One copy
 * here instead of one per test file.
 */
import { RecordedResource, unwrapSecrets } from "../tools/mocks";
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
