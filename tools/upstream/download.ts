/**
 * `npm run check:upstream -- --download`: fetches every contract of the pin table from where upstream publishes
 * it (`<base-url>/<repo>/<ref>/<path>`, raw.githubusercontent.com's layout) into `<dest>/<file>`. A file is
 * written under a temporary name and renamed into place, so a failed or interrupted download never leaves a
 * truncated contract that the check would then read as upstream's.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type { PinContracts } from "./contracts";

export interface DownloadTarget {
    /** Path under the destination, as the pin table names it. */
    readonly file: string;
    readonly url: string;
}

/** Per file: a stalled server must fail the run, not hang CI. */
export const DOWNLOAD_TIMEOUT_MS = 30_000;

/** One target per distinct contract file, in pin-table order. */
export function downloadTargets(pins: readonly PinContracts[], baseUrl: string): DownloadTarget[] {
    const base = baseUrl.replace(/\/+$/, "");
    const seen = new Set<string>();
    const out: DownloadTarget[] = [];
    for (const c of pins.flatMap((p) => p.contracts)) {
        if (seen.has(c.file)) continue;
        seen.add(c.file);
        const segments = [...c.repo.split("/"), c.ref, ...c.path.split("/")].map(encodeURIComponent);
        out.push({ file: c.file, url: `${base}/${segments.join("/")}` });
    }
    return out;
}

/** Downloads one target; returns the one-line error, or undefined when the file is in place. */
export async function downloadOne(
    target: DownloadTarget,
    dest: string,
    timeoutMs = DOWNLOAD_TIMEOUT_MS,
): Promise<string | undefined> {
    const root = path.resolve(dest);
    const final = path.resolve(root, target.file);
    if (!final.startsWith(root + path.sep)) return `download: ${target.file}: not a path inside ${root}`;
    const temp = `${final}.download-${process.pid}-${crypto.randomBytes(4).toString("hex")}`;
    try {
        const response = await fetch(target.url, { signal: AbortSignal.timeout(timeoutMs), redirect: "follow" });
        if (!response.ok) return `download: ${target.file}: HTTP ${response.status} ${response.statusText} from ${target.url}`;
        const body = Buffer.from(await response.arrayBuffer());
        fs.mkdirSync(path.dirname(final), { recursive: true });
        fs.writeFileSync(temp, body);
        fs.renameSync(temp, final);
        return undefined;
    } catch (e) {
        const err = e as Error & { cause?: { message?: string } };
        const reason =
            err.name === "TimeoutError"
                ? `no complete answer within ${timeoutMs / 1000}s`
                : `${err.message}${err.cause?.message ? ` (${err.cause.message})` : ""}`;
        return `download: ${target.file}: ${reason} from ${target.url}`;
    } finally {
        fs.rmSync(temp, { force: true });
    }
}

/** Downloads every target (in parallel); returns one error line per failed file, [] when all are in place. */
export async function downloadAll(
    targets: readonly DownloadTarget[],
    dest: string,
    timeoutMs = DOWNLOAD_TIMEOUT_MS,
): Promise<string[]> {
    const results = await Promise.all(targets.map((t) => downloadOne(t, dest, timeoutMs)));
    return results.filter((r): r is string => r !== undefined);
}
