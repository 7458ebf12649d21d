/**
 * Encryption at rest (#25): with DATA_KEY, what a member wrote about where and how they worked
 * is not in the database file's bytes, yet the bot shows it to those allowed as before; a
 * database sealed with a key Rally was not given refuses to start.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startRally } from "../../src/app.ts";
import { openDatabase } from "../../src/db/client.ts";
import { DataKeyRefusal } from "../../src/db/dataKey.ts";
import { parseDataKey, seal } from "../../src/db/secrets.ts";
import { sqlitePathFromUrl } from "../../src/db/migrate.ts";
import { storeActionNetworkKey } from "../../src/domain/countSources.ts";
import { decideSubmissions } from "../../src/domain/reviews.ts";
import { createLogger } from "../../src/log.ts";
import { startTestBot, type TestBot } from "../support/bot.ts";
import { databaseKind, testDatabaseUrl } from "../support/db.ts";
import { entryCommand } from "../support/entry.ts";

const key = randomBytes(32).toString("base64");
const secrets = {
  location: "Behind the east gate 4b7e",
  proofLink: "https://example.org/proof-c41d9e",
  note: "Met Ales by the library 9a2f",
  reason: "The photo shows another campus 77d1",
  actionNetworkKey: "an-key-e5d3b0a1",
};

/** The database's files as bytes, the WAL included: what a copied disk would show. */
function databaseBytes(bot: TestBot): Buffer {
  const path = sqlitePathFromUrl(bot.databaseUrl);
  const files = [path, `${path}-wal`, `${path}-journal`].filter((file) => existsSync(file));
  return Buffer.concat(files.map((file) => readFileSync(file)));
}

/** A task with a location, a submission with proof and note seen by /task review, then rejected. */
async function worldWithSecrets(dataKey?: string) {
  const bot = await startTestBot(dataKey ? { dataKey } : {});
  const campaigns = bot.world.channels.find((channel) => channel.name === "campaigns")?.id ?? "";
  await bot.run(
    bot.organizerId,
    `/campaign create title:"Free political prisoners" goal:500 channel:<#${campaigns}>`,
  );
  const campaign = await bot.rally.db.campaign.findFirstOrThrow();
  await bot.run(bot.organizerId, "/settings review_required enabled:true");
  await bot.run(
    bot.organizerId,
    `/task add campaign:${campaign.id} title:"Flyers" kind:campus slots:2 location:"${secrets.location}"`,
  );
  const task = await bot.rally.db.outreachTask.findFirstOrThrow();
  const [volunteer = ""] = bot.volunteerIds;
  await bot.run(volunteer, `/task claim task:${task.id}`);
  // The card as the claim left it (edited from the task the claim's own statement returned).
  const claimedCard = bot.discord.message(task.cardMessageId ?? "");
  await bot.run(
    volunteer,
    `/task done task:${task.id} proof_link:${secrets.proofLink} note:"${secrets.note}"`,
  );
  const review = await bot.run(bot.organizerId, `/task review task:${task.id}`);
  const card = bot.discord.message(task.cardMessageId ?? "");
  const claim = await bot.rally.db.claim.findFirstOrThrow();
  await decideSubmissions(
    bot.rally.db,
    bot.guildId,
    bot.organizerId,
    [{ claimId: claim.id, approve: false, reason: secrets.reason }],
    new Date(),
  );
  await bot.rally.scheduler.tick();
  await storeActionNetworkKey(bot.rally.db, bot.guildId, bot.organizerId, secrets.actionNetworkKey);
  const dm = bot.discord.directMessageChannel(volunteer);
  const told = dm ? bot.discord.messages(dm.id).map((message) => message.content) : [];
  const safety = await bot.run(bot.organizerId, "/rally safety");
  return { bot, review, card, claimedCard, told, safety, claim };
}

describe("encryption at rest (DATA_KEY)", () => {
  it("without a key the values are in the file's bytes (so the test below proves something)", async () => {
    const { bot, safety } = await worldWithSecrets();
    if (databaseKind === "sqlite") {
      const bytes = databaseBytes(bot);
      for (const secret of Object.values(secrets)) expect(bytes.includes(secret)).toBe(true);
    }
    expect(safety.embeds[0]?.description).toMatch(/⚠️ \*\*Encryption at rest: off/);
  });

  it("with a key none of them is stored in clear, and the bot still shows each to whom it did", async () => {
    const { bot, review, card, claimedCard, told, safety, claim } = await worldWithSecrets(key);
    const stored = await bot.rally.db.claim.findUniqueOrThrow({ where: { id: claim.id } });
    expect(stored.proofLink).toMatch(/^enc:v1:[0-9a-f]{8}:/);
    expect(stored.note).toMatch(/^enc:v1:/);
    expect(stored.rejectReason).toMatch(/^enc:v1:/);
    expect((await bot.rally.db.outreachTask.findFirstOrThrow()).location).toMatch(/^enc:v1:/);
    expect((await bot.rally.db.guildSettings.findFirstOrThrow()).actionNetworkKey).toMatch(
      /^enc:v1:/,
    );
    if (databaseKind === "sqlite") {
      const bytes = databaseBytes(bot);
      for (const secret of Object.values(secrets)) expect(bytes.includes(secret)).toBe(false);
    }
    // The organizer's review shows the proof and the note; the card the location; the
    // volunteer's DM the reason: all in clear, as without a key.
    const shown = JSON.stringify(review.embeds);
    expect(shown).toContain(secrets.proofLink);
    expect(shown).toContain(secrets.note);
    expect(JSON.stringify(card?.embeds)).toContain(secrets.location);
    expect(JSON.stringify(claimedCard?.embeds)).toContain(secrets.location);
    expect(told.join("\n")).toContain(secrets.reason);
    expect(safety.embeds[0]?.description).toMatch(/✅ \*\*Encryption at rest\*\* is on/);

    // Restarted without the key, or with another one, Rally refuses in one line.
    await bot.rally.stop();
    const restart = (dataKey?: string) =>
      startRally({
        config: {
          DATABASE_URL: bot.databaseUrl,
          DISCORD_API_URL: bot.discord.apiUrl,
          LOG_LEVEL: "silent",
          ...(dataKey ? { DATA_KEY: dataKey } : {}),
        },
        token: "test-token-for-the-local-discord",
        log: createLogger("silent"),
      });
    await expect(restart()).rejects.toThrow(DataKeyRefusal);
    await expect(restart()).rejects.toThrow(
      /^The database holds values encrypted with a key \(id [0-9a-f]{8}\), and DATA_KEY is not set/,
    );
    await expect(restart(randomBytes(32).toString("base64"))).rejects.toThrow(
      /encrypted with another key \(id [0-9a-f]{8}\) than DATA_KEY/,
    );
  });

  it("npm start on a database sealed with another key stops with one line, no stack, no value", async () => {
    const databaseUrl = await testDatabaseUrl();
    const db = await openDatabase(databaseUrl);
    await db.guildSettings.create({
      data: { guildId: "1", actionNetworkKey: seal(secrets.actionNetworkKey, parseDataKey(key)) },
    });
    await db.$disconnect();
    const sealedWith = parseDataKey(key)?.id ?? "";
    const run = (dataKey?: string) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
        const child = spawn(...entryCommand("main"), {
          cwd: mkdtempSync(join(tmpdir(), "rally-key-")),
          env: {
            PATH: process.env["PATH"] ?? "",
            DATABASE_URL: databaseUrl,
            DISCORD_TOKEN: "test-token-for-the-local-discord",
            DISCORD_API_URL: "http://127.0.0.1:9/api",
            ...(dataKey ? { DATA_KEY: dataKey } : {}),
          },
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
        child.on("exit", (code) => done({ code, stdout, stderr }));
      });
    const missing = await run();
    expect(missing).toMatchObject({ code: 1, stdout: "" });
    expect(missing.stderr.trim().split("\n")).toEqual([
      `The database holds values encrypted with a key (id ${sealedWith}), and DATA_KEY is not set: set it (RELIABILITY.md).`,
    ]);
    const other = randomBytes(32).toString("base64");
    const wrong = await run(other);
    expect(wrong).toMatchObject({ code: 1, stdout: "" });
    expect(wrong.stderr.trim().split("\n")).toEqual([
      `The database holds values encrypted with another key (id ${sealedWith}) than DATA_KEY (id ${parseDataKey(other)?.id ?? ""}): set the right DATA_KEY, or rotate with npm run data:rotate-key (RELIABILITY.md).`,
    ]);
    expect(wrong.stderr).not.toContain(other);
  });
});
