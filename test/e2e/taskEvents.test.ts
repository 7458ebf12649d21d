import { PermissionFlagsBits as Permission } from "discord.js";
import { describe, expect, it } from "vitest";
import { defaultBotPermissions } from "../../src/local-discord/state.ts";
import { startTestBot, type TestBot } from "../support/bot.ts";
import { withoutLiveCards } from "../support/liveCard.ts";

/**
 * The clock of the bot and of the local Discord (which refuses events that start in its past):
 * 20 January 2027, 10:00 UTC (12:00 in Vilnius, UTC+2 in winter).
 */
const start = new Date("2027-01-20T10:00:00Z");
const minutes = (count: number) => count * 60_000;

interface ShownEvent {
  id: string;
  name: string;
  description: string | null;
  status: number;
  entity_type: number;
  privacy_level: number;
  entity_metadata: { location: string } | null;
  scheduled_start_time: string;
  scheduled_end_time: string | null;
  user_count: number;
}

async function setUp(options: { canCreateEvents?: boolean } = {}) {
  const clock = { now: start };
  const bot = await startTestBot({
    now: () => clock.now,
    discordNow: () => clock.now.getTime(),
  });
  // The sandbox's world grants Create Events (README's invite asks for it); this takes it away.
  if (!(options.canCreateEvents ?? true))
    bot.discord.setBotPermissions(bot.guildId, defaultBotPermissions);
  const campaigns = bot.world.channels.find((channel) => channel.name === "campaigns")?.id ?? "";
  await bot.run(bot.organizerId, "/settings timezone zone:Europe/Vilnius");
  await bot.run(
    bot.organizerId,
    `/campaign create title:"Free political prisoners" goal:500 channel:<#${campaigns}>`,
  );
  const campaign = await bot.rally.db.campaign.findFirstOrThrow();
  return { bot, clock, campaign, campaigns };
}

const events = (bot: TestBot) =>
  bot.discord.scheduledEvents(bot.guildId) as unknown as ShownEvent[];
const eventLink = (bot: TestBot, id: string) => `https://discord.com/events/${bot.guildId}/${id}`;

/** The task cards in the campaign's channel, oldest first (not the campaign's live card). */
function cards(bot: TestBot, channelId: string) {
  return withoutLiveCards(bot.discord.messages(channelId)).filter(
    (message) => message.embeds[0]?.footer,
  );
}

async function runJobs(bot: TestBot, clock: { now: Date }, times = 1) {
  for (let run = 0; run < times; run++) {
    await bot.rally.scheduler.tick();
    await bot.rally.settled();
    clock.now = new Date(clock.now.getTime() + 31_000);
  }
}

describe("Discord scheduled events for tasks, over the wire", () => {
  it("makes the event from the task (times in UTC from the server's zone), links it on the card with the interested count, follows edits and the cancel", async () => {
    const { bot, clock, campaign, campaigns } = await setUp();
    const added = await bot.run(
      bot.organizerId,
      `/task add campaign:${campaign.id} title:"Flyers at the university" kind:campus location:"Main gate" starts:"2027-01-23 12:00" due:"2027-01-23 15:00" event:true`,
    );
    const [event] = events(bot);
    if (!event) throw new Error("no event made");
    expect(added.content).toBe(
      `Task posted in <#${campaigns}>.\nA Discord event was made for it: ${eventLink(bot, event.id)}`,
    );
    const [card] = cards(bot, campaigns);
    expect(event).toMatchObject({
      name: "Flyers at the university",
      entity_type: 3,
      privacy_level: 2,
      status: 1,
      entity_metadata: { location: "Main gate" },
      // 12:00 and 15:00 in Vilnius (UTC+2 in January).
      scheduled_start_time: "2027-01-23T10:00:00.000Z",
      scheduled_end_time: "2027-01-23T13:00:00.000Z",
      description: `Rally task #1: https://discord.com/channels/${bot.guildId}/${campaigns}/${card?.id}`,
    });
    // The card links the event; no count read yet.
    const shown = bot.discord.message(card?.id ?? "");
    expect(shown?.embeds[0]?.description).toContain(
      `📅 [Discord event](${eventLink(bot, event.id)})`,
    );
    expect(JSON.stringify(shown?.embeds[0]?.fields)).toContain("Starts");

    // /task list points members to it too.
    const listed = await bot.run(bot.volunteerIds[0], "/task list");
    expect(listed.embeds[0]?.description).toContain(`· [📅 event](${eventLink(bot, event.id)})`);

    // Members press Interested; the count is read a quarter of an hour later (no intent for it).
    bot.discord.markInterested(event.id, bot.volunteerIds);
    clock.now = new Date(start.getTime() + minutes(16));
    await runJobs(bot, clock);
    expect(bot.discord.message(card?.id ?? "")?.embeds[0]?.description).toContain(
      `📅 [Discord event](${eventLink(bot, event.id)}) · 2 members interested`,
    );

    const edited = await bot.run(
      bot.organizerId,
      `/task edit task:1 title:"Flyers, second round" location:"Library" due:"2027-01-23 16:30"`,
    );
    expect(edited.content).toBe(
      `Task updated: **Flyers, second round**.\nIts Discord event was updated: ${eventLink(bot, event.id)}`,
    );
    expect(events(bot)).toMatchObject([
      {
        id: event.id,
        name: "Flyers, second round",
        entity_metadata: { location: "Library" },
        scheduled_start_time: "2027-01-23T10:00:00.000Z",
        scheduled_end_time: "2027-01-23T14:30:00.000Z",
        status: 1,
      },
    ]);
    // An edit that changes nothing the event shows sends nothing.
    const before = bot.discord.requests.length;
    await bot.run(bot.organizerId, `/task edit task:1 slots:3`);
    const sent = bot.discord.requests.slice(before);
    expect(sent.filter((request) => request.path.includes("scheduled-events"))).toEqual([]);

    await bot.run(bot.organizerId, "/task cancel task:1");
    await runJobs(bot, clock);
    expect(events(bot)).toMatchObject([{ id: event.id, status: 4 }]);
    expect(bot.discord.message(card?.id ?? "")?.embeds[0]?.description).not.toContain(
      "Discord event",
    );
    expect(bot.discord.rejected()).toEqual([]);
  });

  it("deletes the event when organizers turn it off, and makes none without a start", async () => {
    const { bot, clock, campaign } = await setUp();
    const refused = await bot.run(
      bot.organizerId,
      `/task add campaign:${campaign.id} title:"Phone bank" event:true`,
    );
    expect(refused.content).toBe(
      "A Discord event needs a start: add `starts`, a date and time such as 2026-12-12 12:00.",
    );
    expect(await bot.rally.db.outreachTask.count()).toBe(0);
    const dateOnly = await bot.run(
      bot.organizerId,
      `/task add campaign:${campaign.id} title:"Phone bank" starts:2027-01-23 event:true`,
    );
    expect(dateOnly.content).toBe(
      "`starts` needs a time of day as well, such as 2026-12-12 12:00.",
    );

    // No location: the event says where to look.
    await bot.run(
      bot.organizerId,
      `/task add campaign:${campaign.id} title:"Phone bank" starts:"2027-01-24 18:00" event:true`,
    );
    expect(events(bot)).toMatchObject([
      {
        entity_metadata: { location: "See the task in Discord" },
        scheduled_start_time: "2027-01-24T16:00:00.000Z",
        // No due date: two hours.
        scheduled_end_time: "2027-01-24T18:00:00.000Z",
      },
    ]);
    // Under way: a change still reaches the event, which keeps its start (Discord refuses a
    // start in the past).
    clock.now = new Date("2027-01-24T16:30:00Z");
    const late = await bot.run(bot.organizerId, '/task edit task:1 location:"Room 12"');
    expect(late.content).toContain("Its Discord event was updated");
    expect(events(bot)).toMatchObject([
      {
        entity_metadata: { location: "Room 12" },
        scheduled_start_time: "2027-01-24T16:00:00.000Z",
      },
    ]);
    const off = await bot.run(bot.organizerId, "/task edit task:1 event:false");
    expect(off.content).toBe("Task updated: **Phone bank**.\nIts Discord event was removed.");
    expect(events(bot)).toEqual([]);
    // Off by default: a task without event:true makes none.
    await bot.run(
      bot.organizerId,
      `/task add campaign:${campaign.id} title:"Canvass" starts:"2027-01-25 10:00"`,
    );
    expect(events(bot)).toEqual([]);
  });

  it("gives each occurrence of a repeating task its own event", async () => {
    const { bot, clock, campaign, campaigns } = await setUp();
    await bot.run(
      bot.organizerId,
      `/task add campaign:${campaign.id} title:"Saturday flyers" location:"Market square" starts:"2027-01-23 12:00" due:"2027-01-23 15:00" repeat:weekly event:true`,
    );
    expect(events(bot)).toHaveLength(1);
    clock.now = new Date("2027-01-23T13:01:00Z");
    await runJobs(bot, clock, 4);
    const made = events(bot);
    expect(made.map((event) => [event.scheduled_start_time, event.scheduled_end_time])).toEqual([
      ["2027-01-23T10:00:00.000Z", "2027-01-23T13:00:00.000Z"],
      ["2027-01-30T10:00:00.000Z", "2027-01-30T13:00:00.000Z"],
    ]);
    const second = made[1];
    const posted = cards(bot, campaigns);
    expect(posted).toHaveLength(2);
    expect(second?.description).toBe(
      `Rally task #2: https://discord.com/channels/${bot.guildId}/${campaigns}/${posted[1]?.id}`,
    );
    expect(posted[1]?.embeds[0]?.description).toContain(eventLink(bot, second?.id ?? ""));
    // Running the jobs again makes no third event.
    await runJobs(bot, clock, 2);
    expect(events(bot)).toHaveLength(2);
  });

  it("waits for an occurrence's card that Discord refused once, so its event still links it", async () => {
    const { bot, clock, campaign, campaigns } = await setUp();
    await bot.run(
      bot.organizerId,
      `/task add campaign:${campaign.id} title:"Saturday flyers" starts:"2027-01-23 12:00" due:"2027-01-23 15:00" repeat:weekly event:true`,
    );
    bot.discord.injectFault({
      method: "POST",
      path: `/channels/${campaigns}/messages`,
      status: 403,
      code: 50013,
      times: 1,
    });
    clock.now = new Date("2027-01-23T13:01:00Z");
    await runJobs(bot, clock, 6);
    const posted = cards(bot, campaigns);
    expect(posted).toHaveLength(2);
    expect(events(bot)[1]?.description).toBe(
      `Rally task #2: https://discord.com/channels/${bot.guildId}/${campaigns}/${posted[1]?.id}`,
    );
  });

  it("says plainly when Rally may not make events (in the reader's language), and still saves the task", async () => {
    const { bot, campaign, campaigns } = await setUp({ canCreateEvents: false });
    const added = await bot.run(
      bot.organizerId,
      `/task add campaign:${campaign.id} title:"Flyers" starts:"2027-01-23 12:00" event:true`,
      undefined,
      { locale: "ru" },
    );
    expect(added.content).toBe(
      `Задание опубликовано в <#${campaigns}>.\nСобытие Discord не создано: у Rally нет права «Создавать события» на этом сервере. Задание сохранено; дайте Rally это право и выполните /task edit с event:true, чтобы попробовать снова.`,
    );
    expect(events(bot)).toEqual([]);
    expect(cards(bot, campaigns)).toHaveLength(1);
    const task = await bot.rally.db.outreachTask.findFirstOrThrow();
    expect([task.eventWanted, task.eventId, task.eventProblem]).toEqual([
      true,
      null,
      "missingPermissions",
    ]);
    // Given the permission, the next edit makes it.
    bot.discord.setBotPermissions(bot.guildId, defaultBotPermissions | Permission.CreateEvents);
    const retried = await bot.run(bot.organizerId, "/task edit task:1 event:true");
    expect(retried.content).toContain("A Discord event was made for it:");
    expect(events(bot)).toHaveLength(1);
  });

  it("says plainly when the server is at Discord's limit of 100 events (30038), and still saves the task", async () => {
    const { bot, clock, campaign, campaigns } = await setUp();
    bot.discord.fillScheduledEvents(bot.guildId, 100);
    const added = await bot.run(
      bot.organizerId,
      `/task add campaign:${campaign.id} title:"Flyers" starts:"2027-01-23 12:00" event:true`,
    );
    expect(added.content).toBe(
      `Task posted in <#${campaigns}>.\nNo Discord event was made: this server already has 100 upcoming events, Discord's limit. The task is saved; end or delete an event, then run /task edit with event:true to try again.`,
    );
    expect(events(bot)).toHaveLength(100);
    expect(cards(bot, campaigns)).toHaveLength(1);
    const task = await bot.rally.db.outreachTask.findFirstOrThrow();
    expect([task.eventId, task.eventProblem]).toEqual([null, "limit"]);
    // Refused by Discord, not retried by the job again and again.
    const refusals = () =>
      bot.discord.requests.filter((request) => request.error?.code === 30038).length;
    expect(refusals()).toBe(1);
    // The backstop job tries once more, then leaves it to organizers.
    await runJobs(bot, clock, 3);
    expect(refusals()).toBe(2);
    expect(await bot.rally.db.dueJob.findFirst({ where: { kind: "task.event" } })).toMatchObject({
      status: "failed",
    });
  });
});
