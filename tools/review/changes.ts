/**
 * What changes between two plans of one stack (the stack file, and the stack file with `--set` overrides): resources
 * added, removed and changed (with the input paths), and in words what a reviewer of a failover asks: which CronJobs
 * suspend or resume, where the public domain points, what starts and stops. Pure: both plans are arguments.
 */
import { namespacedName, PlannedResource, servesMaintenance } from "./inventory";
import { asArray, asBoolean, asNumber, asObject, asString, get, Json, Placeholders, show } from "./values";

export interface PlanSide {
    readonly resources: readonly PlannedResource[];
    /** The stack outputs (role, active, ...). */
    readonly outputs: Readonly<Record<string, unknown>>;
}

export interface InputChange {
    readonly path: string;
    readonly from: Json;
    readonly to: Json;
}

export interface ResourceChange {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    readonly changes: InputChange[];
}

export interface ChangeReport {
    readonly added: { urn: string; type: string; name: string }[];
    readonly removed: { urn: string; type: string; name: string }[];
    readonly changed: ResourceChange[];
    /** Each CronJob that exists on either side, in words: "suspends", "resumes", "added", ... */
    readonly cronJobs: string[];
    /** Where `<domain>` points (the failover records), before -> after. */
    readonly domain: string[];
    /** Workloads that start or stop: Deployment replicas, one-off Jobs, Helm releases, what the Ingress serves. */
    readonly startsAndStops: string[];
    /** The stack outputs that change (role, active, failover, where the uploads are). */
    readonly outputs: InputChange[];
}

/** Every leaf path where two JSON values differ, e.g. `spec.suspend`, `metadata.annotations["a/b"]`, `spec.rules[0].host`. */
export function diffInputs(a: Json, b: Json, path = ""): InputChange[] {
    if (JSON.stringify(a) === JSON.stringify(b)) return [];
    if (typeof a === "string" && typeof b === "string" && (parsedJson(a) !== a || parsedJson(b) !== b)) {
        const pa = parsedJson(a);
        const pb = parsedJson(b);
        if (pa !== a && pb !== b) return diffInputs(pa, pb, path);
    }
    const oa = asObject(a);
    const ob = asObject(b);
    if (oa && ob) {
        const keys = [...new Set([...Object.keys(oa), ...Object.keys(ob)])].sort();
        return keys.flatMap((k) => diffInputs(oa[k], ob[k], join(path, k)));
    }
    if (Array.isArray(a) && Array.isArray(b)) {
        // By index: an item added at the end (a new IAM statement) shows as `[n]: undefined -> {...}`.
        return Array.from({ length: Math.max(a.length, b.length) }, (_, i) => diffInputs(a[i], b[i], `${path}[${i}]`)).flat();
    }
    return [{ path: path || "(whole value)", from: a, to: b }];
}

function join(path: string, key: string): string {
    if (/^[A-Za-z_$][\w$]*$/.test(key)) return path ? `${path}.${key}` : key;
    return `${path}[${JSON.stringify(key)}]`;
}

/** A JSON document held in a string (IAM policies, kubeconfig): parsed, so the diff names the statement that changed. */
function parsedJson(v: Json): Json {
    if (typeof v !== "string" || !/^\s*[{[]/.test(v)) return v;
    try {
        return JSON.parse(v) as Json;
    } catch {
        return v;
    }
}

const byUrn = (rs: readonly PlannedResource[]) => new Map(rs.map((r) => [r.urn, r]));

function failoverTarget(resources: readonly PlannedResource[], failover: string): string | undefined {
    const r = resources.find(
        (x) =>
            x.type === "aws:route53/record:Record" && asString(get(x.inputs, "failoverRoutingPolicies", 0, "type")) === failover,
    );
    return r ? (asString(get(r.inputs, "aliases", 0, "name")) ?? asArray(r.inputs.records).map(String).join(",")) : undefined;
}

function cronState(r: PlannedResource | undefined): string | undefined {
    if (!r) return undefined;
    const suspended = asBoolean(get(r.inputs, "spec", "suspend")) === true;
    return `${suspended ? "suspended" : "runs"} on "${asString(get(r.inputs, "spec", "schedule")) ?? "?"}"`;
}

export function changeReport(base: PlanSide, next: PlanSide): ChangeReport {
    const a = byUrn(base.resources);
    const b = byUrn(next.resources);
    const added = next.resources.filter((r) => !a.has(r.urn)).map(({ urn, type, name }) => ({ urn, type, name }));
    const removed = base.resources.filter((r) => !b.has(r.urn)).map(({ urn, type, name }) => ({ urn, type, name }));
    const changed: ResourceChange[] = [];
    for (const r of base.resources) {
        const other = b.get(r.urn);
        if (!other) continue;
        const changes = diffInputs(r.inputs, other.inputs);
        if (changes.length) changed.push({ urn: r.urn, type: r.type, name: r.name, changes });
    }

    const cronJobs: string[] = [];
    const crons = [
        ...new Set([...a.values(), ...b.values()].filter((r) => r.type === "kubernetes:batch/v1:CronJob").map((r) => r.urn)),
    ];
    for (const urn of crons) {
        const before = a.get(urn);
        const after = b.get(urn);
        const name = namespacedName((after ?? before)!);
        const sb = asBoolean(get(before?.inputs, "spec", "suspend")) === true;
        const sa = asBoolean(get(after?.inputs, "spec", "suspend")) === true;
        const verdict = !before
            ? `is added, ${cronState(after)}`
            : !after
              ? `is removed (was ${cronState(before)})`
              : sb && !sa
                ? `RESUMES: ${cronState(after)}`
                : !sb && sa
                  ? `SUSPENDS: ${cronState(after)}`
                  : `unchanged: ${cronState(after)}`;
        cronJobs.push(`CronJob ${name} ${verdict}`);
    }

    const domain: string[] = [];
    const failoverRecord = [...next.resources, ...base.resources].find(
        (x) => x.type === "aws:route53/record:Record" && get(x.inputs, "failoverRoutingPolicies") !== undefined,
    );
    const domainName = asString(failoverRecord?.inputs.name) ?? "<domain>";
    for (const failover of ["PRIMARY", "SECONDARY"]) {
        const from = failoverTarget(base.resources, failover);
        const to = failoverTarget(next.resources, failover);
        if (from === undefined && to === undefined) continue;
        const what = `${domainName} ${failover} record`;
        domain.push(
            from === to
                ? `${what}: stays on ${from}`
                : to === undefined
                  ? `${what}: no longer written by this stack (was ${from})`
                  : from === undefined
                    ? `${what}: now written by this stack, -> ${to}`
                    : `${what}: ${from} -> ${to}`,
        );
    }
    if (domain.length === 0)
        domain.push(`${domainName}: this stack writes no failover record before or after (the dr stack does)`);
    const hc = (rs: readonly PlannedResource[]) => rs.some((x) => x.type === "aws:route53/healthCheck:HealthCheck");
    if (hc(base.resources) !== hc(next.resources)) {
        domain.push(
            `Route 53 health check of dc: ${hc(next.resources) ? "added (automatic DNS failover on)" : "removed (automatic DNS failover off)"}`,
        );
    }

    const startsAndStops: string[] = [];
    for (const r of next.resources.filter((x) => x.type === "kubernetes:apps/v1:Deployment")) {
        const before = a.get(r.urn);
        const from = before ? (asNumber(get(before.inputs, "spec", "replicas")) ?? 1) : 0;
        const to = asNumber(get(r.inputs, "spec", "replicas")) ?? 1;
        if (from !== to)
            startsAndStops.push(`Deployment ${namespacedName(r)}: replicas ${from} -> ${to} (${to > from ? "STARTS" : "STOPS"})`);
    }
    for (const r of base.resources.filter((x) => x.type === "kubernetes:apps/v1:Deployment" && !b.has(x.urn))) {
        startsAndStops.push(`Deployment ${namespacedName(r)} is removed (STOPS)`);
    }
    for (const r of added.map((x) => b.get(x.urn)!).filter((x) => x.type === "kubernetes:batch/v1:Job")) {
        startsAndStops.push(
            `Job ${r.name} ${show(get(r.inputs, "metadata", "labels"))} is added: it RUNS ONCE during \`pulumi up\`, which waits for it`,
        );
    }
    for (const r of removed.map((x) => a.get(x.urn)!).filter((x) => x.type === "kubernetes:batch/v1:Job")) {
        startsAndStops.push(`Job ${r.name} is removed (it no longer runs at deploy)`);
    }
    for (const r of added.map((x) => b.get(x.urn)!).filter((x) => x.type === "kubernetes:helm.sh/v3:Release")) {
        startsAndStops.push(`Helm release ${show(r.inputs.chart)} ${show(r.inputs.version)} is installed (STARTS)`);
    }
    for (const r of removed.map((x) => a.get(x.urn)!).filter((x) => x.type === "kubernetes:helm.sh/v3:Release")) {
        startsAndStops.push(`Helm release ${show(r.inputs.chart)} is uninstalled (STOPS)`);
    }
    for (const r of next.resources.filter((x) => x.type === "kubernetes:networking.k8s.io/v1:Ingress")) {
        const before = a.get(r.urn);
        if (before && servesMaintenance(before) !== servesMaintenance(r)) {
            startsAndStops.push(
                `Ingress ${namespacedName(r)}: ${servesMaintenance(before) ? "maintenance page" : "Ghost"} -> ${servesMaintenance(r) ? "maintenance page (503)" : "Ghost"}`,
            );
        }
    }

    const outputs = ["role", "active", "failover", "externalDnsEnabled", "mediaStorage"].flatMap((k) =>
        diffInputs(base.outputs[k], next.outputs[k], k).map((c) => ({ ...c })),
    );
    return { added, removed, changed, cronJobs, domain, startsAndStops, outputs };
}

/** The report as text lines. */
export function formatChangeReport(r: ChangeReport, ph?: Placeholders, indent = "  "): string[] {
    const s = (v: Json) => show(v, { placeholders: ph, maxString: 400 });
    const out: string[] = [];
    const section = (title: string, lines: string[]) => {
        out.push(`${indent}${title}`);
        out.push(...(lines.length ? lines.map((l) => `${indent}  ${l}`) : [`${indent}  (none)`]));
    };
    section(
        "Role and outputs:",
        r.outputs.map((c) => `${c.path}: ${s(c.from)} -> ${s(c.to)}`),
    );
    section("Where the domain points:", r.domain);
    section("CronJobs:", r.cronJobs);
    section("What starts and stops:", r.startsAndStops);
    section(`Resources added (${r.added.length}), removed (${r.removed.length}), changed (${r.changed.length}):`, [
        ...r.added.map((x) => `+ ${x.urn}`),
        ...r.removed.map((x) => `- ${x.urn}`),
        ...r.changed.flatMap((x) => [`~ ${x.urn}`, ...x.changes.map((c) => `    ${c.path}: ${s(c.from)} -> ${s(c.to)}`)]),
    ]);
    return out;
}
