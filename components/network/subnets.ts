/**
 * The network's planning: IPv4 CIDR arithmetic and the subnet plan, as pure functions beside the component that
 * uses them, so they are tested without the engine (the awsx `vpc.ts` pattern). The config checks the VPC ranges with
 * the same functions.
 */

/** `single`: one NAT gateway (an AZ outage cuts egress for the others); `perAz`: one per AZ. */
export type NatStrategy = "single" | "perAz";
export const NAT_STRATEGIES: readonly NatStrategy[] = ["single", "perAz"];

export interface Cidr {
    /** Network address as an unsigned 32-bit integer. */
    readonly base: number;
    readonly prefix: number;
}

const CIDR_RE = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** Parses `a.b.c.d/n`; returns an error string (for the config message) instead of throwing. */
export function parseCidr(text: string): Cidr | string {
    const m = CIDR_RE.exec(text.trim());
    if (!m) {
        return "is not an IPv4 CIDR block (expected a.b.c.d/n, e.g. 10.10.0.0/16)";
    }
    const octets = m.slice(1, 5).map(Number);
    const prefix = Number(m[5]);
    if (octets.some((o) => o > 255) || prefix > 32) {
        return "is not an IPv4 CIDR block (octets go up to 255, the prefix up to /32)";
    }
    const base = ((octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]) >>> 0;
    const size = 2 ** (32 - prefix);
    if (base % size !== 0) {
        return `has host bits set: the network address for /${prefix} is ${formatCidr({ base: base - (base % size), prefix })}`;
    }
    return { base, prefix };
}

export function formatCidr(c: Cidr): string {
    const b = c.base;
    return `${b >>> 24}.${(b >>> 16) & 255}.${(b >>> 8) & 255}.${b & 255}/${c.prefix}`;
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
    const size = 2 ** (32 - Math.min(a.prefix, b.prefix));
    return Math.floor(a.base / size) === Math.floor(b.base / size);
}

/** The largest VPC AWS allows is a /16; below a /20 the private subnets get too few addresses for pods. */
export const VPC_PREFIX_MIN = 16;
export const VPC_PREFIX_MAX = 20;

/**
 * Private subnets are 1/8 of the VPC each (a /19 in a /16: the VPC CNI gives every pod a VPC address, so
 * nodes' subnets need room). Public subnets only hold load balancers and NAT gateways: 1/64 each (a /22).
 * Layout: blocks 0..2 of size /p+3 private, the fourth /p+3 block holds the public /p+6 subnets and leaves
 * the rest free for later (e.g. isolated database subnets).
 */
export const PRIVATE_SUBNET_BITS = 3;
export const PUBLIC_SUBNET_BITS = 6;

export interface SubnetPlan {
    readonly privateCidrs: readonly string[];
    readonly publicCidrs: readonly string[];
}

export function planSubnets(vpc: Cidr, azCount: number): SubnetPlan {
    const privateSize = 2 ** (32 - (vpc.prefix + PRIVATE_SUBNET_BITS));
    const publicSize = 2 ** (32 - (vpc.prefix + PUBLIC_SUBNET_BITS));
    const publicStart = vpc.base + 3 * privateSize;
    const privateCidrs: string[] = [];
    const publicCidrs: string[] = [];
    for (let i = 0; i < azCount; i++) {
        privateCidrs.push(formatCidr({ base: vpc.base + i * privateSize, prefix: vpc.prefix + PRIVATE_SUBNET_BITS }));
        publicCidrs.push(formatCidr({ base: publicStart + i * publicSize, prefix: vpc.prefix + PUBLIC_SUBNET_BITS }));
    }
    return { privateCidrs, publicCidrs };
}
