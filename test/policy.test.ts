import { tlsOnlyPolicy } from "../components/backup/buckets";
import { strict as assert } from "node:assert";
import { ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as analyzerRpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as analyzerProto from "@pulumi/pulumi/proto/analyzer_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { AWS_LOAD_BALANCER_CONTROLLER_POLICY } from "../components/addons/awsLoadBalancerController";
import { clusterAutoscalerPolicy } from "../components/addons/clusterAutoscaler";
import { externalDnsPolicy } from "../components/addons/externalDns";
import { irsaTrustPolicy } from "../components/irsa";
import {
    isSecretLookingName,
    Props,
    RESOURCE_POLICIES,
    runPack,
    STACK_POLICIES,
    StackResource,
    unpinnedImageReason,
} from "../policy/policies";
import { DC, DR } from "./fixtures";
import { MOCK_ACCOUNT, MockRun, runStack, unwrapSecrets, wireSecret } from "../tools/mocks";

type Case = [type: string, inputs: Props];
type FailCase = [type: string, inputs: Props, message: RegExp];

const json = (v: unknown) => JSON.stringify(v);
const ISSUER = "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE";
const PROVIDER_ARN = `arn:aws:iam::${MOCK_ACCOUNT}:oidc-provider/${ISSUER}`;
const KEY_ARN = `arn:aws:kms:eu-west-1:${MOCK_ACCOUNT}:key/backup`;
const statement = (s: Record<string, unknown>) => json({ Version: "2012-10-17", Statement: [{ Effect: "Allow", ...s }] });
const pod = (containers: Props[]) => ({ spec: { template: { spec: { containers } } } });
const cronJob = (spec: Props) => ({
    spec: {
        schedule: "0 * * * *",
        ...spec,
        jobTemplate: {
            spec: {
                ...(spec.activeDeadlineSeconds === undefined ? {} : { activeDeadlineSeconds: spec.activeDeadlineSeconds }),
                template: { spec: { restartPolicy: "Never", containers: [{ name: "backup", image: "mariadb:11.4.5" }] } },
            },
        },
    },
});

/** One compliant and one violating resource (at least) for every resource policy, by policy name. */
const RESOURCE_CASES: Record<string, { pass: Case[]; fail: FailCase[] }> = {
    "eks-secrets-encryption-cmk": {
        pass: [
            ["eks:index:Cluster", { encryptionConfigKeyArn: KEY_ARN }],
            ["aws:eks/cluster:Cluster", { encryptionConfig: { provider: { keyArn: KEY_ARN }, resources: ["secrets"] } }],
        ],
        fail: [
            ["eks:index:Cluster", { name: "c" }, /has no encryptionConfigKeyArn.*Fix: pass a customer-managed KMS key ARN/],
            ["aws:eks/cluster:Cluster", { encryptionConfig: { provider: { keyArn: KEY_ARN }, resources: [] } }, /for `secrets`/],
        ],
    },
    "eks-endpoint-private-access": {
        pass: [
            ["eks:index:Cluster", { endpointPrivateAccess: true }],
            ["aws:eks/cluster:Cluster", { vpcConfig: { endpointPrivateAccess: true } }],
        ],
        fail: [
            ["eks:index:Cluster", {}, /private API endpoint is off.*Fix: set `endpointPrivateAccess: true`/],
            ["aws:eks/cluster:Cluster", { vpcConfig: { endpointPrivateAccess: false } }, /private API endpoint is off/],
        ],
    },
    "eks-public-endpoint-restricted": {
        pass: [
            ["eks:index:Cluster", { endpointPublicAccess: false }],
            ["eks:index:Cluster", { endpointPublicAccess: true, publicAccessCidrs: ["203.0.113.0/24"] }],
            ["aws:eks/cluster:Cluster", { vpcConfig: { endpointPublicAccess: true, publicAccessCidrs: ["198.51.100.7/32"] } }],
        ],
        fail: [
            [
                "eks:index:Cluster",
                { endpointPublicAccess: true, publicAccessCidrs: ["0.0.0.0/0"] },
                /accepts 0\.0\.0\.0\/0.*Fix: set `ghost-dcdr:endpointPublicAccessCidrs`/,
            ],
            ["aws:eks/cluster:Cluster", { vpcConfig: {} }, /0\.0\.0\.0\/0 \(AWS default\)/],
        ],
    },
    "nodes-imdsv2-hop-limit-1": {
        pass: [
            [
                "aws:ec2/launchTemplate:LaunchTemplate",
                { metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 } },
            ],
            ["eks:index:ManagedNodeGroup", { launchTemplate: { id: "lt-0123", version: "1" } }],
        ],
        fail: [
            [
                "aws:ec2/launchTemplate:LaunchTemplate",
                { metadataOptions: { httpTokens: "optional", httpPutResponseHopLimit: 1 } },
                /allows IMDSv1.*Fix: set metadataOptions.httpTokens to "required"/,
            ],
            [
                "aws:ec2/launchTemplate:LaunchTemplate",
                { metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 2 } },
                /hop limit is 2.*Fix: set metadataOptions.httpPutResponseHopLimit to 1/,
            ],
            ["aws:ec2/launchTemplate:LaunchTemplate", {}, /allows IMDSv1/],
            ["aws:eks/nodeGroup:NodeGroup", { clusterName: "c" }, /has no launch template.*hop limit 2/],
        ],
    },
    "iam-irsa-trust-sub-and-aud": {
        pass: [
            [
                "aws:iam/role:Role",
                { assumeRolePolicy: json(irsaTrustPolicy(PROVIDER_ARN, ISSUER, "kube-system", "external-dns")) },
            ],
            [
                "aws:iam/role:Role",
                { assumeRolePolicy: statement({ Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }) },
            ],
            [
                "aws:iam/role:Role",
                {
                    assumeRolePolicy: statement({
                        Principal: { Federated: "arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com" },
                        Action: "sts:AssumeRoleWithWebIdentity",
                        Condition: {
                            StringEquals: { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com" },
                            StringLike: {
                                "token.actions.githubusercontent.com:sub": "repo:acme/ghost-dcdr:environment:production-dc",
                            },
                        },
                    }),
                },
            ],
        ],
        fail: [
            [
                "aws:iam/role:Role",
                {
                    assumeRolePolicy: statement({
                        Principal: { Federated: PROVIDER_ARN },
                        Action: "sts:AssumeRoleWithWebIdentity",
                        Condition: { StringEquals: { [`${ISSUER}:sub`]: "system:serviceaccount:default:app" } },
                    }),
                },
                /without `<issuer>:aud` = "sts.amazonaws.com".*Fix: add Condition StringEquals/,
            ],
            [
                "aws:iam/role:Role",
                {
                    assumeRolePolicy: statement({
                        Principal: { Federated: PROVIDER_ARN },
                        Action: ["sts:AssumeRoleWithWebIdentity"],
                        Condition: {
                            StringEquals: { [`${ISSUER}:aud`]: "sts.amazonaws.com" },
                            StringLike: { [`${ISSUER}:sub`]: "*" },
                        },
                    }),
                },
                /without pinning `<issuer>:sub`: any identity/,
            ],
        ],
    },
    "iam-no-wildcard-actions": {
        pass: [
            ["aws:iam/rolePolicy:RolePolicy", { policy: json(clusterAutoscalerPolicy("c")) }],
            ["aws:iam/policy:Policy", { policy: statement({ Action: "s3:*", Resource: "arn:aws:s3:::backups/*" }) }],
            [
                "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
                { policyArn: "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy" },
            ],
        ],
        fail: [
            [
                "aws:iam/rolePolicy:RolePolicy",
                { policy: statement({ Action: "*", Resource: "arn:aws:s3:::b" }) },
                /allows "Action": "\*".*Fix: list the exact actions/,
            ],
            [
                "aws:iam/policy:Policy",
                { policy: statement({ Action: ["s3:*"], Resource: "*" }) },
                /allows s3:\* on "Resource": "\*"/,
            ],
            [
                "aws:iam/role:Role",
                { inlinePolicies: [{ name: "p", policy: statement({ NotAction: "iam:*", Resource: "*" }) }] },
                /inlinePolicies\[0\] "p" Statement\[0\] uses NotAction/,
            ],
            [
                "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
                { policyArn: "arn:aws:iam::aws:policy/AdministratorAccess" },
                /Attaches .*AdministratorAccess/,
            ],
        ],
    },
    "iam-wildcard-resource-allowlist": {
        pass: [
            ["aws:iam/rolePolicy:RolePolicy", { policy: json(AWS_LOAD_BALANCER_CONTROLLER_POLICY) }],
            ["aws:iam/rolePolicy:RolePolicy", { policy: json(clusterAutoscalerPolicy("c")) }],
            ["aws:iam/rolePolicy:RolePolicy", { policy: json(externalDnsPolicy("Z123")) }],
            ["aws:iam/policy:Policy", { policy: statement({ Action: "s3:GetObject", Resource: "arn:aws:s3:::backups/*" }) }],
        ],
        fail: [
            [
                "aws:iam/rolePolicy:RolePolicy",
                { policy: statement({ Sid: "Read", Action: ["s3:GetObject", "route53:ListHostedZones"], Resource: "*" }) },
                /Statement "Read" allows s3:GetObject on "Resource": "\*", and no documented controller/,
            ],
            [
                "aws:iam/rolePolicy:RolePolicy",
                { policy: statement({ Action: "autoscaling:SetDesiredCapacity", Resource: "*" }) },
                /without a Condition/,
            ],
            [
                "aws:iam/policy:Policy",
                { policy: statement({ Action: "s3:GetObject", NotResource: "arn:aws:s3:::private/*" }) },
                /uses NotResource/,
            ],
        ],
    },
    "helm-release-pinned-version": {
        pass: [
            ["kubernetes:helm.sh/v3:Release", { chart: "external-dns", version: "1.18.0" }],
            ["kubernetes:helm.sh/v4:Chart", { chart: "oci://registry-1.docker.io/bitnamicharts/mariadb", version: "20.4.1" }],
        ],
        fail: [
            [
                "kubernetes:helm.sh/v3:Release",
                { chart: "external-dns", version: "^1.18.0" },
                /"external-dns" has version "\^1\.18\.0".*Fix: pin `version`/,
            ],
            ["kubernetes:helm.sh/v3:Release", { chart: "external-dns" }, /has version null/],
            ["kubernetes:helm.sh/v3:Release", { chart: "x", version: "1.x" }, /has version "1\.x"/],
        ],
    },
    "k8s-image-pinned": {
        pass: [
            ["kubernetes:apps/v1:Deployment", pod([{ name: "ghost", image: "ghost:6.3.1" }])],
            ["kubernetes:apps/v1:StatefulSet", pod([{ name: "db", image: `mariadb@sha256:${"a".repeat(64)}` }])],
            ["kubernetes:batch/v1:CronJob", cronJob({})],
            [
                "kubernetes:helm.sh/v3:Release",
                { version: "1.0.0", values: { image: { tag: "v2.13.4" }, sidecar: { image: { tag: 8 } } } },
            ],
        ],
        fail: [
            [
                "kubernetes:apps/v1:Deployment",
                pod([{ name: "ghost", image: "ghost" }]),
                /containers\[0\] "ghost" image "ghost" has no tag \(means :latest\).*Fix: pin/,
            ],
            ["kubernetes:core/v1:Pod", { spec: { containers: [{ name: "x", image: "ghost:latest" }] } }, /uses :latest/],
            [
                "kubernetes:batch/v1:Job",
                pod([{ name: "x", image: "registry.local:5000/tools" }]),
                /"registry\.local:5000\/tools" has no tag/,
            ],
            [
                "kubernetes:helm.sh/v3:Release",
                { version: "1.0.0", values: { controller: { image: { tag: "latest" } } } },
                /values\.controller\.image\.tag is "latest"/,
            ],
            ["kubernetes:helm.sh/v3:Release", { version: "1.0.0", values: { image: { tag: "" } } }, /values\.image\.tag is ""/],
        ],
    },
    "k8s-cronjob-guards": {
        pass: [
            [
                "kubernetes:batch/v1:CronJob",
                cronJob({ concurrencyPolicy: "Forbid", startingDeadlineSeconds: 600, activeDeadlineSeconds: 3600 }),
            ],
        ],
        fail: [
            [
                "kubernetes:batch/v1:CronJob",
                cronJob({ startingDeadlineSeconds: 600, activeDeadlineSeconds: 3600 }),
                /concurrencyPolicy is "Allow \(default\)".*Fix: set spec.concurrencyPolicy to "Forbid"/,
            ],
            [
                "kubernetes:batch/v1:CronJob",
                cronJob({ concurrencyPolicy: "Forbid", activeDeadlineSeconds: 3600 }),
                /startingDeadlineSeconds is not set/,
            ],
            [
                "kubernetes:batch/v1:CronJob",
                cronJob({ concurrencyPolicy: "Forbid", startingDeadlineSeconds: 600 }),
                /activeDeadlineSeconds is not set/,
            ],
        ],
    },
    "k8s-no-plaintext-secrets": {
        pass: [
            [
                "kubernetes:apps/v1:Deployment",
                pod([
                    {
                        name: "ghost",
                        image: "ghost:6.3.1",
                        env: [
                            {
                                name: "database__connection__password",
                                valueFrom: { secretKeyRef: { name: "db", key: "password" } },
                            },
                            { name: "MARIADB_PASSWORD_FILE", value: "/run/secrets/db/password" },
                            { name: "KMS_KEY_ARN", value: KEY_ARN },
                            { name: "DB_TOKEN", value: "$(OTHER_TOKEN)" },
                            { name: "url", value: "https://blog.example.com" },
                        ],
                    },
                ]),
            ],
            [
                "kubernetes:core/v1:ConfigMap",
                {
                    data: {
                        "config.production.json": json({ url: "https://blog.example.com", database: { client: "mysql" } }),
                        API_KEY: "",
                        // Scripts read secrets at run time: an expansion is not a literal.
                        "backup.sh": '#!/bin/sh\npassword="$(secret MARIADB_PASSWORD)"\nset_key="$prefix$backup_id"\n',
                    },
                },
            ],
        ],
        fail: [
            [
                "kubernetes:apps/v1:StatefulSet",
                pod([{ name: "db", image: "mariadb:11.4.5", env: [{ name: "MARIADB_ROOT_PASSWORD", value: "hunter2" }] }]),
                /env "MARIADB_ROOT_PASSWORD" has a literal value.*Fix: store it in a Secret/,
            ],
            [
                "kubernetes:core/v1:ConfigMap",
                { data: { awsSecretAccessKey: "abc" } },
                /ConfigMap key "awsSecretAccessKey" holds a literal/,
            ],
            [
                "kubernetes:core/v1:ConfigMap",
                { data: { "config.json": json({ database: { connection: { password: "hunter2" } } }) } },
                /embeds a literal "database\.connection\.password"/,
            ],
            [
                "kubernetes:core/v1:ConfigMap",
                { data: { ".env": "URL=https://x\nMAIL_PASS='hunter2'\n" } },
                /embeds a literal "MAIL_PASS"/,
            ],
            [
                "kubernetes:core/v1:ConfigMap",
                { data: { "restore.sh": "#!/bin/sh\nexport MARIADB_PASSWORD=hunter2\n" } },
                /"restore\.sh" embeds a literal "MARIADB_PASSWORD"/,
            ],
            [
                "kubernetes:helm.sh/v3:Release",
                { version: "1.0.0", values: { env: [{ name: "GITHUB_TOKEN", value: "ghp_x" }] } },
                /Helm values\.env\[0\] "GITHUB_TOKEN" has a literal value/,
            ],
        ],
    },
};

// ---- S3 stack fixtures: a bucket is compliant with its five companions; each case removes or breaks one.

function res(type: string, name: string, inputs: Props, propertyDependencies?: Record<string, string[]>): StackResource {
    return { type, name, urn: `urn:pulumi:dc::ghost-dcdr::${type}::${name}`, id: `${name}-id`, inputs, propertyDependencies };
}
const TLS_POLICY = (bucket: string) => json(tlsOnlyPolicy(`arn:aws:s3:::${bucket}`));
const REPLICATION_RULE = {
    id: "to-dr",
    status: "Enabled",
    destination: { bucket: "arn:aws:s3:::ghost-dcdr-dr-backups", encryptionConfiguration: { replicaKmsKeyId: KEY_ARN } },
    sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: "Enabled" } },
};

/** A compliant backup bucket named `name`; `change` edits (or, returning undefined, drops) one resource by type. */
function bucketSet(name = "dc-backups", change: (r: StackResource) => StackResource | undefined = (r) => r): StackResource[] {
    const bucket = res("aws:s3/bucket:Bucket", name, { bucket: `ghost-dcdr-${name}`, tags: {} });
    const ref = { bucket: `${name}-id` };
    const set = [
        bucket,
        res("aws:s3/bucketVersioning:BucketVersioning", `${name}-versioning`, {
            ...ref,
            versioningConfiguration: { status: "Enabled" },
        }),
        res("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", `${name}-sse`, {
            ...ref,
            rules: [
                {
                    applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: KEY_ARN },
                    bucketKeyEnabled: true,
                },
            ],
        }),
        res("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", `${name}-pab`, {
            ...ref,
            blockPublicAcls: true,
            blockPublicPolicy: true,
            ignorePublicAcls: true,
            restrictPublicBuckets: true,
        }),
        res("aws:s3/bucketPolicy:BucketPolicy", `${name}-policy`, { ...ref, policy: TLS_POLICY(`ghost-dcdr-${name}`) }),
        res("aws:s3/bucketReplicationConfig:BucketReplicationConfig", `${name}-replication`, {
            ...ref,
            role: "arn:aws:iam::1:role/replication",
            rules: [REPLICATION_RULE],
        }),
    ];
    return set.map(change).filter((r): r is StackResource => r !== undefined);
}
const drop = (type: string) => (r: StackResource) => (r.type === type ? undefined : r);
const edit = (type: string, inputs: Props) => (r: StackResource) =>
    r.type === type ? { ...r, inputs: { ...r.inputs, ...inputs } } : r;

const STACK_CASES: Record<string, { pass: StackResource[][]; fail: [StackResource[], RegExp][] }> = {
    "s3-bucket-versioning": {
        pass: [
            bucketSet(),
            // Linked through the engine's property dependencies, before the bucket has a name (preview).
            bucketSet("b", (r) =>
                r.type.includes("Versioning")
                    ? {
                          ...r,
                          inputs: { versioningConfiguration: { status: "Enabled" } },
                          propertyDependencies: { bucket: [bucketSet("b")[0].urn] },
                      }
                    : r,
            ),
            [res("aws:s3/bucketV2:BucketV2", "legacy", { versioning: { enabled: true } })],
        ],
        fail: [
            [
                bucketSet("b", drop("aws:s3/bucketVersioning:BucketVersioning")),
                /Bucket b has no versioning.*Fix: add aws\.s3\.BucketVersioning/,
            ],
            [
                bucketSet(
                    "b",
                    edit("aws:s3/bucketVersioning:BucketVersioning", { versioningConfiguration: { status: "Suspended" } }),
                ),
                /b-versioning: versioning status is "Suspended"/,
            ],
        ],
    },
    "s3-bucket-sse-kms": {
        pass: [bucketSet()],
        fail: [
            [
                bucketSet("b", drop("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")),
                /Bucket b has no SSE-KMS default encryption/,
            ],
            [
                bucketSet(
                    "b",
                    edit("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", {
                        rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
                    }),
                ),
                /default encryption uses "AES256", not aws:kms/,
            ],
            [
                bucketSet(
                    "b",
                    edit("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", {
                        rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" } }],
                    }),
                ),
                /without kmsMasterKeyId/,
            ],
        ],
    },
    "s3-bucket-public-access-block": {
        pass: [bucketSet()],
        fail: [
            [
                bucketSet("b", drop("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")),
                /Bucket b has no public access block/,
            ],
            [
                bucketSet("b", edit("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", { restrictPublicBuckets: false })),
                /leaves restrictPublicBuckets off/,
            ],
        ],
    },
    "s3-bucket-tls-only": {
        pass: [bucketSet()],
        fail: [
            [bucketSet("b", drop("aws:s3/bucketPolicy:BucketPolicy")), /Bucket b has no bucket policy denying plain-HTTP access/],
            [
                bucketSet(
                    "b",
                    edit("aws:s3/bucketPolicy:BucketPolicy", {
                        policy: statement({ Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" }),
                    }),
                ),
                /bucket policy has no TLS-only statement/,
            ],
        ],
    },
    "s3-backup-bucket-replicated": {
        pass: [
            bucketSet(),
            // Not a backup bucket: no replication needed.
            bucketSet("assets", drop("aws:s3/bucketReplicationConfig:BucketReplicationConfig")),
            // The destination of a rule in this stack is a replica.
            [
                ...bucketSet(),
                ...bucketSet("dr-backups", drop("aws:s3/bucketReplicationConfig:BucketReplicationConfig")).map((r) =>
                    r.type === "aws:s3/bucket:Bucket" ? { ...r, inputs: { ...r.inputs, bucket: "ghost-dcdr-dr-backups" } } : r,
                ),
            ],
            bucketSet("dr-backups", (r) =>
                r.type.includes("Replication")
                    ? undefined
                    : r.type === "aws:s3/bucket:Bucket"
                      ? { ...r, inputs: { tags: { "ghost-dcdr/replica-of": "dc-backups" } } }
                      : r,
            ),
        ],
        fail: [
            [
                bucketSet("dc-backups", drop("aws:s3/bucketReplicationConfig:BucketReplicationConfig")),
                /Backup bucket dc-backups is not replicated.*Fix: add aws\.s3\.BucketReplicationConfig/,
            ],
            [
                bucketSet(
                    "dc-backups",
                    edit("aws:s3/bucketReplicationConfig:BucketReplicationConfig", {
                        rules: [{ ...REPLICATION_RULE, sourceSelectionCriteria: {} }],
                    }),
                ),
                /rule "to-dr" does not replicate SSE-KMS objects/,
            ],
            [
                bucketSet(
                    "dc-backups",
                    edit("aws:s3/bucketReplicationConfig:BucketReplicationConfig", {
                        rules: [{ ...REPLICATION_RULE, status: "Disabled" }],
                    }),
                ),
                /has no rule with status Enabled/,
            ],
        ],
    },
};

describe("policy pack: each policy on a compliant and a violating resource", () => {
    it("has cases for every policy, and every policy is documented", () => {
        assert.deepEqual(Object.keys(RESOURCE_CASES).sort(), RESOURCE_POLICIES.map((p) => p.name).sort());
        assert.deepEqual(Object.keys(STACK_CASES).sort(), STACK_POLICIES.map((p) => p.name).sort());
        const doc = fs.readFileSync(path.join(__dirname, "..", "docs", "policy.md"), "utf8");
        for (const p of [...RESOURCE_POLICIES, ...STACK_POLICIES]) {
            assert.ok(doc.includes(`\`${p.name}\``), `docs/policy.md lists ${p.name}`);
            assert.match(p.name, /^[a-z0-9-]{1,100}$/);
        }
    });

    for (const p of RESOURCE_POLICIES) {
        const cases = RESOURCE_CASES[p.name] ?? { pass: [], fail: [] };
        it(`${p.name}: passes compliant resources`, () => {
            assert.ok(cases.pass.length > 0);
            for (const [type, inputs] of cases.pass) {
                assert.ok(p.resourceTypes.includes(type), `${p.name} looks at ${type}`);
                assert.deepEqual(p.validate(type, inputs), [], `${type} ${json(inputs)}`);
            }
        });
        it(`${p.name}: flags violating resources with a message and a Fix`, () => {
            assert.ok(cases.fail.length > 0);
            for (const [type, inputs, message] of cases.fail) {
                assert.ok(p.resourceTypes.includes(type), `${p.name} looks at ${type}`);
                const messages = p.validate(type, inputs);
                assert.ok(
                    messages.some((m) => message.test(m)),
                    `${type} ${json(inputs)}: expected ${message}, got ${json(messages)}`,
                );
                for (const m of messages) assert.match(m, /Fix: /);
            }
        });
    }

    for (const p of STACK_POLICIES) {
        const cases = STACK_CASES[p.name] ?? { pass: [], fail: [] };
        it(`${p.name}: passes compliant buckets`, () => {
            assert.ok(cases.pass.length > 0);
            for (const resources of cases.pass)
                assert.deepEqual(p.validateStack(resources), [], resources.map((r) => r.name).join(", "));
        });
        it(`${p.name}: flags the bucket or companion to fix`, () => {
            assert.ok(cases.fail.length > 0);
            for (const [resources, message] of cases.fail) {
                const violations = p.validateStack(resources);
                const hit = violations.find((v) => message.test(v.message));
                assert.ok(hit, `expected ${message}, got ${json(violations)}`);
                assert.ok(
                    resources.some((r) => r.urn === hit.urn),
                    "names a resource of the stack",
                );
                for (const v of violations) assert.match(v.message, /Fix: /);
            }
        });
    }

    it("pins the pack's dependencies to the root's exact versions (the pack runs on the root node_modules)", () => {
        const read = (file: string) =>
            JSON.parse(fs.readFileSync(path.join(__dirname, "..", file), "utf8")) as Record<string, Record<string, string>>;
        const root = read("package.json");
        const pack = read("policy/package.json");
        const rootVersions = { ...root.dependencies, ...root.devDependencies };
        for (const [name, version] of Object.entries({ ...pack.dependencies, ...pack.devDependencies })) {
            assert.match(version, /^\d+\.\d+\.\d+$/, `${name} is pinned exactly`);
            assert.equal(version, rootVersions[name], `policy/package.json ${name} equals the root's`);
        }
    });

    it("ignores resource types a policy is not about", () => {
        for (const p of RESOURCE_POLICIES) assert.deepEqual(p.validate("aws:sns/topic:Topic", { name: "t" }), []);
    });

    it("reads image references and secret-looking names the way the messages say", () => {
        assert.equal(unpinnedImageReason("public.ecr.aws/docker/library/ghost:6.3.1-alpine"), undefined);
        assert.equal(unpinnedImageReason("localhost:5000/ghost"), 'image "localhost:5000/ghost" has no tag (means :latest)');
        assert.equal(unpinnedImageReason("ghost:"), 'image "ghost:" has an empty tag');
        for (const name of ["DB_PASSWORD", "mail__options__auth__pass", "awsSecretAccessKey", "API_KEY", "token"])
            assert.ok(isSecretLookingName(name), name);
        for (const name of ["DB_PASSWORD_FILE", "KMS_KEY_ARN", "AWS_DEFAULT_REGION", "MONKEY", "secretName_ref", "url"]) {
            assert.ok(!isSecretLookingName(name), name);
        }
    });
});

/** What the mocks recorded, as the pack's stack policies would see it (ids and ARNs follow tools/mocks.ts). */
function stackResources(run: MockRun): StackResource[] {
    return run.mocks.resources.map((r) => {
        const region = run.mocks.regionOf(r.provider) ?? "mock-region-1";
        const service = r.type.startsWith("aws:") ? r.type.split(":")[1].split("/")[0] : undefined;
        return {
            type: r.type,
            name: r.name,
            urn: r.urn,
            inputs: unwrapSecrets(r.inputs) as Props,
            id: `${r.name}-id`,
            arn: service ? `arn:aws:${service}:${region}:${MOCK_ACCOUNT}:${r.name}` : undefined,
        };
    });
}

for (const [stack, config] of Object.entries({ dc: DC, dr: DR })) {
    describe(`policy pack over the ${stack} stack`, () => {
        let resources: StackResource[];
        before(async () => {
            resources = stackResources(await runStack(stack, config));
        });

        it("passes every mandatory policy (advisories are printed)", () => {
            const findings = runPack(resources);
            const line = (f: (typeof findings)[number]) => `  [${f.policy}] ${f.urn.split("::").pop()} (${f.urn}): ${f.message}`;
            const advisories = findings.filter((f) => f.enforcementLevel === "advisory");
            if (advisories.length > 0) console.log(`    ${stack} advisories:\n${advisories.map(line).join("\n")}`);
            const mandatory = findings.filter((f) => f.enforcementLevel === "mandatory");
            assert.equal(mandatory.length, 0, `${stack} violates its own policy pack:\n${mandatory.map(line).join("\n")}`);
        });

        it("actually checks the platform's clusters, nodes, roles, policies and releases", () => {
            const checked = (policy: string) => {
                const p = RESOURCE_POLICIES.find((x) => x.name === policy);
                return resources.filter((r) => p?.resourceTypes.includes(r.type)).length;
            };
            assert.ok(checked("eks-secrets-encryption-cmk") >= 1);
            assert.ok(checked("nodes-imdsv2-hop-limit-1") >= 2, "launch template and node group");
            assert.ok(checked("iam-irsa-trust-sub-and-aud") >= 3, "one IRSA role per controller");
            assert.ok(checked("iam-wildcard-resource-allowlist") >= 3);
            assert.ok(checked("helm-release-pinned-version") >= 2);
        });
    });
}

describe("policy pack served by @pulumi/policy (gRPC, as the Pulumi CLI runs it)", function () {
    this.timeout(60000);
    const packDir = path.join(__dirname, "..", "policy");
    let child: ChildProcess;
    let client: analyzerRpc.AnalyzerClient;

    before(async () => {
        const tsx = path.join(__dirname, "..", "node_modules", ".bin", "tsx");
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
            encryptionConfigKeyArn: "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
            endpointPrivateAccess: true,
        });
        const diagnostics = unknown.getDiagnosticsList().filter((d) => d.getPolicyname() === "eks-secrets-encryption-cmk");
        assert.equal(diagnostics.length, 1);
        assert.match(diagnostics[0].getMessage(), /can't run policy 'eks-secrets-encryption-cmk'.*during preview/);
        assert.equal(diagnostics[0].getEnforcementlevel(), analyzerProto.EnforcementLevel.ADVISORY);
    });

    it("runs the stack policies over the whole stack", async () => {
        const bucket = new analyzerProto.AnalyzerResource()
            .setType("aws:s3/bucket:Bucket")
            .setName("dc-backups")
            .setUrn("urn:pulumi:dc::ghost-dcdr::aws:s3/bucket:Bucket::dc-backups")
            .setOptions(new analyzerProto.AnalyzerResourceOptions())
            .setProperties(Struct.fromJavaScript({ bucket: "ghost-dcdr-dc-backups" }));
        const request = new analyzerProto.AnalyzeStackRequest().setResourcesList([bucket]);
        const response = await unary<analyzerProto.AnalyzeResponse>((done) => client.analyzeStack(request, done));
        const byPolicy = new Map(response.getDiagnosticsList().map((d) => [d.getPolicyname(), d]));
        assert.deepEqual([...byPolicy.keys()].sort(), STACK_POLICIES.map((p) => p.name).sort());
        assert.equal(byPolicy.get("s3-backup-bucket-replicated")?.getUrn(), bucket.getUrn());
    });
});
