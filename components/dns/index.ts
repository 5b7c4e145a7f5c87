import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { EXTERNAL_DNS_INTERVAL_S } from "../addons/externalDns";
import type { Site } from "../site";

/** Route 53 HTTPS health check cadence for automatic DNS failover (the fast interval). */
export const HEALTH_CHECK_INTERVAL_S = 10;
export const HEALTH_CHECK_FAILURE_THRESHOLD = 3;
/**
 * How long a resolver may cache an answer for `<domain>` or `<site>.<domain>`. Both are Route 53 alias records, and an
 * alias record has no TTL of its own: ExternalDNS sets a TTL only on non-alias records (kubernetes-sigs/external-dns
 * v0.21.0, provider/aws/aws.go, `newChange`), so a ttl annotation on the Ingress would be ignored. Route 53 answers an
 * alias with the TTL of its target, in the end the ALB's own DNS record, which Elastic Load Balancing serves with a
 * 60 s TTL.
 */
export const ALB_ALIAS_TTL_S = 60;
/** Route 53 states that changes reach all its authoritative servers within 60 seconds. */
export const ROUTE53_PROPAGATION_S = 60;

/** A site's own name, `<site>.<domain>`: its ExternalDNS publishes it, and the failover records point at it. */
export function siteHostname(site: Site, domain: string): string {
    return `${site}.${domain}`;
}

export interface SwitchTime {
    /** Seconds from the dr update writing the record to every resolver following it. */
    readonly manualS: number;
    /** Seconds from dc failing to visitors getting dr's maintenance page (automatic mode). */
    readonly automaticS: number;
    readonly explanation: string;
}

/** Worst-case DNS switch time from the settings; printed by the plan. */
export function switchTimeEstimate(): SwitchTime {
    // Manual: dr.<domain> may have to be (re)published by ExternalDNS first, then Route 53 propagates the
    // change, then resolvers drop the cached answer (cached for the alias target's TTL).
    const manualS = EXTERNAL_DNS_INTERVAL_S + ROUTE53_PROPAGATION_S + ALB_ALIAS_TTL_S;
    // Automatic: the health check needs `threshold` failed checks, then propagation, then the alias TTL.
    const detectS = HEALTH_CHECK_INTERVAL_S * HEALTH_CHECK_FAILURE_THRESHOLD;
    const automaticS = detectS + ROUTE53_PROPAGATION_S + ALB_ALIAS_TTL_S;
    return {
        manualS,
        automaticS,
        explanation:
            `manual: ExternalDNS interval ${EXTERNAL_DNS_INTERVAL_S} s + Route 53 propagation ${ROUTE53_PROPAGATION_S} s + ` +
            `alias TTL (the ALB's ${ALB_ALIAS_TTL_S} s) = ${manualS} s after the dr update writes the record; ` +
            `automatic: ${HEALTH_CHECK_INTERVAL_S} s x ${HEALTH_CHECK_FAILURE_THRESHOLD} failed checks + ` +
            `${ROUTE53_PROPAGATION_S} s + alias TTL (the ALB's ${ALB_ALIAS_TTL_S} s) = ${automaticS} s to the maintenance page`,
    };
}

export interface PublicDomainArgs {
    hostedZoneId: string;
    domain: string;
    /** The site `<domain>` answers with as primary. */
    target: Site;
    /** Health-check the dc site and fail over to dr's maintenance page automatically. */
    automatic: boolean;
    /** Path that answers 200 only when Ghost is up. */
    healthPath: string;
    tags?: Record<string, string>;
}

/**
 * The public name: two failover-routing alias records for `<domain>` ("primary" and "secondary") pointing at
 * the sites' own names (`dc.<domain>`, `dr.<domain>`, which each site's ExternalDNS publishes). The record shape
 * never changes: the flag and the mode only change targets and the health check, which Route 53 applies in place
 * (UPSERT), so a switch never passes through a moment with no answer or two primaries. Both stacks write the same
 * record sets (allowOverwrite) and never delete them (retainOnDelete), so ownership can move from dc to dr without
 * a gap.
 */
export class PublicDomain extends pulumi.ComponentResource {
    readonly healthCheckId?: pulumi.Output<string>;

    constructor(name: string, args: PublicDomainArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ghost-dcdr:dns:PublicDomain", name, {}, opts);

        let healthCheck: aws.route53.HealthCheck | undefined;
        if (args.automatic) {
            healthCheck = new aws.route53.HealthCheck(
                `${name}-dc-health`,
                {
                    type: "HTTPS",
                    fqdn: siteHostname("dc", args.domain),
                    port: 443,
                    resourcePath: args.healthPath,
                    enableSni: true,
                    requestInterval: HEALTH_CHECK_INTERVAL_S,
                    failureThreshold: HEALTH_CHECK_FAILURE_THRESHOLD,
                    tags: { ...args.tags, Name: `${siteHostname("dc", args.domain)} ghost` },
                },
                { parent: this },
            );
        }

        const record = (role: "primary" | "secondary", target: Site, healthCheckId?: pulumi.Output<string>) =>
            new aws.route53.Record(
                `${name}-${role}`,
                {
                    zoneId: args.hostedZoneId,
                    name: args.domain,
                    type: "A",
                    setIdentifier: role,
                    failoverRoutingPolicies: [{ type: role === "primary" ? "PRIMARY" : "SECONDARY" }],
                    aliases: [
                        { name: siteHostname(target, args.domain), zoneId: args.hostedZoneId, evaluateTargetHealth: false },
                    ],
                    healthCheckId,
                    allowOverwrite: true,
                },
                { parent: this, retainOnDelete: true },
            );

        // Without a health check the primary is always answered; with one (automatic, dc primary), Route 53
        // answers the secondary (dr's maintenance page) while dc fails its checks.
        const failoverTo: Site = args.automatic ? "dr" : args.target;
        record("primary", args.target, args.automatic && args.target === "dc" ? healthCheck?.id : undefined);
        record("secondary", failoverTo);

        this.healthCheckId = healthCheck?.id;
        this.registerOutputs({ healthCheckId: this.healthCheckId });
    }
}
