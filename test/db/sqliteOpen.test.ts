import { describe, expect, it } from "vitest";
import { createTestDb, databaseKind } from "../support/db.ts";

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
});
