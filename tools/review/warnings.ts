/**
 * Warnings the plan prints before anything else: they do not stop the plan (it runs in CI on the committed example
 * stack files), but each names what would go wrong on a real deploy and the fix. Pure: the stack files are arguments.
 */
import { MOCK_ACCOUNT } from "../mocks";
import { CONFIG_KEYS, PROJECT } from "../../stacks/schema";

/**
 * The example values the committed stack files ship with (their header says to replace them): the RFC 2606 domain, a
 * made-up hosted zone id, and the documentation account id (also the one the mocks answer with).
 */
export const EXAMPLE_VALUES = {
    domain: "blog.example.com",
    hostedZoneId: "Z0123456789ABCDEFGHIJ",
    account: MOCK_ACCOUNT,
} as const;

/** Domains reserved for documentation (RFC 2606): nobody can publish a blog there. */
const RESERVED_DOMAIN = /(^|\.)example\.(com|net|org)$/;

export interface StackFile {
    readonly stack: string;
    readonly file: string;
    readonly config: Readonly<Record<string, string>>;
}

const key = (k: string) => `${PROJECT}:${k}`;

/** The last segment of a fully qualified stack name (org/project/stack -> stack). */
export function stackNameOf(qualified: string): string {
    return qualified.split("/").pop() ?? qualified;
}

export function stackWarnings(current: StackFile, others: readonly StackFile[]): string[] {
    const out: string[] = [];
    const c = current.config;
    const set = (k: string, example: string) => `pulumi config set ${k} <${example}> -s ${current.stack}`;

    const domain = c[key("domain")];
    if (domain !== undefined && (domain === EXAMPLE_VALUES.domain || RESERVED_DOMAIN.test(domain))) {
        out.push(
            `${current.file}: ${key("domain")} is the example value ${domain}. Fix: ${set(key("domain"), "your blog's hostname")}`,
        );
    }
    if (c[key("hostedZoneId")] === EXAMPLE_VALUES.hostedZoneId) {
        out.push(
            `${current.file}: ${key("hostedZoneId")} is the example value ${EXAMPLE_VALUES.hostedZoneId}. ` +
                `Fix: ${set(key("hostedZoneId"), "the Z... id of the zone that holds your domain")}`,
        );
    }
    const secret = new Set(
        Object.entries(CONFIG_KEYS)
            .filter(([, spec]) => "secret" in spec && spec.secret)
            .map(([k]) => key(k)),
    );
    for (const [k, v] of Object.entries(c)) {
        if (!secret.has(k) && v.includes(EXAMPLE_VALUES.account)) {
            out.push(
                `${current.file}: ${k} holds the example AWS account ${EXAMPLE_VALUES.account} (${v}). Fix: ${set(k, "the value in your account")}`,
            );
        }
    }

    // One stack at a time must own <domain>: dc only while no dr site exists (stacks/roles.ts, ownsDomainRecord).
    const drFiles = [current, ...others].filter((f) => f.config[key("site")] === "dr");
    const dcFiles = [current, ...others].filter((f) => f.config[key("site")] === "dc");
    for (const dc of dcFiles) {
        const peer = dc.config[key("peerStack")] ?? "";
        for (const dr of drFiles) {
            if (dc !== current && dr !== current) continue;
            if (peer !== "") {
                if (stackNameOf(peer) !== dr.stack) {
                    out.push(
                        `${dc.file}: ${key("peerStack")} is ${peer}, but the dr stack planned here is ${dr.stack} (${dr.file}): ` +
                            `dc would not see that stack's failover flag. Fix: pulumi config set ${key("peerStack")} <org>/${PROJECT}/${dr.stack} -s ${dc.stack}`,
                    );
                }
                continue;
            }
            out.push(
                `${dc.file} has no ${key("peerStack")} while ${dr.file} plans a dr site: both stacks would write the public records of ` +
                    `${domain ?? "the domain"} (dc always pointing them at dc, dr at whichever site its failover flag names), and the last ` +
                    `\`pulumi up\` wins. Fix: pulumi config set ${key("peerStack")} <org>/${PROJECT}/${dr.stack} -s ${dc.stack}`,
            );
        }
    }
    return out;
}
