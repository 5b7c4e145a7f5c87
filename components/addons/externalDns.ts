import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CHARTS } from "../pins";
import { ChartRef, irsaHelmAddon } from "./helm";

export const EXTERNAL_DNS_DEFAULTS = CHARTS.externalDns satisfies ChartRef;
/**
 * How often ExternalDNS syncs the Ingress names to Route 53. It is the first term of the DNS switch time
 * (components/dns, switchTimeEstimate), which reads it from here.
 */
export const EXTERNAL_DNS_INTERVAL_S = 60;

export interface ExternalDnsArgs {
    /** On/off toggle for this site's DNS ownership. Off removes the controller but keeps its IAM role and ServiceAccount. */
    enabled: boolean;
    /** Unique per cluster: ExternalDNS instances sharing an owner id delete each other's records. */
    txtOwnerId: string;
    hostedZoneId: string;
    /** Only names under this domain are managed. */
    domainFilter: string;
    region: string;
    oidcProviderArn: pulumi.Input<string>;
    oidcIssuer: pulumi.Input<string>;
    tags?: Record<string, string>;
}

/** Route 53 changes only in the configured zone; listing zones has no resource-level permission. */
export function externalDnsPolicy(hostedZoneId: string) {
    return {
        Version: "2012-10-17" as const,
        Statement: [
            {
                Effect: "Allow" as const,
                Action: ["route53:ChangeResourceRecordSets", "route53:ListResourceRecordSets", "route53:ListTagsForResources"],
                Resource: `arn:aws:route53:::hostedzone/${hostedZoneId}`,
            },
            {
                Effect: "Allow" as const,
                Action: ["route53:ListHostedZones"],
                Resource: "*",
            },
        ],
    };
}

/** ExternalDNS (kubernetes-sigs chart) publishing this site's Ingress hostnames to Route 53. */
export class ExternalDns extends pulumi.ComponentResource {
    readonly roleArn: pulumi.Output<string>;
    readonly enabled: boolean;

    constructor(name: string, args: ExternalDnsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ghost-dcdr:addons:ExternalDns", name, {}, opts);
        const chart = EXTERNAL_DNS_DEFAULTS;
        const serviceAccountName = "external-dns";

        const namespace = new k8s.core.v1.Namespace(
            `${name}-ns`,
            {
                metadata: { name: chart.namespace },
            },
            { parent: this },
        );
        // The role and ServiceAccount stay when the toggle is off, so switching back on is only a Helm install.
        const identity = irsaHelmAddon(this, name, {
            chart,
            namespace: namespace.metadata.name,
            serviceAccountName,
            description: `external-dns (${args.txtOwnerId}) for zone ${args.hostedZoneId}`,
            policy: externalDnsPolicy(args.hostedZoneId),
            oidcProviderArn: args.oidcProviderArn,
            oidcIssuer: args.oidcIssuer,
            install: args.enabled,
            values: {
                provider: { name: "aws" },
                serviceAccount: { create: false, name: serviceAccountName },
                sources: ["ingress", "service"],
                domainFilters: [args.domainFilter],
                registry: "txt",
                txtOwnerId: args.txtOwnerId,
                // TXT ownership records beside, not on, the managed names: a TXT on the apex of an alias breaks nothing.
                txtPrefix: "_extdns.",
                // sync deletes only records this owner created (the TXT registry proves ownership).
                policy: "sync",
                interval: EXTERNAL_DNS_INTERVAL_S % 60 === 0 ? `${EXTERNAL_DNS_INTERVAL_S / 60}m` : `${EXTERNAL_DNS_INTERVAL_S}s`,
                extraArgs: [`--zone-id-filter=${args.hostedZoneId}`, "--aws-zone-type=public"],
                env: [{ name: "AWS_DEFAULT_REGION", value: args.region }],
            },
            tags: args.tags,
        });

        this.roleArn = identity.roleArn;
        this.enabled = args.enabled;
        this.registerOutputs({ roleArn: this.roleArn });
    }
}
