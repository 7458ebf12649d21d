import { describe, expect, it } from "vitest";
import {
  canonicalTimeZone,
  formatLocalDateTime,
  isTimeZone,
  parseLocalDateTime,
  timeZoneNames,
} from "../../src/domain/dates.ts";
import { UserError } from "../../src/domain/errors.ts";

const parse = (text: string, zone: string) => parseLocalDateTime(text, zone, "ends").toISOString();

describe("a date alone means the end of that day in the server's time zone", () => {
  it.each([
    ["UTC", "2026-12-31T23:59:00.000Z"],
    ["Europe/Vilnius", "2026-12-31T21:59:00.000Z"],
    ["America/New_York", "2027-01-01T04:59:00.000Z"],
    ["Australia/Sydney", "2026-12-31T12:59:00.000Z"],
  ])("2026-12-31 in %s is 23:59 there (%s)", (zone, instant) => {
    const parsed = parseLocalDateTime("2026-12-31", zone, "ends");
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
    const parsed = parseLocalDateTime("2026-12-31 18:00", "Europe/Kyiv", "ends");
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
      parseLocalDateTime(text, "Europe/Vilnius", "ends_at");
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
    const parsed = parseLocalDateTime("2026-03-08 02:30", "America/New_York", "ends");
    expect(parsed.toISOString()).toBe("2026-03-08T07:30:00.000Z");
    expect(formatLocalDateTime(parsed, "America/New_York")).toBe("2026-03-08 03:30");
  });

  it("moves a time in the spring-forward gap forward by the gap (Sydney, southern hemisphere)", () => {
    // 02:00 → 03:00 on 4 October 2026: 02:30 becomes 03:30 AEDT (UTC+11).
    const parsed = parseLocalDateTime("2026-10-04 02:30", "Australia/Sydney", "ends");
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
