/**
 * What follows a review or an import made on the dashboard (#23), in Discord: the web side arms
 * due jobs (src/domain/reviews.ts, importPost.ts); the bot's runner edits the task card, tells
 * the volunteer why their work was rejected (once, through the DM outbox, in the same words as
 * `/task review`), and posts the import's one message, as the slash commands do.
 */
import { describe, expect, it } from "vitest";
import { importTasksWithPost } from "../../src/domain/importPost.ts";
import { decideSubmissions } from "../../src/domain/reviews.ts";
import { parseTaskCsv } from "../../src/domain/taskImport.ts";
import { channelNamed, startTestBot } from "../support/bot.ts";

async function botWithSubmission() {
  const bot = await startTestBot();
  const campaigns = channelNamed(bot, "campaigns");
  await bot.run(
    bot.organizerId,
    `/campaign create title:"Free political prisoners" goal:500 channel:<#${campaigns}>`,
  );
  const campaign = await bot.rally.db.campaign.findFirstOrThrow();
  await bot.run(bot.organizerId, "/settings review_required enabled:true");
  await bot.run(
    bot.organizerId,
    `/task add campaign:${campaign.id} title:"Table at the student union" kind:campus slots:2`,
  );
  const task = await bot.rally.db.outreachTask.findFirstOrThrow();
  const [volunteer] = bot.volunteerIds;
  await bot.run(volunteer, `/task claim task:${task.id}`);
  await bot.run(volunteer, `/task done task:${task.id} proof_link:https://example.org/photo.jpg`);
  const claim = await bot.rally.db.claim.findFirstOrThrow();
  return { bot, campaign, campaigns, task, claim, volunteer };
}

describe("the dashboard's follow-ups in Discord", () => {
  it("a rejection edits the card and tells the volunteer once, in /task review's words", async () => {
    const { bot, task, claim, volunteer } = await botWithSubmission();
    const cardBefore = bot.discord.message(task.cardMessageId ?? "")?.embeds[0]?.description;
    await decideSubmissions(
      bot.rally.db,
      bot.guildId,
      bot.organizerId,
      [{ claimId: claim.id, approve: false, reason: "The photo shows another campus." }],
      new Date(),
    );
    await bot.rally.scheduler.tick();
    const dm = bot.discord.directMessageChannel(volunteer);
    const told = dm ? bot.discord.messages(dm.id) : [];
    expect(told.map((message) => message.content)).toEqual([
      "Your work on **Table at the student union** was not accepted: The photo shows another campus.",
    ]);
    const outbox = await bot.rally.db.directMessage.findMany();
    expect(outbox).toMatchObject([{ key: `rejected:${claim.id}`, status: "sent" }]);
    // The slot came back: the card was edited to say so.
    const cardAfter = bot.discord.message(task.cardMessageId ?? "")?.embeds[0]?.description;
    expect(cardAfter).not.toBe(cardBefore);
    // A second pass sends nothing more.
    await bot.rally.scheduler.tick();
    expect(dm ? bot.discord.messages(dm.id) : []).toHaveLength(1);
    expect(bot.discord.rejected()).toEqual([]);
  });

  it("an import posts its one message in the campaign's channel", async () => {
    const { bot, campaign, campaigns } = await botWithSubmission();
    const parsed = parseTaskCsv(
      Buffer.from("title,kind,location,slots,due,instructions\nPosters,campus,Campus,2,,\n"),
      "UTC",
      new Date(),
    );
    if (!parsed.ok) throw new Error("the file should read");
    const before = bot.discord.messages(campaigns).length;
    await importTasksWithPost(
      bot.rally.db,
      bot.guildId,
      bot.organizerId,
      campaign.id,
      parsed.tasks,
      new Date(),
    );
    await bot.rally.scheduler.tick();
    const posted = bot.discord.messages(campaigns).slice(before);
    expect(posted.map((message) => message.content)).toContainEqual(
      expect.stringContaining("Free political prisoners"),
    );
    expect(bot.discord.rejected()).toEqual([]);
  });
});
