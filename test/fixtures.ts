import { RawConfig } from "../stacks/config";
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
