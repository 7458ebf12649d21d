import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { createTestDb, databaseKind } from "../support/db.ts";

// SQLite only: PostgreSQL's adapter prepares nothing of its own.
describe.runIf(databaseKind === "sqlite")("the SQLite statement cache", () => {
  it("prepares each query once, and passes each call its own parameters", async () => {
    const prepared: string[] = [];
    const original = Database.prototype.prepare;
    Database.prototype.prepare = function (this: Database.Database, sql: string) {
      prepared.push(sql);
      return original.call(this, sql);
    } as typeof original;
    try {
      const db = await createTestDb();
      const guild = (n: number) => `10000000000000000${n}`;
      for (const n of [1, 2, 3])
        await db.guildSettings.create({ data: { guildId: guild(n), timezone: `Zone/${n}` } });
      prepared.length = 0;

      const read: (string | null)[] = [];
      for (const n of [3, 1, 2, 9]) {
        const row = await db.guildSettings.findUnique({ where: { guildId: guild(n) } });
        read.push(row?.timezone ?? null);
      }
      expect(read).toEqual(["Zone/3", "Zone/1", "Zone/2", null]);
      // Each statement keeps its own column list: two shapes read in turn name their own columns.
      for (const n of [1, 2]) {
        expect(
          await db.$queryRawUnsafe(
            'SELECT "timezone" AS "zone" FROM "GuildSettings" WHERE "guildId" = ?',
            guild(n),
          ),
        ).toEqual([{ zone: `Zone/${n}` }]);
        expect(
          await db.$queryRawUnsafe(
            'SELECT "language", "guildId" AS "server" FROM "GuildSettings" WHERE "guildId" = ?',
            guild(n),
          ),
        ).toEqual([{ language: "en", server: guild(n) }]);
      }
      await db.$transaction(async (tx) => {
        await tx.guildSettings.update({ where: { guildId: guild(1) }, data: { language: "uk" } });
        await tx.guildSettings.update({ where: { guildId: guild(2) }, data: { language: "ru" } });
      });
      const languages = await db.guildSettings.findMany({ orderBy: { guildId: "asc" } });
      expect(languages.map((row) => row.language)).toEqual(["uk", "ru", "en"]);
      // Every shape, read or update, is prepared once however often it runs (BEGIN, COMMIT and
      // the list read included).
      expect(new Set(prepared).size).toBe(prepared.length);
    } finally {
      Database.prototype.prepare = original;
    }
  });
});
