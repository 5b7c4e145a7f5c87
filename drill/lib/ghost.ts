// A real Ghost (the cached npm install) on 127.0.0.1, and the few Admin API calls the drill needs.
import { ChildProcess, execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as zlib from "zlib";
import { CHAINS, clusterRuns, MEDIA_MIGRATE_STEP, Step } from "../../components/backup/steps";
import { GHOST_S3_ADAPTER_PATHS, GhostMedia, ghostMediaAdapters, ghostMediaEnv } from "../../components/ghost/media";
import { mediaHostname } from "../../components/media";
import { giveToPod, giveTreeToPod, runSteps, stepEnv, StepsResult } from "./datapath";
import { MariaDb } from "./mariadb";
import { freePort, ghostDir, log, SCRIPTS_DIR, sleep, startDaemon, stopDaemon, waitFor } from "./proc";
import { DRILL_DOMAIN } from "./route53";
import { FAKE_AWS_ENV } from "./s3";

export const OWNER = { name: "Drill Owner", email: "owner@example.com", password: "Drill-0wner-Passphrase-2026!" };

export class Ghost {
    private cookie = "";

    private constructor(
        private readonly child: ChildProcess,
        readonly url: string,
        /** What Ghost's init steps did before it started. */
        readonly init: StepsResult,
    ) {}

    /**
     * Runs Ghost's init steps on contentDir exactly as Ghost's pod does (components/backup/steps.ts CHAINS.ghost: the
     * seed step, then with `opts.s3` the media step, which copies the volume's uploads into the bucket), and starts
     * Ghost on db: on the volume, or with `opts.s3` on S3 as components/ghost/media.ts configures it. A failing step
     * stops the start with its ERROR line (GhostInitFailed); Ghost is then not started. The first boot on an empty
     * database runs all migrations.
     */
    static async start(
        name: string,
        db: MariaDb,
        database: string,
        contentDir: string,
        logDir: string,
        opts: GhostOptions = {},
    ): Promise<Ghost> {
        const init = await runGhostInit(name, contentDir, logDir, opts);
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
            ...(opts.s3 ? drillMediaEnv(opts.s3) : {}),
        };
        const child = startDaemon(`ghost ${name}`, process.execPath, [path.join(ghostDir(), "index.js")], {
            env,
            cwd: ghostDir(),
            logFile: path.join(logDir, `ghost-${name}.log`),
        });
        const ghost = new Ghost(child, url, init);
        const started = Date.now();
        await waitFor(`Ghost ${name} at ${url}`, 300000, async () => {
            if (child.exitCode !== null) {
                throw new Error(`Ghost ${name} exited; see ${logDir}/ghost-${name}.log`);
            }
            return (await fetchGhost(`${url}/ghost/api/admin/site/`)).ok;
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
        return fetchGhost(`${this.url}/ghost/api/admin/${apiPath}`, { method, headers, body: payload });
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
        return this.upload("images", name, png, "image/png");
    }

    /** Uploads `bytes` as `name` through the Admin API's `<kind>/upload/`; returns the URL Ghost gives it. */
    async upload(kind: UploadKind, name: string, bytes: Buffer, type: string): Promise<string> {
        const res = await this.uploadResponse(kind, name, bytes, type);
        const text = await res.text();
        if (!res.ok) {
            throw new Error(`Ghost POST ${kind}/upload/ of ${name}: HTTP ${res.status}: ${text.slice(0, 500)}`);
        }
        return (JSON.parse(text) as Record<UploadKind, { url: string }[]>)[kind][0].url;
    }

    /** The Admin API's answer to an upload, whatever it is (a case that expects a failure reads it). */
    async uploadResponse(kind: UploadKind, name: string, bytes: Buffer, type: string): Promise<Response> {
        const form = new FormData();
        form.append("file", new Blob([new Uint8Array(bytes)], { type }), name);
        form.append("ref", name);
        return this.call("POST", `${kind}/upload/`, undefined, form);
    }

    /** Replaces Ghost's custom redirects with `redirects` (Admin API redirects/upload/, the Labs upload). */
    async uploadRedirects(redirects: unknown): Promise<void> {
        const form = new FormData();
        form.append("redirects", new Blob([JSON.stringify(redirects)], { type: "application/json" }), "redirects.json");
        await this.api("POST", "redirects/upload/", undefined, form);
    }

    /** Replaces Ghost's routes.yaml (Admin API settings/routes/yaml/, the Labs upload). */
    async uploadRoutes(yaml: string): Promise<void> {
        const form = new FormData();
        form.append("routes", new Blob([yaml], { type: "application/yaml" }), "routes.yaml");
        await this.api("POST", "settings/routes/yaml/", undefined, form);
    }

    /** The routes.yaml Ghost runs on, as the Labs download gives it. */
    async routesYaml(): Promise<string> {
        const res = await this.call("GET", "settings/routes/yaml/");
        const text = await res.text();
        if (!res.ok) throw new Error(`Ghost GET settings/routes/yaml/: HTTP ${res.status}: ${text.slice(0, 300)}`);
        return text;
    }

    async export(): Promise<GhostExport> {
        return this.api<GhostExport>("GET", "db/");
    }

    async stop(): Promise<void> {
        await stopDaemon(this.child);
    }
}

/**
 * fetch on a connection of its own (`Connection: close`). The drills block their event loop in synchronous aws calls
 * (execFileSync) for longer than Ghost's 5 s keep-alive; a pooled connection Ghost closed meanwhile is noticed only
 * when it is reused, and that request fails with "other side closed".
 */
export function fetchGhost(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set("Connection", "close");
    return fetch(url, { ...init, headers });
}

export type UploadKind = "images" | "media" | "files";

/** Ghost's uploads in a media bucket of the drill's S3 API (moto), as components/ghost/media.ts configures them. */
export interface GhostS3 {
    bucket: string;
    /** The S3 API the adapters and the media step talk to: moto, or a gate in front of it. */
    endpoint: string;
}

export interface GhostOptions {
    /** Uploads in S3 (config `mediaStorage` s3): the media step runs before Ghost. Default: on the volume. */
    s3?: GhostS3;
    /** A case's own knobs for the init steps only, set last (the S3_ENDPOINT_URL the media step sees, say). */
    stepEnv?: NodeJS.ProcessEnv;
}

/** The CDN's URL, Ghost's cdnUrl on both sites: https://media.<the drill's domain>. Nothing answers it here. */
export const DRILL_CDN_URL = `https://${mediaHostname(DRILL_DOMAIN)}`;

/** A Ghost init step failed, so Ghost was not started; `init` says which and how. */
export class GhostInitFailed extends Error {
    constructor(
        message: string,
        readonly init: StepsResult,
    ) {
        super(message);
    }
}

/** `s3` as components/ghost/media.ts takes it: the bucket, the drill's region, the CDN. */
export function drillMedia(s3: GhostS3): GhostMedia {
    return { bucket: s3.bucket, region: FAKE_AWS_ENV.AWS_REGION as string, cdnUrl: DRILL_CDN_URL };
}

/** ghostMediaEnv as plain name/value pairs (it holds only strings: what else would be an error here). */
function mediaEnvOf(media: GhostMedia): Record<string, string> {
    const env: Record<string, string> = {};
    for (const { name, value } of ghostMediaEnv(media)) {
        if (typeof name !== "string" || typeof value !== "string") {
            throw new Error(`ghostMediaEnv gives a variable that is not a plain string: ${JSON.stringify({ name, value })}`);
        }
        env[name] = value;
    }
    return env;
}

/**
 * Ghost's environment for uploads in `s3`: the production one (ghostMediaEnv) plus the only drill-only keys, each
 * adapter's endpoint (moto on loopback, path-style) and the fake credentials the pod's IRSA role stands for.
 */
export function drillMediaEnv(s3: GhostS3): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...mediaEnvOf(drillMedia(s3)) };
    for (const adapter of GHOST_S3_ADAPTER_PATHS) {
        env[`${adapter}__endpoint`] = s3.endpoint;
        env[`${adapter}__forcePathStyle`] = "true";
    }
    return { ...env, ...FAKE_AWS_ENV };
}

/** The steps of CHAINS.ghost the cluster runs in Ghost's pod, with uploads in S3 (the media step) or on the volume. */
export function ghostInitSteps(s3: boolean): Step[] {
    return CHAINS.ghost.filter((s) => clusterRuns(s, new Set(s3 ? [MEDIA_MIGRATE_STEP.container] : [])));
}

/**
 * Ghost's init steps as its pod runs them: every step of CHAINS.ghost the cluster runs for this configuration, each
 * with the environment its step defines, in a fresh pod directory (the emptyDir: WORK_DIR, HOME, TMPDIR).
 */
async function runGhostInit(name: string, contentDir: string, logDir: string, opts: GhostOptions): Promise<StepsResult> {
    fs.mkdirSync(contentDir, { recursive: true });
    // The cluster's volume is the pods' uid's throughout (Ghost runs as it there; here as the drill's user).
    giveTreeToPod(contentDir);
    const podDir = fs.mkdtempSync(path.join(logDir, `ghost-${name}-pod-`));
    giveToPod(podDir);
    const world = {
        mounts: { content: contentDir, scripts: SCRIPTS_DIR, work: podDir, tmp: podDir },
        inputs: { ghostInstallDir: ghostDir(), mediaBucket: opts.s3?.bucket, region: FAKE_AWS_ENV.AWS_REGION },
        standIn: opts.s3 ? { ...FAKE_AWS_ENV, S3_ENDPOINT_URL: opts.s3.endpoint } : undefined,
        env: opts.stepEnv,
    };
    const init = await runSteps(
        ghostInitSteps(opts.s3 !== undefined).map((step) => ({ script: step.script, env: stepEnv(step, world) })),
        path.join(logDir, "scripts.log"),
    );
    if (!init.ok) {
        throw new GhostInitFailed(`Ghost ${name} not started: its init step failed: ${init.error}`, init);
    }
    return init;
}

/** An adapter as Ghost's adapter manager resolves it. */
export interface ResolvedAdapter {
    adapterClassName: string;
    adapterConfig: Record<string, unknown>;
    /** The adapter class's own static validate(), as Ghost runs it at boot: its message, or null when it passed. */
    invalid: string | null;
}

/** The adapters ghostMediaAdapters names, resolved by Ghost's own code. */
const RESOLVE_ADAPTERS = `
const path = require("path");
const ghost = process.argv[1];
const { loadNconf } = require(path.join(ghost, "core/shared/config/loader.js"));
const utils = require(path.join(ghost, "core/server/services/adapter-manager/utils.js"));
const nconf = loadNconf({ customConfigPath: "/nonexistent" });
const config = utils.normalizeAdapterConfig(nconf);
const out = {};
for (const name of process.argv.slice(2)) {
    const resolved = utils.resolveAdapterOptions(name, config);
    let invalid = null;
    try {
        const Adapter = utils.loadAdapterClass(name.split(":")[0], resolved.adapterClassName, [nconf.get("paths").internalAdaptersPath], require);
        if (typeof Adapter.validate === "function") Adapter.validate(resolved.adapterConfig);
    } catch (err) {
        invalid = err.message;
    }
    out[name] = { ...resolved, invalid };
}
process.stdout.write(JSON.stringify(out));
`;

/**
 * What Ghost's own config loader (core/shared/config/loader.js) and adapter manager (adapter-manager/utils.js, and
 * each adapter's static validate, as at boot) make of `env` in production: run with the node the drill runs Ghost
 * with, in an environment of exactly `env`, NODE_ENV=production, url and paths__contentPath.
 */
export function resolveGhostAdapters(
    env: Record<string, string>,
    names: string[],
    contentDir: string,
): Record<string, ResolvedAdapter> {
    const out = execFileSync(process.execPath, ["-e", RESOLVE_ADAPTERS, ghostDir(), ...names], {
        env: { ...env, NODE_ENV: "production", url: "https://blog.example.com", paths__contentPath: contentDir },
        cwd: ghostDir(),
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
    });
    return JSON.parse(out) as Record<string, ResolvedAdapter>;
}

/**
 * The differences between what components/ghost/media.ts says Ghost resolves (ghostMediaAdapters) and what Ghost's own
 * code resolves from ghostMediaEnv (or from `env`, a case's variant of it), first first; empty when every expected key
 * is equal. Keys Ghost adds itself (defaultSettingsBasePath) are fine.
 */
export function mediaConfigDifferences(media: GhostMedia, contentDir: string, env = mediaEnvOf(media)): string[] {
    const expected = ghostMediaAdapters(media);
    const actual = resolveGhostAdapters(env, Object.keys(expected), contentDir);
    const diffs: string[] = [];
    for (const [name, want] of Object.entries(expected)) {
        const got = actual[name];
        if (got.adapterClassName !== want.adapterClassName) {
            diffs.push(`${name}: adapter ${JSON.stringify(got.adapterClassName)}, expected ${want.adapterClassName}`);
        }
        for (const [key, value] of Object.entries(want.adapterConfig)) {
            const had = got.adapterConfig?.[key];
            if (JSON.stringify(had) !== JSON.stringify(value)) {
                diffs.push(`${name}: ${key} is ${JSON.stringify(had)}, expected ${JSON.stringify(value)}`);
            }
        }
        if (got.invalid !== null) diffs.push(`${name}: Ghost's adapter refuses its options: ${got.invalid}`);
    }
    return diffs;
}

/** The environment ghostMediaEnv gives `media`, as name/value pairs (for a case that varies it). */
export function ghostMediaEnvOf(media: GhostMedia): Record<string, string> {
    return mediaEnvOf(media);
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
