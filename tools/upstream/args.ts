/**
 * Command line of `npm run check:upstream` and where the contracts directory is. Pure: the caller passes the
 * environment, the repository root and the working directory, so each rule is testable without a process.
 */
import * as fs from "node:fs";
import * as path from "node:path";

export const USAGE = "usage: npm run check:upstream [-- --download [--base-url URL] [--dest DIR]]";

/** Where `--download` reads from when no `--base-url` is given: raw files of a GitHub repository at a tag. */
export const DEFAULT_BASE_URL = "https://raw.githubusercontent.com";

/** A mistake in how the command was called: exit 2, with the message and the usage line. */
export class UsageError extends Error {}

export type CliArgs =
    { readonly mode: "check" } | { readonly mode: "download"; readonly baseUrl: string; readonly dest?: string };

export function parseArgs(argv: readonly string[]): CliArgs {
    let download = false;
    let baseUrl: string | undefined;
    let dest: string | undefined;
    const valueOf = (i: number, flag: string): string => {
        const value = argv[i];
        if (value === undefined || value.startsWith("--")) throw new UsageError(`${flag} needs a value`);
        return value;
    };
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        if (arg === "--download") download = true;
        else if (arg === "--base-url") baseUrl = valueOf(++i, arg);
        else if (arg === "--dest") dest = valueOf(++i, arg);
        else throw new UsageError(`unknown argument ${JSON.stringify(arg)}`);
    }
    if (!download) {
        if (baseUrl !== undefined || dest !== undefined) throw new UsageError("--base-url and --dest only go with --download");
        return { mode: "check" };
    }
    baseUrl ??= DEFAULT_BASE_URL;
    if (!/^https?:\/\/[^/]+/.test(baseUrl)) {
        throw new UsageError(`--base-url ${JSON.stringify(baseUrl)} is not an http(s) URL, e.g. ${DEFAULT_BASE_URL}`);
    }
    return { mode: "download", baseUrl, dest };
}

/**
 * The contracts directory: `UPSTREAM_REFS` (relative to the working directory, as CI sets it), else the shared
 * checkout beside the repository when it exists. `mustExist` is false for `--download`, which may create it.
 */
export function resolveRefsDir(
    env: Readonly<Record<string, string | undefined>>,
    repoRoot: string,
    cwd: string,
    mustExist = true,
): string {
    const set = env.UPSTREAM_REFS;
    if (set !== undefined && set !== "") {
        const dir = path.resolve(cwd, set);
        if (mustExist && !fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()) {
            throw new UsageError(`UPSTREAM_REFS=${set} is not a directory (resolved to ${dir})`);
        }
        return dir;
    }
    const fallback = path.resolve(repoRoot, "..", "shared", "upstream");
    if (fs.statSync(fallback, { throwIfNoEntry: false })?.isDirectory()) return fallback;
    throw new UsageError(
        `no contracts directory: set UPSTREAM_REFS to the folder of upstream contracts (CI uses ../shared/upstream); ${fallback} does not exist`,
    );
}
