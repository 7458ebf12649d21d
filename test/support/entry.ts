import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "../..");

/**
 * How `npm start` / `npm run start:sharded` run Rally: Node itself on the dist/ bundle
 * (test/globalSetup.ts builds it). Not through npm, whose own process would stand between a
 * test's SIGKILL and the bot.
 */
export function entryCommand(entry: "main" | "sharded"): [string, string[]] {
  return [process.execPath, ["--enable-source-maps", join(root, "dist", `${entry}.js`)]];
}
