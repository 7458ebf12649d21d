import { DateTime, IANAZone } from "luxon";
import { UserError } from "./errors.ts";
import { weekdaysOf, type ScheduleDays } from "./scheduleDays.ts";

/**
 * When a daily progress summary posts. Slots are local dates ("2026-11-25"): one per local day
 * at most, so an outbox unique on (schedule, slot) cannot post a day twice, whatever the clocks do.
 * The rule for odd days: a local time that does not exist (clocks spring forward) moves forward
 * by the gap, 02:30 → 03:30; one that happens twice (clocks fall back) is its first occurrence.
 */

export type { ScheduleDays } from "./scheduleDays.ts";

export interface LocalSchedule {
  /** "HH:MM", 24 h, in timeZone */
  time: string;
  days: ScheduleDays;
  /** IANA zone, already validated at the edge (see dates.ts) */
  timeZone: string;
}

interface Slot {
  /** The local date the post belongs to, "YYYY-MM-DD" */
  slot: string;
  /** The instant it is due */
  at: Date;
}

interface CatchUp {
  /** The one slot to post now (the latest one due), or null when nothing is due. */
  post: (Slot & { late: boolean }) | null;
  /** The slot to store as the next run: the first one strictly after now and at or after due. */
  next: Slot;
}

const defaultLookbackDays = 7;
const defaultGraceMs = 10 * 60_000;

/**
 * Reads "HH:MM" on a 24 h clock, 00:00–23:59. Surrounding spaces are ignored and a one-digit
 * hour is accepted ("7:05"), as parseLocalDateTime does; minutes always take two digits.
 */
export function parseLocalTime(text: string): { hour: number; minute: number } {
  const match = /^(\d{1,2}):(\d{2})$/.exec(text.trim());
  const hour = Number(match?.[1]);
  const minute = Number(match?.[2]);
  if (!match || hour > 23 || minute > 59) throw new UserError("summary.badTime", { time: text });
  return { hour, minute };
}

/** The stored spelling of a time: two-digit hour and minute, "07:05". */
export function formatLocalTime(time: { hour: number; minute: number }): string {
  return `${String(time.hour).padStart(2, "0")}:${String(time.minute).padStart(2, "0")}`;
}

/** The first slot strictly after `after`. */
export function nextSlot(schedule: LocalSchedule, after: Date): Slot {
  const plan = planOf(schedule);
  const from = localDay(after, plan.zone);
  // A slot can fall on the next local day (a gap at midnight), so yesterday is a candidate too.
  for (let day = from - 1; day <= from + 14; day += 1) {
    const slot = slotOn(plan, day);
    if (slot && slot.at.getTime() > after.getTime()) return slot;
  }
  throw new RangeError(`No slot within two weeks for ${JSON.stringify(schedule)}`);
}

/**
 * The latest slot at or before `now` whose local date is at most `lookbackDays` calendar days
 * before today (in the schedule's zone), or null. Calendar days, not 24 h periods, so a weekly
 * schedule always finds last Monday with the default 7, even across a fall-back week.
 */
export function latestSlotAtOrBefore(
  schedule: LocalSchedule,
  now: Date,
  lookbackDays: number = defaultLookbackDays,
): Slot | null {
  if (!Number.isInteger(lookbackDays) || lookbackDays < 0) {
    throw new RangeError(`lookbackDays must be a whole number ≥ 0, got ${lookbackDays}`);
  }
  const plan = planOf(schedule);
  const today = localDay(now, plan.zone);
  for (let day = today; day >= today - lookbackDays; day -= 1) {
    const slot = slotOn(plan, day);
    if (slot && slot.at.getTime() <= now.getTime()) return slot;
  }
  return null;
}

/**
 * What the scheduler does when it wakes for a schedule whose nextRunAt is `due`: post only the
 * latest slot in [due, now] (one catch-up after downtime, not one per missed day), marked late
 * when more than `graceMs` after its time, and run next at the first slot after now. Slots before
 * `due` were handled already, so they are never posted nor returned as next.
 */
export function catchUp(
  schedule: LocalSchedule,
  due: Date,
  now: Date,
  graceMs: number = defaultGraceMs,
): CatchUp {
  assertInstant(due, "due");
  // Woken early, the next run is still the first slot at or after due: earlier ones were handled.
  const next = nextSlot(schedule, new Date(Math.max(now.getTime(), due.getTime() - 1)));
  // Every schedule has a slot at least once a week, so the default lookback finds the latest.
  const latest = latestSlotAtOrBefore(schedule, now);
  if (!latest || latest.at.getTime() < due.getTime()) return { post: null, next };
  const late = now.getTime() - latest.at.getTime() > graceMs;
  return { post: { ...latest, late }, next };
}

interface Plan {
  hour: number;
  minute: number;
  zone: string;
  /** Posting weekdays by JavaScript's numbering, 0 for Sunday. */
  days: ReadonlySet<number>;
}

function planOf(schedule: LocalSchedule): Plan {
  const { hour, minute } = parseLocalTime(schedule.time);
  // IANAZone.create caches the zone and its validity; isTimeZone builds a formatter every call.
  if (!IANAZone.create(schedule.timeZone).isValid) {
    throw new RangeError(`Unknown time zone ${schedule.timeZone}`);
  }
  const days = weekdaysOf(schedule.days);
  if (!days) throw new RangeError(`Unknown days ${schedule.days}`);
  return { hour, minute, zone: schedule.timeZone, days: new Set(days.map((day) => day % 7)) };
}

function assertInstant(date: Date, name: string): void {
  if (Number.isNaN(date.getTime())) throw new RangeError(`${name} is not a valid date`);
}

const dayMs = 86_400_000;

/** A local calendar date as whole days since 1970-01-01: date arithmetic that ignores zones. */
type Day = number;

function dayOf(year: number, month: number, day: number): Day {
  return Date.UTC(year, month - 1, day) / dayMs;
}

/** The local calendar date of an instant. */
function localDay(instant: Date, zone: string): Day {
  assertInstant(instant, "instant");
  const local = DateTime.fromJSDate(instant, { zone });
  return dayOf(local.year, local.month, local.day);
}

function postsOn(days: ReadonlySet<number>, day: Day): boolean {
  return days.has(new Date(day * dayMs).getUTCDay()); // 0 is Sunday
}

/** The slot of one local date, or null if the schedule skips that date. */
function slotOn(plan: Plan, day: Day): Slot | null {
  if (!postsOn(plan.days, day)) return null;
  const local = localTimeOn(plan, day);
  // A date the zone skipped entirely (Samoa, 2011-12-30) shifts onto the next day's instant;
  // that instant belongs to the next day, which exists.
  if (
    dayOf(local.year, local.month, local.day) > day &&
    postsOn(plan.days, day + 1) &&
    localTimeOn(plan, day + 1).toMillis() === local.toMillis()
  ) {
    return null;
  }
  return { slot: new Date(day * dayMs).toISOString().slice(0, 10), at: local.toJSDate() };
}

/** The plan's time on a local date, with the gap and first-occurrence rules. */
function localTimeOn(plan: Plan, day: Day): DateTime {
  const date = new Date(day * dayMs);
  const raw = DateTime.fromObject(
    {
      year: date.getUTCFullYear(),
      month: date.getUTCMonth() + 1,
      day: date.getUTCDate(),
      hour: plan.hour,
      minute: plan.minute,
    },
    { zone: plan.zone },
  );
  // Luxon already moves a time in a gap forward by the gap; a time that happens twice is
  // resolved from a provisional offset, so pick its first occurrence explicitly.
  const [first = raw] = raw.getPossibleOffsets().sort((a, b) => a.toMillis() - b.toMillis());
  return first;
}
