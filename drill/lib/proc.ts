// Process plumbing for the drills: every child is tracked by PID and stopped on exit, failure or
// signal, so a failed drill leaves no server running behind it.
import { ChildProcess, execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { GHOST_SEED_STEP } from "../../components/backup/steps";

export const REPO_DIR = path.resolve(__dirname, "..", "..");
export const SCRIPTS_DIR = path.join(REPO_DIR, "scripts", "datapath");
export const CACHE_DIR = process.env.GHOST_DCDR_CACHE ?? path.join(process.env.HOME ?? "/root", ".cache", "ghost-dcdr");

/** Debian's aws CLI v2 lives in /usr/bin; a pyenv CLI v1 may come first on PATH. */
export const DRILL_PATH = ["/usr/bin", "/usr/sbin", "/bin", "/sbin", process.env.PATH ?? ""].join(":");

const children = new Map<number, { name: string; child: ChildProcess }>();
/** Set once the drill is stopping on a signal or a closed stdout: nothing new may start after stopAll's snapshot. */
let stopping = false;
/** Where log lines go; stderr once stdout is closed (`npm run drill | head`), so stopping is still reported. */
let logStream: NodeJS.WriteStream = process.stdout;

export function log(message: string): void {
    logStream.write(`${new Date().toISOString().slice(11, 19)} drill: ${message}\n`);
}

function refuseWhenStopping(name: string): void {
    if (stopping) throw new Error(`not starting ${name}: the drill is stopping`);
}

/** Starts a long-running server; its output goes to logFile. */
export function startDaemon(
    name: string,
    cmd: string,
    args: string[],
    opts: { env?: NodeJS.ProcessEnv; cwd?: string; logFile: string },
): ChildProcess {
    refuseWhenStopping(name);
    const out = fs.openSync(opts.logFile, "a");
    const child = spawn(cmd, args, { env: opts.env ?? process.env, cwd: opts.cwd, stdio: ["ignore", out, out], detached: true });
    fs.closeSync(out);
    if (child.pid === undefined) {
        throw new Error(`could not start ${name} (${cmd})`);
    }
    children.set(child.pid, { name, child });
    child.on("exit", () => children.delete(child.pid as number));
    return child;
}

/** Stops one daemon by PID (its process group), SIGTERM then SIGKILL. */
export async function stopDaemon(child: ChildProcess, timeoutMs = 15000): Promise<void> {
    const pid = child.pid;
    if (pid === undefined || child.exitCode !== null || child.signalCode !== null) {
        return;
    }
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    signalGroup(pid, "SIGTERM");
    const timer = setTimeout(() => signalGroup(pid, "SIGKILL"), timeoutMs);
    await exited;
    clearTimeout(timer);
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
    try {
        process.kill(-pid, signal);
    } catch {
        // Already gone.
    }
}

export async function stopAll(): Promise<void> {
    const running = [...children.values()].reverse();
    for (const { name, child } of running) {
        log(`stopping ${name} (pid ${child.pid})`);
        await stopDaemon(child);
    }
}

/**
 * The machine is not set up for this drill. runMain prints its message alone: it is the fix (run drill/setup.sh),
 * and a stack trace under it only buries it (issue 12).
 */
export class SetupMissing extends Error {}

/**
 * Runs main, always stops what it started, and maps the result to the exit code. The servers run in their own
 * process groups (detached, so a Ctrl-C reaches them only through us, in order), so this process must stop them on
 * every way it can end: SIGINT, SIGTERM, SIGHUP (the terminal went away) and a closed stdout. Node ignores SIGPIPE,
 * so `npm run drill | head` shows up as EPIPE on the next write; unhandled, that error kills this process at once and
 * leaves MariaDB, moto and Ghost running (issue 12).
 */
export function runMain(main: () => Promise<boolean>): void {
    const stop = (why: string, exitCode: number) => {
        if (stopping) return;
        stopping = true;
        log(`${why}: stopping everything`);
        void stopAll().finally(() => process.exit(exitCode));
    };
    for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
        process.on(signal, () => stop(signal, 128 + os.constants.signals[signal]));
    }
    process.stdout.on("error", (err: NodeJS.ErrnoException) => {
        logStream = process.stderr;
        stop(`stdout closed (${err.code ?? err.message})`, 128 + os.constants.signals.SIGPIPE);
    });
    // With stderr gone too there is nowhere left to report; stopping must not fail on it.
    process.stderr.on("error", () => undefined);
    main()
        .then(async (ok) => {
            if (stopping) return;
            await stopAll();
            process.exitCode = ok ? 0 : 1;
        })
        .catch(async (err: unknown) => {
            if (stopping) return;
            if (err instanceof SetupMissing) process.stderr.write(`drill: ${err.message}\n`);
            else logStream.write(`drill: FAILED: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
            await stopAll();
            process.exitCode = 1;
        });
}

export async function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const address = server.address();
            const port = typeof address === "object" && address !== null ? address.port : 0;
            server.close(() => resolve(port));
        });
    });
}

export async function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function waitFor(what: string, timeoutMs: number, probe: () => Promise<boolean> | boolean): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
        try {
            if (await probe()) {
                return;
            }
        } catch {
            // Not ready yet.
        }
        await sleep(250);
    }
    throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}`);
}

export interface ScriptResult {
    code: number;
    output: string;
    seconds: number;
    /** The last "ERROR:" line, the one a person would read. */
    error: string;
}

/**
 * The uid and gid the pods run the data-path scripts as (components/backup/datapath.ts podTemplate,
 * runAsUser/runAsGroup 1000). A drill running as root runs the scripts as this uid too: as root they
 * hid permission bugs and let tar create device files (issue 10, findings 3 and 7).
 */
export const POD_UID = 1000;
export const POD_GID = 1000;

/** True when the drill itself runs as root, so it must drop to POD_UID for what a pod runs. */
export function drillIsRoot(): boolean {
    return process.getuid?.() === 0;
}

/**
 * Spawn options that run a script as the pods' uid (no supplementary groups: libuv clears them), or
 * none when the drill is not root and already unprivileged. Ghost's seed step is the exception: the drills'
 * Ghost runs as the drill's user (its install is under HOME), and so does its content directory's seed.
 */
export function podIdentity(script: string): { uid?: number; gid?: number } {
    return drillIsRoot() && script !== GHOST_SEED_STEP.script ? { uid: POD_UID, gid: POD_GID } : {};
}

/**
 * `cmd args` as the pods' uid (through setpriv) when the drill is root: for the MariaDB servers, whose
 * datadir the physical backup and restore read and write as the server's uid (restore-apply.sh header).
 */
export function asPodUser(cmd: string, args: string[]): [string, string[]] {
    return drillIsRoot()
        ? ["setpriv", [`--reuid=${POD_UID}`, `--regid=${POD_GID}`, "--clear-groups", cmd, ...args]]
        : [cmd, args];
}

/** Runs one data-path script exactly as a pod would: the file itself, configured by env only, as the pods' uid. */
export async function runScript(
    script: string,
    env: NodeJS.ProcessEnv,
    opts: { onStart?: (child: ChildProcess) => void; logFile?: string } = {},
): Promise<ScriptResult> {
    refuseWhenStopping(script);
    const started = Date.now();
    const child = spawn("bash", [path.join(SCRIPTS_DIR, script)], {
        env,
        stdio: ["ignore", "pipe", "pipe"],
        detached: true,
        ...podIdentity(script),
    });
    if (child.pid !== undefined) {
        children.set(child.pid, { name: script, child });
    }
    let output = "";
    child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
    opts.onStart?.(child);
    const code = await new Promise<number>((resolve) => child.on("close", (c, signal) => resolve(c ?? (signal ? 128 : 1))));
    if (child.pid !== undefined) {
        children.delete(child.pid);
    }
    if (opts.logFile) {
        fs.appendFileSync(opts.logFile, `\n### ${script} (exit ${code})\n${output}`);
    }
    const errors = output.split("\n").filter((l) => l.includes(": ERROR: "));
    return { code, output, seconds: (Date.now() - started) / 1000, error: errors[errors.length - 1] ?? "" };
}

/** Kills a running script and all its children (a pod being OOM-killed looks like this). */
export function killGroup(child: ChildProcess): void {
    if (child.pid !== undefined) {
        signalGroup(child.pid, "SIGKILL");
    }
}

export function sh(cmd: string, args: string[], env?: NodeJS.ProcessEnv): string {
    return execFileSync(cmd, args, {
        env: env ?? { ...process.env, PATH: DRILL_PATH },
        encoding: "utf8",
        maxBuffer: 256 * 1024 * 1024,
        stdio: ["ignore", "pipe", "pipe"],
    });
}

/** The Debian packages' binaries the drills run (drill/setup.sh installs them), by absolute path. */
const DRILL_BINARIES = ["/usr/sbin/mariadbd", "/usr/bin/mariadb", "/usr/bin/mariadb-dump", "/usr/bin/zstd", "/usr/bin/aws"];

/**
 * Fails with the fix when `drill/setup.sh` has not prepared this machine for a drill: `bins` (default: all of
 * DRILL_BINARIES), moto_server unless `moto` is false, and the Ghost install when `ghost` is true.
 */
export function checkSetup(needs: { bins?: readonly string[]; moto?: boolean; ghost?: boolean } = {}): void {
    const missing = (needs.bins ?? DRILL_BINARIES).filter((bin) => !fs.existsSync(bin));
    if ((needs.moto ?? true) && !motoServer()) {
        missing.push("moto_server");
    }
    if (needs.ghost && !fs.existsSync(path.join(ghostDir(), ".installed"))) {
        missing.push(`the Ghost install ${ghostDir()}`);
    }
    if (missing.length > 0) {
        throw new SetupMissing(
            `this machine is not set up for the drills: missing ${missing.join(", ")}. Run: bash drill/setup.sh (it says what it needs)`,
        );
    }
}

export function motoServer(): string | undefined {
    const candidates = [
        "/root/.pyenv/shims/moto_server",
        ...(process.env.PATH ?? "").split(":").map((d) => path.join(d, "moto_server")),
    ];
    return candidates.find((c) => fs.existsSync(c));
}

export const GHOST_VERSION = process.env.GHOST_VERSION ?? "6.65.0";
export function ghostDir(): string {
    return path.join(CACHE_DIR, `ghost-${GHOST_VERSION}`);
}

/** A clean working directory under the git-ignored .drill/. */
export function workDir(name: string): string {
    const dir = path.join(REPO_DIR, ".drill", name);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    return dir;
}
