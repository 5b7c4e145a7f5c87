import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { GHOST_HEALTH_PATH, waitForMariadbScript } from "../components/ghost";
import { MARIADB_OPERATOR, MARIADB_OPERATOR_CRDS, mariadbServerConfig } from "../components/mariadb";
import { STORAGE_CLASS_NAME } from "../components/storage";
import { INSTANCE_FAMILIES, instanceMemoryMi, parseConfig } from "../stacks/config";
import { CONFIG_KEYS } from "../stacks/schema";
import { DC, DR, configProblems, withConfig } from "./fixtures";
import { envOf, inputsOf, printedPlan } from "./helpers";
import { cachedRun, isSecretValue, MOCK_EBS_CSI_ADDON_VERSION, MockRun, runStack } from "../tools/mocks";

const deployment = (run: MockRun) => inputsOf(run.mocks.one("kubernetes:apps/v1:Deployment", "ghost-deployment"));
const podSpec = (run: MockRun) => deployment(run).spec.template.spec;

for (const [stack, config] of [
    ["dc", DC],
    ["dr", DR],
] as const) {
    describe(`application tier ${stack}`, () => {
        let run: MockRun;
        before(async () => {
            run = await runStack(
                stack,
                withConfig(config, {
                    "ghost-dcdr:smtpHost": "email-smtp.eu-west-1.amazonaws.com",
                    "ghost-dcdr:smtpUser": "AKIAEXAMPLESMTPUSER",
                    "ghost-dcdr:smtpPassword": "smtp-Secret-Value-42",
                    "ghost-dcdr:smtpFrom": "blog@example.com",
                }),
            );
        });

        it("installs the pinned mariadb-operator (CRDs first) and a MariaDB on the official image", () => {
            const releases = run.mocks.byType("kubernetes:helm.sh/v3:Release").map(inputsOf);
            for (const chart of [MARIADB_OPERATOR_CRDS, MARIADB_OPERATOR]) {
                const release = releases.find((r) => r.chart === chart.chart);
                assert.ok(release, chart.chart);
                assert.match(release.version, /^\d+\.\d+\.\d+$/);
                assert.equal(release.repositoryOpts.repo, chart.repo);
            }
            const server = inputsOf(run.mocks.one("kubernetes:k8s.mariadb.com/v1alpha1:MariaDB"));
            assert.equal(server.spec.image, "docker.io/library/mariadb:10.11.19", "official image, pinned tag");
            assert.deepEqual(server.spec.storage, { size: "20Gi", storageClassName: STORAGE_CLASS_NAME });
            assert.match(server.spec.myCnf, /^character-set-server=utf8mb4$/m);
            assert.match(server.spec.myCnf, /^log_bin=mariadb-bin$/m);
            assert.match(server.spec.myCnf, /^innodb_buffer_pool_size=1024M$/m, "half of the 2048 MiB limit");
            assert.deepEqual(server.spec.resources.limits, { memory: "2048Mi" });
            assert.equal(server.spec.passwordSecretKeyRef.name, "mariadb-credentials");
            const credentials = run.mocks.one("kubernetes:core/v1:Secret", "mariadb-credentials").inputs.stringData;
            const wrapped = isSecretValue(credentials) ? [credentials] : Object.values(credentials);
            assert.ok(wrapped.length > 0 && wrapped.every(isSecretValue), "the credentials Secret's data is a secret input");
        });

        it("keeps data on a retained, encrypted gp3 class backed by the EBS CSI driver with its own IRSA role", () => {
            const sc = inputsOf(run.mocks.one("kubernetes:storage.k8s.io/v1:StorageClass"));
            assert.equal(sc.reclaimPolicy, "Retain");
            assert.equal(sc.provisioner, "ebs.csi.aws.com");
            assert.equal(sc.parameters.type, "gp3");
            assert.equal(sc.parameters.encrypted, "true");
            assert.match(sc.parameters.kmsKeyId, /:key\/key-.*volumes-key$/);
            assert.equal(sc.volumeBindingMode, "WaitForFirstConsumer");
            const addon = inputsOf(run.mocks.one("aws:eks/addon:Addon"));
            assert.equal(addon.addonName, "aws-ebs-csi-driver");
            // Resolved per Kubernetes version at deploy time (test/addons.test.ts covers the invoke and the pin).
            assert.equal(addon.addonVersion, MOCK_EBS_CSI_ADDON_VERSION);
            assert.equal(addon.serviceAccountRoleArn, `arn:aws:iam::123456789012:role/${stack}-storage-irsa-role`);
            const trust = JSON.parse(inputsOf(run.mocks.one("aws:iam/role:Role", "storage-irsa-role")).assumeRolePolicy);
            const conditions = Object.entries(trust.Statement[0].Condition.StringEquals);
            assert.ok(
                conditions.some(
                    ([k, v]) => k.endsWith(":sub") && v === "system:serviceaccount:kube-system:ebs-csi-controller-sa",
                ),
            );
            assert.ok(conditions.some(([k, v]) => k.endsWith(":aud") && v === "sts.amazonaws.com"));
            const pvc = inputsOf(run.mocks.one("kubernetes:core/v1:PersistentVolumeClaim"));
            assert.equal(pvc.spec.storageClassName, STORAGE_CLASS_NAME);
            assert.equal(pvc.metadata.name, "ghost-content");
        });

        it("lets only labelled clients and the operator reach MariaDB's port", () => {
            const policy = inputsOf(run.mocks.one("kubernetes:networking.k8s.io/v1:NetworkPolicy"));
            assert.deepEqual(policy.spec.podSelector.matchLabels, {
                "app.kubernetes.io/name": "mariadb",
                "app.kubernetes.io/instance": "mariadb",
            });
            assert.deepEqual(policy.spec.policyTypes, ["Ingress"]);
            assert.equal(policy.spec.ingress.length, 1);
            assert.deepEqual(policy.spec.ingress[0].ports, [{ protocol: "TCP", port: 3306 }]);
            const [clients, operator] = policy.spec.ingress[0].from;
            const ghostLabels = deployment(run).spec.template.metadata.labels;
            for (const [k, v] of Object.entries(clients.podSelector.matchLabels))
                assert.equal(ghostLabels[k], v, "Ghost's pods are admitted");
            assert.equal(operator.namespaceSelector.matchLabels["kubernetes.io/metadata.name"], "mariadb-operator");
            assert.equal(Object.keys(operator).length, 1);
        });

        it("runs Ghost on the official image (one replica on the active site, none on the standby), Recreate, after MariaDB", () => {
            const d = deployment(run);
            assert.equal(d.spec.replicas, stack === "dc" ? 1 : 0);
            assert.deepEqual(d.spec.strategy, { type: "Recreate" });
            assert.equal(run.mocks.byType("kubernetes:autoscaling/v2:HorizontalPodAutoscaler").length, 0);
            const [wait, seed] = podSpec(run).initContainers;
            assert.equal(wait.name, "wait-for-mariadb");
            assert.equal(seed.name, "seed-content");
            // The script the drills run too (never overwrites; real copies of the themes, no links: components/ghost).
            assert.deepEqual(seed.command, ["bash", "/scripts/seed-content.sh"]);
            assert.deepEqual(
                seed.volumeMounts.find((m: any) => m.mountPath === "/scripts"),
                { name: "scripts", mountPath: "/scripts", readOnly: true },
            );
            const ghost = podSpec(run).containers[0];
            assert.equal(ghost.image, "docker.io/library/ghost:6.65.0");
            assert.equal(seed.image, ghost.image);
            assert.equal(podSpec(run).volumes[0].persistentVolumeClaim.claimName, "ghost-content");
        });

        it("starts Ghost only once its own user can log in and query its database, the password never in env or argv", () => {
            const wait = podSpec(run).initContainers[0];
            // The script drill/waitdb.ts runs against a real MariaDB, with the component's own attempts and interval.
            assert.deepEqual(wait.command, ["sh", "-c", waitForMariadbScript()]);
            const script = wait.command[2];
            assert.match(
                script,
                /mariadb --defaults-file="\$cnf" .*--user="\$DB_USER" --database="\$DB_NAME" .*--execute='SELECT 1'/s,
            );
            assert.doesNotMatch(script, /mariadb-admin ping/, "ping exits 0 on Access denied");
            assert.match(script, /-ge 60 \]; then\n.*ERROR: /, "bounded, with a final error");
            assert.match(script, /^umask 077$/m);
            const env = envOf(wait);
            assert.deepEqual(env, {
                DB_HOST: "mariadb.ghost.svc.cluster.local",
                DB_PORT: "3306",
                DB_USER: "ghost",
                DB_NAME: "ghost",
                DB_PASSWORD_FILE: "/secrets/db/password",
                CLIENT_CONFIG_DIR: "/run/wait-for-mariadb",
            });
            const mounts = Object.fromEntries(wait.volumeMounts.map((m: any) => [m.name, m]));
            assert.deepEqual(mounts["db-secret"], { name: "db-secret", mountPath: "/secrets/db", readOnly: true });
            assert.equal(mounts["client-config"].mountPath, "/run/wait-for-mariadb");
            const volumes = Object.fromEntries(podSpec(run).volumes.map((v: any) => [v.name, v]));
            assert.deepEqual(volumes["db-secret"].secret, {
                secretName: "mariadb-credentials",
                items: [{ key: "password", path: "password" }],
                defaultMode: 0o400,
            });
            assert.deepEqual(
                volumes["client-config"].emptyDir,
                { medium: "Memory", sizeLimit: "1Mi" },
                "tmpfs, not the node's disk",
            );
            const ghost = podSpec(run).containers[0];
            assert.ok(
                !(ghost.volumeMounts ?? []).some((m: any) => m.name === "db-secret" || m.name === "client-config"),
                "Ghost itself reads its password from its own env only",
            );
        });

        it("configures Ghost from env: https url, database password and SMTP password only by secretKeyRef", () => {
            const env = envOf(podSpec(run).containers[0]);
            assert.equal(env.url, "https://blog.example.com");
            assert.equal(env.database__connection__host, "mariadb.ghost.svc.cluster.local");
            assert.deepEqual(env.database__connection__password, {
                secretKeyRef: { name: "mariadb-credentials", key: "password" },
            });
            assert.deepEqual(env.mail__options__auth__pass, { secretKeyRef: { name: "ghost-smtp", key: "password" } });
            assert.equal(env.security__staffDeviceVerification, "false");
            assert.equal(env.mail__options__port, "587");
            assert.equal(env.mail__options__secure, "false");
            const smtp = run.mocks.one("kubernetes:core/v1:Secret", "ghost-smtp");
            assert.ok(
                isSecretValue(smtp.inputs.stringData) || isSecretValue(smtp.inputs.stringData?.password),
                "SMTP password is a secret input",
            );
            for (const e of podSpec(run).containers[0].env) {
                if (/pass|secret|token/i.test(e.name)) assert.ok(e.valueFrom?.secretKeyRef, `${e.name} comes from a Secret`);
            }
        });

        it("probes Ghost's admin API, sizes it from config and drops privileges", () => {
            const ghost = podSpec(run).containers[0];
            for (const probe of [ghost.startupProbe, ghost.readinessProbe, ghost.livenessProbe]) {
                assert.equal(probe.httpGet.path, GHOST_HEALTH_PATH);
                assert.deepEqual(
                    probe.httpGet.httpHeaders.find((h: any) => h.name === "X-Forwarded-Proto"),
                    { name: "X-Forwarded-Proto", value: "https" },
                );
            }
            assert.ok(
                ghost.startupProbe.periodSeconds * ghost.startupProbe.failureThreshold >= 600,
                "10 minutes for first-boot migrations",
            );
            assert.deepEqual(ghost.resources, { requests: { cpu: "500m", memory: "1024Mi" }, limits: { memory: "1024Mi" } });
            assert.equal(ghost.securityContext.allowPrivilegeEscalation, false);
            assert.deepEqual(ghost.securityContext.capabilities, { drop: ["ALL"] });
            assert.equal(ghost.securityContext.runAsNonRoot, true);
            assert.equal(podSpec(run).securityContext.runAsUser, 1000);
            assert.equal(podSpec(run).securityContext.seccompProfile.type, "RuntimeDefault");
        });

        it("serves HTTPS through an internet-facing ALB with the site certificate and publishes the site's name", () => {
            const ingress = inputsOf(run.mocks.one("kubernetes:networking.k8s.io/v1:Ingress"));
            const a = ingress.metadata.annotations;
            assert.equal(ingress.spec.ingressClassName, "alb");
            assert.equal(a["alb.ingress.kubernetes.io/scheme"], "internet-facing");
            assert.equal(a["alb.ingress.kubernetes.io/certificate-arn"], run.outputs.certificateArn);
            assert.equal(a["alb.ingress.kubernetes.io/ssl-redirect"], "443");
            assert.deepEqual(JSON.parse(a["alb.ingress.kubernetes.io/listen-ports"]), [{ HTTP: 80 }, { HTTPS: 443 }]);
            assert.equal(a["alb.ingress.kubernetes.io/healthcheck-path"], GHOST_HEALTH_PATH);
            assert.match(a["alb.ingress.kubernetes.io/load-balancer-attributes"], /idle_timeout\.timeout_seconds=300/);
            // ExternalDNS writes an alias for an ALB and sets no TTL on aliases: a ttl annotation would only mislead.
            assert.ok(!("external-dns.alpha.kubernetes.io/ttl" in a), "no ttl annotation");
            assert.equal(a["external-dns.alpha.kubernetes.io/ingress-hostname-source"], "annotation-only");
            // ExternalDNS publishes only the site's own name; the public domain is a Route 53 record (components/dns).
            assert.equal(a["external-dns.alpha.kubernetes.io/hostname"], `${stack}.blog.example.com`);
            assert.deepEqual(
                ingress.spec.rules.map((r: any) => r.host),
                ["blog.example.com", `${stack}.blog.example.com`],
                "both names route on both sites, so a DNS switch needs no ALB change",
            );
            const backends = ingress.spec.rules.map((r: any) => r.http.paths[0].backend.service);
            if (stack === "dc") {
                assert.ok(
                    backends.every((b: any) => b.name === "ghost" && b.port.name === "http"),
                    "the active site serves Ghost",
                );
                assert.equal(a["alb.ingress.kubernetes.io/actions.maintenance"], undefined);
            } else {
                assert.ok(
                    backends.every((b: any) => b.name === "maintenance" && b.port.name === "use-annotation"),
                    "the standby answers with a maintenance page",
                );
                const action = JSON.parse(a["alb.ingress.kubernetes.io/actions.maintenance"]);
                assert.equal(action.type, "fixed-response");
                assert.equal(action.fixedResponseConfig.statusCode, "503");
            }
            assert.ok(!JSON.stringify(a).includes("service.beta.kubernetes.io"), "no Service-only annotations");
        });

        it("exports the URLs and the database passwords only as secrets", () => {
            assert.equal(run.outputs.ghostUrl, "https://blog.example.com");
            assert.equal(run.outputs.ghostAdminUrl, "https://blog.example.com/ghost/");
            assert.equal(run.outputs.ghostSiteUrl, `https://${stack}.blog.example.com`);
            assert.ok(run.secretOutputs.includes("databasePassword") && run.secretOutputs.includes("databaseRootPassword"));
        });

        it("writes no generated password or SMTP secret anywhere in the plan output", async () => {
            const secrets = run.mocks
                .byType("random:index/randomPassword:RandomPassword")
                .map((r) => run.mocks.outputsOf(r).result as string);
            assert.equal(secrets.length, 3, "root, ghost and the restore user (issue 10)");
            secrets.push("smtp-Secret-Value-42");
            const outDir = fs.mkdtempSync(path.join(os.tmpdir(), `plan-${stack}-`));
            const configFile = path.join(outDir, "stack.yaml");
            const raw = withConfig(config, {
                "ghost-dcdr:smtpHost": "mail.example.com",
                "ghost-dcdr:smtpUser": "u",
                "ghost-dcdr:smtpPassword": "smtp-Secret-Value-42",
            });
            fs.writeFileSync(configFile, JSON.stringify({ config: raw }));
            const printed = await printedPlan({ stack, configFile, outDir });
            const files = [
                path.join(outDir, "resources.json"),
                ...fs.readdirSync(path.join(outDir, "manifests")).map((f) => path.join(outDir, "manifests", f)),
            ];
            const texts = [printed, ...files.map((f) => fs.readFileSync(f, "utf8"))];
            for (const secret of secrets) {
                for (const text of texts) assert.ok(!text.includes(secret), `secret ${secret.slice(0, 8)}... leaked`);
            }
            // The scan can see: the plan does print the masked marker where the secrets were.
            assert.ok(texts.some((t) => t.includes("[secret]")));
        });
    });
}

describe("cluster nodes", () => {
    const nodeGroup = (run: MockRun) => inputsOf(run.mocks.one("eks:index:ManagedNodeGroup"));

    it("pulls images with the ECR pull-only policy: the node role holds exactly these managed policies", async () => {
        const run = await cachedRun("dc", DC);
        const role = run.mocks.one("aws:iam/role:Role", "cluster-node-role");
        const roleName = run.mocks.outputsOf(role).name;
        const attached = run.mocks
            .byType("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
            .map(inputsOf)
            .filter((a) => a.role === roleName)
            .map((a) => a.policyArn)
            .sort();
        assert.deepEqual(attached, [
            "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly",
            "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
            "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
            "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
        ]);
    });

    it("boots Graviton instance types on the arm64 AMI and the others on x86_64", async () => {
        const arm = parseConfig(withConfig(DC, { "ghost-dcdr:nodeInstanceType": "m7g.large" }), "dc");
        const x86 = parseConfig(withConfig(DC, { "ghost-dcdr:nodeInstanceType": "m6i.large" }), "dc");
        assert.equal(arm.cluster.nodeAmiType, "AL2023_ARM_64_STANDARD");
        assert.equal(x86.cluster.nodeAmiType, "AL2023_x86_64_STANDARD");
        for (const t of ["t4g.medium", "c7g.large", "r8g.large", "m6gd.large", "c6gn.large"]) {
            const c = parseConfig(withConfig(DC, { "ghost-dcdr:nodeInstanceType": t }), "dc");
            assert.equal(c.cluster.nodeAmiType, "AL2023_ARM_64_STANDARD", t);
        }
        for (const t of ["t3.medium", "t3a.large", "m7a.large", "m7i-flex.large", "c6in.large", "r5b.large"]) {
            const c = parseConfig(withConfig(DC, { "ghost-dcdr:nodeInstanceType": t }), "dc");
            assert.equal(c.cluster.nodeAmiType, "AL2023_x86_64_STANDARD", t);
        }
        // And the node group gets it: EKS would otherwise start x86_64 nodes on a Graviton instance type.
        assert.equal(nodeGroup(await cachedRun("dc", DC)).amiType, "AL2023_x86_64_STANDARD");
        const graviton = await cachedRun("dc", withConfig(DC, { "ghost-dcdr:nodeInstanceType": "m7g.large" }));
        assert.equal(nodeGroup(graviton).amiType, "AL2023_ARM_64_STANDARD");
        assert.deepEqual(nodeGroup(graviton).instanceTypes, ["m7g.large"]);
        const lt = inputsOf(graviton.mocks.one("aws:ec2/launchTemplate:LaunchTemplate"));
        assert.equal(lt.imageId, undefined, "no image id in the launch template, so EKS may choose by amiType");
    });
});

describe("application config", () => {
    it("refuses staff device verification without mail, naming both ways out", () => {
        assert.deepEqual(configProblems({ "ghost-dcdr:staffDeviceVerification": "true" }), [
            'ghost-dcdr:staffDeviceVerification: "true" needs mail: Ghost emails a login code and staff could not log in without it. ' +
                "Fix: set ghost-dcdr:smtpHost, or pulumi config set ghost-dcdr:staffDeviceVerification false -s dc",
        ]);
        assert.deepEqual(
            configProblems({ "ghost-dcdr:staffDeviceVerification": "true", "ghost-dcdr:smtpHost": "smtp.example.com" }),
            [],
        );
    });

    it("needs the SMTP user and password together", () => {
        assert.deepEqual(configProblems({ "ghost-dcdr:smtpHost": "smtp.example.com", "ghost-dcdr:smtpUser": "u" }), [
            "ghost-dcdr:smtpPassword: is missing: SMTP authentication needs both smtpUser and smtpPassword. Fix: pulumi config set --secret ghost-dcdr:smtpPassword -s dc",
        ]);
    });

    it("rejects unpinned or unsupported versions", () => {
        assert.deepEqual(configProblems({ "ghost-dcdr:ghostVersion": "latest" }), [
            'ghost-dcdr:ghostVersion: "latest" is not a pinned Ghost 6 release (6.x.y; no latest, no ranges). Fix: pulumi config set ghost-dcdr:ghostVersion 6.65.0 -s dc',
        ]);
        assert.deepEqual(configProblems({ "ghost-dcdr:mariadbVersion": "10.6.20" }), [
            'ghost-dcdr:mariadbVersion: "10.6.20" is not a pinned MariaDB release of a supported series (10.11, 11.4, 11.8; x.y.z). Fix: pulumi config set ghost-dcdr:mariadbVersion 10.11.19 -s dc',
        ]);
    });

    it("knows the memory of every size of the burstable, general-purpose, compute and memory families", () => {
        const gib = (t: string) => (instanceMemoryMi(t) ?? NaN) / 1024;
        // Burstable: its own table per size.
        for (const family of ["t3", "t3a", "t4g"]) {
            assert.deepEqual(
                ["nano", "micro", "small", "medium", "large", "xlarge", "2xlarge"].map((size) => gib(`${family}.${size}`)),
                [0.5, 1, 2, 4, 8, 16, 32],
                family,
            );
        }
        // c: 2 GiB, m: 4 GiB, r: 8 GiB per vCPU; large is 2 vCPU.
        assert.equal(gib("c5.large"), 4);
        assert.equal(gib("c5.9xlarge"), 72);
        assert.equal(gib("c7g.medium"), 2);
        assert.equal(gib("c6in.2xlarge"), 16);
        assert.equal(gib("m6i.large"), 8);
        assert.equal(gib("m5dn.4xlarge"), 64);
        assert.equal(gib("m7i-flex.xlarge"), 16);
        assert.equal(gib("m7a.medium"), 4);
        assert.equal(gib("m8g.48xlarge"), 768);
        assert.equal(gib("r7g.2xlarge"), 64);
        assert.equal(gib("r6gd.medium"), 8);
        assert.equal(gib("r8g.large"), 16);
        // Unknown: families we do not list, sizes a family lacks, things that only look like sizes.
        for (const t of [
            "x2gd.large",
            "c5n.large",
            "m6i.medium",
            "m6i.nano",
            "t3.4xlarge",
            "m6i.metal",
            "m6i.constructor",
            "m6i",
        ]) {
            assert.equal(instanceMemoryMi(t), undefined, t);
        }
        // Every family the schema names is one the memory check knows, and the other way round.
        const named = /Known families \([^)]*\): ([^;]*?) and their/.exec(CONFIG_KEYS.nodeInstanceType.description)?.[1];
        assert.deepEqual(named?.split(", "), Object.keys(INSTANCE_FAMILIES));
        for (const family of Object.values(INSTANCE_FAMILIES).flat()) assert.ok(instanceMemoryMi(`${family}.large`), family);
    });

    it("refuses pods that cannot fit the node size", () => {
        assert.deepEqual(configProblems({ "ghost-dcdr:mariadbMemoryMi": "7000" }), [
            'ghost-dcdr:ghostMemoryMi/mariadbMemoryMi: "1024/7000" does not fit a m6i.large node (8192 MiB; at most 6144 MiB per pod). Fix: lower the memory or choose a larger nodeInstanceType',
        ]);
        // 2 GiB: MariaDB alone asks for all of it.
        assert.deepEqual(configProblems({ "ghost-dcdr:nodeInstanceType": "t3.small" }), [
            'ghost-dcdr:ghostMemoryMi/mariadbMemoryMi: "1024/2048" does not fit a t3.small node (2048 MiB; at most 1536 MiB per pod). Fix: lower the memory or choose a larger nodeInstanceType',
        ]);
        assert.deepEqual(configProblems({ "ghost-dcdr:nodeInstanceType": "t3.medium" }), [], "4 GiB: 3072 MiB per pod");
        assert.deepEqual(
            configProblems({ "ghost-dcdr:nodeInstanceType": "t4g.small", "ghost-dcdr:mariadbMemoryMi": "1024" }),
            [],
        );
        assert.deepEqual(configProblems({ "ghost-dcdr:ghostCpu": "lots" }), [
            'ghost-dcdr:ghostCpu: "lots" is not a CPU quantity (e.g. 500m or 1). Fix: pulumi config set ghost-dcdr:ghostCpu 500m -s dc',
        ]);
    });

    it("sizes the InnoDB buffer pool and redo log from the memory limit", () => {
        const c = parseConfig(withConfig(DC, { "ghost-dcdr:mariadbMemoryMi": "4096" }), "dc");
        assert.equal(c.app.mariadb.innodbBufferPoolMi, 2048);
        assert.match(mariadbServerConfig(2048), /^innodb_log_file_size=512M$/m);
        assert.match(mariadbServerConfig(256), /^innodb_log_file_size=128M$/m, "never below 128M");
    });

    it("protects the database and content volume by default, and lets a user turn it off", () => {
        assert.equal(parseConfig(DC, "dc").app.protectData, true);
        assert.equal(parseConfig(withConfig(DC, { "ghost-dcdr:protectData": "false" }), "dc").app.protectData, false);
    });
});
