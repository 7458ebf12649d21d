import fc from "fast-check";
import { expect, it } from "vitest";
import type { Database as Db } from "../../src/db/store.ts";
import { closeCampaign, createCampaign } from "../../src/domain/campaigns.ts";
import { UserError } from "../../src/domain/errors.ts";
import { forgetMember } from "../../src/domain/privacy.ts";
import {
  assignTask,
  cancelTask,
  claimTask,
  editTask,
  expireClaim,
  finishTask,
  releaseTask,
  reviewClaim,
} from "../../src/domain/tasks.ts";
import { createTestDb } from "../support/db.ts";
import { campaignFields } from "../support/domain.ts";

const guild = "100000000000000001";
const organizer = "200000000000000001";
const members = ["300000000000000001", "300000000000000002", "300000000000000003"] as const;
const day = 24 * 60 * 60 * 1000;
const start = new Date("2026-05-01T10:00:00.000Z");
const noProof = { proofLink: null, note: null };

type Op =
  | { op: "claim" | "release" | "assign" | "forget"; member: number }
  | { op: "finish"; member: number; review: boolean }
  | { op: "expire" | "approve" | "reject"; claim: number }
  | { op: "editSlots"; slots: number }
  | { op: "cancel" | "closeCampaign" };

const member = fc.integer({ min: 0, max: members.length - 1 });
const claimIndex = fc.nat({ max: 20 });
const operation: fc.Arbitrary<Op> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ op: fc.constant("claim" as const), member }) },
  { weight: 5, arbitrary: fc.record({ op: fc.constant("release" as const), member }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("assign" as const), member }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("forget" as const), member }) },
  {
    weight: 6,
    arbitrary: fc.record({ op: fc.constant("finish" as const), member, review: fc.boolean() }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("expire" as const), claim: claimIndex }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("approve" as const), claim: claimIndex }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("reject" as const), claim: claimIndex }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant("editSlots" as const),
      slots: fc.integer({ min: 1, max: 5 }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ op: "cancel" as const }) },
  { weight: 1, arbitrary: fc.constant({ op: "closeCampaign" as const }) },
);

let campaignNumber = 0;

/** Applies one operation; a refusal (UserError) is a fine outcome, anything else is not. */
async function apply(db: Db, taskId: number, campaignId: number, op: Op, at: Date) {
  const claimAt = async (index: number) => {
    const claims = await db.claim.findMany({ where: { taskId }, orderBy: { id: "asc" } });
    return claims.length === 0 ? undefined : claims[index % claims.length];
  };
  try {
    switch (op.op) {
      case "claim":
        await claimTask(db, guild, members[op.member] ?? "", taskId, at, 3);
        break;
      case "assign":
        await assignTask(db, guild, organizer, taskId, members[op.member] ?? "", at, 3);
        break;
      case "release":
        await releaseTask(db, guild, members[op.member] ?? "", taskId, at);
        break;
      case "forget":
        await forgetMember(db, guild, members[op.member] ?? "", at);
        break;
      case "finish":
        await finishTask(db, guild, members[op.member] ?? "", taskId, noProof, at, op.review);
        break;
      case "expire": {
        const claim = await claimAt(op.claim);
        // Far enough ahead that any claim has outlived its expiry.
        if (claim) await expireClaim(db, claim.id, new Date(at.getTime() + 60 * day));
        break;
      }
      case "approve":
      case "reject": {
        const claim = await claimAt(op.claim);
        if (!claim) break;
        const decision =
          op.op === "approve"
            ? ({ approve: true } as const)
            : ({ approve: false, reason: "No proof" } as const);
        await reviewClaim(db, guild, organizer, claim.id, decision, at);
        break;
      }
      case "editSlots":
        await editTask(db, guild, organizer, taskId, { slots: op.slots }, at);
        break;
      case "cancel":
        await cancelTask(db, guild, organizer, taskId, at);
        break;
      case "closeCampaign":
        await closeCampaign(db, guild, organizer, campaignId, "ended", at);
        break;
    }
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
  }
}

/** What must hold after every operation, whatever happened before. */
async function checkInvariants(db: Db, taskId: number, history: Op[]) {
  const task = await db.outreachTask.findUniqueOrThrow({ where: { id: taskId } });
  const claims = await db.claim.findMany({ where: { taskId } });
  const count = (...statuses: string[]) =>
    claims.filter((claim) => statuses.includes(claim.status)).length;
  const held = count("active", "submitted", "done");
  const state = {
    after: history,
    slots: task.slots,
    claimedSlots: task.claimedSlots,
    doneCount: task.doneCount,
    status: task.status,
    claims: claims.map((claim) => `${claim.id}:${claim.volunteerId ?? "-"}:${claim.status}`),
  };
  const failures: string[] = [];
  if (task.claimedSlots < 0 || task.claimedSlots > task.slots) {
    failures.push("claimedSlots outside [0, slots]");
  }
  if (held > task.slots) failures.push("more open and done claims than slots");
  if (task.claimedSlots !== held) {
    failures.push("claimedSlots is not the number of active, submitted and done claims");
  }
  if (task.doneCount !== count("done")) failures.push("doneCount is not the number of done claims");
  if (task.status === "open" && task.doneCount >= task.slots) {
    failures.push("open although every slot is done");
  }
  const open = claims.filter(
    (claim) => claim.volunteerId !== null && ["active", "submitted"].includes(claim.status),
  );
  if (new Set(open.map((claim) => claim.volunteerId)).size !== open.length) {
    failures.push("a member holds two open claims on one task");
  }
  expect({ failures, state }).toEqual({ failures: [], state });
}

it("claims never overfill a task and claimedSlots always counts the claims that hold a slot", async () => {
  const db = await createTestDb();
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 4 }),
      fc.array(operation, { minLength: 1, maxLength: 30 }),
      async (slots, ops) => {
        campaignNumber += 1;
        const campaign = await createCampaign(
          db,
          guild,
          organizer,
          campaignFields({ title: `Campaign ${campaignNumber}`, goal: 100 }),
        );
        const task = await db.outreachTask.create({
          data: {
            guildId: guild,
            campaignId: campaign.id,
            number: campaignNumber,
            createdById: organizer,
            title: "Leaflets at the station",
            kind: "campus",
            slots,
          },
        });
        const history: Op[] = [];
        for (const [index, op] of ops.entries()) {
          history.push(op);
          await apply(db, task.id, campaign.id, op, new Date(start.getTime() + index * 60_000));
          await checkInvariants(db, task.id, history);
        }
      },
    ),
    { numRuns: 30 },
  );
}, 60_000);
