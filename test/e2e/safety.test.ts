import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { PermissionFlagsBits as P } from "discord.js";
import { describe, expect, it } from "vitest";
import { sqlitePathFromUrl } from "../../src/db/migrate.ts";
import { changeSetting } from "../../src/domain/guildSettings.ts";
import { databaseKind } from "../support/db.ts";
import { channelNamed, startTestBot, type TestBot } from "../support/bot.ts";

const ephemeral = 64;

/** `/rally safety` as the organizer: its lines, each "<mark> <words>". */
async function safetyLines(bot: TestBot, locale?: string) {
  const reply = await bot.run(
    bot.organizerId,
    "/rally safety",
    undefined,
    locale ? { locale } : {},
  );
  expect(reply.flags & ephemeral).toBe(ephemeral);
  const lines = (reply.embeds[0]?.description ?? "").split("\n\n");
  const line = (start: string) => {
    const found = lines.find((candidate) => candidate.includes(start));
    if (!found) throw new Error(`no line with ${start} in:\n${lines.join("\n")}`);
    return found;
  };
  return { reply, lines, line };
}

describe("/rally safety over the wire", () => {
  it("reads the server's real state, and every line turns when that state does", async () => {
    const bot = await startTestBot();
    const organizers = channelNamed(bot, "organizers");
    const general = channelNamed(bot, "general");

    // The sandbox as seeded: no 2FA, no verification, files allowed, nothing backed up.
    let report = await safetyLines(bot);
    expect(report.reply.content).toContain("docs/safety.md");
    expect(report.line("2FA for moderators")).toMatch(/^⚠️ .*is not required/);
    expect(report.line("Verification level")).toMatch(/^⚠️ \*\*Verification level\*\* is None/);
    expect(report.line("Review channel")).toMatch(/^✅ .*none set/);
    expect(report.line("Summaries")).toMatch(/^✅ /);
    expect(report.line("Announce role")).toMatch(/^✅ /);
    expect(report.line("Rally's permissions")).toBe(
      "✅ **Rally's permissions** are what it needs and no more: View Channel, Send Messages, Embed Links, Attach Files, Read Message History, Pin Messages.",
    );
    expect(report.line("Retention")).toMatch(/^✅ .*90 days after/);
    expect(report.line("Proof files are allowed")).toMatch(/^⚠️ /);
    expect(report.line("Encryption at rest: off")).toMatch(/^⚠️ /);
    expect(report.line("Last backup")).toMatch(/^❔ \*\*Last backup\*\*: unknown/);
    expect(report.reply.embeds[0]?.footer?.text).toBe("4 things to look at.");

    // The owner turns on 2FA and Medium verification; Discord tells Rally (GUILD_UPDATE).
    bot.discord.setMfaLevel(bot.guildId, 1);
    bot.discord.setVerificationLevel(bot.guildId, 2);
    await bot.run(bot.organizerId, `/settings review_channel channel:<#${organizers}>`);
    await bot.run(bot.organizerId, "/settings proof_files enabled:false");
    await bot.run(bot.organizerId, "/settings retention days:365");
    report = await safetyLines(bot);
    expect(report.line("2FA for moderators")).toMatch(/^✅ .*is required/);
    expect(report.line("Verification level")).toMatch(/^✅ \*\*Verification level\*\* is Medium/);
    expect(report.line("Review channel")).toBe(
      `✅ **Review channel** <#${organizers}> cannot be read by @everyone.`,
    );
    expect(report.line("Proofs are links only")).toMatch(/^✅ /);
    expect(report.line("Retention")).toMatch(/^⚠️ \*\*Retention\*\* is 365 days, over 180/);

    // @everyone loses View Channel server-wide, but the review channel and #general give it
    // back in their overwrites: the verdict follows the overwrites, not the role alone.
    const everyoneBits = P.SendMessages | P.ReadMessageHistory | P.UseApplicationCommands;
    bot.discord.setRolePermissions(bot.guildId, bot.guildId, everyoneBits);
    for (const channel of [organizers, general])
      bot.discord.setChannelOverwrites(channel, [
        { id: bot.guildId, type: 0, allow: String(P.ViewChannel), deny: "0" },
      ]);
    await bot.run(bot.organizerId, `/summary schedule channel:<#${general}> time:18:00`);
    await changeSetting(bot.rally.db, bot.guildId, bot.organizerId, {
      setting: "announceRole",
      roleId: bot.guildId,
    });
    // Rally's role is given Administrator and Mention Everyone.
    bot.discord.setBotPermissions(bot.guildId, P.Administrator | P.MentionEveryone | P.ViewChannel);
    report = await safetyLines(bot);
    expect(report.line("Review channel")).toMatch(
      new RegExp(`^⚠️ \\*\\*Review channel\\*\\* <#${organizers}> can be read by @everyone`),
    );
    expect(report.line("Summaries")).toMatch(
      new RegExp(`^⚠️ \\*\\*Summaries\\*\\* post in <#${general}>`),
    );
    expect(report.line("Announce role")).toMatch(/^⚠️ \*\*Announce role\*\* is @everyone/);
    expect(report.line("more than it needs")).toMatch(
      /^⚠️ \*\*Rally holds more than it needs\*\*: Administrator, Mention @everyone\./,
    );

    // Only what it needs is kept off: it now lacks Pin Messages.
    bot.discord.setBotPermissions(bot.guildId, P.ViewChannel | P.EmbedLinks | P.AttachFiles);
    bot.discord.setRolePermissions(bot.guildId, bot.guildId, everyoneBits);
    report = await safetyLines(bot);
    expect(report.line("Rally lacks")).toMatch(/^⚠️ \*\*Rally lacks\*\* Pin Messages server-wide/);

    // A review channel that is deleted is said to be gone, never "private".
    bot.discord.deleteChannel(organizers);
    report = await safetyLines(bot);
    expect(report.line("Review channel")).toMatch(/^⚠️ .*is gone/);
  });

  it.runIf(databaseKind === "sqlite")(
    "names the last backup written by `npm run backup` beside the database",
    async () => {
      const bot = await startTestBot();
      const backups = join(dirname(sqlitePathFromUrl(bot.databaseUrl)), "backups");
      mkdirSync(backups, { recursive: true });
      const at = new Date(Date.UTC(2026, 11, 1, 10, 0, 0));
      writeFileSync(join(backups, "rally-20261201T100000Z.db"), "");
      writeFileSync(join(backups, "rally-20261101T100000Z.db"), "");
      writeFileSync(join(backups, "notes.txt"), "");
      const report = await safetyLines(bot);
      expect(report.line("Last backup")).toBe(
        `✅ **Last backup**: <t:${at.getTime() / 1000}:R>. Backups hold everything the database held at that moment, purged data included: keep them as safe as the database.`,
      );
    },
  );

  it("answers in the reader's language, and only organizers may ask", async () => {
    const bot = await startTestBot();
    const ru = await safetyLines(bot, "ru");
    expect(ru.reply.embeds[0]?.title).toBe("Проверка безопасности");
    expect(ru.line("2FA для модераторов")).toMatch(/^⚠️ /);
    const uk = await safetyLines(bot, "uk");
    expect(uk.line("Шифрування збережених даних: вимкнено")).toMatch(/^⚠️ /);
    const refused = await bot.run(bot.volunteerIds[0], "/rally safety");
    expect(refused.content).toMatch(/^Only organizers can do this/);
  });
});

describe("/settings proof_files over the wire", () => {
  it("when off, /task done refuses a file and asks for a link; the change is audited", async () => {
    const bot = await startTestBot();
    const campaigns = channelNamed(bot, "campaigns");
    await bot.run(
      bot.organizerId,
      `/campaign create title:"Letters" goal:10 channel:<#${campaigns}>`,
    );
    const campaign = await bot.rally.db.campaign.findFirstOrThrow();
    await bot.run(bot.organizerId, `/task add campaign:${campaign.id} title:"Flyers" kind:campus`);
    const task = await bot.rally.db.outreachTask.findFirstOrThrow();
    const [volunteer] = bot.volunteerIds;
    await bot.run(volunteer, `/task claim task:${task.id}`);
    const done = () =>
      bot.discord
        .slash({
          guildId: bot.guildId,
          channelId: bot.channelId,
          userId: volunteer,
          command: "task",
          subcommand: "done",
          options: { task: String(task.id), proof_file: "photo.jpg" },
          attachments: {
            proof_file: {
              filename: "photo.jpg",
              contentType: "image/jpeg",
              data: Buffer.from("jpg"),
            },
          },
        })
        .final();

    const off = await bot.run(bot.organizerId, "/settings proof_files enabled:false");
    expect(off.content).toBe(
      "Proofs are now links only: `/task done` refuses an uploaded file and asks for a link instead.",
    );
    const refused = await done();
    expect(refused.flags & ephemeral).toBe(ephemeral);
    expect(refused.content).toMatch(/^This server takes proofs as links only.*`proof_link`/);
    const claim = await bot.rally.db.claim.findFirstOrThrow();
    expect(claim).toMatchObject({ status: "active", proofLink: null });

    const audit = await bot.run(bot.organizerId, "/settings audit");
    expect(audit.embeds[0]?.description).toContain(
      "proof files setting changed: proof files Yes → No",
    );

    await bot.run(bot.organizerId, "/settings proof_files enabled:true");
    const accepted = await done();
    expect(accepted.content).not.toMatch(/links only/);
    expect((await bot.rally.db.claim.findFirstOrThrow()).status).toBe("done");
  });
});
