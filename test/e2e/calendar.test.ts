import Fastify from "fastify";
import ICAL from "ical.js";
import { describe, expect, it } from "vitest";
import { translator } from "../../src/i18n/index.ts";
import { registerCalendarFeeds } from "../../src/web/calendarFeeds.ts";
import { startTestBot, type TestBot } from "../support/bot.ts";

const ephemeral = 64;
const t = translator("en");
const publicUrl = "https://rally.example.org";
const feedUrl = /https:\/\/rally\.example\.org\/feeds\/([A-Za-z0-9_-]{43})\.ics/;

/** The feed route over the bot's own database, as the web server serves it. */
async function feeds(bot: TestBot) {
  const app = Fastify();
  registerCalendarFeeds(app, { db: bot.rally.db });
  await app.ready();
  return (token: string) => app.inject({ method: "GET", url: `/feeds/${token}.ics` });
}

function tokenIn(content: string): string {
  const match = feedUrl.exec(content);
  if (!match?.[1]) throw new Error(`no feed URL in: ${content}`);
  return match[1];
}

function events(body: string) {
  const calendar = new ICAL.Component(ICAL.parse(body));
  return calendar.getAllSubcomponents("vevent").map((component) => {
    const event = new ICAL.Event(component);
    return {
      summary: event.summary,
      start: event.startDate.toJSDate().toISOString(),
      utc: event.startDate.zone === ICAL.Timezone.utcTimezone,
      location: component.getFirstPropertyValue("location") ?? null,
    };
  });
}

/** A server on Vilnius time with a campaign ending in March and a task due 12:00 in January. */
async function seeded(bot: TestBot) {
  await bot.run(bot.organizerId, "/settings timezone zone:Europe/Vilnius");
  await bot.run(
    bot.organizerId,
    '/campaign create title:"Free political prisoners" goal:500 ends:"2027-03-01 18:00"',
  );
  const campaign = await bot.rally.db.campaign.findFirstOrThrow({ orderBy: { id: "desc" } });
  const add = async (title: string, due: string) => {
    await bot.run(
      bot.organizerId,
      `/task add campaign:${campaign.id} title:"${title}" kind:campus location:"Main hall" slots:3 due:"${due}"`,
    );
    return bot.rally.db.outreachTask.findFirstOrThrow({ orderBy: { id: "desc" } });
  };
  const winter = await add("Flyers at the university", "2027-01-15 12:00");
  const summer = await add("Table at the fair", "2027-07-15 12:00");
  return { campaign, winter, summer };
}

describe("/settings calendar", () => {
  it("says what to set when Rally has no public address, and makes no feed", async () => {
    const bot = await startTestBot();
    const answer = await bot.run(bot.organizerId, "/settings calendar");
    expect(answer.content).toBe(t("calendar.noPublicUrl"));
    expect(answer.flags & ephemeral).toBe(ephemeral);
    expect(await bot.rally.db.calendarFeed.count()).toBe(0);
  });

  it("shows the URL once, rotates it, turns locations on; the feed has UTC times and no names", async () => {
    const bot = await startTestBot({ publicUrl: `${publicUrl}/` });
    const [volunteer] = bot.volunteerIds;
    const { winter } = await seeded(bot);
    await bot.run(volunteer, `/task claim task:${winter.id}`);
    const get = await feeds(bot);

    const first = await bot.run(bot.organizerId, "/settings calendar");
    expect(first.flags & ephemeral).toBe(ephemeral);
    const token = tokenIn(first.content);
    expect(first.content).toContain(t("calendar.serverTitles"));
    const feed = await get(token);
    expect(feed.statusCode).toBe(200);
    expect(feed.headers["content-type"]).toBe("text/calendar; charset=utf-8");
    expect(events(feed.body)).toEqual([
      {
        summary: "Flyers at the university",
        start: "2027-01-15T10:00:00.000Z",
        utc: true,
        location: null,
      },
      {
        summary: "Table at the fair",
        start: "2027-07-15T09:00:00.000Z",
        utc: true,
        location: null,
      },
      {
        summary: "Free political prisoners ends",
        start: "2027-03-01T16:00:00.000Z",
        utc: true,
        location: null,
      },
    ]);
    for (const member of bot.world.members) {
      expect(feed.body).not.toContain(member.name);
      expect(feed.body).not.toContain(member.id);
    }

    // Asked again: the URL cannot be shown (only its hash is kept).
    const again = await bot.run(bot.organizerId, "/settings calendar");
    expect(again.content).toBe(`${t("calendar.serverExists")}\n${t("calendar.serverTitles")}`);
    expect(again.content).not.toMatch(feedUrl);

    const located = await bot.run(bot.organizerId, "/settings calendar locations:true");
    expect(located.content).toContain(t("calendar.serverLocations"));
    expect(events((await get(token)).body)[0]?.location).toBe("Main hall");

    const rotated = await bot.run(bot.organizerId, "/settings calendar rotate:true");
    const newToken = tokenIn(rotated.content);
    expect(newToken).not.toBe(token);
    expect((await get(token)).statusCode).toBe(404);
    expect((await get(newToken)).statusCode).toBe(200);

    // Audited, without the URL.
    const audit = await bot.run(bot.organizerId, "/settings audit");
    const trail = JSON.stringify(audit.embeds);
    expect(trail).toContain(t("settings.auditActions.settings.calendar"));
    expect(trail).not.toContain(token);
    expect(trail).not.toContain(newToken);
  });

  it("is refused to a volunteer, who gets no URL", async () => {
    const bot = await startTestBot({ publicUrl });
    const [volunteer] = bot.volunteerIds;
    const answer = await bot.run(volunteer, "/settings calendar");
    expect(answer.content).toBe(t("errors.organizerOnly"));
    expect(await bot.rally.db.calendarFeed.count()).toBe(0);
  });
});

describe("/me calendar", () => {
  it("gives a volunteer a feed of their own claims only, revoked by /me forget", async () => {
    const bot = await startTestBot({ publicUrl });
    const [alice, bob] = bot.volunteerIds;
    const { winter, summer } = await seeded(bot);
    await bot.run(alice, `/task claim task:${winter.id}`);
    await bot.run(bob, `/task claim task:${summer.id}`);
    const get = await feeds(bot);

    const answer = await bot.run(alice, "/me calendar");
    expect(answer.flags & ephemeral).toBe(ephemeral);
    const token = tokenIn(answer.content);
    const feed = await get(token);
    expect(events(feed.body)).toEqual([
      {
        summary: "Flyers at the university",
        start: "2027-01-15T10:00:00.000Z",
        utc: true,
        location: null,
      },
    ]);
    for (const member of bot.world.members) expect(feed.body).not.toContain(member.id);

    const again = await bot.run(alice, "/me calendar");
    expect(again.content).toBe(`${t("calendar.memberExists")}\n${t("calendar.memberTitles")}`);
    const bobs = tokenIn((await bot.run(bob, "/me calendar")).content);

    const prompt = await bot.run(alice, "/me forget");
    const erased = bot.discord.clickButton({
      messageId: prompt.id,
      userId: alice,
      label: "Erase me",
    });
    await erased.response();
    await bot.rally.settled();
    expect((await get(token)).statusCode).toBe(404);
    expect((await get(bobs)).statusCode).toBe(200);
  });
});
