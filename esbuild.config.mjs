// `npm run build`: src/main.ts and src/sharded.ts bundled into dist/ for `npm start`.
// Running the bundle instead of TypeScript through tsx saves ~2 s of start and ~70 MiB of memory
// (bench/README.md). Packages other than zod stay in node_modules; lazily imported modules (the
// renderers, the PostgreSQL client) become chunks that still load on first use.
import { Buffer } from "node:buffer";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { build } from "esbuild";
import { generateValidators } from "./src/local-discord/spec/compile.mjs";

const root = import.meta.dirname;
const outdir = join(root, "dist");
// zod is the one package bundled in: Node loads its many small ES modules one by one (120 ms of
// start), bundled it takes ~60 ms. Bundling i18next, luxon and node-cron too changed nothing
// measurable; bundling everything cost 9-40 MiB of RSS (bench/README.md).
const bundledPackages = ["zod"];
// CommonJS packages loaded at start go through require(), not import: Node scans the source of a
// CommonJS module imported from an ES module, and of every module it re-exports, to find its
// export names (cjs-module-lexer), ~100 ms for discord.js's tree and Prisma's runtime. require()
// skips that scan. Spawn to login attempt, 10 alternated starts: CPU 1,640 -> 1,360 ms.
const commonJsPackages = ["discord.js", "@prisma/client/runtime/client", "better-sqlite3", "pino"];
// Every output file gets a `require` of its own, which esbuild's require() calls then use.
const requireBanner =
  'import { createRequire as __rallyCreateRequire } from "node:module"; ' +
  "const require = __rallyCreateRequire(import.meta.url);";
// The local Discord (bundled for the sandbox) checks request bodies with validators compiled
// from Discord's OpenAPI document: compiled here, once, not in every process that starts one.
generateValidators();
// Chunk names carry a content hash: without this, every change would leave stale chunks behind.
rmSync(outdir, { recursive: true, force: true });
await build({
  // The chart worker is an entry of its own: a worker thread starts from a file.
  entryPoints: [
    join(root, "src/main.ts"),
    join(root, "src/sharded.ts"),
    join(root, "src/render/chartWorker.ts"),
  ],
  outdir,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  plugins: [
    prismaWasmFromFile(),
    requiredNotImported(commonJsPackages),
    externalPackagesExcept(bundledPackages),
  ],
  banner: { js: requireBanner },
  sourcemap: true,
  logLevel: "warning",
});

/**
 * Loads the packages named through require(). Each becomes one ES module that requires it once
 * and exports its names (listed at build time): a CommonJS module imported as such would be
 * wrapped by esbuild's interop in every source file that imports it (17 files import
 * discord.js), each wrapper copying all of its 535 exports as getters, 15 ms of start.
 */
function requiredNotImported(names) {
  const requireFromRoot = createRequire(join(root, "package.json"));
  return {
    name: "required-not-imported",
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, (args) =>
        names.includes(args.path) && args.namespace !== "required"
          ? { path: args.path, namespace: "required" }
          : undefined,
      );
      build.onLoad({ filter: /.*/, namespace: "required" }, (args) => {
        const exported = Object.keys(requireFromRoot(args.path)).filter(
          (name) => name !== "default" && /^[A-Za-z_$][\w$]*$/.test(name),
        );
        return {
          contents: [
            `const required = require(${JSON.stringify(args.path)});`,
            "export default required;",
            exported.length > 0 ? `export const { ${exported.join(", ")} } = required;` : "",
          ].join("\n"),
          loader: "js",
        };
      });
    },
  };
}

/** Leaves every package in node_modules except those named, as `packages: "external"` would. */
function externalPackagesExcept(bundled) {
  return {
    name: "external-packages",
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, (args) => {
        const parts = args.path.split("/");
        const name = args.path.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
        return bundled.includes(name) ? undefined : { external: true };
      });
    },
  };
}

/**
 * Prisma's generated client loads its query compiler (WebAssembly) from a JavaScript module that
 * holds it as a 2.2 MB base64 string: Node parses that module (~30 ms alone, ~20 ms of CPU in a
 * whole start) and keeps the string and the module's source for the life of the process
 * (6-10 MiB of RSS with one server, medians of alternated starts). The build writes the
 * compiler's bytes to dist/ instead and the bundled client reads them from there; the rest of
 * Prisma's loading is unchanged. (WebAssembly.compile, asynchronous, measured slower to start
 * than the synchronous Module the generated code uses, so that is kept.)
 */
function prismaWasmFromFile() {
  const base64Import =
    /const \{ wasm \} = await import\("@prisma\/client\/runtime\/(query_compiler_\w+_bg\.\w+)\.wasm-base64\.mjs"\)\s*return await decodeBase64AsWasm\(wasm\)/;
  return {
    name: "prisma-wasm-from-file",
    setup(build) {
      build.onLoad({ filter: /[\\/]generated(-pg)?[\\/]internal[\\/]class\.ts$/ }, async (args) => {
        const source = await readFile(args.path, "utf8");
        const found = base64Import.exec(source);
        // Loud, not silent: a Prisma upgrade that changes this must be looked at.
        if (!found)
          throw new Error(
            `${args.path}: Prisma no longer loads its query compiler as prismaWasmFromFile expects`,
          );
        const name = found[1];
        const { wasm } = await import(`@prisma/client/runtime/${name}.wasm-base64.mjs`);
        mkdirSync(outdir, { recursive: true });
        writeFileSync(join(outdir, `${name}.wasm`), Buffer.from(wasm, "base64"));
        const readBytes = `new WebAssembly.Module(await (await import("node:fs/promises")).readFile(new URL("./${name}.wasm", import.meta.url)))`;
        return { contents: source.replace(base64Import, `return ${readBytes}`), loader: "ts" };
      });
    },
  };
}
