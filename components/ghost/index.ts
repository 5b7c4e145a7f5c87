import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { GHOST_SEED_STEP, InputName, MEDIA_MIGRATE_STEP, MOUNTS, stepContainer } from "../backup/steps";
import { IrsaRole } from "../irsa";
import { MARIADB_CLIENT_LABEL } from "../mariadb";
import { ghostMediaPolicy } from "../media";
import { IMAGES, imageRef } from "../pins";
import { GhostMedia, ghostMediaEnv } from "./media";

export type { GhostMedia } from "./media";

/** Ghost's ServiceAccount when it keeps uploads in S3: its IRSA identity for the media bucket. */
export const GHOST_SERVICE_ACCOUNT = "ghost";

export const GHOST_PORT = 2368;
/** Answers 200 only when Ghost's app and its database connection are up. */
export const GHOST_HEALTH_PATH = "/ghost/api/admin/site/";

/** Ghost's outgoing mail (config `smtp*`); the password comes separately, as a secret. */
export interface SmtpConfig {
    readonly host: string;
    readonly port: number;
    /** Empty when the server takes unauthenticated mail. */
    readonly user: string;
    readonly from: string;
}

export interface GhostArgs {
    namespace: pulumi.Input<string>;
    /** Official image tag, e.g. 6.65.0. */
    version: string;
    cpu: string;
    memoryMi: number;
    /** The content volume (a `GhostContent`), filled by restores before Ghost starts. */
    contentClaimName: pulumi.Input<string>;
    /** The ConfigMap of scripts/datapath (DataPath's): the seed-content init container runs seed-content.sh from it. */
    scriptsConfigMap: pulumi.Input<string>;
    /** Public hostname; Ghost's `url` is https://<domain> on both sites, so either can take over. */
    domain: string;
    /** Name that always reaches this site; its ExternalDNS publishes it. */
    siteHostname: string;
    certificateArn: pulumi.Input<string>;
    database: {
        host: pulumi.Input<string>;
        port: number;
        user: string;
        name: string;
        /** Secret and key holding the user's password. */
        secretName: pulumi.Input<string>;
        passwordKey: string;
        /** MariaDB client image for the wait-for-database init container. */
        clientImage: string;
    };
    staffDeviceVerification: boolean;
    smtp?: SmtpConfig;
    smtpPassword?: pulumi.Output<string>;
    /**
     * 1 on the active site; 0 on a standby (the restores replace its data), whose load balancer then answers with
     * a maintenance page. Never more: Ghost runs one instance.
     */
    replicas: 0 | 1;
    /** Resources Ghost must not start before (e.g. the catch-up restore). Defaults to none. */
    startAfter?: pulumi.Resource[];
    /**
     * Uploads in this site's media bucket (config `mediaStorage` s3, issue 13): Ghost's S3 adapters, an IRSA role
     * limited to that bucket, and the media-migrate init container. Undefined: uploads stay on the content volume.
     */
    media?: GhostMediaArgs;
}

export interface GhostMediaArgs extends GhostMedia {
    /** The media KMS key in this region (SSE-KMS on the bucket). */
    keyArn: pulumi.Input<string>;
    oidcProviderArn: pulumi.Input<string>;
    oidcIssuer: pulumi.Input<string>;
    tags?: Record<string, string>;
}

/** The ALB's answer on a standby site, for both names (fixed-response action, no pods needed). */
export const MAINTENANCE_ACTION = {
    type: "fixed-response",
    fixedResponseConfig: {
        contentType: "text/html",
        statusCode: "503",
        messageBody:
            "<!doctype html><title>Back soon</title><h1>Back soon</h1><p>We are switching to our standby site. Please try again in a few minutes.</p>",
    },
};

export interface GhostContentArgs {
    namespace: pulumi.Input<string>;
    storageGi: number;
    storageClassName: pulumi.Input<string>;
    /** Protect the volume from `pulumi destroy`. */
    protect: boolean;
}

/** Ghost's content volume (images, files, media, themes), owned by the program so restores can fill it before Ghost starts. */
export class GhostContent extends pulumi.ComponentResource {
    readonly claimName: pulumi.Output<string>;

    constructor(name: string, args: GhostContentArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ghost-dcdr:ghost:GhostContent", name, {}, opts);
        const claim = new k8s.core.v1.PersistentVolumeClaim(
            `${name}-claim`,
            {
                metadata: { name: "ghost-content", namespace: args.namespace },
                spec: {
                    accessModes: ["ReadWriteOnce"],
                    storageClassName: args.storageClassName,
                    resources: { requests: { storage: `${args.storageGi}Gi` } },
                },
            },
            { parent: this, protect: args.protect },
        );
        this.claimName = claim.metadata.name;
        this.registerOutputs({ claimName: this.claimName });
    }
}

/** Where the wait-for-mariadb init container reads the password: the Secret's key, mounted read-only. */
const DB_SECRET_MOUNT = "/secrets/db";
/** Memory-backed emptyDir for the client option file the wait writes: never on the node's disk, gone with the pod. */
const CLIENT_CONFIG_MOUNT = "/run/wait-for-mariadb";

export interface WaitForMariadbOptions {
    /** Attempts before the init container fails (the kubelet then restarts it with back-off). Defaults to 60. */
    attempts?: number;
    /** Seconds between attempts. Defaults to 5. */
    intervalS?: number;
}

/**
 * POSIX sh of the wait-for-mariadb init container: waits until Ghost's own user can log in and run a query against
 * its database, which is what Ghost needs. `mariadb-admin ping` would not do: it exits 0 whenever the server answers,
 * even "Access denied", so Ghost could start against a database it cannot log into.
 *
 * Configured by env only: DB_HOST, DB_PORT, DB_USER, DB_NAME, DB_PASSWORD_FILE (a mounted Secret key) and
 * CLIENT_CONFIG_DIR (a tmpfs). The password goes from the Secret file into a client option file created under
 * umask 077 and removed on exit, written by the shell's builtin printf: it is never in an argv (`ps`), never in an
 * environment (`/proc/<pid>/environ`) and never in the log. Inside double quotes the client unescapes \\ and \",
 * so both are escaped (as scripts/datapath/lib.sh does). `npm run drill:waitdb` runs this exact script against a
 * real MariaDB.
 */
export function waitForMariadbScript(opts: WaitForMariadbOptions = {}): string {
    const attempts = opts.attempts ?? 60;
    const intervalS = opts.intervalS ?? 5;
    if (!Number.isInteger(attempts) || attempts < 1 || !Number.isInteger(intervalS) || intervalS < 0) {
        throw new Error(
            `waitForMariadbScript: attempts (${attempts}) must be a whole number >= 1, intervalS (${intervalS}) >= 0`,
        );
    }
    const target = "$DB_USER@$DB_HOST:$DB_PORT/$DB_NAME";
    // sed reads the password file (only its path is in argv); the value stays in an unexported shell variable.
    return String.raw`set -eu
umask 077
if [ ! -r "$DB_PASSWORD_FILE" ]; then
  echo "wait-for-mariadb: ERROR: cannot read the password file $DB_PASSWORD_FILE. Fix: mount the database Secret there" >&2
  exit 1
fi
cnf="$CLIENT_CONFIG_DIR/client.cnf"
trap 'rm -f "$cnf"' EXIT
pw=$(sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' "$DB_PASSWORD_FILE")
printf '[client]\npassword="%s"\n' "$pw" >"$cnf"
unset pw
i=1
while :; do
  if out=$(mariadb --defaults-file="$cnf" --protocol=tcp --connect-timeout=5 --host="$DB_HOST" --port="$DB_PORT" \
    --user="$DB_USER" --database="$DB_NAME" --batch --skip-column-names --execute='SELECT 1' 2>&1); then
    echo "wait-for-mariadb: ${target} accepts Ghost's login (attempt $i of ${attempts})"
    exit 0
  fi
  echo "wait-for-mariadb: attempt $i of ${attempts}: ${target} not ready: $out"
  if [ "$i" -ge ${attempts} ]; then
    echo "wait-for-mariadb: ERROR: ${target} did not let Ghost's user log in and query ${attempts} times in a row, so Ghost is not started. Fix: check that the MariaDB pod is ready and that the user and password in MariaDB match the Secret (each attempt above shows the server's answer)" >&2
    exit 1
  fi
  i=$((i + 1))
  sleep ${intervalS}
done
`;
}

const restricted = {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ["ALL"] },
    runAsNonRoot: true,
    // Ghost writes into its install directory at runtime (e.g. compiled theme assets), so the root filesystem
    // stays writable; everything else a restricted pod forbids is forbidden.
    readOnlyRootFilesystem: false,
};

/** Environment for Ghost's config (Ghost reads `a__b` as `a.b`); secrets only through secretKeyRef. */
export function ghostEnv(args: GhostArgs, smtpSecretName?: pulumi.Input<string>): k8s.types.input.core.v1.EnvVar[] {
    const env: k8s.types.input.core.v1.EnvVar[] = [
        { name: "NODE_ENV", value: "production" },
        { name: "url", value: `https://${args.domain}` },
        { name: "server__host", value: "0.0.0.0" },
        { name: "server__port", value: String(GHOST_PORT) },
        { name: "logging__transports", value: '["stdout"]' },
        { name: "database__client", value: "mysql" },
        { name: "database__connection__host", value: args.database.host },
        { name: "database__connection__port", value: String(args.database.port) },
        { name: "database__connection__user", value: args.database.user },
        { name: "database__connection__database", value: args.database.name },
        { name: "database__connection__charset", value: "utf8mb4" },
        {
            name: "database__connection__password",
            valueFrom: { secretKeyRef: { name: args.database.secretName, key: args.database.passwordKey } },
        },
        { name: "security__staffDeviceVerification", value: String(args.staffDeviceVerification) },
        ...(args.media ? ghostMediaEnv(args.media) : []),
    ];
    if (args.smtp) {
        env.push(
            { name: "mail__transport", value: "SMTP" },
            { name: "mail__options__host", value: args.smtp.host },
            { name: "mail__options__port", value: String(args.smtp.port) },
            // 465 is implicit TLS; 587 upgrades with STARTTLS.
            { name: "mail__options__secure", value: String(args.smtp.port === 465) },
        );
        if (args.smtp.from) env.push({ name: "mail__from", value: args.smtp.from });
        if (args.smtp.user && smtpSecretName) {
            env.push(
                { name: "mail__options__auth__user", value: args.smtp.user },
                { name: "mail__options__auth__pass", valueFrom: { secretKeyRef: { name: smtpSecretName, key: "password" } } },
            );
        }
    }
    return env;
}

/**
 * Where the official image installs Ghost: docker-library/ghost 6/bookworm/Dockerfile (`ENV GHOST_INSTALL
 * /var/lib/ghost`, then `ghost install`, whose ghost-cli links `current` to the installed version).
 */
export const GHOST_INSTALL_DIR = "/var/lib/ghost/current";

/**
 * The seed-content init container: steps.ts GHOST_SEED_STEP, i.e. scripts/datapath/seed-content.sh from the scripts
 * ConfigMap, the same file the drills run before they start Ghost (drill/lib/ghost.ts). It gives an empty content
 * volume Ghost's folders and a real copy of each bundled theme (GHOST_INSTALL_DIR/content/themes), and never
 * overwrites anything already there.
 *
 * Why not the image's own seeding. docker-library/ghost, 6/bookworm/Dockerfile and 6/bookworm/docker-entrypoint.sh
 * at "Update 6 to 6.45.0" (7edb45d, the newest commit available when this was written; the lines below have not
 * changed since 98ead58, 2025-10, and must be re-checked when ghostVersion moves past them): the build moves the
 * bundled content to /var/lib/ghost/content.orig ("save initial content for pre-seeding empty volumes"), and the
 * entrypoint, when the command is `node current/index.js` (ours), copies every folder and theme missing from the
 * volume out of it with `tar -c | tar -x`. Its themes/casper and themes/source are symbolic links into the install:
 * ghost-cli v1.29.3 (the image's GHOST_CLI_VERSION), lib/commands/install.js `defaultThemes`, links each
 * current/content/themes/<theme> into content/themes. The entrypoint, and the `cp -Rn content.orig/.` this
 * container ran before, copy those links as links, and backup-dump.sh refuses to publish content holding a link (the
 * restore refuses links: issue 10, finding 3), so every cluster backup would have failed; the drills, which ran this
 * script and not the pod's command, could not see it. The image has bash (the entrypoint is a bash script). After
 * this step the entrypoint finds every folder and theme present and copies nothing.
 */
function seedContainer(image: string): k8s.types.input.core.v1.Container {
    const inputs: Partial<Record<InputName, string>> = { ghostInstallDir: GHOST_INSTALL_DIR };
    return {
        ...stepContainer(GHOST_SEED_STEP, image, (i) => inputs[i]),
        securityContext: restricted,
        resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "128Mi" } },
    };
}

/**
 * The media-migrate init container (issue 13): steps.ts MEDIA_MIGRATE_STEP, scripts/datapath/media-migrate.sh in the
 * AWS CLI image, with Ghost's IRSA identity. It copies what the content volume holds of images, media, files, routes
 * and redirects into the bucket before Ghost starts on S3, and copies nothing once that is done.
 */
function mediaContainer(media: GhostMedia): k8s.types.input.core.v1.Container {
    const inputs: Partial<Record<InputName, string>> = { mediaBucket: media.bucket, region: media.region };
    return {
        ...stepContainer(MEDIA_MIGRATE_STEP, imageRef(IMAGES.awsCli), (i) => inputs[i]),
        securityContext: { ...restricted, readOnlyRootFilesystem: true },
        resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "512Mi" } },
    };
}

/**
 * Ghost (official image) as one replica with its content on the program-owned volume, behind an internet-facing
 * ALB with the site's ACM certificate. Ghost supports one instance per site: a Recreate rollout never runs two
 * pods against the volume, and there is no HPA.
 */
export class Ghost extends pulumi.ComponentResource {
    readonly url: pulumi.Output<string>;
    readonly adminUrl: pulumi.Output<string>;
    readonly siteUrl: pulumi.Output<string>;

    constructor(name: string, args: GhostArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ghost-dcdr:ghost:Ghost", name, {}, opts);
        const labels = { "app.kubernetes.io/name": "ghost", "app.kubernetes.io/instance": "ghost" };
        const image = `docker.io/library/ghost:${args.version}`;

        let smtpSecretName: pulumi.Output<string> | undefined;
        if (args.smtp?.user && args.smtpPassword) {
            const smtpSecret = new k8s.core.v1.Secret(
                `${name}-smtp`,
                {
                    metadata: { name: "ghost-smtp", namespace: args.namespace },
                    type: "Opaque",
                    stringData: { password: pulumi.secret(args.smtpPassword) },
                },
                { parent: this },
            );
            smtpSecretName = smtpSecret.metadata.name;
        }

        // Uploads in S3: Ghost's own identity, allowed its site's media bucket and nothing else (no static keys).
        let mediaIdentity: IrsaRole | undefined;
        if (args.media) {
            const media = args.media;
            mediaIdentity = new IrsaRole(
                `${name}-media-irsa`,
                {
                    oidcProviderArn: media.oidcProviderArn,
                    oidcIssuer: media.oidcIssuer,
                    namespace: args.namespace,
                    serviceAccountName: GHOST_SERVICE_ACCOUNT,
                    description: `ghost-dcdr Ghost: uploads in ${media.bucket}`,
                    policy: pulumi.output(media.keyArn).apply((key) => ghostMediaPolicy(media.bucket, key)),
                    tags: media.tags,
                },
                { parent: this },
            );
        }

        const probe = (periodSeconds: number, failureThreshold: number) => ({
            httpGet: {
                path: GHOST_HEALTH_PATH,
                port: "http",
                // Without these Ghost redirects the probe to https://<domain>.
                httpHeaders: [
                    { name: "X-Forwarded-Proto", value: "https" },
                    { name: "Host", value: args.domain },
                ],
            },
            periodSeconds,
            timeoutSeconds: 5,
            failureThreshold,
        });

        new k8s.apps.v1.Deployment(
            `${name}-deployment`,
            {
                metadata: { name: "ghost", namespace: args.namespace, labels },
                spec: {
                    replicas: args.replicas,
                    // Recreate: the old pod stops before the new one starts, never two Ghosts on one volume.
                    strategy: { type: "Recreate" },
                    revisionHistoryLimit: 5,
                    selector: { matchLabels: labels },
                    template: {
                        metadata: { labels: { ...labels, ...MARIADB_CLIENT_LABEL } },
                        spec: {
                            // IRSA's token is a projected volume of its own; Ghost never talks to the Kubernetes API.
                            ...(args.media ? { serviceAccountName: GHOST_SERVICE_ACCOUNT } : {}),
                            automountServiceAccountToken: false,
                            securityContext: {
                                runAsUser: 1000,
                                runAsGroup: 1000,
                                fsGroup: 1000,
                                fsGroupChangePolicy: "OnRootMismatch",
                                seccompProfile: { type: "RuntimeDefault" },
                            },
                            terminationGracePeriodSeconds: 60,
                            initContainers: [
                                {
                                    name: "wait-for-mariadb",
                                    image: args.database.clientImage,
                                    command: ["sh", "-c", waitForMariadbScript()],
                                    env: [
                                        { name: "DB_HOST", value: args.database.host },
                                        { name: "DB_PORT", value: String(args.database.port) },
                                        { name: "DB_USER", value: args.database.user },
                                        { name: "DB_NAME", value: args.database.name },
                                        // A file, not an env var: the password stays out of every environment.
                                        { name: "DB_PASSWORD_FILE", value: `${DB_SECRET_MOUNT}/password` },
                                        { name: "CLIENT_CONFIG_DIR", value: CLIENT_CONFIG_MOUNT },
                                    ],
                                    volumeMounts: [
                                        { name: "db-secret", mountPath: DB_SECRET_MOUNT, readOnly: true },
                                        { name: "client-config", mountPath: CLIENT_CONFIG_MOUNT },
                                    ],
                                    securityContext: restricted,
                                    resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "64Mi" } },
                                },
                                seedContainer(image),
                                ...(args.media ? [mediaContainer(args.media)] : []),
                            ],
                            containers: [
                                {
                                    name: "ghost",
                                    image,
                                    ports: [{ name: "http", containerPort: GHOST_PORT }],
                                    env: ghostEnv(args, smtpSecretName),
                                    volumeMounts: [{ name: MOUNTS.content.volume, mountPath: MOUNTS.content.path }],
                                    // First boot runs the database migrations: allow up to 10 minutes before liveness applies.
                                    startupProbe: probe(10, 60),
                                    readinessProbe: probe(10, 3),
                                    livenessProbe: probe(20, 6),
                                    resources: {
                                        requests: { cpu: args.cpu, memory: `${args.memoryMi}Mi` },
                                        limits: { memory: `${args.memoryMi}Mi` },
                                    },
                                    securityContext: restricted,
                                },
                            ],
                            volumes: [
                                { name: "content", persistentVolumeClaim: { claimName: args.contentClaimName } },
                                {
                                    name: "db-secret",
                                    secret: {
                                        secretName: args.database.secretName,
                                        items: [{ key: args.database.passwordKey, path: "password" }],
                                        defaultMode: 0o400,
                                    },
                                },
                                { name: "client-config", emptyDir: { medium: "Memory", sizeLimit: "1Mi" } },
                                {
                                    name: MOUNTS.scripts.volume,
                                    configMap: { name: args.scriptsConfigMap, defaultMode: 0o555 },
                                },
                                // The media step's HOME and WORK_DIR, and its TMPDIR (as the jobs' steps have them).
                                ...(args.media
                                    ? [
                                          { name: MOUNTS.work.volume, emptyDir: {} },
                                          { name: MOUNTS.tmp.volume, emptyDir: { medium: "Memory", sizeLimit: "64Mi" } },
                                      ]
                                    : []),
                            ],
                        },
                    },
                },
            },
            // The ServiceAccount first: the EKS webhook gives a pod IRSA credentials only if its account exists then.
            { parent: this, dependsOn: [...(args.startAfter ?? []), ...(mediaIdentity ? [mediaIdentity] : [])] },
        );

        const service = new k8s.core.v1.Service(
            `${name}-service`,
            {
                metadata: { name: "ghost", namespace: args.namespace, labels },
                spec: { type: "ClusterIP", selector: labels, ports: [{ name: "http", port: 80, targetPort: "http" }] },
            },
            { parent: this },
        );

        // Active: both names route to Ghost. Standby: both answer with the maintenance page, so whatever DNS
        // sends here (automatic failover, a stale resolver) gets an honest answer, never a half-restored blog.
        const serving = args.replicas === 1;
        const backend = serving
            ? { service: { name: service.metadata.name, port: { name: "http" } } }
            : { service: { name: "maintenance", port: { name: "use-annotation" } } };
        new k8s.networking.v1.Ingress(
            `${name}-ingress`,
            {
                metadata: {
                    name: "ghost",
                    namespace: args.namespace,
                    annotations: {
                        "alb.ingress.kubernetes.io/scheme": "internet-facing",
                        "alb.ingress.kubernetes.io/target-type": "ip",
                        "alb.ingress.kubernetes.io/certificate-arn": args.certificateArn,
                        "alb.ingress.kubernetes.io/listen-ports": '[{"HTTP":80},{"HTTPS":443}]',
                        "alb.ingress.kubernetes.io/ssl-redirect": "443",
                        "alb.ingress.kubernetes.io/ssl-policy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
                        "alb.ingress.kubernetes.io/healthcheck-path": GHOST_HEALTH_PATH,
                        // The health check carries no X-Forwarded-Proto, so a healthy Ghost answers with its https redirect.
                        "alb.ingress.kubernetes.io/success-codes": "200,301",
                        // Five minutes for large image and theme uploads (the default 60 s cuts them off).
                        "alb.ingress.kubernetes.io/load-balancer-attributes":
                            "idle_timeout.timeout_seconds=300,routing.http.drop_invalid_header_fields.enabled=true",
                        ...(serving
                            ? {}
                            : { "alb.ingress.kubernetes.io/actions.maintenance": JSON.stringify(MAINTENANCE_ACTION) }),
                        // ExternalDNS publishes only this site's own name; the public domain is a Route 53 record the
                        // failover flag moves (components/dns). Both names route here so a switch needs no ALB change.
                        "external-dns.alpha.kubernetes.io/ingress-hostname-source": "annotation-only",
                        // No ttl annotation: the record is an alias, which takes the ALB's TTL (components/dns).
                        "external-dns.alpha.kubernetes.io/hostname": args.siteHostname,
                    },
                },
                spec: {
                    ingressClassName: "alb",
                    rules: [args.domain, args.siteHostname].map((host) => ({
                        host,
                        http: { paths: [{ path: "/", pathType: "Prefix", backend }] },
                    })),
                },
            },
            { parent: this },
        );

        this.url = pulumi.output(`https://${args.domain}`);
        this.adminUrl = pulumi.output(`https://${args.domain}/ghost/`);
        this.siteUrl = pulumi.output(`https://${args.siteHostname}`);
        this.registerOutputs({ url: this.url, adminUrl: this.adminUrl, siteUrl: this.siteUrl });
    }
}
