import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface CertificateArgs {
    /** First name is the certificate's domain, the rest are subject alternative names. */
    hostnames: readonly string[];
    /** Route 53 zone that holds every hostname; the DNS validation records go there. */
    hostedZoneId: string;
    tags?: Record<string, string>;
}

/** ACM certificate for the site's hostnames, validated through DNS records in the hosted zone. */
export class Certificate extends pulumi.ComponentResource {
    readonly certificateArn: pulumi.Output<string>;

    constructor(name: string, args: CertificateArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ghost-dcdr:certificate:Certificate", name, {}, opts);
        const [domainName, ...alternativeNames] = args.hostnames;

        const certificate = new aws.acm.Certificate(
            `${name}-cert`,
            {
                domainName,
                subjectAlternativeNames: alternativeNames,
                validationMethod: "DNS",
                keyAlgorithm: "RSA_2048",
                tags: args.tags,
            },
            { parent: this },
        );

        // One record per hostname, known before deployment, so no resource is created inside an apply.
        const records = args.hostnames.map((hostname, i) => {
            const option = certificate.domainValidationOptions.apply((options) => {
                const found = options.find((o) => o.domainName === hostname);
                if (!found) throw new Error(`ACM returned no DNS validation option for ${hostname}`);
                return found;
            });
            return new aws.route53.Record(
                `${name}-validation-${i}`,
                {
                    zoneId: args.hostedZoneId,
                    name: option.resourceRecordName,
                    type: option.resourceRecordType,
                    records: [option.resourceRecordValue],
                    ttl: 300,
                    // ACM uses the same validation record for a name in every region of an account, so the DC and DR
                    // certificates share it: either stack may write it, and neither deletes it on destroy (the other
                    // site's certificate renewal still needs it).
                    allowOverwrite: true,
                },
                { parent: this, retainOnDelete: true },
            );
        });

        const validation = new aws.acm.CertificateValidation(
            `${name}-validation`,
            {
                certificateArn: certificate.arn,
                validationRecordFqdns: records.map((r) => r.fqdn),
            },
            { parent: this },
        );

        this.certificateArn = validation.certificateArn;
        this.registerOutputs({ certificateArn: this.certificateArn });
    }
}
