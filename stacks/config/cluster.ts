/** Cluster section: the EKS version, the node group and who may reach the API. */
import type { NodeAmiType } from "../../components/cluster";
import { instanceMemoryMi, KNOWN_FAMILIES, knownSizes, nodeAmiTypeFor } from "../../components/cluster/instances";
import { parseCidr } from "../../components/network/subnets";
import { EBS_CSI_DRIVER, KubernetesVersion, SUPPORTED_KUBERNETES_VERSIONS } from "../../components/pins";
import type { Site } from "../../components/site";
import { PROJECT } from "../schema";
import { defaultText, isOneOf, SectionReader } from "./reader";

export interface ClusterConfig {
    /** EKS cluster name; also the tag the cluster autoscaler discovers node groups by. */
    readonly name: string;
    readonly kubernetesVersion: KubernetesVersion;
    /** Exact EBS CSI add-on build; undefined: the most recent build for `kubernetesVersion`, resolved at deploy. */
    readonly ebsCsiAddonVersion?: string;
    readonly nodeInstanceType: string;
    /** Derived from the instance family: arm64 for Graviton, x86_64 otherwise. */
    readonly nodeAmiType: NodeAmiType;
    readonly nodeMinSize: number;
    readonly nodeDesiredSize: number;
    readonly nodeMaxSize: number;
    readonly nodeDiskGi: number;
    readonly endpointPublicAccessCidrs: readonly string[];
    readonly adminRoleArn: string;
}

/** A node's size, known whenever the instance type is one whose memory we know: the pods are checked to fit it. */
export interface NodeSize {
    readonly instanceType: string;
    readonly memoryMi: number;
}

/** What the cluster section read: `cluster` when all of it is valid; `node` on its own. */
export interface ClusterRead {
    readonly cluster?: ClusterConfig;
    readonly node?: NodeSize;
}

const INSTANCE_TYPE_RE = /^[a-z][a-z0-9-]*\.[a-z0-9]+$/;
/** An EKS add-on build as `aws eks describe-addon-versions` lists it, e.g. v1.64.0-eksbuild.1. */
const EKS_ADDON_BUILD_RE = /^v\d+\.\d+\.\d+-eksbuild\.\d+$/;
const ROLE_ARN_RE = /^arn:aws(-cn|-us-gov)?:iam::\d{12}:role\/([\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/;
const EXAMPLE_ROLE_ARN = "arn:aws:iam::123456789012:role/platform-admin";
const EXAMPLE_ENDPOINT_CIDRS = '["203.0.113.0/24"]';

/** `site`: the valid site, or undefined; the cluster is named after it. */
export function readCluster(r: SectionReader<"cluster">, site: Site | undefined): ClusterRead {
    const k8s = r.string("kubernetesVersion");
    const kubernetesVersion = isOneOf(SUPPORTED_KUBERNETES_VERSIONS, k8s) ? k8s : undefined;
    if (kubernetesVersion === undefined) {
        // Unquoted in YAML, 1.30 is the number 1.3: say so rather than only "unsupported".
        const yamlNumber = isOneOf(SUPPORTED_KUBERNETES_VERSIONS, `${k8s}0`)
            ? ` (YAML read ${k8s}0 as the number ${k8s}: quote it, "${k8s}0")`
            : "";
        r.problem(
            "kubernetesVersion",
            k8s,
            `is not a version EKS supports (${SUPPORTED_KUBERNETES_VERSIONS.join(", ")})${yamlNumber}`,
            r.set("kubernetesVersion", defaultText("kubernetesVersion")),
        );
    }
    const ebsCsiAddonVersion = r.string("ebsCsiAddonVersion");
    if (ebsCsiAddonVersion !== "" && !EKS_ADDON_BUILD_RE.test(ebsCsiAddonVersion)) {
        const noV = EKS_ADDON_BUILD_RE.test(`v${ebsCsiAddonVersion}`) ? " (the leading v is missing)" : "";
        r.problem(
            "ebsCsiAddonVersion",
            ebsCsiAddonVersion,
            `is not an EKS add-on build (v<major>.<minor>.<patch>-eksbuild.<n>)${noV}`,
            `${r.set("ebsCsiAddonVersion", "v1.64.0-eksbuild.1")} (aws eks describe-addon-versions ` +
                `--addon-name ${EBS_CSI_DRIVER.addonName} --kubernetes-version ${kubernetesVersion ?? defaultText("kubernetesVersion")} ` +
                `lists the builds), or ${r.rm("ebsCsiAddonVersion")} for the newest`,
        );
    }

    const instanceType = r.string("nodeInstanceType");
    const memoryMi = instanceMemoryMi(instanceType);
    const family = instanceType.split(".")[0];
    const example = defaultText("nodeInstanceType");
    if (!INSTANCE_TYPE_RE.test(instanceType)) {
        r.problem("nodeInstanceType", instanceType, "is not an EC2 instance type", r.set("nodeInstanceType", example));
    } else if (!KNOWN_FAMILIES.includes(family)) {
        // Without the node's memory the pods could not be checked to fit; an unknown family must not pass unchecked.
        r.problem(
            "nodeInstanceType",
            instanceType,
            `is not of an instance family whose memory this program knows (${KNOWN_FAMILIES.join(", ")})`,
            `${r.set("nodeInstanceType", example)}, or add the family to INSTANCE_FAMILIES in components/cluster/instances.ts`,
        );
    } else if (memoryMi === undefined) {
        r.problem(
            "nodeInstanceType",
            instanceType,
            `is not a size of ${family} this program knows (${knownSizes(family).join(", ")})`,
            r.set("nodeInstanceType", `${family}.large`),
        );
    }

    const nodeMinSize = r.integer("nodeMinSize", { min: 0 });
    const nodeDesiredSize = r.integer("nodeDesiredSize", { min: 0 });
    const nodeMaxSize = r.integer("nodeMaxSize", { min: 1 });
    if (
        nodeMinSize !== undefined &&
        nodeDesiredSize !== undefined &&
        nodeMaxSize !== undefined &&
        !(nodeMinSize <= nodeDesiredSize && nodeDesiredSize <= nodeMaxSize)
    ) {
        r.fail(
            `${PROJECT}:nodeMinSize/nodeDesiredSize/nodeMaxSize`,
            `${nodeMinSize}/${nodeDesiredSize}/${nodeMaxSize}`,
            "must satisfy min <= desired <= max",
            `set e.g. nodeMinSize ${defaultText("nodeMinSize")}, nodeDesiredSize ${defaultText("nodeDesiredSize")}, ` +
                `nodeMaxSize ${defaultText("nodeMaxSize")}`,
        );
    }
    const nodeDiskGi = r.integer("nodeDiskGi", { min: 20 });
    const endpointPublicAccessCidrs = r.stringArray("endpointPublicAccessCidrs", EXAMPLE_ENDPOINT_CIDRS);
    for (const c of endpointPublicAccessCidrs ?? []) {
        const parsed = parseCidr(c);
        if (typeof parsed === "string") {
            r.problem("endpointPublicAccessCidrs", c, parsed, r.set("endpointPublicAccessCidrs", EXAMPLE_ENDPOINT_CIDRS));
        }
    }
    const adminRoleArn = r.required("adminRoleArn", EXAMPLE_ROLE_ARN);
    if (adminRoleArn !== undefined && !ROLE_ARN_RE.test(adminRoleArn)) {
        r.problem(
            "adminRoleArn",
            adminRoleArn,
            "is not an IAM role ARN (arn:aws:iam::<12-digit account>:role/<name>)",
            r.set("adminRoleArn", EXAMPLE_ROLE_ARN),
        );
    }

    const node = memoryMi === undefined ? undefined : { instanceType, memoryMi };
    if (
        site === undefined ||
        kubernetesVersion === undefined ||
        nodeMinSize === undefined ||
        nodeDesiredSize === undefined ||
        nodeMaxSize === undefined ||
        nodeDiskGi === undefined ||
        endpointPublicAccessCidrs === undefined ||
        adminRoleArn === undefined
    ) {
        return { node };
    }
    return {
        cluster: {
            name: `${PROJECT}-${site}`,
            kubernetesVersion,
            ebsCsiAddonVersion: ebsCsiAddonVersion === "" ? undefined : ebsCsiAddonVersion,
            nodeInstanceType: instanceType,
            nodeAmiType: nodeAmiTypeFor(instanceType),
            nodeMinSize,
            nodeDesiredSize,
            nodeMaxSize,
            nodeDiskGi,
            endpointPublicAccessCidrs,
            adminRoleArn,
        },
        node,
    };
}
