import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { performance } from "node:perf_hooks";
import { schedule, type ScheduledTask } from "node-cron";
import { runDueJobs, type DueJobHandler } from "../domain/dueJobs.ts";
import type { Store } from "../domain/store.ts";
import type { Logger } from "../log.ts";
import { now as clockNow } from "../clock.ts";

export interface Scheduler {
  readonly owner: string;
  /** Runs one pass now, after any pass in flight. Does nothing once stopped. */
  tick(): Promise<void>;
  /** Stops the cron task and waits for a pass in flight. */
  stop(): Promise<void>;
}

interface SchedulerOptions {
  db: Store;
  log: Logger;
  handlers: Record<string, DueJobHandler>;
  /** Who holds the leases; unique per process by default (host:pid:random). */
  owner?: string;
  /** node-cron expression with seconds; every 15 s by default. null: tick() only, no first pass. */
  cronExpression?: string | null;
  /** The clock and its first pass begin once this settles; a manual tick() runs at once. */
  startAfter?: Promise<unknown>;
  now?: () => Date;
  /** Only the jobs of servers this process serves (a shard); every job when absent. */
  servesGuild?: (guildId: string) => boolean;
}

const batchSize = 50;
const maxBatchesPerPass = 200;

// One scheduler per database client in a process: a second discord.js "ready" (a reconnect)
// must not start a second ticking task (node-cron issue #238). stop() frees the slot.
const running = new Map<Store, Scheduler>();

/**
 * Starts the due-job tick and runs one pass at once (or once `startAfter` settles), so jobs
 * missed during downtime run promptly. Calling it again for the same db returns the scheduler
 * already running.
 */
export function startScheduler(options: SchedulerOptions): Scheduler {
  const existing = running.get(options.db);
  if (existing) {
    options.log.warn({ owner: existing.owner }, "scheduler already running; reusing it");
    return existing;
  }
  const { db, handlers, now = clockNow } = options;
  const owner = options.owner ?? `${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;
  const log = options.log.child({ component: "scheduler", owner });
  let stopped = false;
  let last: Promise<void> = Promise.resolve();

  async function pass(): Promise<void> {
    // A full batch means more are due (5,000 summaries at 09:00): take the next batch at once
    // instead of one batch per tick, up to a bound that keeps a pass from running forever.
    for (let batch = 0; batch < maxBatchesPerPass && !stopped; batch++) {
      const started = performance.now();
      try {
        const result = await runDueJobs({
          db,
          owner,
          now: now(),
          handlers,
          log,
          limit: batchSize,
          ...(options.servesGuild ? { servesGuild: options.servesGuild } : {}),
        });
        const ms = Math.round(performance.now() - started);
        const done = result.ran + result.failed + result.retried;
        if (done > 0) log.info({ ...result, ms }, "due jobs");
        if (done < batchSize) return;
      } catch (error) {
        log.error({ err: error }, "due jobs pass failed");
        return;
      }
    }
  }

  // Passes are chained, never concurrent: a manual tick waits for the cron's pass and vice versa.
  const tick = (): Promise<void> => (last = last.then(pass));

  let task: ScheduledTask | undefined;
  const startTask = (cronExpression: string) => {
    task = schedule(cronExpression, tick, {
      name: `rally-due-jobs:${owner}`,
      noOverlap: true,
      logger: {
        info: (message) => log.info({ source: "node-cron" }, message),
        warn: (message) => log.warn({ source: "node-cron" }, message),
        error: (message, err) => log.error({ source: "node-cron", err }, String(message)),
        debug: (message, err) => log.debug({ source: "node-cron", err }, String(message)),
      },
    });
  };

  const startClock = () => {
    // Without a clock (the sandbox's scripts), passes run only when asked: at the same points
    // in every run, so a transcript does not depend on when a tick happened to fall.
    if (stopped || options.cronExpression === null) return;
    startTask(options.cronExpression ?? "*/15 * * * * *");
    void tick();
  };

  const scheduler: Scheduler = {
    owner,
    tick,
    async stop() {
      if (!stopped) {
        stopped = true;
        if (running.get(db) === scheduler) running.delete(db);
        await task?.destroy();
      }
      await last;
    },
  };
  running.set(db, scheduler);
  if (options.startAfter) void options.startAfter.then(startClock, startClock);
  else startClock();
  return scheduler;
}
