import { describe, expect, it } from "vitest";
import { createCampaign } from "../../src/domain/campaigns.ts";
import { addTask } from "../../src/domain/tasks.ts";
import type { InteractionHandle, StoredMessage } from "../../src/local-discord/localDiscord.ts";
import {
  campaignOnAnotherServer,
  channelNamed,
  startTestBot,
  type TestBot,
} from "../support/bot.ts";
import { campaignFields } from "../support/domain.ts";

const ephemeral = 64;
const day = 24 * 60 * 60 * 1000;
const organizerOnly =
  "Only organizers can do this: members with Manage Server or the server's organizer role.";
const notFound =
  "That task does not exist on this server. Pick one from the list that appears as you type.";
const proofNotKept =
  "Only the link to your proof is kept, for review; Rally never downloads or stores the file itself.";
const importHeader = "title,kind,location,slots,due,instructions";

/** The campaign's live card, which create posts in the campaign's channel. */
function isLiveCard(body: unknown): boolean {
  const embeds = (body as { embeds?: { footer?: { text?: string } }[] }).embeds;
  return embeds?.[0]?.footer?.text?.startsWith("Campaign #") ?? false;
}

/** The body of every message the bot posted to a channel through the bot API (not replies, not the live card). */
function channelPosts(bot: TestBot, channelId: string) {
  return bot.discord.requests.filter(
    (request) =>
      request.method === "POST" &&
      request.path === `/channels/${channelId}/messages` &&
      !isLiveCard(request.body),
  );
}

/** The public messages of a channel, without the campaign's live card. */
function postsIn(bot: TestBot, channelId: string) {
  return bot.discord.messages(channelId).filter((message) => !isLiveCard(message));
}

/** A bot with one campaign whose posts go to #campaigns. */
async function botWithCampaign() {
  const bot = await startTestBot();
  const campaigns = channelNamed(bot, "campaigns");
  await bot.run(
    bot.organizerId,
    `/campaign create title:"Free political prisoners" goal:500 call_to_action:"Text SIGN PMSUBG to 50409" channel:<#${campaigns}>`,
  );
  const campaign = await bot.rally.db.campaign.findFirstOrThrow({
    where: { guildId: bot.guildId },
  });
  return { bot, campaign, campaigns };
}

/** `/task add` as the organizer; returns the reply, the stored task and its public card. */
async function addTaskOverTheWire(
  bot: TestBot,
  campaignId: number,
  options = 'title:"Table at the student union" kind:campus location:"Student union" slots:4',
) {
  const reply = await bot.run(bot.organizerId, `/task add campaign:${campaignId} ${options}`);
  const task = await bot.rally.db.outreachTask.findFirstOrThrow({ orderBy: { id: "desc" } });
  const card = bot.discord.message(task.cardMessageId ?? "");
  if (!card) throw new Error(`no card for task #${task.id}: ${reply.content}`);
  return { reply, task, card };
}

function buttonsOf(message: StoredMessage) {
  return message.components.flatMap((row) =>
    row.components.map((button) => ({
      label: "label" in button ? button.label : undefined,
      disabled: "disabled" in button ? Boolean(button.disabled) : false,
    })),
  );
}

/** The card's embed description line: "🎓 Campus · 1 of 4 volunteers · 1 done". */
function cardLine(bot: TestBot, cardId: string): string | undefined {
  return bot.discord.message(cardId)?.embeds[0]?.description;
}

/**
 * What the presser reads after pressing a button or submitting a modal: the ephemeral
 * follow-up when the bot updated the message in place (type 7), otherwise the reply itself.
 * Returns once the bot has also done what it does after answering (a card's refresh).
 */
async function answerOf(bot: TestBot, handle: InteractionHandle) {
  const response = await handle.response();
  const message =
    response.type === 7
      ? await bot.discord.waitFor(() => handle.followups[0], 2000, "the follow-up")
      : await handle.final();
  await bot.rally.settled();
  return { type: response.type, content: message.content, flags: message.flags };
}

function press(bot: TestBot, messageId: string, userId: string, label: string) {
  return bot.discord.clickButton({ messageId, userId, label });
}

/**
 * A crafted (or stale) client pressing a button whose custom_id is not the one the card shows
 * now. The local Discord only lets members press buttons that are on a message, so the card's
 * buttons are swapped for the forged one for that press, then put back.
 */
async function pressForged(bot: TestBot, messageId: string, userId: string, customId: string) {
  const message = bot.discord.message(messageId);
  if (!message) throw new Error(`no message ${messageId}`);
  const original = message.components;
  message.components = [
    { type: 1, components: [{ type: 2, style: 1, label: "Claim", custom_id: customId }] },
  ];
  try {
    return await answerOf(bot, bot.discord.clickButton({ messageId, userId, customId }));
  } finally {
    message.components = original;
  }
}

function importCsv(bot: TestBot, campaignId: number, csv: string, userId = bot.organizerId) {
  return bot.discord
    .slash({
      guildId: bot.guildId,
      channelId: bot.channelId,
      userId,
      command: "task",
      subcommand: "import",
      // An attachment option is named like any other; its file comes from `attachments`.
      options: { campaign: String(campaignId), file: "tasks.csv" },
      attachments: {
        file: { filename: "tasks.csv", contentType: "text/csv", data: Buffer.from(csv, "utf8") },
      },
    })
    .final();
}

function newMember(bot: TestBot, username: string): string {
  const user = bot.discord.createUser({ username });
  bot.discord.addMember(bot.guildId, user.id);
  return user.id;
}

describe("/task over the wire", () => {
  it("posts one card in the campaign's channel and answers the organizer privately", async () => {
    const { bot, campaign, campaigns } = await botWithCampaign();
    const [volunteer] = bot.volunteerIds;

    const refused = await bot.run(
      volunteer,
      `/task add campaign:${campaign.id} title:"Mine" kind:campus`,
    );
    expect(refused.content).toBe(organizerOnly);
    expect(refused.flags & ephemeral).toBe(ephemeral);
    expect(await bot.rally.db.outreachTask.count()).toBe(0);
    expect(channelPosts(bot, campaigns)).toHaveLength(0);

    const { reply, task, card } = await addTaskOverTheWire(bot, campaign.id);
    expect(reply.content).toBe(`Task posted in <#${campaigns}>.`);
    expect(reply.flags & ephemeral).toBe(ephemeral);
    expect(reply.embeds).toEqual([]);
    expect(task).toMatchObject({
      title: "Table at the student union",
      kind: "campus",
      location: "Student union",
      slots: 4,
      claimedSlots: 0,
      status: "open",
      cardChannelId: campaigns,
      cardMessageId: card.id,
    });

    const posts = channelPosts(bot, campaigns);
    expect(posts).toHaveLength(1);
    expect(postsIn(bot, campaigns).map((message) => message.id)).toEqual([card.id]);
    expect(card.channel_id).toBe(campaigns);
    expect(card.flags & ephemeral).toBe(0);
    expect(card.content).not.toMatch(/<@/);
    expect(posts[0]?.body).toMatchObject({ allowed_mentions: { parse: [], roles: [], users: [] } });
    const embed = card.embeds[0];
    expect(embed?.title).toBe("Table at the student union");
    expect(embed?.description).toBe("🎓 Campus · 0 of 4 volunteers");
    expect(embed?.fields).toEqual([
      { name: "Where", value: "Student union", inline: true },
      { name: "Campaign", value: "Free political prisoners — Text SIGN PMSUBG to 50409" },
    ]);
    expect(embed?.footer?.text).toBe(`Task #${task.id} · Open`);
    expect(buttonsOf(card)).toEqual([
      { label: "Claim", disabled: false },
      { label: "Release", disabled: false },
      { label: "Done", disabled: false },
      { label: "Get flyer", disabled: false },
    ]);
    expect(bot.discord.rejected()).toEqual([]);
  });

  it("pings the announce role, and only it, on a new task's card", async () => {
    const { bot, campaign, campaigns } = await botWithCampaign();
    const role = bot.discord.createRole(bot.guildId, { name: "Supporters", permissions: 0n });
    await bot.run(bot.organizerId, `/settings announce_role role:<@&${role.id}>`);
    const { card } = await addTaskOverTheWire(bot, campaign.id);
    expect(card.content).toBe(`<@&${role.id}> A new task is up: **Table at the student union**`);
    const [post] = channelPosts(bot, campaigns);
    expect(post?.body).toMatchObject({
      allowed_mentions: { parse: [], roles: [role.id], users: [] },
    });
    expect(bot.discord.rejected()).toEqual([]);
  });

  it("updates the card in place on Claim and Release, never naming who claimed", async () => {
    const { bot, campaign, campaigns } = await botWithCampaign();
    const [volunteer1, volunteer2] = bot.volunteerIds;
    const expiry = await bot.run(bot.organizerId, "/settings claim_expiry days:7");
    expect(expiry.content).toBe("Claims not done within 7 days now go back to the pool.");
    const { task, card } = await addTaskOverTheWire(bot, campaign.id);

    const claimed = await answerOf(bot, press(bot, card.id, volunteer1, "Claim"));
    expect(claimed.type).toBe(7);
    const claim = await bot.rally.db.claim.findFirstOrThrow({ where: { volunteerId: volunteer1 } });
    expect(claim.expiresAt.getTime() - claim.claimedAt.getTime()).toBe(7 * day);
    expect(claimed.content).toBe(
      `You claimed **Table at the student union**. Thank you! It goes back to the pool <t:${Math.floor(claim.expiresAt.getTime() / 1000)}:R> unless it's marked done.`,
    );
    expect(claimed.flags & ephemeral).toBe(ephemeral);
    expect(cardLine(bot, card.id)).toBe("🎓 Campus · 1 of 4 volunteers");
    expect(postsIn(bot, campaigns).map((message) => message.id)).toEqual([card.id]);
    const shown = bot.discord.message(card.id);
    const cardText = JSON.stringify([shown?.content, shown?.embeds, shown?.components]);
    expect(cardText).not.toContain(volunteer1);
    expect(cardText).not.toContain("volunteer1");

    const again = await answerOf(bot, press(bot, card.id, volunteer1, "Claim"));
    expect(again).toMatchObject({ type: 4, content: "You already hold this task." });
    expect(again.flags & ephemeral).toBe(ephemeral);
    expect(cardLine(bot, card.id)).toBe("🎓 Campus · 1 of 4 volunteers");
    expect(await bot.rally.db.claim.count()).toBe(1);

    const notHeld = await answerOf(bot, press(bot, card.id, volunteer2, "Release"));
    expect(notHeld).toMatchObject({
      type: 4,
      content: "You don't hold this task. Claim it first.",
    });

    const released = await answerOf(bot, press(bot, card.id, volunteer1, "Release"));
    expect(released.type).toBe(7);
    expect(released.content).toBe(
      "You released **Table at the student union**: the slot is open for someone else.",
    );
    expect(cardLine(bot, card.id)).toBe("🎓 Campus · 0 of 4 volunteers");

    // By slash command the card is edited through the bot API, in place.
    const edits = () =>
      bot.discord.requests.filter(
        (request) =>
          request.method === "PATCH" &&
          request.path === `/channels/${campaigns}/messages/${card.id}`,
      );
    expect(edits()).toHaveLength(0);
    const slash = await bot.run(volunteer2, `/task claim task:${task.id}`);
    expect(slash.flags & ephemeral).toBe(ephemeral);
    expect(slash.content).toMatch(/^You claimed \*\*Table at the student union\*\*\. Thank you!/);
    expect(edits()).toHaveLength(1);
    expect(cardLine(bot, card.id)).toBe("🎓 Campus · 1 of 4 volunteers");
    expect(JSON.stringify(bot.discord.message(card.id)?.embeds)).not.toContain(volunteer2);
    expect(
      await bot.rally.db.outreachTask.findUniqueOrThrow({ where: { id: task.id } }),
    ).toMatchObject({ claimedSlots: 1 });
    expect(postsIn(bot, campaigns)).toHaveLength(1);
    expect(bot.discord.rejected()).toEqual([]);
  });

  /** A 1-slot task (the default) whose only slot `holder` took by pressing Claim. */
  async function fullOneSlotTask() {
    const { bot, campaign } = await botWithCampaign();
    const { task, card } = await addTaskOverTheWire(bot, campaign.id, 'title:"Call the mayor"');
    await answerOf(bot, press(bot, card.id, bot.volunteerIds[0], "Claim"));
    expect(cardLine(bot, card.id)).toBe("✳️ Other · 1 of 1 volunteer");
    return { bot, task, holder: bot.volunteerIds[0], latecomer: bot.volunteerIds[1] };
  }

  it("tells a latecomer a 1-slot task is taken in plain English", async () => {
    const { bot, task, latecomer } = await fullOneSlotTask();
    const taken = await bot.run(latecomer, `/task claim task:${task.id}`);
    expect(taken.content).toMatch(/“Call the mayor”.* taken\. Look for another open task/);
    // Tasks have 1 slot unless the organizer says otherwise, so this is the usual refusal.
    expect(taken.content).not.toContain("All 1 slots");
    expect(bot.discord.rejected()).toEqual([]);
  });

  it("tells the member who holds a full task's last slot that they hold it", async () => {
    const { bot, task, holder } = await fullOneSlotTask();
    const again = await bot.run(holder, `/task claim task:${task.id}`);
    expect(again.content).toBe("You already hold this task.");
    expect(await bot.rally.db.claim.count()).toBe(1);
    expect(bot.discord.rejected()).toEqual([]);
  });

  it("opens a modal on Done, checks the proof link and counts a submission once", async () => {
    const { bot, campaign } = await botWithCampaign();
    const [volunteer] = bot.volunteerIds;
    const { task, card } = await addTaskOverTheWire(bot, campaign.id);
    await answerOf(bot, press(bot, card.id, volunteer, "Claim"));

    const opened = press(bot, card.id, volunteer, "Done");
    expect((await opened.response()).type).toBe(9);
    expect(opened.modal?.title).toBe("Mark the task done");
    const fields = opened.modal?.components.flatMap((row) =>
      "components" in row ? row.components.map((input) => input.custom_id) : [],
    );
    expect(fields).toEqual(["proof_link", "note"]);

    const hostile = await answerOf(
      bot,
      bot.discord.submitModal({
        handle: opened,
        userId: volunteer,
        values: { proof_link: "javascript:alert(1)", note: "" },
      }),
    );
    expect(hostile).toMatchObject({
      type: 4,
      content: "`proof_link` must be a web address starting with http:// or https://.",
    });
    expect(hostile.flags & ephemeral).toBe(ephemeral);
    expect(cardLine(bot, card.id)).toBe("🎓 Campus · 1 of 4 volunteers");
    expect(await bot.rally.db.claim.findFirstOrThrow()).toMatchObject({
      status: "active",
      proofLink: null,
    });

    const retry = press(bot, card.id, volunteer, "Done");
    await retry.response();
    const submit = () =>
      bot.discord.submitModal({
        handle: retry,
        userId: volunteer,
        values: { proof_link: "https://example.org/photo.jpg", note: "Handed out 50 flyers" },
      });
    const done = await answerOf(bot, submit());
    expect(done.type).toBe(7);
    expect(done.content).toBe(
      `Marked done: **Table at the student union**. Thank you!\n${proofNotKept}`,
    );
    expect(cardLine(bot, card.id)).toBe("🎓 Campus · 1 of 4 volunteers · 1 done");

    const twice = await answerOf(bot, submit());
    expect(twice).toMatchObject({ type: 4, content: "You don't hold this task. Claim it first." });
    expect(cardLine(bot, card.id)).toBe("🎓 Campus · 1 of 4 volunteers · 1 done");
    expect(
      await bot.rally.db.outreachTask.findUniqueOrThrow({ where: { id: task.id } }),
    ).toMatchObject({ doneCount: 1, claimedSlots: 1, status: "open" });
    const claims = await bot.rally.db.claim.findMany();
    expect(claims).toHaveLength(1);
    expect(claims[0]).toMatchObject({
      status: "done",
      proofLink: "https://example.org/photo.jpg",
      note: "Handed out 50 flyers",
    });
    expect(bot.discord.rejected()).toEqual([]);
  });

  it("sends done work for review, lists it, and lets an organizer approve or reject it", async () => {
    const { bot, campaign } = await botWithCampaign();
    const [volunteer1, volunteer2] = bot.volunteerIds;
    const on = await bot.run(bot.organizerId, "/settings review_required enabled:true");
    expect(on.content).toBe("Done work now waits for an organizer's approval before it counts.");
    const { task, card } = await addTaskOverTheWire(bot, campaign.id);

    async function claimAndFinish(volunteer: string, proof: string) {
      await answerOf(bot, press(bot, card.id, volunteer, "Claim"));
      const opened = press(bot, card.id, volunteer, "Done");
      await opened.response();
      return answerOf(
        bot,
        bot.discord.submitModal({
          handle: opened,
          userId: volunteer,
          values: { proof_link: proof, note: "" },
        }),
      );
    }

    const submitted = await claimAndFinish(volunteer1, "https://example.org/photo1.jpg");
    expect(submitted.content).toBe(
      `Sent for review: **Table at the student union**. An organizer will look at it soon. Thank you!\n${proofNotKept}`,
    );
    // Waiting for review keeps the slot and does not count yet.
    expect(cardLine(bot, card.id)).toBe("🎓 Campus · 1 of 4 volunteers");

    const forOrganizers = await bot.run(bot.organizerId, "/task list filter:review");
    expect(forOrganizers.flags & ephemeral).toBe(ephemeral);
    expect(forOrganizers.embeds[0]?.title).toBe("Tasks · Waiting for review");
    expect(forOrganizers.embeds[0]?.description).toBe(
      `🎓 **#${task.id} Table at the student union** — 1 of 4 volunteers · Free political prisoners\n  held by <@${volunteer1}>`,
    );
    const forVolunteers = await bot.run(volunteer2, "/task list filter:review");
    expect(forVolunteers.embeds[0]?.description).toBe(
      `🎓 **#${task.id} Table at the student union** — 1 of 4 volunteers · Free political prisoners`,
    );

    const review = await bot.run(bot.organizerId, `/task review task:${task.id}`);
    expect(review.flags & ephemeral).toBe(ephemeral);
    expect(review.embeds[0]?.title).toBe("Review: Table at the student union");
    expect(review.embeds[0]?.description).toMatch(
      new RegExp(`^Submitted by <@${volunteer1}> <t:\\d+:R>$`),
    );
    expect(review.embeds[0]?.fields).toEqual([
      { name: "Proof", value: "<https://example.org/photo1.jpg>" },
    ]);
    expect(buttonsOf(review).map((button) => button.label)).toEqual(["Approve", "Reject"]);

    const approved = await press(bot, review.id, bot.organizerId, "Approve").final();
    await bot.rally.settled();
    expect(approved.id).toBe(review.id);
    expect(approved.content).toBe(
      `Approved: <@${volunteer1}>'s work on **Table at the student union** now counts.`,
    );
    expect(approved.components).toEqual([]);
    expect(cardLine(bot, card.id)).toBe("🎓 Campus · 1 of 4 volunteers · 1 done");
    expect(
      await bot.rally.db.claim.findFirstOrThrow({ where: { volunteerId: volunteer1 } }),
    ).toMatchObject({ status: "done", reviewedById: bot.organizerId });

    await claimAndFinish(volunteer2, "https://example.org/photo2.jpg");
    expect(cardLine(bot, card.id)).toBe("🎓 Campus · 2 of 4 volunteers · 1 done");
    const second = await bot.run(bot.organizerId, `/task review task:${task.id}`);
    const rejecting = press(bot, second.id, bot.organizerId, "Reject");
    expect((await rejecting.response()).type).toBe(9);
    expect(rejecting.modal?.title).toBe("Reject this submission");
    const rejected = await bot.discord
      .submitModal({
        handle: rejecting,
        userId: bot.organizerId,
        values: { reason: "The photo shows another campus." },
      })
      .final();
    await bot.rally.settled();
    expect(rejected.id).toBe(second.id);
    expect(rejected.content).toBe(
      `Rejected: <@${volunteer2}>'s work on **Table at the student union**. The slot is open again.`,
    );
    expect(cardLine(bot, card.id)).toBe("🎓 Campus · 1 of 4 volunteers · 1 done");
    expect(
      await bot.rally.db.claim.findFirstOrThrow({ where: { volunteerId: volunteer2 } }),
    ).toMatchObject({ status: "rejected", rejectReason: "The photo shows another campus." });
    expect(
      await bot.rally.db.outreachTask.findUniqueOrThrow({ where: { id: task.id } }),
    ).toMatchObject({ claimedSlots: 1, doneCount: 1 });
    const nothingLeft = await bot.run(bot.organizerId, `/task review task:${task.id}`);
    expect(nothingLeft.content).toBe(
      "Nothing is waiting for review on **Table at the student union**.",
    );
    expect(bot.discord.rejected()).toEqual([]);
  });

  it("never posts a card into another server's channel, even when a stored campaign points there", async () => {
    // A campaign row whose channel is another server's (a restore, a bug, a hand edit): the
    // card must not reach that server, whose members would read this server's task.
    const bot = await startTestBot();
    const other = bot.discord.createGuild({ name: "Another server" });
    const theirChannel = bot.discord.createChannel(other.id, { name: "general" });
    const campaign = await createCampaign(
      bot.rally.db,
      bot.guildId,
      bot.organizerId,
      campaignFields({ channelId: theirChannel.id }),
    );
    const reply = await bot.run(
      bot.organizerId,
      `/task add campaign:${campaign.id} title:"Table at the student union" kind:campus`,
    );
    expect(reply.flags & 64).toBe(64);
    const task = await bot.rally.db.outreachTask.findFirstOrThrow();
    expect(task).toMatchObject({ title: "Table at the student union", cardMessageId: null });
    expect(channelPosts(bot, theirChannel.id)).toEqual([]);
    expect(bot.discord.messages(theirChannel.id)).toEqual([]);
  });

  it("tells the volunteer the reason their work was rejected", async () => {
    // The reject modal asks for "Why (the volunteer sees this)", and en.json has
    // task.rejectedNotice: the volunteer should read the reason, in a direct message.
    const { bot, campaign } = await botWithCampaign();
    const [volunteer] = bot.volunteerIds;
    await bot.run(bot.organizerId, "/settings review_required enabled:true");
    const { task, card } = await addTaskOverTheWire(bot, campaign.id);
    await answerOf(bot, press(bot, card.id, volunteer, "Claim"));
    await bot.run(volunteer, `/task done task:${task.id} proof_link:https://example.org/photo.jpg`);
    const review = await bot.run(bot.organizerId, `/task review task:${task.id}`);
    const rejecting = press(bot, review.id, bot.organizerId, "Reject");
    await rejecting.response();
    await bot.discord
      .submitModal({
        handle: rejecting,
        userId: bot.organizerId,
        values: { reason: "The photo shows another campus." },
      })
      .final();
    const told = await bot.discord
      .waitFor(
        () => {
          const dm = bot.discord.directMessageChannel(volunteer);
          return dm && bot.discord.messages(dm.id).at(-1);
        },
        500,
        "a direct message to the volunteer",
      )
      .catch(() => undefined);
    expect(told?.content).toBe(
      "Your work on **Table at the student union** was not accepted: The photo shows another campus.",
    );
    // Through the DM outbox, as reminders: one row for this claim's rejection, its nonce on the DM.
    const claim = await bot.rally.db.claim.findFirstOrThrow({ where: { volunteerId: volunteer } });
    const outbox = () => bot.rally.db.directMessage.findMany();
    await expect
      .poll(outbox)
      .toMatchObject([{ key: `rejected:${claim.id}`, status: "sent", nonce: told?.nonce }]);
    expect(bot.discord.rejected()).toEqual([]);
  });

  it("announces submissions only in a review channel @everyone cannot see", async () => {
    const { bot, campaign } = await botWithCampaign();
    const [volunteer] = bot.volunteerIds;
    const general = channelNamed(bot, "general");
    const organizers = channelNamed(bot, "organizers");
    await bot.run(bot.organizerId, "/settings review_required enabled:true");

    const refused = await bot.run(
      bot.organizerId,
      `/settings review_channel channel:<#${general}>`,
    );
    expect(refused.content).toBe(
      `<#${general}> can be seen by @everyone. Pick a channel only organizers can see: submissions name the volunteer.`,
    );
    expect(refused.flags & ephemeral).toBe(ephemeral);
    const settings = await bot.rally.db.guildSettings.findUnique({
      where: { guildId: bot.guildId },
    });
    expect(settings?.reviewChannelId ?? null).toBeNull();

    const accepted = await bot.run(
      bot.organizerId,
      `/settings review_channel channel:<#${organizers}>`,
    );
    expect(accepted.content).toBe(`Submissions will be announced in <#${organizers}>.`);

    const { task } = await addTaskOverTheWire(bot, campaign.id);
    await bot.run(volunteer, `/task claim task:${task.id}`);
    const done = await bot.run(volunteer, `/task done task:${task.id} note:"Tabled for an hour"`);
    expect(done.content).toBe(
      "Sent for review: **Table at the student union**. An organizer will look at it soon. Thank you!",
    );
    const posts = channelPosts(bot, organizers);
    expect(posts).toHaveLength(1);
    expect(bot.discord.messages(organizers).at(-1)?.content).toBe(
      `New submission to review: **Table at the student union** by <@${volunteer}>. Use \`/task review\` to approve or reject it.`,
    );
    expect(posts[0]?.body).toMatchObject({ allowed_mentions: { parse: [], roles: [], users: [] } });
    expect(channelPosts(bot, general)).toHaveLength(0);
    expect(bot.discord.rejected()).toEqual([]);
  });

  it("gives a 2-slot task to exactly 2 of 6 members pressing Claim at once", async () => {
    const { bot, campaign } = await botWithCampaign();
    const { task, card } = await addTaskOverTheWire(
      bot,
      campaign.id,
      'title:"Flyers at the library" kind:bulletin_board slots:2',
    );
    const members = Array.from({ length: 6 }, (_, index) => newMember(bot, `member${index}`));
    const handles = members.map((userId) =>
      bot.discord.clickButton({ messageId: card.id, userId, label: "Claim" }),
    );
    await Promise.all(handles.map((handle) => handle.response()));
    const answers = await Promise.all(handles.map((handle) => answerOf(bot, handle)));

    const won = answers.filter((answer) => answer.type === 7);
    expect(won).toHaveLength(2);
    for (const answer of won) {
      expect(answer.content).toMatch(/^You claimed \*\*Flyers at the library\*\*\. Thank you!/);
    }
    const lost = answers.filter((answer) => answer.type !== 7);
    expect(lost.map((answer) => [answer.content, answer.flags & ephemeral])).toEqual(
      Array.from({ length: 4 }, () => [
        "All 2 slots of “Flyers at the library” are taken. Look for another open task with `/task list`.",
        ephemeral,
      ]),
    );

    const final = bot.discord.message(card.id);
    expect(final?.embeds[0]?.description).toBe("📌 Bulletin board · 2 of 2 volunteers");
    expect(final?.embeds[0]?.footer?.text).toBe(`Task #${task.id} · All slots taken`);
    expect(final && buttonsOf(final)).toEqual([
      { label: "Claim", disabled: true },
      { label: "Release", disabled: false },
      { label: "Done", disabled: false },
      { label: "Get flyer", disabled: false },
    ]);
    const claims = await bot.rally.db.claim.findMany({ where: { status: "active" } });
    expect(claims.map((claim) => claim.volunteerId).sort()).toEqual(
      members.filter((_, index) => answers[index]?.type === 7).sort(),
    );
    expect(
      await bot.rally.db.outreachTask.findUniqueOrThrow({ where: { id: task.id } }),
    ).toMatchObject({ claimedSlots: 2 });
    expect(bot.discord.rejected()).toEqual([]);
  });

  it("refuses buttons of a cancelled task, of unknown or foreign tasks, and stale ones", async () => {
    const { bot, campaign } = await botWithCampaign();
    const [volunteer] = bot.volunteerIds;
    const { task, card } = await addTaskOverTheWire(bot, campaign.id);
    await answerOf(bot, press(bot, card.id, volunteer, "Claim"));

    const cancelled = await bot.run(bot.organizerId, `/task cancel task:${task.id}`);
    expect(cancelled.content).toBe(
      "Task cancelled: **Table at the student union**. Its claims were released.",
    );
    const shown = bot.discord.message(card.id);
    expect(shown?.embeds[0]?.footer?.text).toBe(`Task #${task.id} · Cancelled`);
    expect(shown?.embeds[0]?.description).toBe("🎓 Campus · 0 of 4 volunteers");
    expect(shown && buttonsOf(shown)).toEqual([
      { label: "Claim", disabled: true },
      { label: "Release", disabled: true },
      { label: "Done", disabled: true },
      { label: "Get flyer", disabled: false },
    ]);
    expect(await bot.rally.db.claim.findFirstOrThrow()).toMatchObject({ status: "released" });

    const { server: other, campaign: foreignCampaign } = await campaignOnAnotherServer(
      bot,
      "Someone else's campaign",
    );
    const foreign = await addTask(bot.rally.db, other.id, bot.organizerId, foreignCampaign.id, {
      title: "Their task",
      kind: "campus",
      location: null,
      slots: 5,
      dueAt: null,
      instructions: null,
    });

    const cases: [string, string][] = [
      [
        `task:claim:${task.id}`,
        "“Table at the student union” was cancelled: it can't be claimed or changed.",
      ],
      ["task:claim:999999", notFound],
      [`task:claim:${foreign.id}`, notFound],
      [`task:release:${foreign.id}`, notFound],
      ["task:cl", "This button no longer does anything. Try the command again."],
    ];
    for (const [customId, expected] of cases) {
      const answer = await pressForged(bot, card.id, volunteer, customId);
      expect(answer, customId).toMatchObject({ type: 4, content: expected });
      expect(answer.flags & ephemeral, customId).toBe(ephemeral);
    }
    const approve = await pressForged(bot, card.id, volunteer, "task:approve:1");
    expect(approve.content).toBe(organizerOnly);

    expect(bot.discord.message(card.id)?.embeds[0]?.footer?.text).toBe(
      `Task #${task.id} · Cancelled`,
    );
    expect(await bot.rally.db.claim.count()).toBe(1);
    expect(
      await bot.rally.db.outreachTask.findUniqueOrThrow({ where: { id: foreign.id } }),
    ).toMatchObject({ claimedSlots: 0, status: "open" });
    expect(bot.discord.rejected()).toEqual([]);
  });
});

describe("/task import over the wire", () => {
  it("creates every task of a good file and posts ONE message with a list button", async () => {
    const { bot, campaign, campaigns } = await botWithCampaign();
    const csv = [
      importHeader,
      "Table at the student union,campus,Student union,3,,Bring the banner",
      "Flyers at the library,bulletin_board,Central library,2,,",
      "Invite 10 friends,text_invite,,10,,",
    ].join("\n");
    const reply = await importCsv(bot, campaign.id, csv);
    expect(reply.content).toBe("Imported 3 tasks into **Free political prisoners**.");
    expect(reply.flags & ephemeral).toBe(ephemeral);

    const tasks = await bot.rally.db.outreachTask.findMany({ orderBy: { id: "asc" } });
    expect(
      tasks.map(({ title, kind, location, slots }) => ({ title, kind, location, slots })),
    ).toEqual([
      { title: "Table at the student union", kind: "campus", location: "Student union", slots: 3 },
      {
        title: "Flyers at the library",
        kind: "bulletin_board",
        location: "Central library",
        slots: 2,
      },
      { title: "Invite 10 friends", kind: "text_invite", location: null, slots: 10 },
    ]);
    expect(channelPosts(bot, campaigns)).toHaveLength(1);
    const [post] = postsIn(bot, campaigns);
    expect(post?.content).toBe(
      "📋 3 new outreach tasks for **Free political prisoners**: 🎓 1 Campus · 📌 1 Bulletin board · 💬 1 Text invite.",
    );
    expect(post && buttonsOf(post)).toEqual([{ label: "See the open tasks", disabled: false }]);

    const listed = await press(
      bot,
      post?.id ?? "",
      bot.volunteerIds[0],
      "See the open tasks",
    ).final();
    expect(listed.flags & ephemeral).toBe(ephemeral);
    expect(listed.id).not.toBe(post?.id);
    expect(listed.embeds[0]?.title).toBe("Tasks · Open");
    expect(listed.embeds[0]?.description).toBe(
      tasks
        .map(
          (task, index) =>
            `${["🎓", "📌", "💬"][index]} **#${task.id} ${task.title}** — 0 of ${task.slots} volunteers · Free political prisoners`,
        )
        .join("\n"),
    );
    expect(listed.embeds[0]?.footer?.text).toBe("Page 1 of 1 · 3 tasks");
    expect(bot.discord.message(post?.id ?? "")?.content).toBe(post?.content);
    expect(bot.discord.rejected()).toEqual([]);
  });

  it("creates nothing from a file with bad rows and names each line", async () => {
    const { bot, campaign, campaigns } = await botWithCampaign();
    const csv = [
      importHeader,
      "Table at the student union,campus,,1,,",
      ",campus,,1,,",
      "Flyers,spaceship,,1,,",
      "Invite friends,text_invite,,0,,",
    ].join("\n");
    const reply = await importCsv(bot, campaign.id, csv);
    expect(reply.content).toBe(
      [
        "Nothing was imported: 3 problems. Fix them and try again.",
        "Line 3: title is empty",
        "Line 4: kind “spaceship” is not one of campus, bulletin_board, event, online, text_invite, other",
        "Line 5: slots “0” is not a whole number from 1 to 50",
      ].join("\n"),
    );
    expect(reply.flags & ephemeral).toBe(ephemeral);
    expect(reply.attachments).toEqual([]);
    expect(await bot.rally.db.outreachTask.count()).toBe(0);
    expect(channelPosts(bot, campaigns)).toHaveLength(0);

    const refused = await importCsv(bot, campaign.id, csv, bot.volunteerIds[0]);
    expect(refused.content).toBe(organizerOnly);
    expect(bot.discord.rejected()).toEqual([]);
  });

  it("lists the first 15 of 40 problems and attaches them all as import-problems.csv", async () => {
    const { bot, campaign, campaigns } = await botWithCampaign();
    // Row n (on line n + 1) asks for 50 + n slots: each problem names its own row's value.
    const rows = Array.from(
      { length: 40 },
      (_, index) => `Task ${index + 1},campus,,${51 + index},,`,
    );
    const reply = await importCsv(bot, campaign.id, [importHeader, ...rows].join("\n"));
    const problem = (line: number) => `slots “${49 + line}” is not a whole number from 1 to 50`;
    expect(reply.content).toBe(
      [
        "Nothing was imported: 40 problems. Fix them and try again.",
        ...Array.from({ length: 15 }, (_, index) => `Line ${index + 2}: ${problem(index + 2)}`),
        "…and 25 more, all listed in the attached file.",
      ].join("\n"),
    );
    expect(reply.attachments.map((file) => file.filename)).toEqual(["import-problems.csv"]);
    const text = reply.attachments[0]?.data.toString("utf8") ?? "";
    expect(text).toBe(
      `\uFEFF${["line,problem", ...Array.from({ length: 40 }, (_, index) => `${index + 2},${problem(index + 2)}`)].join("\r\n")}\r\n`,
    );
    expect(await bot.rally.db.outreachTask.count()).toBe(0);
    expect(channelPosts(bot, campaigns)).toHaveLength(0);
    expect(bot.discord.rejected()).toEqual([]);
  });

  it("pages a long task list and updates the same private message on Next", async () => {
    const { bot, campaign } = await botWithCampaign();
    const rows = Array.from({ length: 23 }, (_, index) => `Task ${index + 1},online,,1,,`);
    await importCsv(bot, campaign.id, [importHeader, ...rows].join("\n"));
    const ids = (await bot.rally.db.outreachTask.findMany({ orderBy: { id: "asc" } })).map(
      (task) => task.id,
    );
    expect(ids).toHaveLength(23);
    const line = (index: number) =>
      `💻 **#${ids[index]} Task ${index + 1}** — 0 of 1 volunteer · Free political prisoners`;

    const first = await bot.run(bot.volunteerIds[0], "/task list");
    expect(first.flags & ephemeral).toBe(ephemeral);
    expect(first.embeds[0]?.footer?.text).toBe("Page 1 of 3 · 23 tasks");
    expect(first.embeds[0]?.description).toBe(
      Array.from({ length: 10 }, (_, index) => line(index)).join("\n"),
    );
    expect(buttonsOf(first)).toEqual([
      { label: "Previous", disabled: true },
      { label: "Next", disabled: false },
    ]);

    const next = press(bot, first.id, bot.volunteerIds[0], "Next");
    expect((await next.response()).type).toBe(7);
    const second = bot.discord.message(first.id);
    expect(second?.flags).toBe(ephemeral);
    expect(second?.embeds[0]?.footer?.text).toBe("Page 2 of 3 · 23 tasks");
    expect(second?.embeds[0]?.description).toBe(
      Array.from({ length: 10 }, (_, index) => line(index + 10)).join("\n"),
    );
    expect(second && buttonsOf(second)).toEqual([
      { label: "Previous", disabled: false },
      { label: "Next", disabled: false },
    ]);
    expect(bot.discord.rejected()).toEqual([]);
  });
});

describe("/me over the wire", () => {
  it("shows a member's own claims privately and stores their credit and reminder choices", async () => {
    const { bot, campaign } = await botWithCampaign();
    const [volunteer, other] = bot.volunteerIds;
    const empty = await bot.run(volunteer, "/me status");
    expect(empty.embeds[0]?.description).toBe(
      "You hold no tasks right now. Find one with `/task list`.",
    );

    const { task } = await addTaskOverTheWire(bot, campaign.id);
    await bot.run(volunteer, `/task claim task:${task.id}`);
    const status = await bot.run(volunteer, "/me status");
    expect(status.flags & ephemeral).toBe(ephemeral);
    expect(status.embeds[0]).toMatchObject({
      title: "Your tasks",
      description: "**Table at the student union** (Free political prisoners) · claimed",
      footer: { text: "Done so far: 0 · Credit: anonymous · Reminders: on" },
    });
    const theirs = await bot.run(other, "/me status");
    expect(theirs.embeds[0]?.description).toBe(
      "You hold no tasks right now. Find one with `/task list`.",
    );

    const credit = await bot.run(volunteer, "/me credit mode:public");
    expect(credit.content).toBe(
      "Rally may now thank you by name in public posts. Change it any time with `/me credit`.",
    );
    expect(credit.flags & ephemeral).toBe(ephemeral);
    const reminders = await bot.run(volunteer, "/me reminders enabled:false");
    expect(reminders.content).toBe(
      "Reminders are off. Turn them back on with `/me reminders enabled:true`.",
    );
    expect(reminders.flags & ephemeral).toBe(ephemeral);
    expect(
      await bot.rally.db.volunteer.findUniqueOrThrow({
        where: { guildId_userId: { guildId: bot.guildId, userId: volunteer } },
      }),
    ).toMatchObject({ creditPublic: true, remindersEnabled: false });

    const after = await bot.run(volunteer, "/me status");
    expect(after.embeds[0]?.footer?.text).toBe("Done so far: 0 · Credit: public · Reminders: off");
    expect(bot.discord.rejected()).toEqual([]);
  });
});
