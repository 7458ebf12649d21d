import { describe, expect, it } from "vitest";
import { startTestBot, type TestBot } from "../support/bot.ts";

const day = 24 * 60 * 60 * 1000;

/** `2026-12-01 18:00` in UTC, the sandbox server's time zone, as an organizer types it. */
function typed(date: Date): string {
  return date.toISOString().slice(0, 16).replace("T", " ");
}

function directMessages(bot: TestBot, userId: string) {
  const channel = bot.discord.directMessageChannel(userId);
  return channel ? bot.discord.messages(channel.id) : [];
}

async function setUp(clock: { now: Date }) {
  const bot = await startTestBot({ now: () => clock.now });
  const campaigns = bot.world.channels.find((channel) => channel.name === "campaigns")?.id ?? "";
  await bot.run(bot.organizerId, `/settings claim_expiry days:5`);
  await bot.run(
    bot.organizerId,
    `/campaign create title:"Free political prisoners" goal:500 channel:<#${campaigns}>`,
  );
  const campaign = await bot.rally.db.campaign.findFirstOrThrow();
  const due = new Date(clock.now.getTime() + 3 * day);
  await bot.run(
    bot.organizerId,
    `/task add campaign:${campaign.id} title:"Flyers at the university" kind:campus due:"${typed(due)}"`,
  );
  const task = await bot.rally.db.outreachTask.findFirstOrThrow();
  return { bot, task, due, campaigns };
}

describe("reminders and claim expiry, run by the due-job scheduler", () => {
  it("sends a due-date reminder exactly once, even across a restart", async () => {
    const clock = { now: new Date(Date.UTC(2026, 11, 1, 12, 0)) };
    const { bot, task } = await setUp(clock);
    const [volunteer] = bot.volunteerIds;
    const claimed = await bot.run(volunteer, `/task claim task:${task.id}`);
    expect(claimed.content).toMatch(/^You claimed \*\*Flyers at the university\*\*/);

    await bot.rally.scheduler.tick();
    expect(directMessages(bot, volunteer)).toHaveLength(0);

    clock.now = new Date(clock.now.getTime() + 2 * day + 60_000);
    await bot.rally.scheduler.tick();
    const sent = directMessages(bot, volunteer);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.content).toMatch(
      /^⏰ Reminder: \*\*Flyers at the university\*\* \(Free political prisoners\) is due <t:\d+:R>\./,
    );
    expect(sent[0]?.content).toContain("/me reminders enabled:false");

    await bot.restart();
    await bot.rally.scheduler.tick();
    await bot.rally.scheduler.tick();
    expect(directMessages(bot, volunteer)).toHaveLength(1);
    expect(bot.discord.rejected()).toEqual([]);
  });

  it("writes the reminder in the language the member claimed in, not the server's", async () => {
    const clock = { now: new Date(Date.UTC(2026, 11, 1, 12, 0)) };
    const { bot, task } = await setUp(clock);
    const [volunteer] = bot.volunteerIds;
    await bot.run(volunteer, `/task claim task:${task.id}`, undefined, { locale: "ru" });

    clock.now = new Date(clock.now.getTime() + 2 * day + 60_000);
    await bot.rally.scheduler.tick();
    const sent = directMessages(bot, volunteer);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.content).toMatch(
      /^⏰ Напоминание: срок задания \*\*Flyers at the university\*\* \(Free political prisoners\) истекает <t:\d+:R>\./,
    );
    expect(sent[0]?.content).toContain("/me reminders enabled:false на сервере");
  });

  it("gives an unfinished claim back to the pool after the expiry, tells the volunteer, and updates the card", async () => {
    const clock = { now: new Date(Date.UTC(2026, 11, 1, 12, 0)) };
    const { bot, task, campaigns } = await setUp(clock);
    const [volunteer] = bot.volunteerIds;
    await bot.run(volunteer, "/me reminders enabled:true");
    await bot.run(volunteer, `/task claim task:${task.id}`);
    const card = bot.discord.messages(campaigns).at(-1);
    expect(card?.embeds[0]?.description).toContain("1 of 1 volunteer");

    clock.now = new Date(clock.now.getTime() + 5 * day + 60_000);
    await bot.rally.scheduler.tick();
    const claim = await bot.rally.db.claim.findFirstOrThrow();
    expect(claim.status).toBe("expired");
    expect((await bot.rally.db.outreachTask.findFirstOrThrow()).claimedSlots).toBe(0);
    const messages = directMessages(bot, volunteer).map((message) => message.content);
    expect(messages.at(-1)).toMatch(/went back to the pool after 5 days/);
    expect(bot.discord.message(card?.id ?? "")?.embeds[0]?.description).toContain(
      "0 of 1 volunteer",
    );

    // Claiming again after an expiry is allowed.
    const again = await bot.run(volunteer, `/task claim task:${task.id}`);
    expect(again.content).toMatch(/^You claimed/);
  });

  it("notes closed DMs (50007) once and never retries in a loop", async () => {
    const clock = { now: new Date(Date.UTC(2026, 11, 1, 12, 0)) };
    const { bot, task } = await setUp(clock);
    const [, volunteer] = bot.volunteerIds;
    bot.discord.blockDirectMessages(volunteer);
    await bot.run(volunteer, `/task claim task:${task.id}`);
    clock.now = new Date(clock.now.getTime() + 2 * day + 60_000);
    await bot.rally.scheduler.tick();
    const refusals = () => bot.discord.requests.filter((request) => request.status === 403);
    expect(refusals()).toHaveLength(1);
    const stored = await bot.rally.db.volunteer.findFirstOrThrow({ where: { userId: volunteer } });
    expect(stored.dmsClosed).toBe(true);
    const job = await bot.rally.db.dueJob.findFirstOrThrow({ where: { kind: "claim.remindDue" } });
    expect(job.status).toBe("done");

    clock.now = new Date(clock.now.getTime() + 3 * day);
    await bot.rally.scheduler.tick();
    await bot.rally.scheduler.tick();
    expect(refusals()).toHaveLength(1);
  });

  it("sends nothing to a volunteer who turned reminders off", async () => {
    const clock = { now: new Date(Date.UTC(2026, 11, 1, 12, 0)) };
    const { bot, task } = await setUp(clock);
    const [volunteer] = bot.volunteerIds;
    await bot.run(volunteer, "/me reminders enabled:false");
    await bot.run(volunteer, `/task claim task:${task.id}`);
    clock.now = new Date(clock.now.getTime() + 2 * day + 60_000);
    await bot.rally.scheduler.tick();
    expect(directMessages(bot, volunteer)).toHaveLength(0);
  });
});
