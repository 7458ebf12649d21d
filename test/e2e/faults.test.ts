import { describe, expect, it } from "vitest";
import { postNonce } from "../../src/domain/summarySchedules.ts";
import type {
  InteractionHandle,
  RecordedRequest,
  StoredMessage,
} from "../../src/local-discord/localDiscord.ts";
import { translator } from "../../src/i18n/index.ts";
import {
  campaignOnAnotherServer,
  channelNamed,
  startTestBot,
  type TestBot,
} from "../support/bot.ts";
import { isLiveCampaignCard, withoutLiveCards } from "../support/liveCard.ts";

const t = translator("en");
const ephemeral = 64;
/**
 * In the hang tests discord.js gives up on a REST attempt after this (its default is 15 s) and
 * retries it; long enough that a loaded machine never trips it by accident.
 */
const restTimeoutMs = 2000;
/** A hung request is handled by the local Discord only after the retry was. */
const hangMs = restTimeoutMs * 2 + 500;
/** Discord's temporary ban comes at 10,000 invalid requests in ten minutes; Rally stays far off. */
const invalidRequestBudget = 5;

type Clock = { now: Date };

function utc(iso: string): Date {
  return new Date(`${iso}Z`);
}

function channelPosts(bot: TestBot, channelId: string): RecordedRequest[] {
  return bot.discord.requests.filter(
    (request) =>
      request.method === "POST" &&
      request.path === `/channels/${channelId}/messages` &&
      !isLiveCampaignCard(request.body),
  );
}

function callbacksOf(bot: TestBot, handle: InteractionHandle): RecordedRequest[] {
  return bot.discord.requests.filter(
    (request) =>
      request.path.startsWith(`/interactions/${handle.id}/`) && request.path.endsWith("/callback"),
  );
}

/** A bot whose clock stands at 2026-12-01 12:00 UTC, with one campaign posting to #campaigns. */
async function botWithCampaign(clock: Clock, options: { restTimeoutMs?: number } = {}) {
  clock.now = utc("2026-12-01T12:00");
  const bot = await startTestBot({ now: () => clock.now, ...options });
  const campaigns = channelNamed(bot, "campaigns");
  await bot.run(
    bot.organizerId,
    `/campaign create title:"Free political prisoners" goal:500 channel:<#${campaigns}>`,
  );
  const campaign = await bot.rally.db.campaign.findFirstOrThrow();
  await bot.run(bot.organizerId, `/campaign count campaign:${campaign.id} set:120`);
  return { bot, campaign, campaigns };
}

/** A daily 18:00 summary to #campaigns; returns its id. */
async function dailySummary(bot: TestBot, campaigns: string): Promise<number> {
  await bot.run(bot.organizerId, `/summary schedule channel:<#${campaigns}> time:18:00`);
  const schedule = await bot.rally.db.summarySchedule.findFirstOrThrow();
  return schedule.id;
}

async function listText(bot: TestBot): Promise<string> {
  const reply = await bot.run(bot.organizerId, "/summary list");
  return reply.embeds[0]?.description ?? reply.content;
}

/** What the organizer reads when a task was saved but its card not posted, for that reason. */
function notPosted(campaigns: string, reason: string): string {
  return t("task.addedNotPosted", {
    channel: `<#${campaigns}>`,
    reason,
    button: t("task.postCardButton"),
  });
}

function buttonLabels(message: StoredMessage): (string | undefined)[] {
  return message.components.flatMap((row) =>
    row.components.map((button) => ("label" in button ? button.label : undefined)),
  );
}

/**
 * Presses a button on a (private) reply: what the presser reads then, the reply as the bot
 * updated it or the bot's own ephemeral answer.
 */
async function pressOn(
  bot: TestBot,
  reply: StoredMessage,
  label: string,
  userId = bot.organizerId,
) {
  const handle = bot.discord.clickButton({ messageId: reply.id, userId, label });
  const response = await handle.response(hangMs * 2);
  await bot.rally.settled();
  if (response.type === 7) {
    const updated = bot.discord.message(reply.id);
    if (!updated) throw new Error("the reply is gone");
    return updated;
  }
  return handle.final();
}

/**
 * A crafted client pressing a button Rally never put on the reply: the reply's buttons are
 * swapped for the forged one for that press, then put back.
 */
async function pressForged(bot: TestBot, reply: StoredMessage, customId: string) {
  const message = bot.discord.message(reply.id);
  if (!message) throw new Error(`no message ${reply.id}`);
  const original = message.components;
  message.components = [
    { type: 1, components: [{ type: 2, style: 1, label: "Forged", custom_id: customId }] },
  ];
  try {
    const handle = bot.discord.clickButton({
      messageId: reply.id,
      userId: bot.organizerId,
      customId,
    });
    await handle.response();
    await bot.rally.settled();
    return await handle.final();
  } finally {
    message.components = original;
  }
}

/** Like bot.run, waiting as long as a hung request and its retry take. */
function ask(bot: TestBot, userId: string, line: string): Promise<StoredMessage> {
  const where = { guildId: bot.guildId, channelId: bot.channelId, userId };
  return bot.discord.slash({ ...where, ...bot.discord.parseCommandLine(line) }).final(hangMs * 2);
}

/** `/task add` as the organizer: what the organizer is told. */
async function addTask(bot: TestBot, campaignId: number) {
  const reply = await ask(
    bot,
    bot.organizerId,
    `/task add campaign:${campaignId} title:"Table at the student union" slots:4`,
  );
  expect(reply.flags & ephemeral).toBe(ephemeral);
  return reply;
}

describe("Discord refusing, failing or hanging on a post", () => {
  it("429 of route, global and shared scope on a task card: one card, the organizer told it is posted", async () => {
    const clock: Clock = { now: new Date() };
    const { bot, campaign, campaigns } = await botWithCampaign(clock);
    const path = `/channels/${campaigns}/messages`;
    for (const scope of ["user", "global", "shared"] as const) {
      bot.discord.injectFault({ method: "POST", path, status: 429, scope, retryAfter: 0.05 });
    }
    const reply = await addTask(bot, campaign.id);
    expect(reply.content).toBe(t("task.added", { channel: `<#${campaigns}>` }));
    expect(withoutLiveCards(bot.discord.messages(campaigns))).toHaveLength(1);
    expect(channelPosts(bot, campaigns).map((request) => request.status)).toEqual([
      429, 429, 429, 200,
    ]);
    // The shared one is Discord's own limit on the resource and not held against the bot.
    expect(bot.discord.invalidRequestCount()).toBe(2);
    expect(bot.discord.rejected()).toEqual([]);
  });

  it("429 on a summary slot and on a card edit: each lands once", async () => {
    const clock: Clock = { now: new Date() };
    const { bot, campaign, campaigns } = await botWithCampaign(clock);
    const scheduleId = await dailySummary(bot, campaigns);
    await addTask(bot, campaign.id);
    const task = await bot.rally.db.outreachTask.findFirstOrThrow();
    const cardPath = `/channels/${campaigns}/messages/${task.cardMessageId}`;

    bot.discord.injectFault({ method: "PATCH", path: cardPath, status: 429, times: 2 });
    const claimed = await bot.run(bot.volunteerIds[0], `/task claim task:${task.id}`);
    expect(claimed.content).toMatch(/^You claimed \*\*Table at the student union\*\*/);
    const edits = bot.discord.requests.filter((request) => request.path === cardPath);
    expect(edits.map((request) => request.status)).toEqual([429, 429, 200]);
    expect(bot.discord.message(task.cardMessageId ?? "")?.embeds[0]?.description).toContain(
      "1 of 4 volunteers",
    );

    bot.discord.injectFault({
      method: "POST",
      path: `/channels/${campaigns}/messages`,
      status: 429,
      scope: "global",
      times: 3,
    });
    clock.now = utc("2026-12-01T18:00:30");
    await bot.rally.scheduler.tick();
    await bot.rally.scheduler.tick();
    const summaries = bot.discord
      .messages(campaigns)
      .filter((message) => message.nonce === postNonce(scheduleId, "2026-12-01", 0));
    expect(summaries).toHaveLength(1);
    expect(withoutLiveCards(bot.discord.messages(campaigns))).toHaveLength(2);
    expect(bot.discord.invalidRequestCount()).toBe(5);
    expect(bot.discord.rejected()).toEqual([]);
  });

  it("500 three times on a task card: one card; four times: no card, the organizer told the truth and offered a retry that posts it", async () => {
    const clock: Clock = { now: new Date() };
    const { bot, campaign, campaigns } = await botWithCampaign(clock);
    const path = `/channels/${campaigns}/messages`;
    bot.discord.injectFault({ method: "POST", path, status: 500, times: 3 });
    const posted = await addTask(bot, campaign.id);
    expect(posted.content).toBe(t("task.added", { channel: `<#${campaigns}>` }));
    expect(withoutLiveCards(bot.discord.messages(campaigns))).toHaveLength(1);

    bot.discord.injectFault({ method: "POST", path, status: 500, times: 4 });
    const reply = await addTask(bot, campaign.id);
    expect(reply.content).toBe(
      notPosted(campaigns, t("errors.discordServerError", { status: 500 })),
    );
    expect(buttonLabels(reply)).toEqual([t("task.postCardButton")]);
    expect(channelPosts(bot, campaigns).map((request) => request.status)).toEqual([
      500, 500, 500, 200, 500, 500, 500, 500,
    ]);
    expect(withoutLiveCards(bot.discord.messages(campaigns))).toHaveLength(1);
    const task = await bot.rally.db.outreachTask.findFirstOrThrow({ orderBy: { id: "desc" } });
    expect(task).toMatchObject({ title: "Table at the student union", cardMessageId: null });
    expect(await bot.rally.db.outreachTask.count()).toBe(2);

    // Still failing: the private reply says so and keeps the button.
    bot.discord.injectFault({ method: "POST", path, status: 502, times: 4 });
    const still = await pressOn(bot, reply, t("task.postCardButton"));
    expect(still.content).toBe(
      t("task.cardStillNotPosted", {
        channel: `<#${campaigns}>`,
        reason: t("errors.discordServerError", { status: 502 }),
        button: t("task.postCardButton"),
      }),
    );
    expect(buttonLabels(still)).toEqual([t("task.postCardButton")]);
    expect(withoutLiveCards(bot.discord.messages(campaigns))).toHaveLength(1);

    // Discord is back: the press posts the card, records it, and the button goes.
    const retried = await pressOn(bot, reply, t("task.postCardButton"));
    expect(retried.content).toBe(t("task.cardPosted", { channel: `<#${campaigns}>` }));
    expect(buttonLabels(retried)).toEqual([]);
    const cards = withoutLiveCards(bot.discord.messages(campaigns));
    expect(cards).toHaveLength(2);
    const stored = await bot.rally.db.outreachTask.findUniqueOrThrow({ where: { id: task.id } });
    expect(stored.cardMessageId).toBe(cards[1]?.id);
    expect(cards[1]?.embeds[0]?.footer?.text).toContain(`#${task.id}`);
    expect(bot.discord.invalidRequestCount()).toBe(0);
    expect(bot.discord.rejected()).toEqual([]);
  });

  it("the retry button refuses a task that has its card, another server's task and a volunteer", async () => {
    const clock: Clock = { now: new Date() };
    const { bot, campaign, campaigns } = await botWithCampaign(clock);
    const path = `/channels/${campaigns}/messages`;
    bot.discord.injectFault({ method: "POST", path, status: 500, times: 4 });
    const reply = await addTask(bot, campaign.id);
    const task = await bot.rally.db.outreachTask.findFirstOrThrow();
    const { campaign: elsewhere } = await campaignOnAnotherServer(bot, "Another campaign");
    const foreign = await bot.rally.db.outreachTask.create({
      data: {
        guildId: elsewhere.guildId,
        campaignId: elsewhere.id,
        number: 1,
        title: "Someone else's task",
        kind: "other",
        slots: 1,
      },
    });

    const volunteer = await pressOn(bot, reply, t("task.postCardButton"), bot.volunteerIds[0]);
    expect(volunteer.content).toBe(t("errors.organizerOnly"));
    const forged = await pressForged(bot, reply, `task:postCard:${foreign.id}`);
    expect(forged.content).toBe(t("task.notFound"));
    expect(withoutLiveCards(bot.discord.messages(campaigns))).toHaveLength(0);

    await pressOn(bot, reply, t("task.postCardButton"));
    expect(withoutLiveCards(bot.discord.messages(campaigns))).toHaveLength(1);
    const again = await pressForged(bot, reply, `task:postCard:${task.id}`);
    expect(again.content).toBe(
      t("task.cardAlreadyPosted", {
        title: "Table at the student union",
        channel: `<#${campaigns}>`,
      }),
    );
    expect(again.flags & ephemeral).toBe(ephemeral);
    expect(withoutLiveCards(bot.discord.messages(campaigns))).toHaveLength(1);
    expect(
      await bot.rally.db.outreachTask.findUniqueOrThrow({ where: { id: foreign.id } }),
    ).toMatchObject({ cardMessageId: null });
  });

  it("500 four times on /summary now and on a milestone: the organizer is told Discord failed, not a permission", async () => {
    const clock: Clock = { now: new Date() };
    const { bot, campaign, campaigns } = await botWithCampaign(clock);
    const path = `/channels/${campaigns}/messages`;
    const reason = t("errors.discordServerError", { status: 500 });
    bot.discord.injectFault({ method: "POST", path, status: 500, times: 4 });
    const summary = await ask(bot, bot.organizerId, `/summary now channel:<#${campaigns}>`);
    expect(summary.content).toBe(t("summary.notPosted", { channel: `<#${campaigns}>`, reason }));
    expect(summary.flags & ephemeral).toBe(ephemeral);

    bot.discord.injectFault({ method: "POST", path, status: 500, times: 4 });
    const counted = await ask(
      bot,
      bot.organizerId,
      `/campaign count campaign:${campaign.id} set:500`,
    );
    expect(counted.content).toContain(
      t("campaign.milestoneNotPosted", { channel: `<#${campaigns}>`, reason }),
    );
    expect(counted.content).not.toContain(t("errors.botMissingPermissions"));
    expect(
      await bot.rally.db.campaign.findUniqueOrThrow({ where: { id: campaign.id } }),
    ).toMatchObject({ count: 500 });
    expect(withoutLiveCards(bot.discord.messages(campaigns))).toHaveLength(0);
  });

  it("a summary POST that hangs past the REST timeout is retried with its nonce: one summary", async () => {
    const clock: Clock = { now: new Date() };
    const { bot, campaigns } = await botWithCampaign(clock, { restTimeoutMs });
    const scheduleId = await dailySummary(bot, campaigns);
    // The first attempt is handled only after discord.js gave up on it and sent the retry.
    bot.discord.injectFault({
      method: "POST",
      path: `/channels/${campaigns}/messages`,
      delayMs: hangMs,
    });
    clock.now = utc("2026-12-01T18:00:30");
    await bot.rally.scheduler.tick();
    const posts = await bot.discord.waitFor(
      () => (channelPosts(bot, campaigns).length === 2 ? channelPosts(bot, campaigns) : undefined),
      10_000,
      "the late first attempt to be handled",
    );
    const nonce = postNonce(scheduleId, "2026-12-01", 0);
    expect(posts.map((request) => request.body)).toMatchObject([
      { nonce, enforce_nonce: true },
      { nonce, enforce_nonce: true },
    ]);
    expect(posts.map((request) => request.status)).toEqual([200, 200]);
    expect(withoutLiveCards(bot.discord.messages(campaigns))).toHaveLength(1);
    expect(await bot.rally.db.summaryPost.findMany({ select: { status: true } })).toEqual([
      { status: "sent" },
    ]);
    await bot.rally.scheduler.tick();
    expect(withoutLiveCards(bot.discord.messages(campaigns))).toHaveLength(1);
    expect(bot.discord.invalidRequestCount()).toBe(0);
  });

  it("a task card POST that hangs past the REST timeout: one card, and the organizer told it is posted", async () => {
    const clock: Clock = { now: new Date() };
    const { bot, campaign, campaigns } = await botWithCampaign(clock, { restTimeoutMs });
    bot.discord.injectFault({
      method: "POST",
      path: `/channels/${campaigns}/messages`,
      delayMs: hangMs,
    });
    const reply = await addTask(bot, campaign.id);
    expect(reply.content).toBe(t("task.added", { channel: `<#${campaigns}>` }));
    await bot.discord.waitFor(
      () => (channelPosts(bot, campaigns).length === 2 ? true : undefined),
      10_000,
      "the late first attempt to be handled",
    );
    expect(withoutLiveCards(bot.discord.messages(campaigns))).toHaveLength(1);
    const task = await bot.rally.db.outreachTask.findFirstOrThrow();
    expect(task.cardMessageId).toBe(withoutLiveCards(bot.discord.messages(campaigns))[0]?.id);
  });

  it("a task card POST that gets no answer four times: the organizer is told so, and the retry lands on the card that came late", async () => {
    const clock: Clock = { now: new Date() };
    const { bot, campaign, campaigns } = await botWithCampaign(clock, { restTimeoutMs });
    const path = `/channels/${campaigns}/messages`;
    bot.discord.injectFault({ method: "POST", path, delayMs: hangMs, times: 4 });
    const where = { guildId: bot.guildId, channelId: bot.channelId, userId: bot.organizerId };
    const line = `/task add campaign:${campaign.id} title:"Table at the student union" slots:4`;
    // Four tries of restTimeoutMs each before discord.js gives up.
    const reply = await bot.discord
      .slash({ ...where, ...bot.discord.parseCommandLine(line) })
      .final(hangMs * 4);
    expect(reply.content).toBe(notPosted(campaigns, t("errors.discordNoAnswer")));
    // Each try was handled after all, with the same nonce: one card, not recorded yet.
    await bot.discord.waitFor(
      () => (channelPosts(bot, campaigns).length === 4 ? true : undefined),
      10_000,
      "the late tries to be handled",
    );
    expect(withoutLiveCards(bot.discord.messages(campaigns))).toHaveLength(1);
    const task = await bot.rally.db.outreachTask.findFirstOrThrow();
    expect(task.cardMessageId).toBeNull();

    const retried = await pressOn(bot, reply, t("task.postCardButton"));
    expect(retried.content).toBe(t("task.cardPosted", { channel: `<#${campaigns}>` }));
    const [card] = withoutLiveCards(bot.discord.messages(campaigns));
    expect(withoutLiveCards(bot.discord.messages(campaigns))).toHaveLength(1);
    expect(
      (await bot.rally.db.outreachTask.findUniqueOrThrow({ where: { id: task.id } })).cardMessageId,
    ).toBe(card?.id);
  }, 40_000);

  it("a reply whose callback hangs past the REST timeout: the member sees one answer", async () => {
    const clock: Clock = { now: new Date() };
    const { bot } = await botWithCampaign(clock, { restTimeoutMs });
    bot.discord.injectFault({ method: "POST", path: /\/callback$/, delayMs: hangMs });
    const handle = bot.discord.slash({
      guildId: bot.guildId,
      channelId: bot.channelId,
      userId: bot.volunteerIds[0],
      ...bot.discord.parseCommandLine("/rally about"),
    });
    const reply = await handle.final(hangMs * 2);
    expect(reply.embeds[0]?.title).toBe(t("rally.aboutTitle"));
    const callbacks = await bot.discord.waitFor(
      () => (callbacksOf(bot, handle).length === 2 ? callbacksOf(bot, handle) : undefined),
      10_000,
      "the late first callback to be handled",
    );
    // The retry answered first; Discord refuses the late original as already acknowledged.
    expect(callbacks.map((request) => [request.status, request.error?.code])).toEqual([
      [204, undefined],
      [400, 40060],
    ]);
    expect(handle.original()).toEqual(reply);
    expect(handle.followups).toEqual([]);
  });

  it.each([
    { code: 50013 as const, reason: "missingPermissions" as const },
    { code: 50001 as const, reason: "missingAccess" as const },
  ])(
    "403 $code on a summary post: paused once, never retried, and /summary list says why",
    async ({ code, reason }) => {
      const clock: Clock = { now: new Date() };
      const { bot, campaigns } = await botWithCampaign(clock);
      const scheduleId = await dailySummary(bot, campaigns);
      // Discord refuses although the bot's cache says it may post: a permission removed a moment ago.
      bot.discord.injectFault({
        method: "POST",
        path: `/channels/${campaigns}/messages`,
        status: 403,
        code,
        times: 100,
      });
      for (const at of ["2026-12-01T18:00:30", "2026-12-01T18:05", "2026-12-02T18:01"]) {
        clock.now = utc(at);
        await bot.rally.scheduler.tick();
        await bot.rally.scheduler.tick();
      }
      expect(withoutLiveCards(bot.discord.messages(campaigns))).toHaveLength(0);
      expect(channelPosts(bot, campaigns).map((request) => request.status)).toEqual([403]);
      expect(
        await bot.rally.db.summarySchedule.findUniqueOrThrow({ where: { id: scheduleId } }),
      ).toMatchObject({ status: "paused", statusReason: reason });
      expect(await listText(bot)).toContain(
        t("summary.statePaused", { reason: t(`summary.reason.${reason}`) }),
      );
      expect(bot.discord.invalidRequestCount()).toBe(1);
      expect(bot.discord.invalidRequestCount()).toBeLessThanOrEqual(invalidRequestBudget);
    },
  );

  it.each([
    { code: 50013 as const, reason: "errors.botMissingPermissions" as const },
    { code: 50001 as const, reason: "errors.botMissingAccess" as const },
  ])(
    "403 $code on a task card: no card, the organizer is told which access is missing, one refusal",
    async ({ code, reason }) => {
      const clock: Clock = { now: new Date() };
      const { bot, campaign, campaigns } = await botWithCampaign(clock);
      bot.discord.injectFault({
        method: "POST",
        path: `/channels/${campaigns}/messages`,
        status: 403,
        code,
      });
      const reply = await addTask(bot, campaign.id);
      expect(reply.content).toBe(notPosted(campaigns, t(reason)));
      expect(buttonLabels(reply)).toEqual([t("task.postCardButton")]);
      expect(channelPosts(bot, campaigns).map((request) => request.status)).toEqual([403]);
      expect(withoutLiveCards(bot.discord.messages(campaigns))).toHaveLength(0);
      expect(bot.discord.invalidRequestCount()).toBe(1);
    },
  );
});

type GatewayEvent = {
  name: string;
  cause: (bot: TestBot) => void;
  /** How discord.js comes back: RESUME keeps the session and replays what it missed. */
  rejoins: "resume" | "identify";
};

const gatewayEvents: GatewayEvent[] = [
  // discord.js treats a server-side 1000 as "reconnect": a new session, not a resume.
  { name: "close 1000", cause: (bot) => bot.discord.dropGateway(1000), rejoins: "identify" },
  { name: "close 4000", cause: (bot) => bot.discord.dropGateway(4000), rejoins: "resume" },
  // discord.js tries to resume after 4009; Discord answers op 9 and it identifies.
  { name: "close 4009", cause: (bot) => bot.discord.dropGateway(4009), rejoins: "identify" },
  { name: "op 7 reconnect", cause: (bot) => bot.discord.reconnectGateway(), rejoins: "resume" },
  {
    name: "op 9 resumable",
    cause: (bot) => bot.discord.invalidateSession(true),
    rejoins: "resume",
  },
  {
    name: "op 9 not resumable",
    cause: (bot) => bot.discord.invalidateSession(false),
    rejoins: "identify",
  },
];

/** `/rally about` as a volunteer, or undefined when Discord has no session to send it to. */
function about(bot: TestBot): InteractionHandle | undefined {
  try {
    return bot.discord.slash({
      guildId: bot.guildId,
      channelId: bot.channelId,
      userId: bot.volunteerIds[1],
      ...bot.discord.parseCommandLine("/rally about"),
    });
  } catch (error) {
    if (error instanceof Error && /not connected/.test(error.message)) return undefined;
    throw error;
  }
}

describe("the gateway closing, asking to reconnect, or invalidating the session", () => {
  it.each(gatewayEvents)(
    "$name: the bot comes back ($rejoins), answers each interaction at most once, one scheduler",
    async ({ cause, rejoins }) => {
      const clock: Clock = { now: new Date() };
      const { bot, campaigns } = await botWithCampaign(clock);
      await dailySummary(bot, campaigns);
      const scheduler = bot.rally.scheduler;
      const commandPuts = () =>
        bot.discord.requests.filter((request) => request.method === "PUT").length;
      const putsBefore = commandPuts();
      const joinsBefore = bot.discord.gatewayConnections().length;

      const justBefore = about(bot);
      cause(bot);
      const during = about(bot);
      const joined = await bot.discord.waitFor(
        () => bot.discord.gatewayConnections().slice(joinsBefore).at(-1),
        10_000,
        "the bot to come back",
      );
      expect(joined.kind).toBe(rejoins);
      const after = about(bot);
      if (!after) throw new Error("not connected after the bot came back");
      const reply = await after.final(5000);
      expect(reply.embeds[0]?.title).toBe(t("rally.aboutTitle"));
      await justBefore?.final(5000);
      // A resumed session replays what was sent while the bot was away, and it is answered.
      if (rejoins === "resume" && during) await during.final(5000);

      const handles = [justBefore, during, after].filter((handle) => handle !== undefined);
      for (const handle of handles) expect(callbacksOf(bot, handle).length).toBeLessThanOrEqual(1);
      expect(callbacksOf(bot, after)).toHaveLength(1);
      expect(bot.discord.rejected()).toEqual([]);
      expect(bot.discord.invalidRequestCount()).toBe(0);
      expect(bot.discord.gatewayConnections().slice(joinsBefore)).toHaveLength(1);

      // One scheduler: the same one, no second start, no second command registration.
      expect(bot.rally.scheduler).toBe(scheduler);
      expect(bot.logs.filter((line) => line["msg"] === "ready")).toHaveLength(1);
      const secondStart = (line: Record<string, unknown>) =>
        String(line["msg"]).startsWith("scheduler already running");
      expect(bot.logs.filter(secondStart)).toEqual([]);
      expect(commandPuts()).toBe(putsBefore);
      clock.now = utc("2026-12-01T18:00:30");
      await Promise.all([bot.rally.scheduler.tick(), bot.rally.scheduler.tick()]);
      expect(withoutLiveCards(bot.discord.messages(campaigns))).toHaveLength(1);
    },
  );
});
