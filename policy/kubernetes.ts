/**
 * Kubernetes policies: pinned Helm chart versions and images, guarded CronJobs, and no literal secrets in ConfigMaps,
 * container env or Helm values.
 */
import { asArray, at, isRecord, nonEmptyString, Props, ResourcePolicy } from "./shared";

const TYPES = {
    helm: ["kubernetes:helm.sh/v3:Release", "kubernetes:helm.sh/v3:Chart", "kubernetes:helm.sh/v4:Chart"],
    cronJob: "kubernetes:batch/v1:CronJob",
    configMap: "kubernetes:core/v1:ConfigMap",
} as const;

/** Where each workload type keeps its pod spec. */
const POD_SPEC_PATHS: Readonly<Record<string, readonly string[]>> = {
    "kubernetes:core/v1:Pod": ["spec"],
    "kubernetes:core/v1:ReplicationController": ["spec", "template", "spec"],
    "kubernetes:apps/v1:Deployment": ["spec", "template", "spec"],
    "kubernetes:apps/v1:StatefulSet": ["spec", "template", "spec"],
    "kubernetes:apps/v1:DaemonSet": ["spec", "template", "spec"],
    "kubernetes:apps/v1:ReplicaSet": ["spec", "template", "spec"],
    "kubernetes:batch/v1:Job": ["spec", "template", "spec"],
    "kubernetes:batch/v1:CronJob": ["spec", "jobTemplate", "spec", "template", "spec"],
};
const WORKLOAD_TYPES = Object.keys(POD_SPEC_PATHS);

interface Container {
    /** e.g. `containers[0] "ghost"`, for messages. */
    where: string;
    spec: Props;
}

function containersOf(type: string, inputs: Props): Container[] {
    const path = POD_SPEC_PATHS[type];
    if (!path) return [];
    const podSpec = at(inputs, ...path);
    const out: Container[] = [];
    for (const field of ["initContainers", "containers", "ephemeralContainers"]) {
        asArray(at(podSpec, field)).forEach((c, i) => {
            if (isRecord(c)) out.push({ where: `${field}[${i}] ${JSON.stringify(c.name ?? "")}`, spec: c });
        });
    }
    return out;
}

const EXACT_SEMVER = /^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

const helmReleasePinned: ResourcePolicy = {
    name: "helm-release-pinned-version",
    description: "Every Helm release or chart names an exact chart version (semver, never a range or empty).",
    enforcementLevel: "mandatory",
    remediation: 'Set `version` to the exact chart version (its row in components/pins.ts), e.g. "3.5.0".',
    resourceTypes: TYPES.helm,
    validate(type, inputs) {
        if (!(TYPES.helm as readonly string[]).includes(type)) return [];
        const version = inputs.version;
        if (typeof version === "string" && EXACT_SEMVER.test(version)) return [];
        return [
            `Helm chart ${JSON.stringify(inputs.chart ?? "")} has version ${JSON.stringify(version ?? null)}: without an exact ` +
                'version every deploy can pull a different chart. Fix: pin `version` to an exact semver such as "1.2.3".',
        ];
    },
};

/** Why an image reference is not pinned, or undefined when it is (a tag other than latest, or a digest). */
export function unpinnedImageReason(image: unknown): string | undefined {
    if (typeof image !== "string" || image.trim() === "") return "has no image";
    if (/@sha256:[0-9a-f]{64}$/.test(image)) return undefined;
    const lastSegment = image.slice(image.lastIndexOf("/") + 1);
    const colon = lastSegment.lastIndexOf(":");
    if (colon < 0) return `image ${JSON.stringify(image)} has no tag (means :latest)`;
    const tag = lastSegment.slice(colon + 1);
    if (tag === "") return `image ${JSON.stringify(image)} has an empty tag`;
    if (tag.toLowerCase() === "latest") return `image ${JSON.stringify(image)} uses :latest`;
    return undefined;
}

/** Every `image: { tag }` object in Helm values, with its path. */
function helmImageTags(values: unknown, path = "values"): { path: string; tag: unknown; digest: unknown }[] {
    const out: { path: string; tag: unknown; digest: unknown }[] = [];
    if (Array.isArray(values)) {
        values.forEach((v, i) => out.push(...helmImageTags(v, `${path}[${i}]`)));
    } else if (isRecord(values)) {
        for (const [key, v] of Object.entries(values)) {
            if (key === "image" && isRecord(v) && "tag" in v)
                out.push({ path: `${path}.image.tag`, tag: v.tag, digest: v.digest });
            out.push(...helmImageTags(v, `${path}.${key}`));
        }
    }
    return out;
}

const imagesPinned: ResourcePolicy = {
    name: "k8s-image-pinned",
    description:
        "Every container image (Pods, Deployments, StatefulSets, DaemonSets, Jobs, CronJobs) and every `image.tag` in " +
        "Helm values is pinned: a tag other than latest, or a digest.",
    enforcementLevel: "mandatory",
    remediation: "Use an exact version tag (e.g. ghost:6.3.1) or a @sha256 digest, and bump it deliberately.",
    resourceTypes: [...WORKLOAD_TYPES, ...TYPES.helm],
    validate(type, inputs) {
        const out: string[] = [];
        for (const c of containersOf(type, inputs)) {
            const reason = unpinnedImageReason(c.spec.image);
            if (reason) {
                out.push(
                    `${c.where} ${reason}: the image can change under the same spec. Fix: pin an exact version tag or an @sha256 digest.`,
                );
            }
        }
        if ((TYPES.helm as readonly string[]).includes(type)) {
            for (const { path, tag, digest } of helmImageTags(inputs.values)) {
                if (nonEmptyString(digest)) continue;
                const text = typeof tag === "number" ? String(tag) : tag;
                if (!nonEmptyString(text) || text.toLowerCase() === "latest") {
                    out.push(
                        `Helm ${path} is ${JSON.stringify(tag ?? null)}. Fix: set it to an exact image version (the chart's ` +
                            "appVersion it was tested with), or remove the key to use the chart's pinned default.",
                    );
                }
            }
        }
        return out;
    },
};

const cronJobGuards: ResourcePolicy = {
    name: "k8s-cronjob-guards",
    description:
        "CronJobs never overlap (concurrencyPolicy Forbid), skip runs they missed by too long (startingDeadlineSeconds), " +
        "and time out (jobTemplate.spec.activeDeadlineSeconds).",
    enforcementLevel: "mandatory",
    remediation:
        'Set spec.concurrencyPolicy "Forbid", spec.startingDeadlineSeconds and spec.jobTemplate.spec.activeDeadlineSeconds.',
    resourceTypes: [TYPES.cronJob],
    validate(type, inputs) {
        if (type !== TYPES.cronJob) return [];
        const out: string[] = [];
        const spec = at(inputs, "spec");
        const policy = at(spec, "concurrencyPolicy");
        if (policy !== "Forbid") {
            out.push(
                `concurrencyPolicy is ${JSON.stringify(policy ?? "Allow (default)")}: a slow run overlaps the next (two ` +
                    'backups writing at once). Fix: set spec.concurrencyPolicy to "Forbid".',
            );
        }
        const positive = (v: unknown) => typeof v === "number" && Number.isInteger(v) && v > 0;
        if (!positive(at(spec, "startingDeadlineSeconds"))) {
            out.push(
                "spec.startingDeadlineSeconds is not set: after controller downtime the CronJob may start late, or stop " +
                    "scheduling after 100 missed runs. Fix: set spec.startingDeadlineSeconds (e.g. 600).",
            );
        }
        if (!positive(at(spec, "jobTemplate", "spec", "activeDeadlineSeconds"))) {
            out.push(
                "spec.jobTemplate.spec.activeDeadlineSeconds is not set: a hung run is never stopped and, with Forbid, " +
                    "blocks every later run. Fix: set it to the longest acceptable run time.",
            );
        }
        return out;
    },
};

/**
 * Name segments that mark a secret, and final segments that mark a reference to one (a file path, an id, an ARN)
 * rather than the secret itself: `DB_PASSWORD` is flagged, `DB_PASSWORD_FILE` and `KMS_KEY_ARN` are not.
 */
const SECRET_WORDS = new Set([
    "password",
    "passwd",
    "pwd",
    "pass",
    "secret",
    "secrets",
    "token",
    "key",
    "apikey",
    "credential",
    "credentials",
    "privatekey",
]);
const REFERENCE_SUFFIXES = new Set([
    "file",
    "path",
    "dir",
    "arn",
    "id",
    "name",
    "ref",
    "prefix",
    "suffix",
    "length",
    "ttl",
    "enabled",
    "url",
]);

export function isSecretLookingName(name: string): boolean {
    const words = name
        .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
        .toLowerCase()
        .split(/[^a-z0-9]+/)
        .filter((w) => w !== "");
    if (words.length === 0) return false;
    const last = words[words.length - 1];
    return words.some((w) => SECRET_WORDS.has(w)) && !REFERENCE_SUFFIXES.has(last);
}

/**
 * A literal value: non-empty and with no expansion in it. `$(VAR)` is the kubelet's reference to another variable,
 * and `$VAR`, `${VAR}` and `$(command)` in a script read the secret at run time (the datapath scripts' `secret`
 * helper); none of them is the secret itself.
 */
function isLiteralValue(v: unknown): boolean {
    return nonEmptyString(v) && !/\$(\(|\{|[A-Za-z_])/.test(v);
}

/** Secret-looking keys with literal values inside a ConfigMap value (JSON documents and KEY=value lines). */
function embeddedSecrets(value: string): string[] {
    const found: string[] = [];
    const walk = (v: unknown, path: string) => {
        if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}[${i}]`));
        else if (isRecord(v)) {
            for (const [k, x] of Object.entries(v)) {
                const p = path ? `${path}.${k}` : k;
                if (isSecretLookingName(k) && (typeof x === "string" ? isLiteralValue(x) : typeof x === "number")) found.push(p);
                else walk(x, p);
            }
        }
    };
    try {
        walk(JSON.parse(value), "");
    } catch {
        for (const line of value.split("\n")) {
            const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*[=:]\s*(.*)$/.exec(line);
            if (m && isSecretLookingName(m[1]) && isLiteralValue(m[2].replace(/^["']|["']$/g, ""))) found.push(m[1]);
        }
    }
    return found;
}

/** `{ name, value }` env entries of Helm values (`env`, `extraEnv`, `extraEnvVars` lists at any depth). */
function helmEnvEntries(values: unknown, path = "values"): { path: string; entry: Props }[] {
    const out: { path: string; entry: Props }[] = [];
    if (Array.isArray(values)) {
        values.forEach((v, i) => out.push(...helmEnvEntries(v, `${path}[${i}]`)));
    } else if (isRecord(values)) {
        for (const [key, v] of Object.entries(values)) {
            if (["env", "extraEnv", "extraEnvVars"].includes(key) && Array.isArray(v)) {
                v.forEach((e, i) => {
                    if (isRecord(e)) out.push({ path: `${path}.${key}[${i}]`, entry: e });
                });
            } else {
                out.push(...helmEnvEntries(v, `${path}.${key}`));
            }
        }
    }
    return out;
}

const noPlaintextSecrets: ResourcePolicy = {
    name: "k8s-no-plaintext-secrets",
    description:
        "No secret-looking value (a key named like password/secret/token/key with a non-empty literal) sits in a ConfigMap, " +
        "a container's plain `env` value, or a Helm values `env` list; secrets come through a Secret and secretKeyRef.",
    enforcementLevel: "mandatory",
    remediation:
        "Put the value in a Kubernetes Secret (from a Pulumi secret) and reference it with env[].valueFrom.secretKeyRef, " +
        "or mount it and point a *_FILE variable at it.",
    resourceTypes: [TYPES.configMap, ...WORKLOAD_TYPES, ...TYPES.helm],
    validate(type, inputs) {
        const out: string[] = [];
        const fix = "Fix: store it in a Secret and use env[].valueFrom.secretKeyRef (or a mounted file and a *_FILE variable).";
        if (type === TYPES.configMap) {
            for (const [key, value] of Object.entries(isRecord(inputs.data) ? inputs.data : {})) {
                if (isSecretLookingName(key) && isLiteralValue(value)) {
                    out.push(
                        `ConfigMap key ${JSON.stringify(key)} holds a literal secret-looking value (ConfigMaps are not encrypted). ${fix}`,
                    );
                } else if (typeof value === "string") {
                    for (const inner of embeddedSecrets(value)) {
                        out.push(`ConfigMap key ${JSON.stringify(key)} embeds a literal ${JSON.stringify(inner)}. ${fix}`);
                    }
                }
            }
            return out;
        }
        for (const c of containersOf(type, inputs)) {
            for (const e of asArray(c.spec.env)) {
                if (!isRecord(e) || typeof e.name !== "string") continue;
                if (isSecretLookingName(e.name) && isLiteralValue(e.value)) {
                    out.push(
                        `${c.where} env ${JSON.stringify(e.name)} has a literal value, visible to anyone who can read the workload. ${fix}`,
                    );
                }
            }
        }
        if ((TYPES.helm as readonly string[]).includes(type)) {
            for (const { path, entry } of helmEnvEntries(inputs.values)) {
                if (typeof entry.name === "string" && isSecretLookingName(entry.name) && isLiteralValue(entry.value)) {
                    out.push(`Helm ${path} ${JSON.stringify(entry.name)} has a literal value. ${fix}`);
                }
            }
        }
        return out;
    },
};

/** In the order `pulumi preview` lists them. */
export const KUBERNETES_POLICIES: readonly ResourcePolicy[] = [
    helmReleasePinned,
    imagesPinned,
    cronJobGuards,
    noPlaintextSecrets,
];
