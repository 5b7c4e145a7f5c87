import * as fs from "node:fs";
import * as yaml from "js-yaml";
import type { RawConfig } from "../stacks/config";
import { PROJECT } from "../stacks/schema";

/**
 * Reads a `Pulumi.<stack>.yaml`-format file into config as Pulumi's runtime holds it: every value a string,
 * lists and maps as JSON (what `pulumi config` hands the program), and a key without a namespace in the project's
 * namespace, as Pulumi's stack-file loader puts it (pulumi/pulumi sdk/go/common/workspace/loaders.go,
 * `stackConfigNamespacedWithProject`): `hostedZoneId:` is `ghost-dcdr:hostedZoneId` to `pulumi up`, so to the plan too.
 */
export function readStackFile(path: string): RawConfig {
    let doc: unknown;
    try {
        doc = yaml.load(fs.readFileSync(path, "utf8"));
    } catch (e) {
        throw new Error(`${path}: not readable YAML (${(e as Error).message.split("\n")[0]})`);
    }
    const config = (doc as { config?: unknown } | null)?.config;
    if (!config || typeof config !== "object" || Array.isArray(config)) {
        throw new Error(`${path}: expected a top-level "config:" map, as in Pulumi.dc.yaml`);
    }
    const raw: Record<string, string> = {};
    for (const [key, value] of Object.entries(config)) {
        if (value && typeof value === "object" && "secure" in value) {
            throw new Error(`${path}: ${key} is encrypted (secure:); the offline plan takes plain values only`);
        }
        const full = key.includes(":") ? key : `${PROJECT}:${key}`;
        if (full in raw) {
            throw new Error(`${path}: ${full} is set twice (once without its namespace, as ${full.split(":")[1]}); keep one`);
        }
        raw[full] = typeof value === "string" ? value : JSON.stringify(value);
    }
    return raw;
}
