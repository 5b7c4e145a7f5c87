import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { ChartRef, helmRelease } from "../addons/helm";
import { CHARTS, IMAGES } from "../pins";

/** mariadb-operator runs the official `mariadb` image and keeps receiving releases (unlike Bitnami's frozen images). */
export const MARIADB_OPERATOR_CRDS = CHARTS.mariadbOperatorCrds satisfies ChartRef;
export const MARIADB_OPERATOR = CHARTS.mariadbOperator satisfies ChartRef;

/** Pods with this label may reach MariaDB (Ghost, the backup and restore jobs); the NetworkPolicy admits no one else. */
export const MARIADB_CLIENT_LABEL = { "ghost-dcdr/mariadb-client": "true" } as const;

/**
 * The MariaDB account the restore logs in as (issue 10, finding 2): never root, so a hostile dump cannot create
 * users, change server settings, read or write server files, or copy password hashes. Its password is the
 * credentials Secret's `restore-password` key.
 */
export const RESTORE_USER = "ghost_restore";
export const RESTORE_PASSWORD_KEY = "restore-password";

/**
 * Base tables Ghost 6.65.0 creates: the tables `core/server/data/schema/schema.js` defines (knex-migrator adds
 * `migrations` and `migrations_lock`, 98 in all). The restore refuses a set with fewer unless forced
 * (RESTORE_MIN_TABLES, issue 10 finding 8); `npm run drill:restore-guards` counts them in the installed Ghost.
 */
export const GHOST_SCHEMA_TABLES = 96;

/** One database-level (or, for PROCESS, server-level) grant of the restore user. */
export interface RestoreGrant {
    /** Database as the Grant CR takes it (the operator backquotes it); "*" for the server. */
    database: string;
    privileges: string[];
}

/**
 * Exactly what restore-apply.sh needs, worked out from what it runs (docs/datapath.md, "Restore user"):
 * - the helper databases `<db>__staging`, `<db>__previous`, `<db>__dcdr` (one grant on `<db>\_\_%`: the
 *   backslashes make `_` literal): create and drop them, load the dump (LOCK TABLES, INSERT), import
 *   tablespaces (ALTER), carry views, triggers, routines and events, move tables out (ALTER, DROP) and in
 *   (CREATE, INSERT), record restores;
 * - the live database: receive and give up tables in the swap, re-create views, triggers, routines and events
 *   with the restore user as their DEFINER (whose SELECT, INSERT, UPDATE, DELETE they then run with);
 * - PROCESS, the one server-level privilege: to see whether a session of Ghost is connected to the live database
 *   before the swap (finding 11); it shows other sessions and changes nothing.
 * Never FILE, SUPER, CREATE USER, GRANT OPTION, or anything on `mysql`.
 */
export function restoreGrants(database: string): RestoreGrant[] {
    const objects = ["CREATE VIEW", "SHOW VIEW", "TRIGGER", "CREATE ROUTINE", "ALTER ROUTINE", "EVENT"];
    return [
        {
            database,
            privileges: ["SELECT", "INSERT", "UPDATE", "DELETE", "CREATE", "DROP", "ALTER", ...objects],
        },
        {
            database: `${database}\\_\\_%`,
            privileges: ["SELECT", "INSERT", "UPDATE", "DELETE", "CREATE", "DROP", "ALTER", "LOCK TABLES", ...objects],
        },
        { database: "*", privileges: ["PROCESS"] },
    ];
}

export interface MariaDbArgs {
    namespace: pulumi.Input<string>;
    /** Official image tag, e.g. 10.11.19. */
    version: string;
    cpu: string;
    memoryMi: number;
    storageGi: number;
    storageClassName: pulumi.Input<string>;
    innodbBufferPoolMi: number;
    /** Protect the database resource from `pulumi destroy`. */
    protect: boolean;
}

/** The server settings Ghost needs, and binary logs for point-in-time recovery. */
export function mariadbServerConfig(innodbBufferPoolMi: number): string {
    return [
        "[mariadb]",
        // Ghost stores emoji; utf8mb4 is the only MySQL charset that holds them.
        "character-set-server=utf8mb4",
        "collation-server=utf8mb4_general_ci",
        `innodb_buffer_pool_size=${innodbBufferPoolMi}M`,
        // A quarter of the buffer pool, so large imports do not stall on log checkpoints.
        `innodb_log_file_size=${Math.max(128, Math.floor(innodbBufferPoolMi / 4))}M`,
        "innodb_flush_log_at_trx_commit=1",
        "log_bin=mariadb-bin",
        "binlog_format=ROW",
        "binlog_expire_logs_seconds=604800",
        "max_allowed_packet=256M",
        "max_connections=200",
        "",
    ].join("\n");
}

/**
 * MariaDB for Ghost: the mariadb-operator (CRDs + controller, pinned Helm releases), generated credentials in a
 * Kubernetes Secret, a `MariaDB` resource on encrypted retained gp3 storage, and a NetworkPolicy that admits only
 * labelled clients.
 */
/** Ghost's database and its MariaDB user, on both sites (the drills use the same names). */
export const GHOST_DATABASE = "ghost";
export const GHOST_USER = "ghost";

export class MariaDb extends pulumi.ComponentResource {
    /** Cluster-internal DNS name of the MariaDB Service. */
    readonly host: pulumi.Output<string>;
    readonly port = 3306;
    readonly database = GHOST_DATABASE;
    readonly user = GHOST_USER;
    /** The account the restore Job logs in as (`RESTORE_USER`), with only `restoreGrants(database)`. */
    readonly restoreUser = RESTORE_USER;
    /** Secret holding `password` (Ghost's user), `restore-password` (the restore user) and `root-password`. */
    readonly secretName: pulumi.Output<string>;
    readonly password: pulumi.Output<string>;
    readonly rootPassword: pulumi.Output<string>;
    readonly image: string;

    constructor(name: string, args: MariaDbArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ghost-dcdr:mariadb:MariaDb", name, {}, opts);
        const resourceName = "mariadb";
        this.image = `${IMAGES.mariadb.image}:${args.version}`;

        // No special characters: the passwords pass through env vars and client option files unquoted.
        // Wrapped explicitly: secretness must not depend on what a provider's schema marks.
        const rootPassword = pulumi.secret(
            new random.RandomPassword(`${name}-root-password`, { length: 32, special: false }, { parent: this }).result,
        );
        const userPassword = pulumi.secret(
            new random.RandomPassword(`${name}-ghost-password`, { length: 32, special: false }, { parent: this }).result,
        );
        const restorePassword = pulumi.secret(
            new random.RandomPassword(`${name}-restore-password`, { length: 32, special: false }, { parent: this }).result,
        );
        const secret = new k8s.core.v1.Secret(
            `${name}-credentials`,
            {
                metadata: { name: "mariadb-credentials", namespace: args.namespace },
                type: "Opaque",
                stringData: { "root-password": rootPassword, password: userPassword, [RESTORE_PASSWORD_KEY]: restorePassword },
            },
            { parent: this },
        );

        const operatorNamespace = new k8s.core.v1.Namespace(
            `${name}-operator-ns`,
            {
                metadata: { name: MARIADB_OPERATOR.namespace },
            },
            { parent: this },
        );
        const crds = helmRelease(
            `${name}-operator-crds`,
            { chart: MARIADB_OPERATOR_CRDS, values: {} },
            { parent: this, dependsOn: [operatorNamespace] },
        );
        const operator = helmRelease(
            `${name}-operator`,
            {
                chart: MARIADB_OPERATOR,
                values: {
                    // Two controllers with leader election: a node drain does not stop reconciliation.
                    ha: { enabled: true, replicas: 2 },
                    image: { tag: MARIADB_OPERATOR.appVersion },
                },
            },
            { parent: this, dependsOn: [crds] },
        );

        const labels = { "app.kubernetes.io/name": "mariadb", "app.kubernetes.io/instance": resourceName };
        const server = new k8s.apiextensions.CustomResource(
            `${name}-server`,
            {
                apiVersion: "k8s.mariadb.com/v1alpha1",
                kind: "MariaDB",
                metadata: { name: resourceName, namespace: args.namespace },
                spec: {
                    image: this.image,
                    replicas: 1,
                    port: this.port,
                    rootPasswordSecretKeyRef: { name: secret.metadata.name, key: "root-password" },
                    username: this.user,
                    passwordSecretKeyRef: { name: secret.metadata.name, key: "password" },
                    database: this.database,
                    storage: { size: `${args.storageGi}Gi`, storageClassName: args.storageClassName },
                    myCnf: mariadbServerConfig(args.innodbBufferPoolMi),
                    resources: {
                        requests: { cpu: args.cpu, memory: `${args.memoryMi}Mi` },
                        limits: { memory: `${args.memoryMi}Mi` },
                    },
                },
            },
            { parent: this, dependsOn: [operator], protect: args.protect },
        );

        // The restore user, made by the operator like Ghost's user: a User and one Grant per scope.
        const mariaDbRef = { name: resourceName };
        const restoreUser = new k8s.apiextensions.CustomResource(
            `${name}-restore-user`,
            {
                apiVersion: "k8s.mariadb.com/v1alpha1",
                kind: "User",
                metadata: { name: "ghost-restore", namespace: args.namespace },
                spec: {
                    mariaDbRef,
                    name: RESTORE_USER,
                    host: "%",
                    passwordSecretKeyRef: { name: secret.metadata.name, key: RESTORE_PASSWORD_KEY },
                    // The lock session, RESTORE_PARALLEL (2) loading sessions and one query at a time, with room.
                    maxUserConnections: 10,
                },
            },
            { parent: this, dependsOn: [server] },
        );
        restoreGrants(this.database).forEach(
            (grant, i) =>
                new k8s.apiextensions.CustomResource(
                    `${name}-restore-grant-${i}`,
                    {
                        apiVersion: "k8s.mariadb.com/v1alpha1",
                        kind: "Grant",
                        metadata: { name: `ghost-restore-${i}`, namespace: args.namespace },
                        spec: {
                            mariaDbRef,
                            username: RESTORE_USER,
                            host: "%",
                            database: grant.database,
                            table: "*",
                            privileges: grant.privileges,
                            grantOption: false,
                        },
                    },
                    { parent: this, dependsOn: [restoreUser] },
                ),
        );

        new k8s.networking.v1.NetworkPolicy(
            `${name}-ingress`,
            {
                metadata: { name: "mariadb-clients-only", namespace: args.namespace },
                spec: {
                    podSelector: { matchLabels: labels },
                    policyTypes: ["Ingress"],
                    ingress: [
                        {
                            from: [
                                { podSelector: { matchLabels: { ...MARIADB_CLIENT_LABEL } } },
                                // The operator connects to create the user and database and to check health.
                                {
                                    namespaceSelector: {
                                        matchLabels: { "kubernetes.io/metadata.name": MARIADB_OPERATOR.namespace },
                                    },
                                },
                            ],
                            ports: [{ protocol: "TCP", port: this.port }],
                        },
                    ],
                },
            },
            { parent: this },
        );

        this.host = pulumi.interpolate`${resourceName}.${args.namespace}.svc.cluster.local`;
        this.secretName = secret.metadata.name;
        this.password = userPassword;
        this.rootPassword = rootPassword;
        this.registerOutputs({
            host: this.host,
            secretName: this.secretName,
            password: this.password,
            rootPassword: this.rootPassword,
        });
    }
}
