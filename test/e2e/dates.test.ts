import { describe, expect, it } from "vitest";
import type { StoredMessage } from "../../src/local-discord/localDiscord.ts";
import { translator } from "../../src/i18n/index.ts";
import { channelNamed, startTestBot, type TestBot } from "../support/bot.ts";
import { databaseKind } from "../support/db.ts";

const t = translator("en");
const ephemeral = 64;
const zone = "America/New_York";
/** The bot's clock: 1 December 2026, 07:00 in New York. */
const now = new Date("2026-12-01T12:00:00Z");
/** The last day a member may type, five years on, and the instant it means (23:59 in New York). */
const latestDay = "2031-12-01";
const latestInstant = new Date("2031-12-02T04:59:00Z");
/** 9999-12-31 in New York ends in the year 10000 in UTC: what slipped through before. */
const year10000 = new Date("+010000-01-01T04:59:00.000Z");

/** Everything a member or the channel reads in a message, as one text to search. */
function shown(message: StoredMessage | undefined): string {
  return JSON.stringify(message ? [message.content, message.embeds] : null);
}

/** A bot in a New York server at `now`, with one campaign and one task (no due date yet). */
async function newYorkBot() {
  const bot = await startTestBot({ now: () => now });
  await bot.run(bot.organizerId, `/settings timezone zone:${zone}`);
  const campaigns = channelNamed(bot, "campaigns");
  await bot.run(
    bot.organizerId,
    `/campaign create title:"Free political prisoners" goal:500 channel:<#${campaigns}>`,
  );
  const campaign = await bot.rally.db.campaign.findFirstOrThrow();
  await bot.run(
    bot.organizerId,
    `/task add campaign:${campaign.id} title:"Table at the student union" slots:2`,
  );
  const task = await bot.rally.db.outreachTask.findFirstOrThrow();
  return { bot, campaign, task, campaigns };
}

/** With a second task for `starts`, since a start must come before the first task's due date. */
type World = Awaited<ReturnType<typeof newYorkBot>> & { startsTaskId: number };

interface DateOptionRun {
  /** The command line that gives the option this date (quoted: it may hold a space). */
  line: (world: World, date: string, run: number) => string;
  /** The date the option sets, as stored, after the command ran. */
  stored: (world: World, run: number) => Promise<Date | null>;
  /** The refusal of a date before now, for options that take none. */
  past: string;
}

/** A typed date with the time a bare date means (23:59), for options that need a time. */
function withTime(date: string): string {
  return /\d:\d{2}$/.test(date) ? date : `${date} 23:59`;
}

/**
 * How to reach each date option over the wire. The test below finds the date options in what
 * Rally registered with Discord and requires this table to name exactly those: a new date
 * option fails it until it is added here, and so is checked against the bound like the others.
 */
const dateOptions: Record<string, DateOptionRun> = {
  "campaign create ends": {
    line: (_world, date, run) => `/campaign create title:"Campaign ${run}" goal:10 ends:"${date}"`,
    stored: async ({ bot }, run) =>
      (await bot.rally.db.campaign.findFirst({ where: { title: `Campaign ${run}` } }))?.endsAt ??
      null,
    past: t("campaign.endsInPast"),
  },
  "campaign edit ends": {
    line: ({ campaign }, date) => `/campaign edit campaign:${campaign.id} ends:"${date}"`,
    stored: async ({ bot, campaign }) =>
      (await bot.rally.db.campaign.findUniqueOrThrow({ where: { id: campaign.id } })).endsAt,
    past: t("campaign.endsInPast"),
  },
  "task add due": {
    line: ({ campaign }, date, run) =>
      `/task add campaign:${campaign.id} title:"Task ${run}" due:"${date}"`,
    stored: async ({ bot }, run) =>
      (await bot.rally.db.outreachTask.findFirst({ where: { title: `Task ${run}` } }))?.dueAt ??
      null,
    past: t("task.duePast"),
  },
  "task add repeat_until": {
    line: ({ campaign }, date, run) =>
      `/task add campaign:${campaign.id} title:"Task ${run}" due:"2026-12-02" repeat:weekly repeat_until:"${date}"`,
    stored: async ({ bot }, run) =>
      (await bot.rally.db.outreachTask.findFirst({ where: { title: `Task ${run}` } }))
        ?.repeatUntil ?? null,
    past: t("task.repeatUntilPast"),
  },
  // `starts` is a moment, so it takes a time of day (a date alone is refused for that first):
  // each date below is typed with the time `due` reads a bare date as.
  "task add starts": {
    line: ({ campaign }, date, run) =>
      `/task add campaign:${campaign.id} title:"Task ${run}" starts:"${withTime(date)}"`,
    stored: async ({ bot }, run) =>
      (await bot.rally.db.outreachTask.findFirst({ where: { title: `Task ${run}` } }))?.startsAt ??
      null,
    past: t("taskEvent.startsPast"),
  },
  "task edit starts": {
    line: ({ startsTaskId }, date) => `/task edit task:${startsTaskId} starts:"${withTime(date)}"`,
    stored: async ({ bot, startsTaskId }) =>
      (await bot.rally.db.outreachTask.findUniqueOrThrow({ where: { id: startsTaskId } })).startsAt,
    past: t("taskEvent.startsPast"),
  },
  "task edit due": {
    line: ({ task }, date) => `/task edit task:${task.id} due:"${date}"`,
    stored: async ({ bot, task }) =>
      (await bot.rally.db.outreachTask.findUniqueOrThrow({ where: { id: task.id } })).dueAt,
    past: t("task.duePast"),
  },
};

type RegisteredOption = {
  type: number;
  name: string;
  description: string;
  choices?: unknown[];
  options?: RegisteredOption[];
};

/**
 * Every option that holds a date, as "command subcommand option", found in the JSON Rally
 * registered. Discord has no date type, so a date option is a string option; it is recognised
 * by what tells a member to type a date: its description shows the format with an example date
 * (`2026-12-31`), or its name says date (due, ends, starts, since, until, deadline, …_at,
 * …_date). Either alone would miss an option whose author left the other out; an option with
 * fixed choices holds no typed date. Found options must match the table above exactly, so a new
 * one cannot go unchecked.
 */
function registeredDateOptions(bot: TestBot): string[] {
  const found: string[] = [];
  const datelike =
    /^(due|ends?|starts?|since|until|deadline|date|from|to|before|after)$|_(at|on|date)$|^date_/;
  const walk = (options: RegisteredOption[] | undefined, path: string[]) => {
    for (const option of options ?? []) {
      if (option.type === 1 || option.type === 2) {
        walk(option.options, [...path, option.name]);
      } else if (
        option.type === 3 &&
        !option.choices &&
        (/\b\d{4}-\d{2}-\d{2}\b/.test(option.description) || datelike.test(option.name))
      ) {
        found.push([...path, option.name].join(" "));
      }
    }
  };
  for (const command of bot.discord.commands(bot.guildId)) {
    walk(command.options as RegisteredOption[] | undefined, [command.name]);
  }
  return found.sort();
}

describe("every date a member can type is bounded: at most five years ahead", () => {
  it("each registered date option refuses a date past the bound, naming it, and takes the last day", async () => {
    const newYork = await newYorkBot();
    await newYork.bot.run(
      newYork.bot.organizerId,
      `/task add campaign:${newYork.campaign.id} title:"Flyers at the station"`,
    );
    const startsTask = await newYork.bot.rally.db.outreachTask.findFirstOrThrow({
      where: { title: "Flyers at the station" },
    });
    const world: World = { ...newYork, startsTaskId: startsTask.id };
    const { bot } = world;
    expect(registeredDateOptions(bot)).toEqual(Object.keys(dateOptions).sort());

    let run = 0;
    for (const [name, option] of Object.entries(dateOptions)) {
      const refused = t("validation.dateTooLate", {
        option: name.split(" ").at(-1) ?? "",
        latest: latestDay,
      });
      for (const date of ["9999-12-31", "2031-12-02 00:00", "2031-12-02"]) {
        run += 1;
        const before = await option.stored(world, run);
        const reply = await bot.run(bot.organizerId, option.line(world, date, run));
        expect({ name, date, reply: reply.content }).toEqual({ name, date, reply: refused });
        expect(reply.flags & ephemeral).toBe(ephemeral);
        expect(await option.stored(world, run)).toEqual(before);
      }
      // Year 0001 and yesterday are in the past, which these options refuse with their own words.
      for (const date of ["0001-01-01", "2026-11-30"]) {
        run += 1;
        const reply = await bot.run(bot.organizerId, option.line(world, date, run));
        expect({ name, date, reply: reply.content }).toEqual({ name, date, reply: option.past });
        expect(reply.flags & ephemeral).toBe(ephemeral);
      }
      run += 1;
      await bot.run(bot.organizerId, option.line(world, latestDay, run));
      expect({ name, stored: await option.stored(world, run) }).toEqual({
        name,
        stored: latestInstant,
      });
    }
    expect(bot.discord.rejected()).toEqual([]);
  });
});

describe("a year-10000 date already stored (before the bound existed)", () => {
  it("shows no NaN in /task list, /me status, the card, the summary and /campaign show; /campaign export works", async () => {
    const world = await newYorkBot();
    const { bot, campaign, task, campaigns } = world;
    const [volunteer, other] = bot.volunteerIds;
    await bot.run(volunteer, `/task claim task:${task.id}`);
    // Written straight to the database, as /task add due:9999-12-31 stored it in New York.
    await bot.rally.db.outreachTask.update({ where: { id: task.id }, data: { dueAt: year10000 } });
    await bot.rally.db.campaign.update({ where: { id: campaign.id }, data: { endsAt: year10000 } });

    const read = await bot.rally.db.outreachTask.findUniqueOrThrow({ where: { id: task.id } });
    // SQLite keeps it as text and reads it back; PostgreSQL's driver cannot read the year 10000.
    const unreadable = Number.isNaN(read.dueAt?.getTime());
    expect(unreadable).toBe(databaseKind === "postgresql");

    const replies: Record<string, StoredMessage | undefined> = {
      "task list (volunteer)": await bot.run(volunteer, "/task list"),
      "task list (organizer)": await bot.run(bot.organizerId, "/task list"),
      "me status": await bot.run(volunteer, "/me status"),
      "campaign show": await bot.run(volunteer, `/campaign show campaign:${campaign.id}`),
      "summary preview": await bot.run(bot.organizerId, "/summary preview"),
    };
    // A second claim refreshes the public card, which shows the due date.
    await bot.run(other, `/task claim task:${task.id}`);
    replies["card"] = bot.discord.message(task.cardMessageId ?? "");
    await bot.run(bot.organizerId, `/summary now channel:<#${campaigns}>`);
    replies["summary"] = bot.discord.messages(campaigns).at(-1);

    for (const [where, message] of Object.entries(replies)) {
      expect({ where, nan: shown(message).includes("NaN") }).toEqual({ where, nan: false });
    }
    const taskList = shown(replies["task list (volunteer)"]);
    if (unreadable) expect(taskList).toContain(t("dates.unreadable"));
    else expect(taskList).toContain(`<t:${Math.floor(year10000.getTime() / 1000)}:R>`);
    expect(shown(replies["card"])).toContain("Table at the student union");
    expect(replies["summary"]?.embeds[0]?.title).toBe("Free political prisoners");

    const exported = await bot.run(bot.organizerId, `/campaign export campaign:${campaign.id}`);
    expect(exported.content).toBe(t("campaign.exportReady", { title: "Free political prisoners" }));
    const csv = exported.attachments[0]?.data.toString("utf8") ?? "";
    expect(csv).toContain("Table at the student union");
    expect(csv).not.toContain("NaN");
    expect(csv).not.toContain("Invalid");
    expect(bot.discord.rejected()).toEqual([]);
  });
});
