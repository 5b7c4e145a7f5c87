/**
 * The shared reader of the config sections: raw config access, the schema's defaults, getters that return a typed
 * value or record a problem (never throw), and the one problem list all sections add to, so every problem is reported
 * at once. A problem is one line: the key, the bad value and the fix.
 */
import { CONFIG_KEYS, ConfigKey, KeyType, PROJECT, Section } from "../schema";

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

/**
 * Where the config came from, which decides how a fix is written. By default the Pulumi CLI handed it to the program,
 * and a fix is a command (`pulumi config set <key> <value> -s <stack>`). `configFile`: it was read from that stack
 * file (the offline plan's `--config <file>`), and a fix says what to change in the file
 * (`in Pulumi.dc.yaml set ghost-dcdr:nodeMaxSize: 5`).
 */
export interface ConfigOptions {
    readonly configFile?: string;
}

/** One stack's raw config, the problems found in it so far, and which section read which key. */
export class ConfigInput {
    readonly problems: string[] = [];
    /** Every key read, with the section that read it (a test checks each key is read by its own section only). */
    readonly reads: { readonly section: Section; readonly key: ConfigKey }[] = [];
    /** The stack file the config was read from; undefined when the Pulumi CLI handed it over. */
    readonly configFile?: string;

    constructor(
        readonly raw: RawConfig,
        /** Stack name, for the `-s <stack>` of every fix. */
        readonly stack: string,
        options: ConfigOptions = {},
    ) {
        this.configFile = options.configFile;
    }

    /** Records one problem. Returns undefined, so a check can `return input.fail(...)` in place of the value. */
    fail(key: string, value: string | undefined, what: string, fix: string): undefined {
        this.problems.push(`${key}: ${value === undefined ? "" : `${JSON.stringify(value)} `}${what}. Fix: ${fix}`);
        return undefined;
    }

    /**
     * The fix that sets `key` (written in full, `namespace:key`) to `example` on `stack` (this one unless told):
     * the command, or the line of the stack file. `note` follows the value (`true (or false)`).
     */
    setCmd(key: string, example: string, note?: string, stack = this.stack): string {
        const after = note ? ` ${note}` : "";
        if (this.configFile === undefined) return `pulumi config set ${key} ${shellWord(example)}${after} -s ${stack}`;
        return `in ${this.fileOf(stack)} set ${key}: ${yamlValue(example, typeOf(key))}${after}`;
    }

    /** The fix that removes `key` from this stack's config. */
    rmCmd(key: string): string {
        return this.configFile === undefined
            ? `pulumi config rm ${key} -s ${this.stack}`
            : `remove ${key} from ${this.configFile}`;
    }

    /** The fix that sets the secret `key`: only the CLI encrypts it, with the file named when the config came from one. */
    secretCmd(key: string): string {
        if (this.configFile === undefined) return `pulumi config set --secret ${key} -s ${this.stack}`;
        return `set ${key} in ${this.configFile}, encrypted: pulumi config set --secret ${key} --config-file ${this.configFile} -s ${this.stack}`;
    }

    /** Two fixes, both needed. */
    both(first: string, second: string): string {
        return `${first}${this.configFile === undefined ? " && " : " and "}${second}`;
    }

    /** The stack file of `stack`: the config file for this stack, `Pulumi.<stack>.yaml` beside it for another. */
    fileOf(stack: string): string {
        const file = this.configFile ?? `Pulumi.${this.stack}.yaml`;
        return stack === this.stack ? file : file.replace(/[^/\\]*$/, `Pulumi.${stack}.yaml`);
    }

    /** A reader for `section`: it accepts that section's keys only. */
    section<S extends Section>(section: S): SectionReader<S> {
        return new SectionReader(this, section);
    }
}

/** A value as a shell command takes it: bare when it is one plain word, else quoted. */
function shellWord(value: string): string {
    if (/^[\w@%+=:,./<>-]+$/.test(value)) return value;
    return value.includes('"') ? `'${value}'` : `"${value}"`;
}

/** What YAML would read as a number, a boolean or null rather than as the string (1.30 is the number 1.3). */
const YAML_NOT_A_STRING = /^([-+]?[\d_]*\.?\d*([eE][-+]?\d+)?|true|false|yes|no|on|off|y|n|null|~)$/i;

/**
 * A value as the stack file writes it: numbers, booleans and lists (`["203.0.113.0/24"]`) bare, a string bare unless
 * YAML would read it as something else or it has a space, then double-quoted (kubernetesVersion: "1.33").
 */
function yamlValue(value: string, type: KeyType): string {
    if (type !== "string") return value;
    return /^[\w<][\w@%+=:,./<>-]*$/.test(value) && !YAML_NOT_A_STRING.test(value) ? value : JSON.stringify(value);
}

/** The schema type of a key written in full; keys of other namespaces (aws:region) are strings. */
function typeOf(key: string): KeyType {
    const name = key.startsWith(`${PROJECT}:`) ? key.slice(PROJECT.length + 1) : undefined;
    return name !== undefined && Object.hasOwn(CONFIG_KEYS, name) ? CONFIG_KEYS[name as ConfigKey].type : "string";
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

    /** The fix that sets `key` on this stack (on `stack` when told, e.g. `<dr stack>`); `note` follows the value. */
    set(key: KeyOf<S>, example: string, { note, stack }: { note?: string; stack?: string } = {}): string {
        return this.input.setCmd(this.name(key), example, note, stack);
    }

    /** The fix that sets a key written in full (`aws:region`) on this stack. */
    setCmd(key: string, example: string): string {
        return this.input.setCmd(key, example);
    }

    /** The fix that removes `key` from this stack's config. */
    rm(key: KeyOf<S>): string {
        return this.input.rmCmd(this.name(key));
    }

    /** The fix that sets the secret `key`. */
    secret(key: KeyOf<S> & SecretKey): string {
        return this.input.secretCmd(this.name(key));
    }

    /** Two fixes, both needed. */
    both(first: string, second: string): string {
        return this.input.both(first, second);
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
            return this.problem(key, text, "is not a boolean", this.set(key, "true", { note: "(or false)" }));
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
            // In a stack file the fix already is the YAML list.
            const fix =
                this.input.configFile === undefined
                    ? `${this.set(key, example)} (or a YAML list in the stack file)`
                    : this.set(key, example);
            return this.problem(key, text, "is not a list of strings", fix);
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
