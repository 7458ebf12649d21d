/**
 * A live campaign as its channel sees it: the card says when the source was last read, sends no
 * edit that changes nothing, leaves one pinned card, and a source's polls survive close / reopen
 * and post a milestone once.
 */
import { afterEach, describe, expect, it } from "vitest";
import { milestoneNonce } from "../../src/domain/countSources.ts";
import type { StoredMessage } from "../../src/local-discord/localDiscord.ts";
import { startTestBot, type TestBot } from "../support/bot.ts";
import { startPetitionServer, type PetitionServer } from "../sources/petitionServer.ts";

const minute = 60_000;

const servers: PetitionServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

async function setUp(options: { restTimeoutMs?: number; goal?: number } = {}) {
  const clock = { now: new Date(Date.UTC(2026, 11, 7, 14, 0)) };
  const server = await startPetitionServer();
  servers.push(server);
  const bot = await startTestBot({
    now: () => clock.now,
    sourceAllowHosts: `127.0.0.1:${server.port}`,
    ...(options.restTimeoutMs === undefined ? {} : { restTimeoutMs: options.restTimeoutMs }),
  });
  const channel = (name: string) =>
    bot.world.channels.find((candidate) => candidate.name === name)?.id ?? "";
  const campaigns = channel("campaigns");
  await bot.run(
    bot.organizerId,
    `/campaign create title:"Save the wetlands" goal:${options.goal ?? 5000} channel:<#${campaigns}>`,
  );
  const campaign = await bot.rally.db.campaign.findFirstOrThrow();
  const later = async (ms: number) => {
    clock.now = new Date(clock.now.getTime() + ms);
    await bot.rally.scheduler.tick();
    await bot.rally.settled();
  };
  const setSource = (count: number) => {
    server.live.count = count;
    return bot.run(
      bot.organizerId,
      `/campaign source set campaign:${campaign.id} url:"${server.origin}/live.json" kind:json field:count`,
    );
  };
  return { bot, clock, server, campaign, campaigns, channel, later, setSource };
}

async function card(bot: TestBot, campaignId: number): Promise<StoredMessage> {
  const row = await bot.rally.db.campaign.findUniqueOrThrow({ where: { id: campaignId } });
  const message = bot.discord.message(row.cardMessageId ?? "");
  if (!message) throw new Error("no card");
  return message;
}

const edits = (bot: TestBot, messageId: string) =>
  bot.discord.requests.filter(
    (request) => request.method === "PATCH" && request.path.endsWith(`/messages/${messageId}`),
  ).length;

const seconds = (date: Date) => Math.floor(date.getTime() / 1000);

const countOf = async (bot: TestBot, id: number) =>
  (await bot.rally.db.campaign.findUniqueOrThrow({ where: { id } })).count;

describe("a live campaign's card and polls", () => {
  it("says when the source was last read, and an unchanged reading moves that line once per poll", async () => {
    const { bot, clock, campaign, later, setSource, server } = await setUp();
    const setAt = clock.now;
    await setSource(1204);
    await later(10_000);
    const first = await card(bot, campaign.id);
    const text = () => card(bot, campaign.id).then((message) => message.embeds[0]?.description);
    expect(await text()).toContain("**1,204** so far!");
    expect(await text()).toContain(`Count last read <t:${seconds(setAt)}:R>`);
    expect(await text()).not.toContain("Count last updated");
    const before = edits(bot, first.id);

    // Unchanged: nothing written, but the card's "last read" follows, in one edit.
    await later(15 * minute);
    const readAt = clock.now;
    await later(0);
    expect(await bot.rally.db.countEntry.count()).toBe(1);
    expect(await text()).toContain(`Count last read <t:${seconds(readAt)}:R>`);
    expect(edits(bot, first.id)).toBe(before + 1);
    // Nothing more until the next read.
    await later(5 * minute);
    expect(edits(bot, first.id)).toBe(before + 1);

    const show = await bot.run(bot.volunteerIds[0], `/campaign show campaign:${campaign.id}`);
    expect(show.content).toContain(
      `Count last read from 127.0.0.1:${server.port} <t:${seconds(readAt)}:R>`,
    );

    await bot.run(bot.organizerId, "/settings language language:uk");
    await later(10 * minute);
    await later(0);
    expect(await text()).toContain(`Лічильник востаннє прочитано <t:${seconds(clock.now)}:R>`);
    await bot.run(bot.organizerId, "/settings language language:ru");
    await later(15 * minute);
    await later(0);
    expect(await text()).toContain(`Счётчик последний раз прочитан <t:${seconds(clock.now)}:R>`);
  });

  it("sends no edit that changes nothing, and a deferred edit is a normal outcome, not a lost lease", async () => {
    const { bot, campaign, campaigns, later } = await setUp();
    await bot.run(
      bot.organizerId,
      `/task add campaign:${campaign.id} title:"Table at the union" kind:campus location:"Union" slots:5`,
    );
    await later(10_000);
    const shown = await card(bot, campaign.id);
    const settled = edits(bot, shown.id);
    // A claim changes nothing the card shows (open tasks stay open): the job runs, no PATCH.
    const task = await bot.rally.db.outreachTask.findFirstOrThrow();
    await bot.run(bot.volunteerIds[0], `/task claim task:${task.id}`);
    await later(10_000);
    expect(edits(bot, shown.id)).toBe(settled);

    // A change, then a repost in the same instant: the armed edit finds the window just opened
    // by the repost, defers itself, and then has nothing to change.
    await later(minute);
    await bot.run(bot.organizerId, `/campaign count campaign:${campaign.id} add:3`);
    await bot.run(bot.organizerId, `/campaign repost campaign:${campaign.id}`);
    const reposted = await card(bot, campaign.id);
    await later(0);
    const job = await bot.rally.db.dueJob.findFirstOrThrow({ where: { kind: "campaign.card" } });
    expect(job.status).toBe("pending");
    expect(job.attempts).toBe(0);
    await later(10_000);
    expect(edits(bot, reposted.id)).toBe(0);
    expect(
      (await bot.rally.db.dueJob.findFirstOrThrow({ where: { kind: "campaign.card" } })).status,
    ).toBe("done");
    const warnings = bot.logs.filter((line) => (line["level"] as number) >= 40);
    expect(warnings.map((line) => line["msg"])).not.toContain(
      "due job lease lost before its outcome was recorded",
    );
    expect(bot.discord.pinnedMessageIds(campaigns)).toEqual([reposted.id]);
  });

  it("leaves one pinned card: a repost or a new channel unpins the old card and points it to the new one", async () => {
    const { bot, campaign, campaigns, channel, later } = await setUp();
    const first = await card(bot, campaign.id);
    expect(bot.discord.pinnedMessageIds(campaigns)).toEqual([first.id]);
    await bot.run(bot.organizerId, `/campaign repost campaign:${campaign.id}`);
    const second = await card(bot, campaign.id);
    expect(second.id).not.toBe(first.id);
    expect(bot.discord.pinnedMessageIds(campaigns)).toEqual([second.id]);
    const old = bot.discord.message(first.id);
    expect(old?.embeds).toEqual([]);
    expect(old?.content).toBe(
      `This campaign's card moved: https://discord.com/channels/${bot.guildId}/${campaigns}/${second.id}`,
    );

    const general = channel("general");
    await bot.run(bot.organizerId, `/campaign edit campaign:${campaign.id} channel:<#${general}>`);
    await later(10_000);
    const third = await card(bot, campaign.id);
    expect(third.channel_id).toBe(general);
    expect(bot.discord.pinnedMessageIds(general)).toEqual([third.id]);
    expect(bot.discord.pinnedMessageIds(campaigns)).toEqual([]);
    expect(bot.discord.message(second.id)?.content).toContain(`/${general}/${third.id}`);
    expect(bot.discord.rejected()).toEqual([]);
  });

  it("stops polling a closed campaign and starts again when it is reopened", async () => {
    const { bot, server, campaign, later, setSource } = await setUp();
    await setSource(100);
    await bot.run(bot.organizerId, `/campaign close campaign:${campaign.id} outcome:ended`);
    server.live.count = 150;
    const reads = () => server.seen.filter((request) => request.path === "/live.json").length;
    const before = reads();
    await later(15 * minute);
    await later(15 * minute);
    expect(reads()).toBe(before);
    await bot.run(bot.organizerId, `/campaign reopen campaign:${campaign.id}`);
    await later(15 * minute);
    expect(reads()).toBe(before + 1);
    expect(await countOf(bot, campaign.id)).toBe(150);
  });

  it("posts a milestone a poll reached once: after a restart, and when the first try times out", async () => {
    const { bot, server, campaign, campaigns, later, setSource } = await setUp({
      goal: 500,
      restTimeoutMs: 400,
    });
    const milestones = () =>
      bot.discord.messages(campaigns).filter((message) => message.content.startsWith("🎉"));
    await setSource(400);
    // A crash right after the reading is written: the restart posts its milestone.
    server.live.count = 520;
    await later(15 * minute);
    expect(await countOf(bot, campaign.id)).toBe(520);
    await bot.restart();
    await later(0);
    expect(milestones()).toHaveLength(1);
    await later(minute);
    expect(milestones()).toHaveLength(1);

    // The next goal (1,000): Discord takes the post but answers too late, and then fails the
    // client's own retries; the job's retry carries the same nonce and lands on that message.
    const held = new RegExp(`^/channels/${campaigns}/messages$`);
    bot.discord.injectFault({ method: "POST", path: held, delayMs: 1000 });
    bot.discord.injectFault({ method: "POST", path: held, status: 503, times: 3 });
    server.live.count = 1010;
    await later(15 * minute);
    await later(0);
    await bot.discord.waitFor(() => (milestones().length === 2 ? true : undefined), 10_000);
    const job = await bot.rally.db.dueJob.findFirstOrThrow({
      where: { kind: "campaign.milestone", subjectId: { startsWith: `${campaign.id}:1000:` } },
    });
    expect(job.status).toBe("pending");
    await later(minute);
    const posts = bot.discord.requests.filter(
      (request) => request.method === "POST" && held.test(request.path),
    );
    const nonce = milestoneNonce(job.subjectId);
    expect(
      posts.filter((request) => (request.body as { nonce?: string }).nonce === nonce).length,
    ).toBeGreaterThan(1);
    expect(milestones()).toHaveLength(2);
    expect(milestones()[1]?.nonce).toBe(nonce);
    expect((await bot.rally.db.dueJob.findUniqueOrThrow({ where: { id: job.id } })).status).toBe(
      "done",
    );
  });

  it("holds a surprising change of the count the card shows, offline tallies included", async () => {
    const { bot, campaign, campaigns, later, setSource, server } = await setUp({ goal: 20000 });
    await setSource(1000);
    await bot.run(bot.organizerId, `/campaign count campaign:${campaign.id} add:9000`);
    expect(await countOf(bot, campaign.id)).toBe(10000);
    const asked = () =>
      bot.discord.messages(campaigns).filter((message) => message.content.startsWith("Rally read"));
    // The site lost 10 % of its own number, the card 1 %: written.
    server.live.count = 900;
    await later(15 * minute);
    expect(await countOf(bot, campaign.id)).toBe(9900);
    expect(asked()).toHaveLength(0);
    // The card would lose 9 %: held for organizers.
    server.live.count = 0;
    await later(15 * minute);
    expect(await countOf(bot, campaign.id)).toBe(9900);
    expect(asked()).toHaveLength(1);
    expect(asked()[0]?.content).toContain("**0**");
  });
});
