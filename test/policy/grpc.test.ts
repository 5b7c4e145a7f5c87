/** The real pack (policy/index.ts under tsx), spoken to over the analyzer gRPC API as the Pulumi CLI does. */
import { strict as assert } from "node:assert";
import { ChildProcess, spawn } from "node:child_process";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as analyzerRpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as analyzerProto from "@pulumi/pulumi/proto/analyzer_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { RESOURCE_POLICIES, STACK_POLICIES } from "../../policy/policies";
import { S3_POLICIES } from "../../policy/s3";
import { Props } from "../../policy/shared";
import { wireSecret } from "../../tools/mocks";
import { json } from "./helpers";

const ROOT = path.join(__dirname, "..", "..");
/** How the engine sends a value not known until deployment (@pulumi/pulumi's runtime unknown sentinel). */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

describe("policy pack served by @pulumi/policy (gRPC, as the Pulumi CLI runs it)", function () {
    this.timeout(60000);
    const packDir = path.join(ROOT, "policy");
    let child: ChildProcess;
    let client: analyzerRpc.AnalyzerClient;

    before(async () => {
        const tsx = path.join(ROOT, "node_modules", ".bin", "tsx");
        child = spawn(tsx, ["index.ts"], { cwd: packDir, stdio: ["ignore", "pipe", "pipe"] });
        const port = await new Promise<string>((resolve, reject) => {
            let out = "";
            let err = "";
            child.stdout?.on("data", (d: Buffer) => {
                out += d.toString();
                const m = /^(\d+)\s*$/m.exec(out);
                if (m) resolve(m[1]);
            });
            child.stderr?.on("data", (d: Buffer) => (err += d.toString()));
            child.on("exit", (code) => reject(new Error(`policy pack exited ${code}: ${out}${err}`)));
        });
        client = new analyzerRpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    });
    after(() => {
        client?.close();
        child?.kill();
    });

    /** One unary call, as a promise. */
    const unary = <Res>(start: (done: (e: grpc.ServiceError | null, r: Res) => void) => unknown) =>
        new Promise<Res>((resolve, reject) => start((e, r) => (e ? reject(e) : resolve(r))));
    const analyze = (type: string, properties: Props) => {
        const request = new analyzerProto.AnalyzeRequest()
            .setType(type)
            .setName("r")
            .setUrn(`urn:pulumi:dc::ghost-dcdr::${type}::r`)
            .setOptions(new analyzerProto.AnalyzerResourceOptions())
            .setProperties(Struct.fromJavaScript(properties as never));
        return unary<analyzerProto.AnalyzeResponse>((done) => client.analyze(request, done));
    };

    it("serves every policy with its enforcement level and remediation", async () => {
        const info = await unary<analyzerProto.AnalyzerInfo>((done) => client.getAnalyzerInfo(new Empty(), done));
        assert.equal(info.getName(), "ghost-dcdr");
        const served = info.getPoliciesList().map((p) => p.getName());
        assert.deepEqual(served.sort(), [...RESOURCE_POLICIES, ...STACK_POLICIES].map((p) => p.name).sort());
        const advisory = info
            .getPoliciesList()
            .filter((p) => p.getEnforcementlevel() === analyzerProto.EnforcementLevel.ADVISORY);
        assert.deepEqual(
            advisory.map((p) => p.getName()),
            ["eks-public-endpoint-restricted"],
        );
        assert.ok(info.getPoliciesList().every((p) => p.getRemediationSteps() !== ""));
    });

    it("reports a violating resource and passes a compliant one", async () => {
        const bad = await analyze("aws:ec2/launchTemplate:LaunchTemplate", {
            metadataOptions: { httpTokens: "optional", httpPutResponseHopLimit: 2 },
        });
        const messages = bad.getDiagnosticsList().map((d) => `${d.getPolicyname()}: ${d.getMessage()}`);
        assert.ok(
            messages.some((m) => /^nodes-imdsv2-hop-limit-1: [^]*Launch template allows IMDSv1/.test(m)),
            json(messages),
        );
        assert.ok(bad.getDiagnosticsList().every((d) => d.getEnforcementlevel() === analyzerProto.EnforcementLevel.MANDATORY));
        const good = await analyze("aws:ec2/launchTemplate:LaunchTemplate", {
            metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 1 },
        });
        assert.deepEqual(
            good.getDiagnosticsList().map((d) => d.getMessage()),
            [],
        );
    });

    it("sees through secrets, and defers (advisory) a check whose value is unknown in preview", async () => {
        const secret = wireSecret("hunter2");
        const leaked = await analyze("kubernetes:core/v1:ConfigMap", { data: { DB_PASSWORD: secret } });
        assert.match(
            leaked
                .getDiagnosticsList()
                .map((d) => d.getMessage())
                .join("\n"),
            /ConfigMap key "DB_PASSWORD" holds a literal/,
        );
        const unknown = await analyze("eks:index:Cluster", {
            encryptionConfigKeyArn: UNKNOWN,
            endpointPrivateAccess: true,
        });
        const diagnostics = unknown.getDiagnosticsList().filter((d) => d.getPolicyname() === "eks-secrets-encryption-cmk");
        assert.equal(diagnostics.length, 1);
        assert.match(diagnostics[0].getMessage(), /can't run policy 'eks-secrets-encryption-cmk'.*during preview/);
        assert.equal(diagnostics[0].getEnforcementlevel(), analyzerProto.EnforcementLevel.ADVISORY);
    });

    const stackResource = (
        type: string,
        name: string,
        properties: Props,
        propertyDependencies: Record<string, string[]> = {},
    ) => {
        const r = new analyzerProto.AnalyzerResource()
            .setType(type)
            .setName(name)
            .setUrn(`urn:pulumi:dc::ghost-dcdr::${type}::${name}`)
            .setOptions(new analyzerProto.AnalyzerResourceOptions())
            .setProperties(Struct.fromJavaScript(properties as never));
        for (const [key, urns] of Object.entries(propertyDependencies)) {
            r.getPropertydependenciesMap().set(key, new analyzerProto.AnalyzerPropertyDependencies().setUrnsList(urns));
        }
        return r;
    };
    const analyzeStack = (resources: analyzerProto.AnalyzerResource[]) =>
        unary<analyzerProto.AnalyzeResponse>((done) =>
            client.analyzeStack(new analyzerProto.AnalyzeStackRequest().setResourcesList(resources), done),
        );

    it("runs the stack policies over the whole stack", async () => {
        const bucket = stackResource("aws:s3/bucket:Bucket", "dc-backups", { bucket: "ghost-dcdr-dc-backups" });
        const response = await analyzeStack([bucket]);
        const byPolicy = new Map(response.getDiagnosticsList().map((d) => [d.getPolicyname(), d]));
        assert.deepEqual([...byPolicy.keys()].sort(), S3_POLICIES.map((p) => p.name).sort());
        assert.equal(byPolicy.get("s3-bucket-replicated")?.getUrn(), bucket.getUrn());
    });

    it("finds an S3 origin by its dependency on a bucket, and defers while its domain name is unknown", async () => {
        const bucket = stackResource("aws:s3/bucket:Bucket", "dc-media-dc", {});
        const origin = { originId: "dc", domainName: "uploads.example.net" };
        const cdn = (origins: Props[]) =>
            stackResource(
                "aws:cloudfront/distribution:Distribution",
                "dc-media-cdn",
                { origins, defaultCacheBehavior: { targetOriginId: "dc", viewerProtocolPolicy: "https-only" } },
                { origins: [bucket.getUrn()] },
            );
        const oacOf = async (origins: Props[]) =>
            (await analyzeStack([bucket, cdn(origins)]))
                .getDiagnosticsList()
                .filter((d) => d.getPolicyname() === "cloudfront-s3-origin-oac");

        const known = await oacOf([origin]);
        assert.equal(known.length, 1);
        assert.equal(known[0].getUrn(), "urn:pulumi:dc::ghost-dcdr::aws:cloudfront/distribution:Distribution::dc-media-cdn");
        assert.match(
            known[0].getMessage(),
            /origin "dc" \(uploads\.example\.net\) is an S3 bucket read without an Origin Access Control/,
        );
        assert.equal(known[0].getEnforcementlevel(), analyzerProto.EnforcementLevel.MANDATORY);

        const unknown = await oacOf([{ ...origin, domainName: UNKNOWN }]);
        assert.equal(unknown.length, 1);
        assert.match(unknown[0].getMessage(), /can't run policy 'cloudfront-s3-origin-oac'.*during preview/);
        assert.equal(unknown[0].getEnforcementlevel(), analyzerProto.EnforcementLevel.ADVISORY);
    });

    it("defers the CloudFront grant check while a bucket policy waits for the distribution's ARN", async () => {
        const response = await analyze("aws:s3/bucketPolicy:BucketPolicy", { bucket: "b", policy: UNKNOWN });
        const diagnostics = response.getDiagnosticsList().filter((d) => d.getPolicyname() === "cloudfront-grant-scoped");
        assert.equal(diagnostics.length, 1);
        assert.match(diagnostics[0].getMessage(), /can't run policy 'cloudfront-grant-scoped'.*during preview/);
        assert.equal(diagnostics[0].getEnforcementlevel(), analyzerProto.EnforcementLevel.ADVISORY);
    });
});
