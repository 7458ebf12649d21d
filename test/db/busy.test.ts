import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { translate } from "../../src/i18n/index.ts";
import { startTestBot } from "../support/bot.ts";
import { databaseKind } from "../support/db.ts";

const ephemeral = 64;

// SQLite only: one writer at a time is SQLite's rule, and the lock is taken with its own
// BEGIN IMMEDIATE from a second connection, as another process (a CLI, a second bot) would.
describe.skipIf(databaseKind !== "sqlite")("a database locked by another connection", () => {
  it("past the busy timeout answers 'try again', writes nothing, and the next attempt succeeds", async () => {
    const bot = await startTestBot();
    await bot.run(bot.organizerId, `/campaign create title:"Free political prisoners" goal:500`);
    const campaign = await bot.rally.db.campaign.findFirstOrThrow();
    await bot.run(bot.organizerId, `/campaign count campaign:${campaign.id} set:10`);
    const [file] = await bot.rally.db.$queryRaw<{ file: string }[]>`PRAGMA database_list`;
    const history = async () => ({
      count: (await bot.rally.db.campaign.findUniqueOrThrow({ where: { id: campaign.id } })).count,
      entries: await bot.rally.db.countEntry.count(),
      audits: await bot.rally.db.auditEntry.count({ where: { action: "campaign.count" } }),
    });
    expect(await history()).toEqual({ count: 10, entries: 1, audits: 1 });

    const holder = new Database(file?.file ?? "");
    holder.exec("BEGIN IMMEDIATE");
    try {
      const refused = await bot.run(
        bot.organizerId,
        `/campaign count campaign:${campaign.id} add:5`,
      );
      expect(refused.content).toBe(translate("en", "errors.busy"));
      expect(refused.flags & ephemeral).toBe(ephemeral);
      // Readers are not blocked (WAL): what the bot wrote so far is all there is.
      expect(await history()).toEqual({ count: 10, entries: 1, audits: 1 });
    } finally {
      holder.exec("ROLLBACK");
      holder.close();
    }
    const logged = await bot.discord.waitFor(
      () => bot.logs.find((line) => line["msg"] === "interaction" && line["outcome"] !== "ok"),
      5000,
      "the refused interaction's log line",
    );
    expect(logged).toMatchObject({ interaction: "campaign count", outcome: "busy" });

    const counted = await bot.run(bot.organizerId, `/campaign count campaign:${campaign.id} add:5`);
    expect(counted.content).toContain("**15**");
    expect(await history()).toEqual({ count: 15, entries: 2, audits: 2 });
    expect(bot.discord.rejected()).toEqual([]);
  });
});
