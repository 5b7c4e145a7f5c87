import { strict as assert } from "node:assert";
import * as yaml from "js-yaml";
import { RecordingMocks, runStack } from "../tools/mocks";
import { configProblems, DC, DR, withConfig } from "./fixtures";

/** Config read from a stack file (the offline plan's `--config <file>`): each fix says what to change in that file. */
const fromFile = (changes: Record<string, string | undefined>, base = DC, stack = "dc", configFile = `Pulumi.${stack}.yaml`) =>
    configProblems(changes, base, stack, { configFile });

const LISTED = "(the keys are listed in Pulumi.yaml and the README)";

/** Bad values of every kind of fix: set, set with a note, list, quoted string, remove, secret, both, another stack's. */
const BAD: [Record<string, string | undefined>, string?][] = [
    [{ "ghost-dcdr:nodeMaxSize": "2.5" }],
    [{ "ghost-dcdr:externalDns": "yes" }],
    [{ "ghost-dcdr:kubernetesVersion": "1.3" }],
    [{ "ghost-dcdr:endpointPublicAccessCidrs": "0.0.0.0/0" }],
    [{ "ghost-dcdr:backupSchedule": "hourly" }],
    [{ "ghost-dcdr:ebsCsiAddonVersion": "latest" }],
    [{ "ghost-dcdr:restoreBackupId": "latest" }],
    [{ "ghost-dcdr:smtpUser": "mailer" }],
    [{ "ghost-dcdr:ghostExport": "true" }],
    [{ "ghost-dcdr:failover": "true" }],
    [{ "ghost-dcdr:staffDeviceVerification": "true" }],
    [{ "ghost-dcdr:foo": "1", "ghost-dcdr:nodeMaxsize": "5", "aws:regoin": "x", hostedZoneId: "Z1" }],
    [{ "aws:region": "eu-wset-1", "ghost-dcdr:site": undefined, "ghost-dcdr:domain": undefined }],
    [{ "ghost-dcdr:peerStack": "acme/ghost-dcdr/dr" }, "dr"],
    [{ "aws:region": "eu-west-1" }, "dr"],
];

describe("config fixes for config read from a stack file", () => {
    const fixes: [string, Record<string, string | undefined>, string][] = [
        [
            "a value: the line to set in the file",
            { "ghost-dcdr:nodeMaxSize": "2.5" },
            'ghost-dcdr:nodeMaxSize: "2.5" is not a whole number. Fix: in Pulumi.dc.yaml set ghost-dcdr:nodeMaxSize: 5',
        ],
        [
            "a boolean",
            { "ghost-dcdr:externalDns": "yes" },
            'ghost-dcdr:externalDns: "yes" is not a boolean. Fix: in Pulumi.dc.yaml set ghost-dcdr:externalDns: true (or false)',
        ],
        [
            "a version YAML would read as a number: quoted",
            { "ghost-dcdr:kubernetesVersion": "1.3" },
            'ghost-dcdr:kubernetesVersion: "1.3" is not a version EKS supports (1.30, 1.31, 1.32, 1.33, 1.34, 1.35) (YAML read 1.30 as the number 1.3: quote it, "1.30"). Fix: in Pulumi.dc.yaml set ghost-dcdr:kubernetesVersion: "1.33"',
        ],
        [
            "a list: a YAML list, no shell quotes",
            { "ghost-dcdr:endpointPublicAccessCidrs": "0.0.0.0/0" },
            'ghost-dcdr:endpointPublicAccessCidrs: "0.0.0.0/0" is not a list of strings. Fix: in Pulumi.dc.yaml set ghost-dcdr:endpointPublicAccessCidrs: ["203.0.113.0/24"]',
        ],
        [
            "a value with spaces",
            { "ghost-dcdr:backupSchedule": "hourly" },
            'ghost-dcdr:backupSchedule: "hourly" is not a five-field cron schedule. Fix: in Pulumi.dc.yaml set ghost-dcdr:backupSchedule: "0 * * * *"',
        ],
        [
            "a key to remove",
            { "ghost-dcdr:restoreBackupId": "latest" },
            'ghost-dcdr:restoreBackupId: "latest" is not a backup id (YYYYMMDDTHHMMSSZ, as listed under the bucket prefix). Fix: remove ghost-dcdr:restoreBackupId from Pulumi.dc.yaml (newest), or set an id such as 20261121T220000Z',
        ],
        [
            "a secret: encrypted into the file by the CLI",
            { "ghost-dcdr:smtpUser": "mailer" },
            "ghost-dcdr:smtpPassword: is missing: SMTP authentication needs both smtpUser and smtpPassword. Fix: set ghost-dcdr:smtpPassword in Pulumi.dc.yaml, encrypted: pulumi config set --secret ghost-dcdr:smtpPassword --config-file Pulumi.dc.yaml -s dc",
        ],
        [
            "two changes",
            { "ghost-dcdr:ghostExport": "true" },
            'ghost-dcdr:ghostExport: "true" needs the staff user it logs in as (ghostExportUser and ghostExportPassword). Fix: in Pulumi.dc.yaml set ghost-dcdr:ghostExportUser: admin@example.com and set ghost-dcdr:ghostExportPassword in Pulumi.dc.yaml, encrypted: pulumi config set --secret ghost-dcdr:ghostExportPassword --config-file Pulumi.dc.yaml -s dc',
        ],
        [
            "a change in the other stack's file",
            { "ghost-dcdr:failover": "true" },
            'ghost-dcdr:failover: "true" is set on the dc stack; the flag lives on the dr stack only. Fix: remove ghost-dcdr:failover from Pulumi.dc.yaml and in Pulumi.<dr stack>.yaml set ghost-dcdr:failover: true',
        ],
        [
            "an unknown key",
            { "ghost-dcdr:foo": "1" },
            `ghost-dcdr:foo: unknown config key. Fix: remove ghost-dcdr:foo from Pulumi.dc.yaml ${LISTED}`,
        ],
        [
            "a misspelt key: renamed in the file",
            { "ghost-dcdr:nodeMaxsize": "6", "ghost-dcdr:nodeMaxSize": undefined },
            `ghost-dcdr:nodeMaxsize: unknown config key. Fix: did you mean ghost-dcdr:nodeMaxSize? in Pulumi.dc.yaml rename ghost-dcdr:nodeMaxsize to ghost-dcdr:nodeMaxSize ${LISTED}`,
        ],
        [
            "a misspelt key beside the right one: removed",
            { "ghost-dcdr:nodeMaxsize": "6" },
            `ghost-dcdr:nodeMaxsize: unknown config key. Fix: did you mean ghost-dcdr:nodeMaxSize? remove ghost-dcdr:nodeMaxsize from Pulumi.dc.yaml ${LISTED}`,
        ],
    ];
    for (const [what, changes, message] of fixes) {
        it(`says what to change in the file for ${what}`, () => {
            assert.deepEqual(fromFile(changes), [message]);
        });
    }

    it("names the file it was given, and the other stack's file beside it", () => {
        assert.deepEqual(fromFile({ "ghost-dcdr:peerStack": "acme/ghost-dcdr/dr" }, DR, "dr", "stacks/prod-dr.yaml"), [
            'ghost-dcdr:peerStack: "acme/ghost-dcdr/dr" is set on the dr stack; only dc reads its peer (dr holds the flag itself). Fix: remove ghost-dcdr:peerStack from stacks/prod-dr.yaml',
        ]);
        assert.deepEqual(fromFile({ "ghost-dcdr:failover": "true" }, DC, "dc", "stacks/prod-dc.yaml"), [
            'ghost-dcdr:failover: "true" is set on the dc stack; the flag lives on the dr stack only. Fix: remove ghost-dcdr:failover from stacks/prod-dc.yaml and in stacks/Pulumi.<dr stack>.yaml set ghost-dcdr:failover: true',
        ]);
        assert.deepEqual(fromFile({ "aws:region": "eu-west-1" }, DR, "dr"), [
            'aws:region: "eu-west-1" is the same region as ghost-dcdr:peerRegion, the dc site\'s; DR needs a second region. Fix: in Pulumi.dr.yaml set aws:region: eu-west-2',
        ]);
    });

    it("finds the same problems as from the CLI; only the fixes differ, and none is a command on the stack but a secret's", () => {
        for (const [changes, stack = "dc"] of BAD) {
            const base = stack === "dr" ? DR : DC;
            const cli = configProblems(changes, base, stack);
            const file = fromFile(changes, base, stack);
            assert.ok(cli.length > 0, JSON.stringify(changes));
            const [problem, fix] = [(p: string) => p.slice(0, p.indexOf(" Fix: ")), (p: string) => p.slice(p.indexOf(" Fix: "))];
            assert.deepEqual(file.map(problem), cli.map(problem));
            cli.forEach((c, i) => {
                if (!fix(c).includes("pulumi config")) return; // a fix that names no command (e.g. "lower the memory") stays
                assert.ok(fix(file[i]).includes(`Pulumi.${stack}.yaml`), file[i]);
                assert.ok(!/pulumi config (?!set --secret \S+ --config-file)/.test(fix(file[i])), file[i]);
            });
        }
    });

    it("writes each value so that YAML reads back the value meant: setting it as written clears the problem", () => {
        let checked = 0;
        for (const [changes, stack = "dc"] of BAD) {
            const base = stack === "dr" ? DR : DC;
            for (const p of fromFile(changes, base, stack)) {
                const m = /^(\S+): .*Fix: in Pulumi\.\w+\.yaml set (\S+): ("[^"]*"|\[[^\]]*\]|\S+)$/.exec(p);
                if (!m || m[1] !== m[2]) continue;
                // As the stack file reader and the Pulumi CLI hand a YAML value to the program: strings as they are, the rest as JSON.
                const value = (yaml.load(`${m[2]}: ${m[3]}`) as Record<string, unknown>)[m[2]];
                const fixed = withConfig(withConfig(base, changes), {
                    [m[2]]: typeof value === "string" ? value : JSON.stringify(value),
                });
                const after = configProblems({}, fixed, stack, { configFile: `Pulumi.${stack}.yaml` });
                assert.ok(!after.some((a) => a.startsWith(`${m[1]}: `)), `${p}\n  still: ${after.join("\n  ")}`);
                checked++;
            }
        }
        assert.ok(checked >= 8, `${checked} fixes checked`);
    });

    it("reaches the program through runStack, whose default stays the CLI's commands", async () => {
        const bad = withConfig(DC, { "ghost-dcdr:nodeMaxSize": "2.5" });
        const message = async (options?: { configFile: string }) => {
            try {
                await runStack("dc", bad, new RecordingMocks(), options);
            } catch (e) {
                return (e as Error).message;
            }
            return "no error";
        };
        assert.equal(
            await message({ configFile: "Pulumi.dc.yaml" }),
            'invalid stack config:\nghost-dcdr:nodeMaxSize: "2.5" is not a whole number. Fix: in Pulumi.dc.yaml set ghost-dcdr:nodeMaxSize: 5',
        );
        assert.equal(
            await message(),
            'invalid stack config:\nghost-dcdr:nodeMaxSize: "2.5" is not a whole number. Fix: pulumi config set ghost-dcdr:nodeMaxSize 5 -s dc',
        );
    });
});
