import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { startRally } from "../../src/app.ts";
import { permissionBits } from "../../src/domain/permissions.ts";
import { postNonce } from "../../src/domain/summarySchedules.ts";
import type { StoredMessage } from "../../src/local-discord/localDiscord.ts";
import { createLogger } from "../../src/log.ts";
import {
  campaignOnAnotherServer,
  channelNamed,
  startTestBot,
  type TestBot,
} from "../support/bot.ts";
import { isLiveCampaignCard, withoutLiveCards } from "../support/liveCard.ts";

const minute = 60_000;
const ephemeral = 64;
const organizerOnly =
  "Only organizers can do this: members with Manage Server or the server's organizer role.";
const late = "-# (a little late: Rally was offline at the scheduled time)";
const pngMagic = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

type Clock = { now: Date };

function utc(iso: string): Date {
  return new Date(`${iso}Z`);
}

function unix(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

/** Every message the bot (or a test) POSTed to a channel through the REST API, not replies. */
function channelPosts(bot: TestBot, channelId: string) {
  return bot.discord.requests.filter(
    (request) =>
      request.method === "POST" &&
      request.path === `/channels/${channelId}/messages` &&
      !isLiveCampaignCard(request.body),
  );
}

/** Every REST request about a channel (fetches, posts), whatever the answer. */
function channelRequests(bot: TestBot, channelId: string) {
  return bot.discord.requests.filter(
    (request) =>
      request.path === `/channels/${channelId}` ||
      request.path.startsWith(`/channels/${channelId}/`),
  );
}

/** The messages in every channel of the server (what members can scroll through). */
function allVisibleMessages(bot: TestBot): StoredMessage[] {
  return bot.world.channels.flatMap((channel) =>
    withoutLiveCards(bot.discord.messages(channel.id)),
  );
}

async function listText(bot: TestBot): Promise<string> {
  const reply = await bot.run(bot.organizerId, "/summary list");
  expect(reply.flags & ephemeral).toBe(ephemeral);
  return reply.embeds[0]?.description ?? reply.content;
}

function newMember(bot: TestBot, username: string): string {
  const user = bot.discord.createUser({ username });
  bot.discord.addMember(bot.guildId, user.id);
  return user.id;
}

/**
 * A bot whose clock starts on 2026-11-30 12:00 UTC, with "Free political prisoners" (goal 500)
 * posting to #campaigns: 300 signatures that day, 332 by 2026-12-01 12:00, where the clock stays.
 */
async function setUp(clock: Clock) {
  clock.now = utc("2026-11-30T12:00");
  const bot = await startTestBot({ now: () => clock.now });
  const campaigns = channelNamed(bot, "campaigns");
  await bot.run(
    bot.organizerId,
    `/campaign create title:"Free political prisoners" goal:500 call_to_action:"Text SIGN PMSUBG to 50409" link:https://example.org/petition channel:<#${campaigns}>`,
  );
  const campaign = await bot.rally.db.campaign.findFirstOrThrow({ orderBy: { id: "asc" } });
  await bot.run(bot.organizerId, `/campaign count campaign:${campaign.id} set:300`);
  clock.now = utc("2026-12-01T12:00");
  await bot.run(bot.organizerId, `/campaign count campaign:${campaign.id} set:332`);
  return { bot, campaign, campaigns, general: channelNamed(bot, "general") };
}

/** `/summary schedule` as the organizer; returns the reply and the stored schedule. */
async function schedule(bot: TestBot, options: string) {
  const reply = await bot.run(bot.organizerId, `/summary schedule ${options}`);
  const stored = await bot.rally.db.summarySchedule.findFirst({ orderBy: { id: "desc" } });
  if (!stored) throw new Error(`no schedule: ${reply.content}`);
  return { reply, schedule: stored };
}

describe("scheduled summaries over the wire", () => {
  it("posts one summary at the slot with an embed and a chart per open campaign, exactly once, then daily", async () => {
    const clock: Clock = { now: new Date() };
    const { bot, campaign, campaigns, general } = await setUp(clock);
    await bot.run(
      bot.organizerId,
      `/campaign create title:"Letter to the minister" goal:100 channel:<#${campaigns}>`,
    );
    await bot.run(bot.organizerId, `/campaign create title:"Old petition" goal:10`);
    const letter = await bot.rally.db.campaign.findFirstOrThrow({
      where: { title: "Letter to the minister" },
    });
    const old = await bot.rally.db.campaign.findFirstOrThrow({ where: { title: "Old petition" } });
    await bot.run(bot.organizerId, `/campaign close campaign:${old.id} outcome:ended`);

    const { reply, schedule: daily } = await schedule(bot, `channel:<#${campaigns}> time:18:00`);
    expect(reply.flags & ephemeral).toBe(ephemeral);
    expect(reply.content).toBe(
      `Summaries will post in <#${campaigns}> every day at 18:00 (UTC). The first one: <t:${unix(utc("2026-12-01T18:00"))}:f>.`,
    );
    const vilnius = await schedule(bot, `channel:<#${general}> time:18:00 timezone:Europe/Vilnius`);
    // 18:00 in Vilnius in December is 16:00 UTC (EET, UTC+2).
    expect(vilnius.reply.content).toBe(
      `Summaries will post in <#${general}> every day at 18:00 (Europe/Vilnius). The first one: <t:${unix(utc("2026-12-01T16:00"))}:f>.`,
    );
    const generalBefore = withoutLiveCards(bot.discord.messages(general)).length;
    expect(withoutLiveCards(bot.discord.messages(campaigns))).toHaveLength(0);

    // Before its time nothing posts.
    clock.now = utc("2026-12-01T15:59");
    await bot.rally.scheduler.tick();
    expect(withoutLiveCards(bot.discord.messages(general))).toHaveLength(generalBefore);

    clock.now = utc("2026-12-01T16:01");
    await bot.rally.scheduler.tick();
    expect(withoutLiveCards(bot.discord.messages(general))).toHaveLength(generalBefore + 1);
    expect(withoutLiveCards(bot.discord.messages(campaigns))).toHaveLength(0);

    clock.now = utc("2026-12-01T18:01");
    await bot.rally.scheduler.tick();
    const posted = withoutLiveCards(bot.discord.messages(campaigns));
    expect(posted).toHaveLength(1);
    const [message] = posted as [StoredMessage];
    expect(message.author.id).toBe(bot.discord.botUserId);
    expect(message.content).toBe("");
    // One embed per open campaign, by id; the closed one is left out.
    expect(message.embeds.map((embed) => embed.title)).toEqual([
      "Free political prisoners",
      "Letter to the minister",
    ]);
    const [freedom, letterEmbed] = message.embeds;
    expect(freedom?.url).toBe("https://example.org/petition");
    expect(freedom?.description).toContain("**332** / 500 signatures · 66%");
    // The Vilnius schedule (every campaign, 16:01) was the last summary: counted from it.
    expect(freedom?.description).toContain(
      `+0 since the last summary (<t:${unix(utc("2026-12-01T16:01"))}:f>)`,
    );
    expect(freedom?.fields).toEqual([
      {
        name: "Outreach",
        value: "0 tasks done since the last summary · 0 slots open · 0 overdue claims",
      },
      { name: "Take action", value: "Text SIGN PMSUBG to 50409\nhttps://example.org/petition" },
    ]);
    expect(letterEmbed?.description).toContain("**0** / 100 signatures · 0%");
    expect(letterEmbed?.description).toContain("+0 since the last summary");
    // Each embed shows its own chart, uploaded with the message.
    expect(freedom?.image?.url).toBe(`attachment://progress-${campaign.id}.png`);
    expect(letterEmbed?.image?.url).toBe(`attachment://progress-${letter.id}.png`);
    expect(message.attachments.map((attachment) => attachment.filename)).toEqual([
      `progress-${campaign.id}.png`,
      `progress-${letter.id}.png`,
    ]);
    for (const attachment of message.attachments) {
      expect(attachment.size).toBeGreaterThan(0);
      expect(attachment.contentType).toBe("image/png");
      expect(attachment.data.subarray(0, 8).equals(pngMagic)).toBe(true);
    }

    // Sent once, with a nonce the retry of the same slot would reuse, enforced by Discord.
    const requests = channelPosts(bot, campaigns);
    expect(requests).toHaveLength(1);
    expect(requests[0]?.status).toBe(200);
    expect(requests[0]?.body).toMatchObject({
      nonce: postNonce(daily.id, "2026-12-01", 0),
      enforce_nonce: true,
      allowed_mentions: { parse: [], users: [] },
    });
    expect(postNonce(daily.id, "2026-12-01", 0)).toBe(`s${daily.id}.20261201.0`);
    expect(message.nonce).toBe(`s${daily.id}.20261201.0`);
    expect(bot.discord.rejected()).toEqual([]);
    expect(
      await bot.rally.db.summaryPost.findMany({
        where: { scheduleId: daily.id },
        select: { slot: true, part: true, status: true, messageId: true, late: true },
      }),
    ).toEqual([
      { slot: "2026-12-01", part: 0, status: "sent", messageId: message.id, late: false },
    ]);

    // The same instant again: nothing more.
    await bot.rally.scheduler.tick();
    expect(withoutLiveCards(bot.discord.messages(campaigns))).toHaveLength(1);
    expect(channelPosts(bot, campaigns)).toHaveLength(1);
    const after = await bot.rally.db.summarySchedule.findUniqueOrThrow({ where: { id: daily.id } });
    expect(after.nextRunAt).toEqual(utc("2026-12-02T18:00"));
    expect(await listText(bot)).toContain(
      `**#${daily.id}** <#${campaigns}> · every day at 18:00 (UTC) · all open campaigns · next <t:${unix(utc("2026-12-02T18:00"))}:R>`,
    );

    // The next day counts from the last summary.
    clock.now = utc("2026-12-02T10:00");
    await bot.run(bot.organizerId, `/campaign count campaign:${campaign.id} add:10`);
    clock.now = utc("2026-12-02T17:59");
    await bot.rally.scheduler.tick();
    expect(withoutLiveCards(bot.discord.messages(campaigns))).toHaveLength(1);
    clock.now = utc("2026-12-02T18:00");
    await bot.rally.scheduler.tick();
    const second = withoutLiveCards(bot.discord.messages(campaigns));
    expect(second).toHaveLength(2);
    expect(second[1]?.embeds[0]?.description).toContain("**342** / 500 signatures · 68%");
    expect(second[1]?.embeds[0]?.description).toContain("+10 since the last summary");
    expect(second[1]?.nonce).toBe(`s${daily.id}.20261202.0`);
    await bot.rally.scheduler.tick();
    expect(withoutLiveCards(bot.discord.messages(campaigns))).toHaveLength(2);
    expect(bot.discord.rejected()).toEqual([]);
  });

  it("thanks by mention only volunteers who chose public credit, counts the others, pings no one, and never names an overdue claim", async () => {
    const clock: Clock = { now: new Date() };
    const { bot, campaign, campaigns } = await setUp(clock);
    const [publicVolunteer, anonymousVolunteer] = bot.volunteerIds;
    const laggard = newMember(bot, "laggard");
    await bot.run(
      bot.organizerId,
      `/task add campaign:${campaign.id} title:"Flyers at the university" kind:campus slots:3 due:"2026-12-10 18:00"`,
    );
    await bot.run(
      bot.organizerId,
      `/task add campaign:${campaign.id} title:"Posters downtown" kind:bulletin_board slots:2 due:"2026-12-01 15:00"`,
    );
    const [flyers, posters] = await bot.rally.db.outreachTask.findMany({ orderBy: { id: "asc" } });
    if (!flyers || !posters) throw new Error("tasks missing");
    const { schedule: daily } = await schedule(bot, `channel:<#${campaigns}> time:18:00`);

    expect((await bot.run(publicVolunteer, "/me credit mode:public")).content).toBe(
      "Rally may now thank you by name in public posts. Change it any time with `/me credit`.",
    );
    await bot.run(anonymousVolunteer, "/me credit mode:anonymous");
    // The laggard chose public credit but only holds a claim that goes overdue at 15:00.
    await bot.run(laggard, "/me credit mode:public");
    for (const volunteer of [publicVolunteer, anonymousVolunteer]) {
      await bot.run(volunteer, `/task claim task:${flyers.id}`);
      const done = await bot.run(volunteer, `/task done task:${flyers.id}`);
      expect(done.flags & ephemeral).toBe(ephemeral);
    }
    await bot.run(laggard, `/task claim task:${posters.id}`);
    expect(
      await bot.rally.db.claim.count({ where: { status: "done", closedAt: { not: null } } }),
    ).toBe(2);

    const before = withoutLiveCards(bot.discord.messages(campaigns)).length;
    clock.now = utc("2026-12-01T18:01");
    await bot.rally.scheduler.tick();
    const posted = withoutLiveCards(bot.discord.messages(campaigns)).slice(before);
    expect(posted).toHaveLength(1);
    const [summary] = posted as [StoredMessage];
    expect(summary.content).toBe(`💚 Thank you <@${publicVolunteer}> and 1 more volunteer!`);
    expect(summary.embeds[0]?.fields?.[0]).toEqual({
      name: "Outreach",
      // Two of the flyers' three slots done: work thanked, but no task done yet (as on the card).
      value: "0 tasks done since the campaign started · 2 slots open · 1 overdue claim",
    });
    const everything = JSON.stringify(summary);
    for (const hidden of [anonymousVolunteer, laggard, "laggard"]) {
      expect(everything).not.toContain(hidden);
    }
    const body = channelPosts(bot, campaigns).at(-1)?.body as Record<string, unknown>;
    expect(body["content"]).toBe(summary.content);
    expect(body["allowed_mentions"]).toMatchObject({ parse: [], users: [] });

    // The next day nobody finished anything since: no thanks, and the old work is not recounted.
    clock.now = utc("2026-12-02T18:01");
    await bot.rally.scheduler.tick();
    const next = withoutLiveCards(bot.discord.messages(campaigns)).slice(before);
    expect(next).toHaveLength(2);
    expect(next[1]?.content).toBe("");
    expect(next[1]?.embeds[0]?.fields?.[0]?.value).toMatch(/^0 tasks done since the last summary/);
    expect(next[1]?.nonce).toBe(postNonce(daily.id, "2026-12-02", 0));
    expect(bot.discord.rejected()).toEqual([]);
  });

  it("after a restart days late posts ONE summary marked late, then runs on the next day's slot", async () => {
    const clock: Clock = { now: new Date() };
    const { bot, campaigns } = await setUp(clock);
    const { schedule: daily } = await schedule(bot, `channel:<#${campaigns}> time:18:00`);

    await bot.rally.stop();
    clock.now = utc("2026-12-04T20:00");
    await bot.restart();
    await bot.rally.scheduler.tick();
    await bot.rally.scheduler.tick();
    const posted = withoutLiveCards(bot.discord.messages(campaigns));
    expect(posted).toHaveLength(1);
    expect(posted[0]?.content).toContain("a little late");
    expect(posted[0]?.content).toBe(late);
    expect(posted[0]?.nonce).toBe(postNonce(daily.id, "2026-12-04", 0));
    expect(
      await bot.rally.db.summaryPost.findMany({ select: { slot: true, status: true, late: true } }),
    ).toEqual([{ slot: "2026-12-04", status: "sent", late: true }]);
    const stored = await bot.rally.db.summarySchedule.findUniqueOrThrow({
      where: { id: daily.id },
    });
    expect(stored.nextRunAt).toEqual(utc("2026-12-05T18:00"));
    expect(stored.lastSlot).toBe("2026-12-04");
    const pending = await bot.rally.db.dueJob.findMany({
      where: { kind: "summary.post", status: "pending" },
    });
    expect(pending.map((job) => [job.subjectId, job.dueAt])).toEqual([
      [`${daily.id}@2026-12-05`, utc("2026-12-05T18:00")],
    ]);

    clock.now = utc("2026-12-05T18:02");
    await bot.rally.scheduler.tick();
    const next = withoutLiveCards(bot.discord.messages(campaigns));
    expect(next).toHaveLength(2);
    expect(next[1]?.content).toBe("");
    expect(next[1]?.embeds[0]?.description).toContain("since the last summary");
    expect(bot.discord.rejected()).toEqual([]);
  });

  it("posts once per slot when two Rally processes on one database tick at the same instant", async () => {
    const clock: Clock = { now: new Date() };
    const { bot, campaigns } = await setUp(clock);
    const { schedule: daily } = await schedule(bot, `channel:<#${campaigns}> time:18:00`);
    const second = await startSecondRally(bot, clock);
    try {
      expect(second.scheduler.owner).not.toBe(bot.rally.scheduler.owner);
      const slots = ["2026-12-01", "2026-12-02", "2026-12-03"];
      for (const [index, slot] of slots.entries()) {
        clock.now = new Date(utc(`${slot}T18:00`).getTime() + 30_000);
        await Promise.all([bot.rally.scheduler.tick(), second.scheduler.tick()]);
        await Promise.all([second.scheduler.tick(), bot.rally.scheduler.tick()]);
        expect(withoutLiveCards(bot.discord.messages(campaigns))).toHaveLength(index + 1);
      }
      expect(
        withoutLiveCards(bot.discord.messages(campaigns)).map((message) => message.nonce),
      ).toEqual(slots.map((slot) => postNonce(daily.id, slot, 0)));
      expect(channelPosts(bot, campaigns)).toHaveLength(3);
      expect(
        await bot.rally.db.summaryPost.findMany({
          orderBy: { id: "asc" },
          select: { slot: true, status: true },
        }),
      ).toEqual(slots.map((slot) => ({ slot, status: "sent" })));
      expect(bot.discord.rejected()).toEqual([]);
    } finally {
      await second.stop();
    }
  });

  it("posts once when a run outlives its lease and a second process takes the slot over mid-POST", async () => {
    const clock: Clock = { now: new Date() };
    const { bot, campaigns } = await setUp(clock);
    const { schedule: daily } = await schedule(bot, `channel:<#${campaigns}> time:18:00`);
    const second = await startSecondRally(bot, clock);
    try {
      // Discord is slow: both POSTs to the channel hang for a while.
      bot.discord.injectFault({
        method: "POST",
        path: `/channels/${campaigns}/messages`,
        delayMs: 800,
        times: 2,
      });
      clock.now = utc("2026-12-01T18:00:30");
      const slow = bot.rally.scheduler.tick();
      await eventually(
        async () => (await bot.rally.db.summaryPost.findFirst()) ?? undefined,
        "the first process's outbox row",
      );
      // Its 60 s lease runs out while its POST hangs; the other process claims the slot.
      clock.now = utc("2026-12-01T18:02:00");
      await Promise.all([slow, second.scheduler.tick()]);

      const requests = channelPosts(bot, campaigns);
      expect(requests.map((request) => (request.body as { nonce?: string }).nonce)).toEqual([
        postNonce(daily.id, "2026-12-01", 0),
        postNonce(daily.id, "2026-12-01", 0),
      ]);
      expect(withoutLiveCards(bot.discord.messages(campaigns))).toHaveLength(1);
      expect(
        await bot.rally.db.summaryPost.findMany({ select: { slot: true, status: true } }),
      ).toEqual([{ slot: "2026-12-01", status: "sent" }]);
      const stored = await bot.rally.db.summarySchedule.findUniqueOrThrow({
        where: { id: daily.id },
      });
      expect(stored.nextRunAt).toEqual(utc("2026-12-02T18:00"));
      clock.now = utc("2026-12-02T18:01");
      await Promise.all([bot.rally.scheduler.tick(), second.scheduler.tick()]);
      expect(withoutLiveCards(bot.discord.messages(campaigns))).toHaveLength(2);
      expect(bot.discord.rejected()).toEqual([]);
    } finally {
      await second.stop();
    }
  });

  it("splits four campaigns into two messages, each with its own nonce; only the first thanks and pings the announce role", async () => {
    const clock: Clock = { now: new Date() };
    const { bot, campaigns } = await setUp(clock);
    const longTitle = "Свобода политическим заключённым ".repeat(4).slice(0, 100).trim();
    for (const [index, title] of [
      "Letter to the minister",
      longTitle,
      "Fourth campaign",
    ].entries()) {
      const reply = await bot.run(
        bot.organizerId,
        `/campaign create title:"${title}" goal:${(index + 1) * 1000} call_to_action:"${"Sign and share the petition now! ".repeat(6).slice(0, 200).trim()}" link:https://example.org/${"p".repeat(300)} channel:<#${campaigns}>`,
      );
      expect(reply.content).toMatch(/^Campaign created/);
    }
    const role = bot.discord.createRole(bot.guildId, { name: "Supporters", permissions: 0n });
    await bot.run(bot.organizerId, `/settings announce_role role:<@&${role.id}>`);
    const { schedule: daily } = await schedule(bot, `channel:<#${campaigns}> time:18:00`);
    const before = withoutLiveCards(bot.discord.messages(campaigns)).length;
    clock.now = utc("2026-12-01T18:01");
    await bot.rally.scheduler.tick();
    await bot.rally.scheduler.tick();
    const posted = withoutLiveCards(bot.discord.messages(campaigns)).slice(before);
    expect(posted).toHaveLength(2);
    expect(posted.map((message) => message.embeds.length)).toEqual([3, 1]);
    expect(posted.map((message) => message.attachments.length)).toEqual([3, 1]);
    expect(posted.map((message) => message.nonce)).toEqual([
      postNonce(daily.id, "2026-12-01", 0),
      postNonce(daily.id, "2026-12-01", 1),
    ]);
    expect(posted[0]?.content).toBe(`<@&${role.id}>`);
    expect(posted[1]?.content).toBe("");
    const bodies = channelPosts(bot, campaigns)
      .slice(-2)
      .map((request) => request.body as { allowed_mentions?: unknown });
    expect(bodies.map((body) => body.allowed_mentions)).toEqual([
      { parse: [], roles: [role.id], users: [], replied_user: false },
      { parse: [], roles: [], users: [], replied_user: false },
    ]);
    expect(await bot.rally.db.summaryPost.count({ where: { status: "sent" } })).toBe(2);
    expect(bot.discord.rejected()).toEqual([]);
  });

  it("after a kill between the POST and the bookkeeping, lands on the message already posted with the slot's nonce", async () => {
    const clock: Clock = { now: new Date() };
    const { bot, campaigns } = await setUp(clock);
    const { schedule: daily } = await schedule(bot, `channel:<#${campaigns}> time:18:00`);
    const slot = "2026-12-01";
    clock.now = utc("2026-12-01T18:02");
    const { posted, outbox } = await leaveCrashedPost(bot, clock, daily.id, slot, campaigns, {
      ageMs: minute,
    });

    await bot.rally.scheduler.tick();
    const messages = withoutLiveCards(bot.discord.messages(campaigns));
    expect(messages.map((message) => message.id)).toEqual([posted.id]);
    expect(messages[0]?.content).toBe("x");
    // The bot did retry, with the same nonce, and Discord answered with the existing message.
    const retries = channelPosts(bot, campaigns);
    expect(retries).toHaveLength(2);
    expect(retries[1]?.body).toMatchObject({
      nonce: postNonce(daily.id, slot, 0),
      enforce_nonce: true,
    });
    expect(retries[1]?.status).toBe(200);
    expect(
      await bot.rally.db.summaryPost.findUniqueOrThrow({ where: { id: outbox.id } }),
    ).toMatchObject({ status: "sent", messageId: posted.id });
    const stored = await bot.rally.db.summarySchedule.findUniqueOrThrow({
      where: { id: daily.id },
    });
    expect(stored.nextRunAt).toEqual(utc("2026-12-02T18:00"));
    expect(await listText(bot)).not.toContain("may not have gone out");
    expect(bot.discord.rejected()).toEqual([]);
  });

  it("beyond Discord's nonce memory does not post again: the post is marked uncertain and /summary list warns", async () => {
    const clock: Clock = { now: new Date() };
    const { bot, campaigns } = await setUp(clock);
    const { schedule: daily } = await schedule(bot, `channel:<#${campaigns}> time:18:00`);
    const slot = "2026-12-01";
    clock.now = utc("2026-12-01T18:10");
    const { posted, outbox } = await leaveCrashedPost(bot, clock, daily.id, slot, campaigns, {
      ageMs: 10 * minute,
    });
    // Discord's side of the same ten minutes: the nonce is forgotten there too.
    bot.discord.advanceClock(10 * minute);

    await bot.rally.scheduler.tick();
    await bot.rally.scheduler.tick();
    expect(withoutLiveCards(bot.discord.messages(campaigns)).map((message) => message.id)).toEqual([
      posted.id,
    ]);
    expect(channelPosts(bot, campaigns)).toHaveLength(1);
    expect(
      await bot.rally.db.summaryPost.findUniqueOrThrow({ where: { id: outbox.id } }),
    ).toMatchObject({ status: "uncertain", messageId: null });
    const list = await listText(bot);
    expect(list).toContain(
      `⚠️ 1 post may not have gone out (Rally stopped mid-post and could not confirm): check <#${campaigns}>.`,
    );
    // The schedule itself goes on with the next day.
    const stored = await bot.rally.db.summarySchedule.findUniqueOrThrow({
      where: { id: daily.id },
    });
    expect(stored.nextRunAt).toEqual(utc("2026-12-02T18:00"));
    clock.now = utc("2026-12-02T18:01");
    await bot.rally.scheduler.tick();
    expect(withoutLiveCards(bot.discord.messages(campaigns))).toHaveLength(2);
    expect(bot.discord.rejected()).toEqual([]);
  });

  it("pauses on Missing Access without retrying, says how to fix it, and posts again after /summary resume", async () => {
    const clock: Clock = { now: new Date() };
    const { bot, campaigns } = await setUp(clock);
    const { schedule: daily } = await schedule(bot, `channel:<#${campaigns}> time:18:00`);
    // Discord refuses the post itself: access was taken away after the bot last heard of it.
    bot.discord.injectFault({
      method: "POST",
      path: `/channels/${campaigns}/messages`,
      status: 403,
      code: 50001,
    });

    clock.now = utc("2026-12-01T18:01");
    await bot.rally.scheduler.tick();
    expect(withoutLiveCards(bot.discord.messages(campaigns))).toHaveLength(0);
    const refusals = () =>
      channelRequests(bot, campaigns).filter((request) => request.status === 403);
    expect(refusals()).toHaveLength(1);
    expect(refusals()[0]?.error?.code).toBe(50001);
    expect(
      await bot.rally.db.summarySchedule.findUniqueOrThrow({ where: { id: daily.id } }),
    ).toMatchObject({ status: "paused", statusReason: "missingAccess" });
    expect(await listText(bot)).toContain(
      "paused: I can't see the channel any more (View Channel). Fix it, then `/summary resume`.",
    );

    const seen = channelRequests(bot, campaigns).length;
    await bot.rally.scheduler.tick();
    clock.now = utc("2026-12-02T18:01");
    await bot.rally.scheduler.tick();
    expect(channelRequests(bot, campaigns)).toHaveLength(seen);
    expect(refusals()).toHaveLength(1);

    clock.now = utc("2026-12-02T18:05");
    const resumed = await bot.run(bot.organizerId, `/summary resume schedule:${daily.id}`);
    expect(resumed.content).toBe(
      `Schedule #${daily.id} is back on. Next post: <t:${unix(utc("2026-12-03T18:00"))}:f>.`,
    );
    expect(await listText(bot)).toContain(`next <t:${unix(utc("2026-12-03T18:00"))}:R>`);
    clock.now = utc("2026-12-03T18:01");
    await bot.rally.scheduler.tick();
    const posted = withoutLiveCards(bot.discord.messages(campaigns));
    expect(posted).toHaveLength(1);
    expect(posted[0]?.nonce).toBe(postNonce(daily.id, "2026-12-03", 0));
    expect(posted[0]?.content).toBe("");
  });

  it("pauses on Missing Permissions (Attach Files taken away) and names what is missing", async () => {
    const clock: Clock = { now: new Date() };
    const { bot, campaigns } = await setUp(clock);
    const { schedule: daily } = await schedule(bot, `channel:<#${campaigns}> time:18:00`);
    bot.discord.setChannelOverwrites(campaigns, [
      { id: bot.discord.botUserId, type: "member", deny: permissionBits.attachFiles },
    ]);
    // Once the gateway has told the bot, it sees the gap itself and does not even try.
    await bot.discord.waitFor(() => {
      const channel = bot.rally.client.channels.cache.get(campaigns);
      const permissions =
        channel && "permissionsFor" in channel
          ? channel.permissionsFor(bot.discord.botUserId)
          : null;
      return permissions && !permissions.has(permissionBits.attachFiles) ? true : undefined;
    }, 5000);
    clock.now = utc("2026-12-01T18:01");
    await bot.rally.scheduler.tick();
    await bot.rally.scheduler.tick();
    expect(withoutLiveCards(bot.discord.messages(campaigns))).toHaveLength(0);
    expect(channelPosts(bot, campaigns)).toEqual([]);
    expect(
      await bot.rally.db.summarySchedule.findUniqueOrThrow({ where: { id: daily.id } }),
    ).toMatchObject({ status: "paused", statusReason: "missingPermissions" });
    expect(await listText(bot)).toContain(
      "⏸️ paused: I'm missing Send Messages, Embed Links or Attach Files in the channel. Fix it, then `/summary resume`.",
    );
  });

  it("rides out a Discord outage at the slot: the job retries with the same nonce and posts once", async () => {
    const clock: Clock = { now: new Date() };
    const { bot, campaigns } = await setUp(clock);
    const { schedule: daily } = await schedule(bot, `channel:<#${campaigns}> time:18:00`);
    // As many 500s as discord.js tries (1 + 3 retries): the whole attempt fails.
    bot.discord.injectFault({
      method: "POST",
      path: `/channels/${campaigns}/messages`,
      status: 500,
      times: 4,
    });
    clock.now = utc("2026-12-01T18:00:30");
    await bot.rally.scheduler.tick();
    expect(withoutLiveCards(bot.discord.messages(campaigns))).toHaveLength(0);
    const failed = channelPosts(bot, campaigns);
    expect(failed.map((request) => request.status)).toEqual([500, 500, 500, 500]);
    for (const request of failed) {
      expect(request.body).toMatchObject({
        nonce: postNonce(daily.id, "2026-12-01", 0),
        enforce_nonce: true,
      });
    }
    const job = await bot.rally.db.dueJob.findFirstOrThrow({
      where: { subjectId: `${daily.id}@2026-12-01` },
    });
    expect(job.status).toBe("pending");
    expect(job.dueAt.getTime()).toBeGreaterThan(clock.now.getTime());

    // Discord is back by the time Rally retries (30 s later).
    expect(withoutLiveCards(bot.discord.messages(campaigns))).toHaveLength(0);
    clock.now = new Date(job.dueAt.getTime() + 1000);
    await bot.rally.scheduler.tick();
    await bot.rally.scheduler.tick();
    const posted = withoutLiveCards(bot.discord.messages(campaigns));
    expect(posted).toHaveLength(1);
    expect(posted[0]?.nonce).toBe(postNonce(daily.id, "2026-12-01", 0));
    expect(posted[0]?.embeds).toHaveLength(1);
    expect(await bot.rally.db.summaryPost.findMany({ select: { status: true } })).toEqual([
      { status: "sent" },
    ]);
    expect(
      (await bot.rally.db.summarySchedule.findUniqueOrThrow({ where: { id: daily.id } })).nextRunAt,
    ).toEqual(utc("2026-12-02T18:00"));
  });

  it("does not post an empty, embed-less summary when Embed Links is taken away: it pauses and says so", async () => {
    const clock: Clock = { now: new Date() };
    const { bot, campaigns } = await setUp(clock);
    const { schedule: daily } = await schedule(bot, `channel:<#${campaigns}> time:18:00`);
    bot.discord.setChannelOverwrites(campaigns, [
      { id: bot.discord.botUserId, type: "member", deny: permissionBits.embedLinks },
    ]);
    // The bot learns of the change over the gateway, as it would on Discord.
    await bot.discord.waitFor(() => {
      const channel = bot.rally.client.channels.cache.get(campaigns);
      const bits =
        channel && "permissionsFor" in channel
          ? channel.permissionsFor(bot.discord.botUserId)
          : null;
      return bits && !bits.has(permissionBits.embedLinks) ? true : undefined;
    });
    clock.now = utc("2026-12-01T18:01");
    await bot.rally.scheduler.tick();
    // Discord drops the embeds of a bot without Embed Links silently; members would see a bare
    // chart with no numbers. The schedule should pause with the reason that names Embed Links.
    const posted = withoutLiveCards(bot.discord.messages(campaigns)).map((message) => ({
      content: message.content,
      embeds: message.embeds.length,
      attachments: message.attachments.map((attachment) => attachment.filename),
    }));
    expect(posted.filter((message) => message.embeds === 0)).toEqual([]);
    expect(
      await bot.rally.db.summarySchedule.findUniqueOrThrow({ where: { id: daily.id } }),
    ).toMatchObject({ status: "paused", statusReason: "missingPermissions" });
  });

  it("stops for good when the channel is deleted, and refuses to resume", async () => {
    const clock: Clock = { now: new Date() };
    const { bot, campaigns } = await setUp(clock);
    const { schedule: daily } = await schedule(bot, `channel:<#${campaigns}> time:18:00`);
    bot.discord.deleteChannel(campaigns);
    clock.now = utc("2026-12-01T18:01");
    await bot.rally.scheduler.tick();
    expect(
      await bot.rally.db.summarySchedule.findUniqueOrThrow({ where: { id: daily.id } }),
    ).toMatchObject({ status: "stopped", statusReason: "channelDeleted" });
    expect(await listText(bot)).toContain("⏹️ stopped: the channel was deleted");
    const seen = bot.discord.requests.length;
    clock.now = utc("2026-12-02T18:01");
    await bot.rally.scheduler.tick();
    expect(bot.discord.requests.length).toBe(seen);

    const refused = await bot.run(bot.organizerId, `/summary resume schedule:${daily.id}`);
    expect(refused.flags & ephemeral).toBe(ephemeral);
    expect(refused.content).toBe(
      `Schedule #${daily.id} can't be resumed: the channel was deleted.`,
    );
    expect(
      await bot.rally.db.summarySchedule.findUniqueOrThrow({ where: { id: daily.id } }),
    ).toMatchObject({ status: "stopped" });
  });

  it("stops a one-campaign schedule once its campaign is closed", async () => {
    const clock: Clock = { now: new Date() };
    const { bot, campaign, campaigns } = await setUp(clock);
    await bot.run(bot.organizerId, `/campaign create title:"Letter to the minister" goal:100`);
    const { schedule: one } = await schedule(
      bot,
      `channel:<#${campaigns}> time:18:00 campaign:${campaign.id}`,
    );
    expect(one.campaignId).toBe(campaign.id);
    await bot.run(bot.organizerId, `/campaign close campaign:${campaign.id} outcome:won`);
    clock.now = utc("2026-12-01T18:01");
    await bot.rally.scheduler.tick();
    expect(channelPosts(bot, campaigns)).toHaveLength(0);
    expect(
      await bot.rally.db.summarySchedule.findUniqueOrThrow({ where: { id: one.id } }),
    ).toMatchObject({ status: "stopped", statusReason: "campaignClosed" });
    expect(await listText(bot)).toContain("⏹️ stopped: its campaign is closed");
    const refused = await bot.run(bot.organizerId, `/summary resume schedule:${one.id}`);
    expect(refused.content).toBe(`Schedule #${one.id} can't be resumed: its campaign is closed.`);
  });

  it("stops a server's schedules when the bot is removed from it", async () => {
    const clock: Clock = { now: new Date() };
    const { bot, campaigns, general } = await setUp(clock);
    await schedule(bot, `channel:<#${campaigns}> time:18:00`);
    await schedule(bot, `channel:<#${general}> time:09:00 days:weekdays`);
    bot.discord.removeBotFromGuild(bot.guildId);
    const deadline = Date.now() + 2000;
    while (
      (await bot.rally.db.summarySchedule.count({ where: { status: "stopped" } })) < 2 &&
      Date.now() < deadline
    ) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(
      await bot.rally.db.summarySchedule.findMany({
        select: { status: true, statusReason: true },
      }),
    ).toEqual([
      { status: "stopped", statusReason: "botRemoved" },
      { status: "stopped", statusReason: "botRemoved" },
    ]);
    const seen = bot.discord.requests.length;
    clock.now = utc("2026-12-02T18:01");
    await bot.rally.scheduler.tick();
    expect(bot.discord.requests.length).toBe(seen);
    expect(await bot.rally.db.summaryPost.count()).toBe(0);
  });

  it("stops the schedules of a server that removed the bot while Rally was offline", async () => {
    const clock: Clock = { now: new Date() };
    const { bot, campaigns } = await setUp(clock);
    const { schedule: daily } = await schedule(bot, `channel:<#${campaigns}> time:18:00`);
    // The campaign's live card was posted and pinned there at create: only later requests count.
    const earlier = channelRequests(bot, campaigns).length;
    await bot.rally.stop();
    bot.discord.removeBotFromGuild(bot.guildId);
    clock.now = utc("2026-12-01T18:01");
    await bot.restart();
    await bot.rally.scheduler.tick();
    expect(
      await bot.rally.db.summarySchedule.findUniqueOrThrow({ where: { id: daily.id } }),
    ).toMatchObject({ status: "stopped", statusReason: "botRemoved" });
    expect(channelRequests(bot, campaigns).slice(earlier)).toEqual([]);
    // Nothing will post; what waits is the erasure of the server's data after the grace period.
    const pending = await bot.rally.db.dueJob.findMany({ where: { status: "pending" } });
    expect(pending.map((job) => job.kind)).toEqual(["guild.erase"]);
  });

  it("refuses bad times, unknown zones, channels it cannot post in, other servers' campaigns and volunteers", async () => {
    const clock: Clock = { now: new Date() };
    const { bot, campaigns, general } = await setUp(clock);
    const ask = async (line: string, userId = bot.organizerId) => {
      const reply = await bot.run(userId, `/summary schedule ${line}`);
      expect(reply.flags & ephemeral).toBe(ephemeral);
      return reply.content;
    };
    expect(await ask(`channel:<#${campaigns}> time:25:00`)).toBe(
      "“25:00” is not a time like 18:30 (24-hour HH:MM).",
    );
    expect(await ask(`channel:<#${campaigns}> time:7pm`)).toBe(
      "“7pm” is not a time like 18:30 (24-hour HH:MM).",
    );
    expect(await ask(`channel:<#${campaigns}> time:18:00 timezone:Mars/Olympus`)).toBe(
      "“Mars/Olympus” is not a time zone I know. Pick one from the list, e.g. Europe/Vilnius.",
    );
    bot.discord.setChannelOverwrites(general, [
      { id: bot.discord.botUserId, type: "member", deny: permissionBits.attachFiles },
    ]);
    expect(await ask(`channel:<#${general}> time:18:00`)).toBe(
      `I can't post in <#${general}>: I'm missing Attach Files. Nothing was saved.`,
    );
    const { campaign: foreign } = await campaignOnAnotherServer(bot, "Someone else's campaign");
    expect(await ask(`channel:<#${campaigns}> time:18:00 campaign:${foreign.id}`)).toBe(
      "That campaign does not exist on this server. Pick one from the list that appears as you type.",
    );
    expect(await ask(`channel:<#${campaigns}> time:18:00`, bot.volunteerIds[0])).toBe(
      organizerOnly,
    );
    expect(await bot.rally.db.summarySchedule.count()).toBe(0);
    expect(await bot.rally.db.dueJob.count({ where: { kind: "summary.post" } })).toBe(0);
  });

  it("keeps at most 10 schedules per server", async () => {
    const clock: Clock = { now: new Date() };
    const { bot, campaigns } = await setUp(clock);
    for (let hour = 8; hour < 18; hour += 1) {
      const reply = await bot.run(
        bot.organizerId,
        `/summary schedule channel:<#${campaigns}> time:${hour}:00`,
      );
      expect(reply.content).toMatch(/^Summaries will post in/);
    }
    const eleventh = await bot.run(
      bot.organizerId,
      `/summary schedule channel:<#${campaigns}> time:19:00`,
    );
    expect(eleventh.content).toBe(
      "This server already has 10 summary schedules, the most Rally keeps. Turn one off first.",
    );
    expect(await bot.rally.db.summarySchedule.count()).toBe(10);
    // A turned-off one frees its place.
    const off = await bot.run(bot.organizerId, "/summary off schedule:1");
    expect(off.content).toBe("Schedule #1 is off.");
    const again = await bot.run(
      bot.organizerId,
      `/summary schedule channel:<#${campaigns}> time:19:00`,
    );
    expect(again.content).toMatch(/^Summaries will post in/);
    expect(await listText(bot)).toContain("**#1** ");
  });

  it("previews privately for a volunteer and posts right away with /summary now", async () => {
    const clock: Clock = { now: new Date() };
    const { bot, campaigns } = await setUp(clock);
    const before = allVisibleMessages(bot).length;
    const postsBefore = bot.discord.requests.filter(
      (request) => request.method === "POST" && /^\/channels\/\d+\/messages$/.test(request.path),
    ).length;
    const preview = await bot.run(bot.volunteerIds[0], "/summary preview");
    expect(preview.flags & ephemeral).toBe(ephemeral);
    expect(preview.embeds[0]?.title).toBe("Free political prisoners");
    expect(preview.embeds[0]?.description).toContain("**332** / 500 signatures · 66%");
    expect(allVisibleMessages(bot)).toHaveLength(before);
    expect(
      bot.discord.requests.filter(
        (request) => request.method === "POST" && /^\/channels\/\d+\/messages$/.test(request.path),
      ),
    ).toHaveLength(postsBefore);

    const volunteerNow = await bot.run(bot.volunteerIds[0], `/summary now channel:<#${campaigns}>`);
    expect(volunteerNow.content).toBe(organizerOnly);
    expect(withoutLiveCards(bot.discord.messages(campaigns))).toHaveLength(0);

    const now = await bot.run(bot.organizerId, `/summary now channel:<#${campaigns}>`);
    expect(now.flags & ephemeral).toBe(ephemeral);
    expect(now.content).toBe(`Summary posted in <#${campaigns}>.`);
    const posted = withoutLiveCards(bot.discord.messages(campaigns));
    expect(posted).toHaveLength(1);
    expect(posted[0]?.embeds[0]?.description).toContain("**332** / 500 signatures · 66%");
    expect(posted[0]?.attachments[0]?.filename).toMatch(/^progress-\d+\.png$/);
    expect(bot.discord.rejected()).toEqual([]);
  });

  it("moves the 02:30 New York slot to 03:30 EDT (07:30Z) on the spring-forward day", async () => {
    const clock: Clock = { now: utc("2026-03-06T12:00") };
    const bot = await startTestBot({ now: () => clock.now });
    const campaigns = channelNamed(bot, "campaigns");
    await bot.run(bot.organizerId, `/campaign create title:"Free political prisoners" goal:500`);
    const { reply, schedule: nightly } = await schedule(
      bot,
      `channel:<#${campaigns}> time:02:30 timezone:America/New_York`,
    );
    // 2026-03-07 02:30 EST is 07:30Z.
    expect(reply.content).toContain(`The first one: <t:${unix(utc("2026-03-07T07:30"))}:f>.`);

    clock.now = utc("2026-03-07T07:31");
    await bot.rally.scheduler.tick();
    expect(withoutLiveCards(bot.discord.messages(campaigns))).toHaveLength(1);
    const stored = await bot.rally.db.summarySchedule.findUniqueOrThrow({
      where: { id: nightly.id },
    });
    // 02:30 does not exist on 2026-03-08 in New York: it moves forward by the gap to 03:30 EDT.
    expect(stored.nextRunAt).toEqual(utc("2026-03-08T07:30"));
    const job = await bot.rally.db.dueJob.findFirstOrThrow({
      where: { kind: "summary.post", status: "pending" },
    });
    expect(job).toMatchObject({
      subjectId: `${nightly.id}@2026-03-08`,
      dueAt: utc("2026-03-08T07:30"),
    });

    clock.now = utc("2026-03-08T07:29");
    await bot.rally.scheduler.tick();
    expect(withoutLiveCards(bot.discord.messages(campaigns))).toHaveLength(1);
    clock.now = utc("2026-03-08T07:31");
    await bot.rally.scheduler.tick();
    expect(withoutLiveCards(bot.discord.messages(campaigns))).toHaveLength(2);
    // Then back to 02:30, now EDT: 06:30Z.
    expect(
      (await bot.rally.db.summarySchedule.findUniqueOrThrow({ where: { id: nightly.id } }))
        .nextRunAt,
    ).toEqual(utc("2026-03-09T06:30"));
    expect(bot.discord.rejected()).toEqual([]);
  });
});

/**
 * What a process killed right after its POST leaves behind: the outbox row still pending,
 * written `ageMs` before now, the slot's job claimed by the dead process with its lease run
 * out, and the message in the channel with the slot's nonce (posted here over REST, as the
 * dead process did).
 */
async function leaveCrashedPost(
  bot: TestBot,
  clock: Clock,
  scheduleId: number,
  slot: string,
  channelId: string,
  options: { ageMs: number },
) {
  const nonce = postNonce(scheduleId, slot, 0);
  const outbox = await bot.rally.db.summaryPost.create({
    data: {
      scheduleId,
      slot,
      part: 0,
      nonce,
      late: false,
      createdAt: new Date(clock.now.getTime() - options.ageMs),
    },
  });
  await bot.rally.db.dueJob.update({
    where: { kind_subjectId: { kind: "summary.post", subjectId: `${scheduleId}@${slot}` } },
    data: {
      leaseOwner: "killed-process",
      leaseUntil: new Date(clock.now.getTime() - 1000),
      attempts: 1,
    },
  });
  const response = await fetch(`${bot.discord.apiUrl}/v10/channels/${channelId}/messages`, {
    method: "POST",
    headers: {
      Authorization: "Bot test-token-for-the-local-discord",
      "Content-Type": "application/json",
    },
    body: JSON.stringify({ content: "x", nonce, enforce_nonce: true }),
  });
  expect(response.status).toBe(200);
  const posted = (await response.json()) as { id: string };
  expect(withoutLiveCards(bot.discord.messages(channelId)).map((message) => message.id)).toEqual([
    posted.id,
  ]);
  return { posted, outbox };
}

/**
 * A second Rally process on the same database file and local Discord, configured like
 * test/support/bot.ts does, with the same clock. The caller stops it.
 */
async function startSecondRally(bot: TestBot, clock: Clock) {
  const discard = new Writable({ write: (_chunk, _encoding, done) => done() });
  return startRally({
    config: {
      DATABASE_URL: bot.databaseUrl,
      DISCORD_API_URL: bot.discord.apiUrl,
      DEV_GUILD_ID: bot.guildId,
      LOG_LEVEL: "info",
    },
    token: "test-token-for-the-local-discord",
    log: createLogger("info", discard),
    schedulerCron: "0 0 1 1 *",
    housekeepingDelayMs: 0,
    now: () => clock.now,
  });
}

/** Polls an async condition (a database row) until it holds. */
async function eventually<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
  const deadline = Date.now() + 3000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
