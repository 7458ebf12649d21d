import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The directory holding package.json, prisma/ and assets/. Found by walking up from this module,
 * because it runs from two places: src/ (tsx, tests) and the dist/ bundle (`npm start`).
 */
const projectRoot = findRoot(dirname(fileURLToPath(import.meta.url)));

function findRoot(start: string): string {
  for (let directory = start; ; directory = dirname(directory)) {
    if (existsSync(join(directory, "package.json"))) return directory;
    if (dirname(directory) === directory)
      throw new Error(`no package.json above ${start}: is Rally installed?`);
  }
}

/** A path inside the project, whatever the process's working directory. */
export function projectPath(...parts: string[]): string {
  return join(projectRoot, ...parts);
}
