import { describe, expect, it } from "vitest";
import { startTestBot } from "../support/bot.ts";

describe("explore", () => {
  it("explores", async () => {
    const clock = { now: new Date(Date.UTC(2026, 10, 30, 12, 0)) };
    const bot = await startTestBot({ now: () => clock.now });
    const campaigns = bot.world.channels.find((c) => c.name === "campaigns")!.id;
    const r1 = await bot.run(bot.organizerId, `/campaign create title:"Free political prisoners" goal:500 call_to_action:"Text SIGN PMSUBG to 50409" channel:<#${campaigns}>`);
    console.log(r1.content);
    const c = await bot.rally.db.campaign.findFirstOrThrow();
    await bot.run(bot.organizerId, `/campaign count campaign:${c.id} set:300`);
    clock.now = new Date(Date.UTC(2026, 11, 1, 12, 0));
    await bot.run(bot.organizerId, `/campaign count campaign:${c.id} set:332`);
    const s = await bot.run(bot.organizerId, `/summary schedule channel:<#${campaigns}> time:18:00`);
    console.log(JSON.stringify(s.content), s.flags);
    console.log(bot.discord.messages(campaigns).length);
    clock.now = new Date(Date.UTC(2026, 11, 1, 18, 1));
    await bot.rally.scheduler.tick();
    const msgs = bot.discord.messages(campaigns);
    console.log(JSON.stringify(msgs.map((m) => ({ ...m, attachments: m.attachments.map((a) => ({ ...a, data: a.data.subarray(0, 8) })) })), null, 1));
    const reqs = bot.discord.requests.filter((r) => r.path.startsWith(`/channels/${campaigns}`));
    console.log(JSON.stringify(reqs, null, 1));
    console.log(bot.discord.rejected());
    const l = await bot.run(bot.organizerId, `/summary list`);
    console.log(JSON.stringify(l.embeds));
    console.log(await bot.rally.db.summaryPost.findMany(), await bot.rally.db.summarySchedule.findMany(), await bot.rally.db.dueJob.findMany());
    console.log(await bot.rally.db.$queryRawUnsafe("PRAGMA database_list"));
  });
});
