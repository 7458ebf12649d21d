import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { openDatabase } from "../../src/db/client.ts";
import { sqlitePathFromUrl } from "../../src/db/migrate.ts";
import { sqliteConnection } from "../../src/db/sqliteDirect.ts";
import { sqliteReads } from "../../src/db/sqliteReads.ts";
import { createTestDb, databaseKind, testDatabaseUrl } from "../support/db.ts";

// SQLite only: these are properties of Rally's one SQLite connection.
describe.runIf(databaseKind === "sqlite")("a SQLite database as Rally opens it", () => {
  it("runs in WAL mode and commits with synchronous NORMAL on the connection Prisma uses", async () => {
    const db = await createTestDb();
    const [journal] = await db.$queryRawUnsafe<{ journal_mode: string }[]>("PRAGMA journal_mode");
    const [sync] =
      await db.$queryRawUnsafe<{ synchronous: number | bigint }[]>("PRAGMA synchronous");
    expect(journal?.journal_mode).toBe("wal");
    // 1 is NORMAL (2, FULL, is SQLite's default).
    expect(Number(sync?.synchronous)).toBe(1);
  });

  // Opening no longer starts Prisma (its query compiler waits for its first query); the file's
  // one connection must still close on $disconnect either way. SQLite removes the -wal file when
  // the last connection to it closes.
  it.each([
    ["made only Rally's own reads", false],
    ["made a Prisma query too", true],
  ])("closes its connection on $disconnect when it %s", async (_, usePrisma) => {
    const url = await testDatabaseUrl();
    const db = await openDatabase(url);
    const connection = sqliteConnection(db);
    expect(sqliteReads(db)?.guildSettings("100000000000000000")).toBeNull();
    if (usePrisma) {
      expect(await db.campaign.count()).toBe(0);
      // Prisma connected to the connection Rally's own statements use, not a second one.
      expect(sqliteConnection(db)).toBe(connection);
    }
    expect(existsSync(`${sqlitePathFromUrl(url)}-wal`)).toBe(true);
    await db.$disconnect();
    expect(connection?.open).toBe(false);
    expect(existsSync(`${sqlitePathFromUrl(url)}-wal`)).toBe(false);
  });
});
