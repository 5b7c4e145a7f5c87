/**
 * Keys nothing reads. Pulumi hands the program every key of the stack's config and says nothing of the ones nobody
 * reads, so a typo leaves the key that was meant unset, or at its default, without a word. Every key is checked:
 * - `ghost-dcdr:<key>` against the schema;
 * - `aws:<key>` against the AWS provider's config keys in the pinned @pulumi/aws (its config/vars.d.ts): a valid one
 *   such as aws:profile passes, any other is refused, as the provider itself would refuse it;
 * - a namespace one or two typos from ghost-dcdr or aws (`ghostdcdr:domain`, `AWS:region`), whatever its key;
 * - a key without a namespace. `pulumi up` never passes one on: the CLI reads a stack file's `hostedZoneId:` as
 *   `ghost-dcdr:hostedZoneId` (pulumi/pulumi, sdk/go/common/workspace/loaders.go, stackConfigNamespacedWithProject).
 *   Only a reader that does not do the same (the offline plan's tools/stackFile.ts) hands one over, and no section
 *   would read it: it is named, with the namespaced key to write instead.
 * Keys of any other namespace pass. The other packages this program uses (KNOWN_NAMESPACES) and the engine's own
 * `pulumi:` read keys of their own that Pulumi accepts, and a namespace nothing here knows may belong to something
 * outside this program; refusing them would refuse config that Pulumi accepts.
 */
import * as awsProviderConfig from "@pulumi/aws/config/vars";
import { CONFIG_KEYS, PROJECT } from "../schema";
import { editDistance, nearest } from "./nearest";
import type { ConfigInput } from "./reader";

/** The AWS provider's config keys (`aws:<key>`) in the pinned @pulumi/aws, e.g. region, profile, assumeRoles. */
export const AWS_CONFIG_KEYS: readonly string[] = Object.keys(awsProviderConfig).sort();

/**
 * The namespaces of the Pulumi packages in package.json (test/config-keys.test.ts checks it) and the engine's: their
 * keys pass, and none of them is taken for a typo of aws (awsx is one letter from it).
 */
export const KNOWN_NAMESPACES: readonly string[] = [PROJECT, "aws", "awsx", "eks", "kubernetes", "random", "pulumi"];

/** The namespaces whose keys are checked, each with the keys it has and where they are listed. */
type Checked = typeof PROJECT | "aws";
const CHECKED: Readonly<Record<Checked, { readonly keys: readonly string[]; readonly listed: string }>> = {
    [PROJECT]: { keys: Object.keys(CONFIG_KEYS), listed: "(the keys are listed in Pulumi.yaml and the README)" },
    aws: {
        keys: AWS_CONFIG_KEYS,
        listed: "(the AWS provider's keys are listed at https://www.pulumi.com/registry/packages/aws/installation-configuration/)",
    },
};

/** Records a problem for every key of `input.raw` that no section reads and no package accepts. */
export function checkKeys(input: ConfigInput): void {
    for (const key of Object.keys(input.raw)) {
        const colon = key.indexOf(":");
        const bare = colon < 0;
        const namespace = bare ? undefined : key.slice(0, colon);
        const name = bare ? key : key.slice(colon + 1);
        // A key without a namespace is one Pulumi would have read as ghost-dcdr's.
        const meant = namespace === undefined ? PROJECT : checkedNamespace(namespace);
        if (meant === undefined || (namespace === meant && CHECKED[meant].keys.includes(name))) continue;

        const guess = guessKey(name, meant);
        const listed = CHECKED[guess === undefined ? meant : guess.startsWith(`${PROJECT}:`) ? PROJECT : "aws"].listed;
        let action: string;
        if (bare || input.configFile !== undefined) {
            // In the file: rename the key to the one meant, unless that one is set as well.
            const file = input.fileOf(input.stack);
            action =
                guess !== undefined && input.raw[guess] === undefined
                    ? `in ${file} rename ${key} to ${guess}`
                    : `remove ${key} from ${file}`;
        } else {
            action = input.rmCmd(key);
        }
        input.fail(
            key,
            undefined,
            bare ? "config key without a namespace" : "unknown config key",
            `${guess === undefined ? "" : `did you mean ${guess}? `}${action} ${listed}`,
        );
    }
}

/** The checked namespace `namespace` is, or is a typo of (one or two edits, any case); undefined for any other. */
function checkedNamespace(namespace: string): Checked | undefined {
    if (namespace === PROJECT || namespace === "aws") return namespace;
    if (KNOWN_NAMESPACES.includes(namespace)) return undefined;
    const lower = namespace.toLowerCase();
    if (editDistance(lower, PROJECT) <= 2) return PROJECT;
    if (editDistance(lower, "aws") <= 1) return "aws";
    return undefined;
}

/**
 * The key, written in full, that `name` most likely meant: the same name (any case) in the namespace meant, then in
 * the other (`ghost-dcdr:region` meant aws:region), then the nearest name in the namespace meant, then in the other.
 */
function guessKey(name: string, meant: Checked): string | undefined {
    const other: Checked = meant === PROJECT ? "aws" : PROJECT;
    const same = (ns: Checked) => CHECKED[ns].keys.find((k) => k.toLowerCase() === name.toLowerCase());
    const near = (ns: Checked) => nearest(name, CHECKED[ns].keys, 3);
    for (const [ns, find] of [
        [meant, same],
        [other, same],
        [meant, near],
        [other, near],
    ] as const) {
        const found = find(ns);
        if (found !== undefined) return `${ns}:${found}`;
    }
    return undefined;
}
