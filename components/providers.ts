import * as pulumi from "@pulumi/pulumi";

/**
 * The parent's providers for the given packages, to hand to a remote (multi-language) component such as
 * `eks.Cluster` or `awsx.ec2.Vpc`. The SDK sends a remote component only the providers passed to it
 * directly, not the ones its parent inherited, so without this it would silently use the default AWS
 * provider (the ambient region).
 */
export function providersFor(parent: pulumi.Resource, ...packages: string[]): Record<string, pulumi.ProviderResource> {
    const out: Record<string, pulumi.ProviderResource> = {};
    for (const pkg of packages) {
        const provider = parent.getProvider(`${pkg}::`);
        if (!provider) {
            throw new Error(`${pkg} provider missing: construct this component with opts.providers.${pkg} set`);
        }
        out[pkg] = provider;
    }
    return out;
}
