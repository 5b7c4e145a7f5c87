/**
 * Shared Pulumi mocks for the unit tests and the offline plan. They record every resource (with its parent,
 * provider and inputs) and every invoke, answer the outputs the program reads (remote components such as
 * `eks:index:Cluster` and `awsx:ec2:Vpc` get theirs explicitly), and fail on an invoke nobody answered
 * rather than hang.
 */
import * as pulumi from "@pulumi/pulumi";
import type { ConfigOptions, RawConfig } from "../stacks/config";
import { CONFIG_KEYS, PROJECT } from "../stacks/schema";
import { program } from "../stacks/program";
import type { SiteOutputs } from "../stacks/site";

export const MOCK_ACCOUNT = "123456789012";
/** What the mocks answer for the most recent EBS CSI add-on build: clearly not a real one. */
export const MOCK_EBS_CSI_ADDON_VERSION = "v0.0.0-eksbuild.mock";

/** Pulumi's wire marker for a secret value inside deserialized inputs. */
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** A value wrapped as the engine sends a secret: for tests that build inputs by hand. */
export function wireSecret(value: unknown): Record<string, unknown> {
    return { [SIG_KEY]: SECRET_SIG, value };
}

export function isSecretValue(v: unknown): v is { value: unknown } {
    return typeof v === "object" && v !== null && (v as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

/**
 * Replaces every secret value with `[secret]` (for printing and files), keeping the shape of a secret object so
 * a masked manifest still validates; plain values pass through.
 */
export function maskSecrets(v: unknown): unknown {
    if (isSecretValue(v)) return maskLeaves(unwrapSecrets(v.value));
    if (Array.isArray(v)) return v.map(maskSecrets);
    if (v && typeof v === "object") {
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, maskSecrets(x)]));
    }
    return v;
}

function maskLeaves(v: unknown): unknown {
    if (Array.isArray(v)) return v.map(maskLeaves);
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, maskLeaves(x)]));
    return "[secret]";
}

/** Drops the secret wrappers, keeping the values: for assertions on what a secret contains. */
export function unwrapSecrets(v: unknown): unknown {
    if (isSecretValue(v)) return unwrapSecrets(v.value);
    if (Array.isArray(v)) return v.map(unwrapSecrets);
    if (v && typeof v === "object") {
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrapSecrets(x)]));
    }
    return v;
}

export interface RecordedResource {
    urn: string;
    type: string;
    name: string;
    /** URN of the parent resource, undefined at the top level. */
    parent?: string;
    /** `urn::id` of the explicit provider of a custom resource. */
    provider?: string;
    /** Package -> provider reference, as given to a component (remote components use it). */
    providers: Record<string, string>;
    custom: boolean;
    remote: boolean;
    /** Inputs as the engine receives them; secrets stay wrapped (see `isSecretValue`). */
    inputs: Record<string, any>;
    /** URNs this resource waits for (dependsOn and the resources behind its input Outputs). */
    dependencies: string[];
}

export interface RecordedInvoke {
    token: string;
    inputs: Record<string, any>;
    /** `urn::id` of the provider the invoke went to. */
    provider?: string;
}

const PROVIDER_TYPES = /^pulumi:providers:/;

export class RecordingMocks implements pulumi.runtime.Mocks {
    readonly resources: RecordedResource[] = [];
    readonly invokes: RecordedInvoke[] = [];
    /** Inputs by `type::name`, filled by `newResource` and joined with the monitor's view in `attach`. */
    private readonly inputsByKey = new Map<string, Record<string, any>>();
    private readonly outputsByKey = new Map<string, Record<string, any>>();
    private readonly providerRegions = new Map<string, string>();
    /**
     * Outputs of other stacks, by stack name, for StackReferences. A name absent here is a stack that exists
     * but was never deployed (no outputs).
     */
    constructor(private readonly otherStacks: Record<string, Record<string, unknown>> = {}) {}
    /** Answers for invokes the program is allowed to make; anything else fails the run. */
    private readonly invokeAnswers: Record<string, (inputs: any, region: string) => Record<string, any>> = {
        // The dr stack finds its region's backup key (created by the dc stack) by alias.
        "aws:kms/getAlias:getAlias": (inputs, region) => ({
            name: inputs.name,
            arn: `arn:aws:kms:${region}:${MOCK_ACCOUNT}:${inputs.name}`,
            targetKeyId: "mrk-mock",
            targetKeyArn: `arn:aws:kms:${region}:${MOCK_ACCOUNT}:key/mrk-mock`,
            id: inputs.name,
        }),
        // The EBS CSI add-on build is resolved per Kubernetes version at deploy time; this build is a placeholder.
        "aws:eks/getAddonVersion:getAddonVersion": (inputs) => ({
            addonName: inputs.addonName,
            kubernetesVersion: inputs.kubernetesVersion,
            mostRecent: inputs.mostRecent,
            version: MOCK_EBS_CSI_ADDON_VERSION,
            id: inputs.addonName,
        }),
    };

    call(args: pulumi.runtime.MockCallArgs): Record<string, any> {
        this.invokes.push({ token: args.token, inputs: args.inputs, provider: args.provider });
        const answer = this.invokeAnswers[args.token];
        if (!answer) {
            throw new Error(`unanswered invoke ${args.token}: add an answer in tools/mocks.ts if the program really needs it`);
        }
        return answer(args.inputs, this.regionOf(args.provider) ?? "mock-region-1");
    }

    newResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: Record<string, any> } {
        const key = `${args.type}::${args.name}`;
        if (this.inputsByKey.has(key)) {
            throw new Error(`duplicate resource ${key}: child names must be \${name}-<role}`);
        }
        this.inputsByKey.set(key, args.inputs);
        const id = `${args.name}-id`;
        if (PROVIDER_TYPES.test(args.type) && args.inputs.region) {
            this.providerRegions.set(args.name, String(unwrapSecrets(args.inputs.region)));
        }
        const outputs = this.outputsFor(args);
        this.outputsByKey.set(key, outputs);
        return { id, state: { ...args.inputs, ...outputs } };
    }

    /** Region of the AWS provider a resource uses (from its provider reference). */
    regionOf(providerRef: string | undefined): string | undefined {
        if (!providerRef) return undefined;
        const urn = providerRef.split("::").slice(0, -1).join("::");
        return this.providerRegions.get(urn.split("::").pop() ?? "");
    }

    private outputsFor(args: pulumi.runtime.MockResourceArgs): Record<string, any> {
        const inputs = unwrapSecrets(args.inputs) as Record<string, any>;
        const region = this.regionOf(args.provider) ?? "mock-region-1";
        const name = inputs.name ?? args.name;
        switch (args.type) {
            case "pulumi:pulumi:StackReference":
                return { name: inputs.name, outputs: this.otherStacks[inputs.name] ?? {}, secretOutputNames: [] };
            case "awsx:ec2:Vpc": {
                const specs: any[] = inputs.subnetSpecs ?? [];
                const ids = (type: string) =>
                    (specs.find((s) => s.type === type)?.cidrBlocks ?? []).map(
                        (_: string, i: number) => `subnet-${args.name}-${type.toLowerCase()}-${i}`,
                    );
                return { vpcId: `vpc-${args.name}`, privateSubnetIds: ids("Private"), publicSubnetIds: ids("Public") };
            }
            case "eks:index:Cluster": {
                const issuer = `oidc.eks.${this.regionOfProviders(args) ?? region}.amazonaws.com/id/MOCK${args.name.toUpperCase()}`;
                return {
                    kubeconfigJson: JSON.stringify({
                        apiVersion: "v1",
                        kind: "Config",
                        clusters: [{ name, cluster: { server: `https://${args.name}.eks.mock` } }],
                    }),
                    oidcIssuer: issuer,
                    oidcProviderUrl: `https://${issuer}`,
                    oidcProviderArn: `arn:aws:iam::${MOCK_ACCOUNT}:oidc-provider/${issuer}`,
                };
            }
            case "aws:acm/certificate:Certificate": {
                const names: string[] = [inputs.domainName, ...(inputs.subjectAlternativeNames ?? [])];
                return {
                    arn: `arn:aws:acm:${region}:${MOCK_ACCOUNT}:certificate/${args.name}`,
                    domainValidationOptions: names.map((domainName) => ({
                        domainName,
                        resourceRecordName: `_mock.${domainName}.`,
                        resourceRecordType: "CNAME",
                        resourceRecordValue: `_mock.acm-validations.aws.`,
                    })),
                };
            }
            case "aws:acm/certificateValidation:CertificateValidation":
                return { certificateArn: inputs.certificateArn };
            case "aws:route53/record:Record":
                return { fqdn: String(inputs.name).replace(/\.$/, "") };
            case "aws:ec2/launchTemplate:LaunchTemplate":
                return { latestVersion: 1 };
            case "aws:kms/key:Key":
                return { keyId: `key-${args.name}`, arn: `arn:aws:kms:${region}:${MOCK_ACCOUNT}:key/key-${args.name}` };
            case "aws:iam/role:Role":
                return { name, arn: `arn:aws:iam::${MOCK_ACCOUNT}:role/${name}` };
            case "aws:s3/bucket:Bucket": {
                const bucket = inputs.bucket ?? args.name;
                return {
                    bucket,
                    arn: `arn:aws:s3:::${bucket}`,
                    bucketRegionalDomainName: `${bucket}.s3.${region}.amazonaws.com`,
                };
            }
            case "aws:cloudfront/distribution:Distribution":
                return {
                    arn: `arn:aws:cloudfront::${MOCK_ACCOUNT}:distribution/EMOCK${args.name.length}`,
                    domainName: `dmock${args.name.length}.cloudfront.net`,
                    // Route 53's zone for every CloudFront alias target.
                    hostedZoneId: "Z2FDTNDATAQYW2",
                };
            case "random:index/randomPassword:RandomPassword":
                // Distinctive, so a test can scan every output file for a leaked password.
                return { result: `MOCKPW${Buffer.from(args.name).toString("hex").slice(-20)}Zq9` };
        }
        if (args.type.startsWith("aws:")) {
            const service = args.type.split(":")[1].split("/")[0];
            return { arn: `arn:aws:${service}:${region}:${MOCK_ACCOUNT}:${args.name}` };
        }
        if (args.type.startsWith("kubernetes:") && inputs.metadata) {
            return { metadata: { ...inputs.metadata, name: inputs.metadata.name ?? args.name } };
        }
        return {};
    }

    private regionOfProviders(args: pulumi.runtime.MockResourceArgs): string | undefined {
        const key = `${args.type}::${args.name}`;
        return this.pendingProviders.get(key);
    }
    private readonly pendingProviders = new Map<string, string>();

    /**
     * Wraps the mock monitor so each registration is also recorded with what `newResource` does not see:
     * its URN, parent and providers map.
     */
    attach(): void {
        const monitor = pulumi.runtime.getMonitor() as any;
        const read = monitor.readResource.bind(monitor);
        // Reads (e.g. StackReference) go through readResource: record them too.
        monitor.readResource = (req: any, callback: (err: any, resp: any) => void) =>
            read(req, (err: any, resp: any) => {
                if (!err) this.record(req, resp, { providers: {}, custom: true, remote: false });
                callback(err, resp);
            });
        const register = monitor.registerResource.bind(monitor);
        monitor.registerResource = (req: any, callback: (err: any, resp: any) => void) => {
            const key = `${req.getType()}::${req.getName()}`;
            const providers: Record<string, string> = {};
            req.getProvidersMap().forEach((ref: string, pkg: string) => (providers[pkg] = ref));
            const awsRef = providers["aws"];
            if (awsRef) {
                const region = this.regionOf(awsRef);
                if (region) this.pendingProviders.set(key, region);
            }
            return register(req, (err: any, resp: any) => {
                if (!err) this.record(req, resp, { providers, custom: req.getCustom(), remote: req.getRemote() });
                callback(err, resp);
            });
        };
    }

    /** The outputs the mocks answered for a resource (beyond its echoed inputs). */
    outputsOf(r: RecordedResource): Record<string, any> {
        return this.outputsByKey.get(`${r.type}::${r.name}`) ?? {};
    }

    /** Records one registration (or read) as the monitor saw it, joined with the inputs `newResource` got. */
    private record(req: any, resp: any, kind: Pick<RecordedResource, "providers" | "custom" | "remote">): void {
        this.resources.push({
            urn: resp.getUrn(),
            type: req.getType(),
            name: req.getName(),
            parent: req.getParent() || undefined,
            provider: req.getProvider() || undefined,
            ...kind,
            inputs: this.inputsByKey.get(`${req.getType()}::${req.getName()}`) ?? {},
            dependencies: req.getDependenciesList(),
        });
    }

    byType(type: string): RecordedResource[] {
        return this.resources.filter((r) => r.type === type);
    }

    one(type: string, nameSuffix = ""): RecordedResource {
        const found = this.resources.filter((r) => r.type === type && r.name.endsWith(nameSuffix));
        if (found.length !== 1) {
            throw new Error(
                `expected one ${type}${nameSuffix ? ` named *${nameSuffix}` : ""}, found ${found.length}: ${found.map((r) => r.name).join(", ")}`,
            );
        }
        return found[0];
    }
}

/** Waits until every registration and output of the run has settled. */
async function settle(): Promise<void> {
    // waitForRPCs is internal to the SDK (not in its typings): it drains the queue of outstanding registrations.
    const settings = (await import("@pulumi/pulumi/runtime/settings.js")) as unknown as { waitForRPCs(): Promise<void> };
    await settings.waitForRPCs();
}

export interface MockRun {
    mocks: RecordingMocks;
    outputs: Record<string, unknown>;
    /** Names of the stack outputs that are secrets. */
    secretOutputs: string[];
}

/**
 * Runs the real program (config loader + site) for `stack` with `config` under fresh mocks, and returns what
 * it registered and its resolved outputs. A config error rejects with the loader's `RunError`; with
 * `options.configFile` (the stack file `config` was read from) its fixes say what to change in that file.
 */
export async function runStack(
    stack: string,
    config: RawConfig,
    mocks = new RecordingMocks(),
    options: ConfigOptions = {},
): Promise<MockRun> {
    await pulumi.runtime.setMocks(mocks, "ghost-dcdr", stack, false);
    mocks.attach();
    // Keys the schema marks secret are secret here too, as `pulumi config set --secret` makes them.
    const secretKeys = Object.entries(CONFIG_KEYS)
        .filter(([, s]) => "secret" in s && s.secret)
        .map(([k]) => `${PROJECT}:${k}`);
    pulumi.runtime.setAllConfig({ ...config } as Record<string, string>, secretKeys);
    const site: SiteOutputs = await program(options);
    const outputs: Record<string, unknown> = {};
    const secretOutputs: string[] = [];
    for (const [key, value] of Object.entries(site)) {
        if (pulumi.Output.isInstance(value)) {
            outputs[key] = await promiseOf(value);
            if (await pulumi.isSecret(value)) secretOutputs.push(key);
        } else {
            outputs[key] = value;
        }
    }
    await settle();
    return { mocks, outputs, secretOutputs };
}

export function promiseOf<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) =>
        output.apply((v) => {
            resolve(v);
            return v;
        }),
    );
}

const runCache = new Map<string, Promise<MockRun>>();

/**
 * `runStack` memoised on (stack, config, other stacks' outputs, options): suites that only read a run share it, which
 * keeps `npm test` in seconds. Use `runStack` directly when a test needs its own mocks.
 */
export function cachedRun(
    stack: string,
    config: RawConfig,
    otherStacks: Record<string, Record<string, unknown>> = {},
    options: ConfigOptions = {},
): Promise<MockRun> {
    const key = JSON.stringify([stack, config, otherStacks, options]);
    let run = runCache.get(key);
    if (!run) {
        run = runStack(stack, config, new RecordingMocks(otherStacks), options);
        runCache.set(key, run);
    }
    return run;
}
