import { strict as assert } from "node:assert";
import { cidrsOverlap, formatCidr, parseCidr, planSubnets, Cidr } from "../components/network/subnets";

const cidr = (text: string): Cidr => {
    const c = parseCidr(text);
    if (typeof c === "string") throw new Error(c);
    return c;
};

describe("network subnets", () => {
    it("parses and formats a network", () => {
        assert.equal(formatCidr(cidr("10.10.0.0/16")), "10.10.0.0/16");
        assert.equal(cidr("192.168.4.0/22").base, 192 * 2 ** 24 + (168 << 16) + (4 << 8));
    });

    it("rejects malformed text, out-of-range octets and host bits", () => {
        assert.match(parseCidr("10.10.0.0") as string, /not an IPv4 CIDR/);
        assert.match(parseCidr("10.300.0.0/16") as string, /octets go up to 255/);
        assert.match(parseCidr("10.0.0.0/33") as string, /prefix up to \/32/);
        assert.equal(parseCidr("10.10.1.0/16"), "has host bits set: the network address for /16 is 10.10.0.0/16");
    });

    it("detects overlap in both directions and not for neighbours", () => {
        assert.ok(cidrsOverlap(cidr("10.0.0.0/8"), cidr("10.20.0.0/16")));
        assert.ok(cidrsOverlap(cidr("10.20.0.0/16"), cidr("10.0.0.0/8")));
        assert.ok(!cidrsOverlap(cidr("10.10.0.0/16"), cidr("10.11.0.0/16")));
        assert.ok(!cidrsOverlap(cidr("10.10.0.0/16"), cidr("10.20.0.0/16")));
    });

    it("plans /19 private and /22 public subnets in a /16, disjoint and inside the VPC", () => {
        const vpc = cidr("10.10.0.0/16");
        const plan = planSubnets(vpc, 3);
        assert.deepEqual(plan.privateCidrs, ["10.10.0.0/19", "10.10.32.0/19", "10.10.64.0/19"]);
        assert.deepEqual(plan.publicCidrs, ["10.10.96.0/22", "10.10.100.0/22", "10.10.104.0/22"]);
        const all = [...plan.privateCidrs, ...plan.publicCidrs].map(cidr);
        for (const [i, a] of all.entries()) {
            assert.ok(cidrsOverlap(a, vpc), `${formatCidr(a)} inside the VPC`);
            for (const b of all.slice(i + 1)) assert.ok(!cidrsOverlap(a, b), `${formatCidr(a)} and ${formatCidr(b)} disjoint`);
        }
    });

    it("scales the plan with the VPC size (/20 gives /23 and /26)", () => {
        const plan = planSubnets(cidr("172.16.16.0/20"), 2);
        assert.deepEqual(plan.privateCidrs, ["172.16.16.0/23", "172.16.18.0/23"]);
        assert.deepEqual(plan.publicCidrs, ["172.16.22.0/26", "172.16.22.64/26"]);
    });
});
