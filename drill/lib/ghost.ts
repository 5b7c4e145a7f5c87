// A real Ghost (the cached npm install) on 127.0.0.1, and the few Admin API calls the drill needs.
import { ChildProcess } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as zlib from "zlib";
import { GHOST_SEED_STEP } from "../../components/backup/steps";
import { stepEnv } from "./datapath";
import { MariaDb } from "./mariadb";
import { freePort, ghostDir, log, runScript, sleep, startDaemon, stopDaemon, waitFor } from "./proc";

export const OWNER = { name: "Drill Owner", email: "owner@example.com", password: "Drill-0wner-Passphrase-2026!" };

export class Ghost {
    private cookie = "";

    private constructor(
        private readonly child: ChildProcess,
        readonly url: string,
    ) {}

    /**
     * Seeds contentDir with Ghost's seed step (components/backup/steps.ts GHOST_SEED_STEP, seed-content.sh, the
     * pod's init container) and starts Ghost on db. The first boot on an empty database runs all migrations.
     */
    static async start(name: string, db: MariaDb, database: string, contentDir: string, logDir: string): Promise<Ghost> {
        fs.mkdirSync(contentDir, { recursive: true });
        const seeded = await runScript(
            GHOST_SEED_STEP.script,
            stepEnv(GHOST_SEED_STEP, { mounts: { content: contentDir }, inputs: { ghostInstallDir: ghostDir() } }),
            { logFile: path.join(logDir, "scripts.log") },
        );
        if (seeded.code !== 0) {
            throw new Error(`${GHOST_SEED_STEP.script} failed: ${seeded.error}`);
        }
        const port = await freePort();
        const url = `http://127.0.0.1:${port}`;
        const env: NodeJS.ProcessEnv = {
            PATH: process.env.PATH,
            HOME: process.env.HOME,
            NODE_ENV: "production",
            url,
            server__host: "127.0.0.1",
            server__port: String(port),
            database__client: "mysql",
            database__connection__host: "127.0.0.1",
            database__connection__port: String(db.port),
            database__connection__user: "root",
            database__connection__password: "",
            database__connection__database: database,
            database__connection__charset: "utf8mb4",
            paths__contentPath: contentDir,
            // Otherwise a new staff session needs a code that Ghost e-mails.
            security__staffDeviceVerification: "false",
            logging__transports: '["stdout"]',
            logging__level: "warn",
            mail__transport: "stub",
            privacy__useUpdateCheck: "false",
            privacy__useGravatar: "false",
            privacy__useRpcPing: "false",
        };
        const child = startDaemon(`ghost ${name}`, process.execPath, [path.join(ghostDir(), "index.js")], {
            env,
            cwd: ghostDir(),
            logFile: path.join(logDir, `ghost-${name}.log`),
        });
        const ghost = new Ghost(child, url);
        const started = Date.now();
        await waitFor(`Ghost ${name} at ${url}`, 300000, async () => {
            if (child.exitCode !== null) {
                throw new Error(`Ghost ${name} exited; see ${logDir}/ghost-${name}.log`);
            }
            return (await fetch(`${url}/ghost/api/admin/site/`)).ok;
        }).catch((err: unknown) => {
            if (child.exitCode !== null) {
                throw new Error(`Ghost ${name} exited with ${child.exitCode}; see ${path.join(logDir, `ghost-${name}.log`)}`);
            }
            throw err;
        });
        log(`Ghost ${name} up at ${url} in ${((Date.now() - started) / 1000).toFixed(1)}s`);
        return ghost;
    }

    private async call(method: string, apiPath: string, body?: unknown, form?: FormData): Promise<Response> {
        const headers: Record<string, string> = { Origin: this.url, "Accept-Version": "v6.0" };
        if (this.cookie) {
            headers.Cookie = this.cookie;
        }
        let payload: string | FormData | undefined;
        if (form) {
            payload = form;
        } else if (body !== undefined) {
            headers["Content-Type"] = "application/json";
            payload = JSON.stringify(body);
        }
        return fetch(`${this.url}/ghost/api/admin/${apiPath}`, { method, headers, body: payload });
    }

    async api<T>(method: string, apiPath: string, body?: unknown, form?: FormData): Promise<T> {
        const res = await this.call(method, apiPath, body, form);
        const text = await res.text();
        if (!res.ok) {
            throw new Error(`Ghost ${method} ${apiPath}: HTTP ${res.status}: ${text.slice(0, 500)}`);
        }
        return (text ? JSON.parse(text) : {}) as T;
    }

    /** First-run owner setup, then a staff session (cookie). */
    async setupOwner(): Promise<void> {
        await this.api("POST", "authentication/setup/", {
            setup: [{ name: OWNER.name, email: OWNER.email, password: OWNER.password, blogTitle: "DC/DR drill ☁️" }],
        });
        await this.login();
    }

    /**
     * Opens a staff session and proves it with users/me. Right after setup Ghost has been seen to
     * hand out a session the next call does not accept yet, so this retries a few times.
     */
    async login(): Promise<void> {
        let last = "";
        for (let attempt = 1; attempt <= 5; attempt++) {
            const res = await this.call("POST", "session/", { username: OWNER.email, password: OWNER.password });
            last = `HTTP ${res.status}: ${(await res.text()).slice(0, 300)}`;
            if (res.ok) {
                this.cookie = res.headers
                    .getSetCookie()
                    .map((c) => c.split(";")[0])
                    .join("; ");
                const me = await this.call("GET", "users/me/");
                await me.text();
                if (me.ok) {
                    return;
                }
                last = `session not accepted (users/me HTTP ${me.status})`;
            }
            await sleep(1000 * attempt);
        }
        throw new Error(`Ghost login failed: ${last}`);
    }

    async uploadImage(name: string, png: Buffer): Promise<string> {
        const form = new FormData();
        form.append("file", new Blob([png], { type: "image/png" }), name);
        form.append("ref", name);
        const res = await this.api<{ images: { url: string }[] }>("POST", "images/upload/", undefined, form);
        return res.images[0].url;
    }

    async export(): Promise<GhostExport> {
        return this.api<GhostExport>("GET", "db/");
    }

    async stop(): Promise<void> {
        await stopDaemon(this.child);
    }
}

export interface GhostExport {
    db: { meta: Record<string, unknown>; data: Record<string, Record<string, unknown>[]> }[];
}

/** A small valid PNG (gradient), so Ghost's image processing accepts it. */
export function makePng(size = 32): Buffer {
    const raw = Buffer.alloc(size * (size * 3 + 1));
    for (let y = 0; y < size; y++) {
        raw[y * (size * 3 + 1)] = 0;
        for (let x = 0; x < size; x++) {
            const o = y * (size * 3 + 1) + 1 + x * 3;
            raw[o] = (x * 255) / size;
            raw[o + 1] = (y * 255) / size;
            raw[o + 2] = 128;
        }
    }
    const chunk = (type: string, data: Buffer) => {
        const len = Buffer.alloc(4);
        len.writeUInt32BE(data.length);
        const td = Buffer.concat([Buffer.from(type, "ascii"), data]);
        const crc = Buffer.alloc(4);
        crc.writeUInt32BE(zlib.crc32(td));
        return Buffer.concat([len, td, crc]);
    };
    const ihdr = Buffer.alloc(13);
    ihdr.writeUInt32BE(size, 0);
    ihdr.writeUInt32BE(size, 4);
    ihdr[8] = 8;
    ihdr[9] = 2;
    return Buffer.concat([
        Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
        chunk("IHDR", ihdr),
        chunk("IDAT", zlib.deflateSync(raw)),
        chunk("IEND", Buffer.alloc(0)),
    ]);
}
