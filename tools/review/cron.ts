/**
 * How often a Kubernetes CronJob schedule (five fields, as batch/v1 takes it) runs in an average month, for the cost
 * estimate, and the longest wait between two runs, for the recovery point. Pure. Runs a month are averaged (730 hours
 * a month), not counted on a calendar; the longest gap is counted on one (days of week and month matter there).
 */

/** The hours in the average month AWS prices by (8,760 / 12). */
export const HOURS_PER_MONTH = 730;
export const DAYS_PER_MONTH = HOURS_PER_MONTH / 24;

const MACROS: Readonly<Record<string, string>> = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
};

/** The values one field selects, e.g. `*\/15` over 0..59 -> 4 values; undefined when the field is not understood. */
function fieldValues(field: string, min: number, max: number): Set<number> | undefined {
    const out = new Set<number>();
    for (const part of field.split(",")) {
        const m = /^(\*|\d+(?:-\d+)?)(?:\/(\d+))?$/.exec(part);
        if (!m) return undefined;
        let lo = min;
        let hi = max;
        if (m[1] !== "*") {
            const [a, b] = m[1].split("-").map(Number);
            lo = a;
            hi = b ?? (m[2] ? max : a);
        }
        const step = m[2] ? Number(m[2]) : 1;
        if (lo < min || hi > max || lo > hi || step < 1) return undefined;
        for (let v = lo; v <= hi; v += step) out.add(v);
    }
    return out;
}

/** The values each field of a five-field schedule selects; undefined when a field is not understood. */
function parse(schedule: string) {
    const fields = (MACROS[schedule.trim()] ?? schedule).trim().split(/\s+/);
    if (fields.length !== 5) return undefined;
    const [minute, hour, dom, month, dow] = fields;
    const minutes = fieldValues(minute, 0, 59);
    const hours = fieldValues(hour, 0, 23);
    const doms = fieldValues(dom, 1, 31);
    const months = fieldValues(month, 1, 12);
    const dows = fieldValues(dow.replace(/\b7\b/g, "0"), 0, 6);
    if (!minutes || !hours || !doms || !months || !dows) return undefined;
    return { minutes, hours, doms, months, dows, anyDom: dom === "*", anyMonth: month === "*", anyDow: dow === "*" };
}

/** Average runs per month of a schedule; undefined when the schedule is not a plain five-field one this reads. */
export function runsPerMonth(schedule: string): number | undefined {
    const p = parse(schedule);
    if (!p) return undefined;
    // cron runs on a day when the day of month or the day of week matches, if either is restricted (both: either).
    const domShare = p.anyDom ? 1 : p.doms.size / 31;
    const dowShare = p.anyDow ? 1 : p.dows.size / 7;
    const dayShare = !p.anyDom && !p.anyDow ? Math.min(1, domShare + dowShare - domShare * dowShare) : domShare * dowShare;
    const perDay = p.minutes.size * p.hours.size;
    return perDay * DAYS_PER_MONTH * dayShare * (p.months.size / 12);
}

/** 28 years from a leap year: the calendar of dates and weekdays repeats every 28 years between 1901 and 2099. */
const CALENDAR_START_MS = Date.UTC(2028, 0, 1);
const CALENDAR_DAYS = 28 * 365 + 7;

/**
 * The longest time, in seconds, between two consecutive runs of a schedule: what is written just after one run waits
 * this long for the next. Counted in the schedule's own wall clock (a daylight-saving change can add an hour in zones
 * that have one); undefined when the schedule is not a plain five-field one this reads.
 */
export function longestGapS(schedule: string): number | undefined {
    const p = parse(schedule);
    if (!p) return undefined;
    const times = [...p.hours].flatMap((h) => [...p.minutes].map((m) => h * 60 + m)).sort((a, b) => a - b);
    if (p.anyDom && p.anyMonth && p.anyDow) {
        // Every day alike: the longest gap within a day, or across midnight to the next day's first run.
        return Math.max(...times.map((t, i) => (i + 1 < times.length ? times[i + 1] : times[0] + 24 * 60) - t)) * 60;
    }
    let previous: number | undefined;
    let longest: number | undefined;
    for (let day = 0; day < CALENDAR_DAYS; day++) {
        const d = new Date(CALENDAR_START_MS + day * 86_400_000);
        const dom = p.doms.has(d.getUTCDate());
        const dow = p.dows.has(d.getUTCDay());
        const runsThatDay = (!p.anyDom && !p.anyDow ? dom || dow : dom && dow) && p.months.has(d.getUTCMonth() + 1);
        if (!runsThatDay) continue;
        for (const t of times) {
            const minute = day * 24 * 60 + t;
            if (previous !== undefined) longest = Math.max(longest ?? 0, minute - previous);
            previous = minute;
        }
    }
    return longest === undefined ? undefined : longest * 60;
}
