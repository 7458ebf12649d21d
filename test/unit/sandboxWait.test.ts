import { describe, expect, it } from "vitest";
import { targetOf } from "../../src/sandbox/time.ts";

const from = Date.parse("2026-12-07T12:00:00Z");
const at = (ms: number) => new Date(ms).toISOString();

describe("wait at the sandbox's prompt", () => {
  it("reads durations in minutes, hours and days, alone or together", () => {
    expect(at(targetOf("30m", "UTC", from))).toBe("2026-12-07T12:30:00.000Z");
    expect(at(targetOf("25h", "UTC", from))).toBe("2026-12-08T13:00:00.000Z");
    expect(at(targetOf("3d", "UTC", from))).toBe("2026-12-10T12:00:00.000Z");
    expect(at(targetOf("1d 6h", "UTC", from))).toBe("2026-12-08T18:00:00.000Z");
  });

  it("reads `until` in the server's time zone", () => {
    expect(at(targetOf("until 2026-12-20 18:00", "UTC", from))).toBe("2026-12-20T18:00:00.000Z");
    expect(at(targetOf("until 2026-12-20 18:00", "Europe/Minsk", from))).toBe(
      "2026-12-20T15:00:00.000Z",
    );
    // A date alone is the end of that day, as Rally reads due dates.
    expect(at(targetOf("until 2026-12-08", "UTC", from))).toBe("2026-12-08T23:59:00.000Z");
  });

  it("only moves forward, and says what it takes otherwise", () => {
    expect(() => targetOf("until 2026-12-07 11:59", "UTC", from)).toThrow(
      "2026-12-07 11:59 UTC is not ahead of the sandbox's clock (2026-12-07 12:00 UTC): time only moves forward.",
    );
    expect(() => targetOf("0m", "UTC", from)).toThrow("time only moves forward");
    expect(() => targetOf("soon", "UTC", from)).toThrow("wait takes a duration");
    expect(() => targetOf("-2h", "UTC", from)).toThrow("wait takes a duration");
    expect(() => targetOf("until tomorrow", "UTC", from)).toThrow('"tomorrow" is not a date');
    expect(() => targetOf("400d", "UTC", from)).toThrow("at most 366 days");
  });
});
