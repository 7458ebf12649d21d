import { describe, expect, it } from "vitest";
import {
  canonicalTimeZone,
  formatLocalDateTime,
  isTimeZone,
  parseLocalDateTime,
  timeZoneNames,
} from "../../src/domain/dates.ts";
import { UserError } from "../../src/domain/errors.ts";

/** The calendar reading itself: a clock near the dates typed, and past dates allowed. */
const near = new Date("2026-06-15T12:00:00Z");
const read = (text: string, zone: string, option = "ends") =>
  parseLocalDateTime(text, { option, zone, now: near, past: "allowed" });
const parse = (text: string, zone: string) => read(text, zone).toISOString();

describe("a date alone means the end of that day in the server's time zone", () => {
  it.each([
    ["UTC", "2026-12-31T23:59:00.000Z"],
    ["Europe/Vilnius", "2026-12-31T21:59:00.000Z"],
    ["America/New_York", "2027-01-01T04:59:00.000Z"],
    ["Australia/Sydney", "2026-12-31T12:59:00.000Z"],
  ])("2026-12-31 in %s is 23:59 there (%s)", (zone, instant) => {
    const parsed = read("2026-12-31", zone);
    expect(parsed.toISOString()).toBe(instant);
    expect(formatLocalDateTime(parsed, zone)).toBe("2026-12-31 23:59");
  });

  it("reads summer dates with the summer offset", () => {
    expect(parse("2026-07-01", "Europe/Vilnius")).toBe("2026-07-01T20:59:00.000Z");
    expect(parse("2026-07-01", "Australia/Sydney")).toBe("2026-07-01T13:59:00.000Z");
  });

  it("accepts 29 February in a leap year only", () => {
    expect(parse("2028-02-29", "UTC")).toBe("2028-02-29T23:59:00.000Z");
    expect(() => parse("2027-02-29", "UTC")).toThrow(UserError);
  });
});

describe("a date with a time", () => {
  it.each([
    ["2026-12-31 18:00", "Europe/Vilnius", "2026-12-31T16:00:00.000Z"],
    ["2026-12-31T18:00", "Europe/Vilnius", "2026-12-31T16:00:00.000Z"],
    ["2026-12-31 18:00", "America/New_York", "2026-12-31T23:00:00.000Z"],
    ["2026-12-31 18:00", "Australia/Sydney", "2026-12-31T07:00:00.000Z"],
    ["2026-12-31 18:00", "UTC", "2026-12-31T18:00:00.000Z"],
    ["2026-12-31 9:05", "UTC", "2026-12-31T09:05:00.000Z"],
    ["2026-12-31 00:00", "UTC", "2026-12-31T00:00:00.000Z"],
    ["  2026-12-31 18:00  ", "UTC", "2026-12-31T18:00:00.000Z"],
  ])("%j in %s is %s", (text, zone, instant) => {
    expect(parse(text, zone)).toBe(instant);
  });

  it("crosses the year boundary when the zone is behind UTC", () => {
    expect(parse("2026-12-31 20:00", "America/New_York")).toBe("2027-01-01T01:00:00.000Z");
  });

  it("crosses the year boundary when the zone is ahead of UTC", () => {
    expect(parse("2027-01-01 08:00", "Australia/Sydney")).toBe("2026-12-31T21:00:00.000Z");
  });

  it("shows back as typed", () => {
    const parsed = read("2026-12-31 18:00", "Europe/Kyiv");
    expect(formatLocalDateTime(parsed, "Europe/Kyiv")).toBe("2026-12-31 18:00");
  });
});

describe("a date that cannot be read is refused, naming the option", () => {
  it.each([
    "2026-02-30",
    "2026-13-01",
    "2026-00-10",
    "2026-12-00",
    "31.12.2026",
    "12/31/2026",
    "2026-12-31 24:00",
    "2026-12-31 18:60",
    "2026-12-31 18",
    "2026-12-31 18:00:00",
    "tomorrow",
    "",
    "   ",
  ])("%j", (text) => {
    let caught: unknown;
    try {
      read(text, "Europe/Vilnius", "ends_at");
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(UserError);
    expect((caught as UserError).key).toBe("validation.date");
    expect((caught as UserError).params).toEqual({ option: "ends_at" });
  });
});

describe("daylight saving time", () => {
  it("moves a time in the spring-forward gap forward by the gap (New York)", () => {
    // 02:00 → 03:00 on 8 March 2026: 02:30 does not exist and becomes 03:30 EDT.
    const parsed = read("2026-03-08 02:30", "America/New_York");
    expect(parsed.toISOString()).toBe("2026-03-08T07:30:00.000Z");
    expect(formatLocalDateTime(parsed, "America/New_York")).toBe("2026-03-08 03:30");
  });

  it("moves a time in the spring-forward gap forward by the gap (Sydney, southern hemisphere)", () => {
    // 02:00 → 03:00 on 4 October 2026: 02:30 becomes 03:30 AEDT (UTC+11).
    const parsed = read("2026-10-04 02:30", "Australia/Sydney");
    expect(parsed.toISOString()).toBe("2026-10-03T16:30:00.000Z");
    expect(formatLocalDateTime(parsed, "Australia/Sydney")).toBe("2026-10-04 03:30");
  });

  it("moves a time in the spring-forward gap forward by the gap (Vilnius)", () => {
    // 03:00 → 04:00 on 29 March 2026.
    expect(parse("2026-03-29 03:30", "Europe/Vilnius")).toBe("2026-03-29T01:30:00.000Z");
  });

  it("reads a fall-back time that happens twice as its first occurrence (New York)", () => {
    // 01:00–02:00 happens twice on 1 November 2026: first in EDT (UTC−4), then in EST (UTC−5).
    expect(parse("2026-11-01 01:30", "America/New_York")).toBe("2026-11-01T05:30:00.000Z");
  });

  it("reads times just outside the fall-back hour unambiguously", () => {
    expect(parse("2026-11-01 00:59", "America/New_York")).toBe("2026-11-01T04:59:00.000Z");
    expect(parse("2026-11-01 02:00", "America/New_York")).toBe("2026-11-01T07:00:00.000Z");
  });
});

describe("time zone names", () => {
  it.each(["Europe/Kyiv", "Europe/Vilnius", "America/New_York", "Australia/Sydney", "UTC"])(
    "%s is a time zone",
    (zone) => {
      expect(isTimeZone(zone)).toBe(true);
    },
  );

  it.each(["Mars/Olympus", "", "Europe/Atlantis", "GMT+25"])("%j is not a time zone", (zone) => {
    expect(isTimeZone(zone)).toBe(false);
  });
});

describe("a time zone as the server typed it is shown with its proper spelling", () => {
  it.each([
    ["europe/kyiv", "Europe/Kyiv"],
    ["EUROPE/VILNIUS", "Europe/Vilnius"],
    ["america/new_york", "America/New_York"],
    ["  Australia/Sydney  ", "Australia/Sydney"],
    ["utc", "UTC"],
  ])("%j is shown as %s", (typed, shown) => {
    expect(canonicalTimeZone(typed)).toBe(shown);
  });

  it("spells an old name typed in lower case properly too", () => {
    // "Europe/Kiev" was renamed "Europe/Kyiv"; either proper spelling is fine, lower case is not.
    expect(canonicalTimeZone("europe/kiev")).toBeOneOf(["Europe/Kyiv", "Europe/Kiev"]);
  });

  it.each(["Mars/Olympus", "", "   "])("%j is no time zone", (typed) => {
    expect(canonicalTimeZone(typed)).toBeNull();
  });

  it("offers today's name of a renamed zone in the list, and UTC", () => {
    const names = timeZoneNames();
    expect(names).toContain("Europe/Kyiv");
    expect(names).not.toContain("Europe/Kiev");
    expect(names).toContain("UTC");
    expect(new Set(names).size).toBe(names.length);
  });
});

/** What the parser threw, as the member would read it: key and parameters. */
function refusal(work: () => unknown): { key: string; params: unknown } | "taken" {
  try {
    work();
    return "taken";
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    return { key: error.key, params: error.params };
  }
}

describe("every typed date is within five years of now, in the server's days", () => {
  const now = new Date("2026-12-01T12:00:00Z");
  const at = (text: string, zone: string, past: "allowed" | "task.duePast" = "allowed") =>
    parseLocalDateTime(text, { option: "due", zone, now, past });

  it.each(["UTC", "Europe/Vilnius", "America/New_York", "Australia/Sydney"])(
    "in %s the last day taken is 2031-12-01, to its last minute",
    (zone) => {
      expect(formatLocalDateTime(at("2031-12-01", zone), zone)).toBe("2031-12-01 23:59");
      expect(formatLocalDateTime(at("2031-12-01 23:59", zone), zone)).toBe("2031-12-01 23:59");
      const tooLate = {
        key: "validation.dateTooLate",
        params: { option: "due", latest: "2031-12-01" },
      };
      for (const text of ["2031-12-02 00:00", "2031-12-02", "2032-01-01", "9999-12-31"]) {
        expect({ text, refused: refusal(() => at(text, zone)) }).toEqual({
          text,
          refused: tooLate,
        });
      }
    },
  );

  it.each(["UTC", "Europe/Vilnius", "America/New_York", "Australia/Sydney"])(
    "in %s the first day taken, when the past is allowed, is 2021-12-01, from its first minute",
    (zone) => {
      expect(formatLocalDateTime(at("2021-12-01 00:00", zone), zone)).toBe("2021-12-01 00:00");
      const tooEarly = {
        key: "validation.dateTooEarly",
        params: { option: "due", earliest: "2021-12-01" },
      };
      for (const text of ["2021-11-30 23:59", "2021-11-30", "1970-01-01", "0001-01-01"]) {
        expect({ text, refused: refusal(() => at(text, zone)) }).toEqual({
          text,
          refused: tooEarly,
        });
      }
    },
  );

  it("counts the five years from the server's today, not UTC's", () => {
    // 02:00 UTC on 1 December is still 30 November in New York, already 1 December in Sydney.
    const early = new Date("2026-12-01T02:00:00Z");
    const last = (zone: string) =>
      refusal(() =>
        parseLocalDateTime("2031-12-01", { option: "ends", zone, now: early, past: "allowed" }),
      );
    expect(last("America/New_York")).toEqual({
      key: "validation.dateTooLate",
      params: { option: "ends", latest: "2031-11-30" },
    });
    expect(last("Australia/Sydney")).toBe("taken");
  });

  it("from 29 February, five years on is 28 February", () => {
    const leap = new Date("2028-02-29T12:00:00Z");
    const last = (text: string) =>
      refusal(() =>
        parseLocalDateTime(text, { option: "due", zone: "UTC", now: leap, past: "allowed" }),
      );
    expect(last("2033-02-28")).toBe("taken");
    expect(last("2033-03-01")).toEqual({
      key: "validation.dateTooLate",
      params: { option: "due", latest: "2033-02-28" },
    });
  });

  it("refuses a date not after now with the option's own message when the past is not allowed", () => {
    const zone = "America/New_York";
    for (const text of ["0001-01-01", "2026-11-30", "2026-12-01 07:00"]) {
      expect({ text, refused: refusal(() => at(text, zone, "task.duePast")) }).toEqual({
        text,
        refused: { key: "task.duePast", params: {} },
      });
    }
    expect(at("2026-12-01 07:01", zone, "task.duePast").toISOString()).toBe(
      "2026-12-01T12:01:00.000Z",
    );
    // The bound ahead holds all the same.
    expect(refusal(() => at("9999-12-31", zone, "task.duePast"))).toEqual({
      key: "validation.dateTooLate",
      params: { option: "due", latest: "2031-12-01" },
    });
  });

  it("still refuses what is not a date first, naming the option", () => {
    expect(refusal(() => at("31.12.2026", "UTC", "task.duePast"))).toEqual({
      key: "validation.date",
      params: { option: "due" },
    });
  });
});
