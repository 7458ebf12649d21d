/**
 * Member ids at rest (#25): with DATA_KEY no Discord member id of the server's members is in
 * the database file's bytes, yet the bot still finds a volunteer's claims, mentions and DMs
 * them, lists who claimed what for organizers, forgets and purges them.
 */
import { existsSync, readFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { startRally } from "../../src/app.ts";
import { openDatabase } from "../../src/db/client.ts";
import { sqlitePathFromUrl } from "../../src/db/migrate.ts";
import { rotateDataKey } from "../../src/db/rotateKey.ts";
import { parseDataKey, type DataKey } from "../../src/db/secrets.ts";
import { createLogger } from "../../src/log.ts";
import { databaseKind } from "../support/db.ts";
import { channelNamed, purgeServer, startTestBot, type TestBot } from "../support/bot.ts";

const key = randomBytes(32).toString("base64");

/** The database's files as bytes, the WAL included: what a copied disk would show. */
function databaseBytes(bot: TestBot): Buffer {
  const path = sqlitePathFromUrl(bot.databaseUrl);
  const files = [path, `${path}-wal`, `${path}-journal`].filter((file) => existsSync(file));
  return Buffer.concat(files.map((file) => readFileSync(file)));
}

/** The review's button `label` pressed by the organizer, and the bot's work after it. */
async function pressOnReview(bot: TestBot, reviewId: string, label: string) {
  const answer = await bot.discord
    .clickButton({ messageId: reviewId, userId: bot.organizerId, label })
    .final();
  await bot.rally.settled();
  return answer;
}

/**
 * Claims, an unclaim, a claim again, proofs, a review approved (the claimant's DM), public
 * credit thanked by mention in a summary, /me, /task list for organizers: what the bot showed.
 */
async function worldWithMembers(dataKey?: string) {
  const bot = await startTestBot(dataKey ? { dataKey } : {});
  const campaigns = channelNamed(bot, "campaigns");
  const [alone, credited] = bot.volunteerIds;
  await bot.run(
    bot.organizerId,
    `/campaign create title:"Free political prisoners" goal:500 channel:<#${campaigns}>`,
  );
  const campaign = await bot.rally.db.campaign.findFirstOrThrow();
  await bot.run(bot.organizerId, "/settings review_required enabled:true");
  const add = (line: string) =>
    bot.run(bot.organizerId, `/task add campaign:${campaign.id} ${line}`);
  await add('title:"Flyers at the university" kind:campus slots:3');
  await add('title:"Posters" kind:campus slots:2');
  const [flyers, posters] = await bot.rally.db.outreachTask.findMany({ orderBy: { id: "asc" } });
  if (!flyers || !posters) throw new Error("no tasks");

  // Claimed, let go, claimed again: the release finds the member's claim by their id.
  await bot.run(alone, `/task claim task:${flyers.id}`);
  const released = await bot.run(alone, `/task release task:${flyers.id}`);
  await bot.run(alone, `/task claim task:${flyers.id}`);
  await bot.run(alone, `/task done task:${flyers.id} proof_link:https://example.org/a-7f3a`);
  await bot.run(credited, "/me credit mode:public");
  await bot.run(credited, `/task claim task:${flyers.id}`);
  await bot.run(credited, `/task done task:${flyers.id} proof_link:https://example.org/c-91c2`);
  await bot.run(credited, `/task claim task:${posters.id}`);

  const review = await bot.run(bot.organizerId, `/task review task:${flyers.id}`);
  const submittedBy = review.embeds[0]?.description;
  const approved = await pressOnReview(bot, review.id, "Approve");
  const secondReview = await bot.run(bot.organizerId, `/task review task:${flyers.id}`);
  await pressOnReview(bot, secondReview.id, "Approve");

  // A rejection is DMed to the claimant: Rally opens their sealed id to reach them.
  await bot.run(alone, `/task claim task:${posters.id}`);
  await bot.run(alone, `/task done task:${posters.id} proof_link:https://example.org/a-52be`);
  const third = await bot.run(bot.organizerId, `/task review task:${posters.id}`);
  const rejecting = bot.discord.clickButton({
    messageId: third.id,
    userId: bot.organizerId,
    label: "Reject",
  });
  await rejecting.response();
  await bot.discord
    .submitModal({
      handle: rejecting,
      userId: bot.organizerId,
      values: { reason: "Another campus." },
    })
    .final();
  await bot.rally.scheduler.tick();
  await bot.rally.settled();
  const told = await bot.discord
    .waitFor(
      () => {
        const dm = bot.discord.directMessageChannel(alone);
        return dm && bot.discord.messages(dm.id).at(-1);
      },
      2000,
      "a direct message to the volunteer",
    )
    .catch(() => undefined);

  const list = await bot.run(bot.organizerId, "/task list filter:claimed");
  await bot.run(bot.organizerId, `/summary now channel:<#${campaigns}>`);
  const summary = bot.discord
    .messages(campaigns)
    .find((message) => message.content.startsWith("💚"));
  const me = await bot.run(credited, "/me status");
  return {
    bot,
    alone,
    credited,
    flyers,
    posters,
    released,
    submittedBy,
    approved,
    told,
    list,
    summary,
    me,
  };
}

describe("member ids at rest (DATA_KEY)", () => {
  it("without a key the members' ids are in the file's bytes (so the test below proves something)", async () => {
    const { bot, alone, credited } = await worldWithMembers();
    if (databaseKind === "sqlite") {
      const bytes = databaseBytes(bot);
      for (const id of [alone, credited, bot.organizerId]) expect(bytes.includes(id)).toBe(true);
    }
  });

  it("turning the key on for plain member ids is refused in one line until data:rotate-key seals them; then their old claims are theirs", async () => {
    const { bot, credited } = await worldWithMembers();
    await bot.rally.stop();
    const start = () =>
      startRally({
        config: {
          DATABASE_URL: bot.databaseUrl,
          DISCORD_API_URL: bot.discord.apiUrl,
          LOG_LEVEL: "silent",
          DATA_KEY: key,
        },
        token: "test-token-for-the-local-discord",
        log: createLogger("silent"),
      });
    await expect(start()).rejects.toThrow(
      "The database holds member ids stored in clear, from before DATA_KEY: stop Rally and run npm run data:rotate-key once (RELIABILITY.md).",
    );
    const db = await openDatabase(bot.databaseUrl);
    try {
      await rotateDataKey(db, parseDataKey(key) as DataKey, null);
    } finally {
      await db.$disconnect();
    }
    const rally = await start();
    try {
      const status = await bot.discord
        .slash({
          guildId: bot.guildId,
          channelId: bot.channelId,
          userId: credited,
          command: "me",
          subcommand: "status",
          options: {},
        })
        .final();
      expect(status.embeds[0]?.footer?.text).toBe(
        "Done so far: 1 · Credit: public · Reminders: on",
      );
      expect(JSON.stringify(status.embeds)).toContain("Posters");
    } finally {
      await rally.stop();
    }
    if (databaseKind === "sqlite") {
      const bytes = databaseBytes(bot);
      for (const id of [...bot.volunteerIds, bot.organizerId])
        expect(bytes.includes(id)).toBe(false);
    }
  });

  it("with a key no member id is stored in clear, and the bot still finds, mentions, DMs, forgets and purges members", async () => {
    const world = await worldWithMembers(key);
    const { bot, alone, credited, flyers } = world;
    const members = [alone, credited, bot.organizerId];
    if (databaseKind === "sqlite") {
      const bytes = databaseBytes(bot);
      for (const id of members) expect(bytes.includes(id)).toBe(false);
    }
    const stored = await bot.rally.db.claim.findMany({ orderBy: { id: "asc" } });
    for (const claim of stored) expect(claim.volunteerId).toMatch(/^enc:m1:[0-9a-f]{8}:/);
    // Both of `alone`'s claims (the released one and the done one) carry the same sealed id.
    expect(stored[0]?.volunteerId).toBe(stored[1]?.volunteerId);
    expect(stored[0]?.volunteerId).not.toBe(stored[2]?.volunteerId);

    expect(world.released.content).toContain("Flyers at the university");
    expect(world.submittedBy).toMatch(new RegExp(`^Submitted by <@${alone}> <t:\\d+:R>$`));
    expect(world.approved.content).toBe(
      `Approved: <@${alone}>'s work on **Flyers at the university** now counts.`,
    );
    // The claimant's DM reached them: Rally opened their id to open the DM channel.
    expect(world.told?.content).toBe("Your work on **Posters** was not accepted: Another campus.");
    expect(world.list.embeds[0]?.description).toContain(`held by <@${credited}>`);
    expect(world.summary?.content).toBe(`💚 Thank you <@${credited}> and 1 more volunteer!`);
    expect(world.me.embeds[0]?.footer?.text).toBe(
      "Done so far: 1 · Credit: public · Reminders: on",
    );
    const audit = await bot.run(bot.organizerId, "/settings audit");
    expect(JSON.stringify(audit.embeds)).toContain(`<@${bot.organizerId}>`);

    // /me forget finds the member's rows by their sealed id and erases them.
    const prompt = await bot.run(credited, "/me forget");
    await bot.discord
      .clickButton({ messageId: prompt.id, userId: credited, label: "Erase me" })
      .response();
    await bot.rally.settled();
    const after = await bot.run(credited, "/me status");
    expect(after.embeds[0]?.footer?.text).toBe(
      "Done so far: 0 · Credit: anonymous · Reminders: on",
    );
    // Their sealed id (read raw before) is in no claim any more; the other member's stays.
    const sealedCredited = stored[2]?.volunteerId ?? "";
    expect(await bot.rally.db.claim.findMany({ where: { volunteerId: sealedCredited } })).toEqual(
      [],
    );
    expect(
      await bot.rally.db.claim.count({ where: { volunteerId: stored[0]?.volunteerId ?? "" } }),
    ).toBe(3);

    // The purge erases the rest; the claims stay counted.
    const purged = await purgeServer(bot, bot.organizerId, "Rally Sandbox");
    expect(purged.content).toMatch(/^\*\*Erased\.\*\*/);
    expect(purged.content).toMatch(
      /audit entries no longer name a person \(organizers show as “a former organizer”\)/,
    );
    // The audit trail keeps what organizers did, as done by "a former organizer", in each language.
    for (const [locale, former] of [
      ["en-US", "a former organizer"],
      ["ru", "бывший организатор"],
      ["uk", "колишній організатор"],
    ] as const) {
      const trail = await bot.run(bot.organizerId, "/settings audit", undefined, { locale });
      expect(trail.embeds[0]?.description).toMatch(new RegExp(` · ${former} · .*#${flyers.id}`));
    }
    expect(
      (await bot.rally.db.claim.findMany()).filter((claim) => claim.volunteerId !== null),
    ).toEqual([]);
    expect(
      await bot.rally.db.outreachTask.findUniqueOrThrow({ where: { id: flyers.id } }),
    ).toMatchObject({ doneCount: 2 });
  });
});
