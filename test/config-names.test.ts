import { strict as assert } from "node:assert";
import { parseConfig } from "../stacks/config";
import { CONFIG_KEYS, ConfigKey, PROJECT } from "../stacks/schema";
import { DC, withConfig } from "./fixtures";

/**
 * Keys whose value lands under another name, and why. Every other key is either a field of the same name
 * (`backupSchedule` -> backup.backupSchedule) or a field of a group named by the key's prefix (`ghostCpu` ->
 * app.ghost.cpu, `smtpHost` -> app.ghost.smtp.host).
 */
const RENAMED: Partial<Record<ConfigKey, string>> = {
    backupBucketPrefix: "backup.localBucket (the bucket names are derived from it and the regions)",
    backupTransitionIaDays: "backup.lifecycle.iaDays",
    backupTransitionGlacierDays: "backup.lifecycle.glacierDays",
    backupExpireDays: "backup.lifecycle.expireDays",
    backupObjectLockMode: "backup.objectLock.mode",
    backupObjectLockDays: "backup.objectLock.days",
    ghostExport: "backup.ghostExportUser (set only when the export is on)",
};
/** Secrets are not in SiteConfig at all: they stay Output secrets (SiteSecrets). */
const SECRET_KEYS = Object.entries(CONFIG_KEYS)
    .filter(([, s]) => "secret" in s && s.secret)
    .map(([k]) => k);

function leafPaths(v: unknown, path: string[] = []): string[][] {
    if (v && typeof v === "object" && !Array.isArray(v)) {
        return Object.entries(v).flatMap(([k, x]) => leafPaths(x, [...path, k]));
    }
    return [path];
}

const capitalized = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

describe("config names: one name per concept, from the key to the field", () => {
    // Every optional part on, so every key has somewhere to land.
    const config = parseConfig(
        withConfig(DC, {
            [`${PROJECT}:smtpHost`]: "smtp.example.com",
            [`${PROJECT}:smtpUser`]: "ghost",
            [`${PROJECT}:smtpPassword`]: "secret-for-the-test",
            [`${PROJECT}:backupObjectLockMode`]: "GOVERNANCE",
            [`${PROJECT}:ghostExport`]: "true",
            [`${PROJECT}:ghostExportUser`]: "backup@example.com",
            [`${PROJECT}:ghostExportPassword`]: "secret-for-the-test",
            [`${PROJECT}:restoreBackupId`]: "20261122T000000Z",
            [`${PROJECT}:peerStack`]: "acme/ghost-dcdr/dr",
        }),
        "dc",
    );
    const paths = leafPaths(config);

    it("gives every key a field of its own name, or of its group's, unless listed as renamed", () => {
        for (const key of Object.keys(CONFIG_KEYS) as ConfigKey[]) {
            if (RENAMED[key] || SECRET_KEYS.includes(key)) continue;
            const found = paths.some((p) =>
                // A group is a sub-object of a section (app.ghost, app.ghost.smtp), never the section itself:
                // backup.schedule for backupSchedule is the drift this test exists for.
                p.some((_, i) => p[i] === key || (i > 1 && `${p[i - 1]}${capitalized(p[i])}` === key)),
            );
            assert.ok(found, `ghost-dcdr:${key} has no field named ${key} (or <group>.<rest>) in the parsed config`);
        }
    });

    it("lists as renamed only keys that need it", () => {
        for (const key of Object.keys(RENAMED)) {
            assert.ok(
                !paths.some((p) => p[p.length - 1] === key),
                `${key} has a field of its own name now: drop it from RENAMED`,
            );
        }
    });
});
