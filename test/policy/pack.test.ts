/** The pack as a whole: every policy documented, its dependencies pinned, and both stacks passing it under mocks. */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { RESOURCE_POLICIES, runPack, STACK_POLICIES } from "../../policy/policies";
import { Props, StackResource } from "../../policy/shared";
import { DC, DR } from "../fixtures";
import { cachedRun, MOCK_ACCOUNT, MockRun, unwrapSecrets } from "../../tools/mocks";

const ROOT = path.join(__dirname, "..", "..");

describe("policy pack: every policy, its documentation and its dependencies", () => {
    // Each domain's test file (eks, iam, kubernetes, s3) checks it has cases for every policy of its domain.
    it("documents every policy, each under a unique name", () => {
        const names = [...RESOURCE_POLICIES, ...STACK_POLICIES].map((p) => p.name);
        assert.equal(new Set(names).size, names.length, `duplicate policy names in ${names.join(", ")}`);
        const doc = fs.readFileSync(path.join(ROOT, "docs", "policy.md"), "utf8");
        for (const name of names) {
            assert.ok(doc.includes(`\`${name}\``), `docs/policy.md lists ${name}`);
            assert.match(name, /^[a-z0-9-]{1,100}$/);
        }
    });

    it("pins the pack's dependencies to the root's exact versions (the pack runs on the root node_modules)", () => {
        const read = (file: string) =>
            JSON.parse(fs.readFileSync(path.join(ROOT, file), "utf8")) as Record<string, Record<string, string>>;
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
            resources = stackResources(await cachedRun(stack, config));
        });

        it("passes every mandatory policy (advisories are printed)", () => {
            const findings = runPack(resources);
            const line = (f: (typeof findings)[number]) => `  [${f.policy}] ${f.urn.split("::").pop()} (${f.urn}): ${f.message}`;
            const advisories = findings.filter((f) => f.enforcementLevel === "advisory");
            if (advisories.length > 0) console.log(`    ${stack} advisories:\n${advisories.map(line).join("\n")}`);
            const mandatory = findings.filter((f) => f.enforcementLevel === "mandatory");
            assert.equal(mandatory.length, 0, `${stack} violates its own policy pack:\n${mandatory.map(line).join("\n")}`);
        });

        it("actually checks the platform's clusters, nodes, roles, policies, releases and backup and media buckets", () => {
            const checked = (policy: string) => {
                const p = RESOURCE_POLICIES.find((x) => x.name === policy);
                return resources.filter((r) => p?.resourceTypes.includes(r.type)).length;
            };
            assert.ok(checked("eks-secrets-encryption-cmk") >= 1);
            assert.ok(checked("nodes-imdsv2-hop-limit-1") >= 2, "launch template and node group");
            assert.ok(checked("iam-irsa-trust-sub-and-aud") >= 3, "one IRSA role per controller");
            assert.ok(checked("iam-wildcard-resource-allowlist") >= 3);
            assert.ok(checked("helm-release-pinned-version") >= 2);
            // A bucket that must be replicated is known by its name alone: with their replication gone, every bucket of
            // the program (backups and media, all in dc, none in dr) must be flagged, or a rename has silently switched
            // the policy off.
            const buckets = resources.filter((r) => r.type === "aws:s3/bucket:Bucket");
            const unreplicated = resources.filter((r) => r.type !== "aws:s3/bucketReplicationConfig:BucketReplicationConfig");
            const flagged = runPack(unreplicated).filter((f) => f.policy === "s3-bucket-replicated");
            assert.deepEqual(flagged.map((f) => f.urn).sort(), buckets.map((b) => b.urn).sort());
            assert.deepEqual(
                buckets.map((b) => b.name).sort(),
                stack === "dc" ? ["dc-backup-buckets-primary", "dc-backup-buckets-replica", "dc-media-dc", "dc-media-dr"] : [],
            );
        });

        it("actually checks the media CDN: its distribution, OAC, and every grant to CloudFront (dc only)", () => {
            const dc = stack === "dc";
            const of = (type: string) => resources.filter((r) => r.type === type);
            const distributions = of("aws:cloudfront/distribution:Distribution");
            const oacs = of("aws:cloudfront/originAccessControl:OriginAccessControl");
            assert.deepEqual(
                [...distributions, ...oacs].map((r) => r.name),
                dc ? ["dc-media-cdn", "dc-media-oac"] : [],
            );
            // Each check, given the program's resources broken the way it guards against, flags exactly those.
            const flaggedBy = (policy: string, broken: StackResource[]) =>
                runPack(broken)
                    .filter((f) => f.policy === policy)
                    .map((f) => f.urn.split("::").pop())
                    .filter((name, i, all) => all.indexOf(name) === i)
                    .sort();
            const distribution = dc ? ["dc-media-cdn"] : [];
            const edit = (type: string, change: (inputs: Props) => Props) =>
                resources.map((r) => (r.type === type ? { ...r, inputs: change(r.inputs) } : r));
            const editDistribution = (change: (inputs: Props) => Props) =>
                edit("aws:cloudfront/distribution:Distribution", change);
            const allowAll = editDistribution((d) => ({
                ...d,
                defaultCacheBehavior: { ...(d.defaultCacheBehavior as Props), viewerProtocolPolicy: "allow-all" },
            }));
            assert.deepEqual(flaggedBy("cloudfront-viewer-https", allowAll), distribution);
            const defaultCertificate = editDistribution((d) => ({
                ...d,
                viewerCertificate: { cloudfrontDefaultCertificate: true },
            }));
            assert.deepEqual(flaggedBy("cloudfront-viewer-tls", defaultCertificate), distribution);
            const withoutOac = editDistribution((d) => ({
                ...d,
                origins: (d.origins as Props[]).map(({ originAccessControlId: _, ...o }) => o),
            }));
            assert.deepEqual(flaggedBy("cloudfront-s3-origin-oac", withoutOac), distribution);
            const withoutGroup = editDistribution((d) => ({
                ...d,
                originGroups: [],
                defaultCacheBehavior: { ...(d.defaultCacheBehavior as Props), targetOriginId: "dc" },
            }));
            assert.deepEqual(flaggedBy("cloudfront-s3-origin-failover", withoutGroup), distribution);
            const unsigned = edit("aws:cloudfront/originAccessControl:OriginAccessControl", (o) => ({
                ...o,
                signingBehavior: "never",
            }));
            assert.deepEqual(flaggedBy("cloudfront-oac-sigv4-always", unsigned), dc ? ["dc-media-oac"] : []);
            // Both media bucket policies and both media keys grant CloudFront; without their SourceArn condition, all four
            // (and nothing else of the program) are flagged.
            const unconditioned = resources.map((r) =>
                typeof r.inputs.policy === "string" && r.inputs.policy.includes("cloudfront.amazonaws.com")
                    ? {
                          ...r,
                          inputs: {
                              ...r.inputs,
                              policy: r.inputs.policy.replace(
                                  /"Condition":\{"StringEquals":\{"AWS:SourceArn":"[^"]*"\}\}/g,
                                  '"Condition":{}',
                              ),
                          },
                      }
                    : r,
            );
            assert.deepEqual(
                flaggedBy("cloudfront-grant-scoped", unconditioned),
                dc ? ["dc-media-dc-policy", "dc-media-dr-policy", "dc-media-key", "dc-media-key-replica"] : [],
            );
        });
    });
}
