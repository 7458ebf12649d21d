import { DateTime } from "luxon";
import { listActiveCampaignsOfGuild } from "../db/campaigns.ts";
import { findLastCountEntryAt, listCountsBetween } from "../db/countEntries.ts";
import type { Campaign } from "../db/rows.ts";
import type { Store } from "../db/store.ts";
import { listPubliclyCreditedUserIds } from "../db/volunteers.ts";
import {
  countClaimsWaitingReview,
  countOverdueClaims,
  findLastSummaryAt,
  listNextDueTasks,
  listOpenTaskSlots,
  listVolunteersDoneBetween,
  countTasksDoneBetween,
} from "../db/summaries.ts";
import { recordAudit } from "./audit.ts";
import { nextMilestone } from "./goalLadder.ts";
import { listCountSourcesOfCampaigns } from "../db/countSources.ts";

const chartDays = 14;

export interface CampaignSummary {
  campaign: Campaign;
  /** Count change since `since`: the last summary, or the campaign's start when none was. */
  delta: number;
  since: Date;
  sinceKind: "lastSummary" | "campaignStart";
  nextMilestone: number | null;
  tasksDone: number;
  openSlots: number;
  overdueClaims: number;
  nextDue: { title: string; dueAt: Date }[];
  reviewWaiting: number;
  /** The count over the chart window: the count at its start, then every change. */
  history: { at: Date; count: number }[];
  windowStart: Date;
  /** A count source that is failing (since when) or paused; null when it reads fine or is absent. */
  source?: { status: "failing" | "paused"; since: Date } | null;
}

export interface Summary {
  campaigns: CampaignSummary[];
  /** Volunteers who finished work since `since` and chose public credit: named. */
  creditedVolunteerIds: string[];
  /** Everyone else who finished work since `since`: counted, never named. */
  anonymousVolunteers: number;
}

/** The count a campaign had at an instant, from its history (0 before the first entry). */
async function countAt(db: Store, campaignId: number, at: Date): Promise<number> {
  const entry = await findLastCountEntryAt(db, campaignId, at);
  return entry?.countAfter ?? 0;
}

/**
 * What a campaign's summary counts from: the last summary covering it, or, when there was none,
 * its whole history ("since the campaign started"). A schedule counts from its own last post
 * (`after`) or a later `/summary now`; a summary by hand (or a schedule's first) from any.
 */
async function summaryStart(
  db: Store,
  campaign: Campaign,
  after: Date | null,
  now: Date,
): Promise<{ since: Date; sinceKind: CampaignSummary["sinceKind"] }> {
  const last = await findLastSummaryAt(db, campaign.guildId, campaign.id, now, after === null);
  const latest = [last, after].reduce<Date | null>(
    (max, at) => (at && (!max || at > max) ? at : max),
    null,
  );
  if (latest) return { since: latest, sinceKind: "lastSummary" };
  return { since: new Date(0), sinceKind: "campaignStart" };
}

async function summarizeCampaign(
  db: Store,
  campaign: Campaign,
  after: Date | null,
  now: Date,
  timeZone: string,
): Promise<CampaignSummary> {
  const { since, sinceKind } = await summaryStart(db, campaign, after, now);
  // Fourteen whole local days, today included, so the chart always shows fourteen.
  const { guildId } = campaign;
  const windowStart = DateTime.fromJSDate(now, { zone: timeZone })
    .minus({ days: chartDays - 1 })
    .startOf("day")
    .toJSDate();
  const [before, changes, tasksDone, openTasks, overdueClaims, nextDue, reviewWaiting, startCount] =
    await Promise.all([
      // From its start a campaign counts every signer: the count before it was 0.
      sinceKind === "campaignStart" ? 0 : countAt(db, campaign.id, since),
      listCountsBetween(db, campaign.id, windowStart, now),
      // Tasks done, as the live card counts them: a task counts once its last slot is done.
      countTasksDoneBetween(db, guildId, campaign.id, since, now),
      listOpenTaskSlots(db, guildId, campaign.id),
      // Work waiting for review is not late: only active claims can be overdue.
      countOverdueClaims(db, guildId, campaign.id, now),
      listNextDueTasks(db, guildId, campaign.id, now, 3),
      countClaimsWaitingReview(db, guildId, campaign.id),
      countAt(db, campaign.id, windowStart),
    ]);
  return {
    campaign,
    delta: campaign.count - before,
    since,
    sinceKind,
    nextMilestone: nextMilestone(campaign.count, campaign.goal),
    tasksDone,
    openSlots: openTasks.reduce(
      (sum, task) => sum + Math.max(0, task.slots - task.claimedSlots),
      0,
    ),
    overdueClaims,
    nextDue: nextDue.flatMap((task) =>
      task.dueAt ? [{ title: task.title, dueAt: task.dueAt }] : [],
    ),
    reviewWaiting,
    history: [
      { at: windowStart, count: startCount },
      ...changes.map((change) => ({ at: change.createdAt, count: change.countAfter })),
    ],
    windowStart,
  };
}

/** Notes a summary posted by hand (`/summary now`), so the next one counts from it. */
export async function noteSummaryPosted(
  db: Store,
  guildId: string,
  actorId: string,
  campaignId: number | null,
  at: Date,
): Promise<void> {
  await recordAudit(db, {
    guildId,
    actorId,
    at,
    action: "summary.now",
    ...(campaignId === null ? {} : { subjectId: campaignId }),
  });
}

/**
 * What a summary shows, collective and short: per campaign its progress and outreach, and
 * across them who to thank — by name only those who chose public credit.
 */
export async function buildSummary(
  db: Store,
  guildId: string,
  options: { campaignId: number | null; since: Date | null; now: Date; timeZone: string },
): Promise<Summary> {
  const { now } = options;
  const campaigns = await listActiveCampaignsOfGuild(db, guildId, options.campaignId);
  const summaries = await Promise.all(
    campaigns.map((campaign) =>
      summarizeCampaign(db, campaign, options.since, now, options.timeZone),
    ),
  );
  const sources = await listCountSourcesOfCampaigns(
    db,
    campaigns.map((campaign) => campaign.id),
  );
  for (const summary of summaries) {
    const source = sources.find((row) => row.campaignId === summary.campaign.id);
    if (source?.failingSince)
      summary.source = {
        status: source.status === "paused" ? "paused" : "failing",
        since: source.failingSince,
      };
  }
  // Thanked: whoever finished work since the earliest start any campaign counts from.
  const since = summaries.reduce(
    (min, summary) => (summary.since < min ? summary.since : min),
    options.since ?? now,
  );
  const ids = await listVolunteersDoneBetween(
    db,
    guildId,
    campaigns.map((campaign) => campaign.id),
    since,
    now,
  );
  const creditedIds = await listPubliclyCreditedUserIds(db, guildId, ids);
  return {
    campaigns: summaries,
    creditedVolunteerIds: creditedIds,
    anonymousVolunteers: ids.length - creditedIds.length,
  };
}
