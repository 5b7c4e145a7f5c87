import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { backupRoleName, OBJECT_WRITE_ACTIONS, SIGNING_KEY_ALIASES } from "../components/backup/buckets";
import { AWS_CLI_IMAGE, readScripts, SCRIPTS_DIR } from "../components/backup/datapath";
import { MEDIA_KEY_ALIAS } from "../components/media";
import { isCronSchedule } from "../stacks/config";
import { deriveRole } from "../stacks/roles";
import { DC, DR, configProblems, withConfig } from "./fixtures";
import { childrenOf, envOf, inputsOf } from "./helpers";
import { MockRun, cachedRun } from "../tools/mocks";

const BUCKETS = {
    "eu-west-1": "ghost-dcdr-blog-example-com-backups-eu-west-1",
    "eu-west-2": "ghost-dcdr-blog-example-com-backups-eu-west-2",
};

/** The variables a script's header marks `required` (not "required when ..."). */
function requiredVars(script: string): string[] {
    const text = fs.readFileSync(path.join(SCRIPTS_DIR, script), "utf8");
    return [...text.matchAll(/^#\s+([A-Z_]+)\s+required\s{2}/gm)].map((m) => m[1]);
}

/** Every container of a pod template in run order, with the script it runs. */
function steps(template: any): { container: any; script: string }[] {
    return [...(template.spec.initContainers ?? []), ...template.spec.containers].map((c: any) => ({
        container: c,
        script: path.basename(c.command[c.command.length - 1]),
    }));
}

/** Resources of `type` inside the backup buckets' component (the media store has buckets of its own: test/media.test.ts). */
const ofBackupBuckets = (run: MockRun, type: string) => childrenOf(run, "ghost-dcdr:backup:BackupBuckets", type);

describe("backup buckets (owned by the dc stack)", () => {
    let dc: MockRun;
    let dr: MockRun;
    before(async () => {
        dc = await cachedRun("dc", DC);
        dr = await cachedRun("dr", DR);
    });

    it("creates one bucket per region in dc and none in dr", () => {
        assert.deepEqual(
            ofBackupBuckets(dc, "aws:s3/bucket:Bucket")
                .map((b) => inputsOf(b).bucket)
                .sort(),
            Object.values(BUCKETS),
        );
        assert.equal(dr.mocks.byType("aws:s3/bucket:Bucket").length, 0);
        assert.deepEqual(
            dr.mocks.invokes.filter((i) => i.token.startsWith("aws:kms/")).map((i) => [i.token, i.inputs.name]),
            [
                ["aws:kms/getAlias:getAlias", "alias/ghost-dcdr-backups"],
                ["aws:kms/getAlias:getAlias", SIGNING_KEY_ALIASES.dr],
                ["aws:kms/getAlias:getAlias", SIGNING_KEY_ALIASES.dc],
                ["aws:kms/getAlias:getAlias", MEDIA_KEY_ALIAS],
            ],
            "dr finds the backup key, the two signing keys and the media key by their aliases, and looks up no other key",
        );
    });

    it("versions, encrypts with the regional multi-region key, blocks public access and refuses plain HTTP on both", () => {
        const buckets = ofBackupBuckets(dc, "aws:s3/bucket:Bucket");
        const keys = [
            dc.mocks.one("aws:kms/key:Key", "backup-buckets-key"),
            dc.mocks.one("aws:kms/replicaKey:ReplicaKey", "backup-buckets-key-replica"),
        ];
        assert.equal(inputsOf(keys[0]).multiRegion, true);
        for (const [i, bucket] of buckets.entries()) {
            const sibling = (type: string) => dc.mocks.byType(type).find((r) => inputsOf(r).bucket === `${bucket.name}-id`);
            assert.equal(
                inputsOf(sibling("aws:s3/bucketVersioning:BucketVersioning")!).versioningConfiguration.status,
                "Enabled",
            );
            const sse = inputsOf(
                sibling("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")!,
            ).rules[0];
            assert.equal(sse.applyServerSideEncryptionByDefault.sseAlgorithm, "aws:kms");
            assert.equal(
                sse.applyServerSideEncryptionByDefault.kmsMasterKeyId,
                dc.mocks.outputsOf(keys[i]).arn,
                "the key of the bucket's own region",
            );
            const pab = inputsOf(sibling("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")!);
            assert.deepEqual(
                [pab.blockPublicAcls, pab.blockPublicPolicy, pab.ignorePublicAcls, pab.restrictPublicBuckets],
                [true, true, true, true],
            );
            const policy = JSON.parse(inputsOf(sibling("aws:s3/bucketPolicy:BucketPolicy")!).policy);
            assert.deepEqual(policy.Statement[0].Condition, { Bool: { "aws:SecureTransport": "false" } });
            assert.equal(policy.Statement[0].Effect, "Deny");
            const lifecycle = inputsOf(sibling("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")!).rules[0];
            assert.deepEqual(lifecycle.transitions, [
                { days: 30, storageClass: "STANDARD_IA" },
                { days: 90, storageClass: "GLACIER" },
            ]);
            assert.deepEqual(lifecycle.expiration, { days: 365 });
        }
    });

    it("replicates each bucket into the other, KMS-encrypted, without propagating deletions", () => {
        const configs = ofBackupBuckets(dc, "aws:s3/bucketReplicationConfig:BucketReplicationConfig").map(inputsOf);
        assert.equal(configs.length, 2);
        const pairs = configs.map((c) => [c.bucket, c.rules[0].destination.bucket]);
        assert.deepEqual(pairs.sort(), [
            ["dc-backup-buckets-primary-id", `arn:aws:s3:::${BUCKETS["eu-west-2"]}`],
            ["dc-backup-buckets-replica-id", `arn:aws:s3:::${BUCKETS["eu-west-1"]}`],
        ]);
        for (const c of configs) {
            assert.deepEqual(c.rules[0].deleteMarkerReplication, { status: "Disabled" });
            assert.deepEqual(c.rules[0].sourceSelectionCriteria, { sseKmsEncryptedObjects: { status: "Enabled" } });
            assert.ok(c.rules[0].destination.encryptionConfiguration.replicaKmsKeyId);
        }
    });

    it("turns on Object Lock only when configured, at bucket creation", async () => {
        assert.equal(dc.mocks.byType("aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration").length, 0);
        const locked = await cachedRun(
            "dc",
            withConfig(DC, { "ghost-dcdr:backupObjectLockMode": "COMPLIANCE", "ghost-dcdr:backupObjectLockDays": "14" }),
        );
        const lockable = ofBackupBuckets(locked, "aws:s3/bucket:Bucket");
        assert.equal(lockable.length, 2);
        assert.ok(lockable.every((b) => inputsOf(b).objectLockEnabled === true));
        const locks = locked.mocks.byType("aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration").map(inputsOf);
        assert.deepEqual(
            locks.map((l) => l.rule.defaultRetention),
            [
                { mode: "COMPLIANCE", days: 14 },
                { mode: "COMPLIANCE", days: 14 },
            ],
        );
    });
});

describe("backup and restore jobs", () => {
    let dc: MockRun;
    let dr: MockRun;
    before(async () => {
        dc = await cachedRun("dc", DC);
        dr = await cachedRun("dr", DR);
    });

    it("mounts the repository's scripts byte for byte: one set of scripts for the cluster and the drill", () => {
        for (const run of [dc, dr]) {
            const data = inputsOf(run.mocks.one("kubernetes:core/v1:ConfigMap", "datapath-scripts")).data;
            assert.deepEqual(data, readScripts());
            assert.ok(Object.keys(data).includes("backup-dump.sh") && Object.keys(data).includes("restore-apply.sh"));
        }
    });

    it("backs up only on the active site (the standby's CronJob is suspended), never two at once, with deadlines", () => {
        assert.equal(inputsOf(dr.mocks.one("kubernetes:batch/v1:CronJob", "datapath-backup")).spec.suspend, true);
        const cron = inputsOf(dc.mocks.one("kubernetes:batch/v1:CronJob", "datapath-backup")).spec;
        assert.equal(cron.suspend, false);
        assert.equal(cron.schedule, "0 * * * *");
        assert.equal(cron.timeZone, "Etc/UTC");
        assert.equal(cron.concurrencyPolicy, "Forbid");
        assert.ok(cron.startingDeadlineSeconds > 0 && cron.jobTemplate.spec.activeDeadlineSeconds > 0);
        assert.ok(cron.jobTemplate.spec.backoffLimit >= 1);
        assert.ok(cron.successfulJobsHistoryLimit > 0 && cron.failedJobsHistoryLimit > 0);
    });

    it("runs dump (mariadb image) then upload (aws-cli image), each given every variable its script requires", () => {
        const template = inputsOf(dc.mocks.one("kubernetes:batch/v1:CronJob", "datapath-backup")).spec.jobTemplate.spec.template;
        const chain = steps(template);
        assert.deepEqual(
            chain.map((s) => [s.script, s.container.image]),
            [
                ["backup-dump.sh", "docker.io/library/mariadb:10.11.19"],
                ["backup-fence.sh", AWS_CLI_IMAGE],
                ["backup-upload.sh", AWS_CLI_IMAGE],
            ],
        );
        assert.deepEqual(envOf(chain[1].container).FENCE_SITE_NAME, "dc.blog.example.com");
        for (const { container, script } of chain) {
            const env = envOf(container);
            for (const v of requiredVars(script)) assert.ok(v in env, `${script} requires ${v}`);
        }
        const upload = envOf(chain[2].container);
        assert.equal(upload.BACKUP_BUCKET, BUCKETS["eu-west-1"], "the active site writes to its own region's bucket");
        assert.equal(upload.BACKUP_PREFIX, "ghost/dc/");
        assert.equal(upload.AWS_REGION, "eu-west-1");
        assert.equal(envOf(chain[0].container).MARIADB_PASSWORD_FILE, "/secrets/db/password");
        assert.equal(envOf(chain[0].container).GHOST_VERSION, "6.65.0");
        assert.equal(template.spec.serviceAccountName, "ghost-backup");
        assert.equal(template.metadata.labels["ghost-dcdr/mariadb-client"], "true", "admitted by the MariaDB NetworkPolicy");
        const content = template.spec.volumes.find((v: any) => v.name === "content");
        assert.deepEqual(content.persistentVolumeClaim, { claimName: "ghost-content", readOnly: true });
        assert.equal(
            template.spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey,
            "kubernetes.io/hostname",
        );
    });

    it("uses no static AWS keys and no password in any env value", () => {
        for (const run of [dc, dr]) {
            for (const r of [
                ...run.mocks.byType("kubernetes:batch/v1:CronJob"),
                ...run.mocks.byType("kubernetes:batch/v1:Job"),
            ]) {
                const text = JSON.stringify(inputsOf(r));
                assert.doesNotMatch(text, /AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY/);
                assert.doesNotMatch(text, /MOCKPW/);
            }
        }
    });

    it("gives each site's IRSA roles only its own prefix to write and the other's to read", () => {
        const policy = (run: MockRun, role: string) =>
            JSON.parse(inputsOf(run.mocks.one("aws:iam/rolePolicy:RolePolicy", `datapath-${role}-irsa-policy`)).policy);
        const write = policy(dc, "backup").Statement.find((s: any) => s.Action.includes("s3:PutObject"));
        assert.equal(write.Resource, `arn:aws:s3:::${BUCKETS["eu-west-1"]}/ghost/dc/*`);
        const read = policy(dr, "restore").Statement;
        assert.ok(
            read.every((s: any) => !s.Action.includes("s3:PutObject") && !s.Action.includes("s3:DeleteObject")),
            "restore cannot write",
        );
        assert.equal(
            read.find((s: any) => s.Action.includes("s3:GetObject")).Resource,
            `arn:aws:s3:::${BUCKETS["eu-west-2"]}/ghost/dc/*`,
        );
        assert.equal(
            read.find((s: any) => s.Action.includes("kms:Decrypt")).Resource,
            "arn:aws:kms:eu-west-2:123456789012:key/mrk-mock",
        );
        const trust = JSON.parse(inputsOf(dr.mocks.one("aws:iam/role:Role", "datapath-restore-irsa-role")).assumeRolePolicy);
        assert.ok(
            Object.entries(trust.Statement[0].Condition.StringEquals).some(
                ([k, v]) => k.endsWith(":sub") && v === "system:serviceaccount:ghost:ghost-restore",
            ),
        );
    });

    it("warm standby: restores the other site's backups from its local replica on the restore schedule", () => {
        const cron = inputsOf(dr.mocks.one("kubernetes:batch/v1:CronJob", "datapath-restore")).spec;
        assert.equal(cron.schedule, "30 * * * *");
        assert.equal(cron.concurrencyPolicy, "Forbid");
        const chain = steps(cron.jobTemplate.spec.template);
        assert.deepEqual(
            chain.map((s) => [s.script, s.container.image]),
            [
                ["restore-fetch.sh", AWS_CLI_IMAGE],
                ["restore-apply.sh", "docker.io/library/mariadb:10.11.19"],
            ],
        );
        for (const { container, script } of chain) {
            for (const v of requiredVars(script)) assert.ok(v in envOf(container), `${script} requires ${v}`);
        }
        const fetch = envOf(chain[0].container);
        assert.equal(fetch.BACKUP_BUCKET, BUCKETS["eu-west-2"]);
        assert.equal(fetch.BACKUP_PREFIX, "ghost/dc/");
        assert.equal(fetch.RESTORE_BACKUP_ID, undefined, "newest complete set by default");
        assert.equal(cron.suspend, false);
        assert.equal(
            inputsOf(dc.mocks.one("kubernetes:batch/v1:CronJob", "datapath-restore")).spec.suspend,
            true,
            "the active site never restores",
        );
    });

    it("cold standby: one restore Job at bring-up, of the set named by restoreBackupId when given", async () => {
        const cold = await cachedRun(
            "dr",
            withConfig(DR, { "ghost-dcdr:drMode": "cold", "ghost-dcdr:restoreBackupId": "20261121T220000Z" }),
        );
        assert.deepEqual(
            cold.mocks.byType("kubernetes:batch/v1:CronJob").map((c) => c.name),
            ["dr-datapath-backup"],
            "no restore schedule when cold",
        );
        const job = inputsOf(cold.mocks.one("kubernetes:batch/v1:Job")).spec;
        assert.equal(envOf(job.template.spec.initContainers[0]).RESTORE_BACKUP_ID, "20261121T220000Z");
        assert.ok(job.activeDeadlineSeconds > 0 && job.backoffLimit >= 1);
    });
});

describe("site roles", () => {
    it("derives every behaviour of a standby from the DR mode", () => {
        const standby = (drMode: "warm" | "cold", restoreRequested = false) =>
            deriveRole({
                site: "dr",
                failover: false,
                drMode,
                dnsFailover: "manual",
                catchUpRestore: true,
                maintenance: false,
                restoreRequested,
            });
        assert.equal(standby("warm").restore, "scheduled");
        assert.equal(standby("cold").restore, "on-bring-up");
        assert.equal(standby("warm").runsBackups, false);
        assert.equal(standby("warm").ghostReplicas, 0);
        assert.equal(standby("warm").restoreOnce, false);
        assert.equal(standby("warm", true).restoreOnce, true, "a named set is restored now, even when warm");
        assert.equal(standby("cold").restoreOnce, true);
    });
});

describe("backup config", () => {
    it("knows cron schedules", () => {
        for (const ok of ["0 * * * *", "*/15 * * * *", "5 1-5 * * 1,3,5"]) assert.ok(isCronSchedule(ok), ok);
        for (const bad of ["hourly", "0 * * *", "0 * * * * *", "@hourly", "a * * * *"]) assert.ok(!isCronSchedule(bad), bad);
    });

    const rules: [Record<string, string>, string][] = [
        [
            { "ghost-dcdr:backupSchedule": "hourly" },
            'ghost-dcdr:backupSchedule: "hourly" is not a five-field cron schedule. Fix: pulumi config set ghost-dcdr:backupSchedule "0 * * * *" -s dc',
        ],
        [
            { "ghost-dcdr:scheduleTimeZone": "Mars/Olympus" },
            'ghost-dcdr:scheduleTimeZone: "Mars/Olympus" is not an IANA time zone. Fix: pulumi config set ghost-dcdr:scheduleTimeZone Europe/London -s dc',
        ],
        [
            { "ghost-dcdr:drMode": "hot" },
            'ghost-dcdr:drMode: "hot" is not a DR mode; it must be warm or cold. Fix: pulumi config set ghost-dcdr:drMode warm -s dc',
        ],
        [
            { "ghost-dcdr:restoreBackupId": "latest" },
            'ghost-dcdr:restoreBackupId: "latest" is not a backup id (YYYYMMDDTHHMMSSZ, as listed under the bucket prefix). Fix: pulumi config rm ghost-dcdr:restoreBackupId -s dc (newest), or set an id such as 20261121T220000Z',
        ],
        [
            { "ghost-dcdr:backupTransitionGlacierDays": "400" },
            'ghost-dcdr:backupTransitionIaDays/backupTransitionGlacierDays/backupExpireDays: "30/400/365" must increase (Standard-IA, then Glacier, then expiry). Fix: set e.g. 30, 90 and 365',
        ],
        [
            { "ghost-dcdr:backupTransitionIaDays": "7" },
            'ghost-dcdr:backupTransitionIaDays: "7" must be 30 or more. Fix: pulumi config set ghost-dcdr:backupTransitionIaDays 30 -s dc',
        ],
        [
            { "ghost-dcdr:backupObjectLockMode": "strict" },
            'ghost-dcdr:backupObjectLockMode: "strict" is not an Object Lock mode; it must be empty, GOVERNANCE or COMPLIANCE. Fix: pulumi config set ghost-dcdr:backupObjectLockMode GOVERNANCE -s dc',
        ],
        [
            { "ghost-dcdr:backupObjectLockMode": "GOVERNANCE", "ghost-dcdr:backupObjectLockDays": "400" },
            'ghost-dcdr:backupObjectLockDays: "400" is longer than backupExpireDays (365): locked backups could never expire. Fix: pulumi config set ghost-dcdr:backupObjectLockDays 30 -s dc',
        ],
        [
            { "ghost-dcdr:backupBucketPrefix": "My_Bucket" },
            'ghost-dcdr:backupBucketPrefix: "My_Bucket" gives the bucket name My_Bucket-backups-eu-west-1, which S3 refuses (3-63 lower-case letters, digits, hyphens). Fix: pulumi config set ghost-dcdr:backupBucketPrefix acme-blog -s dc',
        ],
        [
            { "ghost-dcdr:ghostExport": "true" },
            'ghost-dcdr:ghostExport: "true" needs the staff user it logs in as (ghostExportUser and ghostExportPassword). Fix: pulumi config set ghost-dcdr:ghostExportUser admin@example.com -s dc && pulumi config set --secret ghost-dcdr:ghostExportPassword -s dc',
        ],
    ];
    for (const [changes, message] of rules) {
        it(`rejects ${JSON.stringify(changes)}`, () => {
            const found = configProblems(changes);
            assert.ok(found.includes(message), found.join("\n"));
        });
    }
});

/** Whether a bucket policy's Deny statements stop `principalArn` doing `action` on `key` (a small IAM evaluator). */
function deniedBy(policy: any, bucketArn: string, principalArn: string, action: string, key: string): boolean {
    const like = (pattern: string, value: string) =>
        new RegExp(
            `^${pattern
                .split("*")
                .map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
                .join(".*")}$`,
        ).test(value);
    const list = (v: unknown): string[] => (Array.isArray(v) ? v : [v]).map(String);
    return policy.Statement.some((st: any) => {
        if (st.Effect !== "Deny" || st.Principal !== "*") return false;
        if (!list(st.Action).some((a) => a === action || a === "s3:*")) return false;
        if (!list(st.Resource).some((r) => like(r, `${bucketArn}/${key}`))) return false;
        const condition = st.Condition ?? {};
        return Object.entries(condition).every(([operator, tests]: [string, any]) =>
            Object.entries(tests).every(([k, values]) => {
                if (operator === "Bool" && k === "aws:SecureTransport") return false; // the drill's callers use TLS
                if (operator === "ArnNotEquals" && k === "aws:PrincipalArn") return !list(values).includes(principalArn);
                throw new Error(`the evaluator does not know ${operator} ${k}`);
            }),
        );
    });
}

describe("signed manifests and write-protected prefixes (issue #10)", () => {
    let dc: MockRun;
    let dr: MockRun;
    const bucketNames = Object.values(BUCKETS);
    const roleArn = (name: string) => `arn:aws:iam::123456789012:role/${name}`;
    const backupRole = { dc: roleArn(backupRoleName("dc", bucketNames)), dr: roleArn(backupRoleName("dr", bucketNames)) };
    const policyOf = (run: MockRun, role: "backup" | "restore") =>
        JSON.parse(inputsOf(run.mocks.one("aws:iam/rolePolicy:RolePolicy", `datapath-${role}-irsa-policy`)).policy);
    const actionsOn = (policy: any, action: string): string[] =>
        policy.Statement.filter((s: any) => s.Effect === "Allow" && [s.Action].flat().includes(action)).map(
            (s: any) => s.Resource,
        );
    before(async () => {
        dc = await cachedRun("dc", DC);
        dr = await cachedRun("dr", DR);
    });

    it("names each site's backup role as the bucket and key policies do, the same from both stacks", () => {
        for (const [run, site] of [
            [dc, "dc"],
            [dr, "dr"],
        ] as const) {
            const role = run.mocks.one("aws:iam/role:Role", "datapath-backup-irsa-role");
            assert.equal(run.mocks.outputsOf(role).arn, backupRole[site]);
        }
        assert.notEqual(backupRoleName("dc", bucketNames), backupRoleName("dc", ["other-a", "other-b"]), "unique per deployment");
    });

    it("creates one asymmetric multi-region signing key per site, primary in the site's region, replica in the other", () => {
        for (const [site, region] of [
            ["dc", "primary"],
            ["dr", "replica"],
        ] as const) {
            const key = inputsOf(dc.mocks.one("aws:kms/key:Key", `backup-buckets-${region}-signing-${site}`));
            assert.deepEqual([key.keyUsage, key.customerMasterKeySpec, key.multiRegion], ["SIGN_VERIFY", "ECC_NIST_P256", true]);
            const other = region === "primary" ? "replica" : "primary";
            const replica = dc.mocks.one("aws:kms/replicaKey:ReplicaKey", `backup-buckets-${other}-signing-${site}`);
            assert.ok(inputsOf(replica).primaryKeyArn.includes(`backup-buckets-${region}-signing-${site}`));
        }
        const aliases = dc.mocks.byType("aws:kms/alias:Alias").map((a) => inputsOf(a).name);
        for (const alias of Object.values(SIGNING_KEY_ALIASES)) {
            assert.equal(aliases.filter((a) => a === alias).length, 2, `${alias} exists in both regions`);
        }
    });

    it("lets only the active site's backup role sign: IAM allows it nowhere else, and the key policy denies everyone else", () => {
        const dcKey = dc.mocks.outputsOf(dc.mocks.one("aws:kms/key:Key", "backup-buckets-primary-signing-dc")).arn;
        assert.deepEqual(actionsOn(policyOf(dc, "backup"), "kms:Sign"), [dcKey], "the active dc signs with its own key");
        assert.deepEqual(actionsOn(policyOf(dr, "backup"), "kms:Sign"), [], "the standby's backup role cannot sign");
        for (const run of [dc, dr]) {
            assert.deepEqual(actionsOn(policyOf(run, "restore"), "kms:Sign"), [], "no restore role can sign");
            const granting = [...run.mocks.byType("aws:iam/rolePolicy:RolePolicy"), ...run.mocks.byType("aws:iam/policy:Policy")]
                .filter((p) => /kms:(Sign|\*)"/.test(String(inputsOf(p).policy)))
                .map((p) => p.name);
            assert.deepEqual(granting, run === dc ? ["dc-datapath-backup-irsa-policy"] : []);
        }
        for (const [name, signer] of [
            ["backup-buckets-primary-signing-dc", backupRole.dc],
            ["backup-buckets-replica-signing-dr", backupRole.dr],
        ]) {
            const deny = JSON.parse(inputsOf(dc.mocks.one("aws:kms/key:Key", name)).policy).Statement.find(
                (s: any) => s.Effect === "Deny",
            );
            assert.deepEqual(
                [deny.Action, deny.Principal, deny.Condition],
                ["kms:Sign", "*", { ArnNotEquals: { "aws:PrincipalArn": signer } }],
            );
        }
        for (const replica of dc.mocks.byType("aws:kms/replicaKey:ReplicaKey").filter((r) => r.name.includes("signing"))) {
            const deny = JSON.parse(inputsOf(replica).policy).Statement.find((s: any) => s.Effect === "Deny");
            assert.deepEqual([deny.Action, deny.Condition], ["kms:Sign", undefined], `${replica.name} signs for nobody`);
        }
    });

    it("gives kms:Sign to dr's backup role once dr is the active site (failover), on dr's own key", async () => {
        const active = await cachedRun("dr", withConfig(DR, { "ghost-dcdr:failover": "true" }));
        assert.deepEqual(actionsOn(policyOf(active, "backup"), "kms:Sign"), ["arn:aws:kms:eu-west-2:123456789012:key/mrk-mock"]);
        assert.ok(active.mocks.invokes.some((i) => i.inputs.name === SIGNING_KEY_ALIASES.dr));
        assert.deepEqual(actionsOn(policyOf(active, "restore"), "kms:Sign"), []);
    });

    it("lets the restore role verify the other site's signatures, and gives both jobs the right key", () => {
        const drVerify = actionsOn(policyOf(dr, "restore"), "kms:Verify");
        assert.deepEqual(
            drVerify,
            ["arn:aws:kms:eu-west-2:123456789012:key/mrk-mock"],
            "dr verifies with the key in its own region",
        );
        assert.deepEqual(actionsOn(policyOf(dr, "restore"), "kms:GetPublicKey"), drVerify);
        const drKey = dc.mocks.outputsOf(dc.mocks.one("aws:kms/replicaKey:ReplicaKey", "backup-buckets-primary-signing-dr")).arn;
        assert.deepEqual(actionsOn(policyOf(dc, "restore"), "kms:Verify"), [drKey], "dc verifies dr's sets (after a failover)");
        const upload = steps(
            inputsOf(dc.mocks.one("kubernetes:batch/v1:CronJob", "datapath-backup")).spec.jobTemplate.spec.template,
        ).find((s) => s.script === "backup-upload.sh")!;
        assert.equal(envOf(upload.container).BACKUP_SIGNING_KEY_ID, actionsOn(policyOf(dc, "backup"), "kms:Sign")[0]);
        const fetch = steps(
            inputsOf(dr.mocks.one("kubernetes:batch/v1:CronJob", "datapath-restore")).spec.jobTemplate.spec.template,
        ).find((s) => s.script === "restore-fetch.sh")!;
        assert.equal(envOf(fetch.container).BACKUP_SIGNING_KEY_ID, drVerify[0]);
    });

    it("denies every write under a site's prefix, in both buckets, to every principal but its backup role and replication", () => {
        const replication = dc.mocks.outputsOf(dc.mocks.one("aws:iam/role:Role", "backup-buckets-replication-role")).arn;
        const others = [
            roleArn("dc-datapath-restore-irsa-role-abc1234"),
            roleArn("OrganizationAccountAccessRole"),
            "arn:aws:iam::123456789012:user/operator",
            "arn:aws:iam::123456789012:root",
        ];
        for (const bucket of ofBackupBuckets(dc, "aws:s3/bucket:Bucket")) {
            const bucketArn = dc.mocks.outputsOf(bucket).arn;
            const policy = JSON.parse(
                inputsOf(
                    dc.mocks.byType("aws:s3/bucketPolicy:BucketPolicy").find((p) => inputsOf(p).bucket === `${bucket.name}-id`)!,
                ).policy,
            );
            assert.ok(
                policy.Statement.some((s: any) => s.Condition?.Bool?.["aws:SecureTransport"] === "false"),
                "the TLS-only statement stays",
            );
            for (const [site, otherSite] of [
                ["dc", "dr"],
                ["dr", "dc"],
            ] as const) {
                const key = `ghost/${site}/20261122T000000Z/manifest.json`;
                for (const action of ["s3:PutObject", "s3:DeleteObject", "s3:PutObjectAcl"]) {
                    assert.ok(!deniedBy(policy, bucketArn, backupRole[site], action, key), `${site}'s backup role may ${action}`);
                    for (const who of [backupRole[otherSite], ...others]) {
                        assert.ok(
                            deniedBy(policy, bucketArn, who, action, key),
                            `${who} may not ${action} ${key} in ${bucket.name}`,
                        );
                    }
                }
                assert.ok(!deniedBy(policy, bucketArn, replication, "s3:ReplicateObject", key), "replication may write replicas");
                assert.ok(deniedBy(policy, bucketArn, backupRole[otherSite], "s3:ReplicateObject", key));
            }
            const prefixDenies = policy.Statement.filter((s: any) => s.Condition?.ArnNotEquals);
            for (const s of prefixDenies) assert.deepEqual(s.Action, OBJECT_WRITE_ACTIONS);
        }
    });
});
