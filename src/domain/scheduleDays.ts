/**
 * The weekdays a summary schedule posts on. Stored as English three-letter names in week order,
 * "mon,thu"; the four presets are sets like any other. Typed lists are read in every language
 * Rally speaks: "mon,thu", "пн, чт", "вівторок", "mon-fri".
 */

/** ISO weekday: 1 is Monday, 7 is Sunday. */
export type Weekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;

/** The stored spelling of a set of weekdays ("mon,thu"), see `storedDays`. */
export type ScheduleDays = string;

const week: readonly Weekday[] = [1, 2, 3, 4, 5, 6, 7];
const storedNames = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;

export const dayPresets = {
  daily: week,
  weekdays: [1, 2, 3, 4, 5],
  weekends: [6, 7],
  weekly: [1],
} as const satisfies Record<string, readonly Weekday[]>;
export type DayPreset = keyof typeof dayPresets;
export const dayPresetNames = Object.keys(dayPresets) as DayPreset[];

/** "mon,thu": week order, no repeats. */
export function storedDays(days: Iterable<Weekday>): ScheduleDays {
  const set = new Set(days);
  return week
    .filter((day) => set.has(day))
    .map((day) => storedNames[day - 1])
    .join(",");
}

/**
 * The weekdays of a stored value, or null for one that is not a non-empty list. The presets'
 * names ("daily", "weekdays", "weekly"), stored before lists, read as their sets.
 */
export function weekdaysOf(stored: string): Weekday[] | null {
  if (stored in dayPresets) return [...dayPresets[stored as DayPreset]];
  const days = new Set<Weekday>();
  for (const name of stored.split(",")) {
    const index = (storedNames as readonly string[]).indexOf(name);
    if (index < 0) return null;
    days.add((index + 1) as Weekday);
  }
  return days.size > 0 ? week.filter((day) => days.has(day)) : null;
}

/** The preset a stored value is, if it is one ("mon,tue,wed,thu,fri" is "weekdays"). */
export function presetOf(stored: string): DayPreset | null {
  const days = weekdaysOf(stored);
  if (!days) return null;
  const spelled = storedDays(days);
  return dayPresetNames.find((preset) => storedDays(dayPresets[preset]) === spelled) ?? null;
}

/** Short weekday names in a language ("Mon", "пн"), Monday first. */
export function weekdayNames(language: string, style: "short" | "long" = "short"): string[] {
  const format = new Intl.DateTimeFormat(language, { weekday: style, timeZone: "UTC" });
  // 2024-01-01 was a Monday.
  return week.map((day) => format.format(new Date(Date.UTC(2024, 0, day))));
}

const readLanguages = ["en", "ru", "uk"];

function fold(text: string): string {
  return text
    .toLowerCase()
    .replace(/[’'ʼ`]/g, "")
    .replace(/\.$/, "");
}

/** Every spelling of each weekday Rally reads: short and long names in each language. */
const spellings: { day: Weekday; name: string }[] = readLanguages.flatMap((language) =>
  (["short", "long"] as const).flatMap((style) =>
    weekdayNames(language, style).map((name, index) => ({
      day: (index + 1) as Weekday,
      name: fold(name),
    })),
  ),
);

/** A weekday from a typed word: a name or the start of one (two letters at least, unambiguous). */
function dayOf(word: string): Weekday | null {
  const folded = fold(word);
  const exact = spellings.find((spelling) => spelling.name === folded);
  if (exact) return exact.day;
  if (folded.length < 2) return null;
  const days = new Set(
    spellings
      .filter((spelling) => spelling.name.startsWith(folded))
      .map((spelling) => spelling.day),
  );
  return days.size === 1 ? ([...days][0] ?? null) : null;
}

const connectors = new Set(["and", "и", "і", "й", "та"]);

/**
 * A typed list of weekdays, stored spelling: "mon,thu", "Tue", "пн, чт", "mon-fri" (a range goes
 * forward and may wrap: "fri-mon"), or a stored value or preset name as autocomplete sends it.
 * Null when any word is not a weekday.
 */
export function parseDays(text: string): ScheduleDays | null {
  const trimmed = text.trim().toLowerCase();
  if (trimmed === "") return null;
  const stored = weekdaysOf(trimmed);
  if (stored) return storedDays(stored);
  const days = new Set<Weekday>();
  const words = trimmed
    .replace(/\s*[-–—]\s*/g, "-")
    .split(/[\s,;/+&]+/)
    .filter((word) => word !== "" && !connectors.has(word));
  for (const part of words) {
    const range = /^(.+?)-(.+)$/.exec(part);
    if (range) {
      const from = dayOf(range[1] ?? "");
      const to = dayOf(range[2] ?? "");
      if (from === null || to === null) return null;
      for (let day = from, steps = 0; steps < 7; steps += 1) {
        days.add(day);
        if (day === to) break;
        day = ((day % 7) + 1) as Weekday;
      }
      continue;
    }
    const day = dayOf(part);
    if (day === null) return null;
    days.add(day);
  }
  return days.size > 0 ? storedDays(days) : null;
}
