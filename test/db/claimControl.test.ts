import { describe, expect, it } from "vitest";
import type { Database as Db } from "../../src/db/store.ts";
import { createCampaign } from "../../src/domain/campaigns.ts";
import { UserError } from "../../src/domain/errors.ts";
import {
  addTask,
  cancelTask,
  claimTask,
  moveClaim,
  releaseClaimOf,
} from "../../src/domain/tasks.ts";
import { createTestDb } from "../support/db.ts";
import { campaignFields } from "../support/domain.ts";

/** An organizer's control of claims: moving a claim and releasing someone else's, under races. */

const guild = "100000000000000001";
const organizer = "200000000000000001";
const member = (n: number) => `4${String(n).padStart(17, "0")}`;
const now = new Date("2026-05-01T10:00:00.000Z");
const rounds = 20;
const expiryDays = 3;

let campaigns = 0;

async function fullTask(db: Db, holder: string) {
  campaigns += 1;
  const title = `Rally ${campaigns}`;
  const campaign = await createCampaign(db, guild, organizer, campaignFields({ title }));
  const task = await addTask(db, guild, organizer, campaign.id, {
    title: "Flyers at the university",
    kind: "campus",
    location: null,
    slots: 1,
    dueAt: new Date(now.getTime() + 5 * 24 * 60 * 60 * 1000),
    instructions: null,
  });
  await claimTask(db, guild, holder, task.id, now, expiryDays);
  return task;
}

async function slotsAndClaims(db: Db, taskId: number) {
  const task = await db.outreachTask.findUniqueOrThrow({ where: { id: taskId } });
  const active = await db.claim.findMany({ where: { taskId, status: "active" } });
  const expiries = await db.dueJob.count({
    where: {
      kind: "claim.expire",
      status: "pending",
      subjectId: { in: active.map((claim) => String(claim.id)) },
    },
  });
  const pendingJobs = await db.dueJob.count({
    where: { kind: { startsWith: "claim." }, status: "pending" },
  });
  return {
    claimedSlots: task.claimedSlots,
    holders: active.map((claim) => claim.volunteerId),
    expiries,
    pendingJobs,
  };
}

function keyOf(outcome: PromiseSettledResult<unknown>): string {
  if (outcome.status === "fulfilled") return "moved";
  return outcome.reason instanceof UserError ? outcome.reason.key : String(outcome.reason);
}

describe("moving a claim keeps one slot taken throughout", () => {
  it("moves a full task's claim: one slot, the new holder's jobs, the old one's cancelled", async () => {
    const db = await createTestDb();
    const [from, to] = [member(1), member(2)];
    const task = await fullTask(db, from);
    const moved = await moveClaim(db, guild, organizer, task.id, from, to, now, expiryDays);
    expect(moved.claim.volunteerId).toBe(to);
    // The expiry and both reminders follow the new holder; none is left for the old claim.
    expect(await slotsAndClaims(db, task.id)).toEqual({
      claimedSlots: 1,
      holders: [to],
      expiries: 1,
      pendingJobs: 3,
    });
    const audit = await db.auditEntry.findFirstOrThrow({ where: { action: "task.move" } });
    expect(JSON.parse(audit.details ?? "{}")).toMatchObject({ from, to });
  });

  it("two organizers moving the same claim at once: exactly one move happens", async () => {
    const db = await createTestDb();
    for (let round = 0; round < rounds; round += 1) {
      const from = member(1);
      const task = await fullTask(db, from);
      const targets = [member(2), member(3), member(4)];
      const outcomes = await Promise.allSettled(
        targets.map((to) => moveClaim(db, guild, organizer, task.id, from, to, now, expiryDays)),
      );
      const keys = outcomes.map(keyOf);
      expect(
        keys.filter((key) => key === "moved"),
        `round ${round}: ${keys}`,
      ).toHaveLength(1);
      expect(keys.filter((key) => key !== "moved")).toEqual([
        "task.memberNotHolding",
        "task.memberNotHolding",
      ]);
      const state = await slotsAndClaims(db, task.id);
      expect(state.claimedSlots).toBe(1);
      expect(state.holders).toHaveLength(1);
      expect(state.expiries).toBe(1);
      await cancelTask(db, guild, organizer, task.id, now);
    }
  }, 120_000);

  it("a move racing a cancel of the task never leaves a claim on the cancelled task", async () => {
    const db = await createTestDb();
    for (let round = 0; round < rounds; round += 1) {
      const from = member(1);
      const task = await fullTask(db, from);
      await Promise.allSettled([
        moveClaim(db, guild, organizer, task.id, from, member(2), now, expiryDays),
        cancelTask(db, guild, organizer, task.id, now),
      ]);
      const open = await db.claim.count({
        where: { taskId: task.id, status: { in: ["active", "submitted"] } },
      });
      expect(open, `round ${round}`).toBe(0);
    }
  });

  it("refuses a new holder who already holds the task, and changes nothing", async () => {
    const db = await createTestDb();
    const campaign = await createCampaign(db, guild, organizer, campaignFields({ title: "R" }));
    const task = await addTask(db, guild, organizer, campaign.id, {
      title: "Two slots",
      kind: "campus",
      location: null,
      slots: 2,
      dueAt: null,
      instructions: null,
    });
    await claimTask(db, guild, member(1), task.id, now, expiryDays);
    await claimTask(db, guild, member(2), task.id, now, expiryDays);
    await expect(
      moveClaim(db, guild, organizer, task.id, member(1), member(2), now, expiryDays),
    ).rejects.toMatchObject({ key: "task.alreadyAssigned" });
    const state = await slotsAndClaims(db, task.id);
    expect(state.claimedSlots).toBe(2);
    expect(state.holders.sort()).toEqual([member(1), member(2)]);
  });
});

describe("an organizer releasing a member's claim", () => {
  it("twice at once: the slot goes back exactly once", async () => {
    const db = await createTestDb();
    for (let round = 0; round < rounds; round += 1) {
      const holder = member(1);
      const task = await fullTask(db, holder);
      const outcomes = await Promise.allSettled([
        releaseClaimOf(db, guild, organizer, holder, task.id, now),
        releaseClaimOf(db, guild, organizer, holder, task.id, now),
      ]);
      expect(outcomes.map(keyOf).sort(), `round ${round}`).toEqual([
        "moved",
        "task.memberNotHolding",
      ]);
      expect((await slotsAndClaims(db, task.id)).claimedSlots).toBe(0);
    }
  });
});
