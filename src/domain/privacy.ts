import { deleteCalendarFeedsOfGuild, deleteCalendarFeedsOfMember } from "../db/calendarFeeds.ts";
import { cancelJobs, findPendingJob, scheduleJob } from "../db/dueJobs.ts";
import {
  anonymizeAuditEntriesOfActor,
  eraseMemberFromAuditDetails,
  anonymizeCampaignsCreatedBy,
  anonymizeClaimsOfVolunteer,
  anonymizeClaimsReviewedBy,
  anonymizeCountEntriesOfActor,
  anonymizeCountSourcesSetBy,
  anonymizeSummarySchedulesCreatedBy,
  anonymizeTasksCreatedBy,
  deleteAuditEntriesOfGuild,
  deleteCampaignsOfGuild,
  deleteClaimsOfGuild,
  deleteDueJobsOfGuild,
  deleteGuildSettings,
  deleteSummarySchedulesOfGuild,
  deleteVolunteer,
  deleteVolunteersOfGuild,
  eraseClaimTextsOfCampaign,
  freeTaskSlot,
  listAuditEntriesOfActor,
  listCampaignsCreatedBy,
  listClaimsOfMember,
  listClaimsOfVolunteerInStatuses,
  listClosedCampaigns,
  listCountEntriesOfActor,
  listGuildIdsWithCampaigns,
  listGuildIdsWithSettings,
  listRecentAuditEntries,
  listSummarySchedulesCreatedBy,
  listTasksCreatedBy,
  listTasksOfCampaignWithClaims,
  releaseClaim,
} from "../db/privacy.ts";
import { deletePostedMessagesOfGuild } from "../db/postedMessages.ts";
import { inTransaction, type Store } from "../db/store.ts";
import { deleteWebSessionsOfUser } from "../db/webSessions.ts";
import { findVolunteer } from "../db/volunteers.ts";
import { recordAudit } from "./audit.ts";
import { getCampaign } from "./campaigns.ts";
import { forgetGuildSettings } from "./guildSettings.ts";
import { withAuditSubjects } from "./numbers.ts";
import { claimJobKinds, openClaimStatuses } from "./tasks.ts";

const day = 24 * 60 * 60 * 1000;
/** After Rally is removed from a server, its data waits this long for a re-invite. */
export const guildGraceDays = 30;
export const retentionJobKind = "retention.campaign";
export const guildEraseJobKind = "guild.erase";

/** Everything Rally stores about one member in one server, for `/me export`. */
export async function exportMember(db: Store, guildId: string, userId: string) {
  const [volunteer, claims, countEntries, audit, campaigns, tasks, schedules] = await Promise.all([
    findVolunteer(db, guildId, userId),
    listClaimsOfMember(db, guildId, userId),
    listCountEntriesOfActor(db, guildId, userId),
    listAuditEntriesOfActor(db, guildId, userId),
    listCampaignsCreatedBy(db, guildId, userId),
    listTasksCreatedBy(db, guildId, userId),
    listSummarySchedulesCreatedBy(db, guildId, userId),
  ]);
  return {
    about: "Everything Rally stores about you in this server.",
    guildId,
    userId,
    preferences: volunteer,
    // A claim the member only reviewed belongs to someone else: its notes and proof stay out.
    claims: claims.map((claim) =>
      claim.volunteerId === userId
        ? {
            id: claim.id,
            task: claim.task,
            yours: true,
            status: claim.status,
            proofLink: claim.proofLink,
            note: claim.note,
            rejectReason: claim.rejectReason,
            claimedAt: claim.claimedAt,
            expiresAt: claim.expiresAt,
            submittedAt: claim.submittedAt,
            closedAt: claim.closedAt,
          }
        : {
            id: claim.id,
            task: claim.task,
            yours: false,
            reviewedByYou: true,
            status: claim.status,
            rejectReason: claim.rejectReason,
            closedAt: claim.closedAt,
          },
    ),
    countChanges: countEntries,
    organizerActions: audit,
    campaignsCreated: campaigns,
    tasksCreated: tasks,
    summarySchedulesCreated: schedules,
  };
}

/**
 * `/me forget`: removes the member's id from every table of this server. Their finished work
 * still counts (as anonymous), their open claims are released, and the audit trail keeps each
 * action with no actor ("erased member"). Their notes and proof links go with them.
 */
export async function forgetMember(
  db: Store,
  guildId: string,
  userId: string,
  now: Date,
): Promise<{ releasedTaskIds: number[] }> {
  return inTransaction(db, async (tx) => {
    const open = await listClaimsOfVolunteerInStatuses(tx, guildId, userId, openClaimStatuses);
    for (const claim of open) {
      await releaseClaim(tx, claim.id, now);
      await freeTaskSlot(tx, claim.taskId);
      await cancelJobs(tx, String(claim.id), claimJobKinds);
    }
    await anonymizeClaimsOfVolunteer(tx, guildId, userId);
    await anonymizeClaimsReviewedBy(tx, guildId, userId);
    // Dashboard sessions are the member's, not the server's: forgetting logs them out everywhere.
    await deleteWebSessionsOfUser(tx, userId);
    // Their calendar feed's URL stops working (#26).
    await deleteCalendarFeedsOfMember(tx, guildId, userId);
    await anonymizeCountEntriesOfActor(tx, guildId, userId);
    await anonymizeCountSourcesSetBy(tx, guildId, userId);
    await anonymizeAuditEntriesOfActor(tx, guildId, userId);
    await eraseMemberFromAuditDetails(tx, guildId, userId);
    await anonymizeCampaignsCreatedBy(tx, guildId, userId);
    await anonymizeTasksCreatedBy(tx, guildId, userId);
    await anonymizeSummarySchedulesCreatedBy(tx, guildId, userId);
    await deleteVolunteer(tx, guildId, userId);
    return { releasedTaskIds: [...new Set(open.map((claim) => claim.taskId))] };
  });
}

/** The last organizer actions, newest first, for `/settings audit`. */
export async function recentAudit(db: Store, guildId: string, limit = 25) {
  return withAuditSubjects(db, guildId, await listRecentAuditEntries(db, guildId, limit));
}

/**
 * Arms the erasure of a closed campaign's notes and proof links, `retentionDays` after it
 * closed; re-arming moves it (a changed setting), reopening cancels it.
 */
export async function armRetention(
  db: Store,
  campaign: { id: number; guildId: string; closedAt: Date | null },
  retentionDays: number,
) {
  if (!campaign.closedAt) return;
  await scheduleJob(db, {
    guildId: campaign.guildId,
    kind: retentionJobKind,
    subjectId: String(campaign.id),
    dueAt: new Date(campaign.closedAt.getTime() + retentionDays * day),
  });
}

export async function disarmRetention(db: Store, campaignId: number) {
  await cancelJobs(db, String(campaignId), [retentionJobKind]);
}

/** Re-arms every closed campaign of a server after its retention setting changed. */
export async function rearmRetention(db: Store, guildId: string, retentionDays: number) {
  const closed = await listClosedCampaigns(db, guildId);
  for (const campaign of closed) await armRetention(db, campaign, retentionDays);
}

/** Erases the notes and proof links of a closed campaign's tasks. Idempotent. */
export async function applyRetention(
  db: Store,
  guildId: string,
  campaignId: number,
): Promise<number> {
  const campaign = await getCampaign(db, guildId, campaignId).catch(() => null);
  if (!campaign || campaign.status === "active") return 0;
  return eraseClaimTextsOfCampaign(db, guildId, campaignId);
}

/** Rally was removed from a server: erase its data after the grace period, unless re-invited. */
export async function armGuildErasure(db: Store, guildId: string, now: Date) {
  await scheduleJob(db, {
    guildId,
    kind: guildEraseJobKind,
    subjectId: guildId,
    dueAt: new Date(now.getTime() + guildGraceDays * day),
  });
}

/**
 * At start: servers Rally holds data for but is no longer in (removed while it was offline)
 * get their erasure armed, once — a pending erasure keeps its original date.
 */
export async function armErasureOfLeftGuilds(
  db: Store,
  presentGuildIds: ReadonlySet<string>,
  now: Date,
  /** A shard sees only its own servers: the others are not "left", only elsewhere. */
  servesGuild: (guildId: string) => boolean = () => true,
): Promise<string[]> {
  const known = new Set([
    ...(await listGuildIdsWithSettings(db)),
    ...(await listGuildIdsWithCampaigns(db)),
  ]);
  const armed: string[] = [];
  for (const guildId of known) {
    if (presentGuildIds.has(guildId) || !servesGuild(guildId)) continue;
    const pending = await findPendingJob(db, guildEraseJobKind, guildId);
    if (pending) continue;
    await armGuildErasure(db, guildId, now);
    armed.push(guildId);
  }
  return armed;
}

export async function disarmGuildErasure(db: Store, guildId: string) {
  await cancelJobs(db, guildId, [guildEraseJobKind]);
}

/** Deletes every row of a server. Count history and claims go with their campaigns and tasks. */
export async function eraseGuild(db: Store, guildId: string): Promise<void> {
  await inTransaction(db, async (tx) => {
    await deleteSummarySchedulesOfGuild(tx, guildId);
    await deleteCampaignsOfGuild(tx, guildId);
    await deleteClaimsOfGuild(tx, guildId);
    await deleteVolunteersOfGuild(tx, guildId);
    await deleteAuditEntriesOfGuild(tx, guildId);
    await deleteGuildSettings(tx, guildId);
    await deleteCalendarFeedsOfGuild(tx, guildId);
    await deletePostedMessagesOfGuild(tx, guildId);
    await deleteDueJobsOfGuild(tx, guildId, guildEraseJobKind);
  });
  forgetGuildSettings(db, guildId);
}

/**
 * `/campaign export`: one row per claim (and one per task without claims). By default the file
 * holds no identity: every volunteer is "volunteer #N", numbered within this export only (the
 * same member is #1 here and may be #3 in the next), and no proof link or task location.
 * `includeMembers` (the caller checks Manage Server) puts ids, proof links and locations in,
 * and is recorded in the audit.
 */
export async function exportCampaignRows(
  db: Store,
  guildId: string,
  campaignId: number,
  options: { includeMembers: boolean; actorId: string } = { includeMembers: false, actorId: "" },
) {
  const campaign = await getCampaign(db, guildId, campaignId);
  const tasks = await listTasksOfCampaignWithClaims(db, guildId, campaignId);
  const { includeMembers } = options;
  if (includeMembers) {
    await recordAudit(db, {
      guildId,
      actorId: options.actorId,
      action: "campaign.exportMembers",
      subjectId: campaign.id,
    });
  }
  const numbers = new Map<string, number>();
  const label = (volunteerId: string | null): { volunteer: string; anonymous: boolean } => {
    if (volunteerId === null) return { volunteer: "", anonymous: true };
    if (includeMembers) return { volunteer: volunteerId, anonymous: false };
    if (!numbers.has(volunteerId)) numbers.set(volunteerId, numbers.size + 1);
    return { volunteer: `#${numbers.get(volunteerId)}`, anonymous: true };
  };
  const rows = tasks.flatMap((task) => {
    const base = {
      taskNumber: task.number,
      task: task.title,
      kind: task.kind,
      location: includeMembers ? (task.location ?? "") : "",
      slots: task.slots,
      // A due date stored before dates were bounded may not read back (the year 10000 on
      // PostgreSQL): an empty cell, rather than an export that fails for the whole campaign.
      due: task.dueAt && Number.isFinite(task.dueAt.getTime()) ? task.dueAt.toISOString() : "",
      taskStatus: task.status,
    };
    if (task.claims.length === 0)
      return [
        {
          ...base,
          volunteer: "",
          anonymous: false,
          claimStatus: "",
          claimedAt: "",
          closedAt: "",
          proofLink: "",
        },
      ];
    return task.claims.map((claim) => ({
      ...base,
      ...label(claim.volunteerId),
      claimStatus: claim.status,
      claimedAt: claim.claimedAt.toISOString(),
      closedAt: claim.closedAt?.toISOString() ?? "",
      proofLink: includeMembers ? (claim.proofLink ?? "") : "",
    }));
  });
  return { campaign, rows };
}
