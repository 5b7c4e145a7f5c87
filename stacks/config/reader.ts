/**
 * The shared reader of the config sections: raw config access, the schema's defaults, getters that return a typed
 * value or record a problem (never throw), and the one problem list all sections add to, so every problem is reported
 * at once. A problem is one line: the key, the bad value and the fix.
 */
import { CONFIG_KEYS, ConfigKey, PROJECT, Section } from "../schema";

/** Raw config as Pulumi's runtime holds it: `namespace:key` -> string (arrays and objects as JSON). */
export type RawConfig = Readonly<Record<string, string | undefined>>;

type Spec<K extends ConfigKey> = (typeof CONFIG_KEYS)[K];
type KeysWhere<T> = { [K in ConfigKey]: Spec<K> extends T ? K : never }[ConfigKey];
/** The keys the schema gives to section `S`: the only ones its reader accepts. */
export type KeyOf<S extends Section> = KeysWhere<{ readonly section: S }>;
type StringKey = KeysWhere<{ readonly type: "string"; readonly default: string }>;
type IntegerKey = KeysWhere<{ readonly type: "integer"; readonly default: number }>;
type BooleanKey = KeysWhere<{ readonly type: "boolean"; readonly default: boolean }>;
type ArrayKey = KeysWhere<{ readonly type: "array"; readonly default: readonly string[] }>;
type SecretKey = KeysWhere<{ readonly secret: true }>;
type DefaultedKey = StringKey | IntegerKey | BooleanKey | ArrayKey;

/** Whether `text` is one of `values`; narrows it to their type. */
export function isOneOf<T extends string>(values: readonly T[], text: string): text is T {
    return (values as readonly string[]).includes(text);
}

/** "a, b or c", with "" written as "empty". */
function alternatives(values: readonly string[]): string {
    const words = values.map((v) => (v === "" ? "empty" : v));
    return words.length < 2 ? words.join("") : `${words.slice(0, -1).join(", ")} or ${words[words.length - 1]}`;
}

/** A key's schema default as `pulumi config set` takes it: the example of the messages that have no better one. */
export function defaultText(key: DefaultedKey): string {
    const d = CONFIG_KEYS[key].default;
    return Array.isArray(d) ? JSON.stringify(d) : String(d);
}

/** One stack's raw config, the problems found in it so far, and which section read which key. */
export class ConfigInput {
    readonly problems: string[] = [];
    /** Every key read, with the section that read it (a test checks each key is read by its own section only). */
    readonly reads: { readonly section: Section; readonly key: ConfigKey }[] = [];

    constructor(
        readonly raw: RawConfig,
        /** Stack name, for the `-s <stack>` of every fix. */
        readonly stack: string,
    ) {}

    /** Records one problem. Returns undefined, so a check can `return input.fail(...)` in place of the value. */
    fail(key: string, value: string | undefined, what: string, fix: string): undefined {
        this.problems.push(`${key}: ${value === undefined ? "" : `${JSON.stringify(value)} `}${what}. Fix: ${fix}`);
        return undefined;
    }

    /** The command that sets `key` (written in full, `namespace:key`) on this stack. */
    setCmd(key: string, example: string): string {
        return `pulumi config set ${key} ${example} -s ${this.stack}`;
    }

    /** A reader for `section`: it accepts that section's keys only. */
    section<S extends Section>(section: S): SectionReader<S> {
        return new SectionReader(this, section);
    }

    /** A key with a typo is silently ignored by Pulumi: name it, and suggest the key that was meant. */
    checkUnknownKeys(): void {
        for (const key of Object.keys(this.raw)) {
            if (key.startsWith(`${PROJECT}:`) && !Object.hasOwn(CONFIG_KEYS, key.slice(PROJECT.length + 1))) {
                const guess = closestKey(key.slice(PROJECT.length + 1));
                this.problems.push(
                    `${key}: unknown config key. Fix: ${guess ? `did you mean ${PROJECT}:${guess}? ` : ""}` +
                        `pulumi config rm ${key} -s ${this.stack} (the keys are listed in Pulumi.yaml and the README)`,
                );
            }
        }
    }
}

/**
 * Reads the keys of one section. Unset and blank values are the same; the getters of keys with a default fall back
 * to the schema's, and the examples in their messages are that default.
 */
export class SectionReader<S extends Section> {
    constructor(
        private readonly input: ConfigInput,
        readonly section: S,
    ) {}

    get stack(): string {
        return this.input.stack;
    }

    /** The key as the command line writes it, `ghost-dcdr:<key>`. */
    name(key: KeyOf<S>): string {
        return `${PROJECT}:${key}`;
    }

    /** Records a problem under a name of its own (a key of another namespace, or several keys checked together). */
    fail(key: string, value: string | undefined, what: string, fix: string): undefined {
        return this.input.fail(key, value, what, fix);
    }

    /** Records a problem with `key`; returns undefined. */
    problem(key: KeyOf<S>, value: string | undefined, what: string, fix: string): undefined {
        return this.input.fail(this.name(key), value, what, fix);
    }

    /** The command that sets `key` on this stack. */
    set(key: KeyOf<S>, example: string): string {
        return this.input.setCmd(this.name(key), example);
    }

    /** The command that sets a key written in full (`aws:region`) on this stack. */
    setCmd(key: string, example: string): string {
        return this.input.setCmd(key, example);
    }

    /** The trimmed value, or undefined when the key is unset or blank. */
    text(key: KeyOf<S>): string | undefined {
        return this.rawText(this.read(key));
    }

    /** A key of another namespace, which the schema does not hold (`aws:region`), read like `text`. */
    otherText(key: `aws:${string}`): string | undefined {
        return this.rawText(key);
    }

    /** Whether a secret is set; its value is read as a secret Output by `loadConfig`, never here. */
    isSet(key: KeyOf<S> & SecretKey): boolean {
        return this.input.raw[this.read(key)] !== undefined;
    }

    /** A key without a default: its value, or a problem saying how to set it. */
    required(key: KeyOf<S>, example: string): string | undefined {
        return this.text(key) ?? this.problem(key, undefined, "is required but not set", this.set(key, example));
    }

    /** A string key's value, or its schema default. */
    string(key: KeyOf<S> & StringKey): string {
        const k: StringKey = key;
        return this.text(key) ?? CONFIG_KEYS[k].default;
    }

    /** A whole number of at least `min`, or its schema default. */
    integer(key: KeyOf<S> & IntegerKey, { min }: { min: number }): number | undefined {
        const text = this.text(key) ?? defaultText(key);
        if (!/^-?\d+$/.test(text)) {
            return this.problem(key, text, "is not a whole number", this.set(key, defaultText(key)));
        }
        const n = Number(text);
        if (n < min) {
            return this.problem(key, text, `must be ${min} or more`, this.set(key, defaultText(key)));
        }
        return n;
    }

    /** true or false, or its schema default. */
    boolean(key: KeyOf<S> & BooleanKey): boolean | undefined {
        const text = this.text(key) ?? defaultText(key);
        if (text !== "true" && text !== "false") {
            return this.problem(key, text, "is not a boolean", this.set(key, "true (or false)"));
        }
        return text === "true";
    }

    /** One of `values` (its schema default when unset): "is not <what>; it must be a, b or c" otherwise. */
    choice<T extends string>(
        key: KeyOf<S> & StringKey,
        values: readonly T[],
        what: string,
        example: string = defaultText(key),
    ): T | undefined {
        return this.oneOf(key, this.string(key), values, what, example);
    }

    /** `text`, read from `key`, as one of `values`, or a problem naming them. */
    oneOf<T extends string>(key: KeyOf<S>, text: string, values: readonly T[], what: string, example: string): T | undefined {
        if (isOneOf(values, text)) return text;
        return this.problem(key, text, `is not ${what}; it must be ${alternatives(values)}`, this.set(key, example));
    }

    /** A list of strings (JSON, as Pulumi hands over a YAML list), or its schema default. */
    stringArray(key: KeyOf<S> & ArrayKey, example: string): string[] | undefined {
        const text = this.text(key) ?? defaultText(key);
        let value: unknown;
        try {
            value = JSON.parse(text);
        } catch {
            value = undefined;
        }
        if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) {
            return this.problem(
                key,
                text,
                "is not a list of strings",
                `${this.set(key, example)} (or a YAML list in the stack file)`,
            );
        }
        return value;
    }

    private read(key: KeyOf<S>): string {
        this.input.reads.push({ section: this.section, key });
        return this.name(key);
    }

    private rawText(fullKey: string): string | undefined {
        const v = this.input.raw[fullKey];
        return v === undefined || v.trim() === "" ? undefined : v.trim();
    }
}

/** The known key nearest to a typo (edit distance at most 3), for "did you mean". */
function closestKey(typo: string): string | undefined {
    let best: string | undefined;
    let bestDistance = 4;
    for (const key of Object.keys(CONFIG_KEYS)) {
        const d = editDistance(typo.toLowerCase(), key.toLowerCase());
        if (d < bestDistance) {
            best = key;
            bestDistance = d;
        }
    }
    return best;
}

function editDistance(a: string, b: string): number {
    const row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
        let diagonal = row[0];
        row[0] = i;
        for (let j = 1; j <= b.length; j++) {
            const above = row[j];
            row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
            diagonal = above;
        }
    }
    return row[b.length];
}
