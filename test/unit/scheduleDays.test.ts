import { describe, expect, it } from "vitest";
import { parseDays, presetOf, weekdaysOf } from "../../src/domain/scheduleDays.ts";

describe("parseDays", () => {
  it.each([
    ["mon,thu", "mon,thu"],
    ["Tue", "tue"],
    ["thu, mon, mon", "mon,thu"],
    ["mon-fri", "mon,tue,wed,thu,fri"],
    ["fri - mon", "mon,fri,sat,sun"],
    ["sat sun", "sat,sun"],
    ["th", "thu"],
    ["пн, чт", "mon,thu"],
    ["понедельник и четверг", "mon,thu"],
    ["вс", "sun"],
    ["вівторок", "tue"],
    ["пʼятниця, неділя", "fri,sun"],
    ["п'ятниця", "fri"],
    ["нд", "sun"],
    ["weekdays", "mon,tue,wed,thu,fri"],
    ["mon,tue,wed,thu,fri,sat,sun", "mon,tue,wed,thu,fri,sat,sun"],
  ])("reads %j as %j", (typed, stored) => {
    expect(parseDays(typed)).toBe(stored);
  });

  it.each(["", "  ", "someday", "mon, someday", "t", "s", "mon-", "and"])("refuses %j", (typed) => {
    expect(parseDays(typed)).toBeNull();
  });
});

describe("stored days", () => {
  it("reads the presets stored before lists as their weekdays", () => {
    expect(weekdaysOf("daily")).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(weekdaysOf("weekdays")).toEqual([1, 2, 3, 4, 5]);
    expect(weekdaysOf("weekly")).toEqual([1]);
    expect(weekdaysOf("thu,mon")).toEqual([1, 4]);
    expect(weekdaysOf("")).toBeNull();
    expect(weekdaysOf("mon,xyz")).toBeNull();
  });

  it("names the preset a list is", () => {
    expect(presetOf("sat,sun")).toBe("weekends");
    expect(presetOf("mon")).toBe("weekly");
    expect(presetOf("mon,thu")).toBeNull();
  });
});
