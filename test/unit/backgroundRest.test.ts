/** The pool live cards' REST calls queue in: a few at once, at a steady pace, none lost. */
import { performance } from "node:perf_hooks";
import { describe, expect, it } from "vitest";
import { createBackgroundRest } from "../../src/discord/backgroundRest.ts";

describe("background REST pool", () => {
  it("runs at most `concurrency` at once, starts them `spacingMs` apart, and returns every result", async () => {
    const pool = createBackgroundRest({ concurrency: 2, spacingMs: 20 });
    let running = 0;
    let most = 0;
    const starts: number[] = [];
    const before = performance.now();
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, index) =>
        pool.run(async () => {
          starts.push(performance.now());
          running += 1;
          most = Math.max(most, running);
          await new Promise((resolve) => setTimeout(resolve, 100));
          running -= 1;
          return index;
        }),
      ),
    );
    expect(results).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(most).toBe(2);
    // The pace is a schedule, not a gap: a timer that fires late on a busy machine does not move
    // the next start, so the n-th start is never before n spacings after the pool was first asked
    // (timers may fire a millisecond early).
    starts.forEach((at, index) => expect(at - before).toBeGreaterThanOrEqual(index * 20 - 1));
  });

  it("paces per request: a job of two requests holds the next start back twice as long", async () => {
    const pool = createBackgroundRest({ concurrency: 4, spacingMs: 40 });
    const starts: number[] = [];
    const started = () => Promise.resolve(starts.push(performance.now()));
    const before = performance.now();
    await Promise.all([pool.run(started, 2), pool.run(started), pool.run(started)]);
    const [, second = 0, third = 0] = starts;
    // Scheduled at 0, 80 and 120 ms. Timers may fire a millisecond early, and late on a busy
    // machine, so each start is measured from when the pool was asked, not from the one before.
    expect(second - before).toBeGreaterThanOrEqual(79);
    expect(third - before).toBeGreaterThanOrEqual(119);
  });

  it("frees the slot of a job that failed", async () => {
    const pool = createBackgroundRest({ concurrency: 1, spacingMs: 0 });
    await expect(pool.run(() => Promise.reject(new Error("Discord said no")))).rejects.toThrow(
      "Discord said no",
    );
    expect(await pool.run(async () => "next")).toBe("next");
  });
});
