// The restore logs in as a least-privilege user made by the program (issue 10, finding 2), and its apply step
// gets no AWS credentials (finding 4).
import { strict as assert } from "node:assert";
import * as path from "node:path";
import { SKIP_AWS_CONTAINERS } from "../components/backup/datapath";
import { GHOST_SCHEMA_TABLES, RESTORE_PASSWORD_KEY, RESTORE_USER, restoreGrants } from "../components/mariadb";
import { DC, DR } from "./fixtures";
import { isSecretValue, MockRun, RecordedResource, cachedRun, unwrapSecrets } from "../tools/mocks";

const inputsOf = (r: RecordedResource) => unwrapSecrets(r.inputs) as Record<string, any>;
const envOf = (c: any) => Object.fromEntries((c.env ?? []).map((e: any) => [e.name, e.value ?? e.valueFrom]));
const USER_TYPE = "kubernetes:k8s.mariadb.com/v1alpha1:User";
const GRANT_TYPE = "kubernetes:k8s.mariadb.com/v1alpha1:Grant";

/** Every restore pod template of a run: the warm CronJob's and the one-off Jobs'. */
function restoreTemplates(run: MockRun): any[] {
    return [
        ...run.mocks.byType("kubernetes:batch/v1:CronJob").map((c) => inputsOf(c).spec.jobTemplate.spec.template),
        ...run.mocks.byType("kubernetes:batch/v1:Job").map((j) => inputsOf(j).spec.template),
    ].filter((t) => t.spec.serviceAccountName === "ghost-restore");
}
const applyOf = (template: any) =>
    template.spec.containers.find((c: any) => path.basename(c.command.at(-1)) === "restore-apply.sh");

describe("restore user (least privilege, issue 10 finding 2)", () => {
    let dc: MockRun;
    let dr: MockRun;
    before(async () => {
        dc = await cachedRun("dc", DC);
        dr = await cachedRun("dr", DR);
    });

    it("is a mariadb-operator User on the site's MariaDB whose password is the Secret's restore-password key", () => {
        for (const run of [dc, dr]) {
            const user = inputsOf(run.mocks.one(USER_TYPE));
            assert.equal(user.spec.name, RESTORE_USER);
            assert.notEqual(user.spec.name, "root");
            assert.deepEqual(user.spec.mariaDbRef, { name: "mariadb" });
            assert.deepEqual(user.spec.passwordSecretKeyRef, { name: "mariadb-credentials", key: RESTORE_PASSWORD_KEY });
        }
    });

    it("has exactly the documented grants: the live and helper databases, PROCESS, and nothing else", () => {
        const grants = dr.mocks
            .byType(GRANT_TYPE)
            .sort((a, b) => a.name.localeCompare(b.name))
            .map(inputsOf)
            .map((g) => g.spec);
        assert.ok(grants.every((g) => g.username === RESTORE_USER && g.host === "%" && g.table === "*"));
        assert.ok(
            grants.every((g) => g.grantOption === false),
            "no GRANT OPTION",
        );
        assert.deepEqual(
            grants.map((g) => [g.database, [...g.privileges].sort()]),
            [
                [
                    "ghost",
                    [
                        "ALTER",
                        "ALTER ROUTINE",
                        "CREATE",
                        "CREATE ROUTINE",
                        "CREATE VIEW",
                        "DELETE",
                        "DROP",
                        "EVENT",
                        "INSERT",
                        "SELECT",
                        "SHOW VIEW",
                        "TRIGGER",
                        "UPDATE",
                    ],
                ],
                [
                    // The backslashes make `_` literal: ghost__staging, ghost__previous, ghost__dcdr, not ghostXYstaging.
                    "ghost\\_\\_%",
                    [
                        "ALTER",
                        "ALTER ROUTINE",
                        "CREATE",
                        "CREATE ROUTINE",
                        "CREATE VIEW",
                        "DELETE",
                        "DROP",
                        "EVENT",
                        "INSERT",
                        "LOCK TABLES",
                        "SELECT",
                        "SHOW VIEW",
                        "TRIGGER",
                        "UPDATE",
                    ],
                ],
                ["*", ["PROCESS"]],
            ],
        );
        const all = grants.flatMap((g) => g.privileges as string[]);
        for (const forbidden of ["ALL", "ALL PRIVILEGES", "FILE", "SUPER", "CREATE USER", "GRANT OPTION", "RELOAD", "SHUTDOWN"]) {
            assert.ok(!all.includes(forbidden), `the restore user must not have ${forbidden}`);
        }
        const global = grants.filter((g) => g.database === "*");
        assert.deepEqual(
            global.map((g) => g.privileges),
            [["PROCESS"]],
            "PROCESS (to see Ghost's sessions) is the only server-wide privilege",
        );
        assert.ok(!grants.some((g) => g.database === "mysql"), "nothing on the mysql schema (password hashes)");
        assert.deepEqual(
            restoreGrants("ghost"),
            grants.map((g) => ({ database: g.database, privileges: g.privileges })),
        );
    });

    it("generates the password like the others and keeps it secret in the credentials Secret", () => {
        for (const run of [dc, dr]) {
            const passwords = run.mocks.byType("random:index/randomPassword:RandomPassword").map((r) => r.name);
            assert.ok(
                passwords.some((n) => n.endsWith("-mariadb-restore-password")),
                passwords.join(", "),
            );
            const secret = run.mocks.one("kubernetes:core/v1:Secret", "-mariadb-credentials");
            assert.ok(isSecretValue(secret.inputs.stringData), "the Secret's data, restore-password included, is a secret input");
            const value = (unwrapSecrets(secret.inputs.stringData) as Record<string, string>)[RESTORE_PASSWORD_KEY];
            assert.match(value, /^MOCKPW/, "the generated password, not a fixed value");
            const pw = run.mocks.one("random:index/randomPassword:RandomPassword", "-mariadb-restore-password");
            assert.equal(inputsOf(pw).special, false, "no characters that need quoting in an option file");
        }
    });

    it("the restore Job logs in as the restore user with its key, never as root", () => {
        for (const run of [dc, dr]) {
            const templates = restoreTemplates(run);
            assert.ok(templates.length > 0);
            for (const t of templates) {
                const env = envOf(applyOf(t));
                assert.equal(env.MARIADB_USER, RESTORE_USER);
                assert.equal(env.MARIADB_PASSWORD_FILE, "/secrets/db/password");
                assert.equal(env.MARIADB_PASSWORD, undefined, "no password in the environment");
                const volume = t.spec.volumes.find((v: any) => v.name === "db-secret");
                assert.deepEqual(volume.secret.items, [{ key: RESTORE_PASSWORD_KEY, path: "password" }]);
                assert.ok(!JSON.stringify(t).includes("root-password"), "the root password is not mounted");
                assert.equal(env.RESTORE_MIN_TABLES, String(GHOST_SCHEMA_TABLES));
                assert.equal(env.RESTORE_GHOST_USER, "ghost");
            }
        }
    });

    it("gives the apply container no AWS credentials: the pod identity webhook skips it (finding 4)", () => {
        for (const run of [dc, dr]) {
            for (const t of restoreTemplates(run)) {
                assert.equal(SKIP_AWS_CONTAINERS, "eks.amazonaws.com/skip-containers");
                assert.equal(t.metadata.annotations[SKIP_AWS_CONTAINERS], "apply");
                assert.equal(applyOf(t).name, "apply", "the annotation names the container that runs restore-apply.sh");
                const fetch = t.spec.initContainers.find((c: any) => path.basename(c.command.at(-1)) === "restore-fetch.sh");
                assert.ok(
                    !t.metadata.annotations[SKIP_AWS_CONTAINERS].split(",").includes(fetch.name),
                    "the fetch step keeps its S3 access",
                );
            }
        }
    });
});
