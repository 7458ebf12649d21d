import { DateTime } from "luxon";
import { listActiveCampaignsOfGuild } from "../db/campaigns.ts";
import { findLastCountEntryAt, listCountsBetween } from "../db/countEntries.ts";
import type { Campaign } from "../db/rows.ts";
import type { Store } from "../db/store.ts";
import {
  countClaimsDoneBetween,
  countClaimsWaitingReview,
  countOverdueClaims,
  listNextDueTasks,
  listOpenTaskSlots,
  listPubliclyCreditedVolunteers,
  listVolunteersDoneBetween,
} from "../db/summaries.ts";
import { nextMilestone } from "./goalLadder.ts";
import { listCountSourcesOfCampaigns } from "../db/countSources.ts";

const day = 24 * 60 * 60 * 1000;
const chartDays = 14;

export interface CampaignSummary {
  campaign: Campaign;
  /** Count change since the previous summary (or the last 24 hours for the first one). */
  delta: number;
  sinceLastSummary: boolean;
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

async function summarizeCampaign(
  db: Store,
  campaign: Campaign,
  since: Date,
  sinceLastSummary: boolean,
  now: Date,
  timeZone: string,
): Promise<CampaignSummary> {
  // Fourteen whole local days, today included, so the chart always shows fourteen.
  const { guildId } = campaign;
  const windowStart = DateTime.fromJSDate(now, { zone: timeZone })
    .minus({ days: chartDays - 1 })
    .startOf("day")
    .toJSDate();
  const [before, changes, tasksDone, openTasks, overdueClaims, nextDue, reviewWaiting, startCount] =
    await Promise.all([
      countAt(db, campaign.id, since),
      listCountsBetween(db, campaign.id, windowStart, now),
      countClaimsDoneBetween(db, guildId, campaign.id, since, now),
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
    sinceLastSummary,
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
  const since = options.since ?? new Date(now.getTime() - day);
  const campaigns = await listActiveCampaignsOfGuild(db, guildId, options.campaignId);
  const summaries = await Promise.all(
    campaigns.map((campaign) =>
      summarizeCampaign(db, campaign, since, options.since !== null, now, options.timeZone),
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
  const ids = await listVolunteersDoneBetween(
    db,
    guildId,
    campaigns.map((campaign) => campaign.id),
    since,
    now,
  );
  const creditedIds = await listPubliclyCreditedVolunteers(db, guildId, ids);
  return {
    campaigns: summaries,
    creditedVolunteerIds: creditedIds,
    anonymousVolunteers: ids.length - creditedIds.length,
  };
}
