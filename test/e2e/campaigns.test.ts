import { describe, expect, it } from "vitest";
import { permissionBits } from "../../src/domain/permissions.ts";
import {
  campaignOnAnotherServer,
  channelNamed,
  startTestBot,
  type TestBot,
} from "../support/bot.ts";

const ephemeral = 64;

/** The body of every message the bot posted to a channel through the bot API (not replies, not the live card). */
function channelPosts(bot: TestBot, channelId: string) {
  return bot.discord.requests.filter(
    (request) =>
      request.method === "POST" &&
      request.path === `/channels/${channelId}/messages` &&
      !(request.body as { embeds?: unknown[] }).embeds?.length,
  );
}

/** The campaign's live card, posted in its channel at create. */
async function liveCardOf(bot: TestBot, campaignId: number) {
  const { cardMessageId } = await bot.rally.db.campaign.findUniqueOrThrow({
    where: { id: campaignId },
  });
  const card = bot.discord.message(cardMessageId ?? "");
  if (!card) throw new Error(`no live card for campaign ${campaignId}`);
  return card;
}

async function createFreedomCampaign(bot: TestBot, extra = "") {
  const campaigns = channelNamed(bot, "campaigns");
  const reply = await bot.run(
    bot.organizerId,
    `/campaign create title:"Free political prisoners" goal:500 call_to_action:"Text SIGN PMSUBG to 50409" link:https://example.org/petition channel:<#${campaigns}> ${extra}`,
  );
  const campaign = await bot.rally.db.campaign.findFirstOrThrow({
    where: { guildId: bot.guildId },
  });
  return { reply, campaign, campaigns };
}

describe("/campaign over the wire", () => {
  it("lets an organizer create a campaign and shows its card publicly, within Discord's limits", async () => {
    const bot = await startTestBot();
    const { reply, campaign, campaigns } = await createFreedomCampaign(bot, "ends:2026-12-31");
    expect(reply.flags & ephemeral).toBe(0);
    const live = await liveCardOf(bot, campaign.id);
    expect(reply.content).toBe(
      `Campaign created. Its posts go to <#${campaigns}>.\nLive card: https://discord.com/channels/${bot.guildId}/${campaigns}/${live.id} (pinned)`,
    );
    expect(reply.embeds).toEqual([]);
    const card = live.embeds[0];
    expect(card?.title).toBe("Free political prisoners");
    expect(card?.url).toBe("https://example.org/petition");
    expect(card?.description).toContain("**0** so far! Help us get to **500** signers!");
    expect(card?.description).toContain("**Text SIGN PMSUBG to 50409**");
    expect(card?.fields?.map((field) => field.name)).toEqual([
      "Next milestone",
      "Outreach tasks",
      "Ends",
    ]);
    expect(card?.fields?.[2]?.value).toBe(
      `<t:${Date.UTC(2026, 11, 31, 23, 59) / 1000}:f> (<t:${Date.UTC(2026, 11, 31, 23, 59) / 1000}:R>)`,
    );
    expect(card?.fields?.[1]?.value).toBe("0 tasks open · 0 tasks done");
    expect(campaign).toMatchObject({
      title: "Free political prisoners",
      goal: 500,
      channelId: campaigns,
      unit: "signatures",
    });
    expect(bot.discord.rejected()).toEqual([]);
  });

  it("keeps a card with every field at its longest within Discord's limits", async () => {
    const bot = await startTestBot();
    const title = "👨‍👩‍👧‍👦".repeat(14) + "x".repeat(2);
    const description = "Свобода политическим заключённым! **".repeat(55).slice(0, 2000);
    const callToAction = "Text SIGN PMSUBG to 50409 _now_ ".repeat(7).slice(0, 200);
    // The last day of the year four years on: as far ahead as an end date may be, on any day.
    const longestEnd = `${new Date().getUTCFullYear() + 4}-12-31`;
    const reply = await bot.run(
      bot.organizerId,
      `/campaign create title:"${title}" goal:1000000000 unit:"${"u".repeat(32)}" description:"${description}" call_to_action:"${callToAction}" link:https://example.org/${"p".repeat(400)} ends:${longestEnd}`,
    );
    expect(reply.content).toMatch(/^Campaign created/);
    const campaign = await bot.rally.db.campaign.findFirstOrThrow();
    expect((await liveCardOf(bot, campaign.id)).embeds[0]?.description).toContain(" 0%");
    expect(bot.discord.rejected()).toEqual([]);
  });

  it("refuses a volunteer, and lets a member with the organizer role in", async () => {
    const bot = await startTestBot();
    const [volunteer] = bot.volunteerIds;
    const refused = await bot.run(volunteer, '/campaign create title:"Mine" goal:10');
    expect(refused.flags & ephemeral).toBe(ephemeral);
    expect(refused.content).toBe(
      "Only organizers can do this: members with Manage Server or the server's organizer role.",
    );
    expect(await bot.rally.db.campaign.count()).toBe(0);

    const role = bot.discord.createRole(bot.guildId, { name: "Campaign team", permissions: 0n });
    bot.discord.setMemberRoles(bot.guildId, volunteer, [role.id]);
    // Only Manage Server may name the organizer role: a role-only organizer cannot promote others.
    const set = await bot.run(bot.organizerId, `/settings organizer_role role:<@&${role.id}>`);
    expect(set.content).toBe(`Organizers are now members with Manage Server or <@&${role.id}>.`);
    const created = await bot.run(volunteer, '/campaign create title:"Mine" goal:10');
    expect(created.content).toMatch(/^Campaign created/);
    const promote = await bot.run(volunteer, `/settings organizer_role role:<@&${role.id}>`);
    expect(promote.content).toBe("Only members with the Manage Server permission can do this.");
  });

  it("sets and adds counts, keeps the history, and posts one milestone when the ladder raises the goal", async () => {
    const bot = await startTestBot();
    const { campaign, campaigns } = await createFreedomCampaign(bot);
    const set = await bot.run(
      bot.organizerId,
      `/campaign count campaign:${campaign.id} set:332 note:"petition page"`,
    );
    expect(set.content).toBe("Count set to **332** (+332).");
    expect(set.embeds[0]?.description).toContain("**332** / 500 signatures · 66%");
    expect(channelPosts(bot, campaigns)).toHaveLength(0);

    // 332 + 1,000 crosses 500 and 1,000 at once: one message, the goal rises past both.
    const added = await bot.run(
      bot.organizerId,
      `/campaign count campaign:${campaign.id} add:1000`,
    );
    expect(added.content).toBe(
      `Added +1,000: the count is now **1,332** (+1,000).\nA milestone message went to <#${campaigns}>.`,
    );
    const posts = channelPosts(bot, campaigns);
    expect(posts).toHaveLength(1);
    const milestone = bot.discord.messages(campaigns).at(-1);
    expect(milestone?.content).toBe(
      "🎉 **Free political prisoners** passed its goal of 500: **1,332 signatures** so far! New goal: **2,500**.\nText SIGN PMSUBG to 50409\n<https://example.org/petition>",
    );
    expect(posts[0]?.body).toMatchObject({ allowed_mentions: { parse: [], roles: [], users: [] } });

    const corrected = await bot.run(
      bot.organizerId,
      `/campaign count campaign:${campaign.id} set:1300`,
    );
    expect(corrected.content).toBe(
      "Count set to **1,300** (−32).\nThis lowers the count by 32: recorded as a correction.",
    );
    expect(channelPosts(bot, campaigns)).toHaveLength(1);
    const history = await bot.rally.db.countEntry.findMany({ orderBy: { id: "asc" } });
    expect(
      history.map(({ kind, value, delta, countAfter, note, actorId }) => ({
        kind,
        value,
        delta,
        countAfter,
        note,
        actorId,
      })),
    ).toEqual([
      {
        kind: "set",
        value: 332,
        delta: 332,
        countAfter: 332,
        note: "petition page",
        actorId: bot.organizerId,
      },
      {
        kind: "add",
        value: 1000,
        delta: 1000,
        countAfter: 1332,
        note: null,
        actorId: bot.organizerId,
      },
      {
        kind: "set",
        value: 1300,
        delta: -32,
        countAfter: 1300,
        note: null,
        actorId: bot.organizerId,
      },
    ]);
    const audit = await bot.rally.db.auditEntry.findMany({ orderBy: { id: "asc" } });
    expect(audit.map((entry) => entry.action)).toEqual([
      "campaign.create",
      "campaign.count",
      "campaign.count",
      "campaign.count",
    ]);
    expect(bot.discord.rejected()).toEqual([]);
  });

  it("pings the announce role, and only it, on a milestone", async () => {
    const bot = await startTestBot();
    const role = bot.discord.createRole(bot.guildId, { name: "Supporters", permissions: 0n });
    await bot.run(bot.organizerId, `/settings announce_role role:<@&${role.id}>`);
    const { campaign, campaigns } = await createFreedomCampaign(bot);
    await bot.run(bot.organizerId, `/campaign count campaign:${campaign.id} set:500`);
    const [post] = channelPosts(bot, campaigns);
    expect(post?.body).toMatchObject({
      content: expect.stringMatching(
        new RegExp(`^<@&${role.id}> 🎉 \\*\\*500 signatures\\*\\* reached`),
      ),
      allowed_mentions: { parse: [], roles: [role.id], users: [] },
    });
  });

  it("offers this server's campaigns only in autocomplete, and refuses another server's id", async () => {
    const bot = await startTestBot();
    const { campaign } = await createFreedomCampaign(bot);
    await bot.run(bot.organizerId, '/campaign create title:"Letter to the minister" goal:100');
    const { campaign: foreign } = await campaignOnAnotherServer(
      bot,
      "Free political prisoners (other server)",
    );
    const where = { guildId: bot.guildId, channelId: bot.channelId, userId: bot.volunteerIds[0] };
    const choices = await bot.discord.autocomplete({
      ...where,
      command: "campaign",
      subcommand: "show",
      options: { campaign: "" },
      focused: "campaign",
    });
    expect(choices.map((choice) => choice.value)).toEqual([
      String(campaign.id + 1),
      String(campaign.id),
    ]);
    const free = await bot.discord.autocomplete({
      ...where,
      command: "campaign",
      subcommand: "show",
      options: { campaign: "FREE" },
      focused: "campaign",
    });
    expect(free).toEqual([
      { name: "Free political prisoners · 0/500", value: String(campaign.id) },
    ]);

    const forged = await bot.run(bot.volunteerIds[0], `/campaign show campaign:${foreign.id}`);
    expect(forged.content).toBe(
      "That campaign does not exist on this server. Pick one from the list that appears as you type.",
    );
    const typed = await bot.run(bot.volunteerIds[0], '/campaign show campaign:"Free political"');
    expect(typed.content).toBe(
      "No campaign matches what you typed. Pick one from the list that appears as you type.",
    );
  });

  it("checks the channel before saving and names the missing permission", async () => {
    const bot = await startTestBot();
    const locked = bot.discord.createChannel(bot.guildId, {
      name: "announcements",
      permissionOverwrites: [
        {
          id: bot.discord.botUserId,
          type: 1,
          allow: "0",
          deny: String(permissionBits.sendMessages),
        },
      ],
    });
    const reply = await bot.run(
      bot.organizerId,
      `/campaign create title:"Letters" goal:20 channel:<#${locked.id}>`,
    );
    expect(reply.content).toBe(
      `I can't post in <#${locked.id}>: I'm missing Send Messages. Nothing was saved.`,
    );
    expect(await bot.rally.db.campaign.count()).toBe(0);
  });

  it("answers bad input with a clear private message and writes nothing", async () => {
    const bot = await startTestBot();
    const { campaign } = await createFreedomCampaign(bot);
    const cases: [string, string][] = [
      ['/campaign create title:"   " goal:5', "`title` can't be empty or only spaces."],
      ['/campaign create title:"\u200b\u200f" goal:5', "`title` can't be empty or only spaces."],
      [
        '/campaign create title:"Letters" goal:5 link:javascript:alert(1)',
        "`link` must be a web address starting with http:// or https://.",
      ],
      [
        '/campaign create title:"Letters" goal:5 link:"not a url"',
        "`link` must be a web address starting with http:// or https://.",
      ],
      [
        '/campaign create title:"Letters" goal:5 ends:31.12.2026',
        "`ends` must be a date like 2026-12-31 or 2026-12-31 18:00.",
      ],
      [
        '/campaign create title:"Letters" goal:5 ends:2020-01-01',
        "The end date is in the past. Give a date still to come.",
      ],
      [
        `/campaign count campaign:${campaign.id} set:5 add:5`,
        "Give exactly one of `set` or `add`.",
      ],
      [`/campaign count campaign:${campaign.id}`, "Give exactly one of `set` or `add`."],
      [
        `/campaign count campaign:${campaign.id} add:-1`,
        "The count is 0: adding -1 would make it negative. Use `set` to correct it.",
      ],
      [
        `/campaign edit campaign:${campaign.id}`,
        "Nothing to change: give at least one option to edit.",
      ],
      [
        '/campaign create title:"free political prisoners " goal:5',
        "An active campaign called “free political prisoners” already exists here. Pick another title, or close the old one first.",
      ],
    ];
    for (const [line, expected] of cases) {
      const reply = await bot.run(bot.organizerId, line);
      expect(reply.content, line).toBe(expected);
      expect(reply.flags & ephemeral, line).toBe(ephemeral);
    }
    expect(await bot.rally.db.campaign.count()).toBe(1);
    expect(await bot.rally.db.countEntry.count()).toBe(0);

    await bot.run(bot.organizerId, `/campaign close campaign:${campaign.id} outcome:won`);
    const edit = await bot.run(bot.organizerId, `/campaign edit campaign:${campaign.id} goal:900`);
    expect(edit.content).toBe(
      "“Free political prisoners” is closed. Reopen it with `/campaign reopen` to change it.",
    );
    const stored = await bot.rally.db.campaign.findUniqueOrThrow({ where: { id: campaign.id } });
    expect(stored).toMatchObject({ goal: 500, status: "won" });
  });

  it("shows hostile titles as typed without pinging anyone", async () => {
    const bot = await startTestBot();
    const title = "**@everyone** <@&123456789012345678> \u202Eevil\u202C _x_";
    await bot.run(bot.organizerId, `/campaign create title:"${title}" goal:5`);
    const created = await bot.rally.db.campaign.findFirstOrThrow();
    expect((await liveCardOf(bot, created.id)).embeds[0]?.title).toBe(
      "\\*\\*@everyone\\*\\* \\<@&123456789012345678> \u202Eevil\u202C \\_x\\_",
    );
    const stored = await bot.rally.db.campaign.findFirstOrThrow();
    expect(stored.title).toBe(title);
    const callback = bot.discord.requests.find((request) => request.path.includes("/callback"));
    expect(callback?.body).toMatchObject({
      data: { allowed_mentions: { parse: [], roles: [], users: [] } },
    });
  });

  it("lists, shows, closes and reopens", async () => {
    const bot = await startTestBot();
    const { campaign } = await createFreedomCampaign(bot);
    const closed = await bot.run(
      bot.organizerId,
      `/campaign close campaign:${campaign.id} outcome:ended`,
    );
    expect(closed.content).toBe("Campaign closed: Ended.");
    expect((await bot.run(bot.volunteerIds[0], "/campaign list")).content).toBe(
      "No campaigns here yet. Organizers start one with `/campaign create`.",
    );
    const all = await bot.run(bot.volunteerIds[0], "/campaign list status:all");
    expect(all.embeds[0]?.description).toBe(
      `**#${campaign.id} Free political prisoners** — 0 / 500 signatures (0%) · Ended`,
    );
    const reopened = await bot.run(bot.organizerId, `/campaign reopen campaign:${campaign.id}`);
    expect(reopened.content).toBe("Campaign reopened.");
    const shown = await bot.run(bot.volunteerIds[0], `/campaign show campaign:${campaign.id}`);
    expect(shown.embeds[0]?.footer?.text).toBe(`Campaign #${campaign.id} · Active`);
    expect(shown.flags & ephemeral).toBe(ephemeral);
  });
});

describe("the share kit over the wire", () => {
  it("hands out the flyer and the card privately, and the flyer from a campus task card", async () => {
    const bot = await startTestBot();
    const { campaign, campaigns } = await createFreedomCampaign(bot);
    const [volunteer] = bot.volunteerIds;

    const flyer = await bot.run(volunteer, `/campaign flyer campaign:${campaign.id} size:letter`);
    expect(flyer.flags & ephemeral).toBe(ephemeral);
    expect(flyer.content).toBe(
      "Here is the flyer for **Free political prisoners**. Print it, post it, and let people take a strip.",
    );
    const [pdf] = flyer.attachments;
    expect(pdf?.filename).toBe(`flyer-${campaign.id}.pdf`);
    expect(pdf?.data.subarray(0, 5).toString()).toBe("%PDF-");

    const card = await bot.run(volunteer, `/campaign card campaign:${campaign.id} language:ru`);
    const [png] = card.attachments;
    expect(png?.filename).toBe(`campaign-${campaign.id}.png`);
    expect(png?.data.subarray(1, 4).toString()).toBe("PNG");

    await bot.run(
      bot.organizerId,
      `/task add campaign:${campaign.id} title:"Flyers on campus" kind:campus`,
    );
    const taskCard = bot.discord.messages(campaigns).at(-1);
    const pressed = bot.discord.clickButton({
      messageId: taskCard?.id ?? "",
      userId: volunteer,
      label: "Get flyer",
    });
    const fromCard = await pressed.final();
    expect(fromCard.flags & ephemeral).toBe(ephemeral);
    expect(fromCard.attachments[0]?.data.subarray(0, 5).toString()).toBe("%PDF-");
    expect(bot.discord.rejected()).toEqual([]);
  });
});
