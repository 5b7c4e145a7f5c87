// npm run bench:datapath [-- --mb=N]: how much the data-path scripts cost against the tools'
// raw speed, on a generated Ghost-shaped database (default ~1 GB; BENCH_DB_MB or --mb=N).
//
// Times, in one run: a raw `mariadb-dump > /dev/null`, the backup steps (dump, physical copy,
// upload to moto), a plain `mariadb < dump.sql` into an empty database, and the restore steps
// (fetch, then apply twice: from the logical dump and from the physical copy). Prints the
// figures and the ratios: backup dump step / raw dump (target <= 1.15) and restore throughput /
// plain-restore throughput (target >= 2; restore time is the RTO). Not a test.
import * as os from "node:os";
import * as fs from "fs";
import * as path from "path";
import { spawnSync } from "child_process";
import { openDrill } from "./lib/cases";
import { DATABASE, Drillground, PodOptions, Site } from "./lib/datapath";
import { generateGhostDb } from "./lib/ghostdata";
import { MariaDb } from "./lib/mariadb";
import { DRILL_PATH, log, runMain, ScriptResult } from "./lib/proc";

const DUMP_OPTS = [
    "--single-transaction",
    "--quick",
    "--routines",
    "--triggers",
    "--events",
    "--hex-blob",
    "--default-character-set=utf8mb4",
    "--skip-add-locks",
    "--skip-dump-date",
    "--max-allowed-packet=1G",
];

function sizeMb(): number {
    const flag = process.argv.find((a) => a.startsWith("--mb="));
    const value = Number(flag ? flag.slice(5) : (process.env.BENCH_DB_MB ?? "1024"));
    if (!Number.isFinite(value) || value <= 0) {
        throw new Error(
            `database size '${flag ?? process.env.BENCH_DB_MB}' is not a positive number of MB. Use --mb=1024 or BENCH_DB_MB=1024`,
        );
    }
    return value;
}

function timed(what: string, cmd: string): number {
    const started = Date.now();
    const r = spawnSync("bash", ["-o", "pipefail", "-c", cmd], {
        env: { PATH: DRILL_PATH },
        stdio: ["ignore", "ignore", "pipe"],
    });
    if (r.status !== 0) {
        throw new Error(`${what} failed: ${r.stderr.toString().slice(0, 500)}`);
    }
    return (Date.now() - started) / 1000;
}

/** One step of a chain (components/backup/steps.ts), alone and timed; the bench leaves out the fence and export. */
async function step(ground: Drillground, script: string, site: Site, opts: PodOptions): Promise<ScriptResult> {
    const r = await ground.step(script, site, opts);
    if (r.code !== 0) {
        throw new Error(`${script} failed: ${r.error}`);
    }
    return r;
}

async function main(): Promise<boolean> {
    const mb = sizeMb();
    const ground = await openDrill("bench");
    const { root, dcDb, drDb, dc, dr } = ground;

    log(`generating a ~${mb} MB Ghost-shaped database`);
    const genStarted = Date.now();
    generateGhostDb(dcDb, DATABASE, mb * 1024 * 1024);
    log(
        `generated ${(dcDb.dataBytes(DATABASE) / 1048576).toFixed(0)} MB (data + indexes) in ${((Date.now() - genStarted) / 1000).toFixed(0)}s`,
    );
    dcDb.query("SELECT COUNT(*) FROM posts", DATABASE);
    fs.mkdirSync(path.join(dc.contentDir, "images"), { recursive: true });
    fs.writeFileSync(path.join(dc.contentDir, "images", "a.png"), Buffer.alloc(1024));
    fs.mkdirSync(dr.contentDir, { recursive: true });

    const conn = `mariadb-dump --no-defaults -uroot -h127.0.0.1 -P${dcDb.port} --protocol=tcp ${DUMP_OPTS.join(" ")} ${DATABASE}`;
    // Warm the buffer pool the same way for everyone; then the best of two raw dumps (the
    // harder comparison for the scripts).
    timed("warm-up dump", `${conn} > /dev/null`);
    const raw = Math.min(timed("raw dump", `${conn} > /dev/null`), timed("raw dump", `${conn} > /dev/null`));
    log(`raw mariadb-dump > /dev/null: ${raw.toFixed(1)}s`);

    const backup: PodOptions = { datadir: dcDb.dataDir, env: { GHOST_VERSION: "bench" } };
    const dump = await step(ground, "backup-dump.sh", dc, backup);
    const physical = await step(ground, "backup-physical.sh", dc, backup);
    const upload = await step(ground, "backup-upload.sh", dc, backup);
    const dumpZst = path.join(dc.workDir, "backup", "artifacts", "db.sql.zst");
    const sqlFile = path.join(root, "dump.sql");
    timed("decompress", `zstd -q -dc ${dumpZst} > ${sqlFile}`);
    const sqlBytes = fs.statSync(sqlFile).size;
    log(
        `backup steps: dump ${dump.seconds.toFixed(1)}s, physical ${physical.seconds.toFixed(1)}s, upload ${upload.seconds.toFixed(1)}s; ${(sqlBytes / 1048576).toFixed(0)} MB SQL, ${(fs.statSync(dumpZst).size / 1048576).toFixed(0)} MB zstd`,
    );

    drDb.query("DROP DATABASE IF EXISTS plain; CREATE DATABASE plain CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci");
    const plain = timed(
        "plain restore",
        `mariadb --no-defaults -uroot -h127.0.0.1 -P${drDb.port} --protocol=tcp --max-allowed-packet=1G plain < ${sqlFile}`,
    );
    log(`plain mariadb < dump.sql: ${plain.toFixed(1)}s`);
    drDb.query("DROP DATABASE plain");
    fs.rmSync(sqlFile);

    const restore = (mode?: string): PodOptions => ({
        datadir: drDb.dataDir,
        env: { RESTORE_FORCE: "true", RESTORE_MODE: mode },
    });
    const fetch = await step(ground, "restore-fetch.sh", dr, restore());
    const logical = await step(ground, "restore-apply.sh", dr, restore("logical"));
    log(`restore-apply.sh (logical): ${logical.seconds.toFixed(1)}s`);
    const sums = (db: MariaDb) => JSON.stringify([...db.checksums(DATABASE)]);
    const dcSums = sums(dcDb);
    const logicalSame = sums(drDb) === dcSums;
    const apply = await step(ground, "restore-apply.sh", dr, restore("physical"));
    const same = logicalSame && sums(drDb) === dcSums;

    const mbps = (s: number) => `${(sqlBytes / 1048576 / s).toFixed(1)} MB/s`;
    const out = [
        "",
        `bench summary (${(sqlBytes / 1048576).toFixed(0)} MB of SQL, ${(dcDb.dataBytes(DATABASE) / 1048576).toFixed(0)} MB InnoDB; ${os.cpus().length} CPUs)`,
        `  raw mariadb-dump > /dev/null   ${raw.toFixed(1)}s`,
        `  backup-dump.sh                 ${dump.seconds.toFixed(1)}s  (dump | zstd, trailer check, sha256, content tar)`,
        `  backup-physical.sh             ${physical.seconds.toFixed(1)}s  (mariadb-backup --stream | zstd, schema dump)`,
        `  backup-upload.sh               ${upload.seconds.toFixed(1)}s  (to moto on loopback)`,
        `  plain mariadb < dump.sql       ${plain.toFixed(1)}s  ${mbps(plain)}`,
        `  restore-fetch.sh               ${fetch.seconds.toFixed(1)}s  (from moto on loopback)`,
        `  restore-apply.sh, logical      ${logical.seconds.toFixed(1)}s  ${mbps(logical.seconds)}`,
        `  restore-apply.sh, physical     ${apply.seconds.toFixed(1)}s  ${mbps(apply.seconds)} (default when DR's datadir is mounted)`,
        `  backup / raw dump              ${(dump.seconds / raw).toFixed(2)}  (dump step; target <= 1.15)`,
        `  restore / plain throughput     ${(plain / apply.seconds).toFixed(2)}  (physical; target >= 2)`,
        `  restore / plain, logical       ${(plain / logical.seconds).toFixed(2)}`,
        `  DR checksums equal DC          ${same ? "yes (after both restores)" : "NO"}`,
        "",
    ];
    process.stdout.write(out.join("\n"));
    return same;
}

if (require.main === module) runMain(main);
