import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "../..");

/**
 * How `npm start` / `npm run start:sharded` run Rally: Node itself, with the flags package.json's
 * start script gives it, on the dist/ bundle (test/globalSetup.ts builds it). Not through npm,
 * whose own process would stand between a test's SIGKILL and the bot.
 */
export function entryCommand(entry: "main" | "sharded"): [string, string[]] {
  return [process.execPath, [...startFlags(), join(root, "dist", `${entry}.js`)]];
}

/** The Node flags of `npm start` ("node <flags> dist/main.js" in package.json). */
export function startFlags(): string[] {
  const scripts = (
    JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
      scripts: Record<string, string>;
    }
  ).scripts;
  const command = /node ((?:--\S+ )*)dist\/main\.js/.exec(scripts["start"] ?? "");
  if (!command) throw new Error("package.json's start script no longer runs node … dist/main.js");
  return (command[1] ?? "").trim().split(" ").filter(Boolean);
}
