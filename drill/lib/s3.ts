// moto_server as the S3 and KMS stand-in, and a few direct S3 reads the checks need.
import { ChildProcess } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { DRILL_PATH, freePort, motoServer, sh, startDaemon, stopDaemon, waitFor } from "./proc";

/** Fake credentials for moto; they exist only in the drill's environment. */
export const FAKE_AWS_ENV: NodeJS.ProcessEnv = {
    AWS_ACCESS_KEY_ID: "drill",
    AWS_SECRET_ACCESS_KEY: "drill",
    AWS_REGION: "us-east-1",
    AWS_DEFAULT_REGION: "us-east-1",
    AWS_PAGER: "",
    AWS_EC2_METADATA_DISABLED: "true",
    // Fail fast when the fault drills make S3 unreachable.
    AWS_RETRY_MODE: "standard",
    AWS_MAX_ATTEMPTS: "2",
};

export class Moto {
    private constructor(
        private readonly child: ChildProcess,
        readonly port: number,
    ) {}

    static async start(dir: string): Promise<Moto> {
        const bin = motoServer();
        if (!bin) {
            throw new Error("moto_server not found. Run: bash drill/setup.sh");
        }
        const port = await freePort();
        const child = startDaemon("moto_server", bin, ["-H", "127.0.0.1", "-p", String(port)], {
            logFile: path.join(dir, "moto.log"),
        });
        const moto = new Moto(child, port);
        await waitFor(`moto_server on port ${port}`, 30000, async () => (await fetch(`${moto.url}/moto-api/`)).ok);
        return moto;
    }

    get url(): string {
        return `http://127.0.0.1:${this.port}`;
    }

    aws(args: string[], output: "text" | "json" = "text"): string {
        return sh("aws", ["--endpoint-url", this.url, "--output", output, ...args], {
            ...process.env,
            ...FAKE_AWS_ENV,
            PATH: DRILL_PATH,
        });
    }

    createBucket(bucket: string): void {
        this.aws(["s3api", "create-bucket", "--bucket", bucket]);
        this.aws(["s3api", "put-bucket-versioning", "--bucket", bucket, "--versioning-configuration", "Status=Enabled"]);
    }

    /** Every key under prefix, sorted (any key: read from the JSON listing, never split on white space). */
    keys(bucket: string, prefix = ""): string[] {
        return [...this.objects(bucket, prefix).keys()].sort();
    }

    /** Every object under prefix with its size, by key. */
    objects(bucket: string, prefix = ""): Map<string, number> {
        const query = ["--bucket", bucket, "--prefix", prefix, "--query", "Contents[].[Key,Size]"];
        const out = this.aws(["s3api", "list-objects-v2", ...query], "json").trim();
        const rows = (out === "" ? null : JSON.parse(out)) as [string, number][] | null;
        return new Map(rows ?? []);
    }

    /** Downloads every object under prefix into dir (key minus prefix = path), with one aws process. */
    download(bucket: string, prefix: string, dir: string): void {
        this.aws(["s3", "cp", "--only-show-errors", "--recursive", `s3://${bucket}/${prefix}`, dir]);
    }

    /** One object's bytes. */
    getBytes(bucket: string, key: string): Buffer {
        const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "drill-get-"));
        try {
            this.aws(["s3", "cp", "--only-show-errors", `s3://${bucket}/${key}`, path.join(tmp, "body")]);
            return fs.readFileSync(path.join(tmp, "body"));
        } finally {
            fs.rmSync(tmp, { recursive: true, force: true });
        }
    }

    /**
     * S3 cross-region replication, stood in for: moto does not replicate, so this copies every object of `from` that
     * `to` lacks or holds differently (`aws s3 sync`, server-side copies). Returns the seconds it took.
     */
    replicate(from: string, to: string): number {
        const started = Date.now();
        this.aws(["s3", "sync", "--only-show-errors", `s3://${from}`, `s3://${to}`]);
        return (Date.now() - started) / 1000;
    }

    getText(bucket: string, key: string): string {
        return this.aws(["s3", "cp", `s3://${bucket}/${key}`, "-"]);
    }

    putFile(bucket: string, key: string, file: string): void {
        this.aws(["s3", "cp", "--only-show-errors", file, `s3://${bucket}/${key}`]);
    }

    /**
     * A new asymmetric signing key, as the backup's (issue #10): ECC_NIST_P256, SIGN_VERIFY. Returns its key id.
     * moto 5.2.1 signs and verifies with it but, unlike KMS, ignores a disabled key's state.
     */
    createSigningKey(description = "drill backup signing key"): string {
        return this.aws([
            "kms",
            "create-key",
            "--key-spec",
            "ECC_NIST_P256",
            "--key-usage",
            "SIGN_VERIFY",
            "--description",
            description,
            "--query",
            "KeyMetadata.KeyId",
        ]).trim();
    }

    /**
     * The base64 signature of `manifest` (its exact bytes) with `keyId`, made as backup-upload.sh makes it: the
     * sha256 digest signed with ECDSA_SHA_256. For crafted sets: what a holder of the key could publish.
     */
    signManifest(keyId: string, manifest: string | Buffer): string {
        const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "drill-sign-"));
        try {
            const digest = path.join(tmp, "digest");
            fs.writeFileSync(digest, crypto.createHash("sha256").update(manifest).digest());
            return this.aws([
                "kms",
                "sign",
                "--key-id",
                keyId,
                "--message",
                `fileb://${digest}`,
                "--message-type",
                "DIGEST",
                "--signing-algorithm",
                "ECDSA_SHA_256",
                "--query",
                "Signature",
            ]).trim();
        } finally {
            fs.rmSync(tmp, { recursive: true, force: true });
        }
    }

    putText(bucket: string, key: string, text: string): void {
        const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "drill-put-"));
        try {
            fs.writeFileSync(path.join(tmp, "body"), text);
            this.putFile(bucket, key, path.join(tmp, "body"));
        } finally {
            fs.rmSync(tmp, { recursive: true, force: true });
        }
    }

    deleteKey(bucket: string, key: string): void {
        this.aws(["s3", "rm", "--only-show-errors", `s3://${bucket}/${key}`]);
    }

    async stop(): Promise<void> {
        await stopDaemon(this.child);
    }
}

/**
 * A TCP gate in front of moto that can be closed, S3 becoming unreachable (every connection, open or new, is reset),
 * and opened again. Unlike lib/cutproxy.ts it keeps its port, so a Ghost configured with it finds S3 again.
 */
export class S3Gate {
    private isOpen = true;
    private readonly sockets = new Set<net.Socket>();

    private constructor(
        private readonly server: net.Server,
        readonly port: number,
    ) {}

    static async start(targetPort: number): Promise<S3Gate> {
        const holder: { gate?: S3Gate } = {};
        const server = net.createServer((client) => {
            const gate = holder.gate as S3Gate;
            client.unref();
            if (!gate.isOpen) {
                client.resetAndDestroy();
                return;
            }
            const upstream = net.connect(targetPort, "127.0.0.1");
            upstream.unref();
            gate.sockets.add(client).add(upstream);
            client.pipe(upstream);
            upstream.pipe(client);
            const close = () => {
                client.destroy();
                upstream.destroy();
                gate.sockets.delete(client);
                gate.sockets.delete(upstream);
            };
            client.on("error", close).on("close", close);
            upstream.on("error", close).on("close", close);
        });
        server.unref();
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        const address = server.address();
        holder.gate = new S3Gate(server, typeof address === "object" && address !== null ? address.port : 0);
        return holder.gate;
    }

    get url(): string {
        return `http://127.0.0.1:${this.port}`;
    }

    /** S3 unreachable: resets every connection through the gate and every new one. */
    close(): void {
        this.isOpen = false;
        for (const s of this.sockets) s.resetAndDestroy();
        this.sockets.clear();
    }

    open(): void {
        this.isOpen = true;
    }

    async stop(): Promise<void> {
        this.close();
        await new Promise<void>((resolve) => this.server.close(() => resolve()));
    }
}
