import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startLocalDiscord } from "../../src/local-discord/localDiscord.ts";
import { testDatabaseUrl } from "../support/db.ts";
import { entryCommand } from "../support/entry.ts";

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `npm start` as a user runs it: the real entry point in its own process. */
function startRally(environment: Record<string, string>, input?: string) {
  const child = spawn(...entryCommand("main"), {
    cwd: mkdtempSync(join(tmpdir(), "rally-start-")),
    env: { PATH: process.env["PATH"] ?? "", ...environment },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  if (input !== undefined) child.stdin.end(input);
  const finished = new Promise<Finished>((done) =>
    child.on("exit", (code) => done({ code, stdout, stderr })),
  );
  return { child, finished, output: () => stdout };
}

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

  it("with a token, connects, registers to DEV_GUILD_ID, answers, and stops cleanly on SIGTERM", async () => {
    const discord = await startLocalDiscord();
    try {
      const owner = discord.createUser({ username: "owner" });
      const guild = discord.createGuild({ name: "Campaign HQ", ownerId: owner.id });
      discord.addMember(guild.id, owner.id);
      const channel = discord.createChannel(guild.id, { name: "general" });
      const { child, finished } = startRally({
        DISCORD_TOKEN: "a-token-the-local-discord-accepts",
        DISCORD_API_URL: discord.apiUrl,
        DEV_GUILD_ID: guild.id,
        DATABASE_URL: await testDatabaseUrl(),
        LOG_LEVEL: "info",
      });
      await discord.waitFor(
        () => (discord.commands(guild.id).length > 0 ? true : undefined),
        15_000,
      );
      expect(discord.commands()).toHaveLength(0);
      const reply = await discord
        .slash({
          guildId: guild.id,
          channelId: channel.id,
          userId: owner.id,
          command: "rally",
          subcommand: "about",
        })
        .final();
      expect(reply.embeds[0]?.title).toBe("Rally");
      child.kill("SIGTERM");
      const { code, stdout, stderr } = await finished;
      expect(code).toBe(0);
      expect(stderr).toBe("");
      const lines = stdout
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(lines.find((line) => line["msg"] === "interaction")).toMatchObject({
        interaction: "rally about",
        outcome: "ok",
      });
      expect(lines.at(-1)).toMatchObject({ msg: "stopped" });
      expect(stdout).not.toContain("a-token-the-local-discord-accepts");
    } finally {
      await discord.close();
    }
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
