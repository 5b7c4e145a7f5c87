/** Network section: the VPC ranges of both sites, the availability zones and the NAT gateways. */
import {
    Cidr,
    cidrsOverlap,
    formatCidr,
    NAT_STRATEGIES,
    NatStrategy,
    parseCidr,
    planSubnets,
    PRIVATE_SUBNET_BITS,
    SubnetPlan,
    VPC_PREFIX_MAX,
    VPC_PREFIX_MIN,
} from "../../components/network/subnets";
import type { Site } from "../../components/site";
import { defaultText, SectionReader } from "./reader";

export interface NetworkConfig {
    readonly vpcCidr: string;
    readonly peerVpcCidr: string;
    readonly availabilityZones: 2 | 3;
    readonly natGateways: NatStrategy;
    readonly subnets: SubnetPlan;
}

/** The ranges the examples of the messages give each site. */
const EXAMPLE_CIDRS: Readonly<Record<Site, string>> = { dc: "10.10.0.0/16", dr: "10.20.0.0/16" };

/** `site`: the valid site, or undefined; it only picks the examples. */
export function readNetwork(r: SectionReader<"network">, site: Site | undefined): NetworkConfig | undefined {
    const azs = r.integer("availabilityZones", { min: 0 });
    const availabilityZones = azs === undefined || azs === 2 || azs === 3 ? azs : undefined;
    if (azs !== undefined && availabilityZones === undefined) {
        r.problem(
            "availabilityZones",
            String(azs),
            "must be 2 or 3",
            r.set("availabilityZones", defaultText("availabilityZones")),
        );
    }
    const vpc = checkCidr("vpcCidr", EXAMPLE_CIDRS[site ?? "dc"]);
    const peerVpc = checkCidr("peerVpcCidr", EXAMPLE_CIDRS[site === "dr" ? "dc" : "dr"]);
    function checkCidr(key: "vpcCidr" | "peerVpcCidr", example: string): Cidr | undefined {
        const text = r.required(key, example);
        if (text === undefined) return undefined;
        const parsed = parseCidr(text);
        if (typeof parsed === "string") {
            return r.problem(key, text, parsed, r.set(key, example));
        }
        if (parsed.prefix < VPC_PREFIX_MIN) {
            return r.problem(key, text, `is larger than AWS allows for a VPC (/${VPC_PREFIX_MIN} at most)`, r.set(key, example));
        }
        if (parsed.prefix > VPC_PREFIX_MAX) {
            return r.problem(
                key,
                text,
                `is too small for the subnets (private subnets would be /${parsed.prefix + PRIVATE_SUBNET_BITS}, too few addresses for pods)`,
                `use a /${VPC_PREFIX_MIN} to /${VPC_PREFIX_MAX}: ${r.set(key, example)}`,
            );
        }
        return parsed;
    }
    if (vpc && peerVpc && cidrsOverlap(vpc, peerVpc)) {
        r.problem(
            "peerVpcCidr",
            formatCidr(peerVpc),
            `overlaps vpcCidr ${formatCidr(vpc)}, so the VPCs could never be peered`,
            `give each site its own range, e.g. ${EXAMPLE_CIDRS.dc} for dc and ${EXAMPLE_CIDRS.dr} for dr`,
        );
    }
    const natGateways = r.choice("natGateways", NAT_STRATEGIES, "a NAT strategy");

    if (availabilityZones === undefined || vpc === undefined || peerVpc === undefined || natGateways === undefined) {
        return undefined;
    }
    return {
        vpcCidr: formatCidr(vpc),
        peerVpcCidr: formatCidr(peerVpc),
        availabilityZones,
        natGateways,
        subnets: planSubnets(vpc, availabilityZones),
    };
}
