import { strict as assert } from "node:assert";
import { isSecretLookingName, KUBERNETES_POLICIES, unpinnedImageReason } from "../../policy/kubernetes";
import { Props } from "../../policy/shared";
import { json, KEY_ARN, resourcePolicyTests, ResourceCases } from "./helpers";

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

const CASES: ResourceCases = {
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

describe("Kubernetes policies: each on a compliant and a violating resource", () => {
    resourcePolicyTests(KUBERNETES_POLICIES, CASES);

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
