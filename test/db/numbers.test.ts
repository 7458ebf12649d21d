import { describe, expect, it } from "vitest";
import { createCampaign } from "../../src/domain/campaigns.ts";
import { importTasks } from "../../src/domain/taskImport.ts";
import { addTask } from "../../src/domain/tasks.ts";
import { createTestDb } from "../support/db.ts";
import { campaignFields, ids } from "../support/domain.ts";

const { guild, otherGuild, organizer } = ids;
const task = (title: string) => ({
  title,
  kind: "other" as const,
  location: null,
  slots: 1,
  dueAt: null,
  instructions: null,
});
const oneToTwenty = Array.from({ length: 20 }, (_, index) => index + 1);

// Runs on SQLite, and on PostgreSQL in the second pass (TEST_POSTGRES_URL).
describe("numbers per server", () => {
  it("numbers twenty campaigns created at once in one server 1..20, without gap or duplicate", async () => {
    const db = await createTestDb();
    const created = await Promise.all(
      oneToTwenty.map((n) =>
        createCampaign(db, guild, organizer, campaignFields({ title: `Campaign ${n}` })),
      ),
    );
    expect(created.map((campaign) => campaign.number).sort((a, b) => a - b)).toEqual(oneToTwenty);
    // Another server starts at #1, whatever the ids are by now.
    const elsewhere = await createCampaign(db, otherGuild, organizer, campaignFields());
    expect(elsewhere.number).toBe(1);
    expect(elsewhere.id).toBeGreaterThan(20);
  });

  it("numbers twenty tasks added at once in one server 1..20, across its campaigns", async () => {
    const db = await createTestDb();
    const first = await createCampaign(db, guild, organizer, campaignFields({ title: "One" }));
    const second = await createCampaign(db, guild, organizer, campaignFields({ title: "Two" }));
    // The other server's tasks are added at the same time and count on their own.
    const foreign = await createCampaign(db, otherGuild, organizer, campaignFields());
    const [ours, theirs] = await Promise.all([
      Promise.all(
        oneToTwenty.map((n) =>
          addTask(db, guild, organizer, (n % 2 ? first : second).id, task(`Task ${n}`)),
        ),
      ),
      Promise.all(
        oneToTwenty.map((n) => addTask(db, otherGuild, organizer, foreign.id, task(`T ${n}`))),
      ),
    ]);
    expect(ours.map((row) => row.number).sort((a, b) => a - b)).toEqual(oneToTwenty);
    expect(theirs.map((row) => row.number).sort((a, b) => a - b)).toEqual(oneToTwenty);
  });

  it("numbers an import's tasks after the server's highest, in file order, while tasks are added", async () => {
    const db = await createTestDb();
    const campaign = await createCampaign(db, guild, organizer, campaignFields());
    await addTask(db, guild, organizer, campaign.id, task("Before"));
    const [imported, ...added] = await Promise.all([
      importTasks(
        db,
        guild,
        organizer,
        campaign.id,
        oneToTwenty.map((n) => task(`Imported ${n}`)),
      ),
      ...[1, 2, 3].map((n) => addTask(db, guild, organizer, campaign.id, task(`Added ${n}`))),
    ]);
    expect(imported.created).toBe(20);
    const rows = await db.outreachTask.findMany({
      where: { guildId: guild },
      orderBy: { number: "asc" },
    });
    expect(rows.map((row) => row.number)).toEqual(Array.from({ length: 24 }, (_, i) => i + 1));
    const importedNumbers = rows
      .filter((row) => row.title.startsWith("Imported"))
      .map((row) => [row.title, row.number]);
    const start = importedNumbers[0]?.[1] as number;
    expect(importedNumbers).toEqual(oneToTwenty.map((n) => [`Imported ${n}`, start + n - 1]));
    expect(added).toHaveLength(3);
  });
});
