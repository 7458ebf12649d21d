// `npm run build`: src/main.ts and src/sharded.ts bundled into dist/ for `npm start`.
// Running the bundle instead of TypeScript through tsx saves ~2 s of start and ~70 MiB of memory
// (bench/README.md); packages stay external (node_modules), lazily imported modules (the
// renderers, the PostgreSQL client) become chunks that still load on first use.
import { rmSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";

const root = import.meta.dirname;
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
  packages: "external",
  sourcemap: true,
  logLevel: "warning",
});
