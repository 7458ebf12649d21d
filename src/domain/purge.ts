/**
 * `/settings purge`: an emergency erasure of everything that ties a person to this server's
 * campaigns, at once. Campaigns, counts and task definitions stay, so the campaign goes on.
 */
import { deleteCalendarFeedsOfGuild } from "../db/calendarFeeds.ts";
import { cancelJobs } from "../db/dueJobs.ts";
import { freeTaskSlot, releaseClaim } from "../db/privacy.ts";
import {
  cancelPendingJobsOfGuild,
  clearActionNetworkKey,
  compactAfterErasure,
  countClaimTextsOfGuild,
  deleteDirectMessagesOfGuild,
  deleteVolunteerRowsOfGuild,
  eraseAuditActorsOfGuild,
  eraseCreatorsOfGuild,
  eraseMembersFromAuditDetailsOfGuild,
  eraseMembersFromClaimsOfGuild,
  insertAnonymousAuditEntry,
  listMemberIdsOfGuild,
  listOpenClaimsOfGuild,
  listSentSummaryPostsOfGuild,
} from "../db/purge.ts";
import { listPostedMessagesOfGuild } from "../db/postedMessages.ts";
import { inTransaction, type Store } from "../db/store.ts";
import { deleteWebSessionsOfGuild } from "../db/webSessions.ts";
import { UserError } from "./errors.ts";
import { forgetGuildSettings } from "./guildSettings.ts";
import { claimJobKinds, openClaimStatuses } from "./tasks.ts";

export interface PurgeCounts {
  /** Claims that named a volunteer or reviewer, or held a proof, note or reason. */
  claims: number;
  /** Claims still held, released so their slots are open again. */
  released: number;
  proofs: number;
  notes: number;
  reasons: number;
  volunteers: number;
  directMessages: number;
  /** Audit entries that no longer name who acted. */
  auditActors: number;
  /** Audit entries whose details named a member. */
  auditDetails: number;
  /** Campaigns, tasks, schedules, count changes and sources that named who made them. */
  creators: number;
  actionNetworkKey: boolean;
  /** Dashboard sessions that named this server: those organizers log in again. */
  webSessions: number;
  /** Calendar feeds (the server's and members'): their URLs stop working. */
  calendarFeeds: number;
}

export interface PurgeResult {
  counts: PurgeCounts;
  /** Open tasks whose public card shows a slot count that changed. */
  releasedTaskIds: number[];
  /** Rally's scheduled summary posts, which may thank volunteers by name: to edit. */
  summaryPosts: { channelId: string; messageId: string }[];
  /**
   * Review announcements (they name the member, and may carry a proof link) and `/summary now`
   * posts: to edit like the scheduled summaries.
   */
  postedMessages: { kind: string; channelId: string; messageId: string }[];
}

/** The tables a purge writes, for the PostgreSQL VACUUM after it. */
const touchedTables = [
  "Claim",
  "Volunteer",
  "DirectMessage",
  "DueJob",
  "AuditEntry",
  "Campaign",
  "OutreachTask",
  "SummarySchedule",
  "CountEntry",
  "CountSource",
  "GuildSettings",
  "WebSession",
  "CalendarFeed",
];

/**
 * The name typed in the confirmation must be the server's, exactly (spaces around it aside):
 * a slip erases nothing.
 */
export function requireServerName(typed: string, serverName: string): void {
  if (typed.trim() !== serverName) throw new UserError("purge.wrongName");
}

/**
 * Erases, in ONE transaction (a crash leaves it done or not started), every link between a
 * person and this server's campaigns; then makes the deleted bytes unreadable in the database
 * file. Other servers' rows are never touched: every statement is scoped by server.
 */
export async function purgeGuild(db: Store, guildId: string, now: Date): Promise<PurgeResult> {
  const result = await inTransaction(db, async (tx) => {
    const memberIds = new Set(await listMemberIdsOfGuild(tx, guildId));
    const open = await listOpenClaimsOfGuild(tx, guildId, openClaimStatuses);
    for (const claim of open) {
      await releaseClaim(tx, claim.id, now);
      await freeTaskSlot(tx, claim.taskId);
      await cancelJobs(tx, String(claim.id), claimJobKinds);
    }
    await cancelPendingJobsOfGuild(tx, guildId, claimJobKinds);
    const texts = await countClaimTextsOfGuild(tx, guildId);
    const counts: PurgeCounts = {
      claims: await eraseMembersFromClaimsOfGuild(tx, guildId),
      released: open.length,
      ...texts,
      volunteers: await deleteVolunteerRowsOfGuild(tx, guildId),
      directMessages: await deleteDirectMessagesOfGuild(tx, guildId),
      auditActors: await eraseAuditActorsOfGuild(tx, guildId),
      auditDetails: await eraseMembersFromAuditDetailsOfGuild(tx, guildId, memberIds),
      creators: await eraseCreatorsOfGuild(tx, guildId),
      actionNetworkKey: await clearActionNetworkKey(tx, guildId),
      webSessions: await deleteWebSessionsOfGuild(tx, guildId),
      calendarFeeds: await deleteCalendarFeedsOfGuild(tx, guildId),
    };
    const summaryPosts = await listSentSummaryPostsOfGuild(tx, guildId);
    const postedMessages = await listPostedMessagesOfGuild(tx, guildId);
    // What was erased, in numbers: no id, no name, not even the organizer who ran it.
    await insertAnonymousAuditEntry(tx, {
      guildId,
      action: "settings.purge",
      details: JSON.stringify(counts),
      createdAt: now,
    });
    return {
      counts,
      releasedTaskIds: [...new Set(open.map((claim) => claim.taskId))],
      summaryPosts,
      postedMessages,
    };
  });
  forgetGuildSettings(db, guildId);
  await compactAfterErasure(db, touchedTables);
  return result;
}
