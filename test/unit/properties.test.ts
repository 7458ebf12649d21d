import type { APIEmbed } from "discord.js";
import fc from "fast-check";

// Deterministic in CI (a failure names its seed); FC_SEED explores other inputs locally.
fc.configureGlobal({ seed: Number(process.env["FC_SEED"] ?? 20261125) });
import { Settings } from "luxon";
import { describe, expect, it } from "vitest";
import * as z from "zod";
import { formatLocalDateTime, parseLocalDateTime, timeZoneNames } from "../../src/domain/dates.ts";
import { UserError } from "../../src/domain/errors.ts";
import {
  latestSlotAtOrBefore,
  nextSlot,
  type LocalSchedule,
  type ScheduleDays,
} from "../../src/domain/summarySchedule.ts";
import {
  httpUrl,
  integer,
  optionalText,
  snowflake,
  text,
} from "../../src/discord/optionSchemas.ts";
import { parseOptions } from "../../src/discord/options.ts";
import { fitEmbeds, limits } from "../../src/discord/render/limits.ts";
import { asTyped, characterCount, shorten, showText } from "../../src/discord/render/text.ts";
import { translator } from "../../src/i18n/index.ts";
import { unescapedMentions } from "../support/mentions.ts";

/**
 * Properties over arbitrary input: fast-check prints the seed and the shrunk counterexample
 * when one fails, and nothing otherwise.
 */

// ---------------------------------------------------------------------------------------------
// Text: what members type, at its most awkward.

/** Pieces that break naive text handling: invisible, bidi, combining, joined, markdown, mentions. */
const awkward = [
  "a",
  "Z",
  "7",
  " ",
  "  ",
  "\n",
  "\r\n",
  "\t",
  "\u00a0",
  "é",
  "e\u0301",
  "\u0301",
  "\u0301\u0302\u0303",
  "\u200b",
  "\u200d",
  "\u200e",
  "\u202e",
  "\u2066",
  "\ufeff",
  "\u0600",
  "\u0600 ",
  "\u0915\u094d\u0937",
  "\u1100\u1161\u11a8",
  "👍",
  "👍🏽",
  "👨‍👩‍👧‍👦",
  "🏳️‍🌈",
  "🇧🇾",
  "🇺🇦",
  "حرية",
  "Свобода",
  "\ud83d",
  "<",
  ">",
  "@",
  "#",
  "&",
  "!",
  ":",
  "t",
  "\\",
  "*",
  "_",
  "`",
  "```",
  "~",
  "|",
  "[",
  "](",
  ")",
  "-",
  "# ",
  "> ",
  "123456789012345678",
  "<@",
  "<#",
  "<@&",
  "<@!",
  "<t:",
  "@everyone",
] as const;

const awkwardText = (maxLength: number) =>
  fc.array(fc.constantFrom(...awkward), { maxLength }).map((parts) => parts.join(""));

/**
 * Graphemes around spaces: a prepended mark takes the space after it into its grapheme
 * ("\u0600 " is one), so trimming spaces by code unit can cut a grapheme in two.
 */
const spacey = ["\u0600 ", "\u0605\u3000", " ", "\u00a0", "\r\n", "\u200b", "e\u0301", "a", "👨‍👩‍👧‍👦"];
const spaceyRuns = fc
  .tuple(fc.array(fc.constantFrom(...spacey), { minLength: 1, maxLength: 4 }), fc.nat(200))
  .map(([motif, times]) => motif.join("").repeat(times + 1));

/** Random unicode of every kind, awkward mixtures, and very long runs. */
const anyText = fc.oneof(
  spaceyRuns,
  fc.string({ unit: "grapheme", maxLength: 300 }),
  fc.string({ unit: "binary", maxLength: 300 }),
  awkwardText(300),
  fc
    .tuple(fc.constantFrom(...awkward), fc.integer({ min: 1, max: 3000 }), awkwardText(20))
    .map(([part, times, tail]) => part.repeat(times) + tail),
  fc.string({ unit: "grapheme-composite", minLength: 500, maxLength: 2000 }),
);

const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/** Offsets (UTF-16) where one grapheme ends and the next begins. */
function graphemeBoundaries(value: string): Set<number> {
  const boundaries = new Set([0, value.length]);
  for (const { index } of graphemes.segment(value)) boundaries.add(index);
  return boundaries;
}

describe("shorten", () => {
  it("never exceeds max characters and never cuts inside a grapheme", () => {
    fc.assert(
      fc.property(anyText, fc.integer({ min: 1, max: 400 }), (value, max) => {
        const result = shorten(value, max);
        expect(characterCount(result)).toBeLessThanOrEqual(max);
        if (characterCount(value) <= max) {
          expect(result).toBe(value);
          return;
        }
        expect(result.endsWith("…")).toBe(true);
        const kept = result.slice(0, -1);
        expect(value.startsWith(kept)).toBe(true);
        // Where the kept text ends, the original text has a grapheme boundary.
        expect(graphemeBoundaries(value).has(kept.length)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

/**
 * Shorter than anyText: discord.js's escapeMarkdown (which showText runs on the whole text first)
 * is quadratic in the text's length, so thousands of characters take seconds.
 */
const shownText = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 300 }),
  fc.string({ unit: "binary", maxLength: 300 }),
  awkwardText(300),
  fc
    .tuple(fc.constantFrom(...awkward), fc.integer({ min: 1, max: 300 }), awkwardText(20))
    .map(([part, times, tail]) => part.repeat(times) + tail),
);

/** No grapheme longer than 8 characters (one can be any length: a letter and 1000 accents). */
const smallGraphemes = (value: string) =>
  [...graphemes.segment(value)].every(({ segment }) => characterCount(segment) <= 8);

describe("showText", () => {
  it("stays within max and leaves no mention syntax unescaped", () => {
    fc.assert(
      fc.property(shownText, fc.integer({ min: 1, max: 400 }), (value, max) => {
        const result = showText(value, max);
        expect(characterCount(result)).toBeLessThanOrEqual(max);
        expect(unescapedMentions(result)).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it("keeps a fair part of a long text: escaping at most doubles it, so at least max/4", () => {
    fc.assert(
      fc.property(
        shownText.filter(smallGraphemes),
        fc.integer({ min: 40, max: 400 }),
        (value, max) => {
          if (characterCount(asTyped(value)) <= max) return;
          const result = showText(value, max);
          expect({ value, max, result, kept: characterCount(result) }).toEqual({
            value,
            max,
            result,
            kept: expect.toSatisfy((kept: number) => kept >= Math.floor(max / 4) - 8),
          });
        },
      ),
      { numRuns: 300 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Embeds: whatever renderers produce, the payload stays within Discord's limits.

/** Text of any length up to `max`, cheap to build even when long. */
const sizedText = (max: number) =>
  fc.oneof(
    fc.string({ unit: "grapheme", maxLength: Math.min(max, 80) }),
    fc
      .tuple(fc.constantFrom(...awkward), fc.integer({ min: 0, max }))
      .map(([part, times]) => part.repeat(Math.ceil(times / Math.max(1, part.length)))),
  );

const embedArbitrary: fc.Arbitrary<APIEmbed> = fc.record(
  {
    title: sizedText(400),
    description: sizedText(6000),
    footer: fc.record({ text: sizedText(3000) }),
    author: fc.record({ name: sizedText(400) }),
    fields: fc.array(
      fc.record({ name: sizedText(400), value: sizedText(1500), inline: fc.boolean() }),
      { maxLength: 50 },
    ),
  },
  { requiredKeys: [] },
);

function embedTotal(embeds: readonly APIEmbed[]): number {
  return embeds.reduce(
    (sum, embed) =>
      sum +
      characterCount(embed.title ?? "") +
      characterCount(embed.description ?? "") +
      characterCount(embed.footer?.text ?? "") +
      characterCount(embed.author?.name ?? "") +
      (embed.fields ?? []).reduce(
        (fields, field) => fields + characterCount(field.name) + characterCount(field.value),
        0,
      ),
    0,
  );
}

describe("fitEmbeds", () => {
  it("always satisfies every Discord embed limit", () => {
    fc.assert(
      fc.property(fc.array(embedArbitrary, { maxLength: 12 }), (embeds) => {
        const fitted = fitEmbeds(embeds);
        expect(fitted.length).toBeLessThanOrEqual(limits.embedsPerMessage);
        for (const embed of fitted) {
          expect(characterCount(embed.title ?? "")).toBeLessThanOrEqual(256);
          expect(characterCount(embed.description ?? "")).toBeLessThanOrEqual(4096);
          expect(characterCount(embed.footer?.text ?? "")).toBeLessThanOrEqual(2048);
          expect(characterCount(embed.author?.name ?? "")).toBeLessThanOrEqual(256);
          expect((embed.fields ?? []).length).toBeLessThanOrEqual(25);
          for (const field of embed.fields ?? []) {
            expect(characterCount(field.name)).toBeLessThanOrEqual(256);
            expect(characterCount(field.value)).toBeLessThanOrEqual(1024);
          }
        }
        expect(embedTotal(fitted)).toBeLessThanOrEqual(6000);
      }),
      { numRuns: 100 },
    );
  });

  it("never empties a part that had text (Discord refuses empty field names and values)", () => {
    fc.assert(
      fc.property(fc.array(embedArbitrary, { minLength: 1, maxLength: 10 }), (embeds) => {
        const fitted = fitEmbeds(embeds);
        fitted.forEach((embed, index) => {
          const original = embeds[index];
          (embed.fields ?? []).forEach((field, fieldIndex) => {
            const before = original?.fields?.[fieldIndex];
            if (before?.name) expect(field.name).not.toBe("");
            if (before?.value) expect(field.value).not.toBe("");
          });
          if (original?.title) expect(embed.title).not.toBe("");
          if (original?.description) expect(embed.description).not.toBe("");
        });
      }),
      { numRuns: 50 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Option schemas: they answer success or failure, never throw, and accept exactly what they say.

const anyValue = fc.oneof(
  fc.anything(),
  anyText,
  fc.double(),
  fc.integer(),
  fc.constantFrom(
    NaN,
    Infinity,
    -Infinity,
    -0,
    2 ** 31,
    -(2 ** 31),
    2 ** 31 - 1,
    2 ** 53,
    -(2 ** 53),
    2 ** 53 + 2,
    Number.MAX_VALUE,
    Number.MIN_VALUE,
    "",
    " ",
    "5",
    null,
    undefined,
    true,
    [],
    {},
  ),
);

const schemas: Record<string, z.ZodType> = {
  "text(100)": text(100),
  "text(1)": text(1),
  "optionalText(200)": optionalText(200),
  httpUrl,
  "integer(1, 1e9)": integer(1, 1_000_000_000),
  "integer(-1e9, 1e9)": integer(-1_000_000_000, 1_000_000_000),
  snowflake,
};

const t = translator("en");

describe("option schemas", () => {
  it.each(Object.entries(schemas))("%s never throws: success or failure only", (_name, schema) => {
    fc.assert(
      fc.property(anyValue, (value) => {
        const result = schema.safeParse(value);
        expect(typeof result.success).toBe("boolean");
      }),
      { numRuns: 300 },
    );
  });

  it("parseOptions refuses anything with a validation message the member can read", () => {
    const schema = z.object({
      title: text(100),
      goal: integer(1, 1_000_000_000),
      link: httpUrl.optional(),
      note: optionalText(200),
    });
    fc.assert(
      fc.property(
        fc.record(
          { title: anyValue, goal: anyValue, link: anyValue, note: anyValue },
          { requiredKeys: [] },
        ),
        (values) => {
          try {
            parseOptions(schema, values);
          } catch (error) {
            expect(error).toBeInstanceOf(UserError);
            const { key, params } = error as UserError;
            expect(key).toMatch(/^validation\./);
            // A key with a translation, every placeholder filled.
            expect(t(key, params)).not.toMatch(/validation\.|\{\{/);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("text(max) accepts trimmed text, without NUL, with something visible and at most max characters", () => {
    const invisible = /^[\p{White_Space}\p{Cf}]*$/u;
    fc.assert(
      fc.property(
        fc.oneof(anyText, awkwardText(10), fc.constantFrom(" \u200b ", "\u202e", "\ufeff\u2066")),
        fc.integer({ min: 1, max: 300 }),
        (value, max) => {
          const result = text(max).safeParse(value);
          const trimmed = value.replaceAll("\u0000", "").trim();
          const expected = !invisible.test(trimmed) && characterCount(trimmed) <= max;
          expect(result.success).toBe(expected);
          if (result.success) expect(result.data).toBe(trimmed);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("integer(min, max) accepts exactly the whole numbers from min to max", () => {
    const bound = fc.integer({ min: -(2 ** 31), max: 2 ** 31 });
    const ranges = fc.oneof(
      fc.constantFrom<[number, number]>(
        [1, 1_000_000_000],
        [-1_000_000_000, 1_000_000_000],
        [0, 1_000_000_000],
        [1, 30],
        [1, 3650],
        [1, 50],
      ),
      fc.tuple(bound, bound).map(([a, b]): [number, number] => [Math.min(a, b), Math.max(a, b)]),
    );
    fc.assert(
      fc.property(ranges, anyValue, ([min, max], value) => {
        const candidates = [value, min, max, min - 1, max + 1, min + 0.5, max - 0.5];
        for (const candidate of candidates) {
          const expected =
            typeof candidate === "number" &&
            Number.isSafeInteger(candidate) &&
            candidate >= min &&
            candidate <= max;
          expect(integer(min, max).safeParse(candidate).success).toBe(expected);
        }
      }),
      { numRuns: 300 },
    );
  });
});

/** A host with at least two labels, none empty ("example.org", "1.2.3.4", "example.org."). */
function isDottedHost(hostname: string): boolean {
  const labels = hostname.replace(/\.$/, "").split(".");
  if (labels.length < 2 || labels.some((label) => label.length === 0)) return false;
  // A host whose last label is a number is an IPv4 address or no host at all (WHATWG URL).
  if (/^\d+$/.test(labels.at(-1) ?? "")) {
    return (
      labels.length === 4 && labels.every((label) => /^\d+$/.test(label) && Number(label) <= 255)
    );
  }
  return true;
}

const label = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,8}[a-z0-9])?$/);

describe("httpUrl", () => {
  const scheme = fc.constantFrom(
    "http://",
    "https://",
    "HTTP://",
    "HtTpS://",
    "javascript:",
    "javascript://",
    "ftp://",
    "file://",
    "data:",
    "mailto:",
    "ws://",
    "wss://",
    "",
    "//",
  );
  const host = fc.oneof(
    fc.array(label, { minLength: 2, maxLength: 4 }).map((labels) => labels.join(".")),
    label,
    fc.constantFrom(
      "localhost",
      "127.0.0.1",
      "[::1]",
      "",
      ".",
      "..",
      "a.",
      ".com",
      "a..b",
      "localhost.",
      "user:pw@example.org",
      "example.org:8080",
    ),
  );
  const rest = fc.constantFrom(
    "",
    "/",
    "/petition",
    "/sign?ref=discord#top",
    "/a-b_c.~d/%20e",
    "?q=1&r=2",
  );

  it("accepts http and https addresses with a dotted host, nothing else", () => {
    fc.assert(
      fc.property(scheme, host, rest, fc.constantFrom("", " ", "  \n"), (s, h, r, pad) => {
        const value = `${pad}${s}${h}${r}${pad}`;
        const hostname = h.replace(/^.*@/, "").replace(/:\d+$/, "");
        const expected =
          /^https?:\/\/$/i.test(s) && isDottedHost(hostname) && value.trim().length <= 512;
        expect({ value, accepted: httpUrl.safeParse(value).success }).toEqual({
          value,
          accepted: expected,
        });
      }),
      { numRuns: 300 },
    );
  });

  it("accepts only links that stay one piece in an embed url and in <link> (no spaces, no < >)", () => {
    const tail = fc.oneof(anyText, awkwardText(8));
    fc.assert(
      fc.property(fc.constantFrom("http://", "https://"), tail, (s, r) => {
        const value = `${s}example.org/${r}`;
        const parsed = httpUrl.safeParse(value);
        if (!parsed.success) return;
        const url = new URL(parsed.data);
        expect(["http:", "https:"]).toContain(url.protocol);
        expect(isDottedHost(url.hostname)).toBe(true);
        // Stored as typed, it is posted raw: as an embed's url, inside <…>, in summary fields.
        expect(parsed.data).not.toMatch(/[\s<>\p{Cc}]/u);
      }),
      { numRuns: 300 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Dates and schedules, in every zone this runtime knows.

const zones = timeZoneNames();
const minute = 60_000;
const hour = 60 * minute;
const day = 24 * hour;

const wallClockFormats = new Map<string, Intl.DateTimeFormat>();

/** The local wall-clock time of an instant in a zone, as milliseconds of a UTC "naive" date. */
function wallClock(instant: number, zone: string): number {
  let format = wallClockFormats.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    wallClockFormats.set(zone, format);
  }
  const parts: Record<string, number> = {};
  for (const part of format.formatToParts(new Date(instant))) parts[part.type] = Number(part.value);
  return Date.UTC(
    parts["year"] ?? 0,
    (parts["month"] ?? 1) - 1,
    parts["day"] ?? 1,
    parts["hour"] ?? 0,
    parts["minute"] ?? 0,
    parts["second"] ?? 0,
  );
}

function offsetAt(instant: number, zone: string): number {
  const whole = Math.floor(instant / 1000) * 1000;
  return wallClock(whole, zone) - whole;
}

/** The instants in [from, to) where the zone's offset changes, found to the second. */
function transitions(zone: string, from: number, to: number): number[] {
  const found: number[] = [];
  let previous = offsetAt(from, zone);
  for (let at = from + day; at <= to; at += day) {
    const offset = offsetAt(at, zone);
    if (offset === previous) continue;
    let [low, high] = [at - day, at];
    while (high - low > 1000) {
      const middle = Math.floor((low + high) / 2000) * 1000;
      if (offsetAt(middle, zone) === previous) low = middle;
      else high = middle;
    }
    found.push(high);
    previous = offset;
  }
  return found;
}

const year1970 = Date.UTC(1970, 0, 1);
const year2100 = Date.UTC(2100, 0, 1);

const nearChanges = fc.record({
  zone: fc.constantFrom(...zones),
  uniform: fc.integer({ min: year1970 + day, max: year2100 - day }),
  nearChange: fc.boolean(),
  year: fc.integer({ min: 1970, max: 2099 }),
  pick: fc.nat(),
  shift: fc.integer({ min: -3 * 60, max: 3 * 60 }),
});

/** One of the zone's offset changes in that year, if it has any. */
function changeIn(zone: string, year: number, pick: number): number | undefined {
  const changes = transitions(zone, Date.UTC(year, 0, 1), Date.UTC(year + 1, 0, 1));
  return changes[pick % Math.max(1, changes.length)];
}

/**
 * An instant from 1970–2100 in a zone: half uniformly at random, half within a few hours of one
 * of the zone's offset changes.
 */
const instantInZone = nearChanges.map(({ zone, uniform, nearChange, year, pick, shift }) => {
  const change = nearChange ? changeIn(zone, year, pick) : undefined;
  return { zone, instant: change === undefined ? uniform : change + shift * minute };
});

/**
 * A wall-clock time (whole minute, as a naive UTC date) from 1970–2100 in a zone: half at random,
 * half within a few hours of a change of offset, where local times are skipped or repeated.
 */
const wallInZone = nearChanges.map(({ zone, uniform, nearChange, year, pick, shift }) => {
  const change = nearChange ? changeIn(zone, year, pick) : undefined;
  // The clock just before the change, in the old offset, then a few hours either way.
  const base = change === undefined ? wallClock(uniform, zone) : wallClock(change - 1000, zone);
  return { zone, wall: Math.floor(base / minute) * minute + shift * minute };
});

const pad = (value: number, width = 2) => String(value).padStart(width, "0");

/** "YYYY-MM-DD HH:MM" of a naive wall-clock time. */
function typed(wall: number): string {
  const date = new Date(wall);
  return `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}`;
}

/** Every instant that the zone shows as this wall-clock time, earliest first. */
function instantsShowing(wall: number, zone: string): number[] {
  const offsets = new Set<number>();
  for (let hours = -36; hours <= 36; hours += 3) offsets.add(offsetAt(wall + hours * hour, zone));
  return [...offsets]
    .map((offset) => wall - offset)
    .filter((instant) => wallClock(instant, zone) === wall)
    .sort((a, b) => a - b);
}

describe("parseLocalDateTime", () => {
  it("reads back to the typed minute, moves forward by a gap, or refuses with validation.date", () => {
    const seen = { gap: 0, repeated: 0 };
    fc.assert(
      fc.property(
        wallInZone,
        fc.constantFrom("time", "time", "dateOnly", "oneDigitHour", "T"),
        ({ zone, wall: generated }, form) => {
          // The wall-clock time typed (a date alone means 23:59 of that day).
          const wall =
            form === "dateOnly"
              ? Math.floor(generated / day) * day + 23 * hour + 59 * minute
              : generated;
          const typedText = typed(wall);
          const typedDay = typedText.slice(0, 10);
          const input =
            form === "dateOnly"
              ? typedText.slice(0, 10)
              : form === "T"
                ? typedText.replace(" ", "T")
                : form === "oneDigitHour"
                  ? typedText.replace(/ 0(\d):/, " $1:")
                  : typedText;
          let result: Date;
          try {
            // A clock on the typed day: this reads the calendar, not the bound (tested below).
            result = parseLocalDateTime(input, {
              option: "ends",
              zone,
              now: new Date(wall),
              past: "allowed",
            });
          } catch (error) {
            expect(error).toBeInstanceOf(UserError);
            expect((error as UserError).key).toBe("validation.date");
            // Refused only when the typed minute does not exist there and the clocks' jump
            // carries it into another day.
            expect(instantsShowing(wall, zone)).toEqual([]);
            return;
          }
          const shown = formatLocalDateTime(result, zone);
          const existing = instantsShowing(wall, zone);
          if (existing.length > 1) seen.repeated += 1;
          if (existing.length > 0) {
            // The typed minute, at its first occurrence when the clocks fall back.
            expect({ input, zone, shown }).toEqual({ input, zone, shown: typedText });
            expect(result.getTime()).toBe(existing[0]);
            return;
          }
          // A gap: moved forward by exactly the size of the jump, on the same day.
          seen.gap += 1;
          const gap = wallClock(result.getTime(), zone) - wall;
          expect(gap).toBeGreaterThan(0);
          expect(offsetAt(result.getTime(), zone) - offsetAt(result.getTime() - gap, zone)).toBe(
            gap,
          );
          expect(shown.slice(0, 10)).toBe(typedDay);
        },
      ),
      { numRuns: 300 },
    );
    // Not vacuous: the runs went through gaps and through repeated hours.
    expect(seen.gap).toBeGreaterThan(0);
    expect(seen.repeated).toBeGreaterThan(0);
  });

  // Counterexamples of the property above. Luxon guesses a local time's offset from the zone's
  // offset NOW; where a zone's offsets then were neither of today's (Soviet Kyiv in 1981,
  // Greenland in 2000), a time that existed is refused. Which times go wrong depends on the day
  // the code runs, so the clock luxon reads is pinned.
  it.each([
    ["1981-03-31 23:59", "Europe/Kyiv", "1981-03-31T20:59:00.000Z", "2026-01-15T12:00:00Z"],
    ["1981-03-31", "Europe/Kyiv", "1981-03-31T20:59:00.000Z", "2026-01-15T12:00:00Z"],
    [
      "2000-03-25 23:59",
      "America/Scoresbysund",
      "2000-03-26T00:59:00.000Z",
      "2026-01-15T12:00:00Z",
    ],
    ["2000-10-28 23:14", "America/Godthab", "2000-10-29T02:14:00.000Z", "2026-07-15T12:00:00Z"],
  ])("reads %s in %s as %s (luxon's now: %s)", (input, zone, instant, now) => {
    // The zone did show that time at that instant, and at no earlier one.
    const wall = Date.parse(`${input.length === 10 ? `${input} 23:59` : input}Z`.replace(" ", "T"));
    expect(instantsShowing(wall, zone)[0]).toBe(Date.parse(instant));
    const realNow = Settings.now;
    Settings.now = () => Date.parse(now);
    let read: string;
    try {
      read = parseLocalDateTime(input, {
        option: "ends",
        zone,
        now: new Date(instant),
        past: "allowed",
      }).toISOString();
    } catch (error) {
      read = `refused: ${String(error)}`;
    } finally {
      Settings.now = realNow;
    }
    expect(read).toBe(instant);
  });

  it("refuses anything else with validation.date or the bound, never another error, and takes nothing past the bound", () => {
    const now = new Date("2026-06-15T12:00:00Z");
    // Five years, the rest of the last local day, and a zone's offset from UTC: a loose ceiling.
    const fiveYears = (5 * 366 + 2) * day;
    const dateLike = fc
      .tuple(
        fc.oneof(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 2019, max: 2034 })),
        fc.integer({ min: 0, max: 99 }),
        fc.integer({ min: 0, max: 99 }),
        fc.option(fc.tuple(fc.integer({ min: 0, max: 99 }), fc.integer({ min: 0, max: 99 }))),
      )
      .map(
        ([y, m, d, time]) =>
          `${pad(y, 4)}-${pad(m)}-${pad(d)}${time ? ` ${time[0]}:${pad(time[1])}` : ""}`,
      );
    const seen = { taken: 0, tooLate: 0, tooEarly: 0 };
    fc.assert(
      fc.property(fc.oneof(anyText, dateLike), fc.constantFrom(...zones), (input, zone) => {
        try {
          const result = parseLocalDateTime(input, { option: "due", zone, now, past: "allowed" });
          seen.taken += 1;
          expect(Number.isNaN(result.getTime())).toBe(false);
          expect(Math.abs(result.getTime() - now.getTime())).toBeLessThanOrEqual(fiveYears);
        } catch (error) {
          expect(error).toBeInstanceOf(UserError);
          const { key } = error as UserError;
          expect([
            "validation.date",
            "validation.dateTooLate",
            "validation.dateTooEarly",
          ]).toContain(key);
          if (key === "validation.dateTooLate") seen.tooLate += 1;
          if (key === "validation.dateTooEarly") seen.tooEarly += 1;
        }
      }),
      { numRuns: 300 },
    );
    // Not vacuous: dates were taken and refused on both sides of the bound.
    expect(seen.taken).toBeGreaterThan(0);
    expect(seen.tooLate).toBeGreaterThan(0);
    expect(seen.tooEarly).toBeGreaterThan(0);
  });
});

describe("nextSlot", () => {
  const schedule = fc.record({
    time: fc
      .tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }))
      .map(([h, m]) => `${pad(h)}:${pad(m)}`),
    days: fc.constantFrom<ScheduleDays>("daily", "weekdays", "weekly"),
  });

  it("is strictly after `after`, within 8 days, and walks forward one local date at a time", () => {
    fc.assert(
      fc.property(schedule, instantInZone, ({ time, days }, { zone, instant }) => {
        const plan: LocalSchedule = { time, days, timeZone: zone };
        let after = new Date(instant);
        let previous: string | null = null;
        for (let step = 0; step < 4; step += 1) {
          const slot = nextSlot(plan, after);
          expect(slot.at.getTime()).toBeGreaterThan(after.getTime());
          expect(slot.at.getTime() - after.getTime()).toBeLessThanOrEqual(8 * day);
          expect(slot.slot).toMatch(/^\d{4}-\d{2}-\d{2}$/);
          const weekday = new Date(`${slot.slot}T00:00:00Z`).getUTCDay();
          if (days === "weekly") expect(weekday).toBe(1);
          if (days === "weekdays") expect(weekday >= 1 && weekday <= 5).toBe(true);
          // Posted on its local date, or early the next one when a gap pushed it past midnight.
          const local = formatLocalDateTime(slot.at, zone).slice(0, 10);
          const nextDay = new Date(Date.parse(`${slot.slot}T00:00:00Z`) + day)
            .toISOString()
            .slice(0, 10);
          expect([slot.slot, nextDay]).toContain(local);
          if (previous !== null) expect(slot.slot > previous).toBe(true);
          // No slot between `after` and this one: the latest at its own instant is itself.
          expect(latestSlotAtOrBefore(plan, slot.at)?.slot).toBe(slot.slot);
          const before = latestSlotAtOrBefore(plan, after);
          if (before) expect(before.at.getTime()).toBeLessThanOrEqual(after.getTime());
          previous = slot.slot;
          after = slot.at;
        }
      }),
      { numRuns: 200 },
    );
  });
});
