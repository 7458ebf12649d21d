/**
 * One milestone post whoever moved the count, over the wire: an organizer's tally and a poll's
 * reading crossing the same step at once, with the scheduler running, post it once.
 */
import { afterEach, describe, expect, it } from "vitest";
import { startTestBot } from "../support/bot.ts";
import { startPetitionServer, type PetitionServer } from "../sources/petitionServer.ts";

const servers: PetitionServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

describe("milestones", () => {
  it("a tally and a reading crossing 500 at once post one milestone, and the organizer is told", async () => {
    const clock = { now: new Date(Date.UTC(2026, 11, 7, 14, 0)) };
    const server = await startPetitionServer();
    servers.push(server);
    const bot = await startTestBot({
      now: () => clock.now,
      sourceAllowHosts: `127.0.0.1:${server.port}`,
    });
    const campaigns = bot.world.channels.find((channel) => channel.name === "campaigns")?.id ?? "";
    await bot.run(
      bot.organizerId,
      `/campaign create title:"Save the wetlands" goal:500 channel:<#${campaigns}>`,
    );
    const campaign = await bot.rally.db.campaign.findFirstOrThrow();
    server.live.count = 480;
    await bot.run(
      bot.organizerId,
      `/campaign source set campaign:${campaign.id} url:"${server.origin}/live.json" kind:json field:count`,
    );
    const milestones = () =>
      bot.discord.messages(campaigns).filter((message) => message.content.startsWith("🎉"));
    expect(milestones()).toHaveLength(0);

    // The site reaches 505 as the organizer adds a paper tally of 30: both cross 500.
    server.live.count = 505;
    clock.now = new Date(clock.now.getTime() + 15 * 60_000);
    const [answer] = await Promise.all([
      bot.run(bot.organizerId, `/campaign count campaign:${campaign.id} add:30`),
      bot.rally.scheduler.tick(),
      bot.rally.scheduler.tick(),
    ]);
    await bot.rally.settled();
    clock.now = new Date(clock.now.getTime() + 60_000);
    await bot.rally.scheduler.tick();
    await bot.rally.settled();

    expect(milestones()).toHaveLength(1);
    expect(
      await bot.rally.db.campaign.findUniqueOrThrow({ where: { id: campaign.id } }),
    ).toMatchObject({ count: 535, goal: 1000 });
    expect(
      (await bot.rally.db.dueJob.findMany({ where: { kind: "campaign.milestone" } })).map(
        (job) => job.status,
      ),
    ).toEqual(["done"]);
    // Whichever change crossed first, the organizer's answer says the truth about the post.
    if (answer.content.includes("milestone"))
      expect(answer.content).toContain(`A milestone message went to <#${campaigns}>.`);
  });
});
