/**
 * What a real `pulumi up` of the planned stack creates, by layer: the resources the program registers (as the mocks
 * recorded them), the children of the remote components (remote.ts), and what controllers and AWS create at runtime
 * (not Pulumi resources, so not in a preview, but on the bill). Pure: works on recorded resources.
 */
import { runsPerMonth } from "./cron";
import { Layer, LAYER_TITLES, LAYERS, layersOf } from "./layers";
import { mediaFacts, mediaHighlights } from "./media";
import { DerivedResource, expandRemote, NodeGroupFacts, nodeGroupFacts, VpcFacts, vpcFacts } from "./remote";
import { asArray, asBoolean, asNumber, asObject, asString, get, gibOf, JsonObject, Placeholders, show } from "./values";

/** A recorded resource with its inputs already masked (tools/mocks.ts `maskSecrets`): nothing here sees a secret. */
export interface PlannedResource {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    readonly parent?: string;
    /** `urn::id` of the explicit provider of a custom resource. */
    readonly provider?: string;
    readonly custom: boolean;
    readonly remote: boolean;
    readonly inputs: JsonObject;
}

export interface LayerCount {
    readonly layer: Layer;
    readonly title: string;
    /** Resources the program registers (components, custom resources, providers). */
    readonly program: number;
    /** Children of remote components, derived from their inputs. */
    readonly remote: number;
    readonly total: number;
    /** One line per notable resource: the facts a reviewer checks. */
    readonly highlights: string[];
}

export interface PreviewCount {
    /** `+ N to create` as `pulumi preview` would print it for a new stack. */
    readonly create: number;
    /** Stack references, which a preview shows as reads. */
    readonly read: number;
    readonly programRecorded: number;
    readonly remoteDerived: number;
    /** What the count includes and where it may differ from a real preview. */
    readonly notes: string[];
}

export interface Inventory {
    readonly layers: LayerCount[];
    readonly preview: PreviewCount;
    readonly remoteChildren: { readonly component: string; readonly type: string; readonly children: DerivedResource[] }[];
    readonly vpc?: VpcFacts & { readonly name: string };
    readonly nodeGroup?: NodeGroupFacts & { readonly name: string; readonly rootVolumeGi?: number };
    /** Created at deploy time by controllers or AWS, not by Pulumi: absent from a preview, present on the bill. */
    readonly runtime: string[];
}

export function namespacedName(r: PlannedResource): string {
    const meta = asObject(r.inputs.metadata);
    // No metadata.name: Pulumi names the object after the resource with a random suffix.
    const name = asString(meta?.name) ?? `${r.name}-<random suffix>`;
    const ns = asString(meta?.namespace);
    return ns ? `${ns}/${name}` : name;
}

/** The launch template a node group uses (its `launchTemplate.id` is the template's id, `<name>-id` under the mocks). */
export function launchTemplateOf(resources: readonly PlannedResource[], nodeGroup: PlannedResource): PlannedResource | undefined {
    const id = asString(get(nodeGroup.inputs, "launchTemplate", "id"));
    return resources.find((r) => r.type === "aws:ec2/launchTemplate:LaunchTemplate" && (id === `${r.name}-id` || id === r.name));
}

export function rootVolumeGi(lt: PlannedResource | undefined): number | undefined {
    return asNumber(get(lt?.inputs, "blockDeviceMappings", 0, "ebs", "volumeSize"));
}

/** True for an Ingress the AWS Load Balancer Controller turns into an internet-facing ALB. */
export function isPublicAlbIngress(r: PlannedResource): boolean {
    return (
        r.type === "kubernetes:networking.k8s.io/v1:Ingress" &&
        asString(get(r.inputs, "spec", "ingressClassName")) === "alb" &&
        asString(get(r.inputs, "metadata", "annotations", "alb.ingress.kubernetes.io/scheme")) === "internet-facing"
    );
}

/** The Ingress serves the maintenance page (a standby): its backend is the `maintenance` fixed-response action. */
export function servesMaintenance(r: PlannedResource): boolean {
    return asArray(get(r.inputs, "spec", "rules")).some((rule) =>
        asArray(get(rule, "http", "paths")).some((p) => asString(get(p, "backend", "service", "name")) === "maintenance"),
    );
}

function cronLine(r: PlannedResource): string {
    const schedule = asString(get(r.inputs, "spec", "schedule")) ?? "?";
    const tz = asString(get(r.inputs, "spec", "timeZone")) ?? "the controller's time zone";
    const suspended = asBoolean(get(r.inputs, "spec", "suspend")) === true;
    const runs = runsPerMonth(schedule);
    return `CronJob ${namespacedName(r)} "${schedule}" ${tz}${runs ? ` (~${Math.round(runs)} runs a month)` : ""}: ${suspended ? "SUSPENDED" : "runs"}`;
}

/** The facts a reviewer checks for one resource, on one line; undefined for resources not worth a line of their own. */
export function highlight(r: PlannedResource, all: readonly PlannedResource[], ph?: Placeholders): string | undefined {
    const i = r.inputs;
    const s = (v: unknown) => show(v, { placeholders: ph });
    switch (r.type) {
        case "awsx:ec2:Vpc": {
            const f = vpcFacts(i);
            const subnets = f.subnets.map((x) => `${x.cidrBlocks.length} ${x.type.toLowerCase()}`).join(" + ");
            return (
                `VPC ${f.cidrBlock ?? "?"} in ${f.availabilityZones} AZs: ${subnets} subnets, 1 internet gateway, ` +
                `${f.natGateways} NAT gateway${f.natGateways === 1 ? "" : "s"} (strategy ${f.natStrategy}) with ${f.elasticIps} Elastic IP${f.elasticIps === 1 ? "" : "s"} ` +
                `(public addresses, allocated at deploy)${f.endpoints.length ? `, endpoints ${f.endpoints.join(", ")}` : ", no VPC endpoints (S3 traffic goes through NAT)"}`
            );
        }
        case "eks:index:Cluster": {
            const cidrs = asArray(i.publicAccessCidrs).map(String);
            const endpoint = [
                asBoolean(i.endpointPublicAccess) ? `public (${cidrs.length ? cidrs.join(", ") : "0.0.0.0/0"})` : undefined,
                asBoolean(i.endpointPrivateAccess) ? "private" : undefined,
            ].filter(Boolean);
            const entries = Object.entries(asObject(i.accessEntries) ?? {}).map(([k, v]) => `${k}=${s(get(v, "principalArn"))}`);
            return (
                `EKS control plane ${s(i.name)}, Kubernetes ${s(i.version)}, API endpoint ${endpoint.join(" + ") || "?"}, ` +
                `auth ${s(i.authenticationMode ?? "CONFIG_MAP")} (access entries: ${entries.join(", ") || "none"}), ` +
                `control-plane logs ${asArray(i.enabledClusterLogTypes).join(",") || "off"}, Secrets encrypted with ${s(i.encryptionConfigKeyArn)}`
            );
        }
        case "eks:index:ManagedNodeGroup": {
            const f = nodeGroupFacts(i);
            const disk = rootVolumeGi(launchTemplateOf(all, r));
            return (
                `node group ${f.instanceTypes.join(",")} (${f.amiType ?? "default AMI"}) min ${f.minSize} / desired ${f.desiredSize} / max ${f.maxSize} ` +
                `in ${f.subnets} private subnets${disk ? `, ${disk} GiB root volume each` : ""}` +
                `${f.ignoreScalingChanges ? "; after creation the cluster autoscaler owns the desired size" : ""}`
            );
        }
        case "kubernetes:helm.sh/v3:Release":
            return `Helm ${s(i.chart)} ${s(i.version)} in namespace ${s(i.namespace)} (${s(get(i, "repositoryOpts", "repo"))})`;
        case "aws:eks/addon:Addon":
            return `EKS add-on ${s(i.addonName)} ${s(i.addonVersion ?? "latest")}`;
        case "kubernetes:apps/v1:Deployment": {
            const images = asArray(get(i, "spec", "template", "spec", "containers")).map((c) => s(get(c, "image")));
            const replicas = asNumber(get(i, "spec", "replicas")) ?? 1;
            return `Deployment ${namespacedName(r)}: ${replicas} replica${replicas === 1 ? "" : "s"}${replicas === 0 ? " (STOPPED)" : ""} (${images.join(", ")})`;
        }
        case "kubernetes:networking.k8s.io/v1:Ingress": {
            const hosts = asArray(get(i, "spec", "rules")).map((x) => s(get(x, "host")));
            return (
                `Ingress ${namespacedName(r)} (${s(get(i, "spec", "ingressClassName"))}, ${s(get(i, "metadata", "annotations", "alb.ingress.kubernetes.io/scheme"))}): ` +
                `${hosts.join(", ")} -> ${servesMaintenance(r) ? "maintenance page (503, no pods)" : "Ghost"}`
            );
        }
        case "kubernetes:batch/v1:CronJob":
            return cronLine(r);
        case "kubernetes:batch/v1:Job":
            return `Job ${namespacedName(r)} ${s(get(i, "metadata", "labels"))}: runs once at deploy, Pulumi waits for it to finish`;
        case "kubernetes:k8s.mariadb.com/v1alpha1:MariaDB":
            return `MariaDB ${namespacedName(r)} ${s(get(i, "spec", "image"))}, ${s(get(i, "spec", "storage", "size"))} on ${s(get(i, "spec", "storage", "storageClassName"))}`;
        case "kubernetes:core/v1:PersistentVolumeClaim":
            return `PVC ${namespacedName(r)} ${s(get(i, "spec", "resources", "requests", "storage"))} on ${s(get(i, "spec", "storageClassName"))}`;
        case "aws:s3/bucket:Bucket":
            return `S3 bucket ${s(i.bucket)}${asBoolean(i.objectLockEnabled) ? " (Object Lock)" : ""}`;
        case "aws:acm/certificate:Certificate":
            return `ACM certificate ${[i.domainName, ...asArray(i.subjectAlternativeNames)].map(s).join(" + ")} (${s(i.validationMethod ?? "DNS")} validation)`;
        case "aws:route53/healthCheck:HealthCheck":
            return `Route 53 health check ${s(i.type)} ${s(i.fqdn)}${s(i.resourcePath)} every ${s(i.requestInterval)} s, ${s(i.failureThreshold)} failures`;
        case "pulumi:providers:aws":
            return `AWS provider ${r.name}: region ${s(i.region)}`;
        case "pulumi:pulumi:StackReference":
            return `stack reference ${s(i.name)} (read)`;
        default:
            return undefined;
    }
}

const COUNTED: readonly string[] = [
    "aws:kms/key:Key",
    "aws:kms/replicaKey:ReplicaKey",
    "aws:iam/role:Role",
    "aws:route53/record:Record",
];

/**
 * Layers whose lines are about the layer as a whole rather than one resource each (the media store: a bucket pair, the
 * replication between them, the CDN in front of both). `region` is the stack's, for resources without a provider.
 */
const LAYER_HIGHLIGHTS: Partial<Record<Layer, (all: readonly PlannedResource[], region: string, ph?: Placeholders) => string[]>> =
    {
        media: (all, region, ph) => {
            const f = mediaFacts(all, region);
            return f ? mediaHighlights(f, ph) : [];
        },
    };

/** Builds the inventory. `ph` labels the mocks' placeholders in the highlights; `region` is the stack's. */
export function inventory(resources: readonly PlannedResource[], ph?: Placeholders, region = "?"): Inventory {
    const layerOf = layersOf(resources);
    const remoteChildren: Inventory["remoteChildren"] = [];
    const caveats: string[] = [];
    const derivedByLayer = new Map<Layer, number>();
    for (const r of resources.filter((x) => x.remote)) {
        const expansion = expandRemote(r.type, r.name, r.inputs);
        remoteChildren.push({ component: r.name, type: r.type, children: expansion.children });
        caveats.push(...expansion.caveats);
        const layer = layerOf.get(r.urn) ?? "other";
        derivedByLayer.set(layer, (derivedByLayer.get(layer) ?? 0) + expansion.children.length);
    }

    const layers: LayerCount[] = [];
    for (const layer of [...LAYERS, "other" as const]) {
        const own = resources.filter((r) => layerOf.get(r.urn) === layer);
        const derived = derivedByLayer.get(layer) ?? 0;
        if (own.length === 0 && derived === 0) continue;
        const highlights =
            LAYER_HIGHLIGHTS[layer]?.(resources, region, ph) ??
            own.map((r) => highlight(r, resources, ph)).filter((x): x is string => x !== undefined);
        for (const type of COUNTED) {
            const n = own.filter((r) => r.type === type).length;
            if (n > 0) highlights.push(`${n} x ${type}`);
        }
        for (const rc of remoteChildren.filter(
            (c) => layerOf.get(resources.find((x) => x.name === c.component)?.urn ?? "") === layer,
        )) {
            highlights.push(`${rc.component} creates ${rc.children.length}: ${summariseTypes(rc.children.map((c) => c.type))}`);
        }
        layers.push({
            layer,
            title: LAYER_TITLES[layer],
            program: own.length,
            remote: derived,
            total: own.length + derived,
            highlights,
        });
    }

    const reads = resources.filter((r) => r.type === "pulumi:pulumi:StackReference").length;
    const programRecorded = resources.length - reads;
    const remoteDerived = remoteChildren.reduce((n, c) => n + c.children.length, 0);
    const providers = resources.filter((r) => r.type.startsWith("pulumi:providers:")).length;
    const components = resources.filter((r) => !r.custom).length;
    const notes = [
        `counts the stack resource (1), the ${programRecorded} resources the program registers (${components} components, ` +
            `${providers} explicit providers, ${programRecorded - components - providers} others) and the ${remoteDerived} children of ` +
            `${remoteChildren.length} remote components, derived from their inputs and the pinned providers' source (tools/review/remote.ts)`,
        "default providers (random, eks, awsx) are not shown or counted by `pulumi preview`; the eks component's own Kubernetes provider is",
        "a Helm release is one resource: the objects its chart installs are not in the preview",
        ...(reads > 0 ? [`${reads} stack reference${reads === 1 ? "" : "s"}: shown as read, not created`] : []),
        ...caveats,
        caveats.length === 0
            ? "estimate: follows the providers' source at the pinned versions; not compared with a real preview (no Pulumi CLI or AWS account here)"
            : "estimate: the caveats above are not modelled, so a real preview may differ there",
    ];

    const vpcR = resources.find((r) => r.type === "awsx:ec2:Vpc");
    const ngR = resources.find((r) => r.type === "eks:index:ManagedNodeGroup");
    return {
        layers,
        preview: { create: 1 + programRecorded + remoteDerived, read: reads, programRecorded, remoteDerived, notes },
        remoteChildren,
        vpc: vpcR ? { name: vpcR.name, ...vpcFacts(vpcR.inputs) } : undefined,
        nodeGroup: ngR
            ? { name: ngR.name, ...nodeGroupFacts(ngR.inputs), rootVolumeGi: rootVolumeGi(launchTemplateOf(resources, ngR)) }
            : undefined,
        runtime: runtimeCreated(resources),
    };
}

function summariseTypes(types: readonly string[]): string {
    const counts = new Map<string, number>();
    for (const t of types) {
        const short = t.startsWith("pulumi:providers:") ? `${t.split(":").pop() ?? t} provider` : (t.split(":").pop() ?? t);
        counts.set(short, (counts.get(short) ?? 0) + 1);
    }
    return [...counts].map(([t, n]) => `${n} ${t}`).join(", ");
}

/** What controllers and AWS create once the stack is up, read from the resources that cause it. */
export function runtimeCreated(resources: readonly PlannedResource[]): string[] {
    const out: string[] = [];
    const vpc = resources.find((r) => r.type === "awsx:ec2:Vpc");
    const azs = vpc ? vpcFacts(vpc.inputs).availabilityZones : undefined;
    for (const ing of resources.filter(isPublicAlbIngress)) {
        out.push(
            `an internet-facing Application Load Balancer for Ingress ${namespacedName(ing)} (AWS Load Balancer Controller), with its ` +
                `listeners, target group and security groups, and one public IPv4 address per public subnet${azs ? ` (${azs})` : ""}`,
        );
    }
    const extDns = resources.find(
        (r) => r.type === "kubernetes:helm.sh/v3:Release" && asString(r.inputs.chart) === "external-dns",
    );
    if (extDns)
        out.push(
            "Route 53 records for the Ingress hostname annotation and their TXT ownership records (ExternalDNS, see DNS names)",
        );
    const volumes: string[] = [];
    for (const r of resources) {
        if (r.type === "kubernetes:core/v1:PersistentVolumeClaim") {
            volumes.push(`${namespacedName(r)} ${asString(get(r.inputs, "spec", "resources", "requests", "storage"))}`);
        }
        if (r.type === "kubernetes:k8s.mariadb.com/v1alpha1:MariaDB") {
            volumes.push(`${namespacedName(r)} ${asString(get(r.inputs, "spec", "storage", "size"))}`);
        }
    }
    if (volumes.length) out.push(`EBS volumes for the claims (EBS CSI driver, on first use): ${volumes.join(", ")}`);
    const ng = resources.find((r) => r.type === "eks:index:ManagedNodeGroup");
    if (ng) {
        const f = nodeGroupFacts(ng.inputs);
        const disk = rootVolumeGi(launchTemplateOf(resources, ng));
        out.push(
            `${f.desiredSize} EC2 instance${f.desiredSize === 1 ? "" : "s"} ${f.instanceTypes.join(",")} (up to ${f.maxSize} when the cluster autoscaler scales out)` +
                `${disk ? ` with a ${disk} GiB gp3 root volume each` : ""}, in an auto scaling group EKS creates for the managed node group`,
        );
        out.push(
            "EKS's own cluster security group, the node role's access entry (EKS adds it for a managed node group) and a CloudWatch log group for the control-plane logs",
        );
        out.push(
            "CoreDNS as EKS's self-managed deployment (pulumi-eks adds the CoreDNS managed add-on only with its default node group)",
        );
    }
    return out;
}

/** GiB of EBS the planned claims and the MariaDB server request (the volumes the CSI driver creates). */
export function claimedGi(resources: readonly PlannedResource[]): { name: string; gi: number }[] {
    const out: { name: string; gi: number }[] = [];
    for (const r of resources) {
        const q =
            r.type === "kubernetes:core/v1:PersistentVolumeClaim"
                ? get(r.inputs, "spec", "resources", "requests", "storage")
                : r.type === "kubernetes:k8s.mariadb.com/v1alpha1:MariaDB"
                  ? get(r.inputs, "spec", "storage", "size")
                  : undefined;
        const gi = gibOf(q);
        if (gi !== undefined) out.push({ name: namespacedName(r), gi });
    }
    return out;
}
