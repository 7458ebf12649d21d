import js from "@eslint/js";
import boundaries from "eslint-plugin-boundaries";
import tseslint from "typescript-eslint";
import { layerRules, layerSettings } from "./eslint.boundaries.js";

const zodNamespace = {
  selector:
    "ImportDeclaration[source.value='zod'] > :matches(ImportSpecifier[imported.name='z'], ImportDefaultSpecifier)",
  message: 'Write `import * as z from "zod"`: it keeps unused zod out of the bundle.',
};

const clockMessage =
  "Read the time through src/clock.ts (now(), nowMs()) or a `now` passed in; performance.now() for durations.";
const systemTime = [
  { selector: "MemberExpression[object.name='Date'][property.name='now']", message: clockMessage },
  { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: clockMessage },
  { selector: "CallExpression[callee.name='Date']", message: clockMessage },
];

export default tseslint.config(
  {
    ignores: [
      "node_modules/",
      "data/",
      "src/db/generated/",
      "src/db/generated-pg/",
      "coverage/",
      "dist/",
      "src/local-discord/spec/validators.generated.mjs",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_" },
      ],
      "no-console": "error",
      // zod's `z` object keeps all of zod in the bundle (its locales included: 570 KB that
      // every start parses); the namespace import lets esbuild keep what is used.
      "no-restricted-syntax": ["error", zodNamespace],
    },
  },
  {
    // One clock (src/clock.ts): the sandbox moves it, so nothing else may read the system time.
    files: ["src/**/*.ts", "commands/**/*.ts"],
    ignores: ["src/clock.ts"],
    rules: { "no-restricted-syntax": ["error", zodNamespace, ...systemTime] },
  },
  {
    files: ["src/**/*.ts", "commands/**/*.ts"],
    plugins: { boundaries },
    settings: layerSettings,
    rules: layerRules,
  },
);
