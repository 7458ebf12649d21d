import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import * as z from "zod";
import packageJson from "../../package.json" with { type: "json" };
import { commands } from "../../commands/index.ts";
import { subcommand, type Command } from "../../src/discord/command.ts";
import { deployCommands } from "../../src/discord/deployCommands.ts";
import { startLocalDiscord } from "../../src/local-discord/localDiscord.ts";
import { startTestBot } from "../support/bot.ts";
import { databaseKind } from "../support/db.ts";

const ephemeral = 64;

/** A command that misbehaves on purpose, to drive the error path over the wire. */
const brokenCommand: Command = {
  data: {
    name: "broken",
    description: "Misbehaves on purpose",
    options: ["overlimit", "throws", "slow"].map((name) => ({ type: 1, name, description: name })),
  },
  subcommands: {
    overlimit: subcommand({
      access: "everyone",
      ephemeral: false,
      options: z.object({}),
      // A custom_id of 101 characters: Discord refuses the whole reply.
      run: async () => ({
        type: "reply",
        ephemeral: false,
        message: {
          content: "never shown",
          components: [
            {
              type: 1,
              components: [{ type: 2, style: 1, label: "x", custom_id: "x".repeat(101) }],
            },
          ],
        },
      }),
    }),
    throws: subcommand({
      access: "everyone",
      ephemeral: true,
      options: z.object({}),
      run: async () => {
        throw new Error("a bug");
      },
    }),
    slow: subcommand({
      access: "everyone",
      ephemeral: false,
      options: z.object({}),
      run: async () => {
        await sleep(400);
        return { type: "reply", ephemeral: false, message: { content: "done after a while" } };
      },
    }),
  },
};

describe("the bot over the wire", () => {
  it("answers /rally about privately with its version and where the data lives", async () => {
    const bot = await startTestBot();
    const handle = bot.discord.slash({
      guildId: bot.guildId,
      channelId: bot.channelId,
      userId: bot.volunteerIds[0],
      command: "rally",
      subcommand: "about",
    });
    const reply = await handle.final();
    expect(reply.flags & ephemeral).toBe(ephemeral);
    const fields = reply.embeds[0]?.fields ?? [];
    expect(fields.find((field) => field.name === "Version")?.value).toBe(packageJson.version);
    // The kind and the file or database name; never a host directory or a password.
    const data = fields.find((field) => field.name === "Data")?.value;
    if (databaseKind === "sqlite") expect(data).toMatch(/SQLite \(rally\.db\)/);
    else expect(data).toMatch(/PostgreSQL \(127\.0\.0\.1\/rally_test_\w+\)/);
    expect(bot.discord.messages(bot.channelId)).toHaveLength(0);
    // The log line is written once the answer is sent, so it may trail the reply a little.
    const line = await bot.discord.waitFor(() =>
      bot.logs.find((entry) => entry["msg"] === "interaction"),
    );
    expect(line).toMatchObject({ interaction: "rally about", guildId: bot.guildId, outcome: "ok" });
    expect(typeof line?.["ms"]).toBe("number");
  });

  it("lists every command in /rally help", async () => {
    const bot = await startTestBot();
    const reply = await bot.discord
      .slash({
        guildId: bot.guildId,
        channelId: bot.channelId,
        userId: bot.organizerId,
        command: "rally",
        subcommand: "help",
      })
      .final();
    const text = JSON.stringify(reply.embeds);
    for (const command of commands) expect(text).toContain(`/${command.data.name} `);
    expect(text).toContain("/rally about");
  });

  it("registers the commands to DEV_GUILD_ID only, never globally, at start", async () => {
    const bot = await startTestBot();
    expect(bot.discord.commands(bot.guildId).map((command) => command.name)).toEqual(
      commands.map((command) => command.data.name),
    );
    expect(bot.discord.commands()).toHaveLength(0);
  });

  it("turns a reply Discord refuses into a logged error with an id the member sees", async () => {
    const bot = await startTestBot({ commands: [...commands, brokenCommand] });
    const handle = bot.discord.slash({
      guildId: bot.guildId,
      channelId: bot.channelId,
      userId: bot.organizerId,
      command: "broken",
      subcommand: "overlimit",
    });
    const reply = await handle.final();
    const refused = bot.discord.rejected();
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ status: 400, error: { code: 50035 } });
    const logged = bot.logs.find((entry) => entry["msg"] === "interaction failed");
    const errorId = String(logged?.["errorId"]);
    expect(errorId).toMatch(/^[0-9a-f]{8}$/);
    // The log says which request failed and why, but not the token in its URL (whoever reads
    // it could answer as the bot) nor what the reply said.
    expect(logged?.["err"]).toMatchObject({
      code: 50035,
      method: "POST",
      url: expect.stringMatching(/\/interactions\/\d+\/\[redacted\]\/callback/),
    });
    expect(JSON.stringify(bot.logs)).not.toContain(handle.token);
    expect(JSON.stringify(bot.logs)).not.toContain("never shown");
    expect(reply.content).toContain(errorId);
    expect(reply.flags & ephemeral).toBe(ephemeral);
    // The bot is still alive and answering.
    const about = await bot.discord
      .slash({
        guildId: bot.guildId,
        channelId: bot.channelId,
        userId: bot.organizerId,
        command: "rally",
        subcommand: "about",
      })
      .final();
    expect(about.embeds[0]?.title).toBe("Rally");
  });

  it("answers an unexpected failure with an error id, and logs it once", async () => {
    const bot = await startTestBot({ commands: [...commands, brokenCommand] });
    const reply = await bot.discord
      .slash({
        guildId: bot.guildId,
        channelId: bot.channelId,
        userId: bot.organizerId,
        command: "broken",
        subcommand: "throws",
      })
      .final();
    const failures = bot.logs.filter((entry) => entry["msg"] === "interaction failed");
    expect(failures).toHaveLength(1);
    expect(reply.content).toContain(String(failures[0]?.["errorId"]));
    expect(JSON.stringify(failures[0])).not.toContain("test-token");
  });

  it("defers in time when the work outlives Discord's deadline, then fills the answer", async () => {
    const bot = await startTestBot({
      commands: [...commands, brokenCommand],
      deferAfterMs: 50,
      interactionDeadlineMs: 300,
    });
    const handle = bot.discord.slash({
      guildId: bot.guildId,
      channelId: bot.channelId,
      userId: bot.organizerId,
      command: "broken",
      subcommand: "slow",
    });
    expect((await handle.response()).type).toBe(5);
    const reply = await handle.final();
    expect(reply.content).toBe("done after a while");
    expect(bot.discord.rejected()).toHaveLength(0);
  });

  it("finishes work in flight before it stops", async () => {
    const bot = await startTestBot({ commands: [...commands, brokenCommand] });
    const handle = bot.discord.slash({
      guildId: bot.guildId,
      channelId: bot.channelId,
      userId: bot.organizerId,
      command: "broken",
      subcommand: "slow",
    });
    await sleep(50);
    await bot.rally.stop();
    expect(handle.original()?.content).toBe("done after a while");
  });
});

describe("npm run deploy:commands", () => {
  it("registers every command globally with one bulk overwrite", async () => {
    const discord = await startLocalDiscord();
    try {
      const result = await deployCommands({
        token: "deploy-token-for-the-local-discord",
        apiUrl: discord.apiUrl,
      });
      expect(result).toEqual({ count: commands.length, scope: "global" });
      expect(discord.commands().map((command) => command.name)).toEqual(
        commands.map((command) => command.data.name),
      );
      expect(discord.rejected()).toHaveLength(0);
    } finally {
      await discord.close();
    }
  });
});
