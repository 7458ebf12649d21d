import { describe, expect, it, onTestFinished } from "vitest";
import { inTransaction, prismaOf, type Database as Db } from "../../src/db/store.ts";
import { sqliteReads } from "../../src/db/sqliteReads.ts";
import { closeCampaign, createCampaign, getCampaign } from "../../src/domain/campaigns.ts";
import { changeSetting, getGuildSettings } from "../../src/domain/guildSettings.ts";
import {
  addTask,
  cancelTask,
  claimTask,
  finishTask,
  getTask,
  listTasks,
  setTaskCard,
  taskFilters,
} from "../../src/domain/tasks.ts";
import { createTestDb, databaseKind } from "../support/db.ts";
import { campaignFields, ids } from "../support/domain.ts";

const { guild, otherGuild, organizer, alice } = ids;
const now = new Date("2026-05-01T10:00:00.000Z");
const noProof = { proofLink: null, note: null };

/** Two campaigns (every optional field set / none, one closed) with tasks in several states. */
async function seed(db: Db) {
  const full = await createCampaign(
    db,
    guild,
    organizer,
    campaignFields({
      unit: "letters",
      description: "Write to them",
      link: "https://example.org/letters",
      callToAction: "text SIGN PMSUBG to 50409",
      endsAt: new Date("2026-08-01T18:30:00.123Z"),
      autoRaise: false,
    }),
  );
  const bare = await createCampaign(
    db,
    guild,
    organizer,
    campaignFields({ title: "Bus lanes", goal: 100 }),
  );
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

  it("read a date SQLite wrote itself (CURRENT_TIMESTAMP, UTC without a zone) as Prisma does", async () => {
    // Away from UTC, a date read without its zone would move by the offset.
    const zone = process.env["TZ"];
    process.env["TZ"] = "America/New_York";
    onTestFinished(() => {
      if (zone === undefined) delete process.env["TZ"];
      else process.env["TZ"] = zone;
    });
    const db = await createTestDb();
    const { tasks } = await seed(db);
    const id = tasks[0]?.id ?? 0;
    // An operator's INSERT that leaves createdAt to the column's default writes this format.
    await db.$executeRawUnsafe(
      `UPDATE "OutreachTask" SET "createdAt" = '2026-05-01 10:00:00' WHERE "id" = ?`,
      id,
    );
    const byPrisma = await db.outreachTask.findFirst({
      where: { id, guildId: guild },
      include: { campaign: true },
    });
    expect(byPrisma?.createdAt.toISOString()).toBe("2026-05-01T10:00:00.000Z");
    expect(sqliteReads(db)?.task(guild, id)).toStrictEqual(byPrisma);
  });

  it("read a server's settings exactly as Prisma's findUnique returns them", async () => {
    const db = await createTestDb();
    const reads = sqliteReads(db);
    expect(reads?.guildSettings(guild)).toBeNull();
    await changeSetting(db, guild, organizer, { setting: "reviewRequired", enabled: true });
    await changeSetting(db, guild, organizer, { setting: "timezone", zone: "Asia/Tbilisi" });
    await changeSetting(db, otherGuild, organizer, { setting: "claimExpiry", days: 9 });
    for (const id of [guild, otherGuild]) {
      const byPrisma = await db.guildSettings.findUnique({ where: { guildId: id } });
      expect(byPrisma).not.toBeNull();
      expect(reads?.guildSettings(id)).toStrictEqual(byPrisma);
    }
    expect(await getGuildSettings(db, guild)).toMatchObject({
      reviewRequired: true,
      timezone: "Asia/Tbilisi",
    });
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

    const select = {
      id: true,
      number: true,
      title: true,
      claimedSlots: true,
      slots: true,
    } as const;
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

  it("list every filter's pages as Prisma does", async () => {
    const db = await createTestDb();
    const { campaigns } = await seed(db);
    const [full] = campaigns;
    if (!full) throw new Error("seed");
    const member = (n: number) => `4${String(n).padStart(17, "0")}`;
    const at = (days: number) => new Date(now.getTime() + days * 24 * 60 * 60 * 1000);
    // 24 more tasks: due dates past, ahead and none (some equal), claimed, submitted, done.
    for (let n = 0; n < 24; n += 1) {
      const due = n % 3 === 0 ? null : at(n % 4 === 1 ? -2 : (n % 5) + 1);
      // Every sixth task has one slot, which Alice takes and finishes: done.
      const single = n % 6 === 3;
      const task = await addTask(db, guild, organizer, full.id, {
        title: `Task ${n}`,
        kind: "online",
        location: null,
        slots: single ? 1 : 2,
        dueAt: due,
        instructions: null,
      });
      if (n % 2 === 0) continue;
      const claimedAt = due && due < now ? at(-3) : now;
      if (!single) await claimTask(db, guild, member(n), task.id, claimedAt, 3);
      await claimTask(db, guild, alice, task.id, claimedAt, 3);
      const review = !single && n % 4 === 1;
      if (single || n % 3 === 1) await finishTask(db, guild, alice, task.id, noProof, now, review);
    }
    // Past due with only a claim waiting for review: in "review", not in "overdue".
    const waiting = await addTask(db, guild, organizer, full.id, {
      title: "Letters, waiting for review",
      kind: "online",
      location: null,
      slots: 1,
      dueAt: at(-1),
      instructions: null,
    });
    await claimTask(db, guild, alice, waiting.id, at(-3), 3);
    await finishTask(db, guild, alice, waiting.id, noProof, now, true);
    for (const filter of taskFilters) {
      for (const campaignId of [null, full.id]) {
        for (const page of [0, 1, 2, 5]) {
          const query = { campaignId, filter, userId: alice, now, page };
          const direct = await listTasks(db, guild, query);
          // A transaction's client reads through Prisma (sqliteReads gives it nothing).
          const byPrisma = await db.$transaction((tx) => listTasks(tx as Db, guild, query));
          expect(direct, `${filter} ${campaignId} ${page}`).toStrictEqual(byPrisma);
        }
      }
    }
    // Every list has something in it, and more than a page where the seed makes it so.
    const totals: Record<string, number> = {};
    for (const filter of taskFilters) {
      const query = { campaignId: null, filter, userId: alice, now, page: 0 };
      totals[filter] = (await listTasks(db, guild, query)).total;
    }
    for (const filter of taskFilters) expect(totals[filter], filter).toBeGreaterThan(0);
    expect(totals["open"]).toBeGreaterThan(10);
  });

  it("are not used for a transaction's reads, which see the transaction's own changes", async () => {
    const db = await createTestDb();
    const { tasks } = await seed(db);
    const id = tasks[1]?.id ?? 0;
    const inside = await inTransaction(db, async (tx) => {
      expect(sqliteReads(tx)).toBeUndefined();
      await prismaOf(tx).outreachTask.update({ where: { id }, data: { title: "Renamed" } });
      return getTask(tx, guild, id);
    });
    expect(inside.title).toBe("Renamed");
    expect((await getTask(db, guild, id)).title).toBe("Renamed");
  });
});
