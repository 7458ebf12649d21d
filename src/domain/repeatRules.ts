/** How a task repeats: the periods, the checks, the next due date, and a series' start. */
import { DateTime } from "luxon";
import { scheduleJob } from "../db/dueJobs.ts";
import type { Store } from "../db/store.ts";
import { startSeries } from "../db/taskSeries.ts";
import { UserError } from "./errors.ts";

export const repeatPeriods = ["daily", "weekly", "monthly"] as const;
export type RepeatPeriod = (typeof repeatPeriods)[number];

export function isRepeatPeriod(value: string): value is RepeatPeriod {
  return (repeatPeriods as readonly string[]).includes(value);
}

/** How a task repeats, as /task add and the import give it. */
export interface Repeat {
  period: RepeatPeriod;
  /** No occurrence is created due after this instant. */
  until: Date | null;
}

/** Creates the next occurrence of the occurrence named by the subject. */
export const repeatJobKind = "task.repeat";
/** Posts the card of an occurrence the series created (after its transaction committed). */
export const repeatCardJobKind = "task.repeatCard";

/** Refuses a repeat the task cannot have: it needs a due date, and an end after it. */
export function checkRepeat(repeat: Repeat | null, dueAt: Date | null): void {
  if (!repeat) return;
  if (!dueAt) throw new UserError("task.repeatNeedsDue");
  if (repeat.until && repeat.until < dueAt) throw new UserError("task.repeatUntilBeforeDue");
}

/**
 * The due date one period after `previous`, in the server's zone: the wall-clock time of the
 * series' first due date (`anchor`) whatever the daylight-saving offset, and for monthly its
 * day of the month, or the month's last day when the month is shorter (the 31st → 30 April,
 * 28 or 29 February). When `after` is given, periods missed (the bot was down) are skipped to
 * the first due date after it.
 */
export function nextDueDate(
  previous: Date,
  anchor: Date,
  period: RepeatPeriod,
  zone: string,
  after?: Date,
): Date {
  const start = DateTime.fromJSDate(anchor, { zone });
  let day = DateTime.fromJSDate(previous, { zone }).startOf("day");
  for (;;) {
    if (period === "daily") day = day.plus({ days: 1 });
    else if (period === "weekly") day = day.plus({ weeks: 1 });
    else {
      const month = day.startOf("month").plus({ months: 1 });
      day = month.set({ day: Math.min(start.day, month.daysInMonth ?? 28) });
    }
    // A time that does not exist that day (clocks springing forward) moves on by the gap.
    const next = DateTime.fromObject(
      { year: day.year, month: day.month, day: day.day, hour: start.hour, minute: start.minute },
      { zone },
    ).toJSDate();
    if (next > previous && (!after || next > after)) return next;
  }
}

/** Makes a new task the first occurrence of a series, with its job; in the caller's transaction. */
export async function beginSeries(
  tx: Store,
  task: { id: number; guildId: string; dueAt: Date | null },
  repeat: Repeat,
): Promise<void> {
  if (!task.dueAt) throw new UserError("task.repeatNeedsDue");
  await startSeries(tx, task.id, repeat.period, repeat.until);
  await scheduleJob(tx, {
    guildId: task.guildId,
    kind: repeatJobKind,
    subjectId: String(task.id),
    dueAt: task.dueAt,
  });
}
