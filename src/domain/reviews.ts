/**
 * Reviewing submitted work in bulk (the dashboard's review queue). Each decision is the one
 * `/task review` makes (reviewClaim: race-safe, audited); what Discord shows after it (the task's
 * card, the campaign's card, the volunteer's notice of a rejection) is armed as due jobs in the
 * same transaction, so it happens exactly once even from a process without a gateway.
 */
import { findClaimWithTask, listClaimIdsOfGuild, listSubmittedClaims } from "../db/reviewQueue.ts";
import { scheduleJob } from "../db/dueJobs.ts";
import { findTask } from "../db/tasks.ts";
import { inTransaction, type Store } from "../db/store.ts";
import { campaignCardChanged } from "./campaignCard.ts";
import { UserError } from "./errors.ts";
import { taskLimits } from "./taskFields.ts";
import { reviewClaim, type ClaimWithTask, type TaskWithCampaign } from "./tasks.ts";

/** Edits a task's card to what is true when it runs (subject: the task id). */
export const taskCardJobKind = "task.card";
/** Tells a volunteer their work was not accepted, and why (subject: the claim id). */
export const rejectedNoticeJobKind = "review.rejectedNotice";

/** The most submissions one page lists and one form decides. */
export const reviewBatchLimit = 50;

export type ReviewDecision = { claimId: number } & (
  { approve: true } | { approve: false; reason: string }
);

export type ReviewOutcome = "approved" | "rejected" | "alreadyReviewed";

/** The server's submissions waiting for review, oldest first. */
export function listSubmissions(
  db: Store,
  guildId: string,
  campaignId: number | null,
): Promise<ClaimWithTask[]> {
  return listSubmittedClaims(db, guildId, campaignId, reviewBatchLimit);
}

/** A claim of this server with its task, for the notice of its review. */
export function reviewedClaim(
  db: Store,
  guildId: string,
  claimId: number,
): Promise<ClaimWithTask | null> {
  return findClaimWithTask(db, guildId, claimId);
}

/** A task of this server, for its card's edit; null once it is gone. */
export function taskForCard(
  db: Store,
  guildId: string,
  taskId: number,
): Promise<TaskWithCampaign | null> {
  return findTask(db, guildId, taskId);
}

/**
 * One decision, as `/task review` makes it, with the Discord side armed in the same
 * transaction: the task card's and the campaign card's edits, and the rejection notice.
 */
export async function decideSubmission(
  db: Store,
  guildId: string,
  actorId: string,
  decision: ReviewDecision,
  now: Date,
): Promise<ClaimWithTask> {
  return inTransaction(db, async (tx) => {
    const { task, claim } = await reviewClaim(
      tx,
      guildId,
      actorId,
      decision.claimId,
      decision.approve
        ? { approve: true }
        : { approve: false, reason: decision.reason.slice(0, taskLimits.rejectReason) },
      now,
    );
    await campaignCardChanged(tx, guildId, task.campaign.id, now);
    await scheduleJob(tx, {
      guildId,
      kind: taskCardJobKind,
      subjectId: String(task.id),
      dueAt: now,
    });
    if (!decision.approve && claim.volunteerId)
      await scheduleJob(tx, {
        guildId,
        kind: rejectedNoticeJobKind,
        subjectId: String(claim.id),
        dueAt: now,
      });
    return { ...claim, task };
  });
}

/**
 * Several decisions at once. Every claim must be this server's (else nothing is decided: a
 * forged id); each is then decided on its own, and one already decided elsewhere (in Discord, a
 * moment ago) is reported as such, never decided twice.
 */
export async function decideSubmissions(
  db: Store,
  guildId: string,
  actorId: string,
  decisions: readonly ReviewDecision[],
  now: Date,
): Promise<{ claim: ClaimWithTask | null; claimId: number; outcome: ReviewOutcome }[]> {
  const ids = decisions.map((decision) => decision.claimId);
  if (ids.length === 0) throw new UserError("web.review.noneChosen");
  if (ids.length > reviewBatchLimit || new Set(ids).size !== ids.length)
    throw new UserError("web.review.noneChosen");
  const ours = new Set(await listClaimIdsOfGuild(db, guildId, ids));
  if (ids.some((id) => !ours.has(id))) throw new UserError("task.reviewNotFound");
  const results = [];
  for (const decision of decisions) {
    try {
      const claim = await decideSubmission(db, guildId, actorId, decision, now);
      results.push({
        claim,
        claimId: decision.claimId,
        outcome: (decision.approve ? "approved" : "rejected") as ReviewOutcome,
      });
    } catch (error) {
      if (!(error instanceof UserError) || error.key !== "task.alreadyReviewed") throw error;
      results.push({
        claim: await findClaimWithTask(db, guildId, decision.claimId),
        claimId: decision.claimId,
        outcome: "alreadyReviewed" as ReviewOutcome,
      });
    }
  }
  return results;
}
