// A throw-away MariaDB server on 127.0.0.1 for the drills.
import { ChildProcess, execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { RESTORE_USER, restoreGrants } from "../../components/mariadb";
import { asPodUser, DRILL_PATH, drillIsRoot, freePort, POD_GID, POD_UID, sh, startDaemon, stopDaemon, waitFor } from "./proc";

export class MariaDb {
    private child?: ChildProcess;

    private constructor(
        readonly name: string,
        readonly dir: string,
        readonly port: number,
    ) {}

    /** Initialises a data directory and starts mariadbd on a free port. */
    static async start(name: string, baseDir: string, extraArgs: string[] = []): Promise<MariaDb> {
        const dir = path.join(baseDir, name);
        fs.mkdirSync(dir, { recursive: true });
        // The server runs as the pods' uid, not root (issue 10): the scripts run as that uid and the
        // physical backup and restore share its datadir ("mounted with the server's uid").
        if (drillIsRoot()) fs.chownSync(dir, POD_UID, POD_GID);
        const port = await freePort();
        const db = new MariaDb(name, dir, port);
        sh(
            ...asPodUser("mariadb-install-db", [
                "--no-defaults",
                `--datadir=${db.dataDir}`,
                "--auth-root-authentication-method=normal",
                "--skip-test-db",
            ]),
        );
        db.child = startDaemon(
            `mariadb ${name}`,
            ...asPodUser("mariadbd", [
                "--no-defaults",
                `--datadir=${db.dataDir}`,
                `--socket=${path.join(dir, "sock")}`,
                `--port=${port}`,
                "--bind-address=127.0.0.1",
                "--character-set-server=utf8mb4",
                "--collation-server=utf8mb4_general_ci",
                "--max-allowed-packet=1G",
                "--innodb-buffer-pool-size=1G",
                ...extraArgs,
            ]),
            { logFile: path.join(dir, "mariadbd.log"), env: { ...process.env, PATH: DRILL_PATH } },
        );
        await waitFor(`MariaDB ${name} on port ${port}`, 30000, () => db.query("SELECT 1") === "1");
        return db;
    }

    get dataDir(): string {
        return path.join(this.dir, "data");
    }

    /** Environment the data-path scripts need to reach this server as root (no password here). */
    env(database: string): NodeJS.ProcessEnv {
        return {
            MARIADB_HOST: "127.0.0.1",
            MARIADB_PORT: String(this.port),
            MARIADB_USER: "root",
            MARIADB_PASSWORD: "",
            MARIADB_DATABASE: database,
        };
    }

    /**
     * Creates the restore user with exactly the grants the cluster's Grant objects give it (restoreGrants in
     * components/mariadb, issue 10 finding 2), as the operator does: `GRANT ... ON \`db\`.* TO 'user'@'%'`.
     */
    createRestoreUser(database: string, password: string): void {
        const account = `'${RESTORE_USER}'@'%'`;
        this.query(`CREATE USER ${account} IDENTIFIED BY '${password}' WITH MAX_USER_CONNECTIONS 10`);
        for (const grant of restoreGrants(database)) {
            const on = grant.database === "*" ? "*.*" : `\`${grant.database}\`.*`;
            this.query(`GRANT ${grant.privileges.join(", ")} ON ${on} TO ${account}`);
        }
    }

    query(sql: string, database?: string): string {
        const args = [
            "--no-defaults",
            "-uroot",
            "-h127.0.0.1",
            `-P${this.port}`,
            "--protocol=tcp",
            "--batch",
            "--skip-column-names",
            "--default-character-set=utf8mb4",
            "-e",
            sql,
        ];
        if (database) {
            args.push(database);
        }
        return sh("mariadb", args).trimEnd();
    }

    /** Runs a long SQL script from a file or a stream without blocking the event loop. */
    async source(file: string, database: string): Promise<void> {
        await new Promise<void>((resolve, reject) => {
            const child = execFile(
                "bash",
                [
                    "-c",
                    `mariadb --no-defaults -uroot -h127.0.0.1 -P${this.port} --protocol=tcp --max-allowed-packet=1G --default-character-set=utf8mb4 "$1" < "$2"`,
                    "_",
                    database,
                    file,
                ],
                { env: { ...process.env, PATH: DRILL_PATH } },
                (err: Error | null) => (err ? reject(err) : resolve()),
            );
            void child;
        });
    }

    tables(database: string): string[] {
        const out = this.query(
            `SELECT table_name FROM information_schema.tables WHERE table_schema = '${database}' AND table_type = 'BASE TABLE' ORDER BY table_name`,
        );
        return out === "" ? [] : out.split("\n");
    }

    /** CHECKSUM TABLE ... EXTENDED of every table: table -> checksum. */
    checksums(database: string): Map<string, string> {
        const result = new Map<string, string>();
        const tables = this.tables(database);
        if (tables.length === 0) {
            return result;
        }
        const out = this.query(`CHECKSUM TABLE ${tables.map((t) => `\`${database}\`.\`${t}\``).join(", ")} EXTENDED`);
        for (const line of out.split("\n")) {
            const [qualified, sum] = line.split("\t");
            result.set(qualified.slice(database.length + 1), sum);
        }
        return result;
    }

    rowCounts(database: string): Map<string, number> {
        const result = new Map<string, number>();
        for (const t of this.tables(database)) {
            result.set(t, Number(this.query(`SELECT COUNT(*) FROM \`${database}\`.\`${t}\``)));
        }
        return result;
    }

    dataBytes(database: string): number {
        return Number(
            this.query(
                `SELECT COALESCE(SUM(data_length + index_length), 0) FROM information_schema.tables WHERE table_schema = '${database}'`,
            ),
        );
    }

    async stop(): Promise<void> {
        if (this.child) {
            await stopDaemon(this.child, 60000);
        }
    }
}

/** Compares two checksum maps; returns one line per difference. */
export function diffChecksums(a: Map<string, string>, b: Map<string, string>): string[] {
    const diffs: string[] = [];
    for (const t of new Set([...a.keys(), ...b.keys()])) {
        if (a.get(t) !== b.get(t)) {
            diffs.push(`${t}: ${a.get(t) ?? "missing"} != ${b.get(t) ?? "missing"}`);
        }
    }
    return diffs;
}
