// `npm run build`: src/main.ts and src/sharded.ts bundled into dist/ for `npm start`.
// Running the bundle instead of TypeScript through tsx saves ~2 s of start and ~70 MiB of memory
// (bench/README.md). Packages other than zod stay in node_modules; lazily imported modules (the
// renderers, the PostgreSQL client) become chunks that still load on first use.
import { rmSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";

const root = import.meta.dirname;
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
// Chunk names carry a content hash: without this, every change would leave stale chunks behind.
rmSync(join(root, "dist"), { recursive: true, force: true });
await build({
  // The chart worker is an entry of its own: a worker thread starts from a file.
  entryPoints: [
    join(root, "src/main.ts"),
    join(root, "src/sharded.ts"),
    join(root, "src/render/chartWorker.ts"),
  ],
  outdir: join(root, "dist"),
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  plugins: [requiredNotImported(commonJsPackages), externalPackagesExcept(bundledPackages)],
  banner: { js: requireBanner },
  sourcemap: true,
  logLevel: "warning",
});

/** Loads the packages named through require(); their named imports still work (esbuild's interop). */
function requiredNotImported(names) {
  return {
    name: "required-not-imported",
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, (args) =>
        names.includes(args.path) && args.namespace !== "required"
          ? { path: args.path, namespace: "required" }
          : undefined,
      );
      build.onLoad({ filter: /.*/, namespace: "required" }, (args) => ({
        contents: `module.exports = require(${JSON.stringify(args.path)});`,
        loader: "js",
      }));
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
