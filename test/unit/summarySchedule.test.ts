import { DateTime } from "luxon";
import { describe, expect, it } from "vitest";
import { UserError } from "../../src/domain/errors.ts";
import {
  catchUp,
  formatLocalTime,
  latestSlotAtOrBefore,
  nextSlot,
  parseLocalTime,
  type LocalSchedule,
  type ScheduleDays,
} from "../../src/domain/summarySchedule.ts";

const at = (iso: string) => new Date(iso);
const schedule = (timeZone: string, time: string, days: ScheduleDays = "daily"): LocalSchedule => ({
  time,
  days,
  timeZone,
});

/** Successive nextSlot calls, each after the previous slot's instant, as the scheduler makes them. */
function walk(plan: LocalSchedule, from: string, count: number): [string, string][] {
  const slots: [string, string][] = [];
  let after = at(from);
  for (let i = 0; i < count; i += 1) {
    const next = nextSlot(plan, after);
    slots.push([next.slot, next.at.toISOString()]);
    after = next.at;
  }
  return slots;
}

function expectIncreasing(slots: [string, string][]) {
  slots.slice(1).forEach(([slot, instant], i) => {
    const [previousSlot, previousInstant] = slots[i] ?? ["", ""];
    expect(slot > previousSlot).toBe(true);
    expect(Date.parse(instant) > Date.parse(previousInstant)).toBe(true);
  });
}

describe("parseLocalTime", () => {
  it.each([
    ["00:00", 0, 0],
    ["07:05", 7, 5],
    ["7:05", 7, 5],
    [" 07:05 ", 7, 5],
    ["12:30", 12, 30],
    ["23:59", 23, 59],
  ])("reads %j as %i:%i", (text, hour, minute) => {
    expect(parseLocalTime(text)).toEqual({ hour, minute });
  });

  it.each([
    "24:00",
    "7:5",
    "ab:cd",
    "12:60",
    "",
    " ",
    "0705",
    "07:05:00",
    "07.05",
    "-1:00",
    "+7:05",
    "007:05",
    "7 pm",
    "٠٧:٠٥",
  ])("refuses %j with summary.badTime", (text) => {
    expect(() => parseLocalTime(text)).toThrow(UserError);
    expect(() => parseLocalTime(text)).toThrow(
      expect.objectContaining({ key: "summary.badTime", params: { time: text } }),
    );
  });

  it("formats the stored spelling with two-digit hours", () => {
    expect(formatLocalTime(parseLocalTime("7:05"))).toBe("07:05");
    expect(formatLocalTime(parseLocalTime("23:59"))).toBe("23:59");
  });
});

describe("one post per local day across clock changes", () => {
  it.each([
    {
      name: "New York springs forward: 02:30 does not exist, posts at 03:30 EDT",
      plan: schedule("America/New_York", "02:30"),
      from: "2026-03-07T00:00:00Z",
      slots: [
        ["2026-03-07", "2026-03-07T07:30:00.000Z"],
        ["2026-03-08", "2026-03-08T07:30:00.000Z"],
        ["2026-03-09", "2026-03-09T06:30:00.000Z"],
      ],
    },
    {
      name: "New York falls back: 01:30 happens twice, posts at the first (EDT)",
      plan: schedule("America/New_York", "01:30"),
      from: "2026-10-31T00:00:00Z",
      slots: [
        ["2026-10-31", "2026-10-31T05:30:00.000Z"],
        ["2026-11-01", "2026-11-01T05:30:00.000Z"],
        ["2026-11-02", "2026-11-02T06:30:00.000Z"],
      ],
    },
    {
      name: "Vilnius springs forward: 03:30 does not exist, posts at 04:30 EEST",
      plan: schedule("Europe/Vilnius", "03:30"),
      from: "2026-03-28T00:00:00Z",
      slots: [
        ["2026-03-28", "2026-03-28T01:30:00.000Z"],
        ["2026-03-29", "2026-03-29T01:30:00.000Z"],
        ["2026-03-30", "2026-03-30T00:30:00.000Z"],
      ],
    },
    {
      name: "Vilnius falls back: 03:30 happens twice, posts at the first (EEST)",
      plan: schedule("Europe/Vilnius", "03:30"),
      from: "2026-10-24T00:00:00Z",
      slots: [
        ["2026-10-24", "2026-10-24T00:30:00.000Z"],
        ["2026-10-25", "2026-10-25T00:30:00.000Z"],
        ["2026-10-26", "2026-10-26T01:30:00.000Z"],
      ],
    },
    {
      name: "Sydney springs forward in October: 02:30 posts at 03:30 AEDT",
      plan: schedule("Australia/Sydney", "02:30"),
      from: "2026-10-02T00:00:00Z",
      slots: [
        ["2026-10-03", "2026-10-02T16:30:00.000Z"],
        ["2026-10-04", "2026-10-03T16:30:00.000Z"],
        ["2026-10-05", "2026-10-04T15:30:00.000Z"],
      ],
    },
    {
      name: "Sydney falls back in April: 02:30 happens twice, posts at the first (AEDT)",
      plan: schedule("Australia/Sydney", "02:30"),
      from: "2026-04-03T00:00:00Z",
      slots: [
        ["2026-04-04", "2026-04-03T15:30:00.000Z"],
        ["2026-04-05", "2026-04-04T15:30:00.000Z"],
        ["2026-04-06", "2026-04-05T16:30:00.000Z"],
      ],
    },
    {
      name: "Chatham springs forward at 02:45 (+12:45 → +13:45): 03:00 posts at 04:00",
      plan: schedule("Pacific/Chatham", "03:00"),
      from: "2026-09-25T00:00:00Z",
      slots: [
        ["2026-09-26", "2026-09-25T14:15:00.000Z"],
        ["2026-09-27", "2026-09-26T14:15:00.000Z"],
        ["2026-09-28", "2026-09-27T13:15:00.000Z"],
      ],
    },
    {
      name: "Chatham falls back at 03:45: 03:00 happens twice, posts at the first (+13:45)",
      plan: schedule("Pacific/Chatham", "03:00"),
      from: "2026-04-03T00:00:00Z",
      slots: [
        ["2026-04-04", "2026-04-03T13:15:00.000Z"],
        ["2026-04-05", "2026-04-04T13:15:00.000Z"],
        ["2026-04-06", "2026-04-05T14:15:00.000Z"],
      ],
    },
    {
      name: "Kolkata has no DST (+05:30)",
      plan: schedule("Asia/Kolkata", "09:00"),
      from: "2026-03-28T00:00:00Z",
      slots: [
        ["2026-03-28", "2026-03-28T03:30:00.000Z"],
        ["2026-03-29", "2026-03-29T03:30:00.000Z"],
        ["2026-03-30", "2026-03-30T03:30:00.000Z"],
      ],
    },
    {
      name: "Kathmandu has no DST (+05:45)",
      plan: schedule("Asia/Kathmandu", "00:10"),
      from: "2026-10-24T00:00:00Z",
      slots: [
        ["2026-10-25", "2026-10-24T18:25:00.000Z"],
        ["2026-10-26", "2026-10-25T18:25:00.000Z"],
        ["2026-10-27", "2026-10-26T18:25:00.000Z"],
      ],
    },
    {
      name: "UTC",
      plan: schedule("UTC", "00:00"),
      from: "2026-03-28T00:00:00Z",
      slots: [
        ["2026-03-29", "2026-03-29T00:00:00.000Z"],
        ["2026-03-30", "2026-03-30T00:00:00.000Z"],
        ["2026-03-31", "2026-03-31T00:00:00.000Z"],
      ],
    },
    {
      name: "Santiago springs forward at midnight: 00:30 posts at 01:30",
      plan: schedule("America/Santiago", "00:30"),
      from: "2026-09-05T12:00:00Z",
      slots: [
        ["2026-09-06", "2026-09-06T04:30:00.000Z"],
        ["2026-09-07", "2026-09-07T03:30:00.000Z"],
      ],
    },
    {
      name: "Samoa skipped 2011-12-30 entirely: no slot for it, none doubled",
      plan: schedule("Pacific/Apia", "09:00"),
      from: "2011-12-29T00:00:00Z",
      slots: [
        ["2011-12-29", "2011-12-29T19:00:00.000Z"],
        ["2011-12-31", "2011-12-30T19:00:00.000Z"],
        ["2012-01-01", "2011-12-31T19:00:00.000Z"],
      ],
    },
  ])("$name", ({ plan, from, slots }) => {
    const walked = walk(plan, from, slots.length);
    expect(walked).toEqual(slots);
    expectIncreasing(walked);
  });

  it.each([
    [
      "before the first 01:30",
      "2026-11-01T05:29:59.999Z",
      "2026-11-01",
      "2026-11-01T05:30:00.000Z",
    ],
    ["at the first 01:30", "2026-11-01T05:30:00.000Z", "2026-11-02", "2026-11-02T06:30:00.000Z"],
    ["between the two", "2026-11-01T06:00:00.000Z", "2026-11-02", "2026-11-02T06:30:00.000Z"],
    ["at the second 01:30", "2026-11-01T06:30:00.000Z", "2026-11-02", "2026-11-02T06:30:00.000Z"],
  ])("never offers the second 01:30 of a fall-back day (after = %s)", (_, after, slot, instant) => {
    const next = nextSlot(schedule("America/New_York", "01:30"), at(after));
    expect([next.slot, next.at.toISOString()]).toEqual([slot, instant]);
  });

  it("is strictly after `after`: a slot at exactly `after` is not returned again", () => {
    const plan = schedule("Europe/Vilnius", "09:00");
    expect(nextSlot(plan, at("2026-06-01T05:59:59.999Z")).slot).toBe("2026-06-01");
    expect(nextSlot(plan, at("2026-06-01T06:00:00.000Z")).slot).toBe("2026-06-02");
  });

  it("crosses the year in the local zone", () => {
    expect(walk(schedule("UTC", "08:00"), "2026-12-30T12:00:00Z", 3)).toEqual([
      ["2026-12-31", "2026-12-31T08:00:00.000Z"],
      ["2027-01-01", "2027-01-01T08:00:00.000Z"],
      ["2027-01-02", "2027-01-02T08:00:00.000Z"],
    ]);
    // 23:30 on New Year's Eve in New York is already 2027 in UTC; the slot is the local date.
    expect(walk(schedule("America/New_York", "23:30"), "2026-12-31T12:00:00Z", 2)).toEqual([
      ["2026-12-31", "2027-01-01T04:30:00.000Z"],
      ["2027-01-01", "2027-01-02T04:30:00.000Z"],
    ]);
    // 08:00 on New Year's Day in Sydney is still 2026 in UTC.
    expect(walk(schedule("Australia/Sydney", "08:00"), "2026-12-30T00:00:00Z", 2)).toEqual([
      ["2026-12-31", "2026-12-30T21:00:00.000Z"],
      ["2027-01-01", "2026-12-31T21:00:00.000Z"],
    ]);
  });
});

describe("which days post, in the schedule's zone", () => {
  it("weekdays in New York: Friday 23:30 posts (Saturday in UTC), the weekend does not", () => {
    expect(
      walk(schedule("America/New_York", "23:30", "weekdays"), "2026-11-26T12:00:00Z", 3),
    ).toEqual([
      ["2026-11-26", "2026-11-27T04:30:00.000Z"],
      ["2026-11-27", "2026-11-28T04:30:00.000Z"],
      ["2026-11-30", "2026-12-01T04:30:00.000Z"],
    ]);
  });

  it("weekdays in Sydney: Monday 08:00 posts (Sunday in UTC), Saturday 08:00 does not (Friday in UTC)", () => {
    expect(
      walk(schedule("Australia/Sydney", "08:00", "weekdays"), "2026-11-26T12:00:00Z", 2),
    ).toEqual([
      ["2026-11-27", "2026-11-26T21:00:00.000Z"],
      ["2026-11-30", "2026-11-29T21:00:00.000Z"],
    ]);
  });

  it("weekdays over two weeks: ten posts, Monday to Friday only", () => {
    const slots = walk(schedule("Europe/Vilnius", "09:00", "weekdays"), "2026-03-22T00:00:00Z", 10);
    const weekdays = slots.map(([slot]) => DateTime.fromISO(slot).weekday);
    expect(weekdays).toEqual([1, 2, 3, 4, 5, 1, 2, 3, 4, 5]);
    expectIncreasing(slots);
  });

  it("weekly posts on Mondays only, across the New York spring-forward week", () => {
    expect(
      walk(schedule("America/New_York", "09:00", "weekly"), "2026-02-25T00:00:00Z", 3),
    ).toEqual([
      ["2026-03-02", "2026-03-02T14:00:00.000Z"],
      ["2026-03-09", "2026-03-09T13:00:00.000Z"],
      ["2026-03-16", "2026-03-16T13:00:00.000Z"],
    ]);
  });

  it("weekly on a Monday 00:15 in Kolkata is a Sunday in UTC", () => {
    const next = nextSlot(schedule("Asia/Kolkata", "00:15", "weekly"), at("2026-11-25T00:00:00Z"));
    expect([next.slot, next.at.toISOString()]).toEqual(["2026-11-30", "2026-11-29T18:45:00.000Z"]);
  });
});

describe("invariants around every 2026 clock change this runtime knows", () => {
  const week = 7 * 86_400_000;
  const minute = 60_000;
  const offsetAt = (ms: number, zone: string) => DateTime.fromMillis(ms, { zone }).offset;
  /** The weeks of 2026 in which a zone's offset changes, as their starting instants. */
  const changes = [...Intl.supportedValuesOf("timeZone"), "UTC"].flatMap((zone) => {
    const starts: number[] = [];
    for (
      let start = Date.parse("2026-01-01T00:00:00Z");
      start < Date.parse("2027-01-01");
      start += week
    ) {
      if (offsetAt(start, zone) !== offsetAt(start + week, zone)) starts.push(start);
    }
    return starts.map((start) => ({ zone, start }));
  });

  it("finds the clock changes of both hemispheres", () => {
    const zones = new Set(changes.map(({ zone }) => zone));
    for (const zone of [
      "America/New_York",
      "Europe/Vilnius",
      "Australia/Sydney",
      "Pacific/Chatham",
    ]) {
      expect(zones.has(zone)).toBe(true);
    }
    expect(zones.has("Asia/Kolkata")).toBe(false);
  });

  it.each(["00:30", "02:30", "03:00"])(
    "daily at %s: one slot per local day, in order, at the DST rule's instant",
    (time) => {
      const { hour, minute: minutes } = parseLocalTime(time);
      for (const { zone, start } of changes) {
        const plan = schedule(zone, time);
        let previous = nextSlot(plan, new Date(start - 2 * 86_400_000));
        for (let i = 0; i < 10; i += 1) {
          const next = nextSlot(plan, previous.at);
          const day = DateTime.fromISO(previous.slot, { zone: "utc" }).plus({ days: 1 });
          const context = JSON.stringify({ zone, previous, next });
          expect(next.slot, context).toBe(day.toFormat("yyyy-MM-dd"));
          expect(next.at > previous.at, context).toBe(true);

          // The wall time read in the offsets before and after any change that day.
          const nominal = Date.UTC(day.year, day.month - 1, day.day, hour, minutes);
          const before = offsetAt(nominal - 86_400_000, zone);
          const after = offsetAt(nominal + 86_400_000, zone);
          const readings = [nominal - before * minute, nominal - after * minute];
          const real = readings.filter((ms) => nominal - offsetAt(ms, zone) * minute === ms);
          // It exists: its first occurrence. It does not (a gap): read in the offset before the gap.
          const expected = real.length > 0 ? Math.min(...real) : nominal - before * minute;
          expect(next.at.getTime(), context).toBe(expected);
          previous = next;
        }
      }
    },
  );
});

describe("latestSlotAtOrBefore", () => {
  const vilnius = schedule("Europe/Vilnius", "09:00");

  it("includes a slot at exactly now", () => {
    expect(latestSlotAtOrBefore(vilnius, at("2026-06-03T06:00:00Z"))).toEqual({
      slot: "2026-06-03",
      at: at("2026-06-03T06:00:00Z"),
    });
  });

  it("returns yesterday's slot before today's time", () => {
    expect(latestSlotAtOrBefore(vilnius, at("2026-06-03T05:59:00Z"))?.slot).toBe("2026-06-02");
  });

  it("returns null when no slot falls within the lookback", () => {
    expect(latestSlotAtOrBefore(vilnius, at("2026-06-03T05:59:00Z"), 0)).toBeNull();
    const weekly = schedule("Europe/Vilnius", "09:00", "weekly");
    // Sunday 2026-06-07: last Monday is six local days back.
    expect(latestSlotAtOrBefore(weekly, at("2026-06-07T12:00:00Z"), 5)).toBeNull();
    expect(latestSlotAtOrBefore(weekly, at("2026-06-07T12:00:00Z"), 6)?.slot).toBe("2026-06-01");
  });

  it("counts lookback in local calendar days, so weekly finds last Monday across a fall-back week", () => {
    const weekly = schedule("America/New_York", "09:00", "weekly");
    // Monday 2026-11-02 08:59 EST: last Monday 09:00 EDT was 7 days and 59 minutes ago.
    expect(latestSlotAtOrBefore(weekly, at("2026-11-02T13:59:00Z"))).toEqual({
      slot: "2026-10-26",
      at: at("2026-10-26T13:00:00Z"),
    });
  });

  it("skips weekend slots in the local zone", () => {
    const weekdays = schedule("America/New_York", "23:30", "weekdays");
    // Monday 2026-11-30 12:00 EST: the latest weekday slot is Friday 23:30 EST (Saturday in UTC).
    expect(latestSlotAtOrBefore(weekdays, at("2026-11-30T17:00:00Z"))).toEqual({
      slot: "2026-11-27",
      at: at("2026-11-28T04:30:00Z"),
    });
  });

  it("refuses a negative or fractional lookback", () => {
    expect(() => latestSlotAtOrBefore(vilnius, at("2026-06-03T06:00:00Z"), -1)).toThrow(RangeError);
    expect(() => latestSlotAtOrBefore(vilnius, at("2026-06-03T06:00:00Z"), 1.5)).toThrow(
      RangeError,
    );
  });
});

describe("catchUp", () => {
  const newYork = schedule("America/New_York", "09:00");
  const due = at("2026-11-23T14:00:00Z"); // Monday 09:00 EST

  it("a restart three days late posts once, the latest missed slot, late, and runs next after now", () => {
    const now = at("2026-11-26T16:00:00Z"); // Thursday 11:00 EST
    expect(catchUp(newYork, due, now)).toEqual({
      post: { slot: "2026-11-26", at: at("2026-11-26T14:00:00Z"), late: true },
      next: { slot: "2026-11-27", at: at("2026-11-27T14:00:00Z") },
    });
  });

  it("a restart just before today's time posts yesterday's slot late; today's runs next", () => {
    const now = at("2026-11-26T13:30:00Z"); // Thursday 08:30 EST
    expect(catchUp(newYork, due, now)).toEqual({
      post: { slot: "2026-11-25", at: at("2026-11-25T14:00:00Z"), late: true },
      next: { slot: "2026-11-26", at: at("2026-11-26T14:00:00Z") },
    });
  });

  it("a restart one minute late posts on time", () => {
    expect(catchUp(newYork, due, at("2026-11-23T14:01:00Z"))).toEqual({
      post: { slot: "2026-11-23", at: due, late: false },
      next: { slot: "2026-11-24", at: at("2026-11-24T14:00:00Z") },
    });
  });

  it.each([
    ["at the due instant", "2026-11-23T14:00:00.000Z", false],
    ["exactly at the grace", "2026-11-23T14:10:00.000Z", false],
    ["just past the grace", "2026-11-23T14:10:00.001Z", true],
  ])("is late only past the grace (%s)", (_, now, late) => {
    expect(catchUp(newYork, due, at(now)).post).toEqual({ slot: "2026-11-23", at: due, late });
  });

  it("takes a custom grace", () => {
    expect(catchUp(newYork, due, at("2026-11-23T14:01:00Z"), 30_000).post?.late).toBe(true);
  });

  it("posts nothing when nothing is due yet", () => {
    expect(catchUp(newYork, due, at("2026-11-23T13:59:59Z"))).toEqual({
      post: null,
      next: { slot: "2026-11-23", at: due },
    });
  });

  it("woken long before due, runs next at due, not at an earlier slot", () => {
    // nextRunAt is Tuesday 09:00 and the tick runs Monday 08:00: Monday 09:00 was handled.
    expect(catchUp(newYork, at("2026-11-24T14:00:00Z"), at("2026-11-23T13:00:00Z"))).toEqual({
      post: null,
      next: { slot: "2026-11-24", at: at("2026-11-24T14:00:00Z") },
    });
  });

  it("never posts a slot before `due` (already handled)", () => {
    // nextRunAt is Tuesday 09:00 but the tick runs Monday 09:30 (a clock or an edit): nothing to post.
    expect(catchUp(newYork, at("2026-11-24T14:00:00Z"), at("2026-11-23T14:30:00Z"))).toEqual({
      post: null,
      next: { slot: "2026-11-24", at: at("2026-11-24T14:00:00Z") },
    });
  });

  it("weekdays: down from Friday to Sunday posts Friday's slot once, late, and runs Monday", () => {
    const weekdays = schedule("America/New_York", "09:00", "weekdays");
    expect(catchUp(weekdays, at("2026-11-27T14:00:00Z"), at("2026-11-29T20:00:00Z"))).toEqual({
      post: { slot: "2026-11-27", at: at("2026-11-27T14:00:00Z"), late: true },
      next: { slot: "2026-11-30", at: at("2026-11-30T14:00:00Z") },
    });
  });

  it("down a month: still one post, within the last week", () => {
    const result = catchUp(newYork, at("2026-10-01T13:00:00Z"), at("2026-11-01T20:00:00Z"));
    expect(result.post).toEqual({ slot: "2026-11-01", at: at("2026-11-01T14:00:00Z"), late: true });
    expect(result.next.slot).toBe("2026-11-02");
  });

  it("a post followed by the stored next never repeats a slot across a fall-back day", () => {
    const plan = schedule("America/New_York", "01:30");
    let due = at("2026-10-30T05:30:00Z");
    const posted: string[] = [];
    // The scheduler ticks every 15 minutes for three days and posts whatever catchUp says.
    for (let now = due.getTime(); now < Date.parse("2026-11-03T00:00:00Z"); now += 15 * 60_000) {
      if (now < due.getTime()) continue;
      const result = catchUp(plan, due, new Date(now));
      if (result.post) posted.push(result.post.slot);
      due = result.next.at;
    }
    expect(posted).toEqual(["2026-10-30", "2026-10-31", "2026-11-01", "2026-11-02"]);
  });
});

describe("bad schedules are programmer errors", () => {
  it("refuses an unknown zone", () => {
    expect(() => nextSlot(schedule("Mars/Olympus", "09:00"), at("2026-06-01T00:00:00Z"))).toThrow(
      RangeError,
    );
  });

  it("refuses an invalid date", () => {
    const plan = schedule("UTC", "09:00");
    expect(() => nextSlot(plan, new Date(Number.NaN))).toThrow(RangeError);
    expect(() => catchUp(plan, new Date(Number.NaN), at("2026-06-01T00:00:00Z"))).toThrow(
      RangeError,
    );
  });

  it("refuses a stored time that does not parse", () => {
    expect(() => nextSlot(schedule("UTC", "25:00"), at("2026-06-01T00:00:00Z"))).toThrow(UserError);
  });
});
