/** One finding of the conformance check. */
export interface Problem {
    /** The stack whose plan it was found in; absent for findings about the contracts themselves. */
    readonly stack?: string;
    /** What is wrong, without the stack: the same text from two stacks is one finding. */
    readonly text: string;
}

/** What one check found in one stack's plan. */
export interface CheckOutcome {
    readonly problems: Problem[];
    /** How many recorded resources the check held against a contract. */
    readonly checked: number;
}

/** One line per problem; the same text found in several stacks is one line that names them all (`dc, dr: ...`). */
export function formatProblems(problems: readonly Problem[]): string[] {
    const stacksByText = new Map<string, string[]>();
    for (const { stack, text } of problems) {
        const stacks = stacksByText.get(text) ?? [];
        if (stack !== undefined && !stacks.includes(stack)) stacks.push(stack);
        stacksByText.set(text, stacks);
    }
    return [...stacksByText].map(([text, stacks]) => (stacks.length > 0 ? `${stacks.join(", ")}: ${text}` : text));
}

/**
 * A path into a JSON value as people write it: `spec.storage.size`, `env[0].name`, and brackets only where a dot
 * would be ambiguous: `annotations["eks.amazonaws.com/role-arn"]`.
 */
export function formatPath(segments: readonly (string | number)[]): string {
    let out = "";
    for (const segment of segments) {
        if (typeof segment === "number") out += `[${segment}]`;
        else if (/^[A-Za-z_$][\w$-]*$/.test(segment)) out += out === "" ? segment : `.${segment}`;
        else out += `[${JSON.stringify(segment)}]`;
    }
    return out === "" ? "(root)" : out;
}

export const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;

export function isPlainObject(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}
