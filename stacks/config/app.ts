/** Application section: Ghost and MariaDB versions and sizes, Ghost's mail, and the protection of their data. */
import type { SmtpConfig } from "../../components/ghost";
import { PROJECT } from "../schema";
import type { NodeSize } from "./cluster";
import { hostnameProblem } from "./dns";
import { defaultText, isOneOf, SectionReader } from "./reader";

/** The namespace of MariaDB, Ghost and the backup and restore jobs, on both sites (tools/switchover.ts uses it). */
export const APP_NAMESPACE = "ghost";

export interface AppConfig {
    /** Namespace of MariaDB, Ghost and the backup and restore jobs. */
    readonly namespace: string;
    readonly ghost: {
        readonly version: string;
        readonly cpu: string;
        readonly memoryMi: number;
        readonly storageGi: number;
        readonly staffDeviceVerification: boolean;
        readonly smtp?: SmtpConfig;
    };
    readonly mariadb: {
        readonly version: string;
        readonly cpu: string;
        readonly memoryMi: number;
        readonly storageGi: number;
        /** Half the memory limit: the rest is for connections, sort buffers and the OS page cache of binlogs. */
        readonly innodbBufferPoolMi: number;
    };
    readonly protectData: boolean;
}

/** MariaDB majors the backup format and Ghost are proven with (the drill runs Debian's 10.11). */
export const SUPPORTED_MARIADB_SERIES = ["10.11", "11.4", "11.8"] as const;

/** `node`: the node's size when the cluster section knows it; the pods must fit it. */
export function readApp(r: SectionReader<"app">, node: NodeSize | undefined): AppConfig | undefined {
    const ghostVersion = r.string("ghostVersion");
    if (!/^6\.\d+\.\d+$/.test(ghostVersion)) {
        r.problem(
            "ghostVersion",
            ghostVersion,
            "is not a pinned Ghost 6 release (6.x.y; no latest, no ranges)",
            r.set("ghostVersion", defaultText("ghostVersion")),
        );
    }
    const mariadbVersion = r.string("mariadbVersion");
    const series = /^(\d+\.\d+)\.\d+$/.exec(mariadbVersion)?.[1];
    if (!series || !isOneOf(SUPPORTED_MARIADB_SERIES, series)) {
        r.problem(
            "mariadbVersion",
            mariadbVersion,
            `is not a pinned MariaDB release of a supported series (${SUPPORTED_MARIADB_SERIES.join(", ")}; x.y.z)`,
            r.set("mariadbVersion", defaultText("mariadbVersion")),
        );
    }
    const cpu = (key: "ghostCpu" | "mariadbCpu"): string => {
        const text = r.string(key);
        if (!/^(\d+m|\d+(\.\d+)?)$/.test(text) || Number.parseFloat(text) === 0) {
            r.problem(key, text, "is not a CPU quantity (e.g. 500m or 1)", r.set(key, defaultText(key)));
        }
        return text;
    };
    const ghostCpu = cpu("ghostCpu");
    const mariadbCpu = cpu("mariadbCpu");
    const ghostMemoryMi = r.integer("ghostMemoryMi", { min: 512 });
    const mariadbMemoryMi = r.integer("mariadbMemoryMi", { min: 512 });
    const ghostStorageGi = r.integer("ghostStorageGi", { min: 1 });
    const mariadbStorageGi = r.integer("mariadbStorageGi", { min: 1 });
    if (node !== undefined && ghostMemoryMi !== undefined && mariadbMemoryMi !== undefined) {
        // Leave a quarter of the node to the kubelet, system pods and the add-ons.
        const budget = Math.floor(node.memoryMi * 0.75);
        if (ghostMemoryMi > budget || mariadbMemoryMi > budget) {
            r.fail(
                `${PROJECT}:ghostMemoryMi/mariadbMemoryMi`,
                `${ghostMemoryMi}/${mariadbMemoryMi}`,
                `does not fit a ${node.instanceType} node (${node.memoryMi} MiB; at most ${budget} MiB per pod)`,
                "lower the memory or choose a larger nodeInstanceType",
            );
        }
    }

    const staffDeviceVerification = r.boolean("staffDeviceVerification");
    const smtpHost = r.string("smtpHost");
    const smtpPort = r.integer("smtpPort", { min: 1 });
    const smtpUser = r.string("smtpUser");
    const smtpFrom = r.string("smtpFrom");
    const hasSmtpPassword = r.isSet("smtpPassword");
    if (smtpHost !== "") {
        const why = hostnameProblem(smtpHost);
        if (why) r.problem("smtpHost", smtpHost, why, r.set("smtpHost", "email-smtp.eu-west-1.amazonaws.com"));
    }
    if (smtpPort !== undefined && smtpPort > 65535) {
        r.problem("smtpPort", String(smtpPort), "is not a TCP port", r.set("smtpPort", defaultText("smtpPort")));
    }
    if (smtpFrom !== "" && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(smtpFrom)) {
        r.problem("smtpFrom", smtpFrom, "is not an email address", r.set("smtpFrom", "blog@example.com"));
    }
    if ((smtpUser !== "") !== hasSmtpPassword) {
        r.problem(
            smtpUser !== "" ? "smtpPassword" : "smtpUser",
            undefined,
            "is missing: SMTP authentication needs both smtpUser and smtpPassword",
            smtpUser !== "" ? r.secret("smtpPassword") : r.set("smtpUser", "<user>"),
        );
    }
    if (staffDeviceVerification === true && smtpHost === "") {
        r.problem(
            "staffDeviceVerification",
            "true",
            "needs mail: Ghost emails a login code and staff could not log in without it",
            `set ${r.name("smtpHost")}, or ${r.set("staffDeviceVerification", "false")}`,
        );
    }
    const protectData = r.boolean("protectData");

    if (
        ghostMemoryMi === undefined ||
        mariadbMemoryMi === undefined ||
        ghostStorageGi === undefined ||
        mariadbStorageGi === undefined ||
        staffDeviceVerification === undefined ||
        smtpPort === undefined ||
        protectData === undefined
    ) {
        return undefined;
    }
    return {
        namespace: APP_NAMESPACE,
        ghost: {
            version: ghostVersion,
            cpu: ghostCpu,
            memoryMi: ghostMemoryMi,
            storageGi: ghostStorageGi,
            staffDeviceVerification,
            smtp: smtpHost === "" ? undefined : { host: smtpHost, port: smtpPort, user: smtpUser, from: smtpFrom },
        },
        mariadb: {
            version: mariadbVersion,
            cpu: mariadbCpu,
            memoryMi: mariadbMemoryMi,
            storageGi: mariadbStorageGi,
            innodbBufferPoolMi: Math.floor(mariadbMemoryMi / 2),
        },
        protectData,
    };
}
