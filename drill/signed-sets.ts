// npm run drill:signed-sets: issue #10 findings 8 and 9 and the signed manifests. Only a set whose manifest
// carries a valid signature by the writing site's KMS key may be restored; the newest set is chosen by its
// signed time with a clock-skew bound; a bad newest set falls back to the next good one, loudly; the backup
// refuses to publish an empty or a wrong database, and publishes nothing when signing fails.
//
// MariaDB (DC + DR) and moto (S3 + KMS) only. DR is first restored from GOOD_OLD; DC then changes and GOOD is
// taken. Every attacker set is built as an attacker with write access to the bucket would build it: the
// manifest and artifacts are internally consistent (sizes and sha256s match), only the signature is missing,
// foreign or replayed. Each case prints PASS/FAIL with what happened; the drill exits non-zero on any FAIL.
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { execFileSync } from "child_process";
import { Cases, describe, DrWatch, mustPass, openDrill, Outcome, refused } from "./lib/cases";
import { DATABASE, Site, StepsResult } from "./lib/datapath";
import { generateGhostDb } from "./lib/ghostdata";
import { diffChecksums } from "./lib/mariadb";
import { DRILL_PATH, log, runMain } from "./lib/proc";

const GOOD_OLD = "20260101T000000Z";
const GOOD = "20260102T000000Z";
const DB_MB = Number(process.env.SIGNED_SETS_DB_MB ?? "4");

async function main(): Promise<boolean> {
    const ground = await openDrill("signed-sets");
    const { root, dcDb, drDb, moto, s3, dc, dr } = ground;
    const [BUCKET, PREFIX] = [s3.bucket, s3.prefix];
    const pod = (site: Site, name: string) => ground.pod(site, name);
    const motoLog = path.join(root, "moto.log");

    log(`generating a ${DB_MB} MB Ghost-shaped database on DC`);
    generateGhostDb(dcDb, DATABASE, DB_MB * 1024 * 1024, 1);
    writeContent(dc.contentDir, "first");
    fs.mkdirSync(dr.contentDir, { recursive: true });
    await mustPass(ground.run("backup", pod(dc, "b0"), { env: { BACKUP_ID: GOOD_OLD } }), "baseline backup");
    await mustPass(ground.run("restore", pod(dr, "r0")), "baseline restore");
    dcDb.query(
        "INSERT INTO posts (id, uuid, title, slug, created_at) VALUES ('fffffffffffffffffffffff2', UUID(), 'Written after the DR baseline', 'after-baseline', NOW())",
        DATABASE,
    );
    writeContent(dc.contentDir, "second");
    await mustPass(ground.run("backup", pod(dc, "b1"), { env: { BACKUP_ID: GOOD } }), "second backup");
    const goodManifest = moto.getText(BUCKET, `${PREFIX}${GOOD}/manifest.json`);
    const goodSig = moto.keys(BUCKET, `${PREFIX}${GOOD}/`).includes(`${PREFIX}${GOOD}/manifest.json.sig`)
        ? moto.getText(BUCKET, `${PREFIX}${GOOD}/manifest.json.sig`)
        : "";
    const goodDump = path.join(root, "good-db.sql.zst");
    moto.aws(["s3", "cp", "--only-show-errors", `s3://${BUCKET}/${PREFIX}${GOOD}/db.sql.zst`, goodDump]);

    const drWatch = new DrWatch(drDb, DATABASE, dr.contentDir);
    const drUnchanged = () => drWatch.unchanged();
    const drEqualsDc = (): string[] =>
        diffChecksums(dcDb.checksums(DATABASE), drDb.checksums(DATABASE)).map((d) => `DR differs from DC: ${d}`);
    const manifests = () =>
        moto
            .keys(BUCKET)
            .filter((k) => k.endsWith("/manifest.json"))
            .join(",");
    const removeSet = (id: string) => moto.keys(BUCKET, `${PREFIX}${id}/`).forEach((k) => moto.deleteKey(BUCKET, k));
    /** GET/HEAD requests moto served for an artifact of `id` since `from` (a byte offset of its log). */
    const artifactReads = (id: string, from: number): string[] =>
        fs
            .readFileSync(motoLog, "utf8")
            .slice(from)
            .split("\n")
            .filter((l) => /"(GET|HEAD) /.test(l) && l.includes(`/${PREFIX}${id}/`) && !/\/manifest\.json(\.sig)?[ ?]/.test(l));
    const logSize = () => fs.statSync(motoLog).size;
    /** The set the fetch chose: downloaded (BACKUP_ID), or found already restored by the marker (SKIP). */
    const picked = (site: Site) => {
        const f = ["BACKUP_ID", "SKIP"].map((n) => path.join(site.workDir, "restore", n)).find((p) => fs.existsSync(p));
        return f ? fs.readFileSync(f, "utf8").trim() : "nothing";
    };
    const fallbackMarker = (site: Site) => {
        const f = path.join(site.workDir, "restore", "FALLBACK");
        return fs.existsSync(f) ? fs.readFileSync(f, "utf8") : "";
    };
    /** The fetch step's WARNING lines (of a chain's result, or of the step alone): the skipped sets and the FALLBACK notice. */
    const warnings = (result: StepsResult | { output: string }) =>
        ("steps" in result ? (result.steps[0]?.output ?? "") : result.output)
            .split("\n")
            .filter((l) => l.includes("restore: WARNING:"));

    /**
     * An attacker's set: GOOD's artifacts with the dump replaced by one that adds a post, and a manifest whose
     * sizes and sha256s match them exactly. `sign` gives the signature to publish beside it (none: unsigned).
     */
    const craftAttackerSet = (id: string, sign: (manifest: string) => string | undefined): void => {
        const dir = path.join(root, "craft", id);
        fs.mkdirSync(dir, { recursive: true });
        moto.aws(["s3", "cp", "--only-show-errors", "--recursive", `s3://${BUCKET}/${PREFIX}${GOOD}/`, dir]);
        for (const f of ["manifest.json", "manifest.json.sig"]) fs.rmSync(path.join(dir, f), { force: true });
        const sql = execFileSync("zstd", ["-dc", goodDump], { maxBuffer: 1 << 30, env: { PATH: DRILL_PATH } }).toString("utf8");
        const at = sql.lastIndexOf("-- Dump completed");
        const evil = `${sql.slice(0, at)}INSERT INTO \`posts\` (id, uuid, title, slug, created_at) VALUES ('eeeeeeeeeeeeeeeeeeeeeee1', UUID(), 'Planted by an attacker', 'planted', NOW());\n${sql.slice(at)}`;
        const dump = path.join(dir, "db.sql.zst");
        execFileSync("zstd", ["-q", "-f", "-o", dump], { input: evil, env: { PATH: DRILL_PATH } });
        const manifest = retarget(goodManifest, GOOD, id, dump);
        fs.writeFileSync(path.join(dir, "manifest.json"), manifest);
        const signature = sign(manifest);
        if (signature !== undefined) fs.writeFileSync(path.join(dir, "manifest.json.sig"), `${signature}\n`);
        moto.aws(["s3", "cp", "--only-show-errors", "--recursive", dir, `s3://${BUCKET}/${PREFIX}${id}/`]);
    };

    /**
     * An attacker set restored by name must be refused before any of its artifacts is read, leaving DR as it
     * was; restored without a name, it must be skipped loudly for the newest good set (GOOD).
     */
    const attackerCase = async (name: string, id: string, expect: RegExp): Promise<Outcome> => {
        const from = logSize();
        const named = await ground.run("restore", pod(dr, `${name}-named`), { env: { RESTORE_BACKUP_ID: id } });
        const problems = [...refused(named, expect), ...drUnchanged()];
        const reads = artifactReads(id, from);
        if (reads.length > 0) problems.push(`artifacts of ${id} were read before the refusal: ${reads.join(" | ")}`);
        if (fallbackMarker(pod(dr, `${name}-named`))) problems.push("RESTORE_BACKUP_ID fell back to another set");
        // Unnamed: skipped for GOOD, loudly. Fetch only, so DR stays at its baseline for the next case.
        const site = pod(dr, `${name}-auto`);
        const auto = await ground.step("restore-fetch.sh", site);
        const warned = warnings(auto).some((w) => w.includes(id));
        if (auto.code !== 0 || picked(site) !== GOOD) problems.push(`unnamed, the fetch picked ${picked(site)}, not ${GOOD}`);
        if (!warned) problems.push(`unnamed, no WARNING line named ${id}`);
        if (!fallbackMarker(site).includes(id)) problems.push(`unnamed, no FALLBACK marker names ${id}`);
        removeSet(id);
        return {
            did: `${describe(named)}; ${reads.length} artifact reads; unnamed it picked ${picked(site)}${warned ? " with a WARNING" : ""}`,
            problems,
        };
    };

    /** A backup that must be refused with `expect` and publish nothing at all. */
    const backupRefused = async (name: string, expect: RegExp, extra: NodeJS.ProcessEnv): Promise<Outcome> => {
        const keysBefore = moto.keys(BUCKET);
        const manifestsBefore = manifests();
        const result = await ground.run("backup", pod(dc, name), { env: extra });
        const problems = refused(result, expect);
        if (manifests() !== manifestsBefore) problems.push("a new manifest.json was published");
        const added = moto.keys(BUCKET).filter((k) => !keysBefore.includes(k));
        if (added.length > 0) problems.push(`objects were uploaded: ${added.join(", ")}`);
        return { did: `${describe(result)}; ${added.length} objects uploaded`, problems: [...problems, ...drUnchanged()] };
    };

    const attackerKey = moto.createSigningKey("an attacker's own signing key");
    const future = new Date(Date.now() + 86400 * 1000);
    const futureId = future
        .toISOString()
        .replace(/[-:]/g, "")
        .replace(/\.\d+Z$/, "Z");
    const skewedId = new Date(Date.now() - 30 * 1000)
        .toISOString()
        .replace(/[-:]/g, "")
        .replace(/\.\d+Z$/, "Z");
    const corruptId = new Date(Date.now() - 60 * 1000)
        .toISOString()
        .replace(/[-:]/g, "")
        .replace(/\.\d+Z$/, "Z");

    const cases: { name: string; run: () => Promise<Outcome> }[] = [
        {
            name: "unsigned set, consistent checksums",
            run: async () => {
                craftAttackerSet("20260105T000000Z", () => undefined);
                return attackerCase("unsigned", "20260105T000000Z", /unsigned/);
            },
        },
        {
            name: "set signed with another key",
            run: async () => {
                craftAttackerSet("20260106T000000Z", (m) => moto.signManifest(attackerKey, m));
                return attackerCase("other-key", "20260106T000000Z", /signature is not valid/);
            },
        },
        {
            name: "set carrying the signature of another set's manifest",
            run: async () => {
                craftAttackerSet("20260107T000000Z", () => goodSig.trim() || undefined);
                return attackerCase("stolen-sig", "20260107T000000Z", /signature is not valid/);
            },
        },
        {
            name: "genuine signed manifest and signature replayed under a newer id",
            run: async () => {
                const id = "20260108T000000Z";
                const dir = path.join(root, "craft", id);
                fs.mkdirSync(dir, { recursive: true });
                moto.aws(["s3", "cp", "--only-show-errors", "--recursive", `s3://${BUCKET}/${PREFIX}${GOOD}/`, dir]);
                moto.aws(["s3", "cp", "--only-show-errors", "--recursive", dir, `s3://${BUCKET}/${PREFIX}${id}/`]);
                return attackerCase("replay", id, /names another backupId/);
            },
        },
        {
            name: "backup of an empty database",
            run: async () => {
                dcDb.query("CREATE DATABASE IF NOT EXISTS empty_db");
                return backupRefused("empty-db", /has no tables/, {
                    MARIADB_DATABASE: "empty_db",
                    BACKUP_ID: "20260109T000000Z",
                });
            },
        },
        {
            name: "backup of the wrong database (not Ghost's)",
            run: async () => {
                dcDb.query("CREATE DATABASE IF NOT EXISTS shop; CREATE TABLE IF NOT EXISTS shop.orders (id INT PRIMARY KEY)");
                return backupRefused("wrong-db", /not Ghost's database/, {
                    MARIADB_DATABASE: "shop",
                    BACKUP_ID: "20260109T000001Z",
                });
            },
        },
        {
            name: "backup of a system database",
            run: () =>
                backupRefused("system-db", /system or restore database/, {
                    MARIADB_DATABASE: "mysql",
                    BACKUP_ID: "20260109T000002Z",
                }),
        },
        {
            name: "signing fails (the key does not exist)",
            run: () =>
                backupRefused("sign-missing-key", /signing the manifest .* failed/, {
                    BACKUP_SIGNING_KEY_ID: "00000000-0000-4000-8000-000000000000",
                    BACKUP_ID: "20260109T000003Z",
                }),
        },
        {
            name: "signing fails (the key cannot sign: a symmetric encryption key)",
            run: () => {
                const symmetric = moto.aws(["kms", "create-key", "--query", "KeyMetadata.KeyId"]).trim();
                return backupRefused("sign-wrong-key", /signing the manifest .* failed/, {
                    BACKUP_SIGNING_KEY_ID: symmetric,
                    BACKUP_ID: "20260109T000004Z",
                });
            },
        },
        {
            name: "RESTORE_BACKUP_ID of a corrupt (signed, bad sha256) set does not fall back",
            run: async () => {
                await signedCorruptSet(corruptId);
                const site = pod(dr, "corrupt-named");
                const result = await ground.run("restore", site, { env: { RESTORE_BACKUP_ID: corruptId } });
                const problems = [...refused(result, /does not match its sha256/), ...drUnchanged()];
                if (fallbackMarker(site)) problems.push("it fell back to another set");
                return { did: describe(result), problems };
            },
        },
        {
            name: "corrupt newest set (signed, bad sha256) falls back to the newest good set, loudly",
            run: async () => {
                // corruptId (made by the previous case) is the newest set.
                const site = pod(dr, "corrupt-auto");
                const result = await ground.run("restore", site);
                const problems: string[] = [];
                if (!result.ok) problems.push(`the restore failed: ${result.error}`);
                if (picked(site) !== GOOD) problems.push(`it restored ${picked(site)}, not ${GOOD}`);
                if (!warnings(result).some((w) => w.includes(corruptId) && /sha256/.test(w)))
                    problems.push(`no WARNING line names ${corruptId} and the sha256 mismatch`);
                const marker = fallbackMarker(site);
                if (!marker.includes(corruptId) || !marker.includes(`used ${GOOD}`))
                    problems.push(`the FALLBACK marker does not name ${corruptId} and ${GOOD}: ${JSON.stringify(marker)}`);
                problems.push(...drEqualsDc());
                removeSet(corruptId);
                drWatch.rebaseline();
                return {
                    did: `${result.ok ? "restored" : "failed"} ${picked(site)}; FALLBACK: ${marker.trim().replace(/\n/g, "; ")}`,
                    problems,
                };
            },
        },
        {
            name: "sets from the future (dc clock a day ahead, signed: by name, or by signed createdAt) are refused; the newest good set is restored",
            run: async () => {
                // A genuine backup whose clock is a day ahead: name and createdAt both in the future, and it
                // holds a post that GOOD does not, so restoring it would show.
                dcDb.query(
                    "INSERT INTO posts (id, uuid, title, slug, created_at) VALUES ('fffffffffffffffffffffff3', UUID(), 'From the future', 'future', NOW())",
                    DATABASE,
                );
                const futureAt = future.toISOString().replace(/\.\d+Z$/, "Z");
                const made: string[] = [];
                // Name and createdAt in the future; then a name of now whose signed createdAt is in the future.
                for (const id of [futureId, skewedId]) {
                    const b = pod(dc, `future-${id}`);
                    const dump = await ground.step("backup-dump.sh", b, { env: { BACKUP_ID: id } });
                    const meta = path.join(b.workDir, "backup", "meta.env");
                    if (dump.code === 0)
                        fs.writeFileSync(
                            meta,
                            fs.readFileSync(meta, "utf8").replace(/^CREATED_AT=.*$/m, `CREATED_AT=${futureAt}`),
                        );
                    const upload = await ground.step("backup-upload.sh", b, { env: { BACKUP_ID: id } });
                    if (dump.code !== 0 || upload.code !== 0) made.push(dump.error || upload.error);
                }
                dcDb.query("DELETE FROM posts WHERE id = 'fffffffffffffffffffffff3'", DATABASE);
                if (made.length > 0) return { did: "could not make the future sets", problems: made };
                const site = pod(dr, "future-auto");
                const result = await ground.run("restore", site);
                const problems: string[] = [];
                if (!result.ok) problems.push(`the restore failed: ${result.error}`);
                if (picked(site) !== GOOD) problems.push(`it restored ${picked(site)}, not ${GOOD}`);
                for (const id of [futureId, skewedId]) {
                    if (!warnings(result).some((w) => w.includes(id) && /future/.test(w)))
                        problems.push(`no WARNING line names ${id} as in the future`);
                    if (!fallbackMarker(site).includes(id)) problems.push(`no FALLBACK marker names ${id}`);
                    removeSet(id);
                }
                problems.push(...drEqualsDc());
                drWatch.rebaseline();
                return {
                    did: `${result.ok ? "restored" : "failed"} ${picked(site)}; ${warnings(result).slice(0, 2).join("; ") || "no warning"}`,
                    problems,
                };
            },
        },
    ];

    /** A set made by the real backup (so genuinely signed) whose db.sql.zst is then damaged in S3. */
    async function signedCorruptSet(id: string): Promise<void> {
        const b = pod(dc, `corrupt-${id}`);
        await mustPass(ground.run("backup", b, { env: { BACKUP_ID: id } }), "the backup of the set to corrupt");
        const file = path.join(b.workDir, "backup", "artifacts", "db.sql.zst");
        const buf = fs.readFileSync(file);
        buf[Math.floor(buf.length / 2)] ^= 0xff;
        fs.writeFileSync(file, buf);
        moto.putFile(BUCKET, `${PREFIX}${id}/db.sql.zst`, file);
    }

    const summary = new Cases("signed-sets");
    for (const c of cases) await summary.run(c.name, c.run);

    // Control: with only good sets left, the newest (GOOD) is chosen with no warning and no FALLBACK marker (and,
    // restored already by the cases above, it is skipped by the content marker as a warm standby's cron would).
    const site = pod(dr, "control");
    const control = await ground.run("restore", site);
    summary.record("control: a restore with only good sets", {
        did: `${control.ok ? `chose ${picked(site)}` : `failed (${control.error})`}, ${warnings(control).length} warnings, ${fallbackMarker(site) ? "a" : "no"} FALLBACK marker`,
        problems:
            control.ok && picked(site) === GOOD && !fallbackMarker(site) && warnings(control).length === 0
                ? []
                : [`it must choose ${GOOD} with no warning and no FALLBACK marker`],
    });
    return summary.print();
}

/** `manifest` re-targeted at `id`, with the size and sha256 of `file` for its artifact entry. */
function retarget(manifest: string, from: string, id: string, file: string): string {
    const bytes = fs.statSync(file).size;
    const sha = crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex");
    const name = path.basename(file).replace(/\./g, "\\.");
    return manifest
        .replace(`"backupId": "${from}"`, `"backupId": "${id}"`)
        .replace(
            new RegExp(`("name": "${name}", "kind": "[^"]*", "bytes": )\\d+(, "sha256": ")[0-9a-f]{64}`),
            `$1${bytes}$2${sha}`,
        );
}

function writeContent(dir: string, generation: string): void {
    fs.mkdirSync(path.join(dir, "images", "2026", "11"), { recursive: true });
    fs.mkdirSync(path.join(dir, "settings"), { recursive: true });
    fs.writeFileSync(path.join(dir, "images", "2026", "11", `photo-${generation}.png`), crypto.randomBytes(64 * 1024));
    fs.writeFileSync(path.join(dir, "settings", "routes.yaml"), `# ${generation}\nroutes:\n`);
}

if (require.main === module) runMain(main);
