import type { Claim } from "./generated/client.ts";
import { sqliteReads, type TaskWithCampaign } from "./sqliteReads.ts";
import { prismaOf, type Store } from "./store.ts";

/** A claim with its task and the task's campaign: /me status and the claim's reminders. */
export type ClaimWithTask = Claim & { task: TaskWithCampaign };

/** A claim a member can still act on: holding a slot, or waiting for review. */
export const openClaimStatuses = ["active", "submitted"] as const;
const openStatuses = [...openClaimStatuses];

/** What finishing a claim records with it (the proof, or who approved it). */
export type CompletionDetails = Partial<
  Pick<Claim, "proofLink" | "note" | "submittedAt" | "reviewedById">
>;

export function findClaim(store: Store, claimId: number): Promise<Claim | null> {
  return prismaOf(store).claim.findUnique({ where: { id: claimId } });
}

/** A claim that must exist (read again after this transaction's own write to it). */
export function findExistingClaim(store: Store, claimId: number): Promise<Claim> {
  return prismaOf(store).claim.findUniqueOrThrow({ where: { id: claimId } });
}

/** A claim of this server; another server's id reads as none. */
export function findClaimOfGuild(
  store: Store,
  guildId: string,
  claimId: number,
): Promise<Claim | null> {
  return prismaOf(store).claim.findFirst({ where: { id: claimId, guildId } });
}

/** The member's open claim (active or submitted) on a task, if they hold one. */
export function findOpenClaim(
  store: Store,
  guildId: string,
  volunteerId: string,
  taskId: number,
): Promise<Claim | null> {
  return prismaOf(store).claim.findFirst({
    where: { guildId, taskId, volunteerId, status: { in: openStatuses } },
  });
}

/** An active claim of this server with its task, for the claim's reminders. */
export function findActiveClaimWithTask(
  store: Store,
  guildId: string,
  claimId: number,
): Promise<ClaimWithTask | null> {
  return prismaOf(store).claim.findFirst({
    where: { id: claimId, guildId, status: "active" },
    include: { task: { include: { campaign: true } } },
  });
}

/** Closes the claim if it is still active; false when something else closed it first. */
export async function closeClaimIfActive(
  store: Store,
  claimId: number,
  status: "released" | "expired",
  now: Date,
): Promise<boolean> {
  const closed = await prismaOf(store).claim.updateMany({
    where: { id: claimId, status: "active" },
    data: { status, openMarker: null, closedAt: now },
  });
  return closed.count === 1;
}

/** Marks the claim done if it is still in `from`; false when it no longer is. */
export async function markClaimDoneIf(
  store: Store,
  claimId: number,
  from: "active" | "submitted",
  details: CompletionDetails,
  now: Date,
): Promise<boolean> {
  const updated = await prismaOf(store).claim.updateMany({
    where: { id: claimId, status: from },
    data: { ...details, status: "done", openMarker: null, closedAt: now },
  });
  return updated.count === 1;
}

/** Submits an active claim for review with its proof; false when it is no longer active. */
export async function submitClaimIfActive(
  store: Store,
  claimId: number,
  proof: Pick<Claim, "proofLink" | "note">,
  now: Date,
): Promise<boolean> {
  const submitted = await prismaOf(store).claim.updateMany({
    where: { id: claimId, status: "active" },
    data: { status: "submitted", ...proof, submittedAt: now },
  });
  return submitted.count === 1;
}

/** Rejects a submitted claim; false when it is no longer waiting for review. */
export async function rejectClaimIfSubmitted(
  store: Store,
  claimId: number,
  review: { reviewedById: string; rejectReason: string },
  now: Date,
): Promise<boolean> {
  const rejected = await prismaOf(store).claim.updateMany({
    where: { id: claimId, status: "submitted" },
    data: { status: "rejected", openMarker: null, closedAt: now, ...review },
  });
  return rejected.count === 1;
}

export function listOpenClaimsOfTask(store: Store, taskId: number): Promise<Claim[]> {
  return prismaOf(store).claim.findMany({ where: { taskId, status: { in: openStatuses } } });
}

export function listActiveClaimsOfTask(store: Store, taskId: number): Promise<Claim[]> {
  return prismaOf(store).claim.findMany({ where: { taskId, status: "active" } });
}

/** Releases every open claim of a task (it was cancelled). */
export async function releaseOpenClaimsOfTask(
  store: Store,
  taskId: number,
  now: Date,
): Promise<void> {
  await prismaOf(store).claim.updateMany({
    where: { taskId, status: { in: openStatuses } },
    data: { status: "released", openMarker: null, closedAt: now },
  });
}

/**
 * The tasks a member holds an open claim on, newest first, read from their claims by the
 * (guildId, volunteerId, status) index. The other way round, asking each of the server's tasks
 * whether the member holds it, reads every task: 4-8 ms on a server of 5,000.
 */
export async function listHeldTaskIds(
  store: Store,
  guildId: string,
  userId: string,
  limit?: number,
): Promise<number[]> {
  const sqlite = sqliteReads(store);
  if (sqlite) return sqlite.heldTaskIds(guildId, userId, limit);
  const claims = await prismaOf(store).claim.findMany({
    where: { guildId, volunteerId: userId, status: { in: openStatuses } },
    select: { taskId: true },
    orderBy: { taskId: "desc" },
    ...(limit === undefined ? {} : { take: limit }),
  });
  return claims.map((claim) => claim.taskId);
}

/** A member's open claims with their tasks, oldest first. */
export function listOpenClaimsOfMember(
  store: Store,
  guildId: string,
  userId: string,
): Promise<ClaimWithTask[]> {
  return prismaOf(store).claim.findMany({
    where: { guildId, volunteerId: userId, status: { in: openStatuses } },
    include: { task: { include: { campaign: true } } },
    orderBy: { claimedAt: "asc" },
  });
}

export function countDoneClaimsOfMember(
  store: Store,
  guildId: string,
  userId: string,
): Promise<number> {
  return prismaOf(store).claim.count({ where: { guildId, volunteerId: userId, status: "done" } });
}

/** The task's claim waiting longest for review, if any. */
export function findFirstSubmission(
  store: Store,
  guildId: string,
  taskId: number,
): Promise<Claim | null> {
  return prismaOf(store).claim.findFirst({
    where: { guildId, taskId, status: "submitted" },
    orderBy: { submittedAt: "asc" },
  });
}

/**
 * A claim moved to another member keeps its slot: the old claim is closed and the new one
 * opened without touching the task's count. Refused (false) by the unique index on open claims
 * when the new holder already holds the task; the caller's transaction then undoes the close.
 */
export async function insertActiveClaim(
  store: Store,
  claim: { guildId: string; taskId: number; volunteerId: string; claimedAt: Date; expiresAt: Date },
): Promise<Claim | null> {
  try {
    return await prismaOf(store).claim.create({
      data: { ...claim, status: "active", openMarker: 1 },
    });
  } catch (error) {
    if (typeof error === "object" && error !== null && "code" in error && error.code === "P2002")
      return null;
    throw error;
  }
}
