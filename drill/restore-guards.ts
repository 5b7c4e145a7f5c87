// npm run drill:restore-guards: the restore's own guards (issue 10, findings 2, 4, 8 and 11).
//   2  the restore logs in as the least-privilege restore user (the cluster's Grant objects, restoreGrants()):
//      the statements a dump run as root could issue are refused by the server, and a genuine set with a
//      trigger, procedure, function, event and view still restores;
//   4  no password file survives a kill -9, a newline in the password file is refused, MARIADB_PASSWORD in the
//      environment is refused (and never reaches a child);
//   8  a set of another database, of 0 tables, or of fewer tables than Ghost's schema is refused (forced where
//      that makes sense);
//  11  a metadata lock on a live table makes the swap retry and fail within a bounded time, dr unchanged; a
//      connected Ghost refuses the restore; rows written on the standby are kept in <db>__previous, and the
//      restore is undone by the command its log names.
//  13  the manifest's media object (where the set's uploads are) is hostile input even though signed: a storage
//      other than exactly "s3" or "volume", a bucket that is not a bucket name, or a second storage key is refused
//      with the value quoted safely (no escape byte reaches the log) and DR unchanged; a genuine s3-mode set is
//      refused on a volume site with the fix; a site's MEDIA_STORAGE other than s3 or volume is refused by the
//      restore and the backup, and so is an s3 backup without a valid MEDIA_BUCKET.
// MariaDB (DC + DR) and moto only. Every case prints PASS or FAIL with what happened; any FAIL exits non-zero.
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { ChildProcess, execFileSync, spawn } from "child_process";
import { GHOST_SCHEMA_TABLES, RESTORE_USER } from "../components/mariadb";
import { Cases, describe, fileDigests, mustPass, openDrill, Outcome, refused } from "./lib/cases";
import { DATABASE, giveToPod, PodOptions, Site, StepsResult } from "./lib/datapath";
import { generateGhostDb } from "./lib/ghostdata";
import { diffChecksums, MariaDb } from "./lib/mariadb";
import { DRILL_MEDIA_BUCKET, rawMediaBlock, S3_SITE_RESTORE, s3Backup, withMediaBlock } from "./lib/mediaCases";
import { DRILL_PATH, ghostDir, killGroup, log, runMain } from "./lib/proc";

const PREVIOUS = `${DATABASE}__previous`;
const FIRST = "20260201T000000Z";
const SECOND = "20260202T000000Z";
const DB_MB = Number(process.env.GUARDS_DB_MB ?? "6");
/** How long the apply step may take with a metadata lock held (3 attempts of 2 s, plus the load). */
const MDL_BOUND_SECONDS = 120;

/** One of each object kind a dump carries (finding 10's helper makes the restore carry them). */
const OBJECTS = `
CREATE TRIGGER posts_touch BEFORE INSERT ON posts FOR EACH ROW SET NEW.updated_at = COALESCE(NEW.updated_at, NEW.created_at);
CREATE PROCEDURE count_posts(IN s VARCHAR(50)) READS SQL DATA SELECT COUNT(*) FROM posts WHERE status = s;
CREATE FUNCTION slugify(t VARCHAR(191)) RETURNS VARCHAR(191) DETERMINISTIC RETURN LOWER(REPLACE(t, ' ', '-'));
CREATE EVENT purge_locks ON SCHEDULE EVERY 1 DAY STARTS '2026-01-01 00:00:00' DO DELETE FROM migrations_lock WHERE locked = 0 AND released_at < NOW() - INTERVAL 1 YEAR;
CREATE VIEW published_posts AS SELECT id, title FROM posts WHERE status = 'published';
`;

async function main(): Promise<boolean> {
    const ground = await openDrill("restore-guards");
    const { root, logFile, dcDb, drDb, moto, s3, dc, dr } = ground;
    const [BUCKET, PREFIX] = [s3.bucket, s3.prefix];
    const pod = (site: Site, name: string) => ground.pod(site, name);

    log(`generating a ${DB_MB} MB Ghost-shaped database on DC with a trigger, procedure, function, event and view`);
    generateGhostDb(dcDb, DATABASE, DB_MB * 1024 * 1024, 1);
    fs.writeFileSync(path.join(root, "objects.sql"), OBJECTS);
    await dcDb.source(path.join(root, "objects.sql"), DATABASE);
    const tables = dcDb.tables(DATABASE).length;
    writeContent(dc.contentDir, "first");
    fs.mkdirSync(dr.contentDir, { recursive: true });
    await mustPass(ground.run("backup", pod(dc, "b1"), { env: { BACKUP_ID: FIRST } }), "first backup");
    const firstSums = dcDb.checksums(DATABASE);
    dcDb.query(
        "INSERT INTO posts (id, uuid, title, slug, created_at) VALUES ('fffffffffffffffffffffff2', UUID(), 'Second set', 'second-set', NOW())",
        DATABASE,
    );
    writeContent(dc.contentDir, "second");
    await mustPass(ground.run("backup", pod(dc, "b2"), { env: { BACKUP_ID: SECOND } }), "second backup");
    const secondSums = dcDb.checksums(DATABASE);

    // The restore user of the cluster, on DR, with exactly restoreGrants(); its password in the mounted Secret's
    // place (the restore pod's db-secret volume: a directory holding `password`).
    const password = crypto.randomBytes(16).toString("hex");
    const secrets = path.join(root, "secrets");
    fs.mkdirSync(secrets, { mode: 0o700 });
    const passwordFile = path.join(secrets, "password");
    fs.writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
    giveToPod(secrets, passwordFile);
    drDb.createRestoreUser(DATABASE, password);
    // Ghost's own user on DR, for the "Ghost is connected" case (RESTORE_GHOST_USER is the drill's "ghost").
    drDb.query("CREATE USER ghost@'%' IDENTIFIED BY 'ghost-drill'; GRANT ALL ON ghost.* TO ghost@'%'");
    /** The restore pod as the cluster runs it: the restore user, its password file, and a case's knobs. */
    const asRestore = (env: NodeJS.ProcessEnv = {}): PodOptions => ({
        secrets: { db: secrets },
        env: { MARIADB_USER: RESTORE_USER, RESTORE_MIN_TABLES: String(tables), ...env },
    });
    const restore = (name: string, extra: NodeJS.ProcessEnv = {}) => ground.run("restore", pod(dr, name), asRestore(extra));

    const drState = () => ({
        sums: drDb.checksums(DATABASE),
        previous: drDb.checksums(PREVIOUS),
        content: fileDigests(dr.contentDir),
        databases: drDb.query("SHOW DATABASES"),
        users: drDb.query("SELECT CONCAT(user, '@', host) FROM mysql.user ORDER BY 1"),
    });
    type DrState = ReturnType<typeof drState>;
    const unchangedSince = (before: DrState): string[] => {
        const now = drState();
        const problems = diffChecksums(before.sums, now.sums).map((d) => `DR table changed: ${d}`);
        problems.push(...diffChecksums(before.previous, now.previous).map((d) => `DR ${PREVIOUS} changed: ${d}`));
        if (now.content !== before.content) problems.push("DR content directory changed");
        if (now.databases !== before.databases) problems.push(`DR databases changed: ${now.databases.replace(/\n/g, ",")}`);
        if (now.users !== before.users) problems.push(`DR users changed: ${now.users.replace(/\n/g, ",")}`);
        return problems;
    };

    // GUARDS_ONLY=<regex> runs only the matching cases (while working on one); CI runs them all.
    const summary = new Cases("restore-guards", process.env.GUARDS_ONLY ? new RegExp(process.env.GUARDS_ONLY) : undefined);
    const run = (name: string, body: () => Promise<Outcome> | Outcome) => summary.run(name, body);
    /** A refusal: the steps failed with one ERROR line matching `expect`, and DR is as it was. */
    const refusal = async (steps: Promise<StepsResult>, expect: RegExp): Promise<Outcome> => {
        const before = drState();
        const result = await steps;
        return { did: describe(result), problems: [...refused(result, expect), ...unchangedSince(before)] };
    };

    // ---- finding 8: the pinned minimum is Ghost's own table count ----
    await run("GHOST_SCHEMA_TABLES is the number of tables Ghost's schema.js defines", () => {
        const schema = path.join(ghostDir(), "core", "server", "data", "schema", "schema.js");
        if (!fs.existsSync(schema)) return { did: `skipped: ${schema} is not installed (bash drill/setup.sh)`, problems: [] };
        const count = Number(
            execFileSync("node", ["-e", "console.log(Object.keys(require(process.argv[1])).length)", schema], {
                encoding: "utf8",
            }).trim(),
        );
        return {
            did: `${schema} defines ${count} tables; GHOST_SCHEMA_TABLES is ${GHOST_SCHEMA_TABLES}`,
            problems: count === GHOST_SCHEMA_TABLES ? [] : [`update GHOST_SCHEMA_TABLES in components/mariadb to ${count}`],
        };
    });

    // ---- finding 2: what a dump run as root could do, refused for the restore user ----
    // Where the server (running as the pods' uid) could write: a world-writable directory.
    const outfile = path.join("/tmp", `dcdr-guards-outfile-${crypto.randomBytes(6).toString("hex")}.txt`);
    const attacks: [string, string][] = [
        [
            "CREATE USER ... WITH GRANT OPTION",
            "GRANT ALL PRIVILEGES ON *.* TO 'dcdr_evil'@'%' IDENTIFIED BY 'x' WITH GRANT OPTION",
        ],
        ["CREATE USER", "CREATE USER 'dcdr_evil2'@'%' IDENTIFIED BY 'x'"],
        ["SET GLOBAL", "SET GLOBAL max_connections = 3"],
        ["SELECT ... INTO OUTFILE", `SELECT 'x' INTO OUTFILE '${outfile}'`],
        ["LOAD DATA INFILE of a server file", `LOAD DATA INFILE '/etc/passwd' INTO TABLE \`${DATABASE}__dcdr\`.probe`],
        ["copy mysql.user hashes", "SELECT user, password, authentication_string FROM mysql.user"],
        [
            "an event that runs every second as root",
            `CREATE DEFINER='root'@'localhost' EVENT \`${DATABASE}\`.every_second ON SCHEDULE EVERY 1 SECOND DO SELECT 1`,
        ],
        ["SET GLOBAL event_scheduler", "SET GLOBAL event_scheduler = ON"],
        ["a database outside ghost and ghost__*", "CREATE DATABASE dcdr_escape"],
        ["a database that only looks like ghost__* (_ is a wildcard)", "CREATE DATABASE ghostXXstaging"],
    ];
    await run("finding 2: statements a dump could run as root are refused for the restore user", () => {
        drDb.query(
            `CREATE DATABASE IF NOT EXISTS \`${DATABASE}\`; CREATE DATABASE \`${DATABASE}__dcdr\`; CREATE TABLE \`${DATABASE}__dcdr\`.probe (line TEXT)`,
        );
        const rootErrors = attacks.map(([what, sql]) => [what, tryQuery(drDb, "root", "", sql)]);
        const asRoot = rootErrors.filter(([, e]) => e === "").map(([what]) => what);
        const rootRefused = rootErrors.filter(([, e]) => e !== "").map(([what, e]) => `${what} (${e.slice(0, 80)})`);
        // Undo what root could do, so that the restore user starts from the same server.
        drDb.query(
            "DROP USER IF EXISTS 'dcdr_evil'@'%', 'dcdr_evil2'@'%'; SET GLOBAL max_connections = 151; SET GLOBAL event_scheduler = OFF; DROP DATABASE IF EXISTS dcdr_escape; DROP DATABASE IF EXISTS ghostXXstaging",
        );
        drDb.query(`DROP EVENT IF EXISTS \`${DATABASE}\`.every_second`);
        fs.rmSync(outfile, { force: true });
        const problems: string[] = [];
        const refusals: string[] = [];
        for (const [what, sql] of attacks) {
            const error = tryQuery(drDb, RESTORE_USER, password, sql);
            if (error === "") problems.push(`${what} succeeded for ${RESTORE_USER}: ${sql}`);
            else refusals.push(`${what}: ${error.replace(/^ERROR \d+ \([0-9A-Z]+\)( at line \d+)?: /, "").slice(0, 90)}`);
        }
        drDb.query(`DROP DATABASE \`${DATABASE}__dcdr\``);
        if (drDb.tables(DATABASE).length === 0) drDb.query(`DROP DATABASE IF EXISTS \`${DATABASE}\``);
        if (fs.existsSync(outfile)) problems.push("the restore user wrote a server file");
        return {
            did: `as root (the cluster before) ${asRoot.length} of ${attacks.length} succeeded${rootRefused.length > 0 ? ` (not: ${rootRefused.join("; ")})` : ""}; as ${RESTORE_USER} each was refused: ${refusals.join("; ")}`,
            problems,
        };
    });

    // ---- finding 2 + 4: the genuine restore as the restore user; the password never in a child's environment ----
    await run(
        "finding 2: a genuine set with a trigger, procedure, function, event and view restores as the restore user",
        async () => {
            const result = await restore("genuine", { RESTORE_BACKUP_ID: FIRST });
            const problems = result.ok ? [] : [`the restore failed: ${result.error}`];
            problems.push(...diffChecksums(firstSums, drDb.checksums(DATABASE)).map((d) => `DR differs from the set: ${d}`));
            problems.push(...sameObjects(dcDb, drDb, `${RESTORE_USER}@%`));
            return { did: result.ok ? `restored ${FIRST} as ${RESTORE_USER}; objects owned by it` : "failed", problems };
        },
    );
    await run(
        "finding 4: while a restore runs, no process has the password (or MARIADB_PASSWORD) in its environment",
        async () => {
            const seen = new Set<string>();
            let watch: { stop(): void } | undefined;
            const site = pod(dr, "env-watch");
            const opts = asRestore({ RESTORE_BACKUP_ID: SECOND, RESTORE_FORCE: "true" });
            const fetch = await ground.step("restore-fetch.sh", site, opts);
            const apply = await ground.step(
                "restore-apply.sh",
                site,
                opts,
                (child) => (watch = watchEnvironments(password, seen, child)),
            );
            watch?.stop();
            const problems = fetch.code === 0 && apply.code === 0 ? [] : [`the restore failed: ${apply.error || fetch.error}`];
            const leaks = [...seen].filter((s) => s.startsWith("LEAK"));
            problems.push(...leaks);
            const scanned = [...seen].filter((s) => s.startsWith("pid")).length;
            if (scanned < 3) problems.push(`only ${scanned} processes were seen: the watch did not work`);
            return {
                did: `${scanned} processes of the restore scanned, ${leaks.length} with the password or MARIADB_PASSWORD`,
                problems,
            };
        },
    );

    // ---- finding 4: kill -9 leaves no password file ----
    await run("finding 4: kill -9 of the apply step leaves no file with the password", async () => {
        const site = pod(dr, "killed");
        const opts = asRestore({ RESTORE_BACKUP_ID: FIRST, RESTORE_FORCE: "true" });
        const fetch = await ground.step("restore-fetch.sh", site, opts);
        if (fetch.code !== 0) throw new Error(`fetch failed: ${fetch.error}`);
        let killedAt = "";
        const apply = await ground.step("restore-apply.sh", site, opts, (child) => {
            const timer = setInterval(() => {
                // Killed mid-load: staging exists, so the option file is certainly open.
                if (drDb.query(`SHOW DATABASES LIKE '${DATABASE}\\_\\_staging'`) !== "") {
                    killedAt = "with the staging database being loaded";
                    killGroup(child);
                    clearInterval(timer);
                }
            }, 20);
            child.on("close", () => clearInterval(timer));
        });
        const problems: string[] = [];
        if (!killedAt || apply.code === 0) problems.push(`the apply step was not killed mid-way (exit ${apply.code})`);
        const hits = findInTree([root, site.workDir], password, passwordFile);
        problems.push(...hits.map((h) => `the password is in ${h}`));
        const leftovers = findNames([site.workDir, root], /^dcdr-client\./);
        problems.push(...leftovers.map((f) => `an option file was left behind: ${f}`));
        // The next restore cleans up what the killed one left (staging) and succeeds.
        const next = await restore("after-kill", { RESTORE_BACKUP_ID: FIRST, RESTORE_FORCE: "true" });
        if (!next.ok) problems.push(`the restore after the kill failed: ${next.error}`);
        return {
            did: `killed ${killedAt || "(not killed)"}; searched ${root} (TMPDIR is the pod's work dir in it): ${hits.length} file(s) with the password, ${leftovers.length} option file(s) left`,
            problems,
        };
    });

    // ---- finding 4: a newline in the password file, MARIADB_PASSWORD in the environment ----
    await run("finding 4: a password file with a newline (x\\nhost=evil) is refused", async () => {
        const crafted = path.join(secrets, "crafted-password");
        fs.writeFileSync(crafted, "x\nhost=evil\n", { mode: 0o600 });
        giveToPod(crafted);
        return refusal(restore("newline", { RESTORE_BACKUP_ID: SECOND, MARIADB_PASSWORD_FILE: crafted }), /contains a newline/);
    });
    await run("finding 4: MARIADB_PASSWORD in the environment is refused before any child starts", () =>
        refusal(
            restore("env-password", { RESTORE_BACKUP_ID: SECOND, MARIADB_PASSWORD_FILE: undefined, MARIADB_PASSWORD: password }),
            /MARIADB_PASSWORD is set/,
        ),
    );

    // ---- finding 8: manifest checks ----
    const manifestOf = (id: string) => moto.getText(BUCKET, `${PREFIX}${id}/manifest.json`);
    /** Publishes SECOND under `id` with its manifest edited (and `dump` as db.sql.zst), signed with the dc key. */
    const craft = (id: string, edit: (m: string) => string, dump?: string): void => {
        const dir = path.join(root, "craft", id);
        fs.mkdirSync(dir, { recursive: true });
        moto.aws(["s3", "cp", "--only-show-errors", "--recursive", `s3://${BUCKET}/${PREFIX}${SECOND}/`, dir]);
        let manifest = manifestOf(SECOND).replace(`"backupId": "${SECOND}"`, `"backupId": "${id}"`);
        if (dump !== undefined) {
            const file = path.join(dir, "db.sql.zst");
            execFileSync("zstd", ["-q", "-f", "-o", file], { input: dump, env: { PATH: DRILL_PATH } });
            const sha = crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex");
            manifest = manifest.replace(
                /("name": "db\.sql\.zst", "kind": "[^"]*", "bytes": )\d+(, "sha256": ")[0-9a-f]{64}/,
                `$1${fs.statSync(file).size}$2${sha}`,
            );
        }
        manifest = edit(manifest);
        fs.writeFileSync(path.join(dir, "manifest.json"), manifest);
        fs.writeFileSync(path.join(dir, "manifest.json.sig"), `${moto.signManifest(s3.signingKeyId, manifest)}\n`);
        moto.aws(["s3", "cp", "--only-show-errors", "--recursive", dir, `s3://${BUCKET}/${PREFIX}${id}/`]);
    };
    const OTHER_DB = "20260110T000001Z";
    const EMPTY = "20260110T000002Z";
    craft(OTHER_DB, (m) => m.replace(`"name": "${DATABASE}"`, '"name": "blog"'));
    const emptyDump = "-- MariaDB dump 10.19\n/*!40101 SET NAMES utf8mb4 */;\n-- Dump completed on 2026-02-02  0:00:00\n";
    craft(EMPTY, (m) => m.replace(/"tableCount": \d+/, '"tableCount": 0'), emptyDump);

    await run(
        "finding 8: a set whose manifest names another database is refused, and restored with RESTORE_FORCE=true",
        async () => {
            const out = await refusal(restore("other-db", { RESTORE_BACKUP_ID: OTHER_DB }), /names database 'blog', not 'ghost'/);
            const forced = await restore("other-db-forced", { RESTORE_BACKUP_ID: OTHER_DB, RESTORE_FORCE: "true" });
            if (!forced.ok) out.problems.push(`forced, it still failed: ${forced.error}`);
            else
                out.problems.push(
                    ...diffChecksums(secondSums, drDb.checksums(DATABASE)).map((d) => `forced restore differs: ${d}`),
                );
            return {
                did: `${out.did}; forced: ${forced.ok ? "restored, with a WARNING line" : "failed"}`,
                problems: out.problems,
            };
        },
    );
    await run("finding 8: a set of 0 tables is refused, even with RESTORE_FORCE=true", async () => {
        const out = await refusal(restore("empty", { RESTORE_BACKUP_ID: EMPTY }), /counts 0 tables/);
        const forced = await refusal(
            restore("empty-forced", { RESTORE_BACKUP_ID: EMPTY, RESTORE_FORCE: "true" }),
            /counts 0 tables/,
        );
        return { did: `${out.did}; forced: ${forced.did}`, problems: [...out.problems, ...forced.problems] };
    });
    await run(
        `finding 8: a set of fewer tables than Ghost's schema (${GHOST_SCHEMA_TABLES}) is refused, and restored when forced`,
        async () => {
            const out = await refusal(
                restore("few-tables", { RESTORE_BACKUP_ID: FIRST, RESTORE_MIN_TABLES: undefined }),
                new RegExp(`counts ${tables} tables, fewer than the ${GHOST_SCHEMA_TABLES} of Ghost's schema`),
            );
            const forced = await restore("few-tables-forced", {
                RESTORE_BACKUP_ID: FIRST,
                RESTORE_MIN_TABLES: undefined,
                RESTORE_FORCE: "true",
            });
            if (!forced.ok) out.problems.push(`forced, it still failed: ${forced.error}`);
            else
                out.problems.push(
                    ...diffChecksums(firstSums, drDb.checksums(DATABASE)).map((d) => `forced restore differs: ${d}`),
                );
            return { did: `${out.did}; forced: ${forced.ok ? "restored" : "failed"}`, problems: out.problems };
        },
    );

    /** DR holds a restored ghost (the cases below need live tables, also when run alone with GUARDS_ONLY). */
    const ensureRestored = async (): Promise<void> => {
        if (drDb.tables(DATABASE).length > 0) return;
        await mustPass(restore("baseline", { RESTORE_BACKUP_ID: FIRST, RESTORE_FORCE: "true" }), "baseline restore");
    };

    // ---- finding 11: a metadata lock on a live table ----
    await run(
        "finding 11: a session holding a metadata lock on a live table: the swap retries, then fails in bounded time",
        async () => {
            await ensureRestored();
            const holder = await session(drDb, "root", "", [`BEGIN`, `SELECT COUNT(*) FROM \`${DATABASE}\`.posts`]);
            try {
                const site = pod(dr, "mdl");
                const opts = asRestore({
                    RESTORE_BACKUP_ID: SECOND,
                    RESTORE_FORCE: "true",
                    RESTORE_LOCK_WAIT_SECONDS: "2",
                    RESTORE_SWAP_ATTEMPTS: "3",
                });
                // The drill bounds the wait itself: the scripts before issue 10 waited a day (lock_wait_timeout).
                let cut = false;
                const steps = async (): Promise<StepsResult> => {
                    const fetch = await ground.step("restore-fetch.sh", site, opts);
                    if (fetch.code !== 0) return { ok: false, seconds: 0, steps: [fetch], error: fetch.error };
                    const apply = await ground.step("restore-apply.sh", site, opts, (child) => {
                        const timer = setTimeout(() => {
                            cut = true;
                            killGroup(child);
                        }, MDL_BOUND_SECONDS * 1000);
                        child.on("close", () => clearTimeout(timer));
                    });
                    return { ok: apply.code === 0, seconds: apply.seconds, steps: [fetch, apply], error: apply.error };
                };
                const started = Date.now();
                const out = await refusal(steps(), /could not lock the tables of 'ghost' in 3 attempts of 2s/);
                const seconds = (Date.now() - started) / 1000;
                if (cut) out.problems.push(`the apply step was still waiting after ${MDL_BOUND_SECONDS}s and was killed`);
                const retries = (fs.readFileSync(logFile, "utf8").match(/the swap waited 2s for the metadata locks/g) ?? [])
                    .length;
                if (retries < 3) out.problems.push(`the log shows ${retries} waiting attempts, not 3`);
                return { did: `${out.did} after ${seconds.toFixed(1)}s (3 attempts of 2s)`, problems: out.problems };
            } finally {
                holder.end();
            }
        },
    );

    // ---- finding 11: Ghost connected ----
    await run("finding 11: a connected Ghost session on the live database refuses the restore", async () => {
        await ensureRestored();
        const ghost = await session(drDb, "ghost", "ghost-drill", ["SELECT 1"], DATABASE);
        try {
            return await refusal(
                restore("ghost-running", { RESTORE_BACKUP_ID: SECOND, RESTORE_FORCE: "true" }),
                /Ghost is connected to 'ghost'/,
            );
        } finally {
            ghost.end();
        }
    });

    // ---- finding 11: writes on the standby kept in <db>__previous; undo by the logged command ----
    await run(
        "finding 11: rows written on the standby are kept in ghost__previous, and the restore is undone by the logged command",
        async () => {
            const problems: string[] = [];
            const first = await restore("standby-1", { RESTORE_BACKUP_ID: FIRST, RESTORE_FORCE: "true" });
            if (!first.ok) throw new Error(`restoring ${FIRST} failed: ${first.error}`);
            drDb.query(
                "INSERT INTO posts (id, uuid, title, slug, created_at) VALUES ('eeeeeeeeeeeeeeeeeeeeeee1', UUID(), 'Written on the standby', 'standby', NOW())",
                DATABASE,
            );
            const withStandbyRow = drDb.checksums(DATABASE);
            const second = await restore("standby-2", { RESTORE_BACKUP_ID: SECOND, RESTORE_FORCE: "true" });
            if (!second.ok) throw new Error(`restoring ${SECOND} failed: ${second.error}`);
            const output = second.steps.map((s) => s.output).join("\n");
            if (!/WARNING: 'ghost' was written since \S+ was restored \(tables: [^)]*posts/.test(output))
                problems.push("the restore did not warn that the standby's ghost was written (posts)");
            problems.push(...diffChecksums(secondSums, drDb.checksums(DATABASE)).map((d) => `ghost is not ${SECOND}: ${d}`));
            problems.push(
                ...diffChecksums(withStandbyRow, drDb.checksums(PREVIOUS)).map(
                    (d) => `${PREVIOUS} lost the standby's rows: ${d}`,
                ),
            );
            const kept = drDb.query(`SELECT COUNT(*) FROM \`${PREVIOUS}\`.posts WHERE id = 'eeeeeeeeeeeeeeeeeeeeeee1'`);
            // The undo command, exactly as the log names it, run with the restore user's client options.
            const command = /To undo this restore's database swap \(Ghost stopped\): (.*) \(one RENAME TABLE/.exec(output)?.[1];
            if (!command) throw new Error("the log names no undo command");
            const home = path.join(root, "undo-home");
            fs.mkdirSync(home, { recursive: true, mode: 0o700 });
            fs.writeFileSync(
                path.join(home, ".my.cnf"),
                `[client]\nuser=${RESTORE_USER}\npassword=${password}\nhost=127.0.0.1\nport=${drDb.port}\nprotocol=tcp\n`,
                { mode: 0o600 },
            );
            execFileSync("bash", ["-c", command], { env: { PATH: DRILL_PATH, HOME: home }, encoding: "utf8" });
            fs.rmSync(home, { recursive: true, force: true });
            problems.push(
                ...diffChecksums(withStandbyRow, drDb.checksums(DATABASE)).map(
                    (d) => `after the undo, ghost is not what it was: ${d}`,
                ),
            );
            problems.push(
                ...diffChecksums(secondSums, drDb.checksums(PREVIOUS)).map(
                    (d) => `after the undo, ${PREVIOUS} is not ${SECOND}: ${d}`,
                ),
            );
            return {
                did: `the standby's row was kept in ${PREVIOUS} (${kept} row) with a WARNING; "${command.slice(0, 70)}…" swapped it back`,
                problems,
            };
        },
    );

    // ---- issue 13: where the set's uploads are. The manifest's media object is hostile input, signed or not ----
    const S3_SET = "20260204T000000Z";
    await mustPass(ground.run("backup", pod(dc, "b-s3"), { env: { BACKUP_ID: S3_SET, ...s3Backup() } }), "s3-mode backup");
    let mediaSerial = 0;
    /**
     * A set of SECOND whose manifest holds `block` as its media object (signed with dc's key, as a compromised dc
     * would publish it), restored as the cluster runs it: refused with an ERROR matching `expect`, DR unchanged, and
     * no escape or bell byte of the manifest in any line the restore wrote.
     */
    const hostileMedia = async (block: string, expect: RegExp, env: NodeJS.ProcessEnv = {}): Promise<Outcome> => {
        const id = `20260120T0000${String(++mediaSerial).padStart(2, "0")}Z`;
        craft(id, (m) => withMediaBlock(m, block));
        const before = drState();
        const result = await restore(`media-${mediaSerial}`, { RESTORE_BACKUP_ID: id, ...env });
        const problems = [...refused(result, expect), ...unchangedSince(before)];
        if (result.steps.some((s) => s.output.includes("\x1b") || s.output.includes("\x07")))
            problems.push("an escape or bell byte of the manifest reached the log");
        return { did: describe(result), problems };
    };
    const storageValues: [string, string, RegExp][] = [
        ['"S3"', '"S3"', /media\.storage = "S3", not "s3" or "volume"/],
        ['"s3 " (trailing space)', '"s3 "', /media\.storage = "s3 ", not "s3" or "volume"/],
        ['"cloud"', '"cloud"', /media\.storage = "cloud", not "s3" or "volume"/],
        ["42", "42", /media\.storage = 42, not "s3" or "volume"/],
        ['{"x":1}', '{"x":1}', /media\.storage = \{"x":1\}, not "s3" or "volume"/],
        [
            "an ANSI escape string (clear screen, red, window title, bell)",
            '"\x1b[2J\x1b[31mred\x1b]0;pwned\x07"',
            /media\.storage = "\^\[\[2J\^\[\[31mred\^\[\]0;pwned\^G", not "s3" or "volume"/,
        ],
        [
            "a 300-character string (cut at 64 characters)",
            `"${"A".repeat(300)}"`,
            /media\.storage = "A{63}\.\.\., not "s3" or "volume"/,
        ],
    ];
    for (const [label, value, expect] of storageValues) {
        await run(`issue 13: manifest media.storage = ${label} is refused, value quoted safely, nothing changed`, () =>
            hostileMedia(rawMediaBlock(value), expect),
        );
    }
    const pwned = `/tmp/dcdr-guards-pwned-${process.pid}`;
    const bucketValues: [string, string, RegExp][] = [
        ['"../../etc"', '"../../etc"', /media\.bucket = "\.\.\/\.\.\/etc", which is not an S3 bucket name/],
        ['"Ghost-Media" (uppercase)', '"Ghost-Media"', /media\.bucket = "Ghost-Media", which is not an S3 bucket name/],
        [
            `"$(touch ${pwned})"`,
            `"$(touch ${pwned})"`,
            /media\.bucket = "\$\(touch \/tmp\/dcdr-guards-pwned-\d+\)", which is not an S3 bucket name/,
        ],
    ];
    for (const [label, value, expect] of bucketValues) {
        await run(`issue 13: manifest media.bucket = ${label} is refused, nothing changed (on an s3 site too)`, async () => {
            const out = await hostileMedia(rawMediaBlock('"s3"', value), expect);
            const onS3 = await hostileMedia(rawMediaBlock('"s3"', value), expect, S3_SITE_RESTORE);
            const problems = [...out.problems, ...onS3.problems.map((p) => `on an s3 site: ${p}`)];
            if (fs.existsSync(pwned)) problems.push(`${pwned} was created: the bucket name was run`);
            return { did: `${out.did}; on an s3 site too`, problems };
        });
    }
    await run("issue 13: a manifest with a second storage key (volume in media, s3 at the top) is refused", () =>
        hostileMedia(`${rawMediaBlock('"volume"')}  "storage": "s3",\n`, /has 1 "media", 2 "storage" and 0 "bucket" keys/),
    );
    await run('issue 13: a media object with a key backup-upload.sh never writes ("evil": 1) is refused', () =>
        hostileMedia(
            '  "media": {\n    "storage": "volume",\n    "evil": 1\n  },\n',
            /has a media object that is not written as backup-upload\.sh writes it/,
        ),
    );
    await run(
        "issue 13: an s3 set (uploads in the media bucket) on a volume site is refused with the fix, database and content unchanged",
        async () => {
            await ensureRestored();
            const problems: string[] = [];
            const dids: string[] = [];
            for (const [how, env] of [
                ["MEDIA_STORAGE unset", { MEDIA_STORAGE: undefined }],
                ["MEDIA_STORAGE=volume", { MEDIA_STORAGE: "volume" }],
            ] as const) {
                const out = await refusal(
                    restore(`s3-on-volume-${dids.length}`, { RESTORE_BACKUP_ID: S3_SET, RESTORE_FORCE: "true", ...env }),
                    new RegExp(
                        `keeps its uploads \\(images, files, media\\) in media bucket ${DRILL_MEDIA_BUCKET}, not in the set.*` +
                            "pulumi config set ghost-dcdr:mediaStorage s3.*restore a set made in volume mode with RESTORE_BACKUP_ID; nothing was changed",
                    ),
                );
                problems.push(...out.problems.map((p) => `${how}: ${p}`));
                dids.push(`${how}: ${out.did}`);
            }
            return { did: dids.join("; "), problems };
        },
    );
    await run("issue 13: a site whose MEDIA_STORAGE is neither s3 nor volume: the restore and the backup refuse it", async () => {
        const out = await refusal(
            restore("bad-site-media", { RESTORE_BACKUP_ID: SECOND, RESTORE_FORCE: "true", MEDIA_STORAGE: "S3" }),
            /MEDIA_STORAGE 'S3' is not s3 or volume/,
        );
        const problems = [...out.problems];
        const dids = [out.did];
        const published = () => moto.keys(BUCKET).filter((k) => k.endsWith("/manifest.json")).length;
        for (const [env, expect] of [
            [{ MEDIA_STORAGE: "cloud" }, /MEDIA_STORAGE 'cloud' is not s3 or volume/],
            [{ MEDIA_STORAGE: "s3", MEDIA_BUCKET: undefined }, /MEDIA_STORAGE is s3 but MEDIA_BUCKET is not set/],
            [{ MEDIA_STORAGE: "s3", MEDIA_BUCKET: "../../etc" }, /MEDIA_BUCKET '\.\.\/\.\.\/etc' is not an S3 bucket name/],
        ] as const) {
            const before = published();
            const result = await ground.run("backup", pod(dc, `bad-media-${dids.length}`), {
                env: { BACKUP_ID: `20260130T00000${dids.length}Z`, ...env },
            });
            problems.push(...refused(result, expect));
            if (published() !== before) problems.push(`the backup with ${JSON.stringify(env)} published a manifest`);
            dids.push(`backup with ${JSON.stringify(env)}: ${describe(result)}`);
        }
        return { did: dids.join("; "), problems };
    });

    return summary.print();
}

/** Runs one statement as `user`; "" when it succeeded, else the client's error. */
function tryQuery(db: MariaDb, user: string, password: string, sql: string): string {
    try {
        execFileSync("mariadb", ["--no-defaults", `-u${user}`, "-h127.0.0.1", `-P${db.port}`, "--protocol=tcp", "-e", sql], {
            env: { PATH: DRILL_PATH, MYSQL_PWD: password },
            stdio: ["ignore", "pipe", "pipe"],
        });
        return "";
    } catch (err: unknown) {
        const text = String((err as { stderr?: Buffer }).stderr ?? err);
        return text.split("\n").find((l) => l.startsWith("ERROR")) ?? (text.trim() || "failed");
    }
}

/** A long-lived client session that has run `statements` (and holds what they took) until end(). */
async function session(
    db: MariaDb,
    user: string,
    password: string,
    statements: string[],
    database?: string,
): Promise<{ end(): void }> {
    const args = ["--no-defaults", `-u${user}`, "-h127.0.0.1", `-P${db.port}`, "--protocol=tcp", "-N", "--unbuffered"];
    if (database) args.push(database);
    const child: ChildProcess = spawn("mariadb", args, {
        env: { PATH: DRILL_PATH, MYSQL_PWD: password },
        stdio: ["pipe", "pipe", "inherit"],
    });
    child.stdin?.write(`${statements.join(";\n")};\nSELECT 'ready';\n`);
    await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the ${user} session did not answer in 10 s`)), 10000);
        let out = "";
        child.stdout?.on("data", (d: Buffer) => {
            out += d.toString();
            if (out.includes("ready")) {
                clearTimeout(timer);
                resolve();
            }
        });
    });
    return {
        end: () => {
            child.stdin?.end();
            child.kill("SIGTERM");
        },
    };
}

/**
 * Polls /proc every few ms for processes of the restore (descendants of `child`, or any process whose environment
 * names WORK_DIR under .drill/restore-guards) and records "pid N" for each one seen and "LEAK ..." for each one
 * whose environment holds the password or a MARIADB_PASSWORD variable.
 */
function watchEnvironments(password: string, seen: Set<string>, child?: ChildProcess): { stop(): void } {
    const scan = () => {
        for (const pid of fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
            let environ: string;
            let cmdline: string;
            try {
                environ = fs.readFileSync(`/proc/${pid}/environ`, "latin1");
                cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, "latin1").replace(/\0/g, " ").trim();
            } catch {
                continue;
            }
            if (!environ.includes("restore-guards")) continue;
            if (child && !environ.includes("RESTORE_GHOST_USER=")) continue;
            if (!seen.has(`pid ${pid}`)) seen.add(`pid ${pid}`);
            const vars = environ.split("\0");
            if (vars.some((v) => v.startsWith("MARIADB_PASSWORD=")))
                seen.add(`LEAK: MARIADB_PASSWORD in the environment of ${cmdline}`);
            if (environ.includes(password)) seen.add(`LEAK: the password in the environment of ${cmdline}`);
        }
    };
    const timer = setInterval(scan, 5);
    return { stop: () => clearInterval(timer) };
}

/** Files under `dirs` whose bytes contain `needle` (the Secret-like file itself excepted). */
function findInTree(dirs: string[], needle: string, except: string): string[] {
    const hits = new Set<string>();
    const walk = (d: string) => {
        if (!fs.existsSync(d)) return;
        for (const e of fs.readdirSync(d, { withFileTypes: true })) {
            const p = path.join(d, e.name);
            if (e.isDirectory()) walk(p);
            else if (e.isFile() && p !== except && fs.statSync(p).size < 256 * 1024 * 1024 && fs.readFileSync(p).includes(needle))
                hits.add(p);
        }
    };
    for (const d of dirs) walk(d);
    return [...hits];
}

function findNames(dirs: string[], pattern: RegExp): string[] {
    const out = new Set<string>();
    const walk = (d: string) => {
        if (!fs.existsSync(d)) return;
        for (const e of fs.readdirSync(d, { withFileTypes: true })) {
            const p = path.join(d, e.name);
            if (pattern.test(e.name)) out.add(p);
            if (e.isDirectory()) walk(p);
        }
    };
    for (const d of dirs) walk(d);
    return [...out];
}

/** Every view, trigger, routine and event of DATABASE, as SHOW CREATE prints it (creation times aside). */
function objectDefinitions(db: MariaDb): string[] {
    const q = (sql: string) => (db.query(sql) === "" ? [] : db.query(sql).split("\n"));
    const out: string[] = [];
    for (const t of q(`SELECT trigger_name FROM information_schema.triggers WHERE trigger_schema = '${DATABASE}' ORDER BY 1`))
        out.push(`trigger ${db.query(`SHOW CREATE TRIGGER \`${t}\``, DATABASE).split("\t").slice(0, 6).join("\t")}`);
    for (const r of q(
        `SELECT CONCAT(routine_type, ' ', routine_name) FROM information_schema.routines WHERE routine_schema = '${DATABASE}' ORDER BY 1`,
    )) {
        const [type, name] = r.split(" ");
        out.push(`${type.toLowerCase()} ${db.query(`SHOW CREATE ${type} \`${name}\``, DATABASE)}`);
    }
    for (const e of q(`SELECT event_name FROM information_schema.events WHERE event_schema = '${DATABASE}' ORDER BY 1`))
        out.push(`event ${db.query(`SHOW CREATE EVENT \`${e}\``, DATABASE)}`);
    for (const v of q(`SELECT table_name FROM information_schema.views WHERE table_schema = '${DATABASE}' ORDER BY 1`))
        out.push(`view ${db.query(`SHOW CREATE VIEW \`${v}\``, DATABASE)}`);
    return out;
}

/** DR's objects are DC's, definer aside, and each is owned by `definer`. */
function sameObjects(dcDb: MariaDb, drDb: MariaDb, definer: string): string[] {
    const strip = (d: string) => d.replace(/DEFINER=`[^`]*`@`[^`]*`/g, "DEFINER=?");
    const dcDefs = objectDefinitions(dcDb).map(strip);
    const drDefs = objectDefinitions(drDb);
    const problems: string[] = [];
    if (dcDefs.length < 5) problems.push(`DC has ${dcDefs.length} objects, the drill made 5 more`);
    for (const d of drDefs.map(strip)) if (!dcDefs.includes(d)) problems.push(`DR object differs from DC's: ${d.slice(0, 160)}`);
    if (drDefs.length !== dcDefs.length) problems.push(`DR has ${drDefs.length} objects, DC ${dcDefs.length}`);
    const owners = drDb.query(
        `SELECT definer FROM information_schema.triggers WHERE trigger_schema = '${DATABASE}'
         UNION ALL SELECT definer FROM information_schema.routines WHERE routine_schema = '${DATABASE}'
         UNION ALL SELECT definer FROM information_schema.events WHERE event_schema = '${DATABASE}'
         UNION ALL SELECT definer FROM information_schema.views WHERE table_schema = '${DATABASE}'`,
    );
    for (const o of owners.split("\n").filter((l) => l !== ""))
        if (o !== definer) problems.push(`DR object owned by ${o}, not ${definer}`);
    return problems;
}

function writeContent(dir: string, generation: string): void {
    fs.mkdirSync(path.join(dir, "images", "2026"), { recursive: true });
    fs.mkdirSync(path.join(dir, "settings"), { recursive: true });
    fs.writeFileSync(path.join(dir, "images", "2026", `photo-${generation}.png`), crypto.randomBytes(20 * 1024));
    fs.writeFileSync(path.join(dir, "settings", "routes.yaml"), `# ${generation}\nroutes:\n`);
}

if (require.main === module) runMain(main);
