import Fastify from "fastify";
import ICAL from "ical.js";
import { describe, expect, it } from "vitest";
import { closeCampaign, createCampaign } from "../../src/domain/campaigns.ts";
import { setUpMemberFeed, setUpServerFeed } from "../../src/domain/calendarFeeds.ts";
import { parseLocalDateTime } from "../../src/domain/dates.ts";
import { changeSetting } from "../../src/domain/guildSettings.ts";
import { forgetMember } from "../../src/domain/privacy.ts";
import { purgeGuild } from "../../src/domain/purge.ts";
import { addTask, cancelTask, claimTask, releaseTask } from "../../src/domain/tasks.ts";
import type { Database as Db } from "../../src/db/store.ts";
import { registerCalendarFeeds } from "../../src/web/calendarFeeds.ts";
import { createTestDb } from "../support/db.ts";
import { campaignFields, ids } from "../support/domain.ts";

const { guild, otherGuild, organizer, alice } = ids;
const bob = "300000000000000002";
const now = new Date("2026-12-07T12:00:00Z");
const zone = "Europe/Vilnius";

/** The plugin on a bare Fastify, as the web server mounts it. */
async function feeds(db: Db) {
  const app = Fastify();
  registerCalendarFeeds(app, { db, now: () => now });
  await app.ready();
  return (token: string) => app.inject({ method: "GET", url: `/feeds/${token}.ics` });
}

/** A date as a member types it in a server on Vilnius time. */
const local = (text: string) =>
  parseLocalDateTime(text, { option: "due", zone, now, past: "allowed" });

interface Event {
  uid: string;
  summary: string;
  location: string | null;
  /** DTSTART as written: UTC ("…Z") or not. */
  start: string;
  utc: boolean;
}

/** The feed as a calendar app reads it, through Mozilla's parser. */
function parseFeed(body: string): Event[] {
  const calendar = new ICAL.Component(ICAL.parse(body));
  expect(calendar.name).toBe("vcalendar");
  expect(calendar.getFirstPropertyValue("version")).toBe("2.0");
  return calendar.getAllSubcomponents("vevent").map((component) => {
    const event = new ICAL.Event(component);
    const start = event.startDate;
    const location = component.getFirstPropertyValue("location");
    return {
      uid: event.uid,
      summary: event.summary,
      location: typeof location === "string" ? location : null,
      start: start.toJSDate().toISOString(),
      utc: start.zone === ICAL.Timezone.utcTimezone,
    };
  });
}

async function server(db: Db, guildId: string = guild) {
  await changeSetting(db, guildId, organizer, { setting: "timezone", zone });
  const campaign = await createCampaign(
    db,
    guildId,
    organizer,
    campaignFields({ title: "Free political prisoners", endsAt: local("2027-03-01 18:00") }),
    now,
  );
  const task = (title: string, due: string | null, location: string | null = null) =>
    addTask(db, guildId, organizer, campaign.id, {
      title,
      kind: "campus",
      location,
      slots: 3,
      dueAt: due === null ? null : local(due),
      instructions: "Ask for Marta at the desk",
    });
  const winter = await task(
    "Flyers at the university",
    "2027-01-15 12:00",
    "Main hall, 3 Universiteto",
  );
  const summer = await task("Table at the fair", "2027-07-15 12:00");
  const undated = await task("Post on your page", null);
  const cancelled = await task("Cancelled canvass", "2027-01-20 10:00");
  await cancelTask(db, guildId, organizer, cancelled.id, now);
  return { campaign, winter, summer, undated, cancelled };
}

describe("GET /feeds/<token>.ics, the server's feed", () => {
  it("lists open dated tasks and campaign ends as UTC instants of the server's zone, titles only", async () => {
    const db = await createTestDb();
    const seeded = await server(db);
    await claimTask(db, guild, alice, seeded.winter.id, now, 3);
    const setup = await setUpServerFeed(db, guild, organizer, { rotate: false }, now);
    expect(setup).toMatchObject({ existed: false, locations: false });
    const get = await feeds(db);

    const response = await get(setup.token ?? "");
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toBe("text/calendar; charset=utf-8");
    expect(response.headers["cache-control"]).toBe("private, max-age=300");
    const events = parseFeed(response.body);
    expect(events).toEqual([
      // 12:00 in Vilnius in winter (UTC+2) and in summer (UTC+3).
      {
        uid: `task-${seeded.winter.id}@rally`,
        summary: "Flyers at the university",
        location: null,
        start: "2027-01-15T10:00:00.000Z",
        utc: true,
      },
      {
        uid: `task-${seeded.summer.id}@rally`,
        summary: "Table at the fair",
        location: null,
        start: "2027-07-15T09:00:00.000Z",
        utc: true,
      },
      {
        uid: `campaign-${seeded.campaign.id}@rally`,
        summary: "Free political prisoners ends",
        location: null,
        start: "2027-03-01T16:00:00.000Z",
        utc: true,
      },
    ]);
    expect(response.body).toContain("DTSTART:20270115T100000Z");
    // Nobody's id, no instructions, no location: what a calendar provider's servers may keep.
    for (const secret of [alice, organizer, guild, "Marta", "Universiteto"]) {
      expect(response.body).not.toContain(secret);
    }
    // The same UIDs on the next fetch: a calendar app updates its events, never duplicates them.
    expect(parseFeed((await get(setup.token ?? "")).body).map((event) => event.uid)).toEqual(
      events.map((event) => event.uid),
    );
    const row = await db.calendarFeed.findFirstOrThrow({ where: { guildId: guild } });
    expect(row.lastFetchedAt).toEqual(now);
    // Only the hash is stored.
    expect(JSON.stringify(row)).not.toContain(setup.token);
  });

  it("shows locations only once organizers turn them on", async () => {
    const db = await createTestDb();
    const seeded = await server(db);
    const get = await feeds(db);
    const { token = "" } = await setUpServerFeed(db, guild, organizer, { rotate: false }, now);
    const located = async () =>
      parseFeed((await get(token)).body).find(
        (event) => event.uid === `task-${seeded.winter.id}@rally`,
      )?.location;
    expect(await located()).toBeNull();

    const on = await setUpServerFeed(db, guild, organizer, { rotate: false, locations: true }, now);
    expect(on).toEqual({ existed: true, locations: true });
    expect(await located()).toBe("Main hall, 3 Universiteto");

    // Rotating keeps the setting; turning it off hides them again.
    const rotated = await setUpServerFeed(db, guild, organizer, { rotate: true }, now);
    expect(rotated.locations).toBe(true);
    await setUpServerFeed(db, guild, organizer, { rotate: false, locations: false }, now);
    expect(parseFeed((await get(rotated.token ?? "")).body).every((event) => !event.location)).toBe(
      true,
    );
    // Audited without the token.
    const audit = await db.auditEntry.findMany({
      where: { guildId: guild, action: "settings.calendar" },
    });
    expect(audit.map((entry) => JSON.parse(entry.details ?? "{}"))).toEqual([
      { feed: "created", locations: false },
      { feed: "kept", locations: true },
      { feed: "rotated", locations: true },
      { feed: "kept", locations: false },
    ]);
    expect(JSON.stringify(audit)).not.toContain(token);
    expect(JSON.stringify(audit)).not.toContain(rotated.token);
  });

  it("leaves out closed campaigns' tasks and end dates", async () => {
    const db = await createTestDb();
    const seeded = await server(db);
    const get = await feeds(db);
    const { token = "" } = await setUpServerFeed(db, guild, organizer, { rotate: false }, now);
    await closeCampaign(db, guild, organizer, seeded.campaign.id, "ended", now);
    expect(parseFeed((await get(token)).body)).toEqual([]);
  });

  it("answers 404 to an unknown, malformed or rotated token, and to another server's feed after its purge", async () => {
    const db = await createTestDb();
    await server(db);
    await server(db, otherGuild);
    const get = await feeds(db);
    const first = await setUpServerFeed(db, guild, organizer, { rotate: false }, now);
    const other = await setUpServerFeed(db, otherGuild, organizer, { rotate: false }, now);
    // Asking again keeps the URL, and cannot show it: only its hash is stored.
    expect(await setUpServerFeed(db, guild, organizer, { rotate: false }, now)).toEqual({
      existed: true,
      locations: false,
    });
    expect((await get(first.token ?? "")).statusCode).toBe(200);

    const second = await setUpServerFeed(db, guild, organizer, { rotate: true }, now);
    expect(second.token).toBeDefined();
    expect(second.token).not.toBe(first.token);
    expect((await get(first.token ?? "")).statusCode).toBe(404);
    expect((await get(second.token ?? "")).statusCode).toBe(200);
    expect(await db.calendarFeed.count({ where: { guildId: guild } })).toBe(1);

    expect((await get("A".repeat(43))).statusCode).toBe(404);
    expect((await get("not-a-token")).statusCode).toBe(404);
    const noSuffix = await (async () => {
      const app = Fastify();
      registerCalendarFeeds(app, { db });
      await app.ready();
      return app.inject({ method: "GET", url: `/feeds/${second.token ?? ""}` });
    })();
    expect(noSuffix.statusCode).toBe(404);

    const purged = await purgeGuild(db, guild, now);
    expect(purged.counts.calendarFeeds).toBe(1);
    expect((await get(second.token ?? "")).statusCode).toBe(404);
    // Another server's feed is not touched.
    expect((await get(other.token ?? "")).statusCode).toBe(200);
  });
});

describe("GET /feeds/<token>.ics, a member's feed", () => {
  it("lists only the dated tasks that member holds in that server", async () => {
    const db = await createTestDb();
    const here = await server(db);
    const there = await server(db, otherGuild);
    await claimTask(db, guild, alice, here.winter.id, now, 3);
    await claimTask(db, guild, alice, here.undated.id, now, 3);
    await claimTask(db, guild, bob, here.summer.id, now, 3);
    await claimTask(db, otherGuild, alice, there.summer.id, now, 3);
    const get = await feeds(db);
    const { token = "" } = await setUpMemberFeed(db, guild, alice, { rotate: false }, now);

    const response = await get(token);
    expect(response.statusCode).toBe(200);
    expect(parseFeed(response.body)).toEqual([
      {
        uid: `task-${here.winter.id}@rally`,
        summary: "Flyers at the university",
        location: null,
        start: "2027-01-15T10:00:00.000Z",
        utc: true,
      },
    ]);
    for (const secret of [alice, bob, organizer, "Universiteto"]) {
      expect(response.body).not.toContain(secret);
    }

    // A released claim leaves the feed.
    await releaseTask(db, guild, alice, here.winter.id, now);
    expect(parseFeed((await get(token)).body)).toEqual([]);
  });

  it("stops working after /me forget, and after rotating; another member's stays", async () => {
    const db = await createTestDb();
    await server(db);
    const get = await feeds(db);
    const first = await setUpMemberFeed(db, guild, alice, { rotate: false }, now);
    expect(await setUpMemberFeed(db, guild, alice, { rotate: false }, now)).toEqual({
      existed: true,
      locations: false,
    });
    const rotated = await setUpMemberFeed(db, guild, alice, { rotate: true }, now);
    expect((await get(first.token ?? "")).statusCode).toBe(404);
    expect((await get(rotated.token ?? "")).statusCode).toBe(200);
    const bobs = await setUpMemberFeed(db, guild, bob, { rotate: false }, now);
    const elsewhere = await setUpMemberFeed(db, otherGuild, alice, { rotate: false }, now);

    await forgetMember(db, guild, alice, now);

    expect((await get(rotated.token ?? "")).statusCode).toBe(404);
    expect((await get(bobs.token ?? "")).statusCode).toBe(200);
    // Forgetting is per server.
    expect((await get(elsewhere.token ?? "")).statusCode).toBe(200);
  });
});
