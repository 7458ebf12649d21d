import { afterEach, describe, expect, it } from "vitest";
import { startTestBot, type TestBot } from "../support/bot.ts";
import { startPetitionServer, type PetitionServer } from "../sources/petitionServer.ts";

const minute = 60_000;
const hour = 60 * minute;

const servers: PetitionServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

async function setUp(
  options: { clock?: { now: Date }; sourceFetch?: (server: PetitionServer) => object } = {},
) {
  const server = await startPetitionServer();
  servers.push(server);
  const bot = await startTestBot({
    ...(options.clock ? { now: () => options.clock?.now ?? new Date() } : {}),
    sourceAllowHosts: `127.0.0.1:${server.port}`,
    ...(options.sourceFetch ? { sourceFetch: options.sourceFetch(server) } : {}),
  });
  const campaigns = bot.world.channels.find((channel) => channel.name === "campaigns")?.id ?? "";
  await bot.run(
    bot.organizerId,
    `/campaign create title:"Save the wetlands" goal:500 channel:<#${campaigns}>`,
  );
  const campaign = await bot.rally.db.campaign.findFirstOrThrow();
  return { bot, server, campaign, campaigns, live: `${server.origin}/live.json` };
}

async function countOf(bot: TestBot, id: number) {
  return (await bot.rally.db.campaign.findUniqueOrThrow({ where: { id } })).count;
}

async function poll(bot: TestBot) {
  await bot.rally.scheduler.tick();
  await bot.rally.settled();
}

describe("/campaign source", () => {
  it("reads at once and saves, then a poll moves the count and an unchanged one writes nothing", async () => {
    const clock = { now: new Date(Date.UTC(2026, 11, 7, 14, 2)) };
    const { bot, server, campaign, live } = await setUp({ clock });
    server.live.count = 1204;
    const set = await bot.run(
      bot.organizerId,
      `/campaign source set campaign:${campaign.id} url:"${live}?key=secret" kind:json field:count`,
    );
    expect(set.flags & 64).toBe(64);
    expect(set.content).toMatch(
      /^Read \*\*1,204\*\* signatures from 127\.0\.0\.1:\d+ at <t:\d+:t> \(chosen: JSON\)\. The count is now \*\*1,204\*\*; Rally reads it again every 15 minutes\.$/,
    );
    expect(await countOf(bot, campaign.id)).toBe(1204);
    const entries = await bot.rally.db.countEntry.findMany();
    expect(entries.map((entry) => [entry.kind, entry.countAfter, entry.actorId])).toEqual([
      ["reading", 1204, "auto: 127.0.0.1"],
    ]);

    // Not due yet: nothing is fetched.
    const before = server.seen.length;
    await poll(bot);
    expect(server.seen.length).toBe(before);

    server.live.count = 1300;
    clock.now = new Date(clock.now.getTime() + 15 * minute);
    await poll(bot);
    expect(await countOf(bot, campaign.id)).toBe(1300);

    clock.now = new Date(clock.now.getTime() + 15 * minute);
    await poll(bot);
    expect(server.seen.length).toBe(before + 2);
    expect(await bot.rally.db.countEntry.count()).toBe(2);

    // An offline tally stays on top of the next reading; a typed count is refused.
    await bot.run(bot.organizerId, `/campaign count campaign:${campaign.id} add:50`);
    server.live.count = 1310;
    clock.now = new Date(clock.now.getTime() + 15 * minute);
    await poll(bot);
    expect(await countOf(bot, campaign.id)).toBe(1360);
    const refused = await bot.run(
      bot.organizerId,
      `/campaign count campaign:${campaign.id} set:10`,
    );
    expect(refused.content).toContain("/campaign source remove");
    expect(await countOf(bot, campaign.id)).toBe(1360);

    const shown = await bot.run(bot.organizerId, `/campaign source show campaign:${campaign.id}`);
    const description = shown.embeds[0]?.description ?? "";
    expect(description).toContain(`Address: <${live}>`);
    expect(description).not.toContain("secret");
    expect(description).toContain("Status: reading normally");

    const removed = await bot.run(
      bot.organizerId,
      `/campaign source remove campaign:${campaign.id}`,
    );
    expect(removed.content).toContain("no longer reads its count from a source");
    await bot.run(bot.organizerId, `/campaign count campaign:${campaign.id} set:10`);
    expect(await countOf(bot, campaign.id)).toBe(10);
    const audit = await bot.rally.db.auditEntry.findMany({
      where: { action: { startsWith: "campaign.source" } },
    });
    expect(audit.map((entry) => entry.action)).toEqual([
      "campaign.source.set",
      "campaign.source.remove",
    ]);
  });

  it("answers in Russian, and refuses a page with no number, saving nothing", async () => {
    const { bot, server, campaign } = await setUp();
    const answer = await bot.run(
      bot.organizerId,
      `/campaign source set campaign:${campaign.id} url:"${server.origin}/no-number" kind:page field:"Подписали: {n}"`,
      undefined,
      { locale: "ru" },
    );
    expect(answer.content).toMatch(/^На 127\.0\.0\.1:\d+ нет числа там, где оно ожидалось\./);
    expect(await bot.rally.db.countSource.count()).toBe(0);
    server.live.count = 42;
    const read = await bot.run(
      bot.organizerId,
      `/campaign source set campaign:${campaign.id} url:"${server.origin}/live.json" kind:json field:count every:5`,
      undefined,
      { locale: "ru" },
    );
    expect(read.content).toMatch(
      /^Прочитано \*\*42\*\* \(signatures\) с 127\.0\.0\.1:\d+ в <t:\d+:t>/,
    );
    expect(read.content).toContain("каждые 5 мин.");
  });

  it("refuses private addresses at set with a friendly message, saving nothing", async () => {
    const { bot, server, campaign } = await setUp({
      sourceFetch: () => ({
        resolve: async (name: string) =>
          name === "petition.example" ? [{ address: "10.0.0.7", family: 4 }] : [],
      }),
    });
    for (const url of [
      `http://127.0.0.2:${server.port}/live.json`,
      "http://petition.example/live.json",
      `${server.origin}/redirect?to=http://127.0.0.3:${server.port}/live.json`,
    ]) {
      const answer = await bot.run(
        bot.organizerId,
        `/campaign source set campaign:${campaign.id} url:"${url}" kind:json field:count`,
      );
      expect(answer.flags & 64).toBe(64);
      expect(answer.content).toMatch(
        /^Rally does not read addresses on private or local networks \(.+\)\. Give the petition's public address\. Nothing was saved\.$/,
      );
    }
    expect(await bot.rally.db.countSource.count()).toBe(0);
    expect(await bot.rally.db.countEntry.count()).toBe(0);
  });

  it("holds a reading that drops by more than 5 %, asks organizers once, and Accept writes it", async () => {
    const clock = { now: new Date(Date.UTC(2026, 11, 7, 14, 0)) };
    const { bot, server, campaign, campaigns, live } = await setUp({ clock });
    server.live.count = 400;
    await bot.run(
      bot.organizerId,
      `/campaign source set campaign:${campaign.id} url:"${live}" kind:json field:count`,
    );
    const posted = bot.discord.messages(campaigns).length;
    server.live.count = 40;
    for (let round = 0; round < 2; round++) {
      clock.now = new Date(clock.now.getTime() + 15 * minute);
      await poll(bot);
    }
    expect(await countOf(bot, campaign.id)).toBe(400);
    const asked = bot.discord.messages(campaigns).slice(posted);
    expect(asked).toHaveLength(1);
    const question = asked[0];
    expect(question?.content).toMatch(/^Rally read \*\*40\*\* for \*\*Save the wetlands\*\*/);

    const volunteer = bot.discord.clickButton({
      messageId: question?.id ?? "",
      userId: bot.volunteerIds[0],
      label: "Accept",
    });
    expect((await volunteer.final()).content).toMatch(/organizer/i);
    expect(await countOf(bot, campaign.id)).toBe(400);

    const accepted = bot.discord.clickButton({
      messageId: question?.id ?? "",
      userId: bot.organizerId,
      label: "Accept",
    });
    await accepted.response();
    await bot.rally.settled();
    expect(await countOf(bot, campaign.id)).toBe(40);
    const edited = bot.discord.messages(campaigns).find((message) => message.id === question?.id);
    expect(edited?.content).toMatch(
      /^Accepted by <@\d+>: the count of \*\*Save the wetlands\*\* is now \*\*40\*\*\.$/,
    );
    expect(edited?.components).toEqual([]);
  });

  it("pauses a source failing for 24 hours, says so, and check resumes it", async () => {
    const clock = { now: new Date(Date.UTC(2026, 11, 7, 14, 0)) };
    const { bot, server, campaign, live } = await setUp({ clock });
    server.live.count = 100;
    await bot.run(
      bot.organizerId,
      `/campaign source set campaign:${campaign.id} url:"${live}" kind:json field:count`,
    );
    server.live.count = "down";
    for (let step = 0; step < 16; step++) {
      clock.now = new Date(clock.now.getTime() + 2 * hour);
      await poll(bot);
    }
    const source = await bot.rally.db.countSource.findFirstOrThrow();
    expect(source.status).toBe("paused");
    expect(source.lastError).toBe("http 503");
    const reads = server.seen.length;
    clock.now = new Date(clock.now.getTime() + 4 * hour);
    await poll(bot);
    expect(server.seen.length).toBe(reads);

    const shown = await bot.run(bot.organizerId, `/campaign show campaign:${campaign.id}`);
    expect(shown.content).toContain("The count source is paused after failing for 24 hours");
    const sourceShown = await bot.run(
      bot.organizerId,
      `/campaign source show campaign:${campaign.id}`,
    );
    expect(sourceShown.embeds[0]?.description).toContain(
      "Status: paused after failing for 24 hours (http 503)",
    );

    const preview = await bot.run(bot.organizerId, `/summary preview campaign:${campaign.id}`);
    expect(JSON.stringify(preview.embeds)).toContain(
      "The count source is paused after failing for 24 hours",
    );

    server.live.count = 130;
    const checked = await bot.run(
      bot.organizerId,
      `/campaign source check campaign:${campaign.id}`,
    );
    expect(checked.content).toMatch(
      /^Read 130 from 127\.0\.0\.1:\d+: the count is now \*\*130\*\*\./,
    );
    expect(checked.content).toContain(
      "The source was paused; Rally reads it again every 15 minutes.",
    );
    expect((await bot.rally.db.countSource.findFirstOrThrow()).status).toBe("active");
    server.live.count = 140;
    clock.now = new Date(clock.now.getTime() + 16 * minute);
    await poll(bot);
    expect(await countOf(bot, campaign.id)).toBe(140);
  });

  it("asks for the Action Network key in a modal first, sends it only to its API, and never shows it", async () => {
    const key = "an-key-SECRET-7f3a9c";
    const { bot, server, campaign } = await setUp({
      // The local site stands in for Action Network's API origin.
      sourceFetch: (server) => ({ apiKeyOrigin: server.origin }),
    });
    const url = `${server.origin}/api/v2/petitions/save-the-wetlands`;
    const opened = bot.discord.slash({
      guildId: bot.guildId,
      channelId: bot.channelId,
      userId: bot.organizerId,
      ...bot.discord.parseCommandLine(
        `/campaign source set campaign:${campaign.id} url:"${url}" kind:action_network`,
      ),
    });
    expect((await opened.response()).type).toBe(9);
    expect(opened.modal?.title).toBe("Action Network API key");
    const submitted = bot.discord.submitModal({
      handle: opened,
      userId: bot.organizerId,
      values: { url, key },
    });
    // Deferred first (type 5), then the answer once the read is done.
    expect((await submitted.response()).type).toBe(5);
    const answer = await submitted.final();
    await bot.rally.settled();
    expect(answer.content).toMatch(
      /^Read \*\*\d[\d,]*\*\* signatures from 127\.0\.0\.1:\d+ at <t:\d+:t> \(chosen: Action Network\)/,
    );
    const settings = await bot.rally.db.guildSettings.findFirstOrThrow({
      where: { guildId: bot.guildId },
    });
    expect(settings.actionNetworkKey).toBe(key);

    // Sent as Action Network's header, to its API origin only (redirects: test/sources).
    expect(server.seen.map((request) => request.headers["osdi-api-token"])).toContain(key);

    const shown = await bot.run(bot.organizerId, `/campaign source show campaign:${campaign.id}`);
    expect(shown.embeds[0]?.description).toContain("Action Network key: set");
    const exported = await bot.run(bot.organizerId, `/campaign export campaign:${campaign.id}`);
    const mine = await bot.run(bot.organizerId, "/me export");
    const audit = await bot.run(bot.organizerId, "/settings audit");
    const everything = JSON.stringify([
      shown,
      exported.attachments.map((file) => file.data.toString("utf8")),
      mine.attachments.map((file) => file.data.toString("utf8")),
      audit,
      await bot.rally.db.auditEntry.findMany(),
      bot.logs,
    ]);
    expect(everything).not.toContain(key);
    expect(everything).not.toContain("SECRET");
  });

  it("hands a hanging site's read to the source pool: the due-job pass does not wait for it", async () => {
    const clock = { now: new Date(Date.UTC(2026, 11, 7, 14, 0)) };
    const { bot, server, campaign, live } = await setUp({
      clock,
      sourceFetch: () => ({ timeoutMs: 3000 }),
    });
    server.live.count = 100;
    await bot.run(
      bot.organizerId,
      `/campaign source set campaign:${campaign.id} url:"${live}" kind:json field:count`,
    );
    server.live.count = "hang";
    clock.now = new Date(clock.now.getTime() + 15 * minute);
    const started = performance.now();
    await bot.rally.scheduler.tick();
    expect(performance.now() - started).toBeLessThan(1500);
    // The read times out in the pool, and is recorded as a failure, the next poll backed off.
    await bot.rally.settled();
    const source = await bot.rally.db.countSource.findFirstOrThrow();
    expect([source.lastError, source.failures]).toEqual(["timeout", 1]);
    expect(await countOf(bot, campaign.id)).toBe(100);
  });

  it("fetches an address several campaigns track once per round", async () => {
    const clock = { now: new Date(Date.UTC(2026, 11, 7, 14, 2)) };
    const { bot, server, campaign, campaigns, live } = await setUp({ clock });
    await bot.run(
      bot.organizerId,
      `/campaign create title:"Save the river" goal:500 channel:<#${campaigns}>`,
    );
    const second = await bot.rally.db.campaign.findFirstOrThrow({
      where: { title: "Save the river" },
    });
    server.live.count = 100;
    for (const id of [campaign.id, second.id]) {
      await bot.run(
        bot.organizerId,
        `/campaign source set campaign:${id} url:"${live}" kind:json field:count`,
      );
      clock.now = new Date(clock.now.getTime() + 3 * minute);
    }
    server.live.count = 120;
    const before = server.seen.length;
    clock.now = new Date(Date.UTC(2026, 11, 7, 14, 15));
    await poll(bot);
    expect(server.seen.length).toBe(before + 1);
    expect([await countOf(bot, campaign.id), await countOf(bot, second.id)]).toEqual([120, 120]);
  });
});
