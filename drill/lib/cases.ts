// What every drill shares: starting its world, running its cases and printing one PASS/FAIL line each, and the
// checks the cases are made of.
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { Drillground, StepsResult } from "./datapath";
import { diffChecksums, MariaDb } from "./mariadb";
import { checkSetup, log, workDir } from "./proc";

/** What one case did, and what was wrong with it (nothing: PASS). */
export interface Outcome {
    did: string;
    problems: string[];
}

/**
 * Starts drill `name`: checks the machine (drill/setup.sh), a clean .drill/<name>/, and the world (two MariaDB
 * servers, moto with the bucket ghost-dcdr-<name>, dc's signing key and the domain's records at dc).
 */
export async function openDrill(name: string, opts: { needGhost?: boolean } = {}): Promise<Drillground> {
    checkSetup({ ghost: opts.needGhost });
    const root = workDir(name);
    const logFile = path.join(root, "scripts.log");
    log(`working in ${root}; script output in ${logFile}`);
    return Drillground.start(root, logFile, `ghost-dcdr-${name}`);
}

/** Throws when a step chain the drill builds on failed. */
export async function mustPass(result: Promise<StepsResult>, what: string): Promise<StepsResult> {
    const r = await result;
    if (!r.ok) throw new Error(`${what} failed: ${r.error}`);
    return r;
}

/** A refusal as the scripts promise it: the chain failed, with one ERROR line, matching `expect`. */
export function refused(result: StepsResult, expect: RegExp): string[] {
    if (result.ok) return ["the scripts succeeded; they should have refused"];
    const errors = result.steps.flatMap((s) => s.output.split("\n").filter((l) => l.includes(": ERROR: ")));
    const problems: string[] = [];
    if (!expect.test(result.error))
        problems.push(`expected an error matching ${expect}, got: ${result.error || "(no ERROR line)"}`);
    if (errors.length > 1) problems.push(`more than one ERROR line: ${errors.join(" | ")}`);
    return problems;
}

export function describe(result: StepsResult): string {
    return result.ok ? "the scripts succeeded" : `refused: "${result.error.replace(/^\S+ /, "")}"`;
}

/** Every regular file under dir with its sha256, sorted; `ignore` leaves out files of that name. */
export function fileDigests(dir: string, ignore: string[] = []): string {
    const out: string[] = [];
    const walk = (d: string) => {
        if (!fs.existsSync(d)) return;
        for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
            const p = path.join(d, e.name);
            if (e.isDirectory()) walk(p);
            else if (!ignore.includes(e.name))
                out.push(`${path.relative(dir, p)} ${crypto.createHash("sha256").update(fs.readFileSync(p)).digest("hex")}`);
        }
    };
    walk(dir);
    return out.join("\n");
}

/**
 * The cases of one drill: each runs once, its crash is its FAIL, and `print` writes the summary (one line per case,
 * then "N passed, M failed"). `only` (a drill's *_ONLY variable) runs the matching cases alone.
 */
export class Cases {
    private readonly lines: string[] = [];
    private passed = 0;
    private failed = 0;

    constructor(
        private readonly title: string,
        private readonly only?: RegExp,
    ) {}

    async run(name: string, body: () => Promise<Outcome> | Outcome): Promise<void> {
        if (this.only && !this.only.test(name)) return;
        let outcome: Outcome;
        try {
            outcome = await body();
        } catch (err: unknown) {
            outcome = { did: "the check itself crashed", problems: [err instanceof Error ? err.message : String(err)] };
        }
        this.record(name, outcome);
    }

    record(name: string, outcome: Outcome): void {
        const ok = outcome.problems.length === 0;
        if (ok) this.passed += 1;
        else this.failed += 1;
        this.lines.push(`${ok ? "PASS" : "FAIL"}  ${name}: ${outcome.did}`);
        for (const p of outcome.problems) this.lines.push(`        - ${p}`);
        log(`${ok ? "PASS" : "FAIL"}  ${name}`);
    }

    /** Writes the summary; true when every case passed. */
    print(): boolean {
        process.stdout.write(
            `\n${this.title} summary\n${this.lines.map((l) => `  ${l}`).join("\n")}\n  ${this.passed} passed, ${this.failed} failed\n`,
        );
        return this.failed === 0;
    }
}

/** One more thing a refused case must leave as it was: how to read it, and how to say that it changed. */
export interface Facet {
    read(): string;
    changed(before: string, now: string): string;
}

/**
 * What a refused case must leave as it was on the DR side: the database's tables (CHECKSUM TABLE), the content
 * directory, the list of databases, and any `extra` facets a drill adds. `rebaseline()` after a case that was
 * meant to change DR.
 */
export class DrWatch {
    private readonly facets: Record<string, Facet>;
    private sums: Map<string, string>;
    private before: Record<string, string>;

    constructor(
        private readonly db: MariaDb,
        private readonly database: string,
        contentDir: string,
        opts: { content?: Facet; extra?: Record<string, Facet> } = {},
    ) {
        this.facets = {
            content: opts.content ?? { read: () => fileDigests(contentDir), changed: () => "DR content directory changed" },
            databases: {
                read: () => db.query("SHOW DATABASES"),
                changed: (_, now) => `DR databases changed: ${now.replace(/\n/g, ",")}`,
            },
            ...opts.extra,
        };
        this.sums = db.checksums(database);
        this.before = this.read();
    }

    private read(): Record<string, string> {
        return Object.fromEntries(Object.entries(this.facets).map(([name, f]) => [name, f.read()]));
    }

    /** A facet as it was at the baseline. */
    baseline(facet: string): string {
        return this.before[facet];
    }

    rebaseline(): void {
        this.sums = this.db.checksums(this.database);
        this.before = this.read();
    }

    /** Each way DR differs from the baseline, one line each; empty when it is unchanged. */
    unchanged(): string[] {
        const problems = diffChecksums(this.sums, this.db.checksums(this.database)).map((d) => `DR table changed: ${d}`);
        const now = this.read();
        for (const [name, f] of Object.entries(this.facets)) {
            if (now[name] !== this.before[name]) problems.push(f.changed(this.before[name], now[name]));
        }
        return problems;
    }
}
