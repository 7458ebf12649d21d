import type { OutreachTask } from "./generated/client.ts";
import { prismaOf, type Store } from "./store.ts";

// The reads of a summary. Every task condition names the server too: indexes on tasks lead with
// guildId, and without it PostgreSQL scanned every task of every server.

/**
 * A campaign's tasks done after `after` up to `upTo` (now): done, with a done claim in the
 * window, since the claim that finished a task is its last. Counted as the live card counts.
 */
export function countTasksDoneBetween(
  store: Store,
  guildId: string,
  campaignId: number,
  after: Date,
  upTo: Date,
): Promise<number> {
  return prismaOf(store).outreachTask.count({
    where: {
      guildId,
      campaignId,
      status: "done",
      claims: { some: { status: "done", closedAt: { gt: after, lte: upTo } } },
    },
  });
}

/** The slots of a campaign's open tasks, taken and offered. */
export function listOpenTaskSlots(
  store: Store,
  guildId: string,
  campaignId: number,
): Promise<Pick<OutreachTask, "slots" | "claimedSlots">[]> {
  return prismaOf(store).outreachTask.findMany({
    where: { guildId, campaignId, status: "open" },
    select: { slots: true, claimedSlots: true },
  });
}

/** Active claims on a campaign's open tasks that are past due. */
export function countOverdueClaims(
  store: Store,
  guildId: string,
  campaignId: number,
  now: Date,
): Promise<number> {
  return prismaOf(store).claim.count({
    where: {
      status: "active",
      task: { guildId, campaignId, status: "open", dueAt: { lt: now } },
    },
  });
}

/** A campaign's open tasks due from `now` on, soonest first. */
export function listNextDueTasks(
  store: Store,
  guildId: string,
  campaignId: number,
  now: Date,
  take: number,
): Promise<Pick<OutreachTask, "title" | "dueAt">[]> {
  return prismaOf(store).outreachTask.findMany({
    where: { guildId, campaignId, status: "open", dueAt: { gte: now } },
    orderBy: { dueAt: "asc" },
    take,
    select: { title: true, dueAt: true },
  });
}

/** Claims of a campaign's tasks submitted and waiting for review. */
export function countClaimsWaitingReview(
  store: Store,
  guildId: string,
  campaignId: number,
): Promise<number> {
  return prismaOf(store).claim.count({
    where: { guildId, status: "submitted", task: { guildId, campaignId } },
  });
}

/** The members (not forgotten) who finished work on these campaigns after `after` up to `upTo`. */
export async function listVolunteersDoneBetween(
  store: Store,
  guildId: string,
  campaignIds: number[],
  after: Date,
  upTo: Date,
): Promise<string[]> {
  const helpers = await prismaOf(store).claim.findMany({
    where: {
      guildId,
      status: "done",
      closedAt: { gt: after, lte: upTo },
      volunteerId: { not: null },
      task: { guildId, campaignId: { in: campaignIds } },
    },
    select: { volunteerId: true },
    distinct: ["volunteerId"],
  });
  return helpers.flatMap((helper) => (helper.volunteerId ? [helper.volunteerId] : []));
}

/**
 * When the last summary covering a campaign was posted before `before`: by `/summary now` (its
 * audit entry) and, `withSchedules`, by a schedule (its last post), for this campaign or for
 * every campaign.
 */
export async function findLastSummaryAt(
  store: Store,
  guildId: string,
  campaignId: number,
  before: Date,
  withSchedules: boolean,
): Promise<Date | null> {
  const db = prismaOf(store);
  const [scheduled, now] = await Promise.all([
    withSchedules
      ? db.summarySchedule.findFirst({
          where: {
            guildId,
            OR: [{ campaignId: null }, { campaignId }],
            lastPostedAt: { not: null, lt: before },
          },
          orderBy: { lastPostedAt: "desc" },
          select: { lastPostedAt: true },
        })
      : null,
    db.auditEntry.findFirst({
      where: {
        guildId,
        action: "summary.now",
        OR: [{ subjectId: null }, { subjectId: String(campaignId) }],
        createdAt: { lt: before },
      },
      orderBy: { createdAt: "desc" },
      select: { createdAt: true },
    }),
  ]);
  const times = [scheduled?.lastPostedAt, now?.createdAt].filter((at): at is Date => !!at);
  return times.length === 0 ? null : new Date(Math.max(...times.map((at) => at.getTime())));
}
