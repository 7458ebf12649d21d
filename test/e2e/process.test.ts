import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startLocalDiscord } from "../../src/local-discord/localDiscord.ts";
import { testDatabaseUrl } from "../support/db.ts";
import { entryCommand } from "../support/entry.ts";
import { startRally } from "../support/startRally.ts";

/** A start that fails: exit 1, nothing on stderr, and one fatal log line saying why. */
async function failedStart(environment: Record<string, string>) {
  const { code, stdout, stderr } = await startRally({ ...environment, LOG_LEVEL: "info" }).finished;
  expect(code).toBe(1);
  expect(stderr).toBe("");
  const lines = stdout.trim().split("\n");
  expect(lines).toHaveLength(1);
  const line = JSON.parse(lines[0] ?? "") as Record<string, unknown>;
  expect(line).toMatchObject({ level: 60, msg: "could not start" });
  return { line, stdout };
}

describe("npm start", () => {
  it("runs the sandbox when no DISCORD_TOKEN is set, and /rally about answers", async () => {
    const { finished } = startRally(
      { DATABASE_URL: await testDatabaseUrl() },
      "/rally about\nas @volunteer1 /rally help\nchannels\nquit\n",
    );
    const { code, stdout, stderr } = await finished;
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toContain("Rally sandbox");
    // The organizer's one-time login link on the local Discord, and the dashboard's own login.
    expect(stdout).toMatch(
      /Dashboard: http:\/\/127\.0\.0\.1:\d+\/oauth2\/sandbox-login\/[\w-]+ .*http:\/\/127\.0\.0\.1:\d+\/login/,
    );
    expect(stdout).toContain("as @volunteer1");
    expect(stdout).toMatch(
      /organizer in #general> Rally \(only you can see this\):\n {2}│ \*\*Rally\*\*/,
    );
    expect(stdout).toContain("`/rally help` — The commands you can use here");
    expect(stdout).toMatch(/\* #general\n {2}#campaigns\n {2}#organizers/);
    expect(stdout).toContain("Bye.");
  });

  it("stops with one line naming a bad variable", async () => {
    const { finished } = startRally({ LOG_LEVEL: "loud" });
    const { code, stdout, stderr } = await finished;
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr.trim().split("\n")).toEqual([
      'Invalid LOG_LEVEL (got "loud"): expected one of fatal, error, warn, info, debug, trace, silent.',
    ]);
  });

  it("stops with one line when Discord refuses the token, without printing it", async () => {
    const discord = await startLocalDiscord({ botToken: "the-token-discord-knows" });
    try {
      const { line, stdout } = await failedStart({
        DISCORD_TOKEN: "a-token-with-a-typo-in-it",
        DISCORD_API_URL: discord.apiUrl,
        DATABASE_URL: await testDatabaseUrl(),
      });
      expect(line).toMatchObject({ err: { message: expect.stringMatching(/invalid token/i) } });
      expect(stdout).not.toContain("a-token-with-a-typo-in-it");
      expect(discord.gatewayConnections()).toEqual([]);
    } finally {
      await discord.close();
    }
  });

  it("stops with one line when the database cannot be opened, and leaves Discord", async () => {
    const discord = await startLocalDiscord();
    try {
      // A file under a regular file: no directory can be made there.
      const blocker = join(mkdtempSync(join(tmpdir(), "rally-db-")), "not-a-directory");
      writeFileSync(blocker, "");
      const { line } = await failedStart({
        DISCORD_TOKEN: "a-token-the-local-discord-accepts",
        DISCORD_API_URL: discord.apiUrl,
        DATABASE_URL: `file:${blocker}/rally.db`,
      });
      // mkdir of its directory fails: a file is where the directory would go.
      expect(line).toMatchObject({ err: { code: "EEXIST" } });
      // Whatever it had opened of its gateway session, it closed.
      await discord.waitFor(() => (discord.isBotConnected() ? undefined : true));
    } finally {
      await discord.close();
    }
  });

  it("start:sharded refuses SQLite with one line saying why, before starting any shard", async () => {
    const child = spawn(...entryCommand("sharded"), {
      cwd: mkdtempSync(join(tmpdir(), "rally-start-")),
      env: {
        PATH: process.env["PATH"] ?? "",
        DISCORD_TOKEN: "a-token-the-local-discord-accepts",
        DATABASE_URL: "file:./rally.db",
        SHARD_COUNT: "2",
      },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((done) => child.on("exit", done));
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr.trim().split("\n")).toEqual([
      "start:sharded needs PostgreSQL: shard processes on one SQLite file would serialize every write. Set DATABASE_URL=postgresql://… (npm run db:copy moves your data), or run one process with npm start.",
    ]);
  });
});
