/** The live card and a summary count done work the same way and say it in the same words. */
import { describe, expect, it } from "vitest";
import { translator, type Language } from "../../src/i18n/index.ts";
import { startTestBot } from "../support/bot.ts";

const discordLocale: Record<Language, string> = { en: "en-GB", ru: "ru", uk: "uk" };
const t0 = new Date(Date.UTC(2026, 11, 1, 12, 0));
const minute = 60 * 1000;

describe.each(["en", "ru"] as const)("tasks done on the card and in summaries (%s)", (language) => {
  it("shows the same number of done tasks, in the same words, on the card and in the summary", async () => {
    const clock = { now: t0 };
    const bot = await startTestBot({ now: () => clock.now });
    const t = translator(language);
    const locale = discordLocale[language];
    const as = (userId: string, line: string) => bot.run(userId, line, undefined, { locale });
    const later = async (ms: number) => {
      clock.now = new Date(clock.now.getTime() + ms);
      await bot.rally.scheduler.tick();
    };
    await as(bot.organizerId, `/settings language language:${language}`);
    const campaigns = bot.world.channels.find((channel) => channel.name === "campaigns")?.id ?? "";
    await as(
      bot.organizerId,
      `/campaign create title:"Free prisoners" goal:500 channel:<#${campaigns}>`,
    );
    const campaign = await bot.rally.db.campaign.findFirstOrThrow();
    await as(bot.organizerId, `/task add campaign:${campaign.id} title:"Leaflets" slots:1`);
    await as(bot.organizerId, `/task add campaign:${campaign.id} title:"Posters" slots:2`);
    const [leaflets, posters] = await bot.rally.db.outreachTask.findMany({
      orderBy: { id: "asc" },
    });
    if (!leaflets || !posters) throw new Error("tasks missing");
    const [first, second] = bot.volunteerIds;

    // Leaflets is done; Posters has one of its two slots done, so it is not.
    for (const [volunteer, task] of [
      [first, leaflets],
      [second, posters],
    ] as const) {
      await as(volunteer, `/task claim task:${task.number}`);
      await as(volunteer, `/task done task:${task.number}`);
    }

    const cardField = async () => {
      await later(11_000);
      const { cardMessageId } = await bot.rally.db.campaign.findUniqueOrThrow({
        where: { id: campaign.id },
      });
      const card = bot.discord.message(cardMessageId ?? "");
      return card?.embeds[0]?.fields?.find((field) => field.name === t("campaign.tasks"))?.value;
    };
    const summaryField = async () => {
      const before = bot.discord.messages(campaigns).length;
      await as(bot.organizerId, `/summary now channel:<#${campaigns}>`);
      const [posted] = bot.discord
        .messages(campaigns)
        .slice(before)
        .filter((message) => message.embeds[0]?.fields?.[0]?.name === t("summary.outreach"));
      return posted?.embeds[0]?.fields?.[0]?.value ?? "";
    };

    const oneDone = t("campaign.tasksDone", { count: 1 });
    expect(await cardField()).toBe(
      t("campaign.tasksValue", { open: t("campaign.tasksOpen", { count: 1 }), done: oneDone }),
    );
    expect(await summaryField()).toContain(t("summary.tasksDoneStart", { done: oneDone }));

    // Posters' last slot: the card counts two, the next summary the one finished since.
    await later(5 * minute);
    await as(first, `/task claim task:${posters.number}`);
    await as(first, `/task done task:${posters.number}`);
    expect(await cardField()).toBe(
      t("campaign.tasksValue", {
        open: t("campaign.tasksOpen", { count: 0 }),
        done: t("campaign.tasksDone", { count: 2 }),
      }),
    );
    expect(await summaryField()).toContain(t("summary.tasksDone", { done: oneDone }));
    expect(bot.discord.rejected()).toEqual([]);
  });
});
