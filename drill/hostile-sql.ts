// npm run drill:hostile-sql: a backup set is hostile input (issue 10, findings 1, 5, 6, 10 and the memory half
// of 12). Anyone who can write to the bucket, and sign, as a compromised dc cluster can, may craft db.sql.zst.
// Each crafted set below must be refused by restore-apply.sh with one ERROR line naming the statement, and
// leave DR exactly as it was (tables, content, databases, views, triggers, routines, events); the positive
// cases prove that every object kind a genuine dump carries survives the restore, owned by the restoring user.
//
// MariaDB (DC + DR) and moto only. HOSTILE_DB_MB (default 8) sizes the generated DC database.
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { execFileSync, spawn } from "child_process";
import { Cases, describe, DrWatch, mustPass, openDrill, refused } from "./lib/cases";
import { DATABASE, PodOptions, Site, StepsResult } from "./lib/datapath";
import { generateGhostDb } from "./lib/ghostdata";
import { diffChecksums, MariaDb } from "./lib/mariadb";
import { DRILL_PATH, log, runMain, SCRIPTS_DIR } from "./lib/proc";

const GOOD_OLD = "20260101T000000Z";
const GOOD = "20260102T000000Z";
const DB_MB = Number(process.env.HOSTILE_DB_MB ?? "8");
/** The one-line bomb: 300 MB, as in finding 12. */
const BOMB_BYTES = 300 * 1024 * 1024;
/** Peak RSS the refused bomb may reach: the filter holds at most RESTORE_MAX_LINE_MB (16 MiB) of a line. */
const BOMB_RSS_LIMIT_MB = 200;
/** A restore user that is not root, so that "the definer is the restoring user" cannot mean root. */
const RESTORE_USER = "dcdr_hostile_restore";
/**
 * These cases are about the database: the content archive has its own drill, and the generated database
 * has the tables that carry Ghost's bulk, not all of Ghost's schema (RESTORE_MIN_TABLES).
 */
const DB_ONLY = { GHOST_CONTENT_SKIP: "true", RESTORE_MIN_TABLES: "1" };

/** Objects of every kind, all with DEFINER `root`@`%`, which must not end as root on DR. */
const OBJECTS = `
CREATE DEFINER='root'@'%' TRIGGER posts_touch BEFORE INSERT ON posts FOR EACH ROW
  SET NEW.updated_at = COALESCE(NEW.updated_at, NEW.created_at);
DELIMITER ;;
CREATE DEFINER='root'@'%' TRIGGER tags_audit AFTER INSERT ON tags FOR EACH ROW
BEGIN
  IF NEW.description IS NULL THEN
    UPDATE migrations_lock SET acquired_at = NOW() WHERE lock_key = 'km01';
  END IF;
END;;
CREATE DEFINER='root'@'%' PROCEDURE count_posts(IN s VARCHAR(50)) READS SQL DATA
BEGIN
  SELECT COUNT(*) FROM posts WHERE status = s;
END;;
CREATE DEFINER='root'@'%' FUNCTION slugify(t VARCHAR(191)) RETURNS VARCHAR(191) DETERMINISTIC
  RETURN LOWER(REPLACE(t, ' ', '-'));;
CREATE DEFINER='root'@'%' EVENT purge_locks ON SCHEDULE EVERY 1 DAY STARTS '2026-01-01 00:00:00'
  DO DELETE FROM migrations_lock WHERE locked = 0 AND released_at < NOW() - INTERVAL 1 YEAR;;
DELIMITER ;
CREATE DEFINER='root'@'%' SQL SECURITY DEFINER VIEW published_posts AS SELECT id, title FROM posts WHERE status = 'published';
`;

async function main(): Promise<boolean> {
    const ground = await openDrill("hostile-sql");
    const { root, logFile, dcDb, drDb, moto, s3, dc, dr } = ground;
    const [BUCKET, PREFIX] = [s3.bucket, s3.prefix];
    const pod = (site: Site, name: string) => ground.pod(site, name);

    log(`generating a ${DB_MB} MB Ghost-shaped database on DC, with a trigger, procedure, function, event and view`);
    generateGhostDb(dcDb, DATABASE, DB_MB * 1024 * 1024, 1);
    // DC's definer exists there (mariadb-dump --no-data locks views, which needs it); DR has no root@%.
    dcDb.query("CREATE USER IF NOT EXISTS root@'%'; GRANT ALL ON *.* TO root@'%' WITH GRANT OPTION");
    await sourceText(dcDb, path.join(root, "objects.sql"), OBJECTS);
    fs.mkdirSync(path.join(dc.contentDir, "images"), { recursive: true });
    fs.writeFileSync(path.join(dc.contentDir, "images", "a.png"), crypto.randomBytes(1024));
    fs.mkdirSync(dr.contentDir, { recursive: true });
    drDb.query(
        `CREATE USER ${RESTORE_USER}@'%'; GRANT ALL ON \`${DATABASE}\`.* TO ${RESTORE_USER}@'%'; GRANT ALL ON \`${DATABASE}\\_\\_%\`.* TO ${RESTORE_USER}@'%'; GRANT PROCESS ON *.* TO ${RESTORE_USER}@'%'`,
    );
    const asRestoreUser = { MARIADB_USER: RESTORE_USER, ...DB_ONLY };

    const physical = { datadir: dcDb.dataDir };
    await mustPass(ground.run("backup", pod(dc, "b0"), { ...physical, env: { BACKUP_ID: GOOD_OLD } }), "baseline backup");

    const summary = new Cases("hostile-sql");
    const record = (name: string, outcome: { did: string; problems: string[] }) => summary.record(name, outcome);

    // Positive: a genuine set with every object kind restores them all, owned by the restoring user.
    const baseline = await ground.run("restore", pod(dr, "r0"), { env: asRestoreUser });
    record("genuine set with a trigger, procedure, function, event and view (logical, as a non-root user)", {
        did: baseline.ok ? "restored" : `failed: ${baseline.error}`,
        problems: [
            ...(baseline.ok ? [] : [`the restore failed: ${baseline.error}`]),
            ...sameData(dcDb, drDb),
            ...sameObjects(dcDb, drDb, `${RESTORE_USER}@%`),
        ],
    });

    dcDb.query(
        "INSERT INTO posts (id, uuid, title, slug, created_at) VALUES ('fffffffffffffffffffffff1', UUID(), 'After the baseline', 'after-baseline', NOW())",
        DATABASE,
    );
    await mustPass(ground.run("backup", pod(dc, "b1"), { ...physical, env: { BACKUP_ID: GOOD } }), "second backup");
    const goodManifest = moto.getText(BUCKET, `${PREFIX}${GOOD}/manifest.json`);
    const goodDump = path.join(root, "good-db.sql.zst");
    moto.aws(["s3", "cp", "--only-show-errors", `s3://${BUCKET}/${PREFIX}${GOOD}/db.sql.zst`, goodDump]);
    const goodSql = execFileSync("zstd", ["-dc", goodDump], { maxBuffer: 1 << 30, env: { PATH: DRILL_PATH } }).toString("utf8");

    const drWatch = new DrWatch(drDb, DATABASE, dr.contentDir, {
        extra: {
            objects: {
                read: () => objectDefinitions(drDb).join("\n"),
                changed: () => "DR views, triggers, routines or events changed",
            },
            users: {
                read: () => drDb.query("SELECT CONCAT(user, '@', host) FROM mysql.user ORDER BY 1"),
                changed: (_, now) => `DR users changed: ${now.replace(/\n/g, ",")}`,
            },
        },
    });
    const drUnchanged = () => drWatch.unchanged();

    /** Publishes GOOD with db.sql.zst replaced by `sql` under `id`, re-signed as a holder of the dc key could. */
    const craft = (id: string, write: (file: string) => void): void => {
        const dir = path.join(root, "craft", id);
        fs.mkdirSync(dir, { recursive: true });
        moto.aws(["s3", "cp", "--only-show-errors", "--recursive", `s3://${BUCKET}/${PREFIX}${GOOD}/`, dir]);
        for (const f of ["manifest.json", "manifest.json.sig"]) fs.rmSync(path.join(dir, f), { force: true });
        const dump = path.join(dir, "db.sql.zst");
        write(dump);
        const bytes = fs.statSync(dump).size;
        const sha = crypto.createHash("sha256").update(fs.readFileSync(dump)).digest("hex");
        const manifest = goodManifest
            .replace(`"backupId": "${GOOD}"`, `"backupId": "${id}"`)
            .replace(/("name": "db\.sql\.zst", "kind": "[^"]*", "bytes": )\d+(, "sha256": ")[0-9a-f]{64}/, `$1${bytes}$2${sha}`);
        fs.writeFileSync(path.join(dir, "manifest.json"), manifest);
        fs.writeFileSync(path.join(dir, "manifest.json.sig"), `${moto.signManifest(s3.signingKeyId, manifest)}\n`);
        moto.aws(["s3", "cp", "--only-show-errors", "--recursive", dir, `s3://${BUCKET}/${PREFIX}${id}/`]);
    };
    /** GOOD's dump with `text` inserted before the line starting with `before`. */
    const inject = (text: string, before: string): string => {
        const at = goodSql.indexOf(`\n${before}`);
        if (at < 0) throw new Error(`the good dump has no line starting with ${before}`);
        return `${goodSql.slice(0, at + 1)}${text}\n${goodSql.slice(at + 1)}`;
    };
    const compress = (sql: string) => (file: string) =>
        execFileSync("zstd", ["-q", "-f", "-o", file], { input: sql, env: { PATH: DRILL_PATH } });

    let caseNo = 0;
    /** A crafted set that must be refused with `expect`, leaving DR unchanged. */
    const hostile = async (name: string, expect: RegExp, write: (file: string) => void, extra: () => string[] = () => []) => {
        caseNo += 1;
        const id = `20251201T0000${String(caseNo).padStart(2, "0")}Z`;
        craft(id, write);
        const result = await ground.run("restore", pod(dr, `h${caseNo}`), { env: { RESTORE_BACKUP_ID: id, ...DB_ONLY } });
        record(name, { did: describe(result), problems: [...refused(result, expect), ...drUnchanged(), ...extra()] });
    };

    const leak = path.join(root, "leak");
    // After the rows (and triggers) of `tags`: where a crafted statement meets the data load.
    const dataOfTags = "-- Table structure for table `users`";
    await hostile(
        "client shell command \\! (finding 1)",
        /refused: a backslash outside a string .* at line \d+ of the dump/,
        compress(inject(`\\! sh -c 'cat $MARIADB_PASSWORD_FILE > ${leak} 2>&1; id >> ${leak}'`, dataOfTags)),
        () => (fs.existsSync(leak) ? [`the command ran: ${leak} exists`] : []),
    );
    await hostile(
        "shell command in a /*! comment",
        /refused: a backslash outside a string/,
        compress(inject(`/*!40101 \\! sh -c 'id > ${leak}' */;`, dataOfTags)),
        () => (fs.existsSync(leak) ? [`the command ran: ${leak} exists`] : []),
    );
    await hostile(
        "named client command `system` at a statement start",
        /refused: a 'SYSTEM SH C' statement/,
        compress(inject(`system sh -c 'id > ${leak}';`, dataOfTags)),
        () => (fs.existsSync(leak) ? [`the command ran: ${leak} exists`] : []),
    );
    await hostile(
        "DROP DATABASE ghost (finding 5)",
        /refused: a 'DROP DATABASE GHOST' statement/,
        compress(inject("DROP DATABASE ghost;", dataOfTags)),
    );
    await hostile(
        "USE ghost, then an INSERT (finding 5)",
        /refused: a 'USE GHOST' statement/,
        compress(
            inject(
                "USE ghost;\nINSERT INTO `posts` (`id`, `uuid`, `title`, `slug`, `created_at`) VALUES ('eeeeeeeeeeeeeeeeeeeeeee1', UUID(), 'pwned', 'pwned', NOW());",
                dataOfTags,
            ),
        ),
    );
    await hostile(
        "CREATE USER",
        /refused: a 'CREATE USER EVIL/,
        compress(inject("CREATE USER evil@'%' IDENTIFIED BY 'x';", dataOfTags)),
    );
    await hostile(
        "GRANT ALL ... WITH GRANT OPTION",
        /refused: a 'GRANT ALL PRIVILEGES ON/,
        compress(inject("GRANT ALL PRIVILEGES ON *.* TO 'evil'@'%' WITH GRANT OPTION;", dataOfTags)),
    );
    await hostile(
        "SET GLOBAL",
        /refused: a 'SET' statement mariadb-dump does not write \(SETGLOBALEVENT_SCHEDULER=ON\)/,
        compress(inject("/*!40101 SET GLOBAL event_scheduler = ON */;", dataOfTags)),
    );
    await hostile(
        "SELECT ... INTO OUTFILE",
        /refused: a 'SELECT FROM POSTS INTO OUTFILE' statement/,
        compress(inject(`SELECT * FROM posts INTO OUTFILE '${path.join(root, "outfile")}';`, dataOfTags)),
        () => (fs.existsSync(path.join(root, "outfile")) ? ["the OUTFILE was written"] : []),
    );
    await hostile(
        "LOAD DATA INFILE '/etc/passwd'",
        /refused: a 'LOAD DATA INFILE INTO TABLE TAGS' statement/,
        compress(inject("LOAD DATA INFILE '/etc/passwd' INTO TABLE tags;", dataOfTags)),
    );
    await hostile(
        "schema-qualified trigger ON ghost.posts (finding 6)",
        /refused: the schema-qualified name `GHOST` \. `POSTS` in a CREATE TRIGGER statement/,
        compress(
            inject(
                "DELIMITER ;;\n/*!50003 CREATE*/ /*!50017 DEFINER=`root`@`%`*/ /*!50003 TRIGGER evil AFTER INSERT ON `ghost`.`posts` FOR EACH ROW BEGIN DELETE FROM tags; END */;;\nDELIMITER ;",
                dataOfTags,
            ),
        ),
    );
    await hostile(
        "schema-qualified INSERT INTO ghost.posts (finding 5)",
        /refused: the schema-qualified name `GHOST` \. `POSTS` in a INSERT INTO/,
        compress(
            inject(
                "INSERT INTO `ghost`.`posts` (`id`, `uuid`, `title`, `slug`, `created_at`) VALUES ('eeeeeeeeeeeeeeeeeeeeeee2','u','pwned','pwned2','2026-01-01 00:00:00');",
                dataOfTags,
            ),
        ),
    );
    await hostile(
        "a second statement smuggled in a row",
        /refused: a row that is not a tuple of plain values/,
        compress(
            goodSql.replace(
                /\nINSERT INTO `tags` VALUES\n\(/,
                "\nINSERT INTO `tags` VALUES\n('x','y','z',NULL,'2026-01-01 00:00:00'); DROP DATABASE ghost; INSERT INTO `tags` VALUES\n(",
            ),
        ),
    );
    await hostile(
        "view body reading another database (mysql.user)",
        /refused: the name `MYSQL` \. `USER` of another database in a CREATE VIEW statement/,
        compress(
            goodSql.replace(
                /\/\*!50001 VIEW `members_resolved_subscription` AS select /,
                "/*!50001 VIEW `members_resolved_subscription` AS select (select max(`password`) from `mysql`.`user`) AS `h`, ",
            ),
        ),
    );

    // Finding 12: one 300 MB line (a 10 KB db.sql.zst). Refused, with the restore's peak RSS bounded.
    caseNo += 1;
    const bombId = `20251201T0000${String(caseNo).padStart(2, "0")}Z`;
    craft(bombId, (file) => {
        const at = goodSql.indexOf(`\n${dataOfTags}`);
        const pre = path.join(root, "bomb-pre.sql");
        const post = path.join(root, "bomb-post.sql");
        fs.writeFileSync(pre, `${goodSql.slice(0, at + 1)}INSERT INTO \`tags\` VALUES ('`);
        fs.writeFileSync(post, `');\n${goodSql.slice(at + 1)}`);
        execFileSync(
            "bash",
            [
                "-c",
                'set -o pipefail; { cat "$1"; head -c "$2" /dev/zero | tr "\\0" a; cat "$3"; } | zstd -q -f -o "$4"',
                "_",
                pre,
                String(BOMB_BYTES),
                post,
                file,
            ],
            { env: { PATH: DRILL_PATH } },
        );
    });
    {
        const site = pod(dr, "bomb");
        const opts: PodOptions = { env: { RESTORE_BACKUP_ID: bombId, ...DB_ONLY } };
        const fetch = await ground.step("restore-fetch.sh", site, opts);
        const apply = await applyWithPeakRss(ground.env("restore-apply.sh", site, opts), logFile);
        const result: StepsResult = {
            ok: fetch.code === 0 && apply.code === 0,
            seconds: 0,
            steps: [fetch, apply],
            error: fetch.code !== 0 ? fetch.error : apply.error,
        };
        const problems = [
            ...refused(result, /refused: a line longer than 16777216 bytes \(RESTORE_MAX_LINE_MB/),
            ...drUnchanged(),
        ];
        if (apply.peakMb > BOMB_RSS_LIMIT_MB) problems.push(`peak RSS ${apply.peakMb} MB is above ${BOMB_RSS_LIMIT_MB} MB`);
        const bytes = fs.statSync(path.join(root, "craft", bombId, "db.sql.zst")).size;
        record(`one ${BOMB_BYTES / 1024 / 1024} MB line in a ${Math.round(bytes / 1024)} KB db.sql.zst (finding 12)`, {
            did: `${describe(result)}; peak RSS of the restore ${apply.peakMb} MB`,
            problems,
        });
    }

    // Control: the good set (physical path: the objects come from the dump's filtered second pass) must
    // change DR, make it equal DC, and carry every object kind; as root, the definer is root@localhost and
    // the restore says so in a warning.
    const control = await ground.run("restore", pod(dr, "control"), {
        datadir: drDb.dataDir,
        env: { RESTORE_BACKUP_ID: GOOD, ...DB_ONLY },
    });
    const changed = drUnchanged().length > 0;
    const warned = control.steps.some((s) => /warning: .* owned by root@/.test(s.output));
    const controlProblems = [
        ...(control.ok ? [] : [`the restore failed: ${control.error}`]),
        ...(changed ? [] : ["DR did not change"]),
        ...sameData(dcDb, drDb),
        ...sameObjects(dcDb, drDb, "root@localhost"),
        ...(warned ? [] : ["no warning that the objects are owned by root"]),
    ];
    record(`control: a good physical restore of ${GOOD} as root`, {
        did: control.ok ? "restored, DR changed and equals DC, objects carried" : `failed: ${control.error}`,
        problems: controlProblems,
    });

    return summary.print();
}

async function sourceText(db: MariaDb, file: string, sql: string): Promise<void> {
    fs.writeFileSync(file, sql);
    await db.source(file, DATABASE);
}

/** Every view, trigger, routine and event of the database with its definition, as SHOW CREATE prints it. */
function objectDefinitions(db: MariaDb): string[] {
    const q = (sql: string) => (db.query(sql) === "" ? [] : db.query(sql).split("\n"));
    const out: string[] = [];
    for (const t of q(`SELECT trigger_name FROM information_schema.triggers WHERE trigger_schema = '${DATABASE}' ORDER BY 1`)) {
        // SHOW CREATE TRIGGER ends with the creation time, which differs by design.
        out.push(`trigger ${db.query(`SHOW CREATE TRIGGER \`${t}\``, DATABASE).split("\t").slice(0, 6).join("\t")}`);
    }
    for (const r of q(
        `SELECT CONCAT(routine_type, ' ', routine_name) FROM information_schema.routines WHERE routine_schema = '${DATABASE}' ORDER BY 1`,
    )) {
        const [type, name] = r.split(" ");
        out.push(`${type.toLowerCase()} ${db.query(`SHOW CREATE ${type} \`${name}\``, DATABASE)}`);
    }
    for (const e of q(`SELECT event_name FROM information_schema.events WHERE event_schema = '${DATABASE}' ORDER BY 1`)) {
        out.push(`event ${db.query(`SHOW CREATE EVENT \`${e}\``, DATABASE)}`);
    }
    for (const v of q(`SELECT table_name FROM information_schema.views WHERE table_schema = '${DATABASE}' ORDER BY 1`)) {
        out.push(`view ${db.query(`SHOW CREATE VIEW \`${v}\``, DATABASE)}`);
    }
    return out;
}

/** DR's objects must be DC's, definer aside, and every definer must be `definer` (user@host), never the dump's. */
function sameObjects(dcDb: MariaDb, drDb: MariaDb, definer: string): string[] {
    const strip = (d: string) => d.replace(/DEFINER=`[^`]*`@`[^`]*`/g, "DEFINER=?");
    const dcDefs = objectDefinitions(dcDb);
    const drDefs = objectDefinitions(drDb);
    const problems: string[] = [];
    if (dcDefs.length !== 7)
        problems.push(`DC has ${dcDefs.length} objects, the drill made 7 (2 triggers, procedure, function, event, 2 views)`);
    const dcSet = new Set(dcDefs.map(strip));
    for (const d of drDefs.map(strip)) if (!dcSet.has(d)) problems.push(`DR object differs from DC's: ${d.slice(0, 160)}`);
    if (drDefs.length !== dcDefs.length) problems.push(`DR has ${drDefs.length} objects, DC ${dcDefs.length}`);
    const [user, host] = definer.split("@");
    const owners = drDb.query(
        `SELECT definer FROM information_schema.triggers WHERE trigger_schema = '${DATABASE}'
         UNION ALL SELECT definer FROM information_schema.routines WHERE routine_schema = '${DATABASE}'
         UNION ALL SELECT definer FROM information_schema.events WHERE event_schema = '${DATABASE}'
         UNION ALL SELECT definer FROM information_schema.views WHERE table_schema = '${DATABASE}'`,
    );
    for (const o of owners.split("\n").filter((l) => l !== "")) {
        if (o !== `${user}@${host}`) problems.push(`DR object owned by ${o}, not the restoring user ${definer}`);
    }
    return problems;
}

function sameData(dcDb: MariaDb, drDb: MariaDb): string[] {
    return diffChecksums(dcDb.checksums(DATABASE), drDb.checksums(DATABASE)).map((d) => `DR differs from DC: ${d}`);
}

/** restore-apply.sh under /usr/bin/time: the largest resident set of any of its processes, in MB. */
async function applyWithPeakRss(
    env: NodeJS.ProcessEnv,
    logFile: string,
): Promise<{ code: number; output: string; error: string; seconds: number; peakMb: number }> {
    const started = Date.now();
    const child = spawn("/usr/bin/time", ["-f", "dcdr-peak-rss-kb=%M", "bash", path.join(SCRIPTS_DIR, "restore-apply.sh")], {
        env,
        stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    const code = await new Promise<number>((resolve) => child.on("close", (c) => resolve(c ?? 1)));
    fs.appendFileSync(logFile, `\n### restore-apply.sh under /usr/bin/time (exit ${code})\n${output}`);
    const kb = Number(/dcdr-peak-rss-kb=(\d+)/.exec(output)?.[1] ?? "0");
    const errors = output.split("\n").filter((l) => l.includes(": ERROR: "));
    return {
        code,
        output,
        error: errors[errors.length - 1] ?? "",
        seconds: (Date.now() - started) / 1000,
        peakMb: Math.round(kb / 1024),
    };
}

if (require.main === module) runMain(main);
