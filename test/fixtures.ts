import { ConfigError, ConfigOptions, parseConfig, RawConfig } from "../stacks/config";
import { readStackFile } from "../tools/stackFile";

/** The committed stack files, as the runtime would hand them to the program. */
export const DC: RawConfig = readStackFile("Pulumi.dc.yaml");
export const DR: RawConfig = readStackFile("Pulumi.dr.yaml");

/** A copy of `base` with `changes` applied; `undefined` removes a key. */
export function withConfig(base: RawConfig, changes: Record<string, string | undefined>): RawConfig {
    const out: Record<string, string | undefined> = { ...base };
    for (const [k, v] of Object.entries(changes)) {
        if (v === undefined) delete out[k];
        else out[k] = v;
    }
    return out;
}

/**
 * The problems the config loader reports for `base` with `changes` applied; [] when the config is valid.
 * `options.configFile`: as read from that stack file (the fixes then say what to change in it).
 */
export function configProblems(
    changes: Record<string, string | undefined>,
    base: RawConfig = DC,
    stack = "dc",
    options: ConfigOptions = {},
): readonly string[] {
    try {
        parseConfig(withConfig(base, changes), stack, options);
        return [];
    } catch (e) {
        if (e instanceof ConfigError) return e.problems;
        throw e;
    }
}
