// npm run drill:faults: every way the data path can break must fail loudly, publish nothing that
// counts as a backup, and leave the DR database and content exactly as they were.
//
// MariaDB (DC + DR) and moto only. DR is first restored from a good set; DC then changes and a
// second good set is taken, from which the broken sets are made. So a broken restore that slipped
// through would change DR, and the "DR unchanged" check would see it; the final control restores
// the good set and requires DR to change. FAULTS_DB_MB (default 60) sizes the generated DC
// database: big enough that the dump can be killed half-way and the upload cut mid-object.
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { execFileSync, spawn } from "child_process";
import { Cases, describe, DrWatch, fileDigests, mustPass, openDrill, Outcome, refused } from "./lib/cases";
import { CutProxy } from "./lib/cutproxy";
import { DATABASE, PodOptions, Site, StepsResult } from "./lib/datapath";
import { generateGhostDb } from "./lib/ghostdata";
import { diffChecksums } from "./lib/mariadb";
import { DRILL_PATH, freePort, killGroup, log, runMain } from "./lib/proc";
import { setPrimary, siteHostname } from "./lib/route53";

/** The fault cases, in the order they run; a control follows them. README.md quotes their number (test/drills.test.ts). */
export const FAULTS = [
    "database unreachable (backup)",
    "dump killed mid-way",
    "checksum mismatch (artifact changed after dump)",
    "S3 unreachable mid-upload",
    "stale active site: the domain's primary record names dr, dc's backup is fenced",
    "database unreachable (restore)",
    "corrupted object (db.sql.zst bytes flipped in S3)",
    "truncated dump with matching checksums",
    "SQL error in the middle of the load",
    "physical copy truncated, checksums match (physical restore)",
    "manifest missing",
    "malformed manifest",
    "empty bucket",
    "unknown RESTORE_BACKUP_ID",
    "another restore running (catch-up racing a scheduled restore)",
    "RESTORE_BACKUP_ID that is not an id",
] as const;
type Fault = (typeof FAULTS)[number];

const GOOD_OLD = "20260101T000000Z";
const GOOD = "20260102T000000Z";
const INCOMPLETE = "20260103T000000Z";
const DB_MB = Number(process.env.FAULTS_DB_MB ?? "60");

async function main(): Promise<boolean> {
    const ground = await openDrill("faults");
    const { root, dcDb, drDb, moto, s3, dc, dr } = ground;
    const [BUCKET, PREFIX] = [s3.bucket, s3.prefix];
    const pod = (site: Site, name: string) => ground.pod(site, name);

    log(`generating a ${DB_MB} MB Ghost-shaped database on DC`);
    generateGhostDb(dcDb, DATABASE, DB_MB * 1024 * 1024, 1);
    writeContent(dc.contentDir, "first");
    fs.mkdirSync(dr.contentDir, { recursive: true });

    // DR starts from GOOD_OLD; GOOD holds newer data, and the broken sets are made from it.
    const physical = { datadir: dcDb.dataDir };
    await mustPass(ground.run("backup", pod(dc, "b0"), { ...physical, env: { BACKUP_ID: GOOD_OLD } }), "baseline backup");
    await mustPass(ground.run("restore", pod(dr, "r0")), "baseline restore");
    dcDb.query(
        "INSERT INTO posts (id, uuid, title, slug, created_at) VALUES ('fffffffffffffffffffffff1', UUID(), 'Written after the DR baseline ✍️', 'after-baseline', NOW())",
        DATABASE,
    );
    writeContent(dc.contentDir, "second");
    await mustPass(ground.run("backup", pod(dc, "b1"), { ...physical, env: { BACKUP_ID: GOOD } }), "second backup");
    const goodManifest = moto.getText(BUCKET, `${PREFIX}${GOOD}/manifest.json`);
    const goodDump = path.join(root, "good-db.sql.zst");
    moto.aws(["s3", "cp", "--only-show-errors", `s3://${BUCKET}/${PREFIX}${GOOD}/db.sql.zst`, goodDump]);

    const drWatch = new DrWatch(drDb, DATABASE, dr.contentDir);
    const drUnchanged = () => drWatch.unchanged();
    const manifests = () =>
        moto
            .keys(BUCKET)
            .filter((k) => k.endsWith("/manifest.json"))
            .join(",");

    /** A restore fault: the restore must fail with an ERROR line matching `expect`; DR must not change. */
    const restoreFault = async (
        name: string,
        expect: RegExp,
        env: NodeJS.ProcessEnv,
        opts: PodOptions = {},
    ): Promise<Outcome> => {
        const result = await ground.run("restore", pod(dr, name), { ...opts, env });
        return { did: describe(result), problems: [...refused(result, expect), ...drUnchanged()] };
    };

    /** A backup fault: must fail with `expect`, and the bucket must hold no new manifest. */
    const backupFault = async (
        name: string,
        expect: RegExp,
        run: (site: Site) => Promise<StepsResult>,
        allowPartial = false,
    ): Promise<Outcome> => {
        const keysBefore = moto.keys(BUCKET);
        const manifestsBefore = manifests();
        const result = await run(pod(dc, name));
        const problems = refused(result, expect);
        if (manifests() !== manifestsBefore) problems.push("a new manifest.json was published");
        const added = moto.keys(BUCKET).filter((k) => !keysBefore.includes(k));
        if (added.length > 0 && !allowPartial) problems.push(`objects were uploaded: ${added.join(", ")}`);
        const partial =
            added.length > 0
                ? `; ${added.length} partial object(s) left without a manifest (ignored by restore, expired by lifecycle)`
                : "";
        return { did: `${describe(result)}${partial}; no manifest published`, problems: [...problems, ...drUnchanged()] };
    };

    /** Copies GOOD to `id` without its manifest, then lets `edit` break it and write a manifest. */
    const craft = (id: string, edit: (dir: string) => { manifest?: string }): void => {
        const dir = path.join(root, "craft", id);
        fs.mkdirSync(dir, { recursive: true });
        moto.aws(["s3", "cp", "--only-show-errors", "--recursive", `s3://${BUCKET}/${PREFIX}${GOOD}/`, dir]);
        fs.rmSync(path.join(dir, "manifest.json"));
        fs.rmSync(path.join(dir, "manifest.json.sig"), { force: true });
        const { manifest } = edit(dir);
        if (manifest !== undefined) {
            fs.writeFileSync(path.join(dir, "manifest.json"), manifest);
            // Signed with dc's key, as a genuine set damaged after signing would be: each case then reaches the check
            // it targets instead of stopping at the signature (issue 10; drill:signed-sets covers forged signatures).
            fs.writeFileSync(path.join(dir, "manifest.json.sig"), `${moto.signManifest(s3.signingKeyId, manifest)}\n`);
        }
        moto.aws(["s3", "cp", "--only-show-errors", "--recursive", dir, `s3://${BUCKET}/${PREFIX}${id}/`]);
    };
    /** The GOOD manifest re-targeted at `id`, with the bytes and sha256 of `file` for its artifact. */
    const manifestFor = (id: string, file?: string): string => {
        let m = goodManifest.replace(`"backupId": "${GOOD}"`, `"backupId": "${id}"`);
        if (file) {
            const bytes = fs.statSync(file).size;
            const sha = crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex");
            const name = path.basename(file).replace(/\./g, "\\.");
            m = m.replace(
                new RegExp(`("name": "${name}", "kind": "[^"]*", "bytes": )\\d+(, "sha256": ")[0-9a-f]{64}`),
                `$1${bytes}$2${sha}`,
            );
        }
        return m;
    };

    const faults: Record<Fault, () => Promise<Outcome>> = {
        "database unreachable (backup)": async () => {
            const closed = await freePort();
            return backupFault("db-down-backup", /cannot connect to MariaDB/, (site) =>
                ground.run("backup", site, { env: { MARIADB_PORT: String(closed), BACKUP_ID: "20251201T000001Z" } }),
            );
        },
        "dump killed mid-way": () =>
            backupFault("dump-killed", /meta\.env missing/, async (site) => {
                const opts: PodOptions = { env: { BACKUP_ID: "20251201T000002Z" } };
                const dumpFile = path.join(site.workDir, "backup", "artifacts", "db.sql.zst");
                let killedAt = -1;
                const dump = await ground.step("backup-dump.sh", site, opts, (child) => {
                    const timer = setInterval(() => {
                        const size = fs.existsSync(dumpFile) ? fs.statSync(dumpFile).size : 0;
                        if (size > 256 * 1024) {
                            killedAt = size;
                            killGroup(child);
                            clearInterval(timer);
                        }
                    }, 5);
                    child.on("close", () => clearInterval(timer));
                });
                if (killedAt < 0 || dump.code === 0) {
                    throw new Error(`could not kill the dump mid-way (exit ${dump.code}); raise FAULTS_DB_MB`);
                }
                // The pod would stop here; run the upload anyway to prove it refuses.
                const upload = await ground.step("backup-upload.sh", site, opts);
                return { ok: upload.code === 0, seconds: 0, steps: [dump, upload], error: upload.error };
            }),
        "checksum mismatch (artifact changed after dump)": () =>
            backupFault("checksum", /does not match its sha256/, async (site) => {
                const opts: PodOptions = { env: { BACKUP_ID: "20251201T000003Z" } };
                const dump = await ground.step("backup-dump.sh", site, opts);
                flipByte(path.join(site.workDir, "backup", "artifacts", "db.sql.zst"));
                const upload = await ground.step("backup-upload.sh", site, opts);
                return { ok: dump.code === 0 && upload.code === 0, seconds: 0, steps: [dump, upload], error: upload.error };
            }),
        "S3 unreachable mid-upload": async () => {
            const proxy = await CutProxy.start(moto.port, 2 * 1024 * 1024);
            try {
                const outcome = await backupFault(
                    "s3-cut",
                    /upload of .* failed|cannot read back/,
                    (site) => ground.run("backup", site, { env: { BACKUP_ID: "20251201T000004Z", S3_ENDPOINT_URL: proxy.url } }),
                    true,
                );
                if (!proxy.wasCut) outcome.problems.push("the proxy never cut the upload; the set is too small");
                return outcome;
            } finally {
                await proxy.stop();
            }
        },
        "stale active site: the domain's primary record names dr, dc's backup is fenced": async () => {
            // After a failover the flag points the domain at dr; dc, back from its outage and not yet updated,
            // still runs its backup CronJob. Its fence step must stop it before anything is published.
            setPrimary(moto, ground.zone, "dr");
            try {
                const outcome = await backupFault(
                    "fenced",
                    new RegExp(`points at ${siteHostname("dr").replace(/\./g, "\\.")}, not at this site`),
                    (site) => ground.run("backup", site, { env: { BACKUP_ID: "20251201T000010Z" } }),
                );
                return outcome;
            } finally {
                setPrimary(moto, ground.zone, "dc");
            }
        },
        "database unreachable (restore)": async () =>
            restoreFault("db-down-restore", /cannot connect to MariaDB/, {
                MARIADB_PORT: String(await freePort()),
                RESTORE_BACKUP_ID: GOOD,
            }),
        "corrupted object (db.sql.zst bytes flipped in S3)": () => {
            craft("20251201T000005Z", (dir) => {
                flipByte(path.join(dir, "db.sql.zst"));
                return { manifest: manifestFor("20251201T000005Z") };
            });
            return restoreFault("corrupt", /does not match its sha256/, { RESTORE_BACKUP_ID: "20251201T000005Z" });
        },
        "truncated dump with matching checksums": () => {
            craft("20251201T000006Z", (dir) => {
                const sql = execFileSync("zstd", ["-dc", goodDump], { maxBuffer: 1 << 30, env: { PATH: DRILL_PATH } });
                const cut = path.join(dir, "db.sql.zst");
                execFileSync("zstd", ["-q", "-f", "-o", cut], {
                    input: sql.subarray(0, Math.floor(sql.length / 2)),
                    env: { PATH: DRILL_PATH },
                });
                return { manifest: manifestFor("20251201T000006Z", cut) };
            });
            return restoreFault("truncated", /no '-- Dump completed' trailer/, { RESTORE_BACKUP_ID: "20251201T000006Z" });
        },
        "SQL error in the middle of the load": async () => {
            craft("20251201T000007Z", (dir) => {
                const sql = execFileSync("zstd", ["-dc", goodDump], {
                    maxBuffer: 1 << 30,
                    env: { PATH: DRILL_PATH },
                }).toString("utf8");
                // Inside the data section of `tags`, where the restore's statement filter admits an INSERT, so the
                // server itself must fail it mid-load (an INSERT between sections is refused earlier by the filter).
                const marker = "-- Dumping data for table `tags`\n--\n\n";
                const at = sql.indexOf(marker) + marker.length;
                const broken = `${sql.slice(0, at)}INSERT INTO \`no_such_table\` VALUES (1);\n${sql.slice(at)}`;
                const file = path.join(dir, "db.sql.zst");
                execFileSync("zstd", ["-q", "-f", "-o", file], { input: broken, env: { PATH: DRILL_PATH } });
                return { manifest: manifestFor("20251201T000007Z", file) };
            });
            return restoreFault("sql-error", /loading .* failed/, { RESTORE_BACKUP_ID: "20251201T000007Z" });
        },
        "physical copy truncated, checksums match (physical restore)": () => {
            craft("20251201T000009Z", (dir) => {
                const file = path.join(dir, "physical.mbstream.zst");
                const stream = execFileSync("zstd", ["-dc", file], { maxBuffer: 1 << 30, env: { PATH: DRILL_PATH } });
                execFileSync("zstd", ["-q", "-f", "-o", file], {
                    input: stream.subarray(0, Math.floor(stream.length / 2)),
                    env: { PATH: DRILL_PATH },
                });
                return { manifest: manifestFor("20251201T000009Z", file) };
            });
            return restoreFault(
                "physical-broken",
                /importing the physical backup .* failed/,
                { RESTORE_BACKUP_ID: "20251201T000009Z" },
                { datadir: drDb.dataDir },
            );
        },
        "manifest missing": async () => {
            craft(INCOMPLETE, () => ({}));
            const named = await restoreFault("no-manifest", /has no manifest\.json/, { RESTORE_BACKUP_ID: INCOMPLETE });
            // Unnamed, the newer incomplete set must be passed over for the newest complete one.
            const site = pod(dr, "no-manifest-auto");
            const fetched = await ground.step("restore-fetch.sh", site);
            const picked = fs.existsSync(path.join(site.workDir, "restore", "BACKUP_ID"))
                ? fs.readFileSync(path.join(site.workDir, "restore", "BACKUP_ID"), "utf8").trim()
                : "nothing";
            if (fetched.code !== 0 || picked !== GOOD)
                named.problems.push(`without RESTORE_BACKUP_ID the fetch picked ${picked}, not the newest complete set ${GOOD}`);
            return { did: `${named.did}; unnamed, it skipped ${INCOMPLETE} and picked ${picked}`, problems: named.problems };
        },
        "malformed manifest": () => {
            craft("20251201T000008Z", () => ({
                manifest: '{"schemaVersion": 1, "backupId": "20251201T000008Z", "artifacts": [',
            }));
            return restoreFault("bad-manifest", /malformed|does not parse|lists no db\.sql\.zst/, {
                RESTORE_BACKUP_ID: "20251201T000008Z",
            });
        },
        "empty bucket": () => restoreFault("empty", /no complete backup set/, { BACKUP_PREFIX: "nothing/here/" }),
        "unknown RESTORE_BACKUP_ID": () =>
            restoreFault("unknown-id", /does not exist/, { RESTORE_BACKUP_ID: "20000101T000000Z" }),
        "another restore running (catch-up racing a scheduled restore)": async () => {
            // A session holding the restore lock stands in for the restore already running.
            const holder = spawn(
                "mariadb",
                ["--no-defaults", "-uroot", "-h127.0.0.1", `-P${drDb.port}`, "--protocol=tcp", "-N", "--unbuffered"],
                {
                    env: { ...process.env, PATH: DRILL_PATH },
                    stdio: ["pipe", "pipe", "inherit"],
                },
            );
            holder.stdin.write(`SELECT GET_LOCK('ghost-dcdr-restore-${DATABASE}', 0);\n`);
            await new Promise<void>((resolve, reject) => {
                const timer = setTimeout(() => reject(new Error("the lock-holding session did not answer in 10 s")), 10000);
                holder.stdout.once("data", () => {
                    clearTimeout(timer);
                    resolve();
                });
            });
            try {
                return await restoreFault("locked", /another restore of .* is running/, {
                    RESTORE_BACKUP_ID: GOOD,
                    RESTORE_FORCE: "true",
                });
            } finally {
                holder.stdin.end();
                holder.kill("SIGTERM");
            }
        },
        "RESTORE_BACKUP_ID that is not an id": () =>
            restoreFault("bad-id", /is not a backup id/, { RESTORE_BACKUP_ID: "../../etc" }),
    };

    const cases = new Cases("faults");
    for (const name of FAULTS) {
        await cases.run(name, async () => {
            const outcome = await faults[name]();
            return outcome.problems.length === 0 ? { ...outcome, did: `${outcome.did}; DR unchanged` } : outcome;
        });
    }

    // Control: the checks above can fail. A good restore must change DR, and make it equal DC.
    const control = await ground.run("restore", pod(dr, "control"), { datadir: drDb.dataDir });
    const changed = drUnchanged().length > 0;
    const equal =
        diffChecksums(dcDb.checksums(DATABASE), drDb.checksums(DATABASE)).length === 0 &&
        fileDigests(dr.contentDir, [".dcdr-restored"]) === fileDigests(dc.contentDir, [".dcdr-restored"]);
    cases.record(`control: a good (physical) restore of ${GOOD}`, {
        did: `${control.ok ? "succeeded" : `failed (${control.error})`}, ${changed ? "changed DR" : "did NOT change DR"} and ${equal ? "made it equal DC" : "left it different from DC"}`,
        problems: control.ok && changed && equal ? [] : ["a good restore must succeed, change DR and make it equal DC"],
    });
    return cases.print();
}

function writeContent(dir: string, generation: string): void {
    fs.mkdirSync(path.join(dir, "images", "2026", "11"), { recursive: true });
    fs.mkdirSync(path.join(dir, "themes", "casper"), { recursive: true });
    fs.mkdirSync(path.join(dir, "settings"), { recursive: true });
    fs.writeFileSync(path.join(dir, "images", "2026", "11", `photo-${generation}.png`), crypto.randomBytes(200 * 1024));
    fs.writeFileSync(path.join(dir, "themes", "casper", "index.hbs"), `{{!-- ${generation} --}}`);
    fs.writeFileSync(path.join(dir, "settings", "routes.yaml"), `# ${generation}\nroutes:\n`);
}

function flipByte(file: string): void {
    const buf = fs.readFileSync(file);
    const at = Math.floor(buf.length / 2);
    buf[at] ^= 0xff;
    fs.writeFileSync(file, buf);
}

if (require.main === module) runMain(main);
