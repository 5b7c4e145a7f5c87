/** The offline plans the checks read: the real program run in-process under the shared mocks, as `npm run plan` runs it. */
import * as path from "node:path";
import { cachedRun, unwrapSecrets } from "../mocks";
import { readStackFile } from "../stackFile";

/** The stacks whose plans are checked, each from its committed `Pulumi.<stack>.yaml`. */
export const STACKS = ["dc", "dr"] as const;

/** A registered resource as the checks read it: inputs without secret wrappers (checks never print values). */
export interface PlannedResource {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    /** URN of the parent resource, undefined at the top level. */
    readonly parent?: string;
    readonly inputs: Readonly<Record<string, unknown>>;
}

export interface StackPlan {
    readonly stack: string;
    readonly resources: readonly PlannedResource[];
}

/** Each stack's plan, runs shared with the unit tests (`cachedRun`), so `npm test` plans each stack once. */
export async function planStacks(repoRoot: string, stacks: readonly string[] = STACKS): Promise<StackPlan[]> {
    const plans: StackPlan[] = [];
    for (const stack of stacks) {
        const run = await cachedRun(stack, readStackFile(path.join(repoRoot, `Pulumi.${stack}.yaml`)));
        const resources = run.mocks.resources.map((r) => ({
            urn: r.urn,
            type: r.type,
            name: r.name,
            parent: r.parent,
            inputs: unwrapSecrets(r.inputs) as Record<string, unknown>,
        }));
        plans.push({ stack, resources });
    }
    return plans;
}
