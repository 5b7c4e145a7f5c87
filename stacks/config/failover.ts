/** Failover section: which site is active, how DNS follows it, and the switchover's maintenance mode. */
import type { Site } from "../../components/site";
import { SectionReader } from "./reader";

export type DnsFailover = "manual" | "automatic";

export interface FailoverConfig {
    /** dr stack: its own flag. dc stack: always false (dc learns the flag from the dr stack). */
    readonly failover: boolean;
    /** dc stack: the dr stack to read the flag from; undefined when there is no dr site. */
    readonly peerStack?: string;
    readonly dnsFailover: DnsFailover;
    readonly catchUpRestore: boolean;
    /** Ghost stopped, maintenance page served: writes frozen for a planned switchover. */
    readonly maintenance: boolean;
}

const DNS_FAILOVER_MODES: readonly DnsFailover[] = ["manual", "automatic"];

/** `site`: the valid site, or undefined; the flag belongs on dr, the peer stack on dc. */
export function readFailover(r: SectionReader<"failover">, site: Site | undefined): FailoverConfig | undefined {
    const failover = r.boolean("failover");
    if (failover === true && site === "dc") {
        r.problem(
            "failover",
            "true",
            "is set on the dc stack; the flag lives on the dr stack only",
            r.both(r.rm("failover"), r.set("failover", "true", { stack: "<dr stack>" })),
        );
    }
    const peerStack = r.string("peerStack");
    if (peerStack !== "" && site === "dr") {
        r.problem(
            "peerStack",
            peerStack,
            "is set on the dr stack; only dc reads its peer (dr holds the flag itself)",
            r.rm("peerStack"),
        );
    }
    if (peerStack !== "" && !/^([\w.-]+\/){0,2}[\w.-]+$/.test(peerStack)) {
        r.problem("peerStack", peerStack, "is not a stack name (org/project/stack)", r.set("peerStack", "acme/ghost-dcdr/dr"));
    }
    const dnsFailover = r.choice("dnsFailover", DNS_FAILOVER_MODES, "a DNS failover mode");
    const catchUpRestore = r.boolean("catchUpRestore");
    const maintenance = r.boolean("maintenance");

    if (failover === undefined || dnsFailover === undefined || catchUpRestore === undefined || maintenance === undefined)
        return undefined;
    return { failover, peerStack: peerStack === "" ? undefined : peerStack, dnsFailover, catchUpRestore, maintenance };
}
