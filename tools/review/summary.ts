/**
 * The review summary printed at the top of the plan and written to out/plan/<stack>/summary.json: the site's role,
 * worst-case switch time and recovery point in words, what a real `pulumi up` creates by layer, every DNS name, the
 * estimated monthly cost per DR mode, and the warnings. Built from one planned stack; pure apart from nothing (the runs are the
 * caller's).
 */
import { switchTimeEstimate } from "../../components/dns";
import { CDN_PRIMARY_CONNECTION, mediaHostname } from "../../components/media";
import { PROJECT } from "../../stacks/schema";
import { CostEstimate, formatCost } from "./cost";
import { longestGapS, runsPerMonth } from "./cron";
import { DnsName, dnsNames } from "./dns";
import { Inventory, inventory, namespacedName, PlannedResource } from "./inventory";
import { mediaFacts, mediaResources, outboundReplication, S3_RTC_MINUTES } from "./media";
import { asArray, asBoolean, asNumber, asObject, asString, get, PLACEHOLDER_LABEL, Placeholders, usd } from "./values";

export interface RoleSummary {
    /** The stack output `role` (stacks/roles.ts), as the run returned it. */
    readonly role: Readonly<Record<string, unknown>>;
    readonly active: boolean;
    readonly words: string[];
    readonly recoveryPoint: RecoveryPointSummary;
}

export interface SwitchTimeSummary {
    readonly manualS: number;
    readonly automaticS: number;
    readonly automaticDnsOn: boolean;
    /**
     * Uploads in S3: the longest the CDN waits for the dc bucket's region before it asks the dr bucket (per request, no
     * switch). Absent when the uploads are on the content volume (they switch with the site).
     */
    readonly mediaFailoverS?: number;
    /** The stack output `dnsSwitchTime`. */
    readonly output: string;
    readonly words: string;
}

/**
 * How old the data a failover starts from may be: what the surviving region holds when the other is lost. The
 * database gets there only in backup sets; the uploads by S3 replication (mediaStorage s3) or in the backup set with
 * the content volume (volume).
 */
export interface RecoveryPointSummary {
    readonly database: {
        /** The backup CronJob's schedule and time zone (config backupSchedule, scheduleTimeZone). */
        readonly schedule?: string;
        readonly timeZone?: string;
        /**
         * The longest gap between two backups, in seconds: a write just after one backup waits this long for the next.
         * The backup's own run and the set's replication come on top. Absent when the schedule cannot be read.
         */
        readonly intervalS?: number;
        /**
         * The backup sets' replication: its RTC threshold in seconds when on, null when it has no time bound; absent when
         * this stack plans no backup buckets (the dc stack owns them).
         */
        readonly replicationBoundS?: number | null;
    };
    readonly media: {
        /** The stack output `mediaStorage`: s3 or volume. */
        readonly storage: string;
        /** How far behind the other region usually is, in words. */
        readonly typical: string;
        /** s3: RTC on the direction that carries this site's uploads; absent when this stack plans no media store (dr). */
        readonly rtc?: boolean;
        /**
         * s3: the RTC threshold in seconds (99.99% of uploads within it), null without RTC (no time bound), absent when
         * not known here (the dc stack owns the media store). volume: the backup sets', as for the database.
         */
        readonly replicationBoundS?: number | null;
        /** volume: the longest gap between backups, as for the database. */
        readonly intervalS?: number;
    };
    readonly words: string[];
}

export interface CostSummary {
    readonly drMode: string;
    /** Total per DR mode, each from its own plan of this stack. */
    readonly totalByDrMode: Readonly<Record<string, number>>;
    readonly estimate: CostEstimate;
    readonly pricesFile: string;
}

export interface Summary {
    readonly stack: string;
    readonly configFile: string;
    readonly site: string;
    readonly region: string;
    readonly warnings: string[];
    readonly role: RoleSummary;
    readonly switchTime: SwitchTimeSummary;
    readonly resources: Inventory;
    readonly dns: DnsName[];
    readonly cost: CostSummary;
    readonly placeholders: string;
}

export interface SummaryInput {
    readonly stack: string;
    readonly configFile: string;
    readonly config: Readonly<Record<string, string>>;
    readonly resources: readonly PlannedResource[];
    readonly outputs: Readonly<Record<string, unknown>>;
    readonly warnings: string[];
    readonly costByDrMode: Readonly<Record<string, CostEstimate>>;
    readonly pricesFile: string;
    readonly placeholders: Placeholders;
}

const cfg = (config: Readonly<Record<string, string>>, key: string) => config[`${PROJECT}:${key}`];

function cronOf(resources: readonly PlannedResource[], kind: "backup" | "restore"): PlannedResource | undefined {
    return resources.find((r) => r.type === "kubernetes:batch/v1:CronJob" && namespacedName(r).includes(kind));
}

function scheduleWords(r: PlannedResource | undefined): string {
    if (!r) return "(no CronJob)";
    const schedule = asString(get(r.inputs, "spec", "schedule")) ?? "?";
    const runs = runsPerMonth(schedule);
    return `"${schedule}" ${asString(get(r.inputs, "spec", "timeZone")) ?? ""} (CronJob ${namespacedName(r)}${runs ? `, ~${Math.round(runs)} runs a month` : ""})`;
}

/** The stack output `role` in sentences a reviewer can check against intent. */
export function roleWords(input: Pick<SummaryInput, "config" | "resources" | "outputs">): string[] {
    const role = asObject(input.outputs.role) ?? {};
    const site = asString(input.outputs.siteName) ?? cfg(input.config, "site") ?? "?";
    const region = asString(input.outputs.region) ?? "?";
    const domain = cfg(input.config, "domain") ?? "the domain";
    const replicas = asNumber(role.ghostReplicas) ?? 0;
    const active = asBoolean(role.active) === true;
    const peerStack = cfg(input.config, "peerStack") ?? "";
    const out: string[] = [];
    if (active && replicas > 0)
        out.push(`${site} (${region}) is the ACTIVE site: it serves ${domain} with Ghost (${replicas} replica).`);
    else if (active)
        out.push(
            `${site} (${region}) is the ACTIVE site in MAINTENANCE: Ghost is stopped and the maintenance page is served; backups still run.`,
        );
    else
        out.push(
            `${site} (${region}) is the STANDBY site: Ghost is stopped (0 replicas) and its load balancer answers with the maintenance page.`,
        );

    const backup = cronOf(input.resources, "backup");
    const restore = cronOf(input.resources, "restore");
    out.push(
        asBoolean(role.runsBackups) === true
            ? `It backs up on ${scheduleWords(backup)} to ${asString(input.outputs.backupBucket) ?? "its bucket"}.`
            : `Its backup CronJob is suspended: a standby never backs up (it would publish stale sets).`,
    );
    const restoreMode = asString(role.restore);
    if (restoreMode === "scheduled")
        out.push(`It restores the active site's newest backup on ${scheduleWords(restore)}: a WARM standby.`);
    else if (restoreMode === "on-bring-up")
        out.push(`It restores once, when brought up (a one-off Job, no restore CronJob): a COLD standby.`);
    else out.push("It never restores (an active site would overwrite its own writes).");
    if (asBoolean(role.restoreOnce) === true) out.push("This `pulumi up` runs a one-off restore Job and waits for it.");
    if (asBoolean(role.catchUpRestore) === true)
        out.push("Turning active, it first restores the newest backup (a catch-up Job), then starts Ghost.");

    const target = asString(role.domainTarget) ?? "?";
    if (asBoolean(role.ownsDomainRecord) === true) {
        const why =
            site === "dr"
                ? "the dr stack writes them whenever it is deployed"
                : peerStack === ""
                  ? `it has no ${PROJECT}:peerStack, so it knows of no dr site`
                  : `its peer stack ${peerStack} has not been deployed`;
        out.push(`This stack writes the failover records of ${domain}, pointing them at ${target}.${domain} (${why}).`);
    } else {
        out.push(`This stack does not write ${domain}: the dr stack (${peerStack}) does, and points it at ${target}.${domain}.`);
    }
    if (asBoolean(role.automaticDns) === true) {
        out.push(
            `Automatic DNS failover is on: Route 53 health-checks dc.${domain} and answers with dr's maintenance page while dc fails.`,
        );
    }
    return out;
}

/** A duration in the unit a reader thinks in: 15 min, 1 h, 3 days. */
export function durationWords(s: number): string {
    if (s >= 86_400 && s % 86_400 === 0) return `${s / 86_400} day${s === 86_400 ? "" : "s"}`;
    if (s >= 3_600 && s % 3_600 === 0) return `${s / 3_600} h`;
    return `${Math.round(s / 60)} min`;
}

/** What the uploads' replication promises, in the words a reviewer checks against AWS's. */
export const S3_REPLICATION_WORDS =
    `S3 cross-region replication, typically seconds to minutes; with RTC 99.99% within ${S3_RTC_MINUTES} minutes; ` +
    "without RTC no time bound (AWS: most objects in 15 minutes, some may take hours)";

/** The recovery point of a failover from this stack's planned resources and outputs. */
export function recoveryPoint(
    resources: readonly PlannedResource[],
    outputs: Readonly<Record<string, unknown>>,
    region: string,
): RecoveryPointSummary {
    const backup = cronOf(resources, "backup");
    const schedule = asString(get(backup?.inputs, "spec", "schedule"));
    const timeZone = asString(get(backup?.inputs, "spec", "timeZone"));
    const intervalS = schedule === undefined ? undefined : longestGapS(schedule);
    // The backup buckets' replication: every replication configuration but the media store's.
    const media = new Set(mediaResources(resources).map((r) => r.urn));
    const backupRules = resources
        .filter((r) => r.type === "aws:s3/bucketReplicationConfig:BucketReplicationConfig" && !media.has(r.urn))
        .flatMap((r) => asArray(r.inputs.rules));
    const rtcMinutes = backupRules.map((x) =>
        asString(get(x, "destination", "replicationTime", "status")) === "Enabled"
            ? asNumber(get(x, "destination", "replicationTime", "time", "minutes"))
            : undefined,
    );
    const backupBoundS =
        backupRules.length === 0 ? undefined : rtcMinutes.every((m) => m !== undefined) ? Math.max(...rtcMinutes) * 60 : null;

    const interval =
        intervalS === undefined
            ? `one interval of backupSchedule "${schedule ?? "?"}" (not a schedule this review reads)`
            : `${durationWords(intervalS)} (the longest gap of backupSchedule "${schedule}"${timeZone ? ` ${timeZone}` : ""})`;
    const setReplication =
        backupBoundS === undefined
            ? "the set's replication to the other region"
            : backupBoundS === null
              ? "the set's replication to the other region (S3 cross-region replication without RTC: no time bound)"
              : `the set's replication to the other region (with RTC: 99.99% within ${durationWords(backupBoundS)})`;
    const words = [
        `Recovery point of a failover (how old the data the surviving region holds may be):`,
        `  Database: it reaches the other region only in backup sets, so it is as old as the newest set there: up to ${interval}, plus the backup's own run and ${setReplication}.`,
    ];

    const storage = asString(outputs.mediaStorage) ?? "?";
    let mediaPart: RecoveryPointSummary["media"];
    if (storage === "s3") {
        const f = mediaFacts(resources, region);
        const out = f && outboundReplication(f, region);
        const rtc = out?.rtc;
        words.push(
            `  Uploads: ${S3_REPLICATION_WORDS}. ` +
                (rtc === undefined
                    ? `RTC is the dc stack's choice (it owns the media buckets): ${PROJECT}:mediaReplicationRtc there.`
                    : `RTC is ${rtc ? "on" : "off"} here (${PROJECT}:mediaReplicationRtc).`),
        );
        mediaPart = {
            storage,
            typical: "seconds to minutes",
            rtc,
            replicationBoundS: out === undefined ? undefined : out.rtc ? (out.rtcS ?? null) : null,
        };
    } else if (storage === "volume") {
        words.push(
            `  Uploads: on the content volume, as old as the newest backup (at most one backupSchedule interval plus replication): ` +
                `up to ${interval}, plus the backup's own run and ${setReplication}.`,
        );
        mediaPart = { storage, typical: "as old as the newest backup set", intervalS, replicationBoundS: backupBoundS };
    } else {
        words.push(`  Uploads: the stack has no mediaStorage output (${storage}): not known here.`);
        mediaPart = { storage, typical: "not known" };
    }
    return {
        database: { schedule, timeZone, intervalS, replicationBoundS: backupBoundS },
        media: mediaPart,
        words,
    };
}

export function switchTimeWords(
    outputs: Readonly<Record<string, unknown>>,
    config: Readonly<Record<string, string>>,
): SwitchTimeSummary {
    const t = switchTimeEstimate();
    const automaticDnsOn = asBoolean(get(outputs, "role", "automaticDns")) === true;
    const mode = cfg(config, "dnsFailover") ?? "manual";
    const why =
        mode === "manual"
            ? `${PROJECT}:dnsFailover is manual: only the failover flag moves the domain`
            : `${PROJECT}:dnsFailover is ${mode}, but only the dr stack's standby runs the health check`;
    const words =
        `Worst-case switch time: ${t.manualS} s (${(t.manualS / 60).toFixed(1)} min) from the moment the dr stack's \`pulumi up\` writes the ` +
        `new record until every resolver follows it, on top of that update's own run (the catch-up restore and Ghost's start come first). ` +
        (automaticDnsOn
            ? `Automatic failover is on: visitors get dr's maintenance page within ${t.automaticS} s of dc failing.`
            : `Automatic failover is off here (${why}).`);
    // Uploads in S3 need no switch: both sites link to the CDN, which asks the dc bucket, then the dr bucket.
    const s3 = asString(outputs.mediaStorage) === "s3";
    const { attempts, timeoutS } = CDN_PRIMARY_CONNECTION;
    const mediaFailoverS = s3 ? attempts * timeoutS : undefined;
    const media = s3
        ? ` Uploads need no switch: ${mediaHostname(cfg(config, "domain") ?? "<domain>")} serves from whichever bucket answers ` +
          `(the CDN fails over per request, waiting at most ${attempts} x ${timeoutS} s = ${mediaFailoverS} s when the dc region is unreachable).`
        : "";
    return {
        manualS: t.manualS,
        automaticS: t.automaticS,
        automaticDnsOn,
        mediaFailoverS,
        output: asString(outputs.dnsSwitchTime) ?? "",
        words: words + media,
    };
}

export function buildSummary(input: SummaryInput): Summary {
    const drMode = cfg(input.config, "drMode") ?? "warm";
    const region = asString(input.outputs.region) ?? input.config["aws:region"] ?? "?";
    const estimate = input.costByDrMode[drMode] ?? Object.values(input.costByDrMode)[0];
    return {
        stack: input.stack,
        configFile: input.configFile,
        site: asString(input.outputs.siteName) ?? "?",
        region: asString(input.outputs.region) ?? "?",
        warnings: input.warnings,
        role: {
            role: asObject(input.outputs.role) ?? {},
            active: asBoolean(input.outputs.active) === true,
            words: roleWords(input),
            recoveryPoint: recoveryPoint(input.resources, input.outputs, region),
        },
        switchTime: switchTimeWords(input.outputs, input.config),
        resources: inventory(input.resources, input.placeholders, region),
        dns: dnsNames(input.resources, input.placeholders),
        cost: {
            drMode,
            totalByDrMode: Object.fromEntries(
                Object.entries(input.costByDrMode).map(([m, c]) => [m, Math.round(c.total * 100) / 100]),
            ),
            estimate,
            pricesFile: input.pricesFile,
        },
        placeholders:
            `values marked ${PLACEHOLDER_LABEL} are what the offline mocks answer for things that exist only after a deploy ` +
            "(ids, ARNs in the mocks' account, ACM validation names, the EBS CSI add-on build); a real preview shows them as unknown",
    };
}

export function formatSummary(s: Summary): string {
    const out: string[] = [];
    out.push(`== Review summary (also in summary.json) ==`);
    if (s.warnings.length) {
        out.push("", `Warnings (${s.warnings.length}, the plan goes on):`);
        out.push(...s.warnings.map((w) => `  ! ${w}`));
    }
    out.push(
        "",
        "Role:",
        ...s.role.words.map((w) => `  ${w}`),
        `  ${s.switchTime.words}`,
        ...s.role.recoveryPoint.words.map((w) => `  ${w}`),
    );

    const inv = s.resources;
    out.push(
        "",
        `What \`pulumi up\` creates: ${inv.preview.create} resources to create${inv.preview.read ? `, ${inv.preview.read} to read` : ""} ` +
            `(estimate of a real preview's count: ${inv.preview.programRecorded} registered by the program + ${inv.preview.remoteDerived} created ` +
            `by remote components + the stack)`,
    );
    out.push(`  ${"layer".padEnd(8)} ${"program".padStart(7)} ${"remote".padStart(6)} ${"total".padStart(5)}`);
    for (const l of inv.layers) {
        out.push(
            `  ${l.layer.padEnd(8)} ${String(l.program).padStart(7)} ${String(l.remote).padStart(6)} ${String(l.total).padStart(5)}  ${l.title}`,
        );
        out.push(...l.highlights.map((h) => `      - ${h}`));
    }
    out.push("  Created at deploy time by controllers and AWS (not in a preview; on the bill):");
    out.push(...inv.runtime.map((r) => `      - ${r}`));
    out.push("  About the count:", ...inv.preview.notes.map((n) => `      - ${n}`));

    out.push("", "DNS names this stack publishes or owns:");
    for (const d of s.dns) {
        out.push(
            `  ${d.name}  ${d.type} -> ${d.target}  TTL ${d.ttlS} s (${d.ttlNote}); ${d.writer}${d.note ? `; ${d.note}` : ""}`,
        );
    }

    const c = s.cost;
    const modes = Object.entries(c.totalByDrMode)
        .map(([m, t]) => `${m} ${usd(t)}${m === c.drMode ? " (this stack file)" : ""}`)
        .join(", ");
    out.push(
        "",
        `Estimated monthly cost, ${c.estimate.currency} (an ESTIMATE; prices ${c.pricesFile}, 730 h a month): ${modes}, by ${"ghost-dcdr:drMode"}`,
    );
    out.push(...formatCost(c.estimate));
    out.push(`  ${usd(c.estimate.total).padStart(10)}  total for drMode ${c.drMode}`);
    if (c.estimate.unpriced.length)
        out.push(`  NOT PRICED (missing in prices.json, left out of the total): ${c.estimate.unpriced.join(", ")}`);
    if (c.estimate.unverified.length)
        out.push(`  Unverified prices (no AWS source found offline; see prices.json): ${c.estimate.unverified.join(", ")}`);
    out.push(
        `  Assumptions: ${Object.entries(c.estimate.assumptions)
            .map(([k, a]) => `${k}=${a.value} ${a.unit}`)
            .join("; ")}`,
    );
    out.push(`  Not included: ${c.estimate.notIncluded.join("; ")}`);
    out.push("", `Placeholders: ${s.placeholders}.`);
    return out.join("\n");
}
