/**
 * Every version this program deploys, in one table: Helm charts, container images, the cluster-autoscaler image
 * per Kubernetes minor, and the upstream policy documents we follow. Everything else imports from here: the add-on
 * components, the config defaults (ghost, mariadb), the README's pin list (`npm run docs`), the upstream conformance
 * check (`npm run check:upstream`) and Renovate (`renovate.json`: each `// renovate:` line below is read by its
 * regex managers; a test checks that every pin is matched).
 *
 * A pin lists the upstream contracts it must satisfy: machine-readable files published by the upstream project at
 * that exact tag. `check:upstream` reads them from `UPSTREAM_REFS/<file>`, and `--download` fetches them from
 * `<repo>` at `<ref>`/`<path>`. Bumping a pin without its contract fails the check by name.
 */

/** One upstream file that a pin's use must conform to. */
export interface Contract {
    /** What the check does with it. */
    readonly kind: "helm-values" | "helm-values-schema" | "iam-policy" | "crds";
    /** File name under UPSTREAM_REFS (folder/name-<version>.ext). */
    readonly file: string;
    /** GitHub repository that publishes it, owner/name. */
    readonly repo: string;
    /** Tag of `repo` at which `path` is read. */
    readonly ref: string;
    readonly path: string;
}

export interface ChartPin {
    readonly chart: string;
    readonly repo: string;
    /** Exact chart version: never a range, so a plan today deploys the same thing tomorrow. */
    readonly version: string;
    readonly namespace: string;
    /** The application version the chart ships (and the image tag we pin beside it, where the chart takes one). */
    readonly appVersion?: string;
    readonly contracts: readonly Contract[];
}

export interface ImagePin {
    /** Repository without tag, e.g. docker.io/library/ghost. */
    readonly image: string;
    readonly tag: string;
}

const gh =
    (repo: string, ref: string) =>
    (kind: Contract["kind"], file: string, path: string): Contract => ({
        kind,
        file,
        repo,
        ref,
        path,
    });

// Chart versions below are the newest stable releases whose contracts ../shared/upstream holds (2026-11).

// renovate: datasource=helm registryUrl=https://kubernetes.github.io/autoscaler depName=cluster-autoscaler
const CLUSTER_AUTOSCALER_CHART_VERSION = "9.59.0";
// renovate: datasource=helm registryUrl=https://aws.github.io/eks-charts depName=aws-load-balancer-controller
const AWS_LOAD_BALANCER_CONTROLLER_CHART_VERSION = "3.5.0";
// renovate: datasource=docker depName=public.ecr.aws/eks/aws-load-balancer-controller
const AWS_LOAD_BALANCER_CONTROLLER_APP_VERSION = "v3.5.0";
// renovate: datasource=helm registryUrl=https://kubernetes-sigs.github.io/external-dns/ depName=external-dns
const EXTERNAL_DNS_CHART_VERSION = "1.21.1";
// renovate: datasource=helm registryUrl=https://mariadb-operator.github.io/mariadb-operator depName=mariadb-operator
const MARIADB_OPERATOR_VERSION = "26.6.0";

export const CHARTS = {
    clusterAutoscaler: {
        chart: "cluster-autoscaler",
        repo: "https://kubernetes.github.io/autoscaler",
        version: CLUSTER_AUTOSCALER_CHART_VERSION,
        namespace: "kube-system",
        contracts: [
            // Since chart 9.47 the chart lives under cluster-autoscaler/charts/ in kubernetes/autoscaler.
            gh("kubernetes/autoscaler", `cluster-autoscaler-chart-${CLUSTER_AUTOSCALER_CHART_VERSION}`)(
                "helm-values",
                `cluster-autoscaler/values-${CLUSTER_AUTOSCALER_CHART_VERSION}.yaml`,
                "cluster-autoscaler/charts/cluster-autoscaler/values.yaml",
            ),
        ],
    },
    awsLoadBalancerController: {
        chart: "aws-load-balancer-controller",
        repo: "https://aws.github.io/eks-charts",
        version: AWS_LOAD_BALANCER_CONTROLLER_CHART_VERSION,
        namespace: "kube-system",
        appVersion: AWS_LOAD_BALANCER_CONTROLLER_APP_VERSION,
        contracts: [
            // The chart's source (published to aws/eks-charts) is kept in the controller's repository at the app tag.
            gh("kubernetes-sigs/aws-load-balancer-controller", AWS_LOAD_BALANCER_CONTROLLER_APP_VERSION)(
                "helm-values",
                `lbc/chart-values-${AWS_LOAD_BALANCER_CONTROLLER_CHART_VERSION}.yaml`,
                "helm/aws-load-balancer-controller/values.yaml",
            ),
            gh("kubernetes-sigs/aws-load-balancer-controller", AWS_LOAD_BALANCER_CONTROLLER_APP_VERSION)(
                "iam-policy",
                `lbc/iam_policy-${AWS_LOAD_BALANCER_CONTROLLER_APP_VERSION}.json`,
                "docs/install/iam_policy.json",
            ),
        ],
    },
    externalDns: {
        chart: "external-dns",
        repo: "https://kubernetes-sigs.github.io/external-dns/",
        version: EXTERNAL_DNS_CHART_VERSION,
        namespace: "external-dns",
        contracts: [
            gh("kubernetes-sigs/external-dns", `external-dns-helm-chart-${EXTERNAL_DNS_CHART_VERSION}`)(
                "helm-values",
                `external-dns/values-${EXTERNAL_DNS_CHART_VERSION}.yaml`,
                "charts/external-dns/values.yaml",
            ),
            gh("kubernetes-sigs/external-dns", `external-dns-helm-chart-${EXTERNAL_DNS_CHART_VERSION}`)(
                "helm-values-schema",
                `external-dns/values.schema-${EXTERNAL_DNS_CHART_VERSION}.json`,
                "charts/external-dns/values.schema.json",
            ),
        ],
    },
    mariadbOperatorCrds: {
        chart: "mariadb-operator-crds",
        repo: "https://mariadb-operator.github.io/mariadb-operator",
        version: MARIADB_OPERATOR_VERSION,
        namespace: "mariadb-operator",
        contracts: [
            gh("mariadb-operator/mariadb-operator", `v${MARIADB_OPERATOR_VERSION}`)(
                "crds",
                `mariadb-operator/crds-v${MARIADB_OPERATOR_VERSION}.yaml`,
                "deploy/crds/crds.yaml",
            ),
        ],
    },
    mariadbOperator: {
        chart: "mariadb-operator",
        repo: "https://mariadb-operator.github.io/mariadb-operator",
        version: MARIADB_OPERATOR_VERSION,
        namespace: "mariadb-operator",
        // The operator image is tagged with the chart version.
        appVersion: MARIADB_OPERATOR_VERSION,
        contracts: [
            gh("mariadb-operator/mariadb-operator", `v${MARIADB_OPERATOR_VERSION}`)(
                "helm-values",
                `mariadb-operator/values-v${MARIADB_OPERATOR_VERSION}.yaml`,
                "deploy/charts/mariadb-operator/values.yaml",
            ),
        ],
    },
} as const satisfies Record<string, ChartPin>;

export const IMAGES = {
    // renovate: datasource=docker depName=docker.io/library/ghost
    ghost: { image: "docker.io/library/ghost", tag: "6.65.0" },
    // 10.11 is the series the backup and restore drills prove (Debian's mariadb-server is 10.11 too).
    // renovate: datasource=docker depName=docker.io/library/mariadb
    mariadb: { image: "docker.io/library/mariadb", tag: "10.11.19" },
    // renovate: datasource=docker depName=docker.io/amazon/aws-cli
    awsCli: { image: "docker.io/amazon/aws-cli", tag: "2.36.7" },
} as const satisfies Record<string, ImagePin>;

/** `repository:tag` of an image pin. */
export const imageRef = (pin: ImagePin): string => `${pin.image}:${pin.tag}`;

/**
 * The cluster-autoscaler image per Kubernetes minor: its minor must match the cluster's
 * (kubernetes/autoscaler cluster-autoscaler/README.md, "Releases"). Each is the newest patch tag of that minor
 * (`cluster-autoscaler-1.xx.y` tags of kubernetes/autoscaler). The Kubernetes versions the program accepts are the
 * keys of this table, so a version without an autoscaler image cannot be configured. Keep the rows to the versions
 * EKS supports (standard or extended support, https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html):
 * add a row when EKS adds a version, remove one when EKS ends its extended support.
 */
export const CLUSTER_AUTOSCALER_IMAGE = "registry.k8s.io/autoscaling/cluster-autoscaler";
export const CLUSTER_AUTOSCALER_IMAGE_TAGS = {
    // renovate: datasource=docker depName=registry.k8s.io/autoscaling/cluster-autoscaler
    "1.30": "v1.30.7",
    // renovate: datasource=docker depName=registry.k8s.io/autoscaling/cluster-autoscaler
    "1.31": "v1.31.5",
    // renovate: datasource=docker depName=registry.k8s.io/autoscaling/cluster-autoscaler
    "1.32": "v1.32.7",
    // renovate: datasource=docker depName=registry.k8s.io/autoscaling/cluster-autoscaler
    "1.33": "v1.33.6",
    // renovate: datasource=docker depName=registry.k8s.io/autoscaling/cluster-autoscaler
    "1.34": "v1.34.5",
    // renovate: datasource=docker depName=registry.k8s.io/autoscaling/cluster-autoscaler
    "1.35": "v1.35.2",
} as const;
export type KubernetesVersion = keyof typeof CLUSTER_AUTOSCALER_IMAGE_TAGS;
export const SUPPORTED_KUBERNETES_VERSIONS = Object.keys(CLUSTER_AUTOSCALER_IMAGE_TAGS) as readonly KubernetesVersion[];
/** What a new stack runs unless it sets kubernetesVersion (the schema's default): one with EKS standard support. */
export const DEFAULT_KUBERNETES_VERSION: KubernetesVersion = "1.33";

// renovate: datasource=github-tags depName=kubernetes-sigs/aws-ebs-csi-driver
const EBS_CSI_DRIVER_POLICY_VERSION = "v1.64.0";

/**
 * The EBS CSI driver runs as an EKS managed add-on whose build is resolved per cluster at deploy time
 * (`aws.eks.getAddonVersion`, or the `ebsCsiAddonVersion` config key). What we pin is the driver release whose
 * published IAM policy our role follows: `docs/AmazonEBSCSIDriverPolicyV2.json`, which `docs/install.md` at that tag
 * names as the example policy (the older `example-iam-policy.json` is broader: it also deletes untagged volumes).
 */
export const EBS_CSI_DRIVER = {
    addonName: "aws-ebs-csi-driver",
    policyVersion: EBS_CSI_DRIVER_POLICY_VERSION,
    contracts: [
        gh("kubernetes-sigs/aws-ebs-csi-driver", EBS_CSI_DRIVER_POLICY_VERSION)(
            "iam-policy",
            `ebs-csi/AmazonEBSCSIDriverPolicyV2-${EBS_CSI_DRIVER_POLICY_VERSION}.json`,
            "docs/AmazonEBSCSIDriverPolicyV2.json",
        ),
    ],
} as const;

/** One row of the pin list: what Renovate watches and the README shows. */
export interface PinRow {
    /** What the pin is for, in words. */
    readonly what: string;
    readonly datasource: "helm" | "docker" | "github-tags";
    /** Chart name, image repository or GitHub repository, as Renovate looks it up. */
    readonly depName: string;
    /** Helm repository URL, for charts. */
    readonly registryUrl?: string;
    readonly version: string;
}

/** Every pin of this file as rows, in a stable order. */
export function pinRows(): PinRow[] {
    const charts: PinRow[] = Object.values(CHARTS as Record<string, ChartPin>).map((c) => ({
        // The CRD chart is released with the operator's and read through the operator's version line.
        what:
            c.chart === "mariadb-operator-crds"
                ? `Helm chart ${c.chart} (released with mariadb-operator)`
                : `Helm chart ${c.chart}`,
        datasource: "helm",
        depName: c.chart === "mariadb-operator-crds" ? "mariadb-operator" : c.chart,
        registryUrl: c.repo,
        version: c.version,
    }));
    const images: PinRow[] = [
        {
            what: "aws-load-balancer-controller image (the chart's appVersion)",
            datasource: "docker",
            depName: "public.ecr.aws/eks/aws-load-balancer-controller",
            version: CHARTS.awsLoadBalancerController.appVersion,
        },
        ...Object.values(IMAGES as Record<string, ImagePin>).map((pin) => ({
            what: `${pin.image.split("/").pop()} image`,
            datasource: "docker" as const,
            depName: pin.image,
            version: pin.tag,
        })),
        ...Object.entries(CLUSTER_AUTOSCALER_IMAGE_TAGS).map(([minor, tag]) => ({
            what: `cluster-autoscaler image for Kubernetes ${minor}`,
            datasource: "docker" as const,
            depName: CLUSTER_AUTOSCALER_IMAGE,
            version: tag,
        })),
    ];
    const policies: PinRow[] = [
        {
            what: "EBS CSI driver release whose IAM policy the driver's role follows (the add-on build is resolved at deploy time)",
            datasource: "github-tags",
            depName: "kubernetes-sigs/aws-ebs-csi-driver",
            version: EBS_CSI_DRIVER.policyVersion,
        },
    ];
    return [...charts, ...images, ...policies];
}
