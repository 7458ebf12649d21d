import { describe, expect, it } from "vitest";
import { startTestBot, type TestBot } from "../support/bot.ts";
import { withoutLiveCards } from "../support/liveCard.ts";

/** The bot's clock: 1 December 2026, 12:00 in UTC, the sandbox server's time zone. */
const start = new Date("2026-12-01T12:00:00Z");
const firstDue = new Date("2026-12-02T18:00:00Z");
const seconds = (date: Date) => Math.floor(date.getTime() / 1000);

async function setUp(clock: { now: Date }) {
  const bot = await startTestBot({ now: () => clock.now });
  const campaigns = bot.world.channels.find((channel) => channel.name === "campaigns")?.id ?? "";
  await bot.run(
    bot.organizerId,
    `/campaign create title:"Free political prisoners" goal:500 channel:<#${campaigns}>`,
  );
  const campaign = await bot.rally.db.campaign.findFirstOrThrow();
  return { bot, campaign, campaigns };
}

/** The task cards in the campaign's channel, oldest first (not the campaign's live card). */
function cards(bot: TestBot, channelId: string) {
  return withoutLiveCards(bot.discord.messages(channelId)).filter(
    (message) => message.embeds[0]?.footer,
  );
}

/** Runs the due jobs twice: the first creates an occurrence, the second posts its card. */
async function runJobs(bot: TestBot) {
  await bot.rally.scheduler.tick();
  await bot.rally.scheduler.tick();
  await bot.rally.settled();
}

describe("repeating tasks over the wire", () => {
  it("posts the next occurrence one week on when the due date passes, exactly once (English)", async () => {
    const clock = { now: start };
    const { bot, campaign, campaigns } = await setUp(clock);
    const added = await bot.run(
      bot.organizerId,
      `/task add campaign:${campaign.id} title:"Refresh the library bulletin board" kind:bulletin_board due:"2026-12-02 18:00" repeat:weekly`,
    );
    expect(added.content).toBe(
      `Task posted in <#${campaigns}>.\nIt repeats weekly: when its due date passes, the next one is posted, due one week later.`,
    );
    const [first] = cards(bot, campaigns);
    expect(first?.embeds[0]?.description).toContain("🔁 Repeats weekly");

    await runJobs(bot);
    expect(cards(bot, campaigns)).toHaveLength(1);

    // The due date passes with nobody having done it: it repeats all the same.
    clock.now = new Date(firstDue.getTime() + 60_000);
    await runJobs(bot);
    const posted = cards(bot, campaigns);
    expect(posted).toHaveLength(2);
    const next = posted[1]?.embeds[0];
    expect(next?.title).toBe("Refresh the library bulletin board");
    expect(JSON.stringify(next?.fields)).toContain(
      `<t:${seconds(new Date("2026-12-09T18:00:00Z"))}:f>`,
    );
    expect(next?.description).toContain("🔁 Repeats weekly");

    // Run again, and after a restart: still one next occurrence.
    await runJobs(bot);
    await bot.restart();
    await runJobs(bot);
    expect(cards(bot, campaigns)).toHaveLength(2);
    expect(await bot.rally.db.outreachTask.count()).toBe(2);

    // /task list shows both, each with its own due date.
    const list = await bot.run(bot.organizerId, "/task list");
    const listed = list.embeds[0]?.description ?? "";
    expect(listed.match(/Refresh the library bulletin board/g)).toHaveLength(2);
    expect(listed).toContain(`<t:${seconds(firstDue)}:R>`);
    expect(listed).toContain(`<t:${seconds(new Date("2026-12-09T18:00:00Z"))}:R>`);
    expect(bot.discord.rejected()).toEqual([]);
  });

  it("refuses a repeat without a due date, and repeat_until before the due date", async () => {
    const clock = { now: start };
    const { bot, campaign } = await setUp(clock);
    const noDue = await bot.run(
      bot.organizerId,
      `/task add campaign:${campaign.id} title:"Leaflets" repeat:daily`,
    );
    expect(noDue.content).toBe(
      "A repeating task needs a due date: add due, e.g. due:2026-12-31 18:00.",
    );
    const before = await bot.run(
      bot.organizerId,
      `/task add campaign:${campaign.id} title:"Leaflets" due:2026-12-10 repeat:daily repeat_until:2026-12-05`,
    );
    expect(before.content).toBe(
      "repeat_until is before the due date, so the task would never repeat. Give a later date.",
    );
    const alone = await bot.run(
      bot.organizerId,
      `/task add campaign:${campaign.id} title:"Leaflets" due:2026-12-10 repeat_until:2026-12-20`,
    );
    expect(alone.content).toBe("repeat_until needs repeat: choose daily, weekly or monthly too.");
    const ru = await bot.run(
      bot.organizerId,
      `/task add campaign:${campaign.id} title:"Leaflets" repeat:daily`,
      undefined,
      { locale: "ru" },
    );
    expect(ru.content).toBe(
      "Повторяющемуся заданию нужен срок: добавьте due, например due:2026-12-31 18:00.",
    );
    expect(await bot.rally.db.outreachTask.count()).toBe(0);
  });

  it("stops at repeat_until", async () => {
    const clock = { now: start };
    const { bot, campaign, campaigns } = await setUp(clock);
    await bot.run(
      bot.organizerId,
      `/task add campaign:${campaign.id} title:"Night shift" due:"2026-12-02 18:00" repeat:daily repeat_until:2026-12-03`,
    );
    clock.now = new Date("2026-12-02T18:01:00Z");
    await runJobs(bot);
    clock.now = new Date("2026-12-03T18:01:00Z");
    await runJobs(bot);
    clock.now = new Date("2026-12-04T18:01:00Z");
    await runJobs(bot);
    expect(cards(bot, campaigns)).toHaveLength(2);
  });

  it("asks on /task cancel: cancelling one occurrence keeps the series going (English)", async () => {
    const clock = { now: start };
    const { bot, campaign, campaigns } = await setUp(clock);
    await bot.run(
      bot.organizerId,
      `/task add campaign:${campaign.id} title:"Phone bank" due:"2026-12-02 18:00" repeat:daily`,
    );
    const task = await bot.rally.db.outreachTask.findFirstOrThrow();
    const asked = await bot.run(bot.organizerId, `/task cancel task:${task.id}`);
    expect(asked.content).toBe(
      "**Phone bank** is one occurrence of a repeating task. Cancel only this one (the next is still posted when its due date passes), or stop the series (this one is cancelled and no more are created)?",
    );
    expect(
      asked.components[0]?.components.map((button) => "label" in button && button.label),
    ).toEqual(["Cancel this one", "Stop the series"]);
    const pressed = bot.discord.clickButton({
      messageId: asked.id,
      userId: bot.organizerId,
      label: "Cancel this one",
    });
    const answer = await pressed.final();
    await bot.rally.settled();
    expect(answer.content).toBe("Task cancelled: **Phone bank**. Its claims were released.");
    expect(answer.components).toEqual([]);

    clock.now = new Date(firstDue.getTime() + 60_000);
    await runJobs(bot);
    const posted = cards(bot, campaigns);
    expect(posted).toHaveLength(2);
    expect(posted[0]?.embeds[0]?.footer?.text).toContain("Cancelled");
    expect(JSON.stringify(posted[1]?.embeds[0]?.fields)).toContain(
      `<t:${seconds(new Date("2026-12-03T18:00:00Z"))}:f>`,
    );
    expect(bot.discord.rejected()).toEqual([]);
  });

  it("asks on /task cancel: stopping the series cancels this one and creates no more (Russian)", async () => {
    const clock = { now: start };
    const { bot, campaign, campaigns } = await setUp(clock);
    const added = await bot.run(
      bot.organizerId,
      `/task add campaign:${campaign.id} title:"Обзвон" due:"2026-12-02 18:00" repeat:daily`,
      undefined,
      { locale: "ru" },
    );
    expect(added.content).toContain(
      "Оно повторяется каждый день: когда срок пройдёт, будет опубликовано следующее со сроком на день позже.",
    );
    const task = await bot.rally.db.outreachTask.findFirstOrThrow();
    const asked = await bot.run(bot.organizerId, `/task cancel task:${task.id}`, undefined, {
      locale: "ru",
    });
    expect(asked.content).toMatch(/^\*\*Обзвон\*\* — один из повторов задания\./);
    const pressed = bot.discord.clickButton({
      messageId: asked.id,
      userId: bot.organizerId,
      label: "Остановить серию",
      locale: "ru",
    });
    const answer = await pressed.final();
    await bot.rally.settled();
    expect(answer.content).toBe(
      "Серия остановлена: новых заданий **Обзвон** больше не будет, а это задание отменено. Все взятые места освобождены.",
    );

    clock.now = new Date(firstDue.getTime() + 60_000);
    await runJobs(bot);
    clock.now = new Date("2026-12-05T12:00:00Z");
    await runJobs(bot);
    expect(cards(bot, campaigns)).toHaveLength(1);
    expect(await bot.rally.db.outreachTask.count()).toBe(1);
    expect(bot.discord.rejected()).toEqual([]);
  });

  it("ends the series when its campaign closes", async () => {
    const clock = { now: start };
    const { bot, campaign, campaigns } = await setUp(clock);
    await bot.run(
      bot.organizerId,
      `/task add campaign:${campaign.id} title:"Phone bank" due:"2026-12-02 18:00" repeat:daily`,
    );
    await bot.run(bot.organizerId, `/campaign close campaign:${campaign.id} outcome:won`);
    clock.now = new Date(firstDue.getTime() + 60_000);
    await runJobs(bot);
    await bot.run(bot.organizerId, `/campaign reopen campaign:${campaign.id}`);
    clock.now = new Date("2026-12-04T12:00:00Z");
    await runJobs(bot);
    expect(cards(bot, campaigns)).toHaveLength(1);
  });
  it("imports a repeating task from a CSV with the repeat column, and repeats it", async () => {
    const clock = { now: start };
    const { bot, campaign, campaigns } = await setUp(clock);
    const csv = [
      "title,kind,location,slots,due,instructions,repeat",
      "Refresh the library bulletin board,bulletin_board,,1,2026-12-02 18:00,,monthly",
      "Share the petition,online,,5,,,",
    ].join("\n");
    await bot.discord
      .slash({
        guildId: bot.guildId,
        channelId: bot.channelId,
        userId: bot.organizerId,
        command: "task",
        subcommand: "import",
        options: { campaign: String(campaign.id), file: "tasks.csv" },
        attachments: {
          file: { filename: "tasks.csv", contentType: "text/csv", data: Buffer.from(csv, "utf8") },
        },
      })
      .final();
    expect(await bot.rally.db.outreachTask.count()).toBe(2);
    clock.now = new Date(firstDue.getTime() + 60_000);
    await runJobs(bot);
    const posted = cards(bot, campaigns);
    const last = posted.at(-1)?.embeds[0];
    expect(last?.title).toBe("Refresh the library bulletin board");
    expect(last?.description).toContain("🔁 Repeats monthly");
    expect(JSON.stringify(last?.fields)).toContain(
      `<t:${seconds(new Date("2027-01-02T18:00:00Z"))}:f>`,
    );
    expect(await bot.rally.db.outreachTask.count()).toBe(3);
  });
});
