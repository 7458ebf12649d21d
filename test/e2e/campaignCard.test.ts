/** One live card per campaign: posted and pinned in the campaign's channel, edited in place, coalesced. */
import { PermissionFlagsBits } from "discord.js";
import { describe, expect, it } from "vitest";
import type { StoredMessage } from "../../src/local-discord/localDiscord.ts";
import { channelNamed, startTestBot, type TestBot } from "../support/bot.ts";

const t0 = new Date(Date.UTC(2026, 11, 1, 12, 0));

async function setUp(language: "en" | "ru" = "en") {
  const clock = { now: t0 };
  const bot = await startTestBot({ now: () => clock.now });
  if (language !== "en") await bot.run(bot.organizerId, `/settings language language:${language}`);
  const campaigns = channelNamed(bot, "campaigns");
  const later = async (ms: number) => {
    clock.now = new Date(clock.now.getTime() + ms);
    await bot.rally.scheduler.tick();
  };
  return { bot, clock, campaigns, later };
}

async function createCampaign(bot: TestBot, campaigns: string, extra = "") {
  const reply = await bot.run(
    bot.organizerId,
    `/campaign create title:"Free political prisoners" goal:500 call_to_action:"Text SIGN PMSUBG to 50409" link:https://example.org/petition channel:<#${campaigns}> ${extra}`,
  );
  const campaign = await bot.rally.db.campaign.findFirstOrThrow({
    where: { guildId: bot.guildId },
  });
  return { reply, campaign };
}

/** The live card as it stands in the campaign's channel. */
async function liveCard(bot: TestBot, campaignId: number): Promise<StoredMessage> {
  const { cardMessageId } = await bot.rally.db.campaign.findUniqueOrThrow({
    where: { id: campaignId },
  });
  const card = bot.discord.message(cardMessageId ?? "");
  if (!card) throw new Error(`campaign ${campaignId} has no card`);
  return card;
}

const edits = (bot: TestBot, messageId: string) =>
  bot.discord.requests.filter(
    (request) => request.method === "PATCH" && request.path.endsWith(`/messages/${messageId}`),
  ).length;

const seconds = (date: Date) => Math.floor(date.getTime() / 1000);

describe("the live campaign card", () => {
  it("is posted and pinned in the campaign's channel, not where the command was typed", async () => {
    const { bot, campaigns } = await setUp();
    const { reply, campaign } = await createCampaign(bot, campaigns);
    expect(reply.channel_id).toBe(bot.channelId);
    expect(reply.embeds).toEqual([]);
    expect(reply.content).toContain(`Its posts go to <#${campaigns}>.`);
    expect(reply.content).toContain("(pinned)");
    const card = await liveCard(bot, campaign.id);
    expect(card.channel_id).toBe(campaigns);
    expect(bot.discord.messages(campaigns).map((message) => message.id)).toEqual([card.id]);
    expect(bot.discord.pinnedMessageIds(campaigns)).toEqual([card.id]);
    const text = card.embeds[0]?.description ?? "";
    expect(text).toContain("**0** so far! Help us get to **500** signers!");
    expect(text).toContain("**Text SIGN PMSUBG to 50409**");
    expect(text).toContain("https://example.org/petition");
    expect(text).toContain(`Count last updated <t:${seconds(campaign.createdAt)}:R>`);

    const show = await bot.run(bot.organizerId, `/campaign show campaign:${campaign.id}`);
    expect(show.content).toBe(
      `Live card: https://discord.com/channels/${bot.guildId}/${campaigns}/${card.id} (pinned)`,
    );
    expect(bot.discord.rejected()).toEqual([]);
  });

  it("coalesces a burst of 30 changes into at most one edit per 10 s, showing the last state", async () => {
    const { bot, campaigns, later } = await setUp();
    const { campaign } = await createCampaign(bot, campaigns);
    const card = await liveCard(bot, campaign.id);
    await bot.run(
      bot.organizerId,
      `/task add campaign:${campaign.id} title:"Table at the student union" kind:campus location:"Union" slots:40`,
    );
    const task = await bot.rally.db.outreachTask.findFirstOrThrow();
    for (let i = 0; i < 28; i++) {
      await bot.run(bot.organizerId, `/campaign count campaign:${campaign.id} add:1`);
      await bot.rally.scheduler.tick(); // the same second: nothing is due yet
    }
    await bot.run(bot.volunteerIds[0], `/task claim task:${task.id}`);
    expect(edits(bot, card.id)).toBe(0);
    await later(10_000);
    expect(edits(bot, card.id)).toBe(1);
    const edited = await liveCard(bot, campaign.id);
    expect(edited.id).toBe(card.id);
    expect(edited.embeds[0]?.description).toContain(
      "**28** so far! Help us get to **500** signers!",
    );
    expect(edited.embeds[0]?.fields?.find((field) => field.name === "Outreach tasks")?.value).toBe(
      "1 task open · 0 tasks done",
    );

    // Changes right after an edit wait for the window to end; the last one is shown.
    await later(1_000);
    await bot.run(bot.organizerId, `/campaign count campaign:${campaign.id} set:331`);
    await bot.run(bot.organizerId, `/campaign count campaign:${campaign.id} set:332`);
    await later(1_000);
    expect(edits(bot, card.id)).toBe(1);
    await later(8_000);
    expect(edits(bot, card.id)).toBe(2);
    expect((await liveCard(bot, campaign.id)).embeds[0]?.description).toContain(
      "**332** so far! Help us get to **500** signers!",
    );
    await later(60_000);
    expect(edits(bot, card.id)).toBe(2);
    // The campaign card and the task's card: never a second campaign card.
    expect(bot.discord.messages(campaigns)).toHaveLength(2);
  });

  it("edits on goal, edit and close / reopen, in Russian with plural forms", async () => {
    const { bot, campaigns, later } = await setUp("ru");
    const { campaign } = await createCampaign(bot, campaigns);
    const card = await liveCard(bot, campaign.id);
    expect(card.embeds[0]?.description).toContain(
      "Уже **0**! Помогите нам дойти до **500** подписей!",
    );
    await bot.run(bot.organizerId, `/campaign edit campaign:${campaign.id} goal:1001`);
    await later(10_000);
    expect((await liveCard(bot, campaign.id)).embeds[0]?.description).toContain(
      `Уже **0**! Помогите нам дойти до **1\u00a0001** подписи!`,
    );
    await bot.run(bot.organizerId, `/campaign edit campaign:${campaign.id} unit:"писем"`);
    await later(10_000);
    expect((await liveCard(bot, campaign.id)).embeds[0]?.description).toContain(
      "Уже **0**! Помогите нам дойти до **1\u00a0001**: писем!",
    );
    await bot.run(bot.organizerId, `/campaign close campaign:${campaign.id} outcome:won`);
    await later(10_000);
    expect((await liveCard(bot, campaign.id)).embeds[0]?.footer?.text).toContain("Победа");
    expect(edits(bot, card.id)).toBe(3);
  });

  it("posts a deleted card again at the next change, and /campaign repost does it now", async () => {
    const { bot, campaigns, later } = await setUp();
    const { campaign } = await createCampaign(bot, campaigns);
    const first = await liveCard(bot, campaign.id);
    bot.discord.deleteMessage(first.id);
    await bot.run(bot.organizerId, `/campaign count campaign:${campaign.id} set:120`);
    await later(10_000);
    const second = await liveCard(bot, campaign.id);
    expect(second.id).not.toBe(first.id);
    expect(second.embeds[0]?.description).toContain("**120** so far!");
    expect(bot.discord.pinnedMessageIds(campaigns)).toEqual([second.id]);

    bot.discord.deleteMessage(second.id);
    const reposted = await bot.run(bot.organizerId, `/campaign repost campaign:${campaign.id}`);
    const third = await liveCard(bot, campaign.id);
    expect(reposted.content).toBe(
      `The live card is posted again in <#${campaigns}>.\nLive card: https://discord.com/channels/${bot.guildId}/${campaigns}/${third.id} (pinned)`,
    );
    expect(third.embeds[0]?.description).toContain("**120** so far!");
    const audit = await bot.rally.db.auditEntry.findMany({ where: { action: "campaign.repost" } });
    expect(audit).toHaveLength(1);
    expect(bot.discord.messages(campaigns).map((message) => message.id)).toEqual([third.id]);
  });

  it("stays unpinned without Pin Messages, and /campaign show says so", async () => {
    const { bot, campaigns } = await setUp();
    bot.discord.setChannelOverwrites(campaigns, [
      { id: bot.discord.botUserId, type: "member", deny: PermissionFlagsBits.PinMessages },
    ]);
    const { reply, campaign } = await createCampaign(bot, campaigns);
    const card = await liveCard(bot, campaign.id);
    expect(bot.discord.pinnedMessageIds(campaigns)).toEqual([]);
    const line = `Live card: https://discord.com/channels/${bot.guildId}/${campaigns}/${card.id}. It is not pinned: I'm missing Pin Messages in <#${campaigns}>.`;
    expect(reply.content).toContain(line);
    const show = await bot.run(bot.volunteerIds[0], `/campaign show campaign:${campaign.id}`);
    expect(show.content).toBe(line);
    // Asked before trying: a refused request would count against Rally's invalid-request budget.
    expect(bot.discord.rejected()).toEqual([]);
  });

  it("stays unpinned when the channel has 50 pins (30003), and /campaign show says so", async () => {
    const { bot, campaigns } = await setUp();
    bot.discord.fillPins(campaigns, 50);
    const { campaign } = await createCampaign(bot, campaigns);
    const card = await liveCard(bot, campaign.id);
    expect(bot.discord.pinnedMessageIds(campaigns)).not.toContain(card.id);
    const show = await bot.run(bot.organizerId, `/campaign show campaign:${campaign.id}`);
    expect(show.content).toBe(
      `Live card: https://discord.com/channels/${bot.guildId}/${campaigns}/${card.id}. It is not pinned: <#${campaigns}> already has Discord's maximum of 50 pinned messages.`,
    );
  });

  it("makes an edit pending at a restart after the restart", async () => {
    const { bot, campaigns, later } = await setUp();
    const { campaign } = await createCampaign(bot, campaigns);
    const card = await liveCard(bot, campaign.id);
    await bot.run(bot.organizerId, `/campaign count campaign:${campaign.id} set:77`);
    await bot.restart();
    await later(10_000);
    const after = await liveCard(bot, campaign.id);
    expect(after.id).toBe(card.id);
    expect(after.embeds[0]?.description).toContain("**77** so far!");
    expect(edits(bot, card.id)).toBe(1);
  });
});
