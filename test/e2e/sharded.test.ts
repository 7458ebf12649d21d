// npm run start:sharded: real shard processes under discord.js's ShardingManager, on one
// PostgreSQL database, logged in to one local Discord that routes servers by shard. Two
// managers split 3 shards as two machines would (SHARD_LIST): one runs shards 0 and 1, the other
// shard 2. Runs in the PostgreSQL pass only (vitest.config.ts): SQLite is refused for this mode.
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { openDatabase } from "../../src/db/client.ts";
import { deployCommands } from "../../src/discord/deployCommands.ts";
import { startLocalDiscord, type LocalDiscord } from "../../src/local-discord/localDiscord.ts";
import { shardOfGuild } from "../../src/scheduler/shards.ts";
import { testDatabaseUrl } from "../support/db.ts";
import { entryCommand } from "../support/entry.ts";

interface Server {
  guildId: string;
  channelId: string;
  ownerId: string;
  shard: number;
}

const shardCount = 3;
/** What each "machine" runs: SHARD_LIST of its `npm run start:sharded`. */
const machines = ["0,1", "2"];

/** Two servers on each shard (the shard is arithmetic on the id's timestamp). */
async function seedServers(discord: LocalDiscord): Promise<Server[]> {
  const servers: Server[] = [];
  const perShard = Array.from({ length: shardCount }, () => 0);
  while (servers.length < shardCount * 2) {
    const owner = discord.createUser({ username: `owner${servers.length}` });
    const guild = discord.createGuild({ name: `Campaign ${servers.length}`, ownerId: owner.id });
    const shard = shardOfGuild(guild.id, shardCount);
    if ((perShard[shard] ?? 0) >= 2) {
      await sleep(1); // the next id gets another millisecond, and maybe the other shard
      continue;
    }
    perShard[shard] = (perShard[shard] ?? 0) + 1;
    discord.addMember(guild.id, owner.id);
    const channel = discord.createChannel(guild.id, { name: "general" });
    servers.push({ guildId: guild.id, channelId: channel.id, ownerId: owner.id, shard });
  }
  return servers;
}

describe("npm run start:sharded", { timeout: 150_000 }, () => {
  it("splits 3 shards over two managers on one PostgreSQL: each answers its own servers, each slot posts once", async () => {
    const discord = await startLocalDiscord();
    const databaseUrl = await testDatabaseUrl();
    let stdout = "";
    let stderr = "";
    // Two "machines", started at once: both migrate (one waits on the other's lock).
    const managers = machines.map((shardList) => {
      const manager = spawn(...entryCommand("sharded"), {
        cwd: mkdtempSync(join(tmpdir(), "rally-sharded-")),
        env: {
          PATH: process.env["PATH"] ?? "",
          DISCORD_TOKEN: "a-token-the-local-discord-accepts",
          DISCORD_API_URL: discord.apiUrl,
          DATABASE_URL: databaseUrl,
          SHARD_COUNT: String(shardCount),
          SHARD_LIST: shardList,
          LOG_LEVEL: "info",
        },
      });
      // Whole lines only, per process: their output interleaves.
      let pending = "";
      manager.stdout.on("data", (chunk: Buffer) => {
        pending += chunk.toString();
        const end = pending.lastIndexOf("\n") + 1;
        stdout += pending.slice(0, end);
        pending = pending.slice(end);
      });
      manager.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<number | null>((done) => manager.on("exit", (code) => done(code)));
      return { manager, exited };
    });
    const lines = () =>
      stdout
        .split("\n")
        .slice(0, -1)
        .map((line) => JSON.parse(line) as Record<string, unknown>);
    try {
      const servers = await seedServers(discord);
      // Each shard logs its own "ready"; a manager's "all shards ready" may come first.
      const managersReady = () => lines().filter((line) => line["msg"] === "all shards ready");
      await discord.waitFor(
        () =>
          lines().filter((line) => line["msg"] === "ready").length === shardCount &&
          managersReady().length === machines.length
            ? true
            : undefined,
        90_000,
      );
      const ready = lines().filter((line) => line["msg"] === "ready");
      expect(ready.map((line) => line["shards"]).sort()).toEqual([[0], [1], [2]]);
      expect(managersReady().map((line) => line["shardList"])).toEqual(
        expect.arrayContaining([[0, 1], [2]]),
      );

      // As an operator would: `npm run deploy:commands` registers globally, once.
      await deployCommands({ token: "a-token-the-local-discord-accepts", apiUrl: discord.apiUrl });
      const run = (server: Server, line: string) =>
        discord
          .slash({
            guildId: server.guildId,
            channelId: server.channelId,
            userId: server.ownerId,
            ...discord.parseCommandLine(line),
          })
          .final();
      for (const server of servers) {
        const channel = `<#${server.channelId}>`;
        await run(server, `/campaign create title:"Free them" goal:500 channel:${channel}`);
        await run(server, `/summary schedule channel:${channel} time:09:00 timezone:UTC`);
      }
      // The log line follows the answer; wait for all of them.
      const interactionLines = () => lines().filter((line) => line["msg"] === "interaction");
      await discord.waitFor(
        () => (interactionLines().length >= servers.length * 2 ? true : undefined),
        10_000,
      );
      const answered = interactionLines();
      expect(answered).toHaveLength(servers.length * 2);
      for (const server of servers) {
        const mine = answered.filter((line) => line["guildId"] === server.guildId);
        expect(mine.map((line) => [line["shards"], line["outcome"]])).toEqual([
          [[server.shard], "ok"],
          [[server.shard], "ok"],
        ]);
      }
      const cards = servers.map((server) => discord.messages(server.channelId).length);

      // Every slot falls due at once; both processes tick every 15 s over the same jobs.
      const db = await openDatabase(databaseUrl);
      try {
        // The 09:00 slot already passed today (or yesterday): each schedule owes one late post.
        const slot = new Date();
        slot.setUTCHours(9, 0, 0, 0);
        if (slot.getTime() > Date.now()) slot.setUTCDate(slot.getUTCDate() - 1);
        await db.summarySchedule.updateMany({ data: { nextRunAt: slot } });
        const jobs = await db.dueJob.updateMany({
          where: { kind: "summary.post", status: "pending" },
          data: { dueAt: new Date(Date.now() - 1000) },
        });
        expect(jobs.count).toBe(servers.length);
        await discord.waitFor(
          () =>
            servers.every((server, i) => discord.messages(server.channelId).length > cards[i]!)
              ? true
              : undefined,
          60_000,
        );
        // Another tick of both processes (every 15 s): nothing may post a second time.
        await sleep(17_000);
        servers.forEach((server, i) =>
          expect(discord.messages(server.channelId)).toHaveLength(cards[i]! + 1),
        );
        const sent = await db.summaryPost.findMany({ where: { status: "sent" } });
        expect(sent).toHaveLength(servers.length);
      } finally {
        await db.$disconnect();
      }

      for (const { manager } of managers) manager.kill("SIGTERM");
      for (const { exited } of managers) expect(await exited).toBe(0);
      expect(stderr).toBe("");
      expect(lines().filter((line) => line["msg"] === "stopped")).toHaveLength(shardCount);
    } catch (error) {
      throw new Error(`${(error as Error).message}\nstdout:\n${stdout}\nstderr:\n${stderr}`);
    } finally {
      for (const { manager } of managers) if (manager.exitCode === null) manager.kill("SIGKILL");
      await discord.close();
    }
  });
});
