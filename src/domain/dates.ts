import { DateTime, IANAZone } from "luxon";
import type { MessageKey } from "../i18n/index.ts";
import { UserError } from "./errors.ts";

export function isTimeZone(zone: string): boolean {
  return IANAZone.isValidZone(zone);
}

/** Zones this runtime still knows by an old name, shown by the name people use today. */
const renamedZones: Record<string, string> = { "Europe/Kiev": "Europe/Kyiv" };

function currentName(zone: string): string {
  const renamed = renamedZones[zone];
  return renamed && isTimeZone(renamed) ? renamed : zone;
}

/** The zone's proper spelling ("europe/kiev" → "Europe/Kyiv"), or null for an unknown zone. */
export function canonicalTimeZone(zone: string): string | null {
  const trimmed = zone.trim();
  if (!isTimeZone(trimmed)) return null;
  const lower = trimmed.toLowerCase();
  const known = [...Intl.supportedValuesOf("timeZone"), ...Object.values(renamedZones), "UTC"];
  const spelled =
    known.find((name) => name.toLowerCase() === lower) ??
    new Intl.DateTimeFormat("en", { timeZone: trimmed }).resolvedOptions().timeZone;
  return currentName(spelled);
}

/** Every IANA zone this runtime knows, for autocomplete, with today's names for renamed ones. */
export function timeZoneNames(): string[] {
  return [...new Set([...Intl.supportedValuesOf("timeZone").map(currentName), "UTC"])];
}

/**
 * How far from today a typed date may be, in the server's days. Stored dates stay where both
 * databases and Discord's timestamps read them back (9999-12-31 in New York is the year 10000 in
 * UTC, which PostgreSQL's driver cannot read). The refusals' texts say "five years".
 */
const dateBoundYears = 5;

interface DateRules {
  /** The option's name, as the member typed it, in every refusal. */
  option: string;
  /** The server's time zone: the date is read, and the bound counted, there. */
  zone: string;
  now: Date;
  /**
   * A date not after `now` is refused with this message (a due date, an end date), or, with
   * "allowed", taken back to the bound.
   */
  past: MessageKey | "allowed";
}

/**
 * The one reader of every date a member types (options, import files): `2026-12-31` (the end of
 * that day, 23:59) or `2026-12-31 18:00`, in the server's time zone, within `dateBoundYears` of
 * the server's today either way. A local time that does not exist (a spring-forward gap) moves
 * forward by the gap, as clocks do; one that happens twice is its first occurrence.
 */
export function parseLocalDateTime(text: string, rules: DateRules): Date {
  const { option, zone, now, past } = rules;
  const date = readLocalDateTime(text, zone, option);
  if (past !== "allowed" && date.getTime() <= now.getTime()) throw new UserError(past);
  const today = DateTime.fromJSDate(now, { zone }).startOf("day");
  const latest = today.plus({ years: dateBoundYears }).endOf("day");
  if (date.getTime() > latest.toMillis()) {
    throw new UserError("validation.dateTooLate", { option, latest: latest.toISODate() ?? "" });
  }
  const earliest = today.minus({ years: dateBoundYears });
  if (date.getTime() < earliest.toMillis()) {
    throw new UserError("validation.dateTooEarly", {
      option,
      earliest: earliest.toISODate() ?? "",
    });
  }
  return date;
}

/** The instant a typed date means in a zone, whatever the year: only parseLocalDateTime reads it. */
function readLocalDateTime(text: string, zone: string, option: string): Date {
  const trimmed = text.trim();
  const match = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{1,2}):(\d{2}))?$/.exec(trimmed);
  if (!match) throw new UserError("validation.date", { option });
  const [, year, month, day, hour, minute] = match;
  const parts = {
    year: Number(year),
    month: Number(month),
    day: Number(day),
    hour: hour === undefined ? 23 : Number(hour),
    minute: minute === undefined ? 59 : Number(minute),
  };
  const raw = DateTime.fromObject(parts, { zone });
  // Every instant that shows the typed minute there; a time that happens twice (clocks falling
  // back) means its first occurrence. luxon's own guess can be an hour off next to a change,
  // so its neighbours an hour either side are candidates too.
  const showsTyped = (candidate: DateTime) =>
    candidate.isValid &&
    candidate.year === parts.year &&
    candidate.month === parts.month &&
    candidate.day === parts.day &&
    candidate.hour === parts.hour &&
    candidate.minute === parts.minute;
  // Each candidate is read back from its instant: luxon's fields for a guessed offset can
  // disagree with what the zone really showed then.
  const candidates = raw.isValid
    ? [raw, ...raw.getPossibleOffsets(), raw.minus({ hours: 1 }), raw.plus({ hours: 1 })].map(
        (candidate) => DateTime.fromMillis(candidate.toMillis(), { zone }),
      )
    : [];
  const [local = raw] = candidates.filter(showsTyped).sort((a, b) => a.toMillis() - b.toMillis());
  const sameDay =
    local.isValid &&
    local.year === parts.year &&
    local.month === parts.month &&
    local.day === parts.day;
  if (!sameDay || parts.hour > 23 || parts.minute > 59) {
    throw new UserError("validation.date", { option });
  }
  return local.toJSDate();
}

/** A date as the server reads it, for edit forms and lists: `2026-12-31 18:00`. */
export function formatLocalDateTime(date: Date, zone: string): string {
  return DateTime.fromJSDate(date, { zone }).toFormat("yyyy-MM-dd HH:mm");
}

/** Autocomplete: zones containing what was typed ("kyiv", "new york"), at most 25. */
export function timeZoneChoices(typed: string): { name: string; value: string }[] {
  const needle = typed.trim().toLowerCase().replaceAll(" ", "_");
  return timeZoneNames()
    .filter((zone) => zone.toLowerCase().includes(needle))
    .slice(0, 25)
    .map((zone) => ({ name: zone, value: zone }));
}
