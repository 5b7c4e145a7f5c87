/**
 * The contracts the pin table names (components/pins.ts) and the files that hold them under UPSTREAM_REFS.
 * Every pin that lists `contracts` is found by shape, so a new pin is checked (or reported unchecked) without
 * touching this file.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import * as pins from "../../components/pins";
import type { ChartPin, Contract } from "../../components/pins";
import { isPlainObject, Problem } from "./problems";

export interface PinContracts {
    /** How the pin is written in components/pins.ts, e.g. `CHARTS.externalDns` or `EBS_CSI_DRIVER`. */
    readonly pin: string;
    /** Set when the pin is a Helm chart. */
    readonly chart?: ChartPin;
    readonly contracts: readonly Contract[];
}

function hasContracts(v: unknown): v is { contracts: readonly Contract[] } {
    return isPlainObject(v) && Array.isArray(v.contracts);
}

function isChartPin(v: unknown): v is ChartPin {
    return hasContracts(v) && typeof (v as { chart?: unknown }).chart === "string";
}

/** Every pin with contracts: exports that carry `contracts`, and the entries of exported tables (CHARTS) that do. */
export function pinTable(module: Readonly<Record<string, unknown>> = pins): PinContracts[] {
    const out: PinContracts[] = [];
    const add = (pin: string, v: { contracts: readonly Contract[] }) =>
        out.push({ pin, chart: isChartPin(v) ? v : undefined, contracts: v.contracts });
    for (const [name, value] of Object.entries(module)) {
        if (hasContracts(value)) add(name, value);
        else if (isPlainObject(value)) {
            for (const [key, entry] of Object.entries(value)) if (hasContracts(entry)) add(`${name}.${key}`, entry);
        }
    }
    return out;
}

/** Where a contract is published, as `--download` fetches it. */
export const sourceOf = (c: Contract): string => `${c.repo}@${c.ref}:${c.path}`;

type Format = "json" | "yaml" | "yaml-all";

/**
 * Reads contract files from one directory, each parsed once. A file that is missing or does not parse is one
 * problem (reported by `missing` and `problems`), and the checks that need it skip it. Every contract a check
 * asks for counts as used, so `unused` can name the contracts nothing held the plan against.
 */
export class ContractStore {
    private readonly cache = new Map<string, { text: string; parsed: unknown } | undefined>();
    private readonly used = new Set<string>();
    private readonly parseProblems: Problem[] = [];

    constructor(
        readonly dir: string,
        readonly pins: readonly PinContracts[] = pinTable(),
    ) {}

    /** Every contract with its pin. */
    all(): { pin: PinContracts; contract: Contract }[] {
        return this.pins.flatMap((pin) => pin.contracts.map((contract) => ({ pin, contract })));
    }

    /** Distinct contract files the pin table names. */
    fileCount(): number {
        return new Set(this.all().map(({ contract }) => contract.file)).size;
    }

    /** One problem per contract file the pin table names that is not in the directory, with where to get it. */
    missing(): Problem[] {
        const problems: Problem[] = [];
        const seen = new Set<string>();
        for (const { pin, contract } of this.all()) {
            if (seen.has(contract.file) || fs.existsSync(this.pathOf(contract))) continue;
            seen.add(contract.file);
            problems.push({
                text:
                    `contracts: ${contract.file} (${contract.kind} of ${pin.pin}) is missing from ${this.dir}: ` +
                    `copy ${sourceOf(contract)} there, or run npm run check:upstream -- --download`,
            });
        }
        return problems;
    }

    /** Files that exist but do not parse. */
    problems(): Problem[] {
        return [...this.parseProblems];
    }

    /** The parsed contract, or undefined when it is missing or unreadable (reported once, elsewhere). */
    load(contract: Contract, format: Format): unknown {
        return this.read(contract, format)?.parsed;
    }

    /** The file's text (for what only a comment says), or undefined as for `load`. */
    text(contract: Contract, format: Format): string | undefined {
        return this.read(contract, format)?.text;
    }

    /** The contracts no check asked for: nothing held the plans against them, which must not pass silently. */
    unused(stacks: readonly string[]): Problem[] {
        return this.all()
            .filter(({ contract }) => !this.used.has(contract.file))
            .map(({ pin, contract }) => ({
                text: `contracts: ${contract.file} (${contract.kind} of ${pin.pin}) was checked against nothing in ${stacks.join(", ")}: ${UNUSED_HINT[contract.kind]}`,
            }));
    }

    private pathOf(contract: Contract): string {
        return path.join(this.dir, contract.file);
    }

    private read(contract: Contract, format: Format): { text: string; parsed: unknown } | undefined {
        this.used.add(contract.file);
        if (this.cache.has(contract.file)) return this.cache.get(contract.file);
        let entry: { text: string; parsed: unknown } | undefined;
        try {
            const text = fs.readFileSync(this.pathOf(contract), "utf8");
            const parsed: unknown =
                format === "json" ? (JSON.parse(text) as unknown) : format === "yaml" ? yaml.load(text) : yaml.loadAll(text);
            entry = { text, parsed };
        } catch (e) {
            const err = e as NodeJS.ErrnoException;
            // A missing file is reported once by `missing`; anything else (a truncated download) is reported here.
            if (err.code !== "ENOENT") {
                this.parseProblems.push({
                    text: `contracts: ${contract.file} is not readable ${format}: ${err.message.split("\n")[0]}`,
                });
            }
        }
        this.cache.set(contract.file, entry);
        return entry;
    }
}

const UNUSED_HINT: Record<Contract["kind"], string> = {
    "iam-policy": "no RolePolicy of the component its pin maps to (IAM_POLICY_OWNERS in tools/upstream/iam.ts) is in the plans",
    crds: "no object of its API group is in the plans, or the group is not listed in tools/upstream/crds.ts",
    "helm-values": "no Helm release of its chart is in the plans",
    "helm-values-schema": "no Helm release of its chart is in the plans",
};
