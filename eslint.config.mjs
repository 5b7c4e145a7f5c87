// ESLint 9 flat config: typescript-eslint's type-aware recommended rules plus @pulumi/eslint-plugin, whose rules
// catch an Output<T> inside a plain template literal (it renders as a warning string, not the value: use
// pulumi.interpolate). The plugin exports rules only (no configs), so they are enabled here by name.
// Formatting is Prettier's job (.prettierrc.json); no stylistic rules here.
import js from "@eslint/js";
import pulumi from "@pulumi/eslint-plugin";
import tseslint from "typescript-eslint";

export default tseslint.config(
    {
        ignores: ["node_modules/", "bin/", "out/", ".drill/", "**/*.js", "**/*.mjs"],
    },
    js.configs.recommended,
    ...tseslint.configs.recommendedTypeChecked,
    {
        languageOptions: {
            parserOptions: {
                // Type information for every .ts file, each from the nearest tsconfig.json (policy/ has its own).
                projectService: true,
                tsconfigRootDir: import.meta.dirname,
            },
        },
        plugins: { "@pulumi": pulumi },
        rules: {
            "@pulumi/no-output-in-template-literal": "error",
            "@pulumi/no-output-instance-in-template-literal": "error",
            // `_`-prefixed names are deliberately unused (tsconfig's noUnusedParameters agrees).
            "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
            // Pulumi components are constructed for their side effect: `new Foo(...)` without assignment is the idiom.
            "no-new": "off",
        },
    },
    {
        // Layering (STYLE.md): index.ts -> stacks/ -> components/ -> leaf helpers. A component declares its own
        // argument types; stacks/site.ts turns the site's config and role into plain values for it.
        files: ["components/**/*.ts"],
        rules: {
            "no-restricted-imports": [
                "error",
                {
                    patterns: [
                        {
                            regex: "(^|/)stacks(/|$)",
                            message: "components must not import from stacks/: declare the type in the component and let stacks/site.ts pass plain values.",
                        },
                    ],
                },
            ],
        },
    },
    {
        // Tests and the mocks (tools/mocks.ts) handle the engine's untyped JSON; assertions on it need `any`.
        files: ["test/**/*.ts", "tools/mocks.ts"],
        rules: {
            "@typescript-eslint/no-explicit-any": "off",
            "@typescript-eslint/no-unsafe-assignment": "off",
            "@typescript-eslint/no-unsafe-member-access": "off",
            "@typescript-eslint/no-unsafe-argument": "off",
            "@typescript-eslint/no-unsafe-call": "off",
            "@typescript-eslint/no-unsafe-return": "off",
        },
    },
);
