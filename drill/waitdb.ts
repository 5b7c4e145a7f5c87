/**
 * wait-for-mariadb drill: `npm run drill:waitdb`. Runs the exact script of Ghost's wait-for-mariadb init container
 * (`waitForMariadbScript` in components/ghost) with `sh -c` against a real MariaDB on 127.0.0.1: it must succeed only
 * once Ghost's user can log in and query its database, fail after its attempts with a clear message otherwise, and
 * never show the password in a process's argv or environment or in its output. Runs the old `mariadb-admin ping`
 * loop once too, to show the bug it replaces (ping exits 0 on "Access denied"). One line per case; exits non-zero
 * on a failure.
 */
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { waitForMariadbScript } from "../components/ghost";
import { DATABASE, GHOST_USER as USER } from "./lib/datapath";
import { MariaDb } from "./lib/mariadb";
import { checkSetup, DRILL_PATH, killGroup, log, runMain, workDir } from "./lib/proc";

/** Every character the client option file must escape or quote: " \ # ' $ and inner spaces. */
const PASSWORD = String.raw`Gh"o\st #1 'pa$$ word`;
const WRONG_PASSWORD = "not-the-Password-42";
/** The init container's command before this drill existed, verbatim. */
const OLD_PING_LOOP =
    'until mariadb-admin ping --host="$DB_HOST" --port="$DB_PORT" --user="$DB_USER" --silent; do echo "waiting for MariaDB at $DB_HOST"; sleep 3; done';

interface Run {
    code: number;
    output: string;
    /** Processes of the script's process group seen while it ran: pid -> argv joined by spaces. */
    seen: Map<number, string>;
    /** Where the password was found in a process's argv or environment (must stay empty). */
    leaks: string[];
    /** Mode of the client option file while it existed, and whether it was still there after exit. */
    optionFileMode?: number;
    optionFileLeft: boolean;
}

async function main(): Promise<boolean> {
    checkSetup({ bins: ["/usr/sbin/mariadbd", "/usr/bin/mariadb", "/usr/bin/mariadb-admin"], moto: false });
    const root = workDir("waitdb");
    const db = await MariaDb.start("waitdb", root);
    const passwordFile = path.join(root, "password");
    const wrongPasswordFile = path.join(root, "wrong-password");
    // As Kubernetes writes a Secret key: the bare value, no trailing newline, readable by its owner only.
    fs.writeFileSync(passwordFile, PASSWORD, { mode: 0o400 });
    fs.writeFileSync(wrongPasswordFile, WRONG_PASSWORD, { mode: 0o400 });
    const configDir = path.join(root, "client-config");
    fs.mkdirSync(configDir);
    const env = (port: number, file: string): NodeJS.ProcessEnv => ({
        PATH: DRILL_PATH,
        DB_HOST: "127.0.0.1",
        DB_PORT: String(port),
        DB_USER: USER,
        DB_NAME: DATABASE,
        DB_PASSWORD_FILE: file,
        CLIENT_CONFIG_DIR: configDir,
    });
    const sqlString = (s: string) => `'${s.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
    let failures = 0;
    const check = (label: string, ok: boolean, detail: string) => {
        if (!ok) failures++;
        console.log(`${ok ? "PASS" : "FAIL"}  ${label}: ${detail}`);
    };
    const lastLine = (r: Run) => r.output.trim().split("\n").pop() ?? "";
    const noLeak = (r: Run) =>
        r.leaks.length === 0 && !r.output.includes(PASSWORD) && !r.output.includes(WRONG_PASSWORD) && !r.optionFileLeft;

    // 1. The user does not exist yet: the wait keeps trying, and succeeds once the operator would have created it.
    const script = waitForMariadbScript({ attempts: 10, intervalS: 1 });
    const late = await runSh(script, env(db.port, passwordFile), configDir, (output) => {
        if (output.includes("attempt 1 of 10:")) {
            db.query(`CREATE DATABASE ${DATABASE} CHARACTER SET utf8mb4`);
            db.query(`CREATE USER '${USER}'@'%' IDENTIFIED BY ${sqlString(PASSWORD)}`);
            db.query(`GRANT ALL PRIVILEGES ON ${DATABASE}.* TO '${USER}'@'%'`);
            return true;
        }
        return false;
    });
    check(
        "user created while waiting",
        late.code === 0 &&
            /attempt 1 of 10: .*Access denied/.test(late.output) &&
            /accepts Ghost's login \(attempt [2-9]/.test(late.output),
        `exit ${late.code}; ${lastLine(late)}`,
    );

    // 2. Right password (with " \ # ' $ and spaces): in at the first attempt.
    const right = await runSh(script, env(db.port, passwordFile), configDir);
    check(
        "right password",
        right.code === 0 && /\(attempt 1 of 10\)/.test(right.output),
        `exit ${right.code}; ${lastLine(right)}`,
    );

    // 3. Wrong password: never succeeds; every attempt says why, the last line says what to fix.
    const wrong = await runSh(waitForMariadbScript({ attempts: 3, intervalS: 1 }), env(db.port, wrongPasswordFile), configDir);
    const attemptLines = wrong.output.split("\n").filter((l) => /attempt \d of 3: .*Access denied/.test(l));
    check(
        "wrong password",
        wrong.code !== 0 &&
            attemptLines.length === 3 &&
            /ERROR: .* did not let Ghost's user log in and query 3 times in a row/.test(lastLine(wrong)),
        `exit ${wrong.code} after ${attemptLines.length} attempts; ${lastLine(wrong)}`,
    );

    // 4. Right password but no privilege on the database: logging in is not enough, Ghost needs its database.
    db.query(`REVOKE ALL PRIVILEGES ON ${DATABASE}.* FROM '${USER}'@'%'`);
    const noGrant = await runSh(waitForMariadbScript({ attempts: 2, intervalS: 0 }), env(db.port, passwordFile), configDir);
    check(
        "login without access to the database",
        noGrant.code !== 0 && /Access denied for user .* to database 'ghost'/.test(noGrant.output),
        `exit ${noGrant.code}; ${lastLine(noGrant)}`,
    );
    db.query(`GRANT ALL PRIVILEGES ON ${DATABASE}.* TO '${USER}'@'%'`);

    // 5. A server that accepts the connection and never answers: each attempt ends at the connect timeout, so the
    //    client process lives long enough to be inspected. Its argv and environment must not hold the password.
    const silent = await silentServer();
    try {
        const hung = await runSh(waitForMariadbScript({ attempts: 2, intervalS: 0 }), env(silent.port, passwordFile), configDir);
        const clients = [...hung.seen.values()].filter((argv) => argv.startsWith("mariadb "));
        check(
            "server that never answers",
            hung.code !== 0 && /ERROR: .* 2 times in a row/.test(lastLine(hung)) && clients.length > 0,
            `exit ${hung.code}; ${clients.length} client process(es) inspected, e.g. argv: ${clients[0] ?? "(none seen)"}`,
        );
        check(
            "password never in argv, environment or output",
            [late, right, wrong, noGrant, hung].every(noLeak),
            hung.leaks.concat(wrong.leaks).join("; ") || "no process of any run held it; the option file is removed on exit",
        );
        check(
            "client option file private",
            hung.optionFileMode === 0o600,
            `mode ${hung.optionFileMode?.toString(8) ?? "(never seen)"} while the client ran (umask 077)`,
        );
    } finally {
        silent.close();
    }

    // The bug this replaces: the old loop lets Ghost start with a password MariaDB refuses.
    const old = await runSh(
        OLD_PING_LOOP,
        { ...env(db.port, wrongPasswordFile), MYSQL_PWD: WRONG_PASSWORD },
        configDir,
        () => false,
        15000,
    );
    check(
        "old mariadb-admin ping loop (the bug)",
        old.code === 0,
        old.code === 0
            ? "exits 0 with the wrong password: Ghost would have started against a login that fails"
            : `exit ${old.code}`,
    );

    await db.stop();
    console.log(failures === 0 ? "waitdb drill: all cases passed" : `waitdb drill: ${failures} case(s) failed`);
    return failures === 0;
}

/**
 * Runs `script` with `sh -c` in its own process group, as the init container does, and watches that group: the argv
 * and environment of every process in it, and the option file's mode. `onOutput` may act on the output so far (it
 * returns true once it has acted). Killed after `timeoutMs`.
 */
async function runSh(
    script: string,
    env: NodeJS.ProcessEnv,
    configDir: string,
    onOutput: (output: string) => boolean = () => false,
    timeoutMs = 60000,
): Promise<Run> {
    const secrets = [PASSWORD, WRONG_PASSWORD];
    const child: ChildProcess = spawn("sh", ["-c", script], { env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    const run: Run = { code: -1, output: "", seen: new Map(), leaks: [], optionFileLeft: false };
    let acted = false;
    const onData = (d: Buffer) => {
        run.output += d.toString();
        if (!acted) acted = onOutput(run.output);
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    const optionFile = path.join(configDir, "client.cnf");
    const watch = setInterval(() => {
        for (const pid of groupPids(child.pid as number)) {
            const argv = readProc(pid, "cmdline");
            const environ = readProc(pid, "environ");
            // An exited, not yet reaped process has an empty cmdline: keep what it ran rather than overwrite it with "".
            if (!argv) continue;
            run.seen.set(pid, argv.split("\0").join(" ").trim());
            for (const s of secrets) {
                if (argv.includes(s)) run.leaks.push(`pid ${pid} argv holds a password`);
                if (environ?.includes(s)) run.leaks.push(`pid ${pid} environment holds a password`);
            }
        }
        try {
            run.optionFileMode = fs.statSync(optionFile).mode & 0o777;
        } catch {
            // Not written yet, or already removed.
        }
    }, 20);
    const timer = setTimeout(() => killGroup(child), timeoutMs);
    run.code = await new Promise<number>((resolve) => child.on("close", (c) => resolve(c ?? 124)));
    clearTimeout(timer);
    clearInterval(watch);
    run.optionFileLeft = fs.existsSync(optionFile);
    const shown = run.output.trimEnd();
    log(`sh -c <script> exited ${run.code}:\n${shown ? shown.replace(/^/gm, "    ") : "    (no output)"}`);
    return run;
}

/** Pids whose process group is `pgid` (field 5 of /proc/<pid>/stat, after the parenthesised command name). */
function groupPids(pgid: number): number[] {
    const pids: number[] = [];
    for (const entry of fs.readdirSync("/proc")) {
        if (!/^\d+$/.test(entry)) continue;
        const stat = readProc(Number(entry), "stat");
        const fields = stat?.slice(stat.lastIndexOf(")") + 2).split(" ");
        if (fields && Number(fields[2]) === pgid) pids.push(Number(entry));
    }
    return pids;
}

function readProc(pid: number, file: string): string | undefined {
    try {
        return fs.readFileSync(`/proc/${pid}/${file}`, "utf8");
    } catch {
        return undefined; // gone already
    }
}

/** A TCP server that accepts connections and never sends MariaDB's greeting. */
async function silentServer(): Promise<{ port: number; close: () => void }> {
    const sockets = new Set<net.Socket>();
    const server = net.createServer((s) => {
        sockets.add(s);
        s.on("close", () => sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return {
        port: (server.address() as net.AddressInfo).port,
        close: () => {
            for (const s of sockets) s.destroy();
            server.close();
        },
    };
}

if (require.main === module) runMain(main);
