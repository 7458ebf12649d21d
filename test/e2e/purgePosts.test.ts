/**
 * `/settings purge` reaches the messages Rally posted that name volunteers beyond the scheduled
 * summaries: the review channel's announcement of a submission and a `/summary now` post, read
 * back from the local Discord after the purge.
 */
import { describe, expect, it } from "vitest";
import { channelNamed, purgeServer, startTestBot } from "../support/bot.ts";

describe("the purge and Rally's posts", () => {
  it("takes the member and the proof link out of the review post, and the names out of a /summary now post", async () => {
    const bot = await startTestBot();
    const campaigns = channelNamed(bot, "campaigns");
    const reviews = channelNamed(bot, "organizers");
    const [reviewed, thanked] = bot.volunteerIds;
    await bot.run(
      bot.organizerId,
      `/campaign create title:"Free political prisoners" goal:500 channel:<#${campaigns}>`,
    );
    const campaign = await bot.rally.db.campaign.findFirstOrThrow();
    await bot.run(
      bot.organizerId,
      `/task add campaign:${campaign.id} title:"Flyers at the university" kind:campus slots:3`,
    );
    const task = await bot.rally.db.outreachTask.findFirstOrThrow();

    // Finished without review, credited in public: the summary thanks them by mention.
    await bot.run(thanked, "/me credit mode:public");
    await bot.run(thanked, `/task claim task:${task.id}`);
    await bot.run(thanked, `/task done task:${task.id}`);
    await bot.run(bot.organizerId, `/summary now channel:<#${campaigns}>`);
    await bot.rally.settled();
    const summary = bot.discord
      .messages(campaigns)
      .find((message) => message.content.includes(`<@${thanked}>`));
    expect(summary).toBeDefined();

    // Under review: the review channel is told who submitted.
    await bot.run(bot.organizerId, "/settings review_required enabled:true");
    await bot.run(bot.organizerId, `/settings review_channel channel:<#${reviews}>`);
    await bot.run(reviewed, `/task claim task:${task.id}`);
    const proof = "https://example.org/proof-4b1e";
    await bot.run(reviewed, `/task done task:${task.id} proof_link:${proof}`);
    await bot.rally.settled();
    const review = bot.discord
      .messages(reviews)
      .find((message) => message.content.includes(`<@${reviewed}>`));
    expect(review).toBeDefined();

    await purgeServer(bot, bot.organizerId, "Rally Sandbox");

    const afterReview = bot.discord.message(review?.id ?? "");
    const afterSummary = bot.discord.message(summary?.id ?? "");
    for (const [message, member] of [
      [afterReview, reviewed],
      [afterSummary, thanked],
    ] as const) {
      expect(message).toBeDefined();
      const text = JSON.stringify({ content: message?.content, embeds: message?.embeds });
      expect(text).not.toContain(member);
      expect(text).not.toContain(proof);
    }
    expect(afterReview?.content).toContain("(names removed)");
    expect(afterReview?.content).toContain("Flyers at the university");
    expect(afterSummary?.content).toContain("(names removed)");
  });
});
