import { describe, expect, it } from "vitest";
import type { StoredMessage } from "../../src/local-discord/localDiscord.ts";
import { SandboxSession } from "../../src/sandbox/session.ts";
import { weekdayNames } from "../../src/domain/scheduleDays.ts";
import { languages, translator, type Language, type Translator } from "../../src/i18n/index.ts";
import { startTestBot, type TestBot } from "../support/bot.ts";

/*
 * What a new organizer tripped over (issue 21), over the wire in each language: a member whose
 * Discord speaks the language, on a server that speaks it too.
 */

const discordLocale: Record<Language, string> = { en: "en-GB", ru: "ru", uk: "uk" };
const t0 = new Date(Date.UTC(2026, 11, 1, 12, 0));
const hour = 60 * 60 * 1000;

function number(value: number, language: Language): string {
  return new Intl.NumberFormat(language).format(value);
}

function unix(date: Date | null | undefined): number {
  if (!date) throw new Error("no date");
  return Math.floor(date.getTime() / 1000);
}

interface World {
  bot: TestBot;
  clock: { now: Date };
  t: Translator;
  language: Language;
  campaigns: string;
  as(userId: string, line: string): Promise<StoredMessage>;
  /** The sandbox prompt of the organizer, whose Discord speaks the language. */
  sandbox: SandboxSession;
}

async function setUp(language: Language): Promise<World> {
  const clock = { now: t0 };
  const bot = await startTestBot({ now: () => clock.now });
  const locale = discordLocale[language];
  const as = (userId: string, line: string) => bot.run(userId, line, undefined, { locale });
  await as(bot.organizerId, `/settings language language:${language}`);
  const campaigns = bot.world.channels.find((channel) => channel.name === "campaigns")?.id ?? "";
  return {
    bot,
    clock,
    t: translator(language),
    language,
    campaigns,
    as,
    sandbox: new SandboxSession(bot.world, { locale, now: () => clock.now }),
  };
}

async function createCampaign(world: World, extra = "") {
  const reply = await world.as(
    world.bot.organizerId,
    `/campaign create title:"Free political prisoners" goal:500 channel:<#${world.campaigns}> ${extra}`,
  );
  const campaign = await world.bot.rally.db.campaign.findFirstOrThrow({ orderBy: { id: "desc" } });
  return { campaign, reply };
}

describe.each(languages)("an organizer whose Discord speaks %s", (language) => {
  it("reads /rally help with every field titled, no zero-width line", async () => {
    const { as, t, bot, sandbox } = await setUp(language);
    const help = await as(bot.organizerId, "/rally help");
    const fields = help.embeds[0]?.fields ?? [];
    const sections = [t("rally.helpEveryone"), t("rally.helpOrganizers")];
    const titles = sections.flatMap((section) => [section, t("rally.helpContinued", { section })]);
    // The organizers' list is longer than one field in every language: it goes on.
    expect(fields.length).toBeGreaterThan(2);
    for (const field of fields) expect(titles).toContain(field.name);
    expect(JSON.stringify(help.embeds)).not.toMatch(/\u200b/);

    const shown = await sandbox.run("/rally help");
    expect(shown).not.toMatch(/\u200b/);
    expect(shown).toContain(`${t("rally.helpContinued", { section: sections[1] ?? "" })}: `);
  });

  it("shows relative times as Discord markup, read in the reader's language", async () => {
    const world = await setUp(language);
    const { t, sandbox, bot } = world;
    const { campaign } = await createCampaign(world, "ends:2026-12-25");
    // The campaign's live card, in its channel.
    const card = bot.discord.message(campaign.cardMessageId ?? "");
    const ends = card?.embeds[0]?.fields?.find((field) => field.name === t("campaign.ends"));
    expect(ends?.value).toBe(
      t("campaign.endsValue", {
        date: `<t:${unix(campaign.endsAt)}:f>`,
        relative: `<t:${unix(campaign.endsAt)}:R>`,
      }),
    );
    // The sandbox shows it as the reader's Discord does: in their language.
    const channel = bot.world.channels.find((candidate) => candidate.id === world.campaigns);
    const shown = await sandbox.run(`read #${channel?.name ?? ""}`);
    const days = Math.round(((campaign.endsAt?.getTime() ?? 0) - t0.getTime()) / (24 * hour));
    expect(shown).toContain(new Intl.RelativeTimeFormat(language).format(days, "day"));
    if (language !== "en") expect(shown).not.toMatch(/\bin \d+ days\b/);
  });

  it("writes numbers in the language's format, in refusals too", async () => {
    const world = await setUp(language);
    const { as, t, bot } = world;
    const { campaign } = await createCampaign(world);
    await as(bot.organizerId, `/campaign count campaign:${campaign.id} set:1332`);
    const refused = await as(bot.organizerId, `/campaign count campaign:${campaign.id} add:-1500`);
    expect(refused.content).toBe(
      t("campaign.countNegative", {
        count: number(1332, language),
        value: number(-1500, language),
      }),
    );
    expect(refused.content).not.toContain("1332");
  });

  it("says overdue for an overdue claim in /me status and the overdue list", async () => {
    const world = await setUp(language);
    const { as, t, bot, clock, sandbox } = world;
    const { campaign } = await createCampaign(world);
    await as(
      bot.organizerId,
      `/task add campaign:${campaign.id} title:"Poster" slots:2 due:"2026-12-01 18:00"`,
    );
    const task = await bot.rally.db.outreachTask.findFirstOrThrow({ orderBy: { id: "desc" } });
    const [volunteer] = bot.volunteerIds;
    await as(volunteer, `/task claim task:${task.id}`);
    const due = `<t:${unix(task.dueAt)}:R>`;

    const before = await as(volunteer, "/me status");
    expect(before.embeds[0]?.description).toBe(
      t("me.statusLine", {
        title: "Poster",
        campaign: "Free political prisoners",
        due: ` · ${due}`,
        state: t("me.stateActive"),
      }),
    );

    clock.now = new Date(t0.getTime() + 9 * hour);
    const status = await as(volunteer, "/me status");
    expect(status.embeds[0]?.description).toBe(
      t("me.statusLine", {
        title: "Poster",
        campaign: "Free political prisoners",
        due: t("me.overdue", { due }),
        state: t("me.stateActive"),
      }),
    );
    const list = await as(bot.organizerId, "/task list filter:overdue");
    expect(list.embeds[0]?.description).toContain(t("task.listOverdue", { due }));
    expect(list.embeds[0]?.description).not.toContain(t("task.listDue", { due }));

    // The sandbox reads it as "overdue, was due 3 hours ago", never "today".
    const shown = await sandbox.run(`as @volunteer1 /me status`);
    expect(shown).toContain(
      t("me.overdue", { due: new Intl.RelativeTimeFormat(language).format(-3, "hour") }),
    );
  });

  it("never repeats a campaign or task name that matches nothing", async () => {
    const world = await setUp(language);
    const { as, t, bot, sandbox } = world;
    await createCampaign(world);
    const campaign = await as(bot.organizerId, "/campaign show campaign:Derecgnize");
    expect(campaign.content).toBe(t("campaign.pickFromList"));
    const task = await as(bot.volunteerIds[0], "/task claim task:Derecgnize");
    expect(task.content).toBe(t("task.pickFromList"));
    for (const reply of [campaign, task]) expect(JSON.stringify(reply)).not.toContain("Derecgnize");
    // Typed at the sandbox prompt, where autocomplete offers nothing for it.
    const shown = await sandbox.run("/campaign show campaign:Derecgnize");
    expect(shown).toContain(t("campaign.pickFromList"));
    expect(shown).not.toContain("Derecgnize");
  });

  it("schedules summaries on any weekdays, typed in the language, and lists them in it", async () => {
    const world = await setUp(language);
    const { as, t, bot, campaigns } = world;
    const organizer = bot.organizerId;
    const [mon, , , thu] = weekdayNames(language);
    const typed = { en: "mon,thu", ru: "понедельник, чт", uk: "пн і четвер" }[language];
    const where = { guildId: bot.guildId, channelId: bot.channelId, userId: organizer };
    const ask = (days: string) =>
      bot.discord.autocomplete({
        ...where,
        locale: discordLocale[language],
        command: "summary",
        subcommand: "schedule",
        options: { channel: campaigns, time: "18:30", days },
        focused: "days",
      });
    const presets = [
      { name: t("commands.summary.choices.daily"), value: "mon,tue,wed,thu,fri,sat,sun" },
      { name: t("commands.summary.choices.weekdays"), value: "mon,tue,wed,thu,fri" },
      { name: t("commands.summary.choices.weekends"), value: "sat,sun" },
      { name: t("commands.summary.choices.weekly"), value: "mon" },
    ];
    expect(await ask("")).toEqual(presets);
    expect(await ask(typed)).toEqual([{ name: `${mon}, ${thu}`, value: "mon,thu" }]);
    expect(await ask("mon-fri")).toEqual([presets[1]]);
    expect(await ask(presets[2]?.name ?? "")).toEqual([presets[2]]);

    const days = t("summary.days.list", { days: `${mon}, ${thu}` });
    const reply = await as(
      organizer,
      `/summary schedule channel:<#${campaigns}> time:18:30 days:mon,thu`,
    );
    const schedule = await bot.rally.db.summarySchedule.findFirstOrThrow();
    expect(schedule.days).toBe("mon,thu");
    // 2026-12-01 is a Tuesday: the first post is Thursday's.
    expect(schedule.nextRunAt.toISOString()).toBe("2026-12-03T18:30:00.000Z");
    expect(reply.content).toBe(
      t("summary.scheduled", {
        channel: `<#${campaigns}>`,
        days,
        time: "18:30",
        zone: "UTC",
        first: `<t:${unix(schedule.nextRunAt)}:f>`,
      }),
    );
    await as(organizer, `/summary schedule channel:<#${campaigns}> time:09:00 days:sat,sun`);
    const list = await as(organizer, "/summary list");
    const text = JSON.stringify(list.embeds);
    expect(text).toContain(days);
    expect(text).toContain(t("summary.days.weekends"));
    expect(text).not.toContain("mon,thu");

    const refused = await as(
      organizer,
      `/summary schedule channel:<#${campaigns}> time:18:30 days:"someday"`,
    );
    expect(refused.content).toBe(t("summary.badDays"));
  });
});
