import { performance } from "node:perf_hooks";
import {
  findNextDueJobAt,
  findPendingJob,
  leaseDueJob,
  listDueJobCandidates,
  recordJobOutcome,
  type JobLease,
  type JobOutcome,
} from "../db/dueJobs.ts";
import type { DueJob } from "../db/rows.ts";
import type { Store } from "../db/store.ts";
import type { Logger } from "../log.ts";
import { yieldToForeground } from "../foreground.ts";

/** A due job as its handlers get it (Discord code may not import src/db). */
export type { DueJob };

/** When the earliest pending job is due, or null (the sandbox's `wait` steps through them). */
export function nextDueJobAt(db: Store): Promise<Date | null> {
  return findNextDueJobAt(db);
}

/**
 * What a handler may return: nothing (done), or a time to run again at (a deferral: the job
 * waits without counting an attempt, like the card waiting for its edit window).
 */
export interface JobDeferral {
  deferUntil: Date;
}

export type DueJobHandler = (job: DueJob) => Promise<void | JobDeferral>;

/** Thrown by a handler when retrying cannot help (the channel is gone): the job fails at once. */
export class PermanentJobError extends Error {
  override name = "PermanentJobError";
}

export interface RunOptions {
  db: Store;
  owner: string;
  /** The instant the pass starts; later instants in the pass add the elapsed monotonic time. */
  now: Date;
  handlers: Record<string, DueJobHandler>;
  leaseMs?: number;
  limit?: number;
  maxAttempts?: number;
  log?: Logger;
  /** Only the jobs of servers this process serves (a shard); every job when absent. */
  servesGuild?: (guildId: string) => boolean;
  /**
   * How many servers' jobs run at once (default 4). A server's own jobs still run one after
   * another, oldest first; other servers' jobs overlap their waits on Discord and the database.
   */
  concurrency?: number;
}

/**
 * Outcomes this runner recorded; a run whose lease was lost before that is not counted. A run
 * that deferred itself counts as ran: it reached an outcome of its choosing.
 */
interface RunResult {
  ran: number;
  failed: number;
  retried: number;
}

/** 30 s after the first failure, doubling, at most an hour. */
export function retryDelayMs(attempts: number): number {
  return Math.min(30_000 * 2 ** Math.max(attempts - 1, 0), 3_600_000);
}

/**
 * Claims due jobs with a lease, runs each, then records the outcome only where the lease is
 * still ours. A throw re-arms the job with backoff until maxAttempts; a PermanentJobError or an
 * unknown kind fails it at once. Servers are worked on `concurrency` at a time, each server's
 * jobs in order.
 */
export async function runDueJobs(options: RunOptions): Promise<RunResult> {
  const {
    db,
    owner,
    handlers,
    leaseMs = defaultLeaseMs,
    limit = 50,
    maxAttempts = defaultMaxAttempts,
  } = options;
  const started = performance.now();
  const at = () => new Date(options.now.getTime() + Math.round(performance.now() - started));
  const result: RunResult = { ran: 0, failed: 0, retried: 0 };

  // Only a list of candidates: each one is claimed below by a conditional update.
  const candidates = await listDueJobCandidates(db, options.now, limit, options.servesGuild);
  const byServer = new Map<string, number[]>();
  for (const { id, guildId } of candidates) {
    const jobs = byServer.get(guildId) ?? [];
    jobs.push(id);
    byServer.set(guildId, jobs);
  }
  const servers = [...byServer.values()];
  const worker = async () => {
    for (let jobs = servers.shift(); jobs; jobs = servers.shift())
      for (const id of jobs) {
        // A job whose handler only writes (a poll handed to its pool) never waits on I/O: on
        // SQLite every statement is synchronous, so a pass of 1,000 such jobs held the event
        // loop for 1.6 s and a member's Claim waited behind it. A turn per job lets the
        // interactions already in the socket in, and the next job waits while they are answered.
        await yieldToForeground();
        await runOne(id);
      }
  };
  // Every worker finishes (or fails) before the pass ends: none is left running unobserved.
  const workers = Array.from({ length: Math.max(1, options.concurrency ?? 4) }, worker);
  const failure = (await Promise.allSettled(workers)).find(
    (outcome) => outcome.status === "rejected",
  );
  if (failure) throw failure.reason;
  return result;

  async function runOne(id: number): Promise<void> {
    const claimedAt = at();
    // The fence: a later re-arm, cancel or takeover changes the job, and our outcome misses.
    const lease = leaseOf(id, owner, claimedAt, leaseMs);
    const job = await leaseDueJob(db, lease, claimedAt);
    if (!job) return;
    const handler = Object.hasOwn(handlers, job.kind) ? handlers[job.kind] : undefined;
    const ran = await runLeased(db, job, lease, handler, maxAttempts, at, options.log);
    if (ran.recorded) result[ran.counter] += 1;
  }
}

/** How long a runner holds a job, and how many tries a job gets: a pass's and a run-now's. */
const defaultLeaseMs = 60_000;
const defaultMaxAttempts = 5;

function leaseOf(id: number, owner: string, claimedAt: Date, leaseMs: number): JobLease {
  return { id, owner, until: new Date(claimedAt.getTime() + leaseMs) };
}

interface LeasedRun {
  counter: keyof RunResult;
  recorded: boolean;
  /** What the handler threw, when it threw. */
  error?: unknown;
}

/** Runs a job whose lease is ours, then records its outcome through that lease. */
async function runLeased(
  db: Store,
  job: DueJob,
  lease: JobLease,
  handler: DueJobHandler | undefined,
  maxAttempts: number,
  at: () => Date,
  parentLog: Logger | undefined,
): Promise<LeasedRun> {
  const log = parentLog?.child({ jobId: job.id, kind: job.kind });
  let outcome: { recorded: JobOutcome; counter: keyof RunResult };
  let thrown: { error: unknown } | undefined;

  try {
    if (!handler) throw new PermanentJobError(`no handler for job kind "${job.kind}"`);
    // Claims that never reached an outcome (a crash, an overrun lease) count too: no poison loop.
    if (job.attempts > maxAttempts) throw new PermanentJobError("gave up: no outcome recorded");
    const returned = await handler(job);
    outcome = {
      recorded: returned
        ? { status: "deferred", dueAt: returned.deferUntil }
        : { status: "done", doneAt: at() },
      counter: "ran",
    };
  } catch (error) {
    thrown = { error };
    const lastError = (error instanceof Error ? error.message : String(error)).slice(0, 500);
    const permanent = error instanceof PermanentJobError || job.attempts >= maxAttempts;
    log?.warn({ err: error, attempts: job.attempts, permanent }, "due job failed");
    outcome = permanent
      ? { recorded: { status: "failed", lastError }, counter: "failed" }
      : {
          recorded: {
            status: "retry",
            dueAt: new Date(at().getTime() + retryDelayMs(job.attempts)),
            lastError,
          },
          counter: "retried",
        };
  }

  const recorded = await recordJobOutcome(db, lease, outcome.recorded);
  if (!recorded)
    log?.warn({ leaseUntil: lease.until }, "due job lease lost before its outcome was recorded");
  return { counter: outcome.counter, recorded, ...(thrown ?? {}) };
}

/**
 * Runs the pending job (kind, subjectId) now, in this process, under the same lease as a
 * scheduler pass: a handler that wants its answer to say what happened (a milestone posted or
 * why not) runs the job itself, and the scheduler remains the fallback after a crash. Only one
 * of them ever runs it. `taken`: no pending free job (a pass has it, or it already ran).
 */
export async function runDueJobNow(options: {
  db: Store;
  owner: string;
  kind: string;
  subjectId: string;
  handler: DueJobHandler;
  now: () => Date;
  leaseMs?: number;
  maxAttempts?: number;
  log?: Logger;
}): Promise<{ status: "ran" } | { status: "taken" } | { status: "failed"; error: unknown }> {
  const { db, leaseMs = defaultLeaseMs, maxAttempts = defaultMaxAttempts } = options;
  const pending = await findPendingJob(db, options.kind, options.subjectId);
  if (!pending) return { status: "taken" };
  const claimedAt = options.now();
  const lease = leaseOf(pending.id, options.owner, claimedAt, leaseMs);
  // The same conditional update as a pass's: whichever runner's update matches owns the run.
  const job = await leaseDueJob(db, lease, claimedAt);
  if (!job) return { status: "taken" };
  const ran = await runLeased(
    db,
    job,
    lease,
    options.handler,
    maxAttempts,
    options.now,
    options.log,
  );
  return "error" in ran ? { status: "failed", error: ran.error } : { status: "ran" };
}
