import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { postgresMigrationsDir, sqliteMigrationsDir } from "../../src/db/migrate.ts";
import { nextSlot } from "../../src/domain/summarySchedule.ts";
import { createTestDb, databaseKind } from "../support/db.ts";

/*
 * Summary days became lists of weekdays ("mon,thu"). Schedules saved before keep their meaning:
 * the migration rewrites the three presets stored until then, on both databases.
 */

const name = "summary_days_weekdays";

function migrationSql(): string {
  const dir = databaseKind === "postgresql" ? postgresMigrationsDir : sqliteMigrationsDir;
  const folder = readdirSync(dir).find((entry) => entry.endsWith(`_${name}`));
  if (!folder) throw new Error(`no migration named ${name} in ${dir}`);
  return readFileSync(join(dir, folder, "migration.sql"), "utf8");
}

describe("the summary days migration", () => {
  it("rewrites daily, weekdays and weekly as their weekdays, and leaves lists alone", async () => {
    const db = await createTestDb();
    const stored = ["daily", "weekdays", "weekly", "mon,thu"];
    const nextRunAt = new Date("2026-12-01T12:00:00Z");
    for (const days of stored) {
      await db.summarySchedule.create({
        data: { guildId: "1", channelId: "2", time: "18:00", timeZone: "UTC", days, nextRunAt },
      });
    }
    const statements = migrationSql()
      .split(";")
      .map((statement) => statement.replace(/^\s*--.*$/gm, "").trim())
      .filter(Boolean);
    for (const statement of statements) await db.$executeRawUnsafe(statement);

    const rows = await db.summarySchedule.findMany({ orderBy: { id: "asc" } });
    expect(rows.map((row) => row.days)).toEqual([
      "mon,tue,wed,thu,fri,sat,sun",
      "mon,tue,wed,thu,fri",
      "mon",
      "mon,thu",
    ]);
    // Each schedule posts on the same days as before.
    for (const [index, row] of rows.entries()) {
      for (let week = 0; week < 7; week += 1) {
        const after = new Date(nextRunAt.getTime() + week * 86_400_000);
        expect(nextSlot({ time: "18:00", timeZone: "UTC", days: row.days }, after)).toEqual(
          nextSlot({ time: "18:00", timeZone: "UTC", days: stored[index] ?? "" }, after),
        );
      }
    }
  });
});
