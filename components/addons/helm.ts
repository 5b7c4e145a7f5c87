import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { IrsaRole } from "../irsa";

/** Where a chart comes from and which exact version; every add-on declares one as its `DEFAULTS`. */
export interface ChartRef {
    readonly chart: string;
    readonly repo: string;
    /** Exact chart version: never a range, so a plan today deploys the same thing tomorrow. */
    readonly version: string;
    readonly namespace: string;
}

export type Values = { [key: string]: pulumi.Input<unknown> };

export interface HelmAddonArgs {
    chart: ChartRef;
    /** Values the add-on needs (identity, cluster facts). */
    values: Values;
}

/** A pinned Helm release that rolls back on a failed upgrade. */
export function helmRelease(name: string, args: HelmAddonArgs, opts: pulumi.CustomResourceOptions): k8s.helm.v3.Release {
    return new k8s.helm.v3.Release(
        name,
        {
            chart: args.chart.chart,
            version: args.chart.version,
            repositoryOpts: { repo: args.chart.repo },
            namespace: args.chart.namespace,
            values: args.values,
            // A failed upgrade rolls back instead of leaving a half-applied release.
            atomic: true,
            cleanupOnFail: true,
            timeout: 600,
        },
        opts,
    );
}

export interface IrsaHelmAddonArgs {
    chart: ChartRef;
    /** Namespace of the ServiceAccount. Defaults to the chart's namespace. */
    namespace?: pulumi.Input<string>;
    serviceAccountName: string;
    /** What the IAM role is for. */
    description: string;
    /** The add-on's least-privilege IAM policy. */
    policy: aws.iam.PolicyDocument;
    oidcProviderArn: pulumi.Input<string>;
    oidcIssuer: pulumi.Input<string>;
    /** Chart values, including where this chart takes an existing ServiceAccount's name. */
    values: Values;
    /** false keeps the identity but skips the release (a toggle that must switch back fast). Defaults to true. */
    install?: boolean;
    tags?: Record<string, string>;
}

/**
 * The add-on pattern: an IRSA identity (role + annotated ServiceAccount) and a pinned Helm release that runs as it.
 * Children are named `${name}-irsa` and `${name}-release` under `parent`.
 */
export function irsaHelmAddon(parent: pulumi.Resource, name: string, args: IrsaHelmAddonArgs): IrsaRole {
    const identity = new IrsaRole(
        `${name}-irsa`,
        {
            oidcProviderArn: args.oidcProviderArn,
            oidcIssuer: args.oidcIssuer,
            namespace: args.namespace ?? args.chart.namespace,
            serviceAccountName: args.serviceAccountName,
            description: args.description,
            policy: args.policy,
            tags: args.tags,
        },
        { parent },
    );
    if (args.install ?? true) {
        helmRelease(`${name}-release`, { chart: args.chart, values: args.values }, { parent, dependsOn: [identity] });
    }
    return identity;
}
