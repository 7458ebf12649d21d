import { DateTime } from "luxon";
import type { Db } from "../db/client.ts";
import type { Campaign } from "../db/generated/client.ts";
import { nextMilestone } from "./goalLadder.ts";

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
}

export interface Summary {
  campaigns: CampaignSummary[];
  /** Volunteers who finished work since `since` and chose public credit: named. */
  creditedVolunteerIds: string[];
  /** Everyone else who finished work since `since`: counted, never named. */
  anonymousVolunteers: number;
}

/** The count a campaign had at an instant, from its history (0 before the first entry). */
async function countAt(db: Db, campaignId: number, at: Date): Promise<number> {
  const entry = await db.countEntry.findFirst({
    where: { campaignId, createdAt: { lte: at } },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
  });
  return entry?.countAfter ?? 0;
}

async function summarizeCampaign(
  db: Db,
  campaign: Campaign,
  since: Date,
  sinceLastSummary: boolean,
  now: Date,
  timeZone: string,
): Promise<CampaignSummary> {
  // Fourteen whole local days, today included, so the chart always shows fourteen.
  // Every task query names the server too: indexes on tasks lead with guildId, and without it
  // PostgreSQL scanned every task of every server.
  const { guildId } = campaign;
  const windowStart = DateTime.fromJSDate(now, { zone: timeZone })
    .minus({ days: chartDays - 1 })
    .startOf("day")
    .toJSDate();
  const [before, changes, tasksDone, openTasks, overdueClaims, nextDue, reviewWaiting, startCount] =
    await Promise.all([
      countAt(db, campaign.id, since),
      db.countEntry.findMany({
        where: { campaignId: campaign.id, createdAt: { gt: windowStart, lte: now } },
        orderBy: [{ createdAt: "asc" }, { id: "asc" }],
        select: { createdAt: true, countAfter: true },
      }),
      db.claim.count({
        where: {
          status: "done",
          closedAt: { gt: since, lte: now },
          task: { guildId, campaignId: campaign.id },
        },
      }),
      db.outreachTask.findMany({
        where: { guildId, campaignId: campaign.id, status: "open" },
        select: { slots: true, claimedSlots: true },
      }),
      db.claim.count({
        where: {
          // Work waiting for review is not late: only active claims can be overdue.
          status: "active",
          task: { guildId, campaignId: campaign.id, status: "open", dueAt: { lt: now } },
        },
      }),
      db.outreachTask.findMany({
        where: { guildId, campaignId: campaign.id, status: "open", dueAt: { gte: now } },
        orderBy: { dueAt: "asc" },
        take: 3,
        select: { title: true, dueAt: true },
      }),
      db.claim.count({
        where: { guildId, status: "submitted", task: { guildId, campaignId: campaign.id } },
      }),
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
  db: Db,
  guildId: string,
  options: { campaignId: number | null; since: Date | null; now: Date; timeZone: string },
): Promise<Summary> {
  const { now } = options;
  const since = options.since ?? new Date(now.getTime() - day);
  const campaigns = await db.campaign.findMany({
    where: {
      guildId,
      status: "active",
      ...(options.campaignId === null ? {} : { id: options.campaignId }),
    },
    orderBy: { id: "asc" },
  });
  const summaries = await Promise.all(
    campaigns.map((campaign) =>
      summarizeCampaign(db, campaign, since, options.since !== null, now, options.timeZone),
    ),
  );
  const helpers = await db.claim.findMany({
    where: {
      guildId,
      status: "done",
      closedAt: { gt: since, lte: now },
      volunteerId: { not: null },
      task: { guildId, campaignId: { in: campaigns.map((campaign) => campaign.id) } },
    },
    select: { volunteerId: true },
    distinct: ["volunteerId"],
  });
  const ids = helpers.flatMap((helper) => (helper.volunteerId ? [helper.volunteerId] : []));
  const credited = await db.volunteer.findMany({
    where: { guildId, userId: { in: ids }, creditPublic: true },
    select: { userId: true },
    orderBy: { userId: "asc" },
  });
  const creditedIds = credited.map((volunteer) => volunteer.userId);
  return {
    campaigns: summaries,
    creditedVolunteerIds: creditedIds,
    anonymousVolunteers: ids.length - creditedIds.length,
  };
}
