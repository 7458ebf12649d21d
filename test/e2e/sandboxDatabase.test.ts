/**
 * The sandbox on the database DATABASE_URL names: the one sandbox test that runs on both databases
 * (vitest.config.ts keeps test/e2e/sandbox.test.ts on SQLite: without DATABASE_URL the sandbox
 * keeps its own SQLite file whatever the pass, so a second pass would prove nothing more).
 */
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { testDatabaseUrl } from "../support/db.ts";
import { startSandbox, type SandboxProcess } from "../support/sandboxProcess.ts";

const started: SandboxProcess[] = [];
afterEach(() => {
  for (const sandbox of started.splice(0)) sandbox.kill();
});

describe("the sandbox on DATABASE_URL", () => {
  // A real `npm start` in its own process: a few seconds on a busy machine.
  it(
    "reset is refused when DATABASE_URL names another database",
    { timeout: 120_000 },
    async () => {
      const cwd = mkdtempSync(join(tmpdir(), "rally-sandbox-"));
      const databaseUrl = await testDatabaseUrl();
      const sandbox = await startSandbox(cwd, { DATABASE_URL: databaseUrl });
      started.push(sandbox);
      await sandbox.send('/campaign create title:"Free them" goal:500');
      const refused = await sandbox.send("reset");
      expect(refused).toContain("DATABASE_URL points to another one, so nothing was deleted");
      expect(await sandbox.send("reset")).toContain("nothing was deleted");
      expect(await sandbox.send("/campaign list")).toContain("**#1 Free them**");
      // Its own database is untouched (on PostgreSQL the campaign listed above says as much).
      if (databaseUrl.startsWith("file:"))
        expect(existsSync(databaseUrl.replace(/^file:/, ""))).toBe(true);
      await sandbox.quit();
    },
  );
});
