import type { Db } from "../db/client.ts";
import type { SummaryPost, SummarySchedule } from "../db/generated/client.ts";
import { cancelJobs, scheduleJob } from "../db/dueJobs.ts";
import { recordAudit } from "./audit.ts";
import { getActiveCampaign } from "./campaigns.ts";
import { outboxAction } from "./outbox.ts";
import { UserError } from "./errors.ts";
import { nextSlot, parseLocalTime, type ScheduleDays } from "./summarySchedule.ts";

export type { SummarySchedule };

/** Enough for a summary per campaign channel; more would be noise, and each costs a post a day. */
const maxSchedulesPerServer = 10;
export const summaryJobKind = "summary.post";

type ScheduleStatus = "active" | "paused" | "stopped" | "off";
export type StatusReason =
  | "missingAccess"
  | "missingPermissions"
  | "channelDeleted"
  | "campaignClosed"
  | "botRemoved"
  | "off";

/** One job per slot: its subject names the schedule and the slot, so a slot is claimed once. */
export function summaryJobSubject(scheduleId: number, slot: string): string {
  return `${scheduleId}@${slot}`;
}

export function parseScheduleId(value: string): number {
  if (!/^\d{1,9}$/.test(value.trim())) throw new UserError("summary.pickFromList");
  return Number(value.trim());
}

/** Resume refused for good; the command names the reason in the member's language. */
export class ScheduleStoppedError extends Error {
  constructor(
    readonly scheduleId: number,
    readonly reason: StatusReason,
  ) {
    super(`schedule ${scheduleId} is stopped: ${reason}`);
  }
}

async function getSchedule(db: Db, guildId: string, id: number): Promise<SummarySchedule> {
  const schedule = await db.summarySchedule.findFirst({ where: { id, guildId } });
  if (!schedule) throw new UserError("summary.notFound");
  return schedule;
}

export async function listSchedules(db: Db, guildId: string) {
  return db.summarySchedule.findMany({
    where: { guildId },
    orderBy: { id: "asc" },
    include: { posts: { where: { status: "uncertain" }, select: { id: true } } },
  });
}

interface ScheduleInput {
  channelId: string;
  time: string;
  timeZone: string;
  days: ScheduleDays;
  campaignId: number | null;
}

export async function createSchedule(
  db: Db,
  guildId: string,
  actorId: string,
  input: ScheduleInput,
  now: Date,
): Promise<SummarySchedule> {
  parseLocalTime(input.time);
  if (input.campaignId !== null) await getActiveCampaign(db, guildId, input.campaignId);
  const next = nextSlot({ time: input.time, days: input.days, timeZone: input.timeZone }, now);
  return db.$transaction(async (tx) => {
    const existing = await tx.summarySchedule.count({
      where: { guildId, status: { in: ["active", "paused"] } },
    });
    if (existing >= maxSchedulesPerServer)
      throw new UserError("summary.tooMany", { max: maxSchedulesPerServer });
    const schedule = await tx.summarySchedule.create({
      data: { guildId, ...input, nextRunAt: next.at, createdById: actorId },
    });
    await scheduleJob(tx, {
      guildId,
      kind: summaryJobKind,
      subjectId: summaryJobSubject(schedule.id, next.slot),
      dueAt: next.at,
    });
    await recordAudit(tx, {
      guildId,
      actorId,
      action: "summary.schedule",
      subjectId: schedule.id,
      details: { ...input },
    });
    return schedule;
  });
}

/** Stops posting; the pending slot's job is cancelled. */
export async function setScheduleStatus(
  db: Db,
  schedule: SummarySchedule,
  status: Exclude<ScheduleStatus, "active">,
  reason: StatusReason,
): Promise<void> {
  await db.$transaction(async (tx) => {
    await tx.summarySchedule.update({
      where: { id: schedule.id },
      data: { status, statusReason: reason },
    });
    const pending = await tx.dueJob.findMany({
      where: {
        kind: summaryJobKind,
        subjectId: { startsWith: `${schedule.id}@` },
        status: "pending",
      },
      select: { subjectId: true },
    });
    for (const job of pending) await cancelJobs(tx, job.subjectId, [summaryJobKind]);
  });
}

export async function turnOff(
  db: Db,
  guildId: string,
  actorId: string,
  id: number,
): Promise<SummarySchedule> {
  const schedule = await getSchedule(db, guildId, id);
  await setScheduleStatus(db, schedule, "off", "off");
  await recordAudit(db, { guildId, actorId, action: "summary.off", subjectId: id });
  return getSchedule(db, guildId, id);
}

/** Back on after a pause (or off): the next slot after now, never the missed ones. */
export async function resumeSchedule(
  db: Db,
  guildId: string,
  actorId: string,
  id: number,
  now: Date,
): Promise<SummarySchedule> {
  const schedule = await getSchedule(db, guildId, id);
  if (schedule.status === "stopped") {
    throw new ScheduleStoppedError(id, (schedule.statusReason ?? "off") as StatusReason);
  }
  const next = nextSlot(
    { time: schedule.time, days: schedule.days as ScheduleDays, timeZone: schedule.timeZone },
    now,
  );
  return db.$transaction(async (tx) => {
    const updated = await tx.summarySchedule.update({
      where: { id },
      data: { status: "active", statusReason: null, nextRunAt: next.at },
    });
    await scheduleJob(tx, {
      guildId,
      kind: summaryJobKind,
      subjectId: summaryJobSubject(id, next.slot),
      dueAt: next.at,
    });
    await recordAudit(tx, { guildId, actorId, action: "summary.resume", subjectId: id });
    return updated;
  });
}

/** Records that the slot was handled and arms the next one, in one transaction. */
export async function advanceSchedule(
  db: Db,
  schedule: SummarySchedule,
  posted: { slot: string; at: Date } | null,
  next: { slot: string; at: Date },
): Promise<void> {
  await db.$transaction(async (tx) => {
    await tx.summarySchedule.updateMany({
      where: { id: schedule.id, status: "active" },
      data: {
        nextRunAt: next.at,
        ...(posted ? { lastSlot: posted.slot, lastPostedAt: posted.at } : {}),
      },
    });
    await scheduleJob(tx, {
      guildId: schedule.guildId,
      kind: summaryJobKind,
      subjectId: summaryJobSubject(schedule.id, next.slot),
      dueAt: next.at,
    });
  });
}

/** The Discord nonce of one message of a slot: ≤ 25 characters, the same on every retry. */
export function postNonce(scheduleId: number, slot: string, part: number): string {
  return `s${scheduleId}.${slot.replaceAll("-", "")}.${part}`.slice(0, 25);
}

/**
 * Claims the outbox row of one message before it is sent. Returns what to do: send (new row, or
 * a pending one young enough that Discord still remembers its nonce), or skip (already sent, or
 * too old to retry without risking a double post: marked uncertain).
 */
export async function claimOutbox(
  db: Db,
  scheduleId: number,
  slot: string,
  part: number,
  late: boolean,
  now: Date,
): Promise<{ action: "send"; post: SummaryPost } | { action: "skip"; post: SummaryPost }> {
  const nonce = postNonce(scheduleId, slot, part);
  const post = await db.summaryPost.upsert({
    where: { scheduleId_slot_part: { scheduleId, slot, part } },
    create: { scheduleId, slot, part, nonce, late, createdAt: now },
    update: {},
  });
  const action = outboxAction(post, now);
  if (action === "uncertain") {
    const marked = await db.summaryPost.update({
      where: { id: post.id },
      data: { status: "uncertain" },
    });
    return { action: "skip", post: marked };
  }
  return { action, post };
}

export async function markSent(
  db: Db,
  postId: number,
  messageId: string,
  now: Date,
): Promise<void> {
  await db.summaryPost.update({
    where: { id: postId },
    data: { status: "sent", messageId, sentAt: now },
  });
}
