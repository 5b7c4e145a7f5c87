/**
 * How often a Kubernetes CronJob schedule (five fields, as batch/v1 takes it) runs in an average month, for the cost
 * estimate. Pure. Months and weekdays are averaged (730 hours a month), not counted on a calendar.
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

/** Average runs per month of a schedule; undefined when the schedule is not a plain five-field one this reads. */
export function runsPerMonth(schedule: string): number | undefined {
    const fields = (MACROS[schedule.trim()] ?? schedule).trim().split(/\s+/);
    if (fields.length !== 5) return undefined;
    const [minute, hour, dom, month, dow] = fields;
    const minutes = fieldValues(minute, 0, 59);
    const hours = fieldValues(hour, 0, 23);
    const doms = fieldValues(dom, 1, 31);
    const months = fieldValues(month, 1, 12);
    const dows = fieldValues(dow.replace(/\b7\b/g, "0"), 0, 6);
    if (!minutes || !hours || !doms || !months || !dows) return undefined;
    // cron runs on a day when the day of month or the day of week matches, if either is restricted (both: either).
    const domShare = dom === "*" ? 1 : doms.size / 31;
    const dowShare = dow === "*" ? 1 : dows.size / 7;
    const dayShare =
        dom !== "*" && dow !== "*" ? Math.min(1, domShare + dowShare - domShare * dowShare) : dom === "*" ? dowShare : domShare;
    const perDay = minutes.size * hours.size;
    return perDay * DAYS_PER_MONTH * dayShare * (months.size / 12);
}
