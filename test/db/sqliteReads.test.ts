import { describe, expect, it } from "vitest";
import type { Db } from "../../src/db/client.ts";
import { sqliteReads } from "../../src/db/sqliteReads.ts";
import { closeCampaign, createCampaign, getCampaign } from "../../src/domain/campaigns.ts";
import { addTask, cancelTask, claimTask, getTask, setTaskCard } from "../../src/domain/tasks.ts";
import { createTestDb, databaseKind } from "../support/db.ts";

const guild = "100000000000000001";
const otherGuild = "100000000000000002";
const organizer = "200000000000000001";
const alice = "300000000000000001";
const now = new Date("2026-05-01T10:00:00.000Z");

/** Two campaigns (every optional field set / none, one closed) with tasks in several states. */
async function seed(db: Db) {
  const full = await createCampaign(db, guild, organizer, {
    title: "Free political prisoners",
    goal: 500,
    unit: "letters",
    description: "Write to them",
    link: "https://example.org/letters",
    callToAction: "text SIGN PMSUBG to 50409",
    channelId: "500000000000000001",
    endsAt: new Date("2026-08-01T18:30:00.123Z"),
    autoRaise: false,
  });
  const bare = await createCampaign(db, guild, organizer, {
    title: "Bus lanes",
    goal: 100,
    unit: "signatures",
    description: null,
    link: null,
    callToAction: null,
    channelId: "500000000000000001",
    endsAt: null,
    autoRaise: true,
  });
  const task = (campaignId: number, title: string, dueAt: Date | null) =>
    addTask(db, guild, organizer, campaignId, {
      title,
      kind: "campus",
      location: dueAt ? "Main building" : null,
      slots: 3,
      dueAt,
      instructions: dueAt ? "Ask at the desk" : null,
    });
  const claimed = await task(full.id, "Flyers at the university", new Date("2026-06-01T09:00:00Z"));
  await claimTask(db, guild, alice, claimed.id, now, 3);
  await setTaskCard(db, claimed.id, "500000000000000001", "600000000000000001");
  const plain = await task(bare.id, "Share the code with ten friends", null);
  const cancelled = await task(full.id, "Bulletin board", null);
  await cancelTask(db, guild, organizer, cancelled.id, now);
  await closeCampaign(db, guild, organizer, bare.id, "won", now);
  return { campaigns: [full, bare], tasks: [claimed, plain, cancelled] };
}

// SQLite only: on PostgreSQL these reads go through Prisma (sqliteReads gives undefined there).
describe.runIf(databaseKind === "sqlite")("reads made directly on SQLite", () => {
  it("read tasks with their campaigns exactly as Prisma's findFirst returns them", async () => {
    const db = await createTestDb();
    const { tasks } = await seed(db);
    const reads = sqliteReads(db);
    expect(reads).toBeDefined();
    for (const { id } of tasks) {
      const byPrisma = await db.outreachTask.findFirst({
        where: { id, guildId: guild },
        include: { campaign: true },
      });
      expect(byPrisma).not.toBeNull();
      // Strict: a date left as text or a boolean left as 0/1 would differ.
      expect(reads?.task(guild, id)).toStrictEqual(byPrisma);
      expect(await getTask(db, guild, id)).toStrictEqual(byPrisma);
    }
    // Another server's id reads as nothing at all.
    expect(reads?.task(otherGuild, tasks[0]?.id ?? 0)).toBeNull();
    expect(reads?.task(guild, 999_999)).toBeNull();
  });

  it("read campaigns exactly as Prisma's findFirst returns them", async () => {
    const db = await createTestDb();
    const { campaigns } = await seed(db);
    const reads = sqliteReads(db);
    for (const { id } of campaigns) {
      const byPrisma = await db.campaign.findFirst({ where: { id, guildId: guild } });
      expect(byPrisma).not.toBeNull();
      expect(reads?.campaign(guild, id)).toStrictEqual(byPrisma);
      expect(await getCampaign(db, guild, id)).toStrictEqual(byPrisma);
    }
    expect(reads?.campaign(otherGuild, campaigns[0]?.id ?? 0)).toBeNull();
  });

  it("count a campaign's tasks by status as Prisma's groupBy does", async () => {
    const db = await createTestDb();
    const { campaigns } = await seed(db);
    for (const { id } of campaigns) {
      const groups = await db.outreachTask.groupBy({
        by: ["status"],
        where: { guildId: guild, campaignId: id },
        _count: { _all: true },
      });
      const counts = sqliteReads(db)?.taskCountsByStatus(guild, id);
      expect(counts).toEqual(new Map(groups.map((group) => [group.status, group._count._all])));
    }
    expect(sqliteReads(db)?.taskCountsByStatus(otherGuild, campaigns[0]?.id ?? 0)).toEqual(
      new Map(),
    );
  });

  it("read a member's held tasks and autocomplete's choices as Prisma's findMany does", async () => {
    const db = await createTestDb();
    const { tasks } = await seed(db);
    const [claimed] = tasks;
    if (!claimed) throw new Error("seed");
    const plain = await addTask(db, guild, organizer, claimed.campaignId, {
      title: "More flyers",
      kind: "campus",
      location: null,
      slots: 1,
      dueAt: null,
      instructions: null,
    });
    // Rows written before titles were folded have none; autocomplete must still read them.
    await db.outreachTask.update({ where: { id: plain.id }, data: { titleFolded: null } });
    await claimTask(db, guild, alice, plain.id, now, 3);
    const reads = sqliteReads(db);
    const held = await db.claim.findMany({
      where: { guildId: guild, volunteerId: alice, status: { in: ["active", "submitted"] } },
      select: { taskId: true },
      orderBy: { taskId: "desc" },
    });
    expect(reads?.heldTaskIds(guild, alice)).toEqual(held.map((claim) => claim.taskId));
    expect(reads?.heldTaskIds(guild, alice, 1)).toEqual([plain.id]);
    expect(reads?.heldTaskIds(otherGuild, alice)).toEqual([]);

    const select = { id: true, title: true, claimedSlots: true, slots: true } as const;
    const cases = [
      { query: { ids: [claimed.id, plain.id] }, where: { id: { in: [claimed.id, plain.id] } } },
      { query: { openOnly: true }, where: { status: "open" } },
      { query: { before: plain.id + 1, take: 1 }, where: { id: { lt: plain.id + 1 } }, take: 1 },
      {
        query: { foldedTitleContains: "flyers" },
        where: { OR: [{ titleFolded: { contains: "flyers" } }, { titleFolded: null }] },
      },
    ];
    for (const { query, where, take } of cases) {
      const byPrisma = await db.outreachTask.findMany({
        where: { guildId: guild, ...where },
        select,
        orderBy: { id: "desc" },
        ...(take === undefined ? {} : { take }),
      });
      expect(byPrisma.length).toBeGreaterThan(0);
      expect(reads?.taskChoices({ guildId: guild, ...query })).toStrictEqual(byPrisma);
    }
    expect(reads?.taskChoices({ guildId: otherGuild })).toEqual([]);
  });

  it("are not used for a transaction's reads, which see the transaction's own changes", async () => {
    const db = await createTestDb();
    const { tasks } = await seed(db);
    const id = tasks[1]?.id ?? 0;
    const inside = await db.$transaction(async (tx) => {
      expect(sqliteReads(tx)).toBeUndefined();
      await tx.outreachTask.update({ where: { id }, data: { title: "Renamed" } });
      return getTask(tx, guild, id);
    });
    expect(inside.title).toBe("Renamed");
    expect((await getTask(db, guild, id)).title).toBe("Renamed");
  });
});
