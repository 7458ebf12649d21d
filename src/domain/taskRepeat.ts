/**
 * Repeating tasks: a series is a chain of occurrences, each its own task row. The latest one
 * carries the series (its `repeat` is set) and a `task.repeat` due job at its due date; when it
 * runs, the next occurrence is created one period on, and the series moves to it.
 */
import { cancelJobs, scheduleJob } from "../db/dueJobs.ts";
import type { TaskWithCampaign } from "../db/rows.ts";
import { inTransaction, type Store } from "../db/store.ts";
import {
  findSeriesStart,
  insertOccurrence,
  stopSeriesRows,
  takeSeriesFrom,
} from "../db/taskSeries.ts";
import { updateCampaignIfActive } from "../db/campaigns.ts";
import { findTask } from "../db/tasks.ts";
import { recordAudit } from "./audit.ts";
import { UserError } from "./errors.ts";
import { getGuildSettings } from "./guildSettings.ts";
import { isRepeatPeriod, nextDueDate, repeatCardJobKind, repeatJobKind } from "./repeatRules.ts";
import { armTaskEvent } from "./taskEvents.ts";
import { cancelTask, getTask } from "./tasks.ts";

/**
 * The `task.repeat` job: creates the next occurrence of task `taskId` exactly once, with the
 * same fields and the next due date, and moves the series and its job to it, all in one
 * transaction. Nothing when the task no longer carries its series (already run, stopped),
 * when its campaign is closed (the series ends: reopening does not restart it), or when the
 * next due date is past `repeatUntil`.
 */
export async function repeatTask(
  db: Store,
  guildId: string,
  taskId: number,
  now: Date,
): Promise<TaskWithCampaign | null> {
  const { timezone } = await getGuildSettings(db, guildId);
  return inTransaction(db, async (tx) => {
    const task = await findTask(tx, guildId, taskId);
    if (!task?.repeat || !isRepeatPeriod(task.repeat) || !task.dueAt || task.seriesId === null)
      return null;
    const period = task.repeat;
    // The first write takes the lock: a close cannot land between this check and the insert.
    const campaignOpen = await updateCampaignIfActive(tx, guildId, task.campaignId, {
      updatedAt: now,
    });
    // The race is decided here: only one run takes the series from this occurrence.
    if (!(await takeSeriesFrom(tx, guildId, taskId)) || !campaignOpen) return null;
    const start = await findSeriesStart(tx, guildId, task.seriesId);
    const next = nextDueDate(task.dueAt, start?.dueAt ?? task.dueAt, period, timezone, now);
    if (task.repeatUntil && next > task.repeatUntil) return null;
    const occurrence = await insertOccurrence(tx, task, next, period);
    await scheduleJob(tx, {
      guildId,
      kind: repeatJobKind,
      subjectId: String(occurrence.id),
      dueAt: next,
    });
    await scheduleJob(tx, {
      guildId,
      kind: repeatCardJobKind,
      subjectId: String(occurrence.id),
      dueAt: now,
    });
    // Each occurrence gets its own event.
    await armTaskEvent(tx, occurrence, now);
    if (task.createdById) {
      await recordAudit(tx, {
        guildId,
        actorId: task.createdById,
        action: "task.repeat",
        subjectId: occurrence.id,
        details: { from: taskId, seriesId: task.seriesId },
      });
    }
    return occurrence;
  });
}

/** An occurrence the series created, for its card; null once it has one or is not open. */
export async function occurrenceWithoutCard(
  db: Store,
  guildId: string,
  taskId: number,
): Promise<TaskWithCampaign | null> {
  const task = await findTask(db, guildId, taskId);
  return task && task.status === "open" && !task.cardMessageId ? task : null;
}

/**
 * Stops a task's series: no occurrence is created after it, and the task itself is cancelled
 * if it is still open. Earlier occurrences stay as they are.
 */
export async function stopSeries(
  db: Store,
  guildId: string,
  actorId: string,
  taskId: number,
  now: Date,
): Promise<TaskWithCampaign> {
  return inTransaction(db, async (tx) => {
    const task = await getTask(tx, guildId, taskId);
    if (task.seriesId === null) throw new UserError("task.notRepeating", { title: task.title });
    const carriers = await stopSeriesRows(tx, guildId, task.seriesId);
    for (const id of carriers) await cancelJobs(tx, String(id), [repeatJobKind]);
    await recordAudit(tx, {
      guildId,
      actorId,
      action: "task.stopSeries",
      subjectId: taskId,
      details: { seriesId: task.seriesId },
    });
    if (task.status === "open") return cancelTask(tx, guildId, actorId, taskId, now);
    return getTask(tx, guildId, taskId);
  });
}
