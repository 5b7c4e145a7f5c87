/** Backup section: the standby's mode, the two buckets, the schedules, retention and Object Lock, Ghost's export. */
import { BACKUP_PREFIXES, backupBucketName } from "../../components/backup/buckets";
import type { Site } from "../../components/site";
import { CONFIG_KEYS, PROJECT } from "../schema";
import { defaultText, SectionReader } from "./reader";
import { AWS_REGIONS } from "./regions";

export type DrMode = "warm" | "cold";

/** A derived prefix is cut so that the bucket name fits S3's 63 characters in every region. */
const LONGEST_BUCKET_SUFFIX = Math.max(...AWS_REGIONS.map((region) => backupBucketName("", region).length));
export type ObjectLockMode = "GOVERNANCE" | "COMPLIANCE";

export interface BackupConfig {
    readonly drMode: DrMode;
    /** Name prefix of the backup buckets (and the media buckets, stacks/config/media.ts). */
    readonly bucketPrefix: string;
    /** Backup bucket in this site's region (this site's backups, and the other site's replicated in). */
    readonly localBucket: string;
    /** Backup bucket in the peer region (the replication target of the local one, and vice versa). */
    readonly peerBucket: string;
    /** Key prefix of each site's backup sets. */
    readonly prefixes: Readonly<Record<Site, string>>;
    readonly backupSchedule: string;
    readonly restoreSchedule: string;
    readonly scheduleTimeZone: string;
    /** Undefined: the newest complete set. */
    readonly restoreBackupId?: string;
    readonly lifecycle: { readonly iaDays: number; readonly glacierDays: number; readonly expireDays: number };
    readonly objectLock?: { readonly mode: ObjectLockMode; readonly days: number };
    /** Set when Ghost's JSON export is on: the staff user it logs in as. */
    readonly ghostExportUser?: string;
}

/** What the backup section needs from the others, each undefined when its key had a problem. */
export interface BackupInputs {
    readonly region?: string;
    readonly peerRegion?: string;
    /** The valid domain: the buckets are named after it unless backupBucketPrefix is set. */
    readonly domain?: string;
}

const DR_MODES: readonly DrMode[] = ["warm", "cold"];
const OBJECT_LOCK_MODES: readonly ("" | ObjectLockMode)[] = ["", "GOVERNANCE", "COMPLIANCE"];
/** S3 bucket names: 3 to 63 lower-case letters, digits and hyphens, starting and ending alphanumeric. */
const BUCKET_RE = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;
const CRON_FIELD_RE = /^(\*|\d+(-\d+)?)(\/\d+)?(,(\*|\d+(-\d+)?)(\/\d+)?)*$/;

/** Whether `text` is a five-field cron schedule as Kubernetes CronJobs take it. */
export function isCronSchedule(text: string): boolean {
    const fields = text.trim().split(/\s+/);
    return fields.length === 5 && fields.every((f) => CRON_FIELD_RE.test(f));
}

function isTimeZone(name: string): boolean {
    try {
        new Intl.DateTimeFormat("en", { timeZone: name });
        return true;
    } catch {
        return false;
    }
}

export function readBackup(r: SectionReader<"backup">, { region, peerRegion, domain }: BackupInputs): BackupConfig | undefined {
    const drMode = r.choice("drMode", DR_MODES, "a DR mode");
    // Derived from the domain when not set; only checked once the parts it is made of are valid.
    const prefixText = r.string("backupBucketPrefix");
    const bucketPrefix =
        prefixText !== ""
            ? prefixText
            : `${PROJECT}-${(domain ?? "blog").replace(/\./g, "-")}`.slice(0, 63 - LONGEST_BUCKET_SUFFIX);
    const bucketName = (bucketRegion: string) => backupBucketName(bucketPrefix, bucketRegion);
    for (const bucketRegion of [region, peerRegion]) {
        if (
            bucketRegion !== undefined &&
            (domain !== undefined || prefixText !== "") &&
            !BUCKET_RE.test(bucketName(bucketRegion))
        ) {
            r.problem(
                "backupBucketPrefix",
                bucketPrefix,
                `gives the bucket name ${bucketName(bucketRegion)}, which S3 refuses (3-63 lower-case letters, digits, hyphens)`,
                r.set("backupBucketPrefix", "acme-blog"),
            );
        }
    }
    const schedule = (key: "backupSchedule" | "restoreSchedule"): string => {
        const text = r.string(key);
        if (!isCronSchedule(text)) {
            r.problem(key, text, "is not a five-field cron schedule", r.set(key, defaultText(key)));
        }
        return text;
    };
    const backupSchedule = schedule("backupSchedule");
    const restoreSchedule = schedule("restoreSchedule");
    const scheduleTimeZone = r.string("scheduleTimeZone");
    if (!isTimeZone(scheduleTimeZone)) {
        // The example is a zone unlike the default Etc/UTC: the Area/City form most users want.
        r.problem("scheduleTimeZone", scheduleTimeZone, "is not an IANA time zone", r.set("scheduleTimeZone", "Europe/London"));
    }
    const restoreBackupId = r.string("restoreBackupId");
    if (restoreBackupId !== "" && !/^\d{8}T\d{6}Z$/.test(restoreBackupId)) {
        r.problem(
            "restoreBackupId",
            restoreBackupId,
            "is not a backup id (YYYYMMDDTHHMMSSZ, as listed under the bucket prefix)",
            `${r.rm("restoreBackupId")} (newest), or set an id such as 20261121T220000Z`,
        );
    }

    const iaDays = r.integer("backupTransitionIaDays", { min: 30 });
    const glacierDays = r.integer("backupTransitionGlacierDays", { min: 1 });
    const expireDays = r.integer("backupExpireDays", { min: 1 });
    if (
        iaDays !== undefined &&
        glacierDays !== undefined &&
        expireDays !== undefined &&
        !(iaDays < glacierDays && glacierDays < expireDays)
    ) {
        r.fail(
            `${PROJECT}:backupTransitionIaDays/backupTransitionGlacierDays/backupExpireDays`,
            `${iaDays}/${glacierDays}/${expireDays}`,
            "must increase (Standard-IA, then Glacier, then expiry)",
            `set e.g. ${defaultText("backupTransitionIaDays")}, ${defaultText("backupTransitionGlacierDays")} ` +
                `and ${defaultText("backupExpireDays")}`,
        );
    }
    const lockMode = r.choice("backupObjectLockMode", OBJECT_LOCK_MODES, "an Object Lock mode", "GOVERNANCE");
    const lockDays = r.integer("backupObjectLockDays", { min: 1 });
    if (lockMode !== "" && lockDays !== undefined && expireDays !== undefined && lockDays > expireDays) {
        r.problem(
            "backupObjectLockDays",
            String(lockDays),
            `is longer than backupExpireDays (${expireDays}): locked backups could never expire`,
            r.set("backupObjectLockDays", String(Math.min(CONFIG_KEYS.backupObjectLockDays.default, expireDays))),
        );
    }

    const ghostExport = r.boolean("ghostExport");
    const exportUser = r.string("ghostExportUser");
    const hasExportPassword = r.isSet("ghostExportPassword");
    if (ghostExport === true && (exportUser === "" || !hasExportPassword)) {
        r.problem(
            "ghostExport",
            "true",
            "needs the staff user it logs in as (ghostExportUser and ghostExportPassword)",
            r.both(r.set("ghostExportUser", "admin@example.com"), r.secret("ghostExportPassword")),
        );
    }

    if (
        drMode === undefined ||
        region === undefined ||
        peerRegion === undefined ||
        iaDays === undefined ||
        glacierDays === undefined ||
        expireDays === undefined ||
        lockMode === undefined ||
        lockDays === undefined ||
        ghostExport === undefined
    ) {
        return undefined;
    }
    return {
        drMode,
        bucketPrefix,
        localBucket: bucketName(region),
        peerBucket: bucketName(peerRegion),
        prefixes: BACKUP_PREFIXES,
        backupSchedule,
        restoreSchedule,
        scheduleTimeZone,
        restoreBackupId: restoreBackupId === "" ? undefined : restoreBackupId,
        lifecycle: { iaDays, glacierDays, expireDays },
        objectLock: lockMode === "" ? undefined : { mode: lockMode, days: lockDays },
        ghostExportUser: ghostExport ? exportUser : undefined,
    };
}
