/**
 * A small pool for Discord work nobody is waiting on (live cards' posts and edits): a few at
 * once, started at a steady pace, so a burst (1,000 readings changing 1,000 cards) never takes
 * Discord's global limit of 50 requests a second, nor the event loop and the database, from the
 * interactions members are waiting on.
 */
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { yieldToForeground } from "../foreground.ts";

export interface BackgroundRest {
  /**
   * `requests`: how many REST calls `work` makes at most (a new card: its post and its pin). The
   * pace is per request, so a two-request job holds back the next start twice as long: the
   * pool's 20 a second, plus members' follow-ups, then stay under Discord's 50.
   */
  run<T>(work: () => Promise<T>, requests?: number): Promise<T>;
}

export interface BackgroundRestOptions {
  /** How many run at once (default 2). */
  concurrency?: number;
  /** At least this long per request between two starts (default 50 ms: at most 20 a second). */
  spacingMs?: number;
  /**
   * How the pool reads the time and waits for a start (default: the process's monotonic clock
   * and a timer). Tests give a clock of their own: a timer may fire a few ms early or late on a
   * busy machine, which says nothing about the schedule the pool keeps.
   */
  clock?: { now(): number; wait(ms: number): Promise<unknown> };
}

const processClock = { now: () => performance.now(), wait: (ms: number) => sleep(ms) };

export function createBackgroundRest(options: BackgroundRestOptions = {}): BackgroundRest {
  const concurrency = Math.max(1, options.concurrency ?? 2);
  const spacingMs = Math.max(0, options.spacingMs ?? 50);
  const clock = options.clock ?? processClock;
  let running = 0;
  let nextStart = 0;
  const waiting: (() => void)[] = [];

  const release = () => {
    const next = waiting.shift();
    // A finished job hands its slot straight to the next one waiting.
    if (next) next();
    else running -= 1;
  };

  return {
    async run(work, requests = 1) {
      if (running >= concurrency) await new Promise<void>((resolve) => waiting.push(resolve));
      else running += 1;
      try {
        const at = clock.now();
        const start = Math.max(at, nextStart);
        nextStart = start + spacingMs * Math.max(1, requests);
        if (start > at) await clock.wait(start - at);
        // Nobody waits on this work; members' interactions go first (src/foreground.ts).
        await yieldToForeground();
        return await work();
      } finally {
        release();
      }
    },
  };
}
