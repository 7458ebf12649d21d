/**
 * A task's Discord scheduled event (#26): the rules, Discord-free. Organizers ask for one with
 * `event:true` and a start (`starts`); a `task.event` due job, armed in the same transaction as
 * every change of the task, makes the event match the task (src/discord/taskEventJobs.ts), so a
 * restart loses nothing. Each occurrence of a repeating task is its own row with its own event.
 */
import { cancelJobs, scheduleJob } from "../db/dueJobs.ts";
import type { TaskWithCampaign } from "../db/rows.ts";
import type { Store } from "../db/store.ts";
import {
  clearTaskEvent,
  saveEventInterested,
  saveTaskEvent,
  saveTaskEventProblem,
} from "../db/taskEvents.ts";
import { findTask } from "../db/tasks.ts";
import { UserError } from "./errors.ts";

export const taskEventJobKind = "task.event";
export const taskEventCountJobKind = "task.eventCount";

const hour = 3_600_000;
/** An event without a due date lasts this long (Discord needs an end for an external event). */
export const defaultEventMs = 2 * hour;
/** How often the interested count is read while the event is ahead (no gateway intent for it). */
export const eventCountEveryMs = 15 * 60_000;
/**
 * When /task add or edit arms the job: the reply syncs at once, so the job is the backstop for a
 * process that stops before it does, late enough not to race that sync.
 */
export const eventBackstopMs = 60_000;

export type EventProblem = "missingPermissions" | "limit" | "failed";

/** Refuses `event:true` without a start, and a start not before the due date. */
export function checkTaskEvent(fields: {
  startsAt: Date | null;
  dueAt: Date | null;
  eventWanted: boolean;
}): void {
  if (fields.eventWanted && !fields.startsAt) throw new UserError("taskEvent.needsStart");
  if (fields.startsAt && fields.dueAt && fields.dueAt.getTime() <= fields.startsAt.getTime())
    throw new UserError("taskEvent.startsAfterDue");
}

/** The event's times: from the start to the due date, or two hours when there is none. */
export function eventTimes(startsAt: Date, dueAt: Date | null): { start: Date; end: Date } {
  const end =
    dueAt && dueAt.getTime() > startsAt.getTime()
      ? dueAt
      : new Date(startsAt.getTime() + defaultEventMs);
  return { start: startsAt, end };
}

/** What the task's event should become now. */
export type EventPlan =
  | { action: "none" }
  | { action: "remove"; eventId: string; how: "cancel" | "delete" }
  | {
      action: "sync";
      eventId: string | null;
      title: string;
      location: string | null;
      start: Date;
      end: Date;
      /** Discord refuses a start in the past: an event under way keeps its start. */
      startPassed: boolean;
      card: { channelId: string; messageId: string } | null;
    };

export function eventPlan(task: TaskWithCampaign, now: Date): EventPlan {
  const { eventId } = task;
  // A cancelled task's event is cancelled: members who marked it interested see it called off.
  if (task.status === "cancelled")
    return eventId ? { action: "remove", eventId, how: "cancel" } : { action: "none" };
  if (!task.eventWanted || !task.startsAt)
    return eventId ? { action: "remove", eventId, how: "delete" } : { action: "none" };
  // Done before the day: the event stays as it was (the work may still happen then).
  if (task.status !== "open") return { action: "none" };
  const { start, end } = eventTimes(task.startsAt, task.dueAt);
  const startPassed = start.getTime() <= now.getTime();
  // Too late to announce: nothing is made for a start that has passed.
  if (!eventId && startPassed) return { action: "none" };
  const card =
    task.cardChannelId && task.cardMessageId
      ? { channelId: task.cardChannelId, messageId: task.cardMessageId }
      : null;
  return {
    action: "sync",
    eventId,
    title: task.title,
    location: task.location,
    start,
    end,
    startPassed,
    card,
  };
}

/** Arms the task's event job, in the caller's transaction, when it has or wants an event. */
export async function armTaskEvent(
  tx: Store,
  task: { id: number; guildId: string; eventWanted: boolean; eventId: string | null },
  at: Date,
): Promise<void> {
  if (!task.eventWanted && !task.eventId) return;
  await scheduleJob(tx, {
    guildId: task.guildId,
    kind: taskEventJobKind,
    subjectId: String(task.id),
    dueAt: at,
  });
}

/** The task as its event job reads it; null once it is gone (another server's id included). */
export function taskForEvent(
  db: Store,
  guildId: string,
  taskId: number,
): Promise<TaskWithCampaign | null> {
  return findTask(db, guildId, taskId);
}

/**
 * The event was made or changed as planned: linked, its problem cleared, its interested count
 * read from now on. False when a concurrent sync linked another event first.
 */
export async function recordEventSynced(
  db: Store,
  task: { id: number; guildId: string },
  eventId: string,
  hash: string,
  now: Date,
): Promise<boolean> {
  if (!(await saveTaskEvent(db, task.id, eventId, hash))) return false;
  await scheduleJob(db, {
    guildId: task.guildId,
    kind: taskEventCountJobKind,
    subjectId: String(task.id),
    dueAt: new Date(now.getTime() + eventCountEveryMs),
  });
  return true;
}

export function recordEventProblem(db: Store, taskId: number, problem: EventProblem) {
  return saveTaskEventProblem(db, taskId, problem);
}

/** The event is cancelled, deleted, or gone from Discord: the task no longer links it. */
export async function recordEventRemoved(db: Store, taskId: number, eventId: string) {
  await clearTaskEvent(db, taskId, eventId);
  await cancelJobs(db, String(taskId), [taskEventCountJobKind]);
}

/** Stores Discord's interested count; true when the card should show a new number. */
export function recordEventInterested(
  db: Store,
  taskId: number,
  eventId: string,
  count: number,
): Promise<boolean> {
  return saveEventInterested(db, taskId, eventId, count);
}

/** When to read the count again: every interval until the event ends, then never. */
export function nextCountRead(task: TaskWithCampaign, now: Date): Date | null {
  if (!task.eventId || !task.startsAt || task.status === "cancelled") return null;
  const { end } = eventTimes(task.startsAt, task.dueAt);
  return now.getTime() < end.getTime() ? new Date(now.getTime() + eventCountEveryMs) : null;
}
