/**
 * Fence drill: `npm run drill:fence`. Runs scripts/datapath/backup-fence.sh for real against a Route 53 API
 * (moto_server on 127.0.0.1) in every state the failover flag can leave the public domain in, and checks that
 * exactly the site the primary record names may publish. Prints one line per case; exits non-zero on a failure.
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";

const SCRIPT = path.join(__dirname, "..", "scripts", "datapath", "backup-fence.sh");
const AWS = "/usr/bin/aws"; // Debian's AWS CLI v2, like the in-cluster image (pyenv's v1 comes first on PATH)
const DOMAIN = "blog.example.com";

async function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer().listen(0, "127.0.0.1", () => {
            const port = (server.address() as net.AddressInfo).port;
            server.close(() => resolve(port));
        });
        server.on("error", reject);
    });
}

async function main(): Promise<number> {
    for (const tool of [AWS, "moto_server"]) {
        if (spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0) {
            console.error(`fence drill: ${tool} not found. Run: bash drill/setup.sh`);
            return 2;
        }
    }
    const port = await freePort();
    const endpoint = `http://127.0.0.1:${port}`;
    const moto = spawn("moto_server", ["-H", "127.0.0.1", "-p", String(port)], { stdio: "ignore" });
    const env = { ...process.env, AWS_ACCESS_KEY_ID: "drill", AWS_SECRET_ACCESS_KEY: "drill", AWS_DEFAULT_REGION: "us-east-1" };
    const aws = (args: string[]) => execFileSync(AWS, ["--endpoint-url", endpoint, ...args], { env, encoding: "utf8" }).trim();
    let failures = 0;
    try {
        for (let i = 0; ; i++) {
            try {
                aws(["route53", "list-hosted-zones"]);
                break;
            } catch {
                if (i > 50) throw new Error("moto_server did not start");
                await new Promise((r) => setTimeout(r, 200));
            }
        }
        const zone = aws([
            "route53",
            "create-hosted-zone",
            "--name",
            "example.com",
            "--caller-reference",
            `fence-${Date.now()}`,
            "--query",
            "HostedZone.Id",
            "--output",
            "text",
        ]).replace("/hostedzone/", "");
        const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "fence-"));
        const setPrimary = (site: string, action = "UPSERT") => {
            const batch = {
                Changes: ["primary", "secondary"].map((id) => ({
                    Action: action,
                    ResourceRecordSet: {
                        Name: DOMAIN,
                        Type: "A",
                        SetIdentifier: id,
                        Failover: id === "primary" ? "PRIMARY" : "SECONDARY",
                        AliasTarget: { HostedZoneId: zone, DNSName: `${site}.${DOMAIN}`, EvaluateTargetHealth: false },
                    },
                })),
            };
            fs.writeFileSync(path.join(tmp, "batch.json"), JSON.stringify(batch));
            aws([
                "route53",
                "change-resource-record-sets",
                "--hosted-zone-id",
                zone,
                "--change-batch",
                `file://${path.join(tmp, "batch.json")}`,
            ]);
        };
        const fence = (site: string, zoneId = zone) =>
            spawnSync("bash", [SCRIPT], {
                env: {
                    ...env,
                    PATH: `/usr/bin:${process.env.PATH}`,
                    FENCE_ZONE_ID: zoneId,
                    FENCE_DOMAIN: DOMAIN,
                    FENCE_SITE_NAME: `${site}.${DOMAIN}`,
                    S3_ENDPOINT_URL: endpoint,
                },
                encoding: "utf8",
            });
        const check = (label: string, site: string, allowed: boolean, zoneId?: string) => {
            const r = fence(site, zoneId);
            const ok =
                (r.status === 0) === allowed && (allowed || /ERROR: .*nothing was published|ERROR: cannot read/.test(r.stderr));
            if (!ok) failures++;
            const said = (r.stderr.trim().split("\n").pop() ?? "").replace(/^\S+ /, "");
            console.log(`${ok ? "PASS" : "FAIL"}  ${label}: ${site} ${r.status === 0 ? "may publish" : "refused"} (${said})`);
        };

        check("no primary record yet", "dc", false);
        setPrimary("dc");
        check("domain on dc (normal)", "dc", true);
        check("domain on dc (normal)", "dr", false);
        setPrimary("dr");
        check("after failover, stale dc not yet updated", "dc", false);
        check("after failover", "dr", true);
        check("unknown hosted zone", "dr", false, "ZNOSUCHZONE");
    } finally {
        moto.kill("SIGTERM");
    }
    console.log(failures === 0 ? "fence drill: all cases passed" : `fence drill: ${failures} case(s) failed`);
    return failures === 0 ? 0 : 1;
}

main().then(
    (code) => process.exit(code),
    (e: Error) => {
        console.error(`fence drill: ${e.message}`);
        process.exit(1);
    },
);
