/**
 * `npm run check:upstream`: holds both stacks' offline plans against the machine-readable contracts upstream
 * publishes for the versions we pin (components/pins.ts), read from UPSTREAM_REFS. The mocks prove what the
 * program asks for; this proves the other side accepts it: IAM policies of third-party controllers, custom
 * resources against their CRDs, Helm values against the charts' values.yaml and values.schema.json.
 *
 * Prints one line per problem and exits 1, or one summary line and exits 0; exits 2 on a usage error (and when
 * the program itself cannot be planned, as `npm run plan` does).
 * `-- --download [--base-url URL] [--dest DIR]` fetches the contracts instead (see download.ts).
 */
import * as path from "node:path";
import { CliArgs, parseArgs, resolveRefsDir, USAGE, UsageError } from "./args";
import { ContractStore, pinTable } from "./contracts";
import { checkCustomResources } from "./crds";
import { downloadAll, downloadTargets } from "./download";
import { checkIamPolicies } from "./iam";
import { PlannedResource, planStacks, STACKS, StackPlan } from "./plan";
import { CheckOutcome, formatProblems, plural, Problem } from "./problems";
import { checkHelmReleases } from "./values";

const REPO_ROOT = path.resolve(__dirname, "..", "..");

/** Each check, run over one stack's plan. */
const CHECKS: readonly ((stack: string, resources: readonly PlannedResource[], store: ContractStore) => CheckOutcome)[] = [
    checkIamPolicies,
    checkCustomResources,
    checkHelmReleases,
];

export interface CheckResult {
    /** One line per problem, [] when the plans conform. */
    readonly lines: string[];
    readonly summary: string;
}

/** Runs every check over every plan, then names the contracts nothing was checked against. */
export function checkPlans(plans: readonly StackPlan[], store: ContractStore): CheckResult {
    const problems: Problem[] = [...store.missing()];
    let checked = 0;
    for (const { stack, resources } of plans) {
        for (const check of CHECKS) {
            const outcome = check(stack, resources, store);
            problems.push(...outcome.problems);
            checked += outcome.checked;
        }
    }
    const stacks = plans.map((p) => p.stack);
    problems.push(...store.problems(), ...store.unused(stacks));
    const lines = formatProblems(problems);
    const summary = `check:upstream: ${stacks.join(", ")}: ${plural(store.fileCount(), "contract")}, ${plural(checked, "object")} checked, ${plural(lines.length, "problem")}`;
    return { lines, summary };
}

/** The command: returns the exit code, printing what it found. */
export async function main(
    argv: readonly string[],
    env: Readonly<Record<string, string | undefined>>,
    cwd: string,
): Promise<number> {
    let args: CliArgs;
    let dir: string;
    try {
        args = parseArgs(argv);
        dir =
            args.mode === "download" && args.dest !== undefined
                ? path.resolve(cwd, args.dest)
                : resolveRefsDir(env, REPO_ROOT, cwd, args.mode === "check");
    } catch (e) {
        if (!(e instanceof UsageError)) throw e;
        console.error(`check:upstream: ${e.message}\n${USAGE}`);
        return 2;
    }
    if (args.mode === "download") {
        const targets = downloadTargets(pinTable(), args.baseUrl);
        const errors = await downloadAll(targets, dir);
        for (const line of errors) console.error(line);
        console.log(`download: ${targets.length - errors.length} of ${plural(targets.length, "contract")} into ${dir}`);
        return errors.length > 0 ? 1 : 0;
    }
    const result = checkPlans(await planStacks(REPO_ROOT, STACKS), new ContractStore(dir));
    for (const line of result.lines) console.log(line);
    // With problems, stdout is exactly one line per problem; the tally goes to stderr.
    (result.lines.length > 0 ? console.error : console.log)(result.summary);
    return result.lines.length > 0 ? 1 : 0;
}

if (require.main === module) {
    main(process.argv.slice(2), process.env, process.cwd()).then(
        (code) => process.exit(code),
        (e) => {
            console.error(e);
            process.exit(2);
        },
    );
}
