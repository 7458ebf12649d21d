import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * A file shipped with Rally (a font, the chart worker), found from this module whether it runs
 * from src/ (tsx, tests) or from the dist/ bundle. The render layer finds its files itself rather
 * than through src/projectRoot.ts: it depends on nothing of Rally's (eslint.boundaries.js).
 */
export function shippedFile(...parts: string[]): string {
  return join(root, ...parts);
}

const root = (() => {
  const start = dirname(fileURLToPath(import.meta.url));
  for (let directory = start; dirname(directory) !== directory; directory = dirname(directory))
    if (existsSync(join(directory, "package.json"))) return directory;
  throw new Error(`no package.json above ${start}: is Rally installed?`);
})();
