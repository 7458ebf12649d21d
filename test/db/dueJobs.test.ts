import { setImmediate as nextTurn } from "node:timers/promises";
import { describe, expect, it, vi } from "vitest";
import { openDatabase } from "../../src/db/client.ts";
import type { DueJob } from "../../src/db/generated/client.ts";
import { createLogger } from "../../src/log.ts";
import { cancelJobs, scheduleJob } from "../../src/db/dueJobs.ts";
import { inTransaction, type Database as Db } from "../../src/db/store.ts";
import {
  PermanentJobError,
  retryDelayMs,
  runDueJobs,
  type DueJobHandler,
  type RunOptions,
} from "../../src/domain/dueJobs.ts";
import { startScheduler } from "../../src/scheduler/scheduler.ts";
import { enterForeground } from "../../src/foreground.ts";
import { createTestDb, testDatabaseUrl } from "../support/db.ts";

const guild = "100000000000000001";
const t0 = new Date("2026-03-01T12:00:00.000Z");
const at = (ms: number) => new Date(t0.getTime() + ms);
const second = 1000;
const silent = createLogger("silent");

/** A handler that counts its calls per job id. */
function counting(body?: (job: DueJob) => Promise<void>) {
  const calls = new Map<number, number>();
  const handler: DueJobHandler = async (job) => {
    calls.set(job.id, (calls.get(job.id) ?? 0) + 1);
    await body?.(job);
  };
  return { calls, handler, total: () => [...calls.values()].reduce((a, b) => a + b, 0) };
}

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

function run(db: Db, now: Date, handlers: RunOptions["handlers"], extra: Partial<RunOptions> = {}) {
  return runDueJobs({ db, owner: "runner-a", now, handlers, ...extra });
}

async function job(db: Db, subjectId: string, dueAt = t0, kind = "claim.expire") {
  await scheduleJob(db, { guildId: guild, kind, subjectId, dueAt });
  return db.dueJob.findUniqueOrThrow({ where: { kind_subjectId: { kind, subjectId } } });
}

describe("several servers' jobs at once", () => {
  it("overlaps other servers' jobs while one server's run in order", async () => {
    const db = await createTestDb();
    const otherGuild = "100000000000000002";
    for (const [subjectId, guildId, ms] of [
      ["a1", guild, 0],
      ["a2", guild, 1],
      ["b1", otherGuild, 2],
    ] as const) {
      await scheduleJob(db, { guildId, kind: "claim.expire", subjectId, dueAt: at(ms) });
    }
    const events: string[] = [];
    const firstHeld = gate();
    const handler: DueJobHandler = async (due) => {
      events.push(`start ${due.subjectId}`);
      // a1 waits (on Discord, say) until b1 has started: only possible if they overlap.
      if (due.subjectId === "a1") await firstHeld.opened;
      if (due.subjectId === "b1") firstHeld.open();
      events.push(`end ${due.subjectId}`);
    };

    const result = await run(db, at(60 * second), { "claim.expire": handler });

    expect(result).toEqual({ ran: 3, failed: 0, retried: 0 });
    expect(events.indexOf("start b1")).toBeLessThan(events.indexOf("end a1"));
    expect(events.indexOf("end a1")).toBeLessThan(events.indexOf("start a2"));
  });

  it("lets the event loop turn between jobs that never wait (a member's click is not held up)", async () => {
    const db = await createTestDb();
    for (let index = 0; index < 20; index++) await job(db, `quick-${index}`);
    const { handler, total } = counting();
    // What an interaction waiting in the gateway's socket needs: a turn of the event loop. On
    // SQLite every statement is synchronous, so without a turn per job the whole pass ran first.
    let ranBeforeFirstTurn = -1;
    setImmediate(() => (ranBeforeFirstTurn = total()));

    expect(await run(db, at(60 * second), { "claim.expire": handler })).toMatchObject({ ran: 20 });
    expect(ranBeforeFirstTurn).toBeGreaterThanOrEqual(0);
    expect(ranBeforeFirstTurn).toBeLessThan(20);
  });

  it("starts no job while a member's interaction is being answered, and all of them after", async () => {
    const db = await createTestDb();
    for (let index = 0; index < 3; index++) await job(db, `later-${index}`);
    const { handler, total } = counting();
    const answered = enterForeground();
    try {
      const pass = run(db, at(60 * second), { "claim.expire": handler });
      for (let turn = 0; turn < 10; turn++) await nextTurn();
      expect(total()).toBe(0);
      answered();
      expect(await pass).toMatchObject({ ran: 3 });
    } finally {
      answered();
    }
  });

  it("runs one job at a time with concurrency 1", async () => {
    const db = await createTestDb();
    await scheduleJob(db, { guildId: guild, kind: "claim.expire", subjectId: "1", dueAt: t0 });
    await scheduleJob(db, {
      guildId: "100000000000000002",
      kind: "claim.expire",
      subjectId: "2",
      dueAt: at(1),
    });
    let running = 0;
    let most = 0;
    const handler: DueJobHandler = async () => {
      running += 1;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, 20));
      running -= 1;
    };
    await run(db, at(60 * second), { "claim.expire": handler }, { concurrency: 1 });
    expect(most).toBe(1);
  });
});

describe("scheduleJob and cancelJobs", () => {
  it("keeps one row per (kind, subject) and re-arms it", async () => {
    const db = await createTestDb();
    const { handler } = counting();
    await job(db, "7", at(-60 * second));
    await run(db, t0, { "claim.expire": handler });

    await inTransaction(db, (tx) =>
      scheduleJob(tx, { guildId: guild, kind: "claim.expire", subjectId: "7", dueAt: at(3600e3) }),
    );

    const rows = await db.dueJob.findMany();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: "pending", dueAt: at(3600e3), attempts: 0 });
    expect(rows[0]).toMatchObject({ doneAt: null, leaseOwner: null, leaseUntil: null });
  });

  it("cancels pending jobs of a subject, optionally by kind, and they never run", async () => {
    const db = await createTestDb();
    const { calls, handler } = counting();
    const handlers = { "claim.expire": handler, "claim.remindDue": handler };
    await job(db, "7", t0, "claim.remindDue");
    const expire7 = await job(db, "7");
    const expire8 = await job(db, "8");

    expect(await cancelJobs(db, "7", ["claim.remindDue"])).toBe(1);
    expect(await cancelJobs(db, "7", [])).toBe(0);
    expect(await cancelJobs(db, "7")).toBe(1);
    expect(await run(db, at(60 * second), handlers)).toEqual({ ran: 1, failed: 0, retried: 0 });

    expect([...calls.keys()]).toEqual([expire8.id]);
    expect(await cancelJobs(db, "8")).toBe(0); // done stays done
    expect((await db.dueJob.findUniqueOrThrow({ where: { id: expire7.id } })).status).toBe(
      "cancelled",
    );
  });
});

describe("runDueJobs", () => {
  it("runs only the jobs that are due, each once", async () => {
    const db = await createTestDb();
    const { calls, handler } = counting();
    const early = await job(db, "1", at(-60 * second));
    const onTime = await job(db, "2", t0);
    const later = await job(db, "3", at(60 * second));

    expect(await run(db, t0, { "claim.expire": handler })).toEqual({
      ran: 2,
      failed: 0,
      retried: 0,
    });
    expect(await run(db, t0, { "claim.expire": handler })).toEqual({
      ran: 0,
      failed: 0,
      retried: 0,
    });
    expect(Object.fromEntries(calls)).toEqual({ [early.id]: 1, [onTime.id]: 1 });

    await run(db, at(60 * second), { "claim.expire": handler });
    expect(calls.get(later.id)).toBe(1);
    const row = await db.dueJob.findUniqueOrThrow({ where: { id: later.id } });
    expect(row).toMatchObject({ status: "done", attempts: 1, leaseOwner: "runner-a" });
    expect(row.doneAt!.getTime() - at(60 * second).getTime()).toBeLessThan(second);
  });

  it("retries a throwing job after its backoff, not before, then fails it", async () => {
    const db = await createTestDb();
    const { calls, handler } = counting(async () => {
      throw new Error("Discord said 500");
    });
    const handlers = { "claim.expire": handler };
    const { id } = await job(db, "1");

    expect(await run(db, t0, handlers)).toEqual({ ran: 0, failed: 0, retried: 1 });
    for (const delay of [30, 60, 120, 240].map((s) => s * second)) {
      const row = await db.dueJob.findUniqueOrThrow({ where: { id } });
      const failedAt = row.dueAt.getTime() - delay;
      expect(failedAt - t0.getTime()).toBeGreaterThanOrEqual(0);
      expect(row).toMatchObject({ status: "pending", lastError: "Discord said 500" });

      await run(db, new Date(row.dueAt.getTime() - 1), handlers);
      expect(calls.get(id)).toBe(row.attempts);
      await run(db, row.dueAt, handlers);
      expect(calls.get(id)).toBe(row.attempts + 1);
    }

    const failed = await db.dueJob.findUniqueOrThrow({ where: { id } });
    expect(failed).toMatchObject({ status: "failed", attempts: 5, lastError: "Discord said 500" });
    await run(db, at(86_400e3), handlers);
    expect(calls.get(id)).toBe(5);
    expect(retryDelayMs(1)).toBe(30 * second);
    expect(retryDelayMs(40)).toBe(3600 * second);
  });

  it("marks a job done once a retry succeeds", async () => {
    const db = await createTestDb();
    let failures = 1;
    const { handler } = counting(async () => {
      if (failures-- > 0) throw new Error("timeout");
    });
    const { id } = await job(db, "1");

    await run(db, t0, { "claim.expire": handler });
    expect(await run(db, at(31 * second), { "claim.expire": handler })).toMatchObject({ ran: 1 });
    const row = await db.dueJob.findUniqueOrThrow({ where: { id } });
    expect(row).toMatchObject({ status: "done", attempts: 2, lastError: null });
  });

  it("fails a PermanentJobError at once and logs with job context", async () => {
    const db = await createTestDb();
    const lines: Record<string, unknown>[] = [];
    const log = createLogger("info", { write: (line: string) => lines.push(JSON.parse(line)) });
    const { calls, handler } = counting(async () => {
      throw new PermanentJobError("channel is gone");
    });
    const { id } = await job(db, "1");

    expect(await run(db, t0, { "claim.expire": handler }, { log })).toEqual({
      ran: 0,
      failed: 1,
      retried: 0,
    });
    await run(db, at(3600e3), { "claim.expire": handler });

    expect(calls.get(id)).toBe(1);
    const row = await db.dueJob.findUniqueOrThrow({ where: { id } });
    expect(row).toMatchObject({ status: "failed", attempts: 1, lastError: "channel is gone" });
    expect(lines).toEqual([
      expect.objectContaining({ jobId: id, kind: "claim.expire", permanent: true }),
    ]);
  });

  it("fails a job of an unknown kind with a clear lastError", async () => {
    const db = await createTestDb();
    const { handler } = counting();
    const mystery = await job(db, "1", t0, "mystery");
    const inherited = await job(db, "2", t0, "toString");

    expect(await run(db, t0, { "claim.expire": handler })).toMatchObject({ failed: 2 });
    for (const { id, kind } of [mystery, inherited]) {
      const row = await db.dueJob.findUniqueOrThrow({ where: { id } });
      expect(row).toMatchObject({
        status: "failed",
        lastError: `no handler for job kind "${kind}"`,
      });
    }
  });
});

describe("leases", () => {
  it("leaves a job leased by a crashed process alone until the lease expires", async () => {
    const db = await createTestDb();
    const { calls, handler } = counting();
    const { id } = await job(db, "1");
    // What a claim by a process that then died leaves behind.
    await db.dueJob.update({
      where: { id },
      data: { leaseOwner: "crashed", leaseUntil: at(60 * second), attempts: 1 },
    });

    expect(await run(db, at(30 * second), { "claim.expire": handler })).toMatchObject({ ran: 0 });
    expect(calls.size).toBe(0);
    expect(await run(db, at(60 * second), { "claim.expire": handler })).toMatchObject({ ran: 1 });
    const row = await db.dueJob.findUniqueOrThrow({ where: { id } });
    expect(row).toMatchObject({ status: "done", attempts: 2, leaseOwner: "runner-a" });
  });

  it("gives up on a job whose claims keep ending without an outcome (a crash loop)", async () => {
    const db = await createTestDb();
    const { calls, handler } = counting();
    const { id } = await job(db, "1");
    await db.dueJob.update({
      where: { id },
      data: { leaseOwner: "crashed", leaseUntil: t0, attempts: 5 },
    });

    expect(await run(db, t0, { "claim.expire": handler })).toMatchObject({ failed: 1 });
    expect(calls.size).toBe(0);
    expect(await db.dueJob.findUniqueOrThrow({ where: { id } })).toMatchObject({
      status: "failed",
      attempts: 6,
      lastError: "gave up: no outcome recorded",
    });
  });

  it("holds the lease while a slow handler runs: a parallel runner skips the job", async () => {
    const db = await createTestDb();
    const { opened, open } = gate();
    const entered = gate();
    const { calls, handler } = counting(async () => {
      entered.open();
      await opened;
    });
    const { id } = await job(db, "1");

    const first = run(db, t0, { "claim.expire": handler });
    await entered.opened;
    const second_ = await run(db, at(59 * second), { "claim.expire": handler }, { owner: "b" });
    open();

    expect(second_).toEqual({ ran: 0, failed: 0, retried: 0 });
    expect(await first).toEqual({ ran: 1, failed: 0, retried: 0 });
    expect(calls.get(id)).toBe(1);
  });

  // The next owner may even carry the same name (a hung process and its restarted twin).
  it.each([
    ["succeeds", "b"],
    ["throws", "b"],
    ["succeeds", "runner-a"],
    ["throws", "runner-a"],
  ])(
    "does not overwrite a job done by the next owner when a stale handler %s (next: %s)",
    async (ending, nextOwner) => {
      const db = await createTestDb();
      const { opened, open } = gate();
      const entered = gate();
      const stale = counting(async () => {
        entered.open();
        await opened;
        if (ending === "throws") throw new Error("late failure");
      });
      const { id } = await job(db, "1");

      const staleRun = run(db, t0, { "claim.expire": stale.handler });
      await entered.opened;
      const fresh = counting();
      const taken = await run(
        db,
        at(61 * second),
        { "claim.expire": fresh.handler },
        {
          owner: nextOwner,
        },
      );
      const done = await db.dueJob.findUniqueOrThrow({ where: { id } });
      open();

      expect(taken).toMatchObject({ ran: 1 });
      expect(await staleRun).toEqual({ ran: 0, failed: 0, retried: 0 });
      const row = await db.dueJob.findUniqueOrThrow({ where: { id } });
      expect(row).toEqual(done);
      expect(row).toMatchObject({ status: "done", leaseOwner: nextOwner, lastError: null });
    },
  );

  it("records nothing for a job cancelled or re-armed while its handler runs", async () => {
    const db = await createTestDb();
    const { handler } = counting(async ({ guildId, kind, subjectId }) => {
      if (subjectId === "cancelled") await cancelJobs(db, subjectId);
      else await scheduleJob(db, { guildId, kind, subjectId, dueAt: at(3600e3) });
    });
    const cancelled = await job(db, "cancelled");
    const rearmed = await job(db, "rearmed");

    expect(await run(db, t0, { "claim.expire": handler })).toEqual({
      ran: 0,
      failed: 0,
      retried: 0,
    });

    expect(await db.dueJob.findUniqueOrThrow({ where: { id: cancelled.id } })).toMatchObject({
      status: "cancelled",
      doneAt: null,
    });
    expect(await db.dueJob.findUniqueOrThrow({ where: { id: rearmed.id } })).toMatchObject({
      status: "pending",
      dueAt: at(3600e3),
      attempts: 0,
      doneAt: null,
    });
  });

  it("two clients on one file racing over 200 due jobs run each exactly once", async () => {
    const url = await testDatabaseUrl();
    const [a, b] = [await openDatabase(url), await openDatabase(url)];
    try {
      await a.dueJob.createMany({
        data: Array.from({ length: 200 }, (_, i) => ({
          guildId: guild,
          kind: "claim.expire",
          subjectId: String(i),
          dueAt: at(-i * second),
        })),
      });
      const { calls, handler, total } = counting(() => new Promise(setImmediate));
      const drain = async (db: Db, owner: string) => {
        let ran = 0;
        for (let pass; (pass = await run(db, t0, { "claim.expire": handler }, { owner })).ran;) {
          ran += pass.ran;
        }
        return ran;
      };

      const [ranA, ranB] = await Promise.all([drain(a, "process-a"), drain(b, "process-b")]);

      expect(ranA + ranB).toBe(200);
      expect(ranA).toBeGreaterThan(0);
      expect(ranB).toBeGreaterThan(0);
      expect(calls.size).toBe(200);
      expect(total()).toBe(200);
      expect(await a.dueJob.count({ where: { status: "done" } })).toBe(200);
    } finally {
      await Promise.all([a.$disconnect(), b.$disconnect()]);
    }
  });
});

describe("startScheduler", () => {
  it("runs a pass at start and returns the running instance when started twice", async () => {
    const db = await createTestDb();
    const { calls, handler } = counting();
    const { id } = await job(db, "1");
    const options = { db, log: silent, handlers: { "claim.expire": handler }, now: () => t0 };

    const scheduler = startScheduler(options);
    try {
      await scheduler.tick();
      expect(calls.get(id)).toBe(1);
      expect(startScheduler(options)).toBe(scheduler);
    } finally {
      await scheduler.stop();
    }
    const restarted = startScheduler(options);
    expect(restarted).not.toBe(scheduler);
    await restarted.stop();
  });

  it("with startAfter, runs its first pass once that settles, and never when stopped first", async () => {
    const db = await createTestDb();
    const { calls, handler } = counting();
    const { id } = await job(db, "1");
    const options = { db, log: silent, handlers: { "claim.expire": handler }, now: () => t0 };
    const due = gate();

    const scheduler = startScheduler({ ...options, startAfter: due.opened });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(calls.get(id)).toBeUndefined();
    due.open();
    await vi.waitFor(() => expect(calls.get(id)).toBe(1));
    await scheduler.stop();

    const { id: second } = await job(db, "2");
    const never = gate();
    const stoppedEarly = startScheduler({ ...options, startAfter: never.opened });
    await stoppedEarly.stop();
    never.open();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(calls.get(second)).toBeUndefined();

    // A failed start-up step does not keep the clock from starting.
    const afterFailure = startScheduler({ ...options, startAfter: Promise.reject(new Error("x")) });
    await vi.waitFor(() => expect(calls.get(second)).toBe(1));
    await afterFailure.stop();
  });

  it("waits for a pass in flight on stop, and a tick after stop does nothing", async () => {
    const db = await createTestDb();
    const { opened, open } = gate();
    const entered = gate();
    const { calls, handler } = counting(async () => {
      entered.open();
      await opened;
    });
    await job(db, "1");
    const scheduler = startScheduler({
      db,
      log: silent,
      handlers: { "claim.expire": handler },
      now: () => t0,
    });
    await entered.opened;

    let stopped = false;
    const stopping = scheduler.stop().then(() => (stopped = true));
    await new Promise(setImmediate);
    expect(stopped).toBe(false);
    open();
    await stopping;

    await job(db, "2");
    await scheduler.tick();
    await scheduler.stop();
    expect(calls.size).toBe(1);
    expect(await db.dueJob.count({ where: { status: "pending" } })).toBe(1);
  });
});
