import { describe, expect, it } from "vitest";
import { translator, type Language } from "../../src/i18n/index.ts";
import { startTestBot } from "../support/bot.ts";

/**
 * What a summary counts from, as the channel reads it: the campaign's start for its first
 * summary, and the last summary (with its time) after one was posted, by hand or on schedule.
 */

const discordLocale: Record<string, string> = { en: "en-GB", ru: "ru" };
const minute = 60 * 1000;

describe.each(["en", "ru"] as const)("a summary's 'since' (%s server)", (language: Language) => {
  it("says 'since the campaign started' first, then 'since the last summary' with its time", async () => {
    // Ahead of the wall clock the database stamps the campaign with, as time goes on after it.
    const clock = { now: new Date(Math.ceil(Date.now() / minute) * minute + minute) };
    const bot = await startTestBot({ now: () => clock.now });
    const t = translator(language);
    const as = (line: string) =>
      bot.run(bot.organizerId, line, undefined, { locale: discordLocale[language] ?? "en-GB" });
    await as(`/settings language language:${language}`);
    const campaigns = bot.world.channels.find((channel) => channel.name === "campaigns")?.id ?? "";
    await as(`/campaign create title:"Free prisoners" goal:5000 channel:<#${campaigns}>`);
    const campaign = await bot.rally.db.campaign.findFirstOrThrow();
    await as(`/campaign count campaign:${campaign.id} set:1332`);
    clock.now = new Date(clock.now.getTime() + 5 * minute);

    const description = async () => {
      const before = bot.discord.messages(campaigns).length;
      await as(`/summary now channel:<#${campaigns}>`);
      const [posted] = bot.discord.messages(campaigns).slice(before);
      return posted?.embeds[0]?.description ?? "";
    };
    const first = await description();
    const plus = (n: string) => `+${n}`;
    expect(first).toContain(
      t("summary.sinceStart", { delta: plus(new Intl.NumberFormat(language).format(1332)) }),
    );
    expect(first).not.toContain(t("summary.sinceLast", { delta: "", time: "" }).trim());
    const firstAt = clock.now;

    clock.now = new Date(clock.now.getTime() + 3 * minute);
    await as(`/campaign count campaign:${campaign.id} add:20`);
    clock.now = new Date(clock.now.getTime() + 1 * minute);
    const second = await description();
    const at = `<t:${Math.floor(firstAt.getTime() / 1000)}:f>`;
    expect(second).toContain(t("summary.sinceLast", { delta: "+20", time: at }));
    expect(bot.discord.rejected()).toEqual([]);
  });
});
