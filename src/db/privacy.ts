import type {
  AuditEntry,
  Campaign,
  Claim,
  CountEntry,
  OutreachTask,
  SummarySchedule,
} from "./generated/client.ts";
import { prismaOf, type Store } from "./store.ts";

/** A claim with the task it is for, as `/me export` shows it. */
export type ClaimWithTaskRef = Claim & {
  task: Pick<OutreachTask, "id" | "title" | "campaignId">;
};

/** A task with its claims, oldest first, as `/campaign export` lists them. */
export type TaskWithClaims = OutreachTask & { claims: Claim[] };

/** The claims a member made or reviewed in a server, oldest first. */
export function listClaimsOfMember(
  store: Store,
  guildId: string,
  userId: string,
): Promise<ClaimWithTaskRef[]> {
  return prismaOf(store).claim.findMany({
    where: { guildId, OR: [{ volunteerId: userId }, { reviewedById: userId }] },
    include: { task: { select: { id: true, title: true, campaignId: true } } },
    orderBy: { id: "asc" },
  });
}

/** The count changes a member made in a server's campaigns, oldest first. */
export function listCountEntriesOfActor(
  store: Store,
  guildId: string,
  actorId: string,
): Promise<CountEntry[]> {
  return prismaOf(store).countEntry.findMany({
    where: { actorId, campaign: { guildId } },
    orderBy: { id: "asc" },
  });
}

/** The organizer actions a member took in a server, oldest first. */
export function listAuditEntriesOfActor(
  store: Store,
  guildId: string,
  actorId: string,
): Promise<AuditEntry[]> {
  return prismaOf(store).auditEntry.findMany({
    where: { guildId, actorId },
    orderBy: { id: "asc" },
  });
}

/** A server's last organizer actions, newest first. */
export function listRecentAuditEntries(
  store: Store,
  guildId: string,
  limit: number,
): Promise<AuditEntry[]> {
  return prismaOf(store).auditEntry.findMany({
    where: { guildId },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: limit,
  });
}

export function listCampaignsCreatedBy(
  store: Store,
  guildId: string,
  userId: string,
): Promise<Pick<Campaign, "id" | "title" | "createdAt">[]> {
  return prismaOf(store).campaign.findMany({
    where: { guildId, createdById: userId },
    select: { id: true, title: true, createdAt: true },
  });
}

export function listTasksCreatedBy(
  store: Store,
  guildId: string,
  userId: string,
): Promise<Pick<OutreachTask, "id" | "title" | "createdAt">[]> {
  return prismaOf(store).outreachTask.findMany({
    where: { guildId, createdById: userId },
    select: { id: true, title: true, createdAt: true },
  });
}

export function listSummarySchedulesCreatedBy(
  store: Store,
  guildId: string,
  userId: string,
): Promise<Pick<SummarySchedule, "id" | "channelId" | "createdAt">[]> {
  return prismaOf(store).summarySchedule.findMany({
    where: { guildId, createdById: userId },
    select: { id: true, channelId: true, createdAt: true },
  });
}

/** A member's claims in a server that are in one of these statuses. */
export function listClaimsOfVolunteerInStatuses(
  store: Store,
  guildId: string,
  volunteerId: string,
  statuses: readonly string[],
): Promise<Claim[]> {
  return prismaOf(store).claim.findMany({
    where: { guildId, volunteerId, status: { in: [...statuses] } },
  });
}

/** Marks a claim released (closing it at `now`), which frees its open marker. */
export async function releaseClaim(store: Store, claimId: number, now: Date): Promise<void> {
  await prismaOf(store).claim.update({
    where: { id: claimId },
    data: { status: "released", openMarker: null, closedAt: now },
  });
}

/** Gives a task back the slot a claim held. */
export async function freeTaskSlot(store: Store, taskId: number): Promise<void> {
  await prismaOf(store).outreachTask.update({
    where: { id: taskId },
    data: { claimedSlots: { decrement: 1 } },
  });
}

/** Removes a volunteer from their claims of a server, with the words and links they wrote. */
export async function anonymizeClaimsOfVolunteer(
  store: Store,
  guildId: string,
  volunteerId: string,
): Promise<void> {
  await prismaOf(store).claim.updateMany({
    where: { guildId, volunteerId },
    data: { volunteerId: null, proofLink: null, note: null, rejectReason: null },
  });
}

export async function anonymizeClaimsReviewedBy(
  store: Store,
  guildId: string,
  reviewerId: string,
): Promise<void> {
  await prismaOf(store).claim.updateMany({
    where: { guildId, reviewedById: reviewerId },
    data: { reviewedById: null },
  });
}

/** Count sources a member set stop naming them (the source itself stays: it is the campaign's). */
export async function anonymizeCountSourcesSetBy(
  store: Store,
  guildId: string,
  userId: string,
): Promise<void> {
  await prismaOf(store).countSource.updateMany({
    where: { guildId, setById: userId },
    data: { setById: null },
  });
}

export async function anonymizeCountEntriesOfActor(
  store: Store,
  guildId: string,
  actorId: string,
): Promise<void> {
  await prismaOf(store).countEntry.updateMany({
    where: { actorId, campaign: { guildId } },
    data: { actorId: null },
  });
}

/**
 * Audit entries about a member (a claim moved from or to them, released for them) name them in
 * their details: the id is replaced there, the entry stays.
 */
export async function eraseMemberFromAuditDetails(
  store: Store,
  guildId: string,
  userId: string,
): Promise<void> {
  const queries = prismaOf(store);
  const entries = await queries.auditEntry.findMany({
    where: { guildId, details: { contains: userId } },
    select: { id: true, details: true },
  });
  for (const entry of entries) {
    await queries.auditEntry.update({
      where: { id: entry.id },
      data: { details: (entry.details ?? "").replaceAll(userId, "erased") },
    });
  }
}

export async function anonymizeAuditEntriesOfActor(
  store: Store,
  guildId: string,
  actorId: string,
): Promise<void> {
  await prismaOf(store).auditEntry.updateMany({
    where: { guildId, actorId },
    data: { actorId: null },
  });
}

export async function anonymizeCampaignsCreatedBy(
  store: Store,
  guildId: string,
  userId: string,
): Promise<void> {
  await prismaOf(store).campaign.updateMany({
    where: { guildId, createdById: userId },
    data: { createdById: null },
  });
}

export async function anonymizeTasksCreatedBy(
  store: Store,
  guildId: string,
  userId: string,
): Promise<void> {
  await prismaOf(store).outreachTask.updateMany({
    where: { guildId, createdById: userId },
    data: { createdById: null },
  });
}

export async function anonymizeSummarySchedulesCreatedBy(
  store: Store,
  guildId: string,
  userId: string,
): Promise<void> {
  await prismaOf(store).summarySchedule.updateMany({
    where: { guildId, createdById: userId },
    data: { createdById: null },
  });
}

export async function deleteVolunteer(
  store: Store,
  guildId: string,
  userId: string,
): Promise<void> {
  await prismaOf(store).volunteer.deleteMany({ where: { guildId, userId } });
}

/** A server's won or ended campaigns. */
export function listClosedCampaigns(store: Store, guildId: string): Promise<Campaign[]> {
  return prismaOf(store).campaign.findMany({
    where: { guildId, status: { in: ["won", "ended"] } },
  });
}

/** Erases the notes, proof links and reject reasons of a campaign's claims; how many had one. */
export async function eraseClaimTextsOfCampaign(
  store: Store,
  guildId: string,
  campaignId: number,
): Promise<number> {
  const erased = await prismaOf(store).claim.updateMany({
    where: {
      guildId,
      task: { guildId, campaignId },
      OR: [{ note: { not: null } }, { proofLink: { not: null } }, { rejectReason: { not: null } }],
    },
    data: { note: null, proofLink: null, rejectReason: null },
  });
  return erased.count;
}

/** The servers with a settings row. */
export async function listGuildIdsWithSettings(store: Store): Promise<string[]> {
  const rows = await prismaOf(store).guildSettings.findMany({ select: { guildId: true } });
  return rows.map((row) => row.guildId);
}

/** The servers with at least one campaign, each once. */
export async function listGuildIdsWithCampaigns(store: Store): Promise<string[]> {
  const rows = await prismaOf(store).campaign.findMany({
    select: { guildId: true },
    distinct: ["guildId"],
  });
  return rows.map((row) => row.guildId);
}

// A server's erasure, table by table. Count history goes with its campaigns, and a task's
// claims with their task (cascades); the server's claims are deleted by guild as well.

export async function deleteSummarySchedulesOfGuild(store: Store, guildId: string): Promise<void> {
  await prismaOf(store).summarySchedule.deleteMany({ where: { guildId } });
}

export async function deleteCampaignsOfGuild(store: Store, guildId: string): Promise<void> {
  await prismaOf(store).campaign.deleteMany({ where: { guildId } });
}

export async function deleteClaimsOfGuild(store: Store, guildId: string): Promise<void> {
  await prismaOf(store).claim.deleteMany({ where: { guildId } });
}

export async function deleteVolunteersOfGuild(store: Store, guildId: string): Promise<void> {
  await prismaOf(store).volunteer.deleteMany({ where: { guildId } });
}

export async function deleteAuditEntriesOfGuild(store: Store, guildId: string): Promise<void> {
  await prismaOf(store).auditEntry.deleteMany({ where: { guildId } });
}

export async function deleteGuildSettings(store: Store, guildId: string): Promise<void> {
  await prismaOf(store).guildSettings.deleteMany({ where: { guildId } });
}

/** Deletes a server's due jobs, except those of `keepKind` (the erasure that is running). */
export async function deleteDueJobsOfGuild(
  store: Store,
  guildId: string,
  keepKind: string,
): Promise<void> {
  await prismaOf(store).dueJob.deleteMany({ where: { guildId, kind: { not: keepKind } } });
}

/** A campaign's tasks, each with its claims, oldest first. */
export function listTasksOfCampaignWithClaims(
  store: Store,
  guildId: string,
  campaignId: number,
): Promise<TaskWithClaims[]> {
  return prismaOf(store).outreachTask.findMany({
    where: { guildId, campaignId },
    include: { claims: { orderBy: { id: "asc" } } },
    orderBy: { id: "asc" },
  });
}
