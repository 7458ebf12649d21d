import type { SummaryPost, SummarySchedule } from "./generated/client.ts";
import { prismaOf, type Store } from "./store.ts";

/** A schedule as /summary list shows it: with the ids of its posts marked uncertain. */
export type ListedSchedule = SummarySchedule & { posts: Pick<SummaryPost, "id">[] };

type NewSchedule = Pick<
  SummarySchedule,
  | "guildId"
  | "channelId"
  | "time"
  | "timeZone"
  | "days"
  | "campaignId"
  | "nextRunAt"
  | "createdById"
>;

/** A schedule of this server; null for another server's id. */
export function findSummarySchedule(
  store: Store,
  guildId: string,
  id: number,
): Promise<SummarySchedule | null> {
  return prismaOf(store).summarySchedule.findFirst({ where: { id, guildId } });
}

/** A server's schedules, oldest first. */
export function listSchedulesOfGuild(store: Store, guildId: string): Promise<ListedSchedule[]> {
  return prismaOf(store).summarySchedule.findMany({
    where: { guildId },
    orderBy: { id: "asc" },
    include: { posts: { where: { status: "uncertain" }, select: { id: true } } },
  });
}

/** A server's schedules that are active or paused (not stopped or off). */
export function listSchedulesActiveOrPaused(
  store: Store,
  guildId: string,
): Promise<SummarySchedule[]> {
  return prismaOf(store).summarySchedule.findMany({
    where: { guildId, status: { in: ["active", "paused"] } },
  });
}

export function countSchedulesActiveOrPaused(store: Store, guildId: string): Promise<number> {
  return prismaOf(store).summarySchedule.count({
    where: { guildId, status: { in: ["active", "paused"] } },
  });
}

export function insertSummarySchedule(store: Store, row: NewSchedule): Promise<SummarySchedule> {
  return prismaOf(store).summarySchedule.create({ data: row });
}

export async function setSummaryScheduleStatus(
  store: Store,
  id: number,
  status: string,
  statusReason: string,
): Promise<void> {
  await prismaOf(store).summarySchedule.update({ where: { id }, data: { status, statusReason } });
}

/** Makes a schedule active again, next due at `nextRunAt`. */
export function activateSummarySchedule(
  store: Store,
  id: number,
  nextRunAt: Date,
): Promise<SummarySchedule> {
  return prismaOf(store).summarySchedule.update({
    where: { id },
    data: { status: "active", statusReason: null, nextRunAt },
  });
}

/** Writes these values if the schedule is still active (a halt in between wins). */
export async function updateSummaryScheduleIfActive(
  store: Store,
  id: number,
  values: Partial<Pick<SummarySchedule, "nextRunAt" | "lastSlot" | "lastPostedAt">>,
): Promise<void> {
  await prismaOf(store).summarySchedule.updateMany({
    where: { id, status: "active" },
    data: values,
  });
}

/** The subjects of the pending jobs of this kind whose subject starts with `prefix`. */
export async function listPendingJobSubjects(
  store: Store,
  kind: string,
  prefix: string,
): Promise<string[]> {
  const pending = await prismaOf(store).dueJob.findMany({
    where: { kind, subjectId: { startsWith: prefix }, status: "pending" },
    select: { subjectId: true },
  });
  return pending.map((job) => job.subjectId);
}
