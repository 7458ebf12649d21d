/**
 * `npm start` with a token on the database DATABASE_URL names: the one process-level start that
 * runs on both databases (vitest.config.ts keeps the rest of test/e2e/process.test.ts on SQLite,
 * since what they prove does not depend on the database).
 */
import { describe, expect, it } from "vitest";
import { startLocalDiscord } from "../../src/local-discord/localDiscord.ts";
import { testDatabaseUrl } from "../support/db.ts";
import { startRally } from "../support/startRally.ts";

describe("npm start on DATABASE_URL", () => {
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
});
