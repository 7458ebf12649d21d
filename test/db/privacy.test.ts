import { readFileSync } from "node:fs";
import { Client } from "discord.js";
import { describe, expect, it } from "vitest";
import type { Database as Db } from "../../src/db/store.ts";
import { privacyJobHandlers } from "../../src/discord/privacyJobs.ts";
import {
  changeCount,
  closeCampaign,
  createCampaign,
  reopenCampaign,
  type Campaign,
} from "../../src/domain/campaigns.ts";
import { recordAudit } from "../../src/domain/audit.ts";
import { changeSetting } from "../../src/domain/guildSettings.ts";
import {
  applyRetention,
  armGuildErasure,
  armRetention,
  disarmGuildErasure,
  eraseGuild,
  exportCampaignRows,
  exportMember,
  forgetMember,
  guildEraseJobKind,
  guildGraceDays,
  recentAudit,
  retentionJobKind,
} from "../../src/domain/privacy.ts";
import { buildSummary } from "../../src/domain/summaries.ts";
import { claimOutbox, createSchedule } from "../../src/domain/summarySchedules.ts";
import type { TaskFields } from "../../src/domain/taskFields.ts";
import {
  addTask,
  claimJobKinds,
  claimTask,
  finishTask,
  reviewClaim,
  type TaskWithCampaign,
} from "../../src/domain/tasks.ts";
import { setCredit, setReminders } from "../../src/domain/volunteers.ts";
import { startWebSession } from "../../src/domain/webSessions.ts";
import { setUpMemberFeed, setUpServerFeed } from "../../src/domain/calendarFeeds.ts";
import { notePostedMessage } from "../../src/domain/postedMessages.ts";
import { createLogger } from "../../src/log.ts";
import { runDueJobs } from "../../src/domain/dueJobs.ts";
import { createTestDb, databaseKind, dumpTables, type Row } from "../support/db.ts";

// Ids that appear nowhere else (no timestamp, counter or other id contains them), so a plain
// substring search of the whole database is a fair test of "no trace".
const guild = "710000000000000001";
const otherGuild = "720000000000000002";
const organizer = "730000000000000003";
const alice = "740000000000000004";
const bob = "750000000000000005";
const carol = "760000000000000006";
const channel = "770000000000000007";
const otherChannel = "780000000000000008";

const hour = 60 * 60 * 1000;
const day = 24 * hour;
const now = new Date("2026-11-02T10:00:00.000Z");
const at = (ms: number) => new Date(now.getTime() + ms);
const expiryDays = 3;
const silentLog = createLogger("silent");

const allTables = [
  "AuditEntry",
  "CalendarFeed",
  "Campaign",
  "Claim",
  "CountEntry",
  "CountSource",
  "DirectMessage",
  "DueJob",
  "GuildSettings",
  "OutreachTask",
  "PostedMessage",
  "SummaryPost",
  "SummarySchedule",
  "Volunteer",
  "WebLoginState",
  "WebSession",
];

/** Every row of every table: what a seized disk would show. */
const dumpDatabase = dumpTables;

function asJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    typeof item === "bigint" ? item.toString() : item,
  );
}

/** The tables (and rows) whose JSON mentions the text: [] when nothing does. */
function mentions(dump: Record<string, Row[]>, text: string): string[] {
  return Object.entries(dump).flatMap(([table, rows]) =>
    rows.filter((row) => asJson(row).includes(text)).map((row) => `${table} ${asJson(row)}`),
  );
}

/** Every row that belongs to one server, table by table (count entries and posts by parent). */
async function rowsOfGuild(db: Db, guildId: string) {
  const campaigns = await db.campaign.findMany({ where: { guildId }, orderBy: { id: "asc" } });
  const schedules = await db.summarySchedule.findMany({
    where: { guildId },
    orderBy: { id: "asc" },
  });
  return {
    Campaign: campaigns,
    CountEntry: await db.countEntry.findMany({
      where: { campaignId: { in: campaigns.map((campaign) => campaign.id) } },
      orderBy: { id: "asc" },
    }),
    OutreachTask: await db.outreachTask.findMany({ where: { guildId }, orderBy: { id: "asc" } }),
    Claim: await db.claim.findMany({ where: { guildId }, orderBy: { id: "asc" } }),
    Volunteer: await db.volunteer.findMany({ where: { guildId }, orderBy: { userId: "asc" } }),
    AuditEntry: await db.auditEntry.findMany({ where: { guildId }, orderBy: { id: "asc" } }),
    DueJob: await db.dueJob.findMany({ where: { guildId }, orderBy: { id: "asc" } }),
    SummarySchedule: schedules,
    SummaryPost: await db.summaryPost.findMany({
      where: { scheduleId: { in: schedules.map((schedule) => schedule.id) } },
      orderBy: { id: "asc" },
    }),
    GuildSettings: await db.guildSettings.findMany({ where: { guildId } }),
    CalendarFeed: await db.calendarFeed.findMany({ where: { guildId }, orderBy: { id: "asc" } }),
    PostedMessage: await db.postedMessage.findMany({ where: { guildId }, orderBy: { id: "asc" } }),
  };
}

function countRows(rows: Record<string, unknown[]>): Record<string, number> {
  return Object.fromEntries(Object.entries(rows).map(([table, list]) => [table, list.length]));
}

function campaignFields(title: string, channelId = channel) {
  return {
    title,
    goal: 1000,
    unit: "signatures",
    description: null,
    link: null,
    callToAction: null,
    channelId,
    endsAt: null,
    autoRaise: true,
  };
}

function taskFields(title: string, changes: Partial<TaskFields> = {}): TaskFields {
  return {
    title,
    kind: "campus",
    location: null,
    slots: 2,
    dueAt: null,
    instructions: null,
    ...changes,
  };
}

async function campaignIn(db: Db, guildId: string, title: string, actor = organizer) {
  return createCampaign(
    db,
    guildId,
    actor,
    campaignFields(title, guildId === guild ? channel : otherChannel),
  );
}

async function taskIn(
  db: Db,
  campaign: Campaign,
  title: string,
  changes: Partial<TaskFields> = {},
  actor = organizer,
): Promise<TaskWithCampaign> {
  return addTask(db, campaign.guildId, actor, campaign.id, taskFields(title, changes));
}

async function claimAndFinish(
  db: Db,
  task: TaskWithCampaign,
  volunteer: string,
  proof: { proofLink: string | null; note: string | null },
  when = now,
  review = false,
) {
  // Their own claim, in English: it notes the language of their reminders.
  await claimTask(db, task.guildId, volunteer, task.id, when, expiryDays, "en");
  return finishTask(db, task.guildId, volunteer, task.id, proof, when, review);
}

/** A real discord.js client that never logged in: it is in no server, as after a removal. */
function loggedOutClient(): Client {
  return new Client({ intents: [] });
}

async function runJobs(db: Db, when: Date, client: Client = loggedOutClient()) {
  try {
    return await runDueJobs({
      db,
      owner: "privacy-test",
      now: when,
      handlers: privacyJobHandlers({ client, db, log: silentLog }),
      log: silentLog,
    });
  } finally {
    await client.destroy();
  }
}

/**
 * Alice in one server as everything at once: organizer (campaign, task, count, settings,
 * schedule, review of Bob's work), volunteer with done work, an active claim and a claim
 * waiting for review, with preferences. Bob works beside her.
 */
async function aliceEverywhere(db: Db, guildId: string) {
  const campaign = await campaignIn(db, guildId, "Free political prisoners");
  const hers = await campaignIn(db, guildId, "Alice's own campaign", alice);
  await changeCount(db, guildId, alice, campaign.id, { kind: "add", value: 25 }, "paper", now);
  // An organizer moved a claim to her: the audit names her in its details.
  await recordAudit(db, {
    guildId,
    actorId: organizer,
    action: "task.move",
    subjectId: 1,
    details: { from: bob, to: alice, claimId: 1, newClaimId: 2 },
  });
  // A count source she set (written directly: setting one reads a petition site first).
  await db.countSource.create({
    data: {
      guildId,
      campaignId: campaign.id,
      url: "https://petition.parliament.uk/petitions/700001",
      kind: "uk_parliament",
      setAt: now,
      setById: alice,
    },
  });
  await changeSetting(db, guildId, alice, { setting: "timezone", zone: "Europe/Vilnius" });
  const schedule = await createSchedule(
    db,
    guildId,
    alice,
    { channelId: channel, time: "18:00", timeZone: "UTC", days: "daily", campaignId: null },
    now,
  );
  await claimOutbox(db, schedule.id, "2026-11-02", 0, false, now);

  const flyers = await taskIn(db, campaign, "Flyers at the university", { slots: 3 });
  await claimAndFinish(db, flyers, alice, {
    proofLink: "https://example.org/alice-photo",
    note: "Alice handed out 50",
  });
  await claimAndFinish(db, flyers, bob, {
    proofLink: "https://example.org/bob-photo",
    note: "Bob handed out 20",
  });

  const board = await taskIn(db, campaign, "Bulletin board", {
    slots: 1,
    dueAt: at(5 * day),
  });
  await claimTask(db, guildId, alice, board.id, now, expiryDays);

  const reviewed = await taskIn(db, campaign, "Table at the union", { slots: 2 });
  await claimAndFinish(
    db,
    reviewed,
    alice,
    { proofLink: "https://example.org/alice-table", note: "Alice waiting" },
    now,
    true,
  );
  await claimAndFinish(
    db,
    reviewed,
    bob,
    { proofLink: "https://example.org/bob-table", note: "Bob at the table" },
    now,
    true,
  );
  const bobsClaim = await db.claim.findFirstOrThrow({
    where: { taskId: reviewed.id, volunteerId: bob },
  });
  await reviewClaim(db, guildId, alice, bobsClaim.id, { approve: true }, at(hour));

  const aliceTask = await taskIn(db, hers, "Alice's task", {}, alice);
  await setCredit(db, guildId, alice, true);
  await setReminders(db, guildId, alice, false);
  await setUpMemberFeed(db, guildId, alice, { rotate: false }, now);
  return { campaign, hers, flyers, board, reviewed, aliceTask, schedule, bobsClaim };
}

describe("forgetMember", () => {
  it("leaves no trace of the member's id in any row of any table", async () => {
    const db = await createTestDb();
    await aliceEverywhere(db, guild);
    // Logged in to the dashboard, as is Bob, who stays logged in.
    await startWebSession(db, alice, [guild], now);
    await startWebSession(db, bob, [guild], now);
    // Bob's calendar feed stays (hers is made by the seed).
    await setUpMemberFeed(db, guild, bob, { rotate: false }, now);
    const before = await dumpDatabase(db);
    // Exactly these tables: a new one must be added here, and to forgetMember, on purpose.
    expect(Object.keys(before)).toEqual(allTables);
    // The seed really put her id in every table that can hold a member's id.
    const tablesBefore = new Set(mentions(before, alice).map((line) => line.split(" ")[0]));
    expect([...tablesBefore].sort()).toEqual([
      "AuditEntry",
      "CalendarFeed",
      "Campaign",
      "Claim",
      "CountEntry",
      "CountSource",
      "OutreachTask",
      "SummarySchedule",
      "Volunteer",
      "WebSession",
    ]);

    await forgetMember(db, guild, alice, at(2 * hour));

    const after = await dumpDatabase(db);
    expect(mentions(after, alice)).toEqual([]);
    // Her words went with her; Bob's stay.
    expect(mentions(after, "Alice handed out")).toEqual([]);
    expect(mentions(after, "alice-photo")).toEqual([]);
    expect(mentions(after, "alice-table")).toEqual([]);
    expect(mentions(after, "Alice waiting")).toEqual([]);
    expect(mentions(after, "Bob handed out 20")).toHaveLength(1);
    expect(mentions(after, bob).length).toBeGreaterThan(0);
    expect(mentions(after, bob).filter((line) => line.startsWith("WebSession"))).toHaveLength(1);
    expect(mentions(after, bob).filter((line) => line.startsWith("CalendarFeed"))).toHaveLength(1);
  });

  it("keeps done work counted, releases open claims and cancels their jobs, keeps her actions unattributed", async () => {
    const db = await createTestDb();
    const seeded = await aliceEverywhere(db, guild);
    const auditBefore = await db.auditEntry.findMany({ where: { guildId: guild, actorId: alice } });
    expect(auditBefore.map((entry) => entry.action).sort()).toEqual([
      "campaign.count",
      "campaign.create",
      "settings.timezone",
      "summary.schedule",
      "task.add",
      "task.approve",
    ]);
    const boardClaim = await db.claim.findFirstOrThrow({ where: { taskId: seeded.board.id } });
    const boardJobs = await db.dueJob.findMany({ where: { subjectId: String(boardClaim.id) } });
    expect(boardJobs.map((job) => [job.kind, job.status]).sort()).toEqual([
      ["claim.expire", "pending"],
      ["claim.remindDue", "pending"],
      ["claim.remindExpiry", "pending"],
    ]);
    const campaignBefore = await db.campaign.findUniqueOrThrow({
      where: { id: seeded.campaign.id },
    });

    const { releasedTaskIds } = await forgetMember(db, guild, alice, at(2 * hour));
    expect(releasedTaskIds.sort()).toEqual([seeded.board.id, seeded.reviewed.id].sort());

    // Done work still counts, anonymously: the row stays, with no volunteer and no words.
    const flyers = await db.outreachTask.findUniqueOrThrow({ where: { id: seeded.flyers.id } });
    expect(flyers).toMatchObject({ doneCount: 2, claimedSlots: 2, status: "open" });
    const flyerClaims = await db.claim.findMany({
      where: { taskId: seeded.flyers.id },
      orderBy: { id: "asc" },
    });
    expect(flyerClaims.map((claim) => [claim.volunteerId, claim.status])).toEqual([
      [null, "done"],
      [bob, "done"],
    ]);
    expect(flyerClaims[0]).toMatchObject({ proofLink: null, note: null });
    expect(flyerClaims[1]).toMatchObject({
      proofLink: "https://example.org/bob-photo",
      note: "Bob handed out 20",
    });

    // Her active claim is released, the slot freed, its reminders and expiry cancelled.
    const board = await db.outreachTask.findUniqueOrThrow({ where: { id: seeded.board.id } });
    expect(board).toMatchObject({ claimedSlots: 0, doneCount: 0, status: "open" });
    expect(await db.claim.findUniqueOrThrow({ where: { id: boardClaim.id } })).toMatchObject({
      volunteerId: null,
      status: "released",
      openMarker: null,
      closedAt: at(2 * hour),
    });
    const jobsAfter = await db.dueJob.findMany({
      where: { subjectId: String(boardClaim.id), kind: { in: [...claimJobKinds] } },
    });
    expect(jobsAfter.map((job) => job.status)).toEqual(["cancelled", "cancelled", "cancelled"]);
    // Another member can take the freed slot at once.
    await claimTask(db, guild, carol, seeded.board.id, at(3 * hour), expiryDays);

    // Her submission waiting for review is released too; Bob's approved one is his, unreviewed-by.
    const reviewed = await db.outreachTask.findUniqueOrThrow({ where: { id: seeded.reviewed.id } });
    expect(reviewed).toMatchObject({ claimedSlots: 1, doneCount: 1 });
    expect(await db.claim.findUniqueOrThrow({ where: { id: seeded.bobsClaim.id } })).toMatchObject({
      volunteerId: bob,
      status: "done",
      reviewedById: null,
      note: "Bob at the table",
    });

    // Her organizer actions stay in the trail, with no actor.
    const auditAfter = await db.auditEntry.findMany({
      where: { id: { in: auditBefore.map((entry) => entry.id) } },
    });
    expect(auditAfter).toHaveLength(auditBefore.length);
    expect(auditAfter.every((entry) => entry.actorId === null)).toBe(true);
    expect(auditAfter.map((entry) => entry.action).sort()).toEqual(
      auditBefore.map((entry) => entry.action).sort(),
    );
    const trail = await recentAudit(db, guild);
    expect(trail.filter((entry) => entry.actorId === null)).toHaveLength(auditBefore.length);

    // The count she added still counts; the history keeps the change without her.
    expect(
      await db.campaign.findUniqueOrThrow({ where: { id: seeded.campaign.id } }),
    ).toMatchObject({ count: campaignBefore.count, goal: campaignBefore.goal });
    const entries = await db.countEntry.findMany({ where: { campaignId: seeded.campaign.id } });
    expect(entries.map((entry) => [entry.delta, entry.actorId])).toEqual([[25, null]]);
    expect(await db.volunteer.findMany({ where: { guildId: guild } })).toEqual([
      expect.objectContaining({ userId: bob }),
    ]);
  });

  it("touches nothing of the same member in another server", async () => {
    const db = await createTestDb();
    await aliceEverywhere(db, guild);
    await aliceEverywhere(db, otherGuild);
    const otherBefore = await rowsOfGuild(db, otherGuild);
    expect(asJson(otherBefore)).toContain(alice);

    await forgetMember(db, guild, alice, at(2 * hour));

    expect(await rowsOfGuild(db, otherGuild)).toEqual(otherBefore);
    expect(asJson(await rowsOfGuild(db, guild))).not.toContain(alice);
    expect(await exportMember(db, otherGuild, alice)).toMatchObject({
      preferences: expect.objectContaining({ userId: alice, creditPublic: true }),
    });
  });

  it("is harmless for a member Rally never stored, and twice in a row", async () => {
    const db = await createTestDb();
    await aliceEverywhere(db, guild);
    const before = await dumpDatabase(db);
    expect(await forgetMember(db, guild, carol, at(hour))).toEqual({ releasedTaskIds: [] });
    expect(await dumpDatabase(db)).toEqual(before);

    await forgetMember(db, guild, alice, at(hour));
    const once = await dumpDatabase(db);
    expect(await forgetMember(db, guild, alice, at(2 * hour))).toEqual({ releasedTaskIds: [] });
    expect(await dumpDatabase(db)).toEqual(once);
  });
});

describe("exportMember", () => {
  it("holds the member's claims, notes, proof links, count changes, actions and preferences", async () => {
    const db = await createTestDb();
    const seeded = await aliceEverywhere(db, guild);
    const data = await exportMember(db, guild, alice);

    expect(data).toMatchObject({ guildId: guild, userId: alice });
    expect(data.preferences).toMatchObject({
      userId: alice,
      creditPublic: true,
      remindersEnabled: false,
    });
    const own = data.claims.filter((claim) => claim.yours);
    expect(
      own.map((claim) => [claim.task.id, claim.status, claim.proofLink, claim.note]).sort(),
    ).toEqual(
      [
        [seeded.flyers.id, "done", "https://example.org/alice-photo", "Alice handed out 50"],
        [seeded.board.id, "active", null, null],
        [seeded.reviewed.id, "submitted", "https://example.org/alice-table", "Alice waiting"],
      ].sort(),
    );
    expect(own.find((claim) => claim.task.id === seeded.flyers.id)?.task.title).toBe(
      "Flyers at the university",
    );
    expect(data.countChanges).toEqual([
      expect.objectContaining({ delta: 25, note: "paper", actorId: alice }),
    ]);
    expect(data.organizerActions.map((entry) => entry.action).sort()).toEqual([
      "campaign.count",
      "campaign.create",
      "settings.timezone",
      "summary.schedule",
      "task.add",
      "task.approve",
    ]);
    expect(data.campaignsCreated.map((campaign) => campaign.title)).toEqual([
      "Alice's own campaign",
    ]);
    expect(data.tasksCreated.map((task) => task.title)).toEqual(["Alice's task"]);
    expect(data.summarySchedulesCreated.map((schedule) => schedule.id)).toEqual([
      seeded.schedule.id,
    ]);
  });

  it("holds nothing of another server", async () => {
    const db = await createTestDb();
    await aliceEverywhere(db, guild);
    const other = await campaignIn(db, otherGuild, "Elsewhere");
    const task = await taskIn(db, other, "Elsewhere task");
    await claimAndFinish(db, task, alice, {
      proofLink: "https://example.org/elsewhere",
      note: "Elsewhere note",
    });
    await changeCount(db, otherGuild, alice, other.id, { kind: "add", value: 3 }, "far away", now);
    const json = asJson(await exportMember(db, guild, alice));
    expect(json).not.toContain(otherGuild);
    expect(json).not.toContain("Elsewhere");
    expect(json).not.toContain("far away");
  });

  it("holds nothing of other members, not even of the work she reviewed", async () => {
    const db = await createTestDb();
    await aliceEverywhere(db, guild);
    const json = asJson(await exportMember(db, guild, alice));
    expect(json).not.toContain(bob);
    expect(json).not.toContain("Bob handed out 20");
    expect(json).not.toContain("bob-photo");
    // Alice approved Bob's table work: his note and proof link are his, not hers.
    expect(json).not.toContain("Bob at the table");
    expect(json).not.toContain("https://example.org/bob-table");
  });
});

describe("retention of a closed campaign's notes and proof links", () => {
  async function closedWithNotes(db: Db, retentionDays?: number) {
    if (retentionDays !== undefined)
      await changeSetting(db, guild, organizer, { setting: "retention", days: retentionDays });
    const closing = await campaignIn(db, guild, "Closing campaign");
    const task = await taskIn(db, closing, "Flyers", { slots: 3 });
    await claimAndFinish(db, task, alice, {
      proofLink: "https://example.org/a",
      note: "Alice's note",
    });
    await claimTask(db, guild, bob, task.id, now, expiryDays);
    await finishTask(
      db,
      guild,
      bob,
      task.id,
      { proofLink: "https://example.org/b", note: "Bob's note" },
      now,
      true,
    );
    const bobClaim = await db.claim.findFirstOrThrow({ where: { volunteerId: bob } });
    await reviewClaim(db, guild, organizer, bobClaim.id, { approve: false, reason: "Blurry" }, now);
    const active = await campaignIn(db, guild, "Still running");
    const activeTask = await taskIn(db, active, "Running task");
    await claimAndFinish(db, activeTask, carol, {
      proofLink: "https://example.org/c",
      note: "Carol's note",
    });
    const closedAt = at(day);
    await closeCampaign(db, guild, organizer, closing.id, "won", closedAt);
    return { closing, task, active, activeTask, closedAt };
  }

  const proofs = (db: Db, taskId: number) =>
    db.claim.findMany({
      where: { taskId },
      orderBy: { id: "asc" },
      select: { volunteerId: true, status: true, note: true, proofLink: true, rejectReason: true },
    });

  it("arms one job at close, retentionDays later, and erases only when it runs after that", async () => {
    const db = await createTestDb();
    const { closing, task, activeTask, closedAt } = await closedWithNotes(db);
    const job = await db.dueJob.findUniqueOrThrow({
      where: { kind_subjectId: { kind: retentionJobKind, subjectId: String(closing.id) } },
    });
    expect(job).toMatchObject({
      guildId: guild,
      status: "pending",
      dueAt: new Date(closedAt.getTime() + 90 * day),
    });

    const early = await runJobs(db, new Date(closedAt.getTime() + 90 * day - 60_000));
    expect(early.ran).toBe(0);
    expect((await proofs(db, task.id)).map((claim) => claim.note)).toEqual([
      "Alice's note",
      "Bob's note",
    ]);

    const due = await runJobs(db, new Date(closedAt.getTime() + 90 * day));
    expect(due).toEqual({ ran: 1, failed: 0, retried: 0 });
    expect(await proofs(db, task.id)).toEqual([
      { volunteerId: alice, status: "done", note: null, proofLink: null, rejectReason: null },
      { volunteerId: bob, status: "rejected", note: null, proofLink: null, rejectReason: null },
    ]);
    // The running campaign keeps its notes.
    expect(await proofs(db, activeTask.id)).toEqual([
      {
        volunteerId: carol,
        status: "done",
        note: "Carol's note",
        proofLink: "https://example.org/c",
        rejectReason: null,
      },
    ]);
    // Done work still counts.
    expect(await db.outreachTask.findUniqueOrThrow({ where: { id: task.id } })).toMatchObject({
      doneCount: 1,
    });
    expect(await db.dueJob.findUniqueOrThrow({ where: { id: job.id } })).toMatchObject({
      status: "done",
      attempts: 1,
    });

    // Exactly once: a second pass finds nothing to run and changes nothing.
    const snapshot = await dumpDatabase(db);
    const again = await runJobs(db, new Date(closedAt.getTime() + 200 * day));
    expect(again).toEqual({ ran: 0, failed: 0, retried: 0 });
    expect(await dumpDatabase(db)).toEqual(snapshot);
  });

  it("never erases the notes of an active campaign", async () => {
    const db = await createTestDb();
    const { active, activeTask } = await closedWithNotes(db);
    expect(await applyRetention(db, guild, active.id)).toBe(0);
    // Even a stray job for it (armed by hand) leaves it alone.
    await armRetention(db, { id: active.id, guildId: guild, closedAt: now }, 1);
    expect((await runJobs(db, at(400 * day))).ran).toBeGreaterThanOrEqual(1);
    expect((await proofs(db, activeTask.id))[0]).toMatchObject({
      note: "Carol's note",
      proofLink: "https://example.org/c",
    });
  });

  it("never erases another server's campaign with the same id used by mistake", async () => {
    const db = await createTestDb();
    const { closing, task } = await closedWithNotes(db);
    expect(await applyRetention(db, otherGuild, closing.id)).toBe(0);
    expect((await proofs(db, task.id))[0]?.note).toBe("Alice's note");
  });

  it("is cancelled by a reopen, and armed again by the next close", async () => {
    const db = await createTestDb();
    const { closing, task, closedAt } = await closedWithNotes(db);
    await reopenCampaign(db, guild, organizer, closing.id);
    const key = { kind_subjectId: { kind: retentionJobKind, subjectId: String(closing.id) } };
    expect(await db.dueJob.findUniqueOrThrow({ where: key })).toMatchObject({
      status: "cancelled",
    });
    expect((await runJobs(db, new Date(closedAt.getTime() + 100 * day))).ran).toBe(0);
    expect((await proofs(db, task.id))[0]?.note).toBe("Alice's note");

    const closedAgain = at(10 * day);
    await closeCampaign(db, guild, organizer, closing.id, "ended", closedAgain);
    expect(await db.dueJob.findUniqueOrThrow({ where: key })).toMatchObject({
      status: "pending",
      dueAt: new Date(closedAgain.getTime() + 90 * day),
    });
  });

  it("follows the server's retention setting at close", async () => {
    const db = await createTestDb();
    const { closing, closedAt } = await closedWithNotes(db, 7);
    expect(
      await db.dueJob.findUniqueOrThrow({
        where: { kind_subjectId: { kind: retentionJobKind, subjectId: String(closing.id) } },
      }),
    ).toMatchObject({ status: "pending", dueAt: new Date(closedAt.getTime() + 7 * day) });
  });

  it("is re-armed for every closed campaign of the server when the setting changes", async () => {
    const db = await createTestDb();
    const { closing, task, closedAt } = await closedWithNotes(db);
    const elsewhere = await campaignIn(db, otherGuild, "Other server's campaign");
    await closeCampaign(db, otherGuild, organizer, elsewhere.id, "won", closedAt);

    const settings = await changeSetting(db, guild, organizer, { setting: "retention", days: 30 });
    expect(settings.retentionDays).toBe(30);

    const jobs = await db.dueJob.findMany({
      where: { kind: retentionJobKind },
      orderBy: { id: "asc" },
    });
    expect(jobs.map((job) => [job.subjectId, job.status, job.dueAt])).toEqual([
      [String(closing.id), "pending", new Date(closedAt.getTime() + 30 * day)],
      [String(elsewhere.id), "pending", new Date(closedAt.getTime() + 90 * day)],
    ]);
    expect((await runJobs(db, new Date(closedAt.getTime() + 30 * day))).ran).toBe(1);
    expect((await proofs(db, task.id))[0]?.note).toBeNull();
    const audit = await db.auditEntry.findFirstOrThrow({ where: { action: "settings.retention" } });
    expect(audit).toMatchObject({ guildId: guild, actorId: organizer });
  });
});

describe("buildSummary's thanks", () => {
  it("names only those who chose public credit in this server, not in another", async () => {
    const db = await createTestDb();
    const campaign = await campaignIn(db, guild, "Thank me");
    const task = await taskIn(db, campaign, "Flyers", { slots: 3 });
    await setCredit(db, guild, alice, true);
    // Public in another server only: anonymous here, so never named in this server's summary.
    await setCredit(db, otherGuild, carol, true);
    await claimAndFinish(db, task, alice, { proofLink: null, note: null });
    await claimAndFinish(db, task, carol, { proofLink: null, note: null });
    const summary = await buildSummary(db, guild, {
      campaignId: null,
      since: null,
      now: at(hour),
      timeZone: "UTC",
    });
    expect(summary.creditedVolunteerIds).toEqual([alice]);
    expect(summary.anonymousVolunteers).toBe(1);
  });
});

describe("exportCampaignRows", () => {
  it("numbers every volunteer, public credit or not, consistently within the export, with no id, proof link or location", async () => {
    const db = await createTestDb();
    const campaign = await campaignIn(db, guild, "Export me");
    const first = await taskIn(db, campaign, "First", { slots: 3, location: "Union" });
    const second = await taskIn(db, campaign, "Second", { slots: 2 });
    const empty = await taskIn(db, campaign, "Nobody yet");
    await setCredit(db, guild, alice, true);
    // Public in another server only: anonymous here.
    await setCredit(db, otherGuild, carol, true);
    await claimAndFinish(db, first, bob, { proofLink: "https://example.org/bob", note: "n" });
    await claimTask(db, guild, alice, first.id, now, expiryDays);
    await claimTask(db, guild, carol, first.id, now, expiryDays);
    await claimTask(db, guild, carol, second.id, now, expiryDays);
    await claimTask(db, guild, bob, second.id, now, expiryDays);

    const { campaign: exported, rows } = await exportCampaignRows(db, guild, campaign.id);
    expect(exported.id).toBe(campaign.id);
    expect(
      rows.map((row) => [row.task, row.volunteer, row.anonymous, row.claimStatus, row.proofLink]),
    ).toEqual([
      ["First", "#1", true, "done", ""],
      ["First", "#2", true, "active", ""],
      ["First", "#3", true, "active", ""],
      ["Second", "#3", true, "active", ""],
      ["Second", "#1", true, "active", ""],
      ["Nobody yet", "", false, "", ""],
    ]);
    expect(rows[0]).toMatchObject({ taskNumber: first.number, location: "", slots: 3 });
    expect(rows.at(-1)).toMatchObject({ taskNumber: empty.number, taskStatus: "open" });
    const json = asJson(rows);
    for (const secret of [alice, bob, carol, "Union", "example.org"])
      expect(json).not.toContain(secret);
    expect(await db.auditEntry.count({ where: { action: "campaign.exportMembers" } })).toBe(0);

    // With members: ids, proof links and locations, and the export is in the audit.
    const named = await exportCampaignRows(db, guild, campaign.id, {
      includeMembers: true,
      actorId: organizer,
    });
    expect(named.rows.map((row) => [row.volunteer, row.proofLink, row.location])).toEqual([
      [bob, "https://example.org/bob", "Union"],
      [alice, "", "Union"],
      [carol, "", "Union"],
      [carol, "", ""],
      [bob, "", ""],
      ["", "", ""],
    ]);
    expect(
      await db.auditEntry.findMany({
        where: { action: "campaign.exportMembers" },
        select: { guildId: true, actorId: true, subjectId: true },
      }),
    ).toEqual([{ guildId: guild, actorId: organizer, subjectId: String(campaign.id) }]);
  });

  it("shows a forgotten member's work with no name and no number that could be theirs", async () => {
    const db = await createTestDb();
    const campaign = await campaignIn(db, guild, "Export me");
    const task = await taskIn(db, campaign, "Flyers", { slots: 3 });
    await claimAndFinish(db, task, alice, { proofLink: null, note: null });
    await claimAndFinish(db, task, bob, { proofLink: null, note: null });
    await forgetMember(db, guild, alice, at(hour));
    const { rows } = await exportCampaignRows(db, guild, campaign.id);
    expect(rows.map((row) => [row.volunteer, row.claimStatus])).toEqual([
      ["", "done"],
      ["#1", "done"],
    ]);
    expect(asJson(rows)).not.toContain(alice);
  });

  it("refuses another server's campaign", async () => {
    const db = await createTestDb();
    const campaign = await campaignIn(db, guild, "Ours");
    await expect(exportCampaignRows(db, otherGuild, campaign.id)).rejects.toMatchObject({
      key: "campaign.notFound",
    });
  });
});

describe("erasing a server that removed Rally", () => {
  async function fullServer(db: Db, guildId: string) {
    const seeded = await aliceEverywhere(db, guildId);
    await setUpServerFeed(db, guildId, organizer, { rotate: false }, now);
    await changeSetting(db, guildId, organizer, { setting: "retention", days: 10 });
    await closeCampaign(db, guildId, organizer, seeded.hers.id, "ended", now);
    await notePostedMessage(db, guildId, "review", { channelId: channel, messageId: "1" }, now);
    return seeded;
  }

  it("eraseGuild deletes every row of that server and nothing of another", async () => {
    const db = await createTestDb();
    await fullServer(db, guild);
    await fullServer(db, otherGuild);
    const mine = await rowsOfGuild(db, guild);
    // Every table holds something of the server before.
    expect(Object.values(countRows(mine)).every((count) => count > 0)).toBe(true);
    const other = await rowsOfGuild(db, otherGuild);

    await eraseGuild(db, guild);

    expect(countRows(await rowsOfGuild(db, guild))).toEqual(
      Object.fromEntries(Object.keys(mine).map((table) => [table, 0])),
    );
    // No orphan of it anywhere: count entries, tasks, claims and posts went with their parents.
    const dump = await dumpDatabase(db);
    expect(mentions(dump, guild)).toEqual([]);
    const removedIds = (table: keyof typeof mine) =>
      new Set(mine[table].map((row) => (row as { id: number }).id));
    for (const table of ["CountEntry", "OutreachTask", "Claim", "SummaryPost"] as const) {
      const ids = removedIds(table);
      expect((dump[table] ?? []).filter((row) => ids.has(Number(row.id)))).toEqual([]);
    }
    expect(await rowsOfGuild(db, otherGuild)).toEqual(other);
  });

  it("is armed for 30 days after a removal and erases when run after them, not before", async () => {
    const db = await createTestDb();
    await fullServer(db, guild);
    await fullServer(db, otherGuild);
    expect(guildGraceDays).toBe(30);

    await armGuildErasure(db, guild, now);
    const job = await db.dueJob.findUniqueOrThrow({
      where: { kind_subjectId: { kind: guildEraseJobKind, subjectId: guild } },
    });
    expect(job).toMatchObject({ guildId: guild, status: "pending", dueAt: at(30 * day) });

    // Jobs due before the grace ends run first (here only the privacy kinds have handlers, so
    // claim and summary jobs fail at once); nothing is erased yet.
    await runJobs(db, at(30 * day - 60_000));
    expect(await db.campaign.count({ where: { guildId: guild } })).toBe(2);
    const other = await rowsOfGuild(db, otherGuild);

    const result = await runJobs(db, at(30 * day));
    expect(result.failed).toBe(0);
    expect(countRows(await rowsOfGuild(db, guild))).toMatchObject({
      Campaign: 0,
      CountEntry: 0,
      OutreachTask: 0,
      Claim: 0,
      Volunteer: 0,
      AuditEntry: 0,
      SummarySchedule: 0,
      SummaryPost: 0,
      GuildSettings: 0,
    });
    // What is left of the server is the record that its erasure ran.
    expect(await db.dueJob.findMany({ where: { guildId: guild } })).toEqual([
      expect.objectContaining({ kind: guildEraseJobKind, status: "done" }),
    ]);
    expect(await rowsOfGuild(db, otherGuild)).toEqual(other);
  });

  it("keeps everything when the erasure is disarmed (Rally was invited back in the grace)", async () => {
    const db = await createTestDb();
    await fullServer(db, guild);
    await armGuildErasure(db, guild, now);
    await disarmGuildErasure(db, guild);
    expect(
      await db.dueJob.findUniqueOrThrow({
        where: { kind_subjectId: { kind: guildEraseJobKind, subjectId: guild } },
      }),
    ).toMatchObject({ status: "cancelled" });
    const before = countRows(await rowsOfGuild(db, guild));
    await runJobs(db, at(31 * day));
    await runJobs(db, at(400 * day));
    const after = countRows(await rowsOfGuild(db, guild));
    expect(after).toMatchObject({
      Campaign: before.Campaign,
      OutreachTask: before.OutreachTask,
      Claim: before.Claim,
      Volunteer: before.Volunteer,
      CountEntry: before.CountEntry,
      SummarySchedule: before.SummarySchedule,
      GuildSettings: 1,
    });

    // A second removal arms it again.
    await armGuildErasure(db, guild, at(40 * day));
    expect(
      await db.dueJob.findUniqueOrThrow({
        where: { kind_subjectId: { kind: guildEraseJobKind, subjectId: guild } },
      }),
    ).toMatchObject({ status: "pending", dueAt: at(70 * day) });
  });
});

describe.runIf(databaseKind === "sqlite")(
  "erased values leave the SQLite file (secure_delete)",
  () => {
    it("a note and proof link /me forget erased are not in the file's bytes after a checkpoint", async () => {
      const db = await createTestDb();
      const campaign = await campaignIn(db, guild, "Bytes");
      const task = await taskIn(db, campaign, "Flyers", { slots: 3 });
      const proof = "https://example.org/secure-delete-proof-4b7e";
      const note = "Met at the secure-delete gate";
      await claimAndFinish(db, task, alice, { proofLink: proof, note });
      const [main] = await db.$queryRawUnsafe<{ file: string }[]>("PRAGMA database_list");
      const path = main?.file ?? "";
      await db.$queryRawUnsafe("PRAGMA wal_checkpoint(TRUNCATE)");
      expect(readFileSync(path).includes(proof)).toBe(true);

      await forgetMember(db, guild, alice, at(hour));
      // No VACUUM: only secure_delete keeps the old cell out of the page's free space.
      await db.$queryRawUnsafe("PRAGMA wal_checkpoint(TRUNCATE)");
      const bytes = readFileSync(path);
      for (const secret of [proof, note, alice]) expect(bytes.includes(secret), secret).toBe(false);
    });
  },
);
