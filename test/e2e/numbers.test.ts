import { describe, expect, it } from "vitest";
import { deployCommands } from "../../src/discord/deployCommands.ts";
import { translator, type Language } from "../../src/i18n/index.ts";
import { startTestBot, type TestBot } from "../support/bot.ts";

const ephemeral = 64;

/** A second server on the bot's local Discord, with its owner, a volunteer and a channel. */
async function secondServer(bot: TestBot) {
  const { discord } = bot;
  const owner = discord.createUser({ username: "second-owner" });
  const guild = discord.createGuild({ name: "Second server", ownerId: owner.id });
  const channel = discord.createChannel(guild.id, { name: "general" });
  const volunteer = discord.createUser({ username: "second-volunteer" });
  discord.addMember(guild.id, volunteer.id);
  await discord.waitFor(
    () => (bot.rally.client.channels.cache.has(channel.id) ? true : undefined),
    5000,
    "the bot to see the second server",
  );
  // Registered there as an operator would (globally).
  await deployCommands({ token: "deploy-token", apiUrl: discord.apiUrl });
  return { guildId: guild.id, channelId: channel.id, ownerId: owner.id, volunteerId: volunteer.id };
}

interface Place {
  guildId: string;
  channelId: string;
}

async function run(bot: TestBot, place: Place, userId: string, line: string, locale: string) {
  const answer = await bot.discord
    .slash({ ...place, userId, locale, ...bot.discord.parseCommandLine(line, place.guildId) })
    .final();
  await bot.rally.settled();
  return answer;
}

const locales: Record<Language, string> = { en: "en-US", ru: "ru", uk: "uk" };

describe.each(["en", "ru"] as const)("numbers per server (%s)", (language) => {
  const t = translator(language);
  const locale = locales[language];

  it("counts campaigns and tasks from #1 in each server, and reads a typed number as this server's", async () => {
    const bot = await startTestBot();
    const first: Place = { guildId: bot.guildId, channelId: bot.channelId };
    const second = await secondServer(bot);
    const asFirst = (userId: string, line: string) => run(bot, first, userId, line, locale);
    const asSecond = (userId: string, line: string) => run(bot, second, userId, line, locale);
    // Public posts are in the server's language.
    await asFirst(bot.organizerId, `/settings language language:${language}`);
    await asSecond(second.ownerId, `/settings language language:${language}`);

    // Interleaved, so internal ids and numbers differ: first server's campaign is id 1, the
    // second's id 2, the first's next id 3.
    await asFirst(bot.organizerId, '/campaign create title:"Ours" goal:100');
    await asSecond(second.ownerId, '/campaign create title:"Theirs" goal:50');
    await asFirst(bot.organizerId, '/campaign create title:"Ours too" goal:10');
    const campaigns = await bot.rally.db.campaign.findMany({ orderBy: { id: "asc" } });
    expect(campaigns.map((row) => [row.title, row.id, row.number])).toEqual([
      ["Ours", 1, 1],
      ["Theirs", 2, 1],
      ["Ours too", 3, 2],
    ]);
    // Each live card, in its campaign's channel, shows the server's number.
    const status = t("campaign.status.active");
    const cardFooters = campaigns.map(
      (row) => bot.discord.message(row.cardMessageId ?? "")?.embeds[0]?.footer?.text,
    );
    expect(cardFooters).toEqual([1, 1, 2].map((id) => t("campaign.cardFooter", { id, status })));

    // Tasks: the first server's #1 is id 1, the second's #1 id 2. Typed "1" is each one's own.
    const addedA = await asFirst(
      bot.organizerId,
      '/task add campaign:1 title:"Flyers A" kind:campus',
    );
    expect(addedA.flags & ephemeral).toBe(ephemeral);
    const addedB = await asSecond(
      second.ownerId,
      '/task add campaign:1 title:"Flyers B" kind:campus',
    );
    expect(addedB.flags & ephemeral).toBe(ephemeral);
    const tasks = await bot.rally.db.outreachTask.findMany({ orderBy: { id: "asc" } });
    expect(tasks.map((row) => [row.title, row.campaignId, row.id, row.number])).toEqual([
      ["Flyers A", 1, 1, 1],
      ["Flyers B", 2, 2, 1],
    ]);
    const openStatus = t("task.status.open");
    for (const [place, title] of [
      [first, "Flyers A"],
      [second, "Flyers B"],
    ] as const) {
      const card = bot.discord
        .messages(place.channelId)
        .find((message) => message.embeds[0]?.title?.includes(title));
      expect(card?.embeds[0]?.footer?.text, title).toBe(
        t("task.cardFooter", { id: 1, status: openStatus }),
      );
    }

    // A volunteer of the second server types "1": the second server's task, never the first's.
    const claimed = await asSecond(second.volunteerId, "/task claim task:1");
    expect(claimed.flags & ephemeral).toBe(ephemeral);
    const claims = await bot.rally.db.claim.findMany();
    expect(claims.map((claim) => [claim.guildId, claim.taskId, claim.volunteerId])).toEqual([
      [second.guildId, 2, second.volunteerId],
    ]);
    // "#1" too; a number the server has none of is not found (the first server has a #2).
    const shown = await asSecond(second.volunteerId, "/campaign show campaign:#1");
    expect(shown.embeds[0]?.title).toContain("Theirs");
    const missing = await asSecond(second.volunteerId, "/campaign show campaign:2");
    expect(missing.content).toBe(t("campaign.notFound"));
    const noTask = await asSecond(second.volunteerId, "/task claim task:2");
    expect(noTask.content).toBe(t("task.notFound"));
    expect(await bot.rally.db.claim.count()).toBe(1);

    // Lists show the numbers.
    const list = await asFirst(bot.volunteerIds[0], "/campaign list");
    const description = list.embeds[0]?.description ?? list.content;
    expect(description).toContain("#2 Ours too");
    expect(description).toContain("#1 Ours");
    const taskList = await asSecond(second.volunteerId, "/task list filter:mine");
    expect(taskList.embeds[0]?.description ?? taskList.content).toContain("#1 Flyers B");

    // Autocomplete offers numbers, labels and values alike.
    const choices = await bot.discord.autocomplete({
      ...second,
      userId: second.volunteerId,
      locale,
      command: "task",
      subcommand: "done",
      options: { task: "" },
      focused: "task",
    });
    expect(choices).toEqual([{ name: expect.stringMatching(/^Flyers B · .* · #1$/), value: "1" }]);
    const campaignChoices = await bot.discord.autocomplete({
      ...first,
      userId: bot.organizerId,
      locale,
      command: "campaign",
      subcommand: "export",
      options: { campaign: "too" },
      focused: "campaign",
    });
    expect(campaignChoices.map((choice) => choice.value)).toEqual(["2"]);

    // The export: the campaign's number in the file name, tasks by number.
    const exported = await asSecond(second.ownerId, "/campaign export campaign:1");
    expect(exported.attachments.map((file) => file.filename)).toEqual(["campaign-1.csv"]);
    const csv = exported.attachments[0]?.data.toString("utf8") ?? "";
    const [header, row] = csv.replace(/^\uFEFF/, "").split("\r\n");
    expect(header).toBe(t("campaign.exportHeader"));
    expect(row?.startsWith("1,Flyers B,")).toBe(true);
    const exportedA = await asFirst(bot.organizerId, "/campaign export campaign:2");
    expect(exportedA.attachments.map((file) => file.filename)).toEqual(["campaign-2.csv"]);

    // The audit names subjects by number too: the second server's campaign and task are #1.
    const audit = await asSecond(second.ownerId, "/settings audit");
    const lines = (audit.embeds[0]?.description ?? "").split("\n");
    expect(lines.filter((line) => line.includes("#"))).toHaveLength(2);
    expect(lines.every((line) => !line.includes("#2"))).toBe(true);
    expect(lines.filter((line) => line.includes(" #1"))).toHaveLength(2);
  });
});
