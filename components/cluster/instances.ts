/**
 * What the node group needs to know about EC2 instance types: their memory (so the config can refuse pods that
 * cannot fit a node) and their architecture (so the node group boots the matching AMI). Pure data and functions,
 * tested without the engine.
 */
import type { NodeAmiType } from ".";

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
/** Every family of the table, each base followed by its variants. */
export const KNOWN_FAMILIES: readonly string[] = Object.entries(INSTANCE_FAMILIES).flatMap(([base, variants]) => [
    base,
    ...variants,
]);

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

/** The sizes of a known `family` whose memory we know, smallest first (for the message that refuses another). */
export function knownSizes(family: string): string[] {
    return Object.keys(family.startsWith("t") ? BURSTABLE_GIB_BY_SIZE : VCPUS_BY_SIZE).filter(
        (s) => instanceMemoryMi(`${family}.${s}`) !== undefined,
    );
}

/** The EKS-optimised Amazon Linux 2023 AMI type for an instance type: arm64 for Graviton, x86_64 otherwise. */
export function nodeAmiTypeFor(instanceType: string): NodeAmiType {
    return isGravitonFamily(instanceType.split(".")[0]) ? "AL2023_ARM_64_STANDARD" : "AL2023_x86_64_STANDARD";
}
