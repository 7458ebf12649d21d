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
    const gaps = starts.slice(1).map((at, index) => at - (starts[index] ?? 0));
    // Timers may fire a millisecond early; never two starts together.
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(15);
  });

  it("paces per request: a job of two requests holds the next start back twice as long", async () => {
    const pool = createBackgroundRest({ concurrency: 4, spacingMs: 40 });
    const starts: number[] = [];
    const started = () => Promise.resolve(starts.push(performance.now()));
    await Promise.all([pool.run(started, 2), pool.run(started), pool.run(started)]);
    const [first = 0, second = 0, third = 0] = starts;
    // Timers may fire a millisecond early.
    expect(second - first).toBeGreaterThanOrEqual(75);
    expect(third - second).toBeGreaterThanOrEqual(35);
  });

  it("frees the slot of a job that failed", async () => {
    const pool = createBackgroundRest({ concurrency: 1, spacingMs: 0 });
    await expect(pool.run(() => Promise.reject(new Error("Discord said no")))).rejects.toThrow(
      "Discord said no",
    );
    expect(await pool.run(async () => "next")).toBe("next");
  });
});
