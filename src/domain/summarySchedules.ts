import { cancelJobs, scheduleJob } from "../db/dueJobs.ts";
import type { SummaryPost, SummarySchedule } from "../db/rows.ts";
import { inTransaction, type Store } from "../db/store.ts";
import { findOrCreateSummaryPost, setSummaryPostStatus } from "../db/summaryPosts.ts";
import {
  activateSummarySchedule,
  countSchedulesActiveOrPaused,
  findSummarySchedule,
  insertSummarySchedule,
  listPendingJobSubjects,
  listSchedulesActiveOrPaused,
  listSchedulesOfGuild,
  setSummaryScheduleStatus,
  updateSummaryScheduleIfActive,
  type ListedSchedule,
} from "../db/summarySchedules.ts";
import { recordAudit } from "./audit.ts";
import { getActiveCampaign } from "./campaigns.ts";
import { outboxAction } from "./outbox.ts";
import { UserError } from "./errors.ts";
import { nextSlot, parseLocalTime, type ScheduleDays } from "./summarySchedule.ts";

export type { DueJob, SummarySchedule } from "../db/rows.ts";

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

const statusReasons: readonly StatusReason[] = [
  "missingAccess",
  "missingPermissions",
  "channelDeleted",
  "campaignClosed",
  "botRemoved",
  "off",
];

/** A stored reason as one Rally knows how to explain ("off" for anything else, or none). */
export function knownStatusReason(reason: string | null): StatusReason {
  return statusReasons.find((known) => known === reason) ?? "off";
}

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

async function getSchedule(db: Store, guildId: string, id: number): Promise<SummarySchedule> {
  const schedule = await findSummarySchedule(db, guildId, id);
  if (!schedule) throw new UserError("summary.notFound");
  return schedule;
}

/** A schedule of this server; null for another server's id (a job's schedule may be gone). */
export function findSchedule(
  db: Store,
  guildId: string,
  id: number,
): Promise<SummarySchedule | null> {
  return findSummarySchedule(db, guildId, id);
}

export async function listSchedules(db: Store, guildId: string): Promise<ListedSchedule[]> {
  return listSchedulesOfGuild(db, guildId);
}

interface ScheduleInput {
  channelId: string;
  time: string;
  timeZone: string;
  days: ScheduleDays;
  campaignId: number | null;
}

export async function createSchedule(
  db: Store,
  guildId: string,
  actorId: string,
  input: ScheduleInput,
  now: Date,
): Promise<SummarySchedule> {
  parseLocalTime(input.time);
  if (input.campaignId !== null) await getActiveCampaign(db, guildId, input.campaignId);
  const next = nextSlot({ time: input.time, days: input.days, timeZone: input.timeZone }, now);
  return inTransaction(db, async (tx) => {
    const existing = await countSchedulesActiveOrPaused(tx, guildId);
    if (existing >= maxSchedulesPerServer)
      throw new UserError("summary.tooMany", { max: maxSchedulesPerServer });
    const schedule = await insertSummarySchedule(tx, {
      guildId,
      ...input,
      nextRunAt: next.at,
      createdById: actorId,
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
  db: Store,
  schedule: SummarySchedule,
  status: Exclude<ScheduleStatus, "active">,
  reason: StatusReason,
): Promise<void> {
  await inTransaction(db, async (tx) => {
    await setSummaryScheduleStatus(tx, schedule.id, status, reason);
    const pending = await listPendingJobSubjects(tx, summaryJobKind, `${schedule.id}@`);
    for (const subjectId of pending) await cancelJobs(tx, subjectId, [summaryJobKind]);
  });
}

/** A server that removed Rally gets no more posts: its schedules stop. */
export async function stopSchedulesOfGuild(db: Store, guildId: string): Promise<void> {
  const schedules = await listSchedulesActiveOrPaused(db, guildId);
  for (const schedule of schedules) await setScheduleStatus(db, schedule, "stopped", "botRemoved");
}

export async function turnOff(
  db: Store,
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
  db: Store,
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
  return inTransaction(db, async (tx) => {
    const updated = await activateSummarySchedule(tx, id, next.at);
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
  db: Store,
  schedule: SummarySchedule,
  posted: { slot: string; at: Date } | null,
  next: { slot: string; at: Date },
): Promise<void> {
  await inTransaction(db, async (tx) => {
    await updateSummaryScheduleIfActive(tx, schedule.id, {
      nextRunAt: next.at,
      ...(posted ? { lastSlot: posted.slot, lastPostedAt: posted.at } : {}),
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
  db: Store,
  scheduleId: number,
  slot: string,
  part: number,
  late: boolean,
  now: Date,
): Promise<{ action: "send"; post: SummaryPost } | { action: "skip"; post: SummaryPost }> {
  const nonce = postNonce(scheduleId, slot, part);
  const post = await findOrCreateSummaryPost(db, {
    scheduleId,
    slot,
    part,
    nonce,
    late,
    createdAt: now,
  });
  const action = outboxAction(post, now);
  if (action === "uncertain") {
    const marked = await setSummaryPostStatus(db, post.id, { status: "uncertain" });
    return { action: "skip", post: marked };
  }
  return { action, post };
}

export async function markSent(
  db: Store,
  postId: number,
  messageId: string,
  now: Date,
): Promise<void> {
  await setSummaryPostStatus(db, postId, { status: "sent", messageId, sentAt: now });
}
