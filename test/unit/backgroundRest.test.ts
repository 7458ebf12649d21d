/** The pool live cards' REST calls queue in: a few at once, at a steady pace, none lost. */
import { describe, expect, it } from "vitest";
import { createBackgroundRest } from "../../src/discord/backgroundRest.ts";

/**
 * A clock that stands still and notes how long the pool asked to wait for each start: the pool's
 * schedule, exactly (a real timer fires a few ms early or late on a busy machine).
 */
function stillClock() {
  const waits: number[] = [];
  return {
    waits,
    now: () => 0,
    wait: (ms: number) => Promise.resolve(waits.push(ms)),
  };
}

describe("background REST pool", () => {
  it("runs at most `concurrency` at once, starts them `spacingMs` apart, and returns every result", async () => {
    const clock = stillClock();
    const pool = createBackgroundRest({ concurrency: 2, spacingMs: 20, clock });
    let running = 0;
    let most = 0;
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, index) =>
        pool.run(async () => {
          running += 1;
          most = Math.max(most, running);
          await new Promise((resolve) => setTimeout(resolve, 20));
          running -= 1;
          return index;
        }),
      ),
    );
    expect(results).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(most).toBe(2);
    // The first at once, then one every 20 ms.
    expect(clock.waits).toEqual([20, 40, 60, 80, 100, 120, 140]);
  });

  it("paces per request: a job of two requests holds the next start back twice as long", async () => {
    const clock = stillClock();
    const pool = createBackgroundRest({ concurrency: 4, spacingMs: 40, clock });
    const noWork = () => Promise.resolve();
    await Promise.all([pool.run(noWork, 2), pool.run(noWork), pool.run(noWork)]);
    expect(clock.waits).toEqual([80, 120]);
  });

  it("waits on the process's own clock when given none", async () => {
    const pool = createBackgroundRest({ concurrency: 2, spacingMs: 30 });
    const started = performance.now();
    await Promise.all([pool.run(async () => 1), pool.run(async () => 2)]);
    // A timer may fire a few ms early (its clock is the loop's, read when the turn began).
    expect(performance.now() - started).toBeGreaterThanOrEqual(20);
  });

  it("frees the slot of a job that failed", async () => {
    const pool = createBackgroundRest({ concurrency: 1, spacingMs: 0 });
    await expect(pool.run(() => Promise.reject(new Error("Discord said no")))).rejects.toThrow(
      "Discord said no",
    );
    expect(await pool.run(async () => "next")).toBe("next");
  });
});
