/**
 * The one place that reads config. `parseConfig` is pure (tested without the engine); `loadConfig` feeds it
 * the stack's config and turns problems into a `RunError`, which Pulumi prints without a stack trace.
 * Every problem is one line naming the key, the bad value and the fix.
 */
import * as pulumi from "@pulumi/pulumi";
import type { NodeAmiType } from "../components/cluster";
import type { SmtpConfig } from "../components/ghost";
import type { Site } from "../components/site";
import { EBS_CSI_DRIVER, KubernetesVersion, SUPPORTED_KUBERNETES_VERSIONS } from "../components/pins";
import { Cidr, cidrsOverlap, formatCidr, parseCidr, planSubnets, SubnetPlan, VPC_PREFIX_MAX, VPC_PREFIX_MIN } from "./cidr";
import { CONFIG_KEYS, ConfigKey, KeySpec, PROJECT } from "./schema";

export type { Site } from "../components/site";
export type NatStrategy = "single" | "perAz";

export interface SiteConfig {
    readonly site: Site;
    readonly peerSite: Site;
    /** Stack name, used in resource names and tags. */
    readonly stack: string;
    readonly region: string;
    readonly peerRegion: string;
    readonly network: {
        readonly vpcCidr: string;
        readonly peerVpcCidr: string;
        readonly availabilityZones: 2 | 3;
        readonly natGateways: NatStrategy;
        readonly subnets: SubnetPlan;
    };
    readonly cluster: {
        /** EKS cluster name; also the tag the cluster autoscaler discovers node groups by. */
        readonly name: string;
        readonly kubernetesVersion: KubernetesVersion;
        /** Exact EBS CSI add-on build; undefined: the most recent build for `kubernetesVersion`, resolved at deploy. */
        readonly ebsCsiAddonVersion?: string;
        readonly nodeInstanceType: string;
        /** Derived from the instance family: arm64 for Graviton, x86_64 otherwise. */
        readonly nodeAmiType: NodeAmiType;
        readonly nodeMinSize: number;
        readonly nodeDesiredSize: number;
        readonly nodeMaxSize: number;
        readonly nodeDiskGi: number;
        readonly endpointPublicAccessCidrs: readonly string[];
        readonly adminRoleArn: string;
    };
    readonly dns: {
        readonly domain: string;
        /** Name that always points at this site, whichever site owns `domain` (e.g. dc.blog.example.com). */
        readonly siteHostname: string;
        readonly hostedZoneId: string;
        readonly externalDns: boolean;
    };
    readonly app: AppConfig;
    readonly backup: BackupConfig;
    readonly failover: FailoverConfig;
    /** Tags for every AWS resource of the site. */
    readonly tags: Readonly<Record<string, string>>;
}

export interface AppConfig {
    /** Namespace of MariaDB, Ghost and the backup and restore jobs. */
    readonly namespace: string;
    readonly ghost: {
        readonly version: string;
        readonly cpu: string;
        readonly memoryMi: number;
        readonly storageGi: number;
        readonly staffDeviceVerification: boolean;
        readonly smtp?: SmtpConfig;
    };
    readonly mariadb: {
        readonly version: string;
        readonly cpu: string;
        readonly memoryMi: number;
        readonly storageGi: number;
        /** Half the memory limit: the rest is for connections, sort buffers and the OS page cache of binlogs. */
        readonly innodbBufferPoolMi: number;
    };
    readonly protectData: boolean;
}

export type DrMode = "warm" | "cold";
export type DnsFailover = "manual" | "automatic";

export interface FailoverConfig {
    /** dr stack: its own flag. dc stack: always false (dc learns the flag from the dr stack). */
    readonly flag: boolean;
    /** dc stack: the dr stack to read the flag from; undefined when there is no dr site. */
    readonly peerStack?: string;
    readonly dns: DnsFailover;
    readonly catchUpRestore: boolean;
    /** Ghost stopped, maintenance page served: writes frozen for a planned switchover. */
    readonly maintenance: boolean;
}
export type ObjectLockMode = "GOVERNANCE" | "COMPLIANCE";

export interface BackupConfig {
    readonly drMode: DrMode;
    /** Backup bucket in this site's region (this site's backups, and the other site's replicated in). */
    readonly localBucket: string;
    /** Backup bucket in the peer region (the replication target of the local one, and vice versa). */
    readonly peerBucket: string;
    /** Key prefix of each site's backup sets. */
    readonly prefixes: Readonly<Record<Site, string>>;
    readonly schedule: string;
    readonly restoreSchedule: string;
    readonly timeZone: string;
    /** Undefined: the newest complete set. */
    readonly restoreBackupId?: string;
    readonly lifecycle: { readonly iaDays: number; readonly glacierDays: number; readonly expireDays: number };
    readonly objectLock?: { readonly mode: ObjectLockMode; readonly days: number };
    /** Set when Ghost's JSON export is on: the staff user it logs in as. */
    readonly ghostExportUser?: string;
}

/** Secret config, kept as secret Outputs; never part of the plain, frozen config. */
export interface SiteSecrets {
    readonly smtpPassword?: pulumi.Output<string>;
    readonly ghostExportPassword?: pulumi.Output<string>;
}

/** S3 bucket names: 3 to 63 lower-case letters, digits and hyphens, starting and ending alphanumeric. */
const BUCKET_RE = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;
const CRON_FIELD_RE = /^(\*|\d+(-\d+)?)(\/\d+)?(,(\*|\d+(-\d+)?)(\/\d+)?)*$/;

/** Whether `text` is a five-field cron schedule as Kubernetes CronJobs take it. */
export function isCronSchedule(text: string): boolean {
    const fields = text.trim().split(/\s+/);
    return fields.length === 5 && fields.every((f) => CRON_FIELD_RE.test(f));
}

function isTimeZone(name: string): boolean {
    try {
        new Intl.DateTimeFormat("en", { timeZone: name });
        return true;
    } catch {
        return false;
    }
}

/** MariaDB majors the backup format and Ghost are proven with (the drill runs Debian's 10.11). */
export const SUPPORTED_MARIADB_SERIES = ["10.11", "11.4", "11.8"] as const;

/**
 * Instance families whose memory per size we know: the general-purpose (m), compute (c), memory (r) and burstable (t)
 * families of the current Intel, AMD and Graviton generations, each with its variants that have the same memory per
 * size (d: local NVMe, n/dn: more network bandwidth, b: more EBS bandwidth, -flex). Left out on purpose: c5n (5.25 GiB
 * per 2 vCPU, not 4) and the x, z, u, i and high-frequency families, which a small Ghost site does not run on. A family
 * not listed here is refused rather than passed unchecked: add it here, with its class's memory, to use it.
 */
export const INSTANCE_FAMILIES: Readonly<Record<string, readonly string[]>> = {
    t3: [],
    t3a: [],
    t4g: [],
    m5: ["m5d", "m5n", "m5dn"],
    m5a: ["m5ad"],
    m6i: ["m6id", "m6in", "m6idn"],
    m6a: [],
    m6g: ["m6gd"],
    m7i: ["m7i-flex"],
    m7a: [],
    m7g: ["m7gd"],
    m8g: ["m8gd"],
    c5: ["c5d"],
    c5a: ["c5ad"],
    c6i: ["c6id", "c6in"],
    c6a: [],
    c6g: ["c6gd", "c6gn"],
    c7i: ["c7i-flex"],
    c7a: [],
    c7g: ["c7gd", "c7gn"],
    c8g: ["c8gd"],
    r5: ["r5d", "r5n", "r5dn", "r5b"],
    r5a: ["r5ad"],
    r6i: ["r6id", "r6in", "r6idn"],
    r6a: [],
    r6g: ["r6gd"],
    r7i: [],
    r7a: [],
    r7g: ["r7gd"],
    r8g: ["r8gd"],
};
const KNOWN_FAMILIES: readonly string[] = Object.entries(INSTANCE_FAMILIES).flatMap(([base, variants]) => [base, ...variants]);

/** Burstable t3, t3a and t4g: memory in GiB per size (the three families share one table). */
const BURSTABLE_GIB_BY_SIZE: Readonly<Record<string, number>> = {
    nano: 0.5,
    micro: 1,
    small: 2,
    medium: 4,
    large: 8,
    xlarge: 16,
    "2xlarge": 32,
};
/** c, m and r families: vCPUs per size (9xlarge and 18xlarge are c5's). */
const VCPUS_BY_SIZE: Readonly<Record<string, number>> = {
    medium: 1,
    large: 2,
    xlarge: 4,
    "2xlarge": 8,
    "4xlarge": 16,
    "8xlarge": 32,
    "9xlarge": 36,
    "12xlarge": 48,
    "16xlarge": 64,
    "18xlarge": 72,
    "24xlarge": 96,
    "32xlarge": 128,
    "48xlarge": 192,
};
const MEMORY_GIB_PER_VCPU: Readonly<Record<string, number>> = { c: 2, m: 4, r: 8 };

/** Graviton (arm64) families have a `g` right after the generation digit: t4g, m7g, c6gn, r8gd. */
export function isGravitonFamily(family: string): boolean {
    return /^[a-z]+\d+g/.test(family);
}

/** Memory of an instance type of a known family in MiB, or undefined for a family or size we do not know. */
export function instanceMemoryMi(instanceType: string): number | undefined {
    const [family, size] = instanceType.split(".");
    if (size === undefined || !KNOWN_FAMILIES.includes(family)) return undefined;
    const kind = family[0];
    if (kind === "t") {
        return Object.hasOwn(BURSTABLE_GIB_BY_SIZE, size) ? BURSTABLE_GIB_BY_SIZE[size] * 1024 : undefined;
    }
    // A one-vCPU medium exists only in the Graviton and 7th-generation AMD families.
    if (!Object.hasOwn(VCPUS_BY_SIZE, size) || (size === "medium" && !isGravitonFamily(family) && !/^[cmr]7a$/.test(family))) {
        return undefined;
    }
    return VCPUS_BY_SIZE[size] * MEMORY_GIB_PER_VCPU[kind] * 1024;
}

/** The EKS-optimised Amazon Linux 2023 AMI type for an instance type: arm64 for Graviton, x86_64 otherwise. */
export function nodeAmiTypeFor(instanceType: string): NodeAmiType {
    return isGravitonFamily(instanceType.split(".")[0]) ? "AL2023_ARM_64_STANDARD" : "AL2023_x86_64_STANDARD";
}

/** All problems found in one pass, so a user fixes them in one go. */
export class ConfigError extends Error {
    constructor(readonly problems: readonly string[]) {
        super(problems.join("\n"));
        this.name = "ConfigError";
    }
}

const REGION_RE = /^[a-z]{2}(-gov|-iso[a-z]?)?-(north|south|east|west|central|northeast|northwest|southeast|southwest)-\d{1,2}$/;
const HOSTED_ZONE_RE = /^Z[A-Z0-9]{1,31}$/;
const ROLE_ARN_RE = /^arn:aws(-cn|-us-gov)?:iam::\d{12}:role\/([\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/;
const INSTANCE_TYPE_RE = /^[a-z][a-z0-9-]*\.[a-z0-9]+$/;
/** An EKS add-on build as `aws eks describe-addon-versions` lists it, e.g. v1.64.0-eksbuild.1. */
const EKS_ADDON_BUILD_RE = /^v\d+\.\d+\.\d+-eksbuild\.\d+$/;
const LABEL_RE = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** Raw config as Pulumi's runtime holds it: `namespace:key` -> string (arrays and objects as JSON). */
export type RawConfig = Readonly<Record<string, string | undefined>>;

/**
 * Validates raw config and returns the typed, frozen site config, or throws ConfigError listing every
 * problem. `stack` is the stack name (dc and dr stacks must say the matching site).
 */
export function parseConfig(raw: RawConfig, stack: string): SiteConfig {
    const problems: string[] = [];
    const fail = (key: string, value: string | undefined, what: string, fix: string): undefined => {
        problems.push(`${key}: ${value === undefined ? "" : `${JSON.stringify(value)} `}${what}. Fix: ${fix}`);
        return undefined;
    };
    const setCmd = (key: string, example: string) => `pulumi config set ${key} ${example} -s ${stack}`;

    // A key with a typo is silently ignored by Pulumi: name it, and suggest the key that was meant.
    const known = new Set(Object.keys(CONFIG_KEYS).map((k) => `${PROJECT}:${k}`));
    for (const key of Object.keys(raw)) {
        if (key.startsWith(`${PROJECT}:`) && !known.has(key)) {
            const guess = closestKey(key.slice(PROJECT.length + 1));
            problems.push(
                `${key}: unknown config key. Fix: ${guess ? `did you mean ${PROJECT}:${guess}? ` : ""}` +
                    `pulumi config rm ${key} -s ${stack} (the keys are listed in Pulumi.yaml and the README)`,
            );
        }
    }

    const get = (key: ConfigKey): string | undefined => {
        const v = raw[`${PROJECT}:${key}`];
        return v === undefined || v.trim() === "" ? undefined : v.trim();
    };
    const requireString = (key: ConfigKey, example: string): string | undefined =>
        get(key) ?? fail(`${PROJECT}:${key}`, undefined, "is required but not set", setCmd(`${PROJECT}:${key}`, example));
    const defaulted = (key: ConfigKey): string => {
        const spec: KeySpec = CONFIG_KEYS[key];
        const d = spec.default;
        return get(key) ?? (d === undefined ? "" : Array.isArray(d) ? JSON.stringify(d) : String(d));
    };
    const integer = (key: ConfigKey, min: number, example: string): number | undefined => {
        const text = defaulted(key);
        if (!/^-?\d+$/.test(text)) {
            return fail(`${PROJECT}:${key}`, text, "is not a whole number", setCmd(`${PROJECT}:${key}`, example));
        }
        const n = Number(text);
        if (n < min) {
            return fail(`${PROJECT}:${key}`, text, `must be ${min} or more`, setCmd(`${PROJECT}:${key}`, example));
        }
        return n;
    };
    const boolean = (key: ConfigKey): boolean | undefined => {
        const text = defaulted(key);
        if (text !== "true" && text !== "false") {
            return fail(`${PROJECT}:${key}`, text, "is not a boolean", setCmd(`${PROJECT}:${key}`, "true (or false)"));
        }
        return text === "true";
    };

    // Site and regions.
    const siteText = requireString("site", "dc");
    let site: Site | undefined;
    if (siteText !== undefined) {
        if (siteText === "dc" || siteText === "dr") {
            site = siteText;
            if ((stack === "dc" || stack === "dr") && stack !== site) {
                fail(`${PROJECT}:site`, siteText, `does not match the stack "${stack}"`, setCmd(`${PROJECT}:site`, stack));
            }
        } else {
            fail(`${PROJECT}:site`, siteText, "is not a site; it must be dc or dr", setCmd(`${PROJECT}:site`, "dc"));
        }
    }
    const exampleRegion = site === "dr" ? "eu-west-2" : "eu-west-1";
    const region = checkRegion("aws:region", raw["aws:region"]?.trim() || undefined, exampleRegion);
    const peerRegion = checkRegion(`${PROJECT}:peerRegion`, get("peerRegion"), site === "dr" ? "eu-west-1" : "eu-west-2");
    function checkRegion(key: string, value: string | undefined, example: string): string | undefined {
        if (value === undefined) {
            return fail(key, undefined, "is required but not set", setCmd(key, example));
        }
        if (!REGION_RE.test(value)) {
            return fail(key, value, "is not an AWS region name", setCmd(key, example));
        }
        return value;
    }
    if (region !== undefined && peerRegion !== undefined && region === peerRegion) {
        fail(
            `${PROJECT}:peerRegion`,
            peerRegion,
            "is the same region as aws:region; DR needs a second region",
            setCmd(`${PROJECT}:peerRegion`, region === "eu-west-2" ? "eu-west-1" : "eu-west-2"),
        );
    }

    // Network.
    const azs = integer("availabilityZones", 0, "3");
    if (azs !== undefined && azs !== 2 && azs !== 3) {
        fail(`${PROJECT}:availabilityZones`, String(azs), "must be 2 or 3", setCmd(`${PROJECT}:availabilityZones`, "3"));
    }
    const vpc = checkCidr("vpcCidr", site === "dr" ? "10.20.0.0/16" : "10.10.0.0/16");
    const peerVpc = checkCidr("peerVpcCidr", site === "dr" ? "10.10.0.0/16" : "10.20.0.0/16");
    function checkCidr(key: ConfigKey, example: string): Cidr | undefined {
        const text = requireString(key, example);
        if (text === undefined) return undefined;
        const parsed = parseCidr(text);
        if (typeof parsed === "string") {
            return fail(`${PROJECT}:${key}`, text, parsed, setCmd(`${PROJECT}:${key}`, example));
        }
        if (parsed.prefix < VPC_PREFIX_MIN) {
            return fail(
                `${PROJECT}:${key}`,
                text,
                `is larger than AWS allows for a VPC (/${VPC_PREFIX_MIN} at most)`,
                setCmd(`${PROJECT}:${key}`, example),
            );
        }
        if (parsed.prefix > VPC_PREFIX_MAX) {
            return fail(
                `${PROJECT}:${key}`,
                text,
                `is too small for the subnets (private subnets would be /${parsed.prefix + 3}, too few addresses for pods)`,
                `use a /${VPC_PREFIX_MIN} to /${VPC_PREFIX_MAX}: ${setCmd(`${PROJECT}:${key}`, example)}`,
            );
        }
        return parsed;
    }
    if (vpc && peerVpc && cidrsOverlap(vpc, peerVpc)) {
        fail(
            `${PROJECT}:peerVpcCidr`,
            formatCidr(peerVpc),
            `overlaps vpcCidr ${formatCidr(vpc)}, so the VPCs could never be peered`,
            "give each site its own range, e.g. 10.10.0.0/16 for dc and 10.20.0.0/16 for dr",
        );
    }
    const nat = defaulted("natGateways");
    if (nat !== "single" && nat !== "perAz") {
        fail(
            `${PROJECT}:natGateways`,
            nat,
            "is not a NAT strategy; it must be single or perAz",
            setCmd(`${PROJECT}:natGateways`, "perAz"),
        );
    }

    // Cluster.
    const k8s = defaulted("kubernetesVersion");
    const k8sKnown = (SUPPORTED_KUBERNETES_VERSIONS as readonly string[]).includes(k8s);
    if (!k8sKnown) {
        // Unquoted in YAML, 1.30 is the number 1.3: say so rather than only "unsupported".
        const yamlNumber = (SUPPORTED_KUBERNETES_VERSIONS as readonly string[]).includes(`${k8s}0`)
            ? ` (YAML read ${k8s}0 as the number ${k8s}: quote it, "${k8s}0")`
            : "";
        fail(
            `${PROJECT}:kubernetesVersion`,
            k8s,
            `is not a version EKS supports (${SUPPORTED_KUBERNETES_VERSIONS.join(", ")})${yamlNumber}`,
            setCmd(`${PROJECT}:kubernetesVersion`, "1.33"),
        );
    }
    const ebsCsiAddonVersion = defaulted("ebsCsiAddonVersion");
    if (ebsCsiAddonVersion !== "" && !EKS_ADDON_BUILD_RE.test(ebsCsiAddonVersion)) {
        const noV = EKS_ADDON_BUILD_RE.test(`v${ebsCsiAddonVersion}`) ? " (the leading v is missing)" : "";
        fail(
            `${PROJECT}:ebsCsiAddonVersion`,
            ebsCsiAddonVersion,
            `is not an EKS add-on build (v<major>.<minor>.<patch>-eksbuild.<n>)${noV}`,
            `${setCmd(`${PROJECT}:ebsCsiAddonVersion`, "v1.64.0-eksbuild.1")} (aws eks describe-addon-versions ` +
                `--addon-name ${EBS_CSI_DRIVER.addonName} --kubernetes-version ${k8sKnown ? k8s : "1.33"} lists the builds), ` +
                `or pulumi config rm ${PROJECT}:ebsCsiAddonVersion -s ${stack} for the newest`,
        );
    }
    const instanceType = defaulted("nodeInstanceType");
    const nodeMemoryMi = instanceMemoryMi(instanceType);
    const family = instanceType.split(".")[0];
    if (!INSTANCE_TYPE_RE.test(instanceType)) {
        fail(
            `${PROJECT}:nodeInstanceType`,
            instanceType,
            "is not an EC2 instance type",
            setCmd(`${PROJECT}:nodeInstanceType`, "m6i.large"),
        );
    } else if (!KNOWN_FAMILIES.includes(family)) {
        // Without the node's memory the pods could not be checked to fit; an unknown family must not pass unchecked.
        fail(
            `${PROJECT}:nodeInstanceType`,
            instanceType,
            `is not of an instance family whose memory this program knows (${KNOWN_FAMILIES.join(", ")})`,
            `${setCmd(`${PROJECT}:nodeInstanceType`, "m6i.large")}, or add the family to INSTANCE_FAMILIES in stacks/config.ts`,
        );
    } else if (nodeMemoryMi === undefined) {
        const sizes = Object.keys(family.startsWith("t") ? BURSTABLE_GIB_BY_SIZE : VCPUS_BY_SIZE).filter(
            (s) => instanceMemoryMi(`${family}.${s}`) !== undefined,
        );
        fail(
            `${PROJECT}:nodeInstanceType`,
            instanceType,
            `is not a size of ${family} this program knows (${sizes.join(", ")})`,
            setCmd(`${PROJECT}:nodeInstanceType`, `${family}.large`),
        );
    }
    const minSize = integer("nodeMinSize", 0, "2");
    const desiredSize = integer("nodeDesiredSize", 0, "2");
    const maxSize = integer("nodeMaxSize", 1, "5");
    if (
        minSize !== undefined &&
        desiredSize !== undefined &&
        maxSize !== undefined &&
        !(minSize <= desiredSize && desiredSize <= maxSize)
    ) {
        fail(
            `${PROJECT}:nodeMinSize/nodeDesiredSize/nodeMaxSize`,
            `${minSize}/${desiredSize}/${maxSize}`,
            "must satisfy min <= desired <= max",
            "set e.g. nodeMinSize 2, nodeDesiredSize 2, nodeMaxSize 5",
        );
    }
    const diskGi = integer("nodeDiskGi", 20, "50");
    const endpointCidrs = parseStringArray("endpointPublicAccessCidrs", "'[\"203.0.113.0/24\"]'");
    for (const c of endpointCidrs ?? []) {
        const parsed = parseCidr(c);
        if (typeof parsed === "string") {
            fail(
                `${PROJECT}:endpointPublicAccessCidrs`,
                c,
                parsed,
                setCmd(`${PROJECT}:endpointPublicAccessCidrs`, "'[\"203.0.113.0/24\"]'"),
            );
        }
    }
    function parseStringArray(key: ConfigKey, example: string): string[] | undefined {
        const text = defaulted(key);
        let value: unknown;
        try {
            value = JSON.parse(text);
        } catch {
            value = undefined;
        }
        if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) {
            return fail(
                `${PROJECT}:${key}`,
                text,
                "is not a list of strings",
                `${setCmd(`${PROJECT}:${key}`, example)} (or a YAML list in the stack file)`,
            );
        }
        return value;
    }
    const adminRoleArn = requireString("adminRoleArn", "arn:aws:iam::123456789012:role/platform-admin");
    if (adminRoleArn !== undefined && !ROLE_ARN_RE.test(adminRoleArn)) {
        fail(
            `${PROJECT}:adminRoleArn`,
            adminRoleArn,
            "is not an IAM role ARN (arn:aws:iam::<12-digit account>:role/<name>)",
            setCmd(`${PROJECT}:adminRoleArn`, "arn:aws:iam::123456789012:role/platform-admin"),
        );
    }

    // DNS.
    const domain = requireString("domain", "blog.example.com");
    if (domain !== undefined) {
        const why = hostnameProblem(domain);
        if (why) fail(`${PROJECT}:domain`, domain, why, setCmd(`${PROJECT}:domain`, "blog.example.com"));
    }
    const zone = requireString("hostedZoneId", "Z0123456789ABCDEFGHIJ");
    if (zone !== undefined && !HOSTED_ZONE_RE.test(zone)) {
        const hint = zone.startsWith("/hostedzone/") ? " (drop the /hostedzone/ prefix)" : "";
        fail(
            `${PROJECT}:hostedZoneId`,
            zone,
            `is not a Route 53 hosted zone id${hint}`,
            setCmd(`${PROJECT}:hostedZoneId`, "Z0123456789ABCDEFGHIJ") + " (aws route53 list-hosted-zones shows yours)",
        );
    }
    const externalDns = boolean("externalDns");

    // Application tier.
    const ghostVersion = defaulted("ghostVersion");
    if (!/^6\.\d+\.\d+$/.test(ghostVersion)) {
        fail(
            `${PROJECT}:ghostVersion`,
            ghostVersion,
            "is not a pinned Ghost 6 release (6.x.y; no latest, no ranges)",
            setCmd(`${PROJECT}:ghostVersion`, String(CONFIG_KEYS.ghostVersion.default)),
        );
    }
    const mariadbVersion = defaulted("mariadbVersion");
    const series = /^(\d+\.\d+)\.\d+$/.exec(mariadbVersion)?.[1];
    if (!series || !(SUPPORTED_MARIADB_SERIES as readonly string[]).includes(series)) {
        fail(
            `${PROJECT}:mariadbVersion`,
            mariadbVersion,
            `is not a pinned MariaDB release of a supported series (${SUPPORTED_MARIADB_SERIES.join(", ")}; x.y.z)`,
            setCmd(`${PROJECT}:mariadbVersion`, String(CONFIG_KEYS.mariadbVersion.default)),
        );
    }
    const cpu = (key: ConfigKey): string => {
        const text = defaulted(key);
        if (!/^(\d+m|\d+(\.\d+)?)$/.test(text) || Number.parseFloat(text) === 0) {
            fail(`${PROJECT}:${key}`, text, "is not a CPU quantity (e.g. 500m or 1)", setCmd(`${PROJECT}:${key}`, "500m"));
        }
        return text;
    };
    const ghostCpu = cpu("ghostCpu");
    const mariadbCpu = cpu("mariadbCpu");
    const ghostMemoryMi = integer("ghostMemoryMi", 512, "1024");
    const mariadbMemoryMi = integer("mariadbMemoryMi", 512, "2048");
    const ghostStorageGi = integer("ghostStorageGi", 1, "10");
    const mariadbStorageGi = integer("mariadbStorageGi", 1, "20");
    if (nodeMemoryMi !== undefined && ghostMemoryMi !== undefined && mariadbMemoryMi !== undefined) {
        // Leave a quarter of the node to the kubelet, system pods and the add-ons.
        const budget = Math.floor(nodeMemoryMi * 0.75);
        if (ghostMemoryMi > budget || mariadbMemoryMi > budget) {
            fail(
                `${PROJECT}:ghostMemoryMi/mariadbMemoryMi`,
                `${ghostMemoryMi}/${mariadbMemoryMi}`,
                `does not fit a ${instanceType} node (${nodeMemoryMi} MiB; at most ${budget} MiB per pod)`,
                "lower the memory or choose a larger nodeInstanceType",
            );
        }
    }
    const staffDeviceVerification = boolean("staffDeviceVerification");
    const smtpHost = defaulted("smtpHost");
    const smtpPort = integer("smtpPort", 1, "587");
    const smtpUser = defaulted("smtpUser");
    const smtpFrom = defaulted("smtpFrom");
    const hasSmtpPassword = raw[`${PROJECT}:smtpPassword`] !== undefined;
    if (smtpHost !== "") {
        const why = hostnameProblem(smtpHost);
        if (why) fail(`${PROJECT}:smtpHost`, smtpHost, why, setCmd(`${PROJECT}:smtpHost`, "email-smtp.eu-west-1.amazonaws.com"));
    }
    if (smtpPort !== undefined && smtpPort > 65535) {
        fail(`${PROJECT}:smtpPort`, String(smtpPort), "is not a TCP port", setCmd(`${PROJECT}:smtpPort`, "587"));
    }
    if (smtpFrom !== "" && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(smtpFrom)) {
        fail(`${PROJECT}:smtpFrom`, smtpFrom, "is not an email address", setCmd(`${PROJECT}:smtpFrom`, "blog@example.com"));
    }
    if ((smtpUser !== "") !== hasSmtpPassword) {
        fail(
            `${PROJECT}:${smtpUser !== "" ? "smtpPassword" : "smtpUser"}`,
            undefined,
            "is missing: SMTP authentication needs both smtpUser and smtpPassword",
            smtpUser !== ""
                ? `pulumi config set --secret ${PROJECT}:smtpPassword -s ${stack}`
                : setCmd(`${PROJECT}:smtpUser`, "<user>"),
        );
    }
    if (staffDeviceVerification === true && smtpHost === "") {
        fail(
            `${PROJECT}:staffDeviceVerification`,
            "true",
            "needs mail: Ghost emails a login code and staff could not log in without it",
            `set ${PROJECT}:smtpHost, or ${setCmd(`${PROJECT}:staffDeviceVerification`, "false")}`,
        );
    }
    const protectData = boolean("protectData");

    // Backups and restore.
    const drMode = defaulted("drMode");
    if (drMode !== "warm" && drMode !== "cold") {
        fail(`${PROJECT}:drMode`, drMode, "is not a DR mode; it must be warm or cold", setCmd(`${PROJECT}:drMode`, "warm"));
    }
    // Derived from the domain when not set; only checked once the parts it is made of are valid.
    const domainValid = domain !== undefined && hostnameProblem(domain) === undefined;
    const bucketPrefix =
        defaulted("backupBucketPrefix") ||
        `${PROJECT}-${(domainValid ? domain : "blog").replace(/\./g, "-")}`.slice(0, 63 - "-backups-ap-southeast-2".length);
    const bucketName = (r: string | undefined) => `${bucketPrefix}-backups-${r ?? "region"}`;
    for (const r of [region, peerRegion]) {
        if (r !== undefined && (domainValid || get("backupBucketPrefix") !== undefined) && !BUCKET_RE.test(bucketName(r))) {
            fail(
                `${PROJECT}:backupBucketPrefix`,
                bucketPrefix,
                `gives the bucket name ${bucketName(r)}, which S3 refuses (3-63 lower-case letters, digits, hyphens)`,
                setCmd(`${PROJECT}:backupBucketPrefix`, "acme-blog"),
            );
        }
    }
    const schedule = (key: ConfigKey, example: string): string => {
        const text = defaulted(key);
        if (!isCronSchedule(text)) {
            fail(`${PROJECT}:${key}`, text, "is not a five-field cron schedule", setCmd(`${PROJECT}:${key}`, `"${example}"`));
        }
        return text;
    };
    const backupSchedule = schedule("backupSchedule", "0 * * * *");
    const restoreSchedule = schedule("restoreSchedule", "30 * * * *");
    const timeZone = defaulted("scheduleTimeZone");
    if (!isTimeZone(timeZone)) {
        fail(
            `${PROJECT}:scheduleTimeZone`,
            timeZone,
            "is not an IANA time zone",
            setCmd(`${PROJECT}:scheduleTimeZone`, "Europe/London"),
        );
    }
    const restoreBackupId = defaulted("restoreBackupId");
    if (restoreBackupId !== "" && !/^\d{8}T\d{6}Z$/.test(restoreBackupId)) {
        fail(
            `${PROJECT}:restoreBackupId`,
            restoreBackupId,
            "is not a backup id (YYYYMMDDTHHMMSSZ, as listed under the bucket prefix)",
            `pulumi config rm ${PROJECT}:restoreBackupId -s ${stack} (newest), or set an id such as 20261121T220000Z`,
        );
    }
    const iaDays = integer("backupTransitionIaDays", 30, "30");
    const glacierDays = integer("backupTransitionGlacierDays", 1, "90");
    const expireDays = integer("backupExpireDays", 1, "365");
    if (
        iaDays !== undefined &&
        glacierDays !== undefined &&
        expireDays !== undefined &&
        !(iaDays < glacierDays && glacierDays < expireDays)
    ) {
        fail(
            `${PROJECT}:backupTransitionIaDays/backupTransitionGlacierDays/backupExpireDays`,
            `${iaDays}/${glacierDays}/${expireDays}`,
            "must increase (Standard-IA, then Glacier, then expiry)",
            "set e.g. 30, 90 and 365",
        );
    }
    const lockMode = defaulted("backupObjectLockMode");
    if (lockMode !== "" && lockMode !== "GOVERNANCE" && lockMode !== "COMPLIANCE") {
        fail(
            `${PROJECT}:backupObjectLockMode`,
            lockMode,
            "is not an Object Lock mode; it must be empty, GOVERNANCE or COMPLIANCE",
            setCmd(`${PROJECT}:backupObjectLockMode`, "GOVERNANCE"),
        );
    }
    const lockDays = integer("backupObjectLockDays", 1, "30");
    if (lockMode !== "" && lockDays !== undefined && expireDays !== undefined && lockDays > expireDays) {
        fail(
            `${PROJECT}:backupObjectLockDays`,
            String(lockDays),
            `is longer than backupExpireDays (${expireDays}): locked backups could never expire`,
            setCmd(`${PROJECT}:backupObjectLockDays`, String(Math.min(30, expireDays))),
        );
    }
    const ghostExport = boolean("ghostExport");
    const exportUser = defaulted("ghostExportUser");
    if (ghostExport === true && (exportUser === "" || raw[`${PROJECT}:ghostExportPassword`] === undefined)) {
        fail(
            `${PROJECT}:ghostExport`,
            "true",
            "needs the staff user it logs in as (ghostExportUser and ghostExportPassword)",
            `${setCmd(`${PROJECT}:ghostExportUser`, "admin@example.com")} && pulumi config set --secret ${PROJECT}:ghostExportPassword -s ${stack}`,
        );
    }

    // Failover.
    const failover = boolean("failover");
    if (failover === true && site === "dc") {
        fail(
            `${PROJECT}:failover`,
            "true",
            "is set on the dc stack; the flag lives on the dr stack only",
            `pulumi config rm ${PROJECT}:failover -s ${stack} && pulumi config set ${PROJECT}:failover true -s <dr stack>`,
        );
    }
    const peerStack = defaulted("peerStack");
    if (peerStack !== "" && site === "dr") {
        fail(
            `${PROJECT}:peerStack`,
            peerStack,
            "is set on the dr stack; only dc reads its peer (dr holds the flag itself)",
            `pulumi config rm ${PROJECT}:peerStack -s ${stack}`,
        );
    }
    if (peerStack !== "" && !/^([\w.-]+\/){0,2}[\w.-]+$/.test(peerStack)) {
        fail(
            `${PROJECT}:peerStack`,
            peerStack,
            "is not a stack name (org/project/stack)",
            setCmd(`${PROJECT}:peerStack`, "acme/ghost-dcdr/dr"),
        );
    }
    const dnsFailover = defaulted("dnsFailover");
    if (dnsFailover !== "manual" && dnsFailover !== "automatic") {
        fail(
            `${PROJECT}:dnsFailover`,
            dnsFailover,
            "is not a DNS failover mode; it must be manual or automatic",
            setCmd(`${PROJECT}:dnsFailover`, "manual"),
        );
    }
    const catchUpRestore = boolean("catchUpRestore");
    const maintenance = boolean("maintenance");

    if (problems.length > 0) {
        throw new ConfigError(problems);
    }
    // Every value below was checked above; the casts only narrow what the checks proved.
    const s = site as Site;
    const azCount = azs as 2 | 3;
    return deepFreeze({
        site: s,
        peerSite: s === "dc" ? "dr" : "dc",
        stack,
        region: region as string,
        peerRegion: peerRegion as string,
        network: {
            vpcCidr: formatCidr(vpc as Cidr),
            peerVpcCidr: formatCidr(peerVpc as Cidr),
            availabilityZones: azCount,
            natGateways: nat as NatStrategy,
            subnets: planSubnets(vpc as Cidr, azCount),
        },
        cluster: {
            name: `${PROJECT}-${s}`,
            kubernetesVersion: k8s as KubernetesVersion,
            ebsCsiAddonVersion: ebsCsiAddonVersion === "" ? undefined : ebsCsiAddonVersion,
            nodeInstanceType: instanceType,
            nodeAmiType: nodeAmiTypeFor(instanceType),
            nodeMinSize: minSize as number,
            nodeDesiredSize: desiredSize as number,
            nodeMaxSize: maxSize as number,
            nodeDiskGi: diskGi as number,
            endpointPublicAccessCidrs: endpointCidrs as string[],
            adminRoleArn: adminRoleArn as string,
        },
        dns: {
            domain: domain as string,
            siteHostname: `${s}.${domain}`,
            hostedZoneId: zone as string,
            externalDns: externalDns as boolean,
        },
        app: {
            namespace: "ghost",
            ghost: {
                version: ghostVersion,
                cpu: ghostCpu,
                memoryMi: ghostMemoryMi as number,
                storageGi: ghostStorageGi as number,
                staffDeviceVerification: staffDeviceVerification as boolean,
                smtp: smtpHost === "" ? undefined : { host: smtpHost, port: smtpPort as number, user: smtpUser, from: smtpFrom },
            },
            mariadb: {
                version: mariadbVersion,
                cpu: mariadbCpu,
                memoryMi: mariadbMemoryMi as number,
                storageGi: mariadbStorageGi as number,
                innodbBufferPoolMi: Math.floor((mariadbMemoryMi as number) / 2),
            },
            protectData: protectData as boolean,
        },
        backup: {
            drMode: drMode as DrMode,
            localBucket: bucketName(region),
            peerBucket: bucketName(peerRegion),
            prefixes: { dc: "ghost/dc/", dr: "ghost/dr/" },
            schedule: backupSchedule,
            restoreSchedule,
            timeZone,
            restoreBackupId: restoreBackupId === "" ? undefined : restoreBackupId,
            lifecycle: { iaDays: iaDays as number, glacierDays: glacierDays as number, expireDays: expireDays as number },
            objectLock: lockMode === "" ? undefined : { mode: lockMode as ObjectLockMode, days: lockDays as number },
            ghostExportUser: ghostExport ? exportUser : undefined,
        },
        failover: {
            flag: failover as boolean,
            peerStack: peerStack === "" ? undefined : peerStack,
            dns: dnsFailover as DnsFailover,
            catchUpRestore: catchUpRestore as boolean,
            maintenance: maintenance as boolean,
        },
        tags: { project: PROJECT, site: s, stack, "managed-by": "pulumi" },
    });
}

/** Why `name` is not a DNS hostname we can publish, or undefined when it is one. */
export function hostnameProblem(name: string): string | undefined {
    if (/^[a-z]+:\/\//i.test(name)) return "is a URL, not a hostname (drop the scheme and any path)";
    if (name !== name.toLowerCase()) return "has upper-case letters; DNS names here are lower case";
    if (name.endsWith(".")) return "ends with a dot; give the name without the trailing dot";
    if (name.length > 253) return "is longer than 253 characters";
    const labels = name.split(".");
    if (labels.length < 2) return "is not a fully qualified hostname (expected something like blog.example.com)";
    if (!labels.every((l) => LABEL_RE.test(l))) return "is not a hostname (labels are a-z, 0-9 and inner hyphens, 1 to 63 long)";
    return undefined;
}

/** The known key nearest to a typo (edit distance at most 3), for "did you mean". */
function closestKey(typo: string): string | undefined {
    let best: string | undefined;
    let bestDistance = 4;
    for (const key of Object.keys(CONFIG_KEYS)) {
        const d = editDistance(typo.toLowerCase(), key.toLowerCase());
        if (d < bestDistance) {
            best = key;
            bestDistance = d;
        }
    }
    return best;
}

function editDistance(a: string, b: string): number {
    const row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
        let diagonal = row[0];
        row[0] = i;
        for (let j = 1; j <= b.length; j++) {
            const above = row[j];
            row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
            diagonal = above;
        }
    }
    return row[b.length];
}

function deepFreeze<T>(value: T): T {
    if (value && typeof value === "object") {
        for (const v of Object.values(value)) deepFreeze(v);
        Object.freeze(value);
    }
    return value;
}

/** Reads this stack's config through Pulumi and validates it; a problem stops the program before any resource. */
export function loadConfig(): { config: SiteConfig; secrets: SiteSecrets } {
    try {
        const config = parseConfig(pulumi.runtime.allConfig(), pulumi.getStack());
        const project = new pulumi.Config(PROJECT);
        return {
            config,
            secrets: {
                smtpPassword: project.getSecret("smtpPassword"),
                ghostExportPassword: project.getSecret("ghostExportPassword"),
            },
        };
    } catch (e) {
        if (e instanceof ConfigError) {
            throw new pulumi.RunError(`invalid stack config:\n${e.message}`);
        }
        throw e;
    }
}
