import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import { AWS_CONFIG_KEYS, AWS_REGIONS, KNOWN_NAMESPACES, OTHER_PARTITION_REGIONS } from "../stacks/config";
import { editDistance, nearest } from "../stacks/config/nearest";
import { PROJECT } from "../stacks/schema";
import { configProblems, DC, DR } from "./fixtures";

const LISTED = "(the keys are listed in Pulumi.yaml and the README)";
const AWS_LISTED =
    "(the AWS provider's keys are listed at https://www.pulumi.com/registry/packages/aws/installation-configuration/)";

describe("config keys that nothing reads", () => {
    const named: [string, Record<string, string | undefined>, string[]][] = [
        [
            "a misspelt aws: key",
            { "aws:regoin": "eu-west-1" },
            [`aws:regoin: unknown config key. Fix: did you mean aws:region? pulumi config rm aws:regoin -s dc ${AWS_LISTED}`],
        ],
        [
            "an aws: key the pinned provider no longer has (assumeRole became assumeRoles in v6)",
            { "aws:assumeRole": '{"roleArn":"arn:aws:iam::123456789012:role/deploy"}' },
            [
                `aws:assumeRole: unknown config key. Fix: did you mean aws:assumeRoles? pulumi config rm aws:assumeRole -s dc ${AWS_LISTED}`,
            ],
        ],
        [
            "an aws: key nothing is near",
            { "aws:foo": "1" },
            [`aws:foo: unknown config key. Fix: pulumi config rm aws:foo -s dc ${AWS_LISTED}`],
        ],
        [
            "aws written in capitals",
            { "AWS:region": "eu-west-1" },
            [`AWS:region: unknown config key. Fix: did you mean aws:region? pulumi config rm AWS:region -s dc ${AWS_LISTED}`],
        ],
        [
            "the project namespace without its dash",
            { "ghostdcdr:domain": "blog.example.com" },
            [
                `ghostdcdr:domain: unknown config key. Fix: did you mean ghost-dcdr:domain? pulumi config rm ghostdcdr:domain -s dc ${LISTED}`,
            ],
        ],
        [
            "the project namespace with an underscore, and a misspelt key",
            { "ghost_dcdr:domian": "blog.example.com" },
            [
                `ghost_dcdr:domian: unknown config key. Fix: did you mean ghost-dcdr:domain? pulumi config rm ghost_dcdr:domian -s dc ${LISTED}`,
            ],
        ],
        [
            "an AWS provider key set in the project's namespace (pulumi config set region ... writes ghost-dcdr:region)",
            { "ghost-dcdr:region": "eu-west-1" },
            [
                `ghost-dcdr:region: unknown config key. Fix: did you mean aws:region? pulumi config rm ghost-dcdr:region -s dc ${AWS_LISTED}`,
            ],
        ],
        [
            "a project key set in the aws namespace",
            { "aws:peerRegion": "eu-west-2" },
            [
                `aws:peerRegion: unknown config key. Fix: did you mean ghost-dcdr:peerRegion? pulumi config rm aws:peerRegion -s dc ${LISTED}`,
            ],
        ],
        [
            "a key without a namespace beside the namespaced one",
            { hostedZoneId: "Z0123456789ABCDEFGHIJ" },
            [
                `hostedZoneId: config key without a namespace. Fix: did you mean ghost-dcdr:hostedZoneId? remove hostedZoneId from Pulumi.dc.yaml ${LISTED}`,
            ],
        ],
        [
            "a key without a namespace in place of the namespaced one",
            { hostedZoneId: "Z0123456789ABCDEFGHIJ", "ghost-dcdr:hostedZoneId": undefined },
            [
                `hostedZoneId: config key without a namespace. Fix: did you mean ghost-dcdr:hostedZoneId? in Pulumi.dc.yaml rename hostedZoneId to ghost-dcdr:hostedZoneId ${LISTED}`,
                "ghost-dcdr:hostedZoneId: is required but not set. Fix: pulumi config set ghost-dcdr:hostedZoneId Z0123456789ABCDEFGHIJ -s dc",
            ],
        ],
        [
            "an AWS provider key without a namespace",
            { region: "eu-west-1" },
            [
                `region: config key without a namespace. Fix: did you mean aws:region? remove region from Pulumi.dc.yaml ${AWS_LISTED}`,
            ],
        ],
    ];
    for (const [what, changes, problems] of named) {
        it(`names ${what}`, () => {
            assert.deepEqual(configProblems(changes), problems);
        });
    }

    it("passes what Pulumi accepts: the AWS provider's own keys, the other packages' namespaces, namespaces it does not know", () => {
        assert.deepEqual(
            configProblems({
                "aws:profile": "deploy",
                "aws:skipCredentialsValidation": "true",
                "aws:defaultTags": '{"tags":{"team":"blog"}}',
                "kubernetes:context": "admin",
                "pulumi:disable-default-providers": '["*"]',
                "awsx:anything": "x",
                "acme:owner": "blog-team",
                "ghost:domain": "blog.example.com",
            }),
            [],
        );
    });

    it("checks every key of both committed stack files and finds nothing", () => {
        assert.deepEqual(configProblems({}, DC, "dc"), []);
        assert.deepEqual(configProblems({}, DR, "dr"), []);
    });
});

describe("the lists the keys and regions are checked against", () => {
    const awsPackage = "node_modules/@pulumi/aws";

    it("AWS_CONFIG_KEYS are the config keys of the pinned @pulumi/aws (config/vars.d.ts)", () => {
        const vars = fs.readFileSync(`${awsPackage}/config/vars.d.ts`, "utf8");
        const declared = [...vars.matchAll(/^export declare const (\w+):/gm)].map((m) => m[1]).sort();
        assert.deepEqual([...AWS_CONFIG_KEYS], declared);
        assert.ok(AWS_CONFIG_KEYS.includes("region") && AWS_CONFIG_KEYS.includes("profile"));
    });

    it("AWS_REGIONS are the commercial regions of the pinned @pulumi/aws's Region enum; the rest are other partitions'", () => {
        const enums = fs.readFileSync(`${awsPackage}/types/enums/index.d.ts`, "utf8");
        const block = /export declare const Region: \{([^}]*)\}/.exec(enums)?.[1] ?? "";
        const all = [...block.matchAll(/: "([a-z0-9-]+)";/g)].map((m) => m[1]).sort();
        assert.ok(all.length > 30, `read ${all.length} regions from the enum`);
        assert.deepEqual([...AWS_REGIONS, ...OTHER_PARTITION_REGIONS].sort(), all);
        // A region of a partition not listed here (a new one) fails this until someone decides where it belongs.
        const otherPartition = /^(cn-|us-gov-|us-iso[a-z]?-|eu-iso[a-z]?-|eusc-)/;
        assert.deepEqual(
            OTHER_PARTITION_REGIONS.filter((r) => !otherPartition.test(r)),
            [],
            "regions outside the commercial partition",
        );
        assert.deepEqual(
            AWS_REGIONS.filter((r) => otherPartition.test(r)),
            [],
            "commercial regions",
        );
        for (const raw of [DC, DR]) {
            assert.ok(AWS_REGIONS.includes(raw["aws:region"] ?? ""), `${raw["aws:region"]} is a region`);
            assert.ok(AWS_REGIONS.includes(raw[`${PROJECT}:peerRegion`] ?? ""));
        }
    });

    it("KNOWN_NAMESPACES are the project's, the engine's and those of the Pulumi packages in package.json", () => {
        const pkg = JSON.parse(fs.readFileSync("package.json", "utf8")) as { dependencies: Record<string, string> };
        const packages = Object.keys(pkg.dependencies)
            .filter((d) => d.startsWith("@pulumi/"))
            .map((d) => d.slice("@pulumi/".length));
        assert.deepEqual([...KNOWN_NAMESPACES].sort(), [PROJECT, ...packages].sort());
    });
});

describe("nearest", () => {
    it("counts a swap of two neighbours as one edit", () => {
        assert.equal(editDistance("eu-wset-1", "eu-west-1"), 1);
        assert.equal(editDistance("euwest1", "eu-west-1"), 2);
        assert.equal(editDistance("", "abc"), 3);
    });

    it("takes the nearest within the limit, the preferred one of a tie, and nothing beyond the limit", () => {
        const regions = ["eu-west-1", "eu-west-2", "eu-west-3"];
        assert.equal(nearest("eu-west-9", regions, 3), "eu-west-1");
        assert.equal(nearest("eu-west-9", regions, 3, "eu-west-2"), "eu-west-2");
        assert.equal(nearest("EU-WEST-3", regions, 3), "eu-west-3");
        assert.equal(nearest("frankfurt", regions, 3, "eu-west-2"), undefined);
        assert.equal(nearest("eu-west", regions, 1, "eu-west-2"), undefined, "the preferred one too is held to the limit");
    });
});
