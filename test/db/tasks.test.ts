import { ComponentType } from "discord.js";
import { describe, expect, it } from "vitest";
import type { Database as Db } from "../../src/db/store.ts";
import type { Campaign, Claim } from "../../src/db/generated/client.ts";
import { taskCard, taskStatusKey } from "../../src/discord/render/taskCard.ts";
import { closeCampaign, createCampaign } from "../../src/domain/campaigns.ts";
import { UserError } from "../../src/domain/errors.ts";
import { summaryJobKind } from "../../src/domain/summarySchedules.ts";
import type { TaskFields } from "../../src/domain/taskFields.ts";
import { importTasks } from "../../src/domain/taskImport.ts";
import {
  addTask,
  assignTask,
  cancelTask,
  claimTask,
  editTask,
  expireClaim,
  finishTask,
  listTasks,
  memberStatus,
  nextSubmission,
  parseTaskId,
  releaseTask,
  requireOpenClaim,
  reviewClaim,
  searchTasks,
  setTaskCard,
  taskNumbers,
  type TaskFilter,
  type TaskWithCampaign,
} from "../../src/domain/tasks.ts";
import {
  getVolunteer,
  markDmsClosed,
  setCredit,
  setReminders,
} from "../../src/domain/volunteers.ts";
import { translator } from "../../src/i18n/index.ts";
import { scheduleJob } from "../../src/db/dueJobs.ts";
import { createTestDb } from "../support/db.ts";
import { campaignFields } from "../support/domain.ts";

const guild = "100000000000000001";
const otherGuild = "100000000000000002";
const organizer = "200000000000000001";
const alice = "300000000000000001";
const bob = "300000000000000002";
const carol = "300000000000000003";
const member = (n: number) => `4${String(n).padStart(17, "0")}`;

const hour = 60 * 60 * 1000;
const day = 24 * hour;
const now = new Date("2026-05-01T10:00:00.000Z");
const later = (ms: number) => new Date(now.getTime() + ms);
const expiryDays = 3;
const noProof = { proofLink: null, note: null };
const raceRounds = 20;

let campaignNumber = 0;

async function campaign(db: Db, guildId = guild): Promise<Campaign> {
  campaignNumber += 1;
  return createCampaign(
    db,
    guildId,
    organizer,
    campaignFields({ title: `Free political prisoners ${campaignNumber}` }),
  );
}

function fields(overrides: Partial<TaskFields> = {}): TaskFields {
  return {
    title: "Flyers at the university",
    kind: "campus",
    location: "Main building",
    slots: 1,
    dueAt: null,
    instructions: null,
    ...overrides,
  };
}

/** A campaign of the guild with one task in it. */
async function taskIn(db: Db, overrides: Partial<TaskFields> = {}, guildId = guild) {
  const owner = await campaign(db, guildId);
  return addTask(db, guildId, organizer, owner.id, fields(overrides));
}

function claim(db: Db, volunteerId: string, taskId: number, at = now, guildId = guild) {
  return claimTask(db, guildId, volunteerId, taskId, at, expiryDays);
}

function finish(
  db: Db,
  volunteerId: string,
  taskId: number,
  review = false,
  proof: { proofLink: string | null; note: string | null } = noProof,
) {
  return finishTask(db, guild, volunteerId, taskId, proof, now, review);
}

/** The refusal a member would read: a UserError with this key (and, when given, these params). */
async function expectRefusal(
  action: Promise<unknown> | (() => unknown),
  key: string,
  params?: Record<string, unknown>,
): Promise<UserError> {
  let caught: unknown;
  try {
    await (typeof action === "function" ? action() : action);
  } catch (error) {
    caught = error;
  }
  expect(caught, `expected a refusal "${key}"`).toBeInstanceOf(UserError);
  const error = caught as UserError;
  expect(error.key).toBe(key);
  if (params) expect(error.params).toMatchObject(params);
  return error;
}

function taskRow(db: Db, id: number) {
  return db.outreachTask.findUniqueOrThrow({ where: { id } });
}

function claimRow(db: Db, id: number) {
  return db.claim.findUniqueOrThrow({ where: { id } });
}

function claimsOf(db: Db, taskId: number) {
  return db.claim.findMany({ where: { taskId }, orderBy: { id: "asc" } });
}

/** The claim's due jobs by kind: when each runs and whether it still will. */
async function jobsOf(db: Db, claimId: number) {
  const jobs = await db.dueJob.findMany({ where: { subjectId: String(claimId) } });
  return Object.fromEntries(
    jobs.map((job) => [job.kind, { status: job.status, dueAt: job.dueAt.toISOString() }]),
  );
}

function audit(db: Db, action: string) {
  return db.auditEntry.findMany({ where: { action }, orderBy: { id: "asc" } });
}

/** Every row a task action could touch, to show that a refusal changed nothing. */
async function everything(db: Db) {
  return {
    tasks: await db.outreachTask.findMany({ orderBy: { id: "asc" } }),
    claims: await db.claim.findMany({ orderBy: { id: "asc" } }),
    jobs: await db.dueJob.findMany({ orderBy: { id: "asc" } }),
    audit: await db.auditEntry.findMany({ orderBy: { id: "asc" } }),
  };
}

/** What the public card offers: which buttons a member can still press. */
function cardButtons(task: TaskWithCampaign) {
  const [row] = taskCard(task, translator("en")).components;
  return Object.fromEntries(
    (row?.components ?? []).map((button) => {
      if (button.type !== ComponentType.Button || !("custom_id" in button))
        throw new Error("expected buttons with ids");
      return [button.custom_id.split(":")[1] ?? button.custom_id, button.disabled ?? false];
    }),
  );
}

describe("adding a task", () => {
  it("stores what the organizer gave, open with no claims, and records it in the audit log", async () => {
    const db = await createTestDb();
    const owner = await campaign(db);
    const dueAt = later(7 * day);
    const added = await addTask(
      db,
      guild,
      organizer,
      owner.id,
      fields({
        title: "Листовки у метро",
        kind: "bulletin_board",
        location: "Station square",
        slots: 4,
        dueAt,
        instructions: "Ask the kiosk first",
      }),
    );

    expect(added.campaign.id).toBe(owner.id);
    expect(await taskRow(db, added.id)).toMatchObject({
      guildId: guild,
      campaignId: owner.id,
      title: "Листовки у метро",
      kind: "bulletin_board",
      location: "Station square",
      slots: 4,
      dueAt,
      instructions: "Ask the kiosk first",
      claimedSlots: 0,
      doneCount: 0,
      status: "open",
      createdById: organizer,
    });
    const entries = await audit(db, "task.add");
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      guildId: guild,
      actorId: organizer,
      subjectId: String(added.id),
    });
    expect(JSON.parse(entries[0]?.details ?? "null")).toEqual({ title: "Листовки у метро" });
  });

  it("refuses a task for a closed campaign", async () => {
    const db = await createTestDb();
    const owner = await campaign(db);
    await closeCampaign(db, guild, organizer, owner.id, "won", now);

    await expectRefusal(addTask(db, guild, organizer, owner.id, fields()), "campaign.closed", {
      title: owner.title,
    });
    expect(await db.outreachTask.count()).toBe(0);
    expect(await audit(db, "task.add")).toHaveLength(0);
  });

  it("treats another server's campaign as not found", async () => {
    const db = await createTestDb();
    const foreign = await campaign(db, otherGuild);

    await expectRefusal(addTask(db, guild, organizer, foreign.id, fields()), "campaign.notFound");
    expect(await db.outreachTask.count()).toBe(0);
  });
});

describe("claiming a task takes one of its slots", () => {
  it("gives the member an active claim that expires after the server's expiry days", async () => {
    const db = await createTestDb();
    const task = await taskIn(db, { slots: 2 });

    const result = await claim(db, alice, task.id);

    expect(result.task.claimedSlots).toBe(1);
    expect(result.claim).toMatchObject({ volunteerId: alice, status: "active", taskId: task.id });
    expect((await taskRow(db, task.id)).claimedSlots).toBe(1);
    expect(await claimsOf(db, task.id)).toEqual([
      expect.objectContaining({
        guildId: guild,
        volunteerId: alice,
        status: "active",
        openMarker: 1,
        claimedAt: now,
        expiresAt: later(expiryDays * day),
        closedAt: null,
      }),
    ]);
  });

  it("answers with the task as the claim left it, exactly as Prisma reads it afterwards", async () => {
    const db = await createTestDb();
    const task = await taskIn(db, {
      slots: 3,
      dueAt: later(5 * day),
      instructions: "Two per board",
    });
    await claim(db, bob, task.id);

    const result = await claim(db, alice, task.id, later(hour));

    // Dates as Date, booleans as booleans, the campaign included: what the card is drawn from.
    expect(result.task).toStrictEqual(
      await db.outreachTask.findFirst({ where: { id: task.id }, include: { campaign: true } }),
    );
    expect(result.task).toMatchObject({ claimedSlots: 2, updatedAt: later(hour) });
  });

  it("schedules the expiry, a reminder a day before it, and a reminder a day before the due date", async () => {
    const db = await createTestDb();
    const task = await taskIn(db, { dueAt: later(5 * day) });

    const { claim: held } = await claim(db, alice, task.id);

    expect(await jobsOf(db, held.id)).toEqual({
      "claim.expire": { status: "pending", dueAt: later(3 * day).toISOString() },
      "claim.remindExpiry": { status: "pending", dueAt: later(2 * day).toISOString() },
      "claim.remindDue": { status: "pending", dueAt: later(4 * day).toISOString() },
    });
    expect(await db.dueJob.count({ where: { guildId: guild } })).toBe(3);
  });

  it("schedules no reminder whose moment has already passed, and none for a task without a due date", async () => {
    const db = await createTestDb();
    const soon = await taskIn(db, { dueAt: later(12 * hour) });
    const exactlyADay = await taskIn(db, { dueAt: later(day) });
    const undated = await taskIn(db, { dueAt: null });

    // A one-day expiry puts its reminder at "now": too late to be of use.
    const a = await claimTask(db, guild, alice, soon.id, now, 1);
    const b = await claim(db, alice, exactlyADay.id);
    const c = await claim(db, alice, undated.id);

    expect(await jobsOf(db, a.claim.id)).toEqual({
      "claim.expire": { status: "pending", dueAt: later(day).toISOString() },
    });
    expect(Object.keys(await jobsOf(db, b.claim.id)).sort()).toEqual([
      "claim.expire",
      "claim.remindExpiry",
    ]);
    expect(Object.keys(await jobsOf(db, c.claim.id)).sort()).toEqual([
      "claim.expire",
      "claim.remindExpiry",
    ]);
  });

  it("refuses a full task and leaves the slots as they were", async () => {
    const db = await createTestDb();
    const task = await taskIn(db, { slots: 1 });
    await claim(db, alice, task.id);
    const before = await everything(db);

    await expectRefusal(claim(db, bob, task.id), "task.full", { title: task.title, count: 1 });
    expect(await everything(db)).toEqual(before);
  });

  it("refuses a cancelled task", async () => {
    const db = await createTestDb();
    const task = await taskIn(db, { slots: 3 });
    await cancelTask(db, guild, organizer, task.id, now);

    await expectRefusal(claim(db, alice, task.id), "task.cancelled", { title: task.title });
    expect(await claimsOf(db, task.id)).toHaveLength(0);
    expect((await taskRow(db, task.id)).claimedSlots).toBe(0);
  });

  it("refuses a task that is already done", async () => {
    const db = await createTestDb();
    const task = await taskIn(db, { slots: 1 });
    await claim(db, alice, task.id);
    await finish(db, alice, task.id);

    await expectRefusal(claim(db, bob, task.id), "task.alreadyDone", { title: task.title });
    expect(await db.claim.count({ where: { volunteerId: bob } })).toBe(0);
    expect(await taskRow(db, task.id)).toMatchObject({ claimedSlots: 1, doneCount: 1 });
  });

  it("refuses a task of a closed campaign", async () => {
    const db = await createTestDb();
    const task = await taskIn(db, { slots: 3 });
    await closeCampaign(db, guild, organizer, task.campaignId, "ended", now);

    await expectRefusal(claim(db, alice, task.id), "task.campaignClosed", {
      title: task.campaign.title,
    });
    expect(await claimsOf(db, task.id)).toHaveLength(0);
    expect((await taskRow(db, task.id)).claimedSlots).toBe(0);
  });

  it("treats another server's task id as not found and changes nothing", async () => {
    const db = await createTestDb();
    const foreign = await taskIn(db, { slots: 3 }, otherGuild);
    const before = await everything(db);

    await expectRefusal(claim(db, alice, foreign.id), "task.notFound");
    await expectRefusal(claim(db, alice, foreign.id + 1000), "task.notFound");
    expect(await everything(db)).toEqual(before);
  });

  it("tells a member who already holds the task so, and keeps one slot for them", async () => {
    const db = await createTestDb();
    const task = await taskIn(db, { slots: 3 });
    const first = await claim(db, alice, task.id);

    await expectRefusal(claim(db, alice, task.id, later(hour)), "task.alreadyClaimed");
    expect((await taskRow(db, task.id)).claimedSlots).toBe(1);
    expect((await claimsOf(db, task.id)).map((row) => row.id)).toEqual([first.claim.id]);
    expect(await db.dueJob.count()).toBe(2);
    // The refused claim left nothing half-done: the next change, in a transaction, goes through.
    await releaseTask(db, guild, alice, task.id, later(2 * hour));
    expect((await taskRow(db, task.id)).claimedSlots).toBe(0);
  });

  it("tells the holder of a one-slot task that they hold it, not that someone took it", async () => {
    const db = await createTestDb();
    const task = await taskIn(db, { slots: 1 });
    await claim(db, alice, task.id);

    await expectRefusal(claim(db, alice, task.id), "task.alreadyClaimed");
    expect((await taskRow(db, task.id)).claimedSlots).toBe(1);
  });

  it("lets a member claim again after releasing: a new claim, the old one stays released", async () => {
    const db = await createTestDb();
    const task = await taskIn(db, { slots: 1 });
    const first = await claim(db, alice, task.id);
    await releaseTask(db, guild, alice, task.id, later(hour));

    const second = await claim(db, alice, task.id, later(2 * hour));

    expect(second.claim.id).not.toBe(first.claim.id);
    expect(await claimsOf(db, task.id)).toEqual([
      expect.objectContaining({ id: first.claim.id, status: "released", openMarker: null }),
      expect.objectContaining({ id: second.claim.id, status: "active", openMarker: 1 }),
    ]);
    expect((await taskRow(db, task.id)).claimedSlots).toBe(1);
    expect(await jobsOf(db, second.claim.id)).toMatchObject({
      "claim.expire": {
        status: "pending",
        dueAt: later(2 * hour + expiryDays * day).toISOString(),
      },
    });
  });

  it("does not offer a slot again once its work is done: a 2-slot task takes 2 volunteers in all", async () => {
    const db = await createTestDb();
    const task = await taskIn(db, { slots: 2 });
    await claim(db, alice, task.id);
    await finish(db, alice, task.id);
    await claim(db, bob, task.id);

    await expectRefusal(claim(db, carol, task.id), "task.full", { count: 2 });
    expect(await db.claim.count({ where: { volunteerId: carol } })).toBe(0);
    expect(await taskRow(db, task.id)).toMatchObject({ claimedSlots: 2, doneCount: 1 });
  });

  it("shows a task whose slots are all held or done as full: not listed as open, Claim disabled", async () => {
    const db = await createTestDb();
    const task = await taskIn(db, { slots: 2 });
    await claim(db, alice, task.id);
    await finish(db, alice, task.id);
    const { task: held } = await claim(db, bob, task.id);

    const open = await listTasks(db, guild, {
      campaignId: null,
      filter: "open",
      userId: carol,
      now,
      page: 0,
    });
    expect(open.tasks.map((row) => row.id)).toEqual([]);
    expect(taskStatusKey(held)).toBe("full");
    expect(cardButtons(held)).toMatchObject({ claim: true });
  });
});

/** A task's claims, and the expiry jobs of those claims. */
async function claimsAndExpiries(db: Db, taskId: number) {
  const ids = (await db.claim.findMany({ where: { taskId }, select: { id: true } })).map((claim) =>
    String(claim.id),
  );
  const expiries = await db.dueJob.count({
    where: { kind: "claim.expire", subjectId: { in: ids } },
  });
  return { claims: ids.length, expiries };
}

// Each round is a fresh task on the same database: a race lost one time in a few (as a
// refusal that read a snapshot from before the winning claim was) shows within 20 rounds.
describe("members pressing Claim at the same instant never overfill a task", () => {
  it("30 members racing for 3 slots: exactly 3 get one, 27 are told it is full", async () => {
    const db = await createTestDb();
    for (let round = 0; round < raceRounds; round += 1) {
      const task = await taskIn(db, { slots: 3 });
      const members = Array.from({ length: 30 }, (_, index) => member(index));

      const outcomes = await Promise.allSettled(members.map((id) => claim(db, id, task.id)));

      const winners = members.filter((_, index) => outcomes[index]?.status === "fulfilled");
      const refusals = outcomes.flatMap((outcome) =>
        outcome.status === "rejected" ? [outcome.reason as unknown] : [],
      );
      expect(winners, `round ${round}`).toHaveLength(3);
      expect(refusals, `round ${round}`).toHaveLength(27);
      for (const refusal of refusals) {
        expect(refusal).toBeInstanceOf(UserError);
        expect((refusal as UserError).key).toBe("task.full");
      }
      expect((await taskRow(db, task.id)).claimedSlots).toBe(3);
      const open = await db.claim.findMany({ where: { taskId: task.id, status: "active" } });
      expect(open.map((row) => row.volunteerId).sort()).toEqual([...winners].sort());
      expect(await claimsAndExpiries(db, task.id)).toEqual({ claims: 3, expiries: 3 });
    }
  });

  it.each([20, 1])(
    "one member pressing Claim 10 times at once on a %i-slot task gets exactly one claim",
    async (slots) => {
      const db = await createTestDb();
      for (let round = 0; round < raceRounds; round += 1) {
        const task = await taskIn(db, { slots });

        const outcomes = await Promise.allSettled(
          Array.from({ length: 10 }, () => claim(db, alice, task.id)),
        );

        const fulfilled = outcomes.filter((outcome) => outcome.status === "fulfilled");
        const keys = outcomes.flatMap((outcome) =>
          outcome.status === "rejected"
            ? [outcome.reason instanceof UserError ? outcome.reason.key : String(outcome.reason)]
            : [],
        );
        expect(fulfilled, `round ${round}`).toHaveLength(1);
        expect(keys, `round ${round}`).toEqual(
          Array.from({ length: 9 }, () => "task.alreadyClaimed"),
        );
        expect((await taskRow(db, task.id)).claimedSlots).toBe(1);
        expect(await claimsAndExpiries(db, task.id)).toEqual({ claims: 1, expiries: 1 });
      }
    },
  );
});

describe("a claim during another change of the same task", () => {
  it("waits for that change to end, and stays when the change is undone", async () => {
    const db = await createTestDb();
    const task = await taskIn(db, { slots: 3 });
    let halfWay = () => {};
    const reachedHalfWay = new Promise<void>((resolve) => (halfWay = resolve));
    let undo = () => {};
    const undone = new Promise<void>((resolve) => (undo = resolve));
    const otherChange = db
      .$transaction(async (tx) => {
        await tx.outreachTask.update({ where: { id: task.id }, data: { title: "Renamed" } });
        halfWay();
        await undone;
        throw new Error("the change is undone");
      })
      .catch((error: unknown) => error);
    await reachedHalfWay;

    const claimed = claim(db, alice, task.id);
    let claimEnded = false;
    void claimed.finally(() => (claimEnded = true)).catch(() => undefined);
    // Time for the claim to run ahead, if it could (it must wait: the row is being changed).
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(claimEnded).toBe(false);
    undo();

    expect(await otherChange).toBeInstanceOf(Error);
    const { claim: held, task: after } = await claimed;
    expect(held).toMatchObject({ volunteerId: alice, status: "active" });
    expect(after).toMatchObject({ title: task.title, claimedSlots: 1 });
    expect(await taskRow(db, task.id)).toMatchObject({ title: task.title, claimedSlots: 1 });
    expect((await claimsOf(db, task.id)).map((row) => row.id)).toEqual([held.id]);
  });
});

describe("releasing a claim gives the slot back", () => {
  it("frees the slot, closes the claim and cancels its pending reminders and expiry", async () => {
    const db = await createTestDb();
    const task = await taskIn(db, { slots: 2, dueAt: later(5 * day) });
    const { claim: held } = await claim(db, alice, task.id);

    const released = await releaseTask(db, guild, alice, task.id, later(hour));

    expect(released.claimedSlots).toBe(0);
    expect((await taskRow(db, task.id)).claimedSlots).toBe(0);
    expect(await claimRow(db, held.id)).toMatchObject({
      status: "released",
      openMarker: null,
      closedAt: later(hour),
    });
    const jobs = await jobsOf(db, held.id);
    expect(Object.keys(jobs).sort()).toEqual([
      "claim.expire",
      "claim.remindDue",
      "claim.remindExpiry",
    ]);
    expect(Object.values(jobs).map((job) => job.status)).toEqual([
      "cancelled",
      "cancelled",
      "cancelled",
    ]);
  });

  it("refuses a member who holds nothing on the task, and leaves the holder's claim alone", async () => {
    const db = await createTestDb();
    const task = await taskIn(db, { slots: 2 });
    await claim(db, alice, task.id);
    const before = await everything(db);

    await expectRefusal(releaseTask(db, guild, bob, task.id, now), "task.notHolding");
    expect(await everything(db)).toEqual(before);
  });

  it("refuses releasing twice, without giving back a second slot", async () => {
    const db = await createTestDb();
    const task = await taskIn(db, { slots: 2 });
    await claim(db, alice, task.id);
    await claim(db, bob, task.id);
    await releaseTask(db, guild, alice, task.id, now);

    await expectRefusal(releaseTask(db, guild, alice, task.id, now), "task.notHolding");
    expect((await taskRow(db, task.id)).claimedSlots).toBe(1);
  });

  it("treats another server's task as not found", async () => {
    const db = await createTestDb();
    const foreign = await taskIn(db, { slots: 2 }, otherGuild);
    await claimTask(db, otherGuild, alice, foreign.id, now, expiryDays);

    await expectRefusal(releaseTask(db, guild, alice, foreign.id, now), "task.notFound");
    expect((await taskRow(db, foreign.id)).claimedSlots).toBe(1);
  });

  it("refuses releasing work that waits for review, and keeps it waiting", async () => {
    const db = await createTestDb();
    const task = await taskIn(db, { slots: 2 });
    const { claim: held } = await claim(db, alice, task.id);
    await finish(db, alice, task.id, true);

    await expectRefusal(releaseTask(db, guild, alice, task.id, now), "task.releaseSubmitted");
    expect((await claimRow(db, held.id)).status).toBe("submitted");
    expect((await taskRow(db, task.id)).claimedSlots).toBe(1);
  });
});

describe("closing a claim cancels only the claim's own jobs", () => {
  // Due-job subject ids are unique per kind only: a summary schedule can share the claim's id.
  it.each<[string, (db: Db, taskId: number, held: Claim) => Promise<unknown>]>([
    ["a release", (db, taskId) => releaseTask(db, guild, alice, taskId, now)],
    ["an expiry", (db, _taskId, held) => expireClaim(db, held.id, held.expiresAt)],
    ["finishing", (db, taskId) => finish(db, alice, taskId)],
    ["sending for review", (db, taskId) => finish(db, alice, taskId, true)],
    ["a cancel", (db, taskId) => cancelTask(db, guild, organizer, taskId, now)],
  ])("%s leaves another job with the same subject id pending", async (_action, act) => {
    const db = await createTestDb();
    const task = await taskIn(db, { slots: 2, dueAt: later(5 * day) });
    const { claim: held } = await claim(db, alice, task.id);
    await scheduleJob(db, {
      guildId: guild,
      kind: summaryJobKind,
      subjectId: String(held.id),
      dueAt: later(day),
    });

    await act(db, task.id, held);

    expect(await jobsOf(db, held.id)).toEqual({
      "claim.expire": { status: "cancelled", dueAt: later(3 * day).toISOString() },
      "claim.remindExpiry": { status: "cancelled", dueAt: later(2 * day).toISOString() },
      "claim.remindDue": { status: "cancelled", dueAt: later(4 * day).toISOString() },
      [summaryJobKind]: { status: "pending", dueAt: later(day).toISOString() },
    });
  });
});

describe("an unfinished claim expires after the server's expiry days", () => {
  async function held(db: Db) {
    const task = await taskIn(db, { slots: 2, dueAt: later(10 * day) });
    const { claim: row } = await claim(db, alice, task.id);
    return { task, claim: row, expiresAt: row.expiresAt };
  }

  it("does nothing before the claim's expiry", async () => {
    const db = await createTestDb();
    const { claim: row, expiresAt } = await held(db);
    const before = await everything(db);

    expect(await expireClaim(db, row.id, new Date(expiresAt.getTime() - 1))).toBeNull();
    expect(await everything(db)).toEqual(before);
  });

  it.each([
    ["at", 0],
    ["a day after", day],
  ])(
    "%s the expiry: the claim expires, the slot is free, the reminders are cancelled",
    async (_when, offset) => {
      const db = await createTestDb();
      const { task, claim: row, expiresAt } = await held(db);
      const at = new Date(expiresAt.getTime() + offset);

      const expired = await expireClaim(db, row.id, at);

      expect(expired?.task.claimedSlots).toBe(0);
      expect(expired?.claim.volunteerId).toBe(alice);
      expect((await taskRow(db, task.id)).claimedSlots).toBe(0);
      expect(await claimRow(db, row.id)).toMatchObject({
        status: "expired",
        openMarker: null,
        closedAt: at,
      });
      expect(Object.values(await jobsOf(db, row.id)).map((job) => job.status)).toEqual([
        "cancelled",
        "cancelled",
        "cancelled",
      ]);
    },
  );

  it("leaves a claim finished in the meantime as done, with its count", async () => {
    const db = await createTestDb();
    const { task, claim: row, expiresAt } = await held(db);
    await finish(db, alice, task.id);
    const before = await everything(db);

    expect(await expireClaim(db, row.id, expiresAt)).toBeNull();
    expect(await everything(db)).toEqual(before);
    expect(await taskRow(db, task.id)).toMatchObject({ claimedSlots: 1, doneCount: 1 });
  });

  it("leaves a claim released in the meantime alone, without freeing a second slot", async () => {
    const db = await createTestDb();
    const { task, claim: row, expiresAt } = await held(db);
    await releaseTask(db, guild, alice, task.id, now);
    const before = await everything(db);

    expect(await expireClaim(db, row.id, expiresAt)).toBeNull();
    expect(await everything(db)).toEqual(before);
    expect((await taskRow(db, task.id)).claimedSlots).toBe(0);
  });

  it("never expires work waiting for review", async () => {
    const db = await createTestDb();
    const { task, claim: row, expiresAt } = await held(db);
    await finish(db, alice, task.id, true);

    expect(await expireClaim(db, row.id, new Date(expiresAt.getTime() + day))).toBeNull();
    expect((await claimRow(db, row.id)).status).toBe("submitted");
    expect((await taskRow(db, task.id)).claimedSlots).toBe(1);
  });

  it("expires once: a second run finds nothing to do", async () => {
    const db = await createTestDb();
    const { task, claim: row, expiresAt } = await held(db);
    expect(await expireClaim(db, row.id, expiresAt)).not.toBeNull();

    expect(await expireClaim(db, row.id, expiresAt)).toBeNull();
    expect((await taskRow(db, task.id)).claimedSlots).toBe(0);
    expect(await expireClaim(db, row.id + 1000, expiresAt)).toBeNull();
  });
});

describe("finishing a task counts the work at once when review is off", () => {
  it("closes the claim as done with its proof; the slot stays filled and the done count grows", async () => {
    const db = await createTestDb();
    const task = await taskIn(db, { slots: 2, dueAt: later(5 * day) });
    const { claim: held } = await claim(db, alice, task.id);
    const proof = { proofLink: "https://example.org/photo.jpg", note: "Put up 20 flyers" };

    const result = await finishTask(db, guild, alice, task.id, proof, later(hour), false);

    expect(result.state).toBe("done");
    expect(result.task).toMatchObject({ claimedSlots: 1, doneCount: 1, status: "open" });
    expect(result.claim).toMatchObject({ id: held.id, status: "done" });
    expect(await claimRow(db, held.id)).toMatchObject({
      status: "done",
      openMarker: null,
      proofLink: "https://example.org/photo.jpg",
      note: "Put up 20 flyers",
      submittedAt: later(hour),
      closedAt: later(hour),
    });
    expect(await taskRow(db, task.id)).toMatchObject({
      claimedSlots: 1,
      doneCount: 1,
      status: "open",
    });
    expect(Object.values(await jobsOf(db, held.id)).map((job) => job.status)).toEqual([
      "cancelled",
      "cancelled",
      "cancelled",
    ]);
  });

  it("closes a 2-slot task once 2 members are done, and its card stops taking clicks", async () => {
    const db = await createTestDb();
    const task = await taskIn(db, { slots: 2 });
    await claim(db, alice, task.id);
    await claim(db, bob, task.id);
    const { task: half } = await finish(db, alice, task.id);
    expect(half).toMatchObject({ status: "open", doneCount: 1 });

    const { task: finished } = await finish(db, bob, task.id);

    expect(finished).toMatchObject({ status: "done", doneCount: 2, claimedSlots: 2 });
    expect(taskStatusKey(finished)).toBe("done");
    // The flyer stays available: only the claim buttons close.
    expect(cardButtons(finished)).toEqual({ claim: true, release: true, done: true, flyer: false });
    expect((await taskRow(db, task.id)).status).toBe("done");
  });

  it("refuses a member who does not hold the task", async () => {
    const db = await createTestDb();
    const task = await taskIn(db, { slots: 2 });
    await claim(db, alice, task.id);
    const before = await everything(db);

    await expectRefusal(finish(db, bob, task.id), "task.notHolding");
    expect(await everything(db)).toEqual(before);
  });

  it("counts the work once: finishing again is refused", async () => {
    const db = await createTestDb();
    const task = await taskIn(db, { slots: 3 });
    await claim(db, alice, task.id);
    await finish(db, alice, task.id);

    await expectRefusal(finish(db, alice, task.id), "task.notHolding");
    expect((await taskRow(db, task.id)).doneCount).toBe(1);
  });
});

describe("finishing a task waits for an organizer when review is on", () => {
  async function submitted(db: Db, slots = 1) {
    const task = await taskIn(db, { slots, dueAt: later(5 * day) });
    const { claim: held } = await claim(db, alice, task.id);
    const result = await finish(db, alice, task.id, true, {
      proofLink: "https://example.org/proof",
      note: "Done at noon",
    });
    return { task, claim: held, result };
  }

  it("marks the claim submitted, keeps its slot and stops its expiry and reminders", async () => {
    const db = await createTestDb();
    const { task, claim: held, result } = await submitted(db, 2);

    expect(result.state).toBe("submitted");
    expect(result.task).toMatchObject({ claimedSlots: 1, doneCount: 0, status: "open" });
    expect(await claimRow(db, held.id)).toMatchObject({
      status: "submitted",
      openMarker: 1,
      proofLink: "https://example.org/proof",
      note: "Done at noon",
      submittedAt: now,
      closedAt: null,
    });
    expect(await taskRow(db, task.id)).toMatchObject({ claimedSlots: 1, doneCount: 0 });
    expect(Object.values(await jobsOf(db, held.id)).map((job) => job.status)).toEqual([
      "cancelled",
      "cancelled",
      "cancelled",
    ]);
  });

  it("tells a member who finishes again that the work is already waiting", async () => {
    const db = await createTestDb();
    const { claim: held, task } = await submitted(db);

    await expectRefusal(finish(db, alice, task.id, true), "task.alreadySubmitted");
    await expectRefusal(finish(db, alice, task.id, false), "task.alreadySubmitted");
    expect((await claimRow(db, held.id)).status).toBe("submitted");
    expect((await taskRow(db, task.id)).doneCount).toBe(0);
  });

  it("counts the work when an organizer approves it, and records the approval", async () => {
    const db = await createTestDb();
    const { claim: held, task } = await submitted(db);

    const result = await reviewClaim(db, guild, organizer, held.id, { approve: true }, later(day));

    expect(result.claim).toMatchObject({
      status: "done",
      reviewedById: organizer,
      closedAt: later(day),
      openMarker: null,
    });
    expect(result.task).toMatchObject({ status: "done", doneCount: 1, claimedSlots: 1 });
    expect(await taskRow(db, task.id)).toMatchObject({
      status: "done",
      doneCount: 1,
      claimedSlots: 1,
    });
    const entries = await audit(db, "task.approve");
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ actorId: organizer, subjectId: String(task.id) });
    expect(JSON.parse(entries[0]?.details ?? "null")).toEqual({ claimId: held.id });
  });

  it("frees the slot when an organizer rejects the work, and keeps the reason for the member", async () => {
    const db = await createTestDb();
    const { claim: held, task } = await submitted(db);

    const result = await reviewClaim(
      db,
      guild,
      organizer,
      held.id,
      { approve: false, reason: "The photo shows another building" },
      later(day),
    );

    expect(result.claim).toMatchObject({
      status: "rejected",
      rejectReason: "The photo shows another building",
      reviewedById: organizer,
      closedAt: later(day),
      openMarker: null,
    });
    expect(await taskRow(db, task.id)).toMatchObject({
      status: "open",
      claimedSlots: 0,
      doneCount: 0,
    });
    const entries = await audit(db, "task.reject");
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ actorId: organizer, subjectId: String(task.id) });
    expect(await audit(db, "task.approve")).toHaveLength(0);
    // The slot is really free: the member (or anyone) can take it again.
    await claim(db, alice, task.id, later(day));
    expect((await taskRow(db, task.id)).claimedSlots).toBe(1);
  });

  it.each([
    ["approved", { approve: true } as const],
    ["rejected", { approve: false, reason: "Wrong place" } as const],
  ])("refuses a second review of work already %s", async (_state, first) => {
    const db = await createTestDb();
    const { claim: held } = await submitted(db, 2);
    await reviewClaim(db, guild, organizer, held.id, first, now);
    const before = await everything(db);

    await expectRefusal(
      reviewClaim(db, guild, organizer, held.id, { approve: true }, now),
      "task.alreadyReviewed",
    );
    await expectRefusal(
      reviewClaim(db, guild, organizer, held.id, { approve: false, reason: "Again" }, now),
      "task.alreadyReviewed",
    );
    expect(await everything(db)).toEqual(before);
  });

  it("treats a claim of another server as not found", async () => {
    const db = await createTestDb();
    const foreign = await taskIn(db, { slots: 1 }, otherGuild);
    const { claim: held } = await claimTask(db, otherGuild, alice, foreign.id, now, expiryDays);
    await finishTask(db, otherGuild, alice, foreign.id, noProof, now, true);
    const before = await everything(db);

    await expectRefusal(
      reviewClaim(db, guild, organizer, held.id, { approve: true }, now),
      "task.reviewNotFound",
    );
    expect(await everything(db)).toEqual(before);
  });

  it("shows organizers the oldest waiting submission first, and none once all are reviewed", async () => {
    const db = await createTestDb();
    const task = await taskIn(db, { slots: 3 });
    await claim(db, alice, task.id);
    await claim(db, bob, task.id);
    await finishTask(db, guild, bob, task.id, noProof, later(hour), true);
    await finishTask(db, guild, alice, task.id, noProof, later(2 * hour), true);

    const first = await nextSubmission(db, guild, task.id);
    expect(first.task.id).toBe(task.id);
    expect(first.submission?.volunteerId).toBe(bob);
    await reviewClaim(db, guild, organizer, first.submission?.id ?? -1, { approve: true }, now);
    const second = await nextSubmission(db, guild, task.id);
    expect(second.submission?.volunteerId).toBe(alice);
    await reviewClaim(
      db,
      guild,
      organizer,
      second.submission?.id ?? -1,
      { approve: false, reason: "No" },
      now,
    );
    expect((await nextSubmission(db, guild, task.id)).submission).toBeNull();
    await expectRefusal(nextSubmission(db, otherGuild, task.id), "task.notFound");
  });
});

describe("an organizer can assign a task to a member", () => {
  it("gives the member a claim as if they had claimed it, and records who assigned it", async () => {
    const db = await createTestDb();
    const task = await taskIn(db, { slots: 2, dueAt: later(5 * day) });

    const result = await assignTask(db, guild, organizer, task.id, alice, now, expiryDays);

    expect(result.claim).toMatchObject({ volunteerId: alice, status: "active" });
    expect((await taskRow(db, task.id)).claimedSlots).toBe(1);
    expect(Object.keys(await jobsOf(db, result.claim.id)).sort()).toEqual([
      "claim.expire",
      "claim.remindDue",
      "claim.remindExpiry",
    ]);
    const entries = await audit(db, "task.assign");
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      guildId: guild,
      actorId: organizer,
      subjectId: String(task.id),
    });
    expect(JSON.parse(entries[0]?.details ?? "null")).toEqual({ claimId: result.claim.id });
  });

  it("tells the organizer the member already holds it, without a second claim or audit entry", async () => {
    const db = await createTestDb();
    const task = await taskIn(db, { slots: 3 });
    await assignTask(db, guild, organizer, task.id, alice, now, expiryDays);

    await expectRefusal(
      assignTask(db, guild, organizer, task.id, alice, now, expiryDays),
      "task.alreadyAssigned",
    );
    expect(await claimsOf(db, task.id)).toHaveLength(1);
    expect((await taskRow(db, task.id)).claimedSlots).toBe(1);
    expect(await audit(db, "task.assign")).toHaveLength(1);
  });

  it("refuses a full task without recording an assignment", async () => {
    const db = await createTestDb();
    const task = await taskIn(db, { slots: 1 });
    await claim(db, bob, task.id);

    await expectRefusal(
      assignTask(db, guild, organizer, task.id, alice, now, expiryDays),
      "task.full",
    );
    expect(await audit(db, "task.assign")).toHaveLength(0);
  });
});

describe("cancelling a task releases every claim on it", () => {
  it("releases open claims, cancels their jobs, empties the slots and records it", async () => {
    const db = await createTestDb();
    const task = await taskIn(db, { slots: 3, dueAt: later(5 * day) });
    const a = await claim(db, alice, task.id);
    const b = await claim(db, bob, task.id);
    await finish(db, bob, task.id, true);

    const cancelled = await cancelTask(db, guild, organizer, task.id, later(hour));

    expect(cancelled).toMatchObject({ status: "cancelled", claimedSlots: 0 });
    expect(await taskRow(db, task.id)).toMatchObject({ status: "cancelled", claimedSlots: 0 });
    for (const id of [a.claim.id, b.claim.id]) {
      expect(await claimRow(db, id)).toMatchObject({
        status: "released",
        openMarker: null,
        closedAt: later(hour),
      });
    }
    expect(await db.dueJob.count({ where: { status: "pending" } })).toBe(0);
    expect(await audit(db, "task.cancel")).toEqual([
      expect.objectContaining({ actorId: organizer, subjectId: String(task.id) }),
    ]);
    expect(cardButtons(cancelled)).toEqual({
      claim: true,
      release: true,
      done: true,
      flyer: false,
    });
  });

  it("refuses claims, releases and finishing afterwards", async () => {
    const db = await createTestDb();
    const task = await taskIn(db, { slots: 3 });
    await claim(db, alice, task.id);
    await cancelTask(db, guild, organizer, task.id, now);

    await expectRefusal(claim(db, bob, task.id), "task.cancelled");
    await expectRefusal(releaseTask(db, guild, alice, task.id, now), "task.notHolding");
    await expectRefusal(finish(db, alice, task.id), "task.notHolding");
    expect(await taskRow(db, task.id)).toMatchObject({ claimedSlots: 0, doneCount: 0 });
  });

  it("refuses cancelling twice, or cancelling a task that is done", async () => {
    const db = await createTestDb();
    const task = await taskIn(db, { slots: 3 });
    const done = await taskIn(db, { slots: 1 });
    await claim(db, alice, done.id);
    await finish(db, alice, done.id);
    await cancelTask(db, guild, organizer, task.id, now);

    await expectRefusal(cancelTask(db, guild, organizer, task.id, now), "task.cancelled");
    await expectRefusal(cancelTask(db, guild, organizer, done.id, now), "task.alreadyDone");
    await expectRefusal(cancelTask(db, otherGuild, organizer, done.id, now), "task.notFound");
    expect(await audit(db, "task.cancel")).toHaveLength(1);
    expect((await taskRow(db, done.id)).status).toBe("done");
  });
});

describe("editing a task", () => {
  it("changes the given fields only and records which ones", async () => {
    const db = await createTestDb();
    const task = await taskIn(db, { slots: 2, instructions: "Bring tape" });

    const edited = await editTask(
      db,
      guild,
      organizer,
      task.id,
      { title: "Flyers at the library", location: "Library hall", slots: 5 },
      now,
    );

    expect(edited).toMatchObject({
      title: "Flyers at the library",
      location: "Library hall",
      slots: 5,
      kind: "campus",
      instructions: "Bring tape",
    });
    expect(await taskRow(db, task.id)).toMatchObject({ title: "Flyers at the library", slots: 5 });
    const entries = await audit(db, "task.edit");
    expect(entries).toHaveLength(1);
    // The old and new value of each changed field, for /settings audit.
    expect(JSON.parse(entries[0]?.details ?? "null")).toEqual({
      changed: ["title", "location", "slots"],
      changes: {
        title: { from: "Flyers at the university", to: "Flyers at the library" },
        location: { from: "Main building", to: "Library hall" },
        slots: { from: 2, to: 5 },
      },
    });
  });

  it("refuses fewer slots than volunteers holding or done, and changes nothing", async () => {
    const db = await createTestDb();
    const task = await taskIn(db, { slots: 4 });
    await claim(db, alice, task.id);
    await finish(db, alice, task.id);
    await claim(db, bob, task.id);
    const before = await everything(db);

    await expectRefusal(
      editTask(db, guild, organizer, task.id, { slots: 1, title: "Renamed" }, now),
      "task.slotsBelowClaims",
      { held: 2 },
    );
    expect(await everything(db)).toEqual(before);

    await editTask(db, guild, organizer, task.id, { slots: 3 }, now);
    expect((await taskRow(db, task.id)).slots).toBe(3);
  });

  it("closes the task when its slots are cut to the volunteers already done", async () => {
    const db = await createTestDb();
    const task = await taskIn(db, { slots: 3 });
    await claim(db, alice, task.id);
    await finish(db, alice, task.id);
    await claim(db, bob, task.id);
    await finish(db, bob, task.id);

    const edited = await editTask(db, guild, organizer, task.id, { slots: 2 }, now);

    expect(edited).toMatchObject({ slots: 2, doneCount: 2, status: "done" });
    await expectRefusal(claim(db, carol, task.id), "task.alreadyDone");
  });

  it("refuses editing a task that is done or cancelled", async () => {
    const db = await createTestDb();
    const done = await taskIn(db, { slots: 1 });
    await claim(db, alice, done.id);
    await finish(db, alice, done.id);
    const cancelled = await taskIn(db, { slots: 1 });
    await cancelTask(db, guild, organizer, cancelled.id, now);
    const before = await everything(db);

    await expectRefusal(
      editTask(db, guild, organizer, done.id, { title: "x" }, now),
      "task.notOpen",
      { title: done.title },
    );
    await expectRefusal(
      editTask(db, guild, organizer, cancelled.id, { slots: 5 }, now),
      "task.notOpen",
    );
    await expectRefusal(
      editTask(db, otherGuild, organizer, done.id, { title: "x" }, now),
      "task.notFound",
    );
    expect(await everything(db)).toEqual(before);
  });

  it("moves the due-date reminder of active claims with the due date", async () => {
    const db = await createTestDb();
    const task = await taskIn(db, { slots: 3, dueAt: later(5 * day) });
    const a = await claim(db, alice, task.id);
    const b = await claim(db, bob, task.id);
    await finish(db, bob, task.id, true);
    const undated = await taskIn(db, { slots: 1 });
    const c = await claim(db, carol, undated.id);

    await editTask(db, guild, organizer, task.id, { dueAt: later(10 * day) }, now);
    expect((await jobsOf(db, a.claim.id))["claim.remindDue"]).toEqual({
      status: "pending",
      dueAt: later(9 * day).toISOString(),
    });
    // Work waiting for review needs no reminder.
    expect((await jobsOf(db, b.claim.id))["claim.remindDue"]?.status).toBe("cancelled");

    await editTask(db, guild, organizer, undated.id, { dueAt: later(4 * day) }, now);
    expect((await jobsOf(db, c.claim.id))["claim.remindDue"]).toEqual({
      status: "pending",
      dueAt: later(3 * day).toISOString(),
    });

    await editTask(db, guild, organizer, task.id, { dueAt: later(12 * hour) }, now);
    expect((await jobsOf(db, a.claim.id))["claim.remindDue"]?.status).toBe("cancelled");
    await editTask(db, guild, organizer, undated.id, { dueAt: null }, now);
    expect((await jobsOf(db, c.claim.id))["claim.remindDue"]?.status).toBe("cancelled");
    // The expiry jobs are untouched by a new due date.
    expect((await jobsOf(db, a.claim.id))["claim.expire"]?.status).toBe("pending");
  });
});

describe("listing tasks", () => {
  const filters = ["open", "mine", "claimed", "review", "done", "overdue"] as const;

  /** Tasks in every state, titled by what they are, and one of another server. */
  async function board(db: Db) {
    const owner = await campaign(db);
    const add = (title: string, overrides: Partial<TaskFields> = {}) =>
      addTask(db, guild, organizer, owner.id, fields({ title, slots: 2, ...overrides }));
    const free = await add("free", { dueAt: later(3 * day) });
    const full = await add("full", { slots: 1, dueAt: later(day) });
    const mine = await add("mine", { dueAt: null });
    const waiting = await add("waiting", { dueAt: later(2 * day) });
    const done = await add("done", { slots: 1 });
    const cancelled = await add("cancelled");
    const overdue = await add("overdue", { dueAt: later(-day) });
    const lateUnclaimed = await add("late unclaimed", { dueAt: later(-2 * day) });
    const closed = await campaign(db);
    const ofClosed = await addTask(db, guild, organizer, closed.id, fields({ title: "closed" }));
    await closeCampaign(db, guild, organizer, closed.id, "ended", now);
    const foreign = await taskIn(db, { title: "foreign", slots: 2 }, otherGuild);

    await claim(db, bob, full.id);
    await claim(db, alice, mine.id);
    await claim(db, bob, mine.id);
    await releaseTask(db, guild, bob, mine.id, now);
    await claim(db, bob, waiting.id);
    await finish(db, bob, waiting.id, true);
    await claim(db, bob, done.id);
    await finish(db, bob, done.id);
    await cancelTask(db, guild, organizer, cancelled.id, now);
    await claim(db, carol, overdue.id);
    await claimTask(db, otherGuild, alice, foreign.id, now, expiryDays);
    return {
      owner,
      ids: { free, full, mine, waiting, done, cancelled, overdue, lateUnclaimed, ofClosed },
    };
  }

  async function titles(
    db: Db,
    filter: TaskFilter,
    userId = alice,
    campaignId: number | null = null,
  ) {
    const listed = await listTasks(db, guild, { campaignId, filter, userId, now, page: 0 });
    return listed.tasks.map((task) => task.title);
  }

  it("shows each filter its tasks, by due date with undated last, never another server's", async () => {
    const db = await createTestDb();
    await board(db);

    expect(await titles(db, "open")).toEqual([
      "late unclaimed",
      "overdue",
      "waiting",
      "free",
      "mine",
    ]);
    expect(await titles(db, "mine", alice)).toEqual(["mine"]);
    expect(await titles(db, "mine", bob)).toEqual(["full", "waiting"]);
    expect(await titles(db, "claimed")).toEqual(["overdue", "full", "waiting", "mine"]);
    expect(await titles(db, "review")).toEqual(["waiting"]);
    expect(await titles(db, "done")).toEqual(["done"]);
    expect(await titles(db, "overdue")).toEqual(["overdue"]);
    for (const filter of filters) {
      const listed = await listTasks(db, otherGuild, {
        campaignId: null,
        filter,
        userId: alice,
        now,
        page: 0,
      });
      expect(
        listed.tasks.every((task) => task.guildId === otherGuild),
        filter,
      ).toBe(true);
      expect(
        listed.tasks.map((task) => task.title),
        filter,
      ).not.toContain("free");
    }
  });

  it("includes only the open claims of each task", async () => {
    const db = await createTestDb();
    const { ids } = await board(db);

    const listed = await listTasks(db, guild, {
      campaignId: null,
      filter: "claimed",
      userId: alice,
      now,
      page: 0,
    });
    const claimsBy = Object.fromEntries(
      listed.tasks.map((task) => [task.title, task.claims.map((row) => row.volunteerId)]),
    );
    expect(claimsBy).toEqual({
      overdue: [carol],
      full: [bob],
      waiting: [bob],
      mine: [alice],
    });
    expect(listed.tasks.find((task) => task.id === ids.waiting.id)?.claims[0]?.status).toBe(
      "submitted",
    );
  });

  it("lists as claimed only tasks someone holds now, not those whose only claims are done", async () => {
    const db = await createTestDb();
    const owner = await campaign(db);
    const finished = await addTask(
      db,
      guild,
      organizer,
      owner.id,
      fields({ title: "finished", slots: 3 }),
    );
    const held = await addTask(db, guild, organizer, owner.id, fields({ title: "held", slots: 3 }));
    await claim(db, alice, finished.id);
    await finish(db, alice, finished.id);
    await claim(db, bob, held.id);

    expect(await titles(db, "claimed")).toEqual(["held"]);
  });

  it("keeps to one campaign when asked", async () => {
    const db = await createTestDb();
    const { owner } = await board(db);
    const second = await campaign(db);
    await addTask(db, guild, organizer, second.id, fields({ title: "elsewhere" }));

    expect(await titles(db, "open", alice, second.id)).toEqual(["elsewhere"]);
    expect(await titles(db, "open", alice, owner.id)).not.toContain("elsewhere");
  });

  it("pages by 10 and keeps the page within range", async () => {
    const db = await createTestDb();
    const owner = await campaign(db);
    for (let n = 1; n <= 23; n += 1) {
      await addTask(
        db,
        guild,
        organizer,
        owner.id,
        fields({ title: `Task ${n}`, dueAt: later(n * hour) }),
      );
    }
    const page = (number: number) =>
      listTasks(db, guild, { campaignId: null, filter: "open", userId: alice, now, page: number });

    const first = await page(0);
    expect(first).toMatchObject({ total: 23, page: 0, pages: 3 });
    expect(first.tasks.map((task) => task.title)).toEqual(
      Array.from({ length: 10 }, (_, index) => `Task ${index + 1}`),
    );
    const last = await page(2);
    expect(last.tasks.map((task) => task.title)).toEqual(["Task 21", "Task 22", "Task 23"]);
    expect(await page(9)).toMatchObject({ page: 2, tasks: last.tasks });
    expect((await page(-3)).page).toBe(0);

    const none = await listTasks(db, guild, {
      campaignId: null,
      filter: "done",
      userId: alice,
      now,
      page: 4,
    });
    expect(none).toMatchObject({ tasks: [], total: 0, page: 0, pages: 1 });
  });
});

describe("finding a task by title (autocomplete)", () => {
  it("offers the member's own claims first, then the server's tasks, case-insensitively", async () => {
    const db = await createTestDb();
    const owner = await campaign(db);
    const add = (title: string) =>
      addTask(db, guild, organizer, owner.id, fields({ title, slots: 2 }));
    const older = await add("Flyers: campus");
    const held = await add("FLYERS at the station");
    const newer = await add("Flyers downtown");
    const finished = await add("Flyers done");
    await add("Phone bank");
    await taskIn(db, { title: "Flyers abroad" }, otherGuild);
    await claim(db, alice, held.id);
    await claim(db, bob, finished.id);
    await finish(db, bob, finished.id);

    const any = await searchTasks(db, guild, alice, "  flyers ", "any");
    expect(any.map((task) => task.id)).toEqual([held.id, finished.id, newer.id, older.id]);
    const mine = await searchTasks(db, guild, alice, "", "mine");
    expect(mine.map((task) => task.id)).toEqual([held.id]);
    const ofBob = await searchTasks(db, guild, bob, "flyers", "mine");
    expect(ofBob).toEqual([]);
    expect(await searchTasks(db, otherGuild, alice, "flyers", "any")).toHaveLength(1);
  });

  it("offers only open tasks for claiming", async () => {
    const db = await createTestDb();
    const owner = await campaign(db);
    const open = await addTask(db, guild, organizer, owner.id, fields({ title: "Open one" }));
    const gone = await addTask(db, guild, organizer, owner.id, fields({ title: "Cancelled one" }));
    await cancelTask(db, guild, organizer, gone.id, now);

    expect((await searchTasks(db, guild, alice, "one", "open")).map((task) => task.id)).toEqual([
      open.id,
    ]);
    expect(await searchTasks(db, guild, alice, "one", "any")).toHaveLength(2);
  });

  it("finds an old task behind a thousand newer ones, typed in another case and script", async () => {
    const db = await createTestDb();
    const owner = await campaign(db);
    const old = await addTask(db, guild, organizer, owner.id, fields({ title: "Листовки у ВУЗа" }));
    await db.outreachTask.createMany({
      data: Array.from({ length: 1200 }, (_, index) => ({
        guildId: guild,
        campaignId: owner.id,
        number: index + 2,
        createdById: organizer,
        title: `Flyers, round ${index}`,
        kind: "campus",
        slots: 1,
      })),
    });

    const found = await searchTasks(db, guild, alice, "листовки у вуза", "open");
    expect(found.map((task) => [task.id, task.title])).toEqual([[old.id, "Листовки у ВУЗа"]]);
    const many = await searchTasks(db, guild, alice, "round 11", "open");
    expect(many).toHaveLength(25);
    expect(many[0]?.title).toBe("Flyers, round 1199");
  });

  it("narrows in SQL without losing older rows, renamed tasks or titles with LIKE wildcards", async () => {
    const db = await createTestDb();
    const owner = await campaign(db);
    const add = (title: string) => addTask(db, guild, organizer, owner.id, fields({ title }));
    const renamed = await add("Flyers at the library");
    await editTask(db, guild, organizer, renamed.id, { title: "POSTERS at the station" }, now);
    const percent = await add("50% off flyers");
    await add("50 flyers");
    await add("Axb banner");
    // Rows written before titles were stored folded: their folded title is NULL.
    await db.outreachTask.create({
      data: {
        guildId: guild,
        campaignId: owner.id,
        number: 5,
        title: "Старые ЛИСТОВКИ",
        kind: "campus",
      },
    });
    const titles = async (typed: string) =>
      (await searchTasks(db, guild, alice, typed, "open")).map((task) => task.title);

    expect(await titles("posters")).toEqual(["POSTERS at the station"]);
    expect(await titles("library")).toEqual([]);
    expect(await titles("листовки")).toEqual(["Старые ЛИСТОВКИ"]);
    // LIKE reads % and _ as wildcards; what the member typed is matched as typed.
    expect((await searchTasks(db, guild, alice, "50%", "open")).map((task) => task.id)).toEqual([
      percent.id,
    ]);
    expect(await titles("a_b")).toEqual([]);
  });

  it("stores the folded title on every write: add, edit and import", async () => {
    const db = await createTestDb();
    const owner = await campaign(db);
    const added = await addTask(db, guild, organizer, owner.id, fields({ title: "Flyers ВУЗ İ" }));
    const edited = await addTask(db, guild, organizer, owner.id, fields({ title: "Old" }));
    await editTask(db, guild, organizer, edited.id, { title: "New TITLE" }, now);
    await editTask(db, guild, organizer, added.id, { slots: 3 }, now);
    await importTasks(db, guild, organizer, owner.id, [
      fields({ title: "Imported ONE" }),
      fields({ title: "Імпорт ДВА" }),
    ]);

    const rows = await db.outreachTask.findMany({
      where: { guildId: guild },
      select: { title: true, titleFolded: true },
      orderBy: { id: "asc" },
    });
    expect(rows).toEqual([
      { title: "Flyers ВУЗ İ", titleFolded: "flyers вуз i̇" },
      { title: "New TITLE", titleFolded: "new title" },
      { title: "Imported ONE", titleFolded: "imported one" },
      { title: "Імпорт ДВА", titleFolded: "імпорт два" },
    ]);
  });
});

describe("task numbers and a member's own status", () => {
  it("counts open and done tasks per campaign, not cancelled ones or other campaigns'", async () => {
    const db = await createTestDb();
    const owner = await campaign(db);
    const add = (slots = 1) => addTask(db, guild, organizer, owner.id, fields({ slots }));
    await add();
    await add(3);
    const done = await add();
    const gone = await add();
    await claim(db, alice, done.id);
    await finish(db, alice, done.id);
    await cancelTask(db, guild, organizer, gone.id, now);
    const other = await campaign(db);
    await addTask(db, guild, organizer, other.id, fields());

    expect(await taskNumbers(db, guild, owner.id)).toEqual({ open: 2, done: 1 });
    expect(await taskNumbers(db, guild, other.id)).toEqual({ open: 1, done: 0 });
  });

  it("lists the member's open claims, oldest first, and how many they finished in this server", async () => {
    const db = await createTestDb();
    const owner = await campaign(db);
    const add = (title: string) =>
      addTask(db, guild, organizer, owner.id, fields({ title, slots: 2 }));
    const first = await add("First");
    const second = await add("Second");
    const finished = await add("Finished");
    const released = await add("Released");
    await claimTask(db, guild, alice, second.id, later(2 * hour), expiryDays);
    await claimTask(db, guild, alice, first.id, later(hour), expiryDays);
    await finishTask(db, guild, alice, second.id, noProof, later(3 * hour), true);
    await claim(db, alice, finished.id);
    await finish(db, alice, finished.id);
    await claim(db, alice, released.id);
    await releaseTask(db, guild, alice, released.id, now);
    const foreign = await taskIn(db, { slots: 1 }, otherGuild);
    await claimTask(db, otherGuild, alice, foreign.id, now, expiryDays);
    await finishTask(db, otherGuild, alice, foreign.id, noProof, now, false);

    const status = await memberStatus(db, guild, alice);

    expect(status.open.map((row) => [row.task.title, row.status])).toEqual([
      ["First", "active"],
      ["Second", "submitted"],
    ]);
    expect(status.open[0]?.task.campaign.id).toBe(owner.id);
    expect(status.done).toBe(1);
    expect(await memberStatus(db, guild, bob)).toEqual({ open: [], done: 0 });
  });
});

describe("the Done and Release forms are offered only to a holder", () => {
  it("finds the member's open claim, and refuses everyone else before any form is shown", async () => {
    const db = await createTestDb();
    const task = await taskIn(db, { slots: 2 });
    const { claim: held } = await claim(db, alice, task.id);

    expect((await requireOpenClaim(db, guild, alice, task.id)).id).toBe(held.id);
    await finish(db, alice, task.id, true);
    expect((await requireOpenClaim(db, guild, alice, task.id)).status).toBe("submitted");
    await expectRefusal(requireOpenClaim(db, guild, bob, task.id), "task.notHolding");
    await expectRefusal(requireOpenClaim(db, otherGuild, alice, task.id), "task.notFound");
    await reviewClaim(db, guild, organizer, held.id, { approve: true }, now);
    await expectRefusal(requireOpenClaim(db, guild, alice, task.id), "task.notHolding");
  });
});

describe("task ids and cards", () => {
  it("reads a task id as Discord sends it, and asks to pick from the list otherwise", () => {
    expect(parseTaskId("42")).toBe(42);
    expect(parseTaskId(" 7 ")).toBe(7);
    for (const value of ["", "abc", "#12", "1.5", "-3", "1234567890"]) {
      expect(() => parseTaskId(value), value).toThrow(UserError);
      try {
        parseTaskId(value);
      } catch (error) {
        expect((error as UserError).key).toBe("task.pickFromList");
      }
    }
  });

  it("remembers where the task's card was posted", async () => {
    const db = await createTestDb();
    const task = await taskIn(db);

    await setTaskCard(db, task.id, "600000000000000001", "700000000000000001");

    expect(await taskRow(db, task.id)).toMatchObject({
      cardChannelId: "600000000000000001",
      cardMessageId: "700000000000000001",
    });
  });
});

describe("a member's own choices", () => {
  it("start anonymous and reminded without writing anything", async () => {
    const db = await createTestDb();

    expect(await getVolunteer(db, guild, alice)).toEqual({
      creditPublic: false,
      remindersEnabled: true,
      dmsClosed: false,
      lastLocale: null,
    });
    expect(await db.volunteer.count()).toBe(0);
  });

  it("are kept per server, and turning reminders on forgets a refused DM", async () => {
    const db = await createTestDb();
    await setCredit(db, guild, alice, true);
    await markDmsClosed(db, guild, alice);
    expect(await getVolunteer(db, guild, alice)).toMatchObject({
      creditPublic: true,
      dmsClosed: true,
    });
    expect(await getVolunteer(db, otherGuild, alice)).toMatchObject({
      creditPublic: false,
      dmsClosed: false,
    });

    await setReminders(db, guild, alice, false);
    expect(await getVolunteer(db, guild, alice)).toMatchObject({
      remindersEnabled: false,
      dmsClosed: true,
    });
    await setReminders(db, guild, alice, true);
    expect(await getVolunteer(db, guild, alice)).toMatchObject({
      remindersEnabled: true,
      dmsClosed: false,
      creditPublic: true,
    });
  });

  it("note the language a member claims in, for their reminders, and reopen their DMs", async () => {
    const db = await createTestDb();
    const first = await taskIn(db, { slots: 2 });
    const second = await taskIn(db, { slots: 2 });
    await setCredit(db, guild, alice, true);
    await markDmsClosed(db, guild, alice);

    await claimTask(db, guild, alice, first.id, now, expiryDays, "ru");
    expect(await getVolunteer(db, guild, alice)).toEqual({
      creditPublic: true,
      remindersEnabled: true,
      dmsClosed: false,
      lastLocale: "ru",
    });
    // A first claim creates the member's row with the defaults; the next one changes the language.
    await claimTask(db, guild, bob, first.id, now, expiryDays, "uk");
    await claimTask(db, guild, bob, second.id, later(hour), expiryDays, "en");
    expect(await getVolunteer(db, guild, bob)).toEqual({
      creditPublic: false,
      remindersEnabled: true,
      dmsClosed: false,
      lastLocale: "en",
    });
  });

  it("are not touched by a refused claim or by an organizer's assignment", async () => {
    const db = await createTestDb();
    const roomy = await taskIn(db, { slots: 2 });
    await claimTask(db, guild, alice, roomy.id, now, expiryDays, "ru");
    await markDmsClosed(db, guild, alice);

    // A slot is free, so the update takes it; the unique index on open claims then undoes the
    // whole write, slot and note included.
    await expectRefusal(
      claimTask(db, guild, alice, roomy.id, now, expiryDays, "en"),
      "task.alreadyClaimed",
    );
    expect((await taskRow(db, roomy.id)).claimedSlots).toBe(1);
    const full = await taskIn(db, { slots: 1 });
    await claim(db, carol, full.id);
    await expectRefusal(claimTask(db, guild, bob, full.id, now, expiryDays, "en"), "task.full");
    const other = await taskIn(db, { slots: 1 });
    await assignTask(db, guild, organizer, other.id, alice, now, expiryDays);

    expect(await getVolunteer(db, guild, alice)).toMatchObject({
      dmsClosed: true,
      lastLocale: "ru",
    });
    expect(await db.volunteer.count({ where: { userId: bob } })).toBe(0);
  });
});
