import type { DueJob, Prisma } from "./generated/client.ts";
import { prismaOf, type Store } from "./store.ts";

/** Creates or re-arms the job (kind, subjectId): pending, at dueAt, attempts 0. Idempotent. */
export async function scheduleJob(
  store: Store,
  job: { guildId: string; kind: string; subjectId: string; dueAt: Date },
): Promise<void> {
  const fresh = { guildId: job.guildId, dueAt: job.dueAt, status: "pending", attempts: 0 };
  // A re-arm also drops the lease, so a run in flight cannot mark the re-armed job done.
  await prismaOf(store).dueJob.upsert({
    where: { kind_subjectId: { kind: job.kind, subjectId: job.subjectId } },
    create: { ...fresh, kind: job.kind, subjectId: job.subjectId },
    update: { ...fresh, leaseOwner: null, leaseUntil: null, lastError: null, doneAt: null },
  });
}

/**
 * Cancels the pending jobs of a subject, only of these kinds when given. Subject ids are only
 * unique per kind: pass kinds when ids of different families could collide.
 */
export async function cancelJobs(
  store: Store,
  subjectId: string,
  kinds?: readonly string[],
): Promise<number> {
  const { count } = await prismaOf(store).dueJob.updateMany({
    where: { subjectId, status: "pending", ...(kinds ? { kind: { in: [...kinds] } } : {}) },
    data: { status: "cancelled", leaseOwner: null, leaseUntil: null },
  });
  return count;
}

/** No lease, or one that has expired (its owner crashed or overran). */
function leaseFree(instant: Date) {
  return { OR: [{ leaseUntil: null }, { leaseUntil: { lte: instant } }] };
}

/**
 * The oldest due jobs this process may run: a list of candidates only, each one is then
 * claimed by leaseDueJob. A shard cannot ask the database for its own servers (the shard is
 * arithmetic on the id), so it pages past other shards' jobs; a few pages keep a shard that is
 * down from starving the others.
 */
export async function listDueJobCandidates(
  store: Store,
  now: Date,
  limit: number,
  serves: ((guildId: string) => boolean) | undefined,
): Promise<{ id: number; guildId: string }[]> {
  const db = prismaOf(store);
  const where = { status: "pending", dueAt: { lte: now }, ...leaseFree(now) };
  const orderBy = [{ dueAt: "asc" as const }, { id: "asc" as const }];
  const select = { id: true, guildId: true } as const;
  if (!serves) return db.dueJob.findMany({ where, orderBy, take: limit, select });
  const mine: { id: number; guildId: string }[] = [];
  const pageSize = limit * 4;
  for (let page = 0; page < 10 && mine.length < limit; page++) {
    const rows = await db.dueJob.findMany({
      where,
      orderBy,
      skip: page * pageSize,
      take: pageSize,
      select,
    });
    for (const row of rows) if (serves(row.guildId) && mine.length < limit) mine.push(row);
    if (rows.length < pageSize) break;
  }
  return mine;
}

/** Who holds a job's lease, and until when: the fence its outcome is written through. */
export interface JobLease {
  id: number;
  owner: string;
  until: Date;
}

/**
 * Takes the lease of job `id` if it is still pending, due at `claimedAt` and free, counting an
 * attempt; null when another runner got it first (or it was re-armed, cancelled or run).
 */
export async function leaseDueJob(
  store: Store,
  lease: JobLease,
  claimedAt: Date,
): Promise<DueJob | null> {
  // One statement decides the race: the runner whose update matched the row owns it.
  const [job] = await prismaOf(store).dueJob.updateManyAndReturn({
    where: { id: lease.id, status: "pending", dueAt: { lte: claimedAt }, ...leaseFree(claimedAt) },
    data: { leaseOwner: lease.owner, leaseUntil: lease.until, attempts: { increment: 1 } },
  });
  return job ?? null;
}

/**
 * How a run ended: done, failed for good, to be tried again at `dueAt`, or deferred to `dueAt`
 * by its handler (not an attempt: the count starts again).
 */
export type JobOutcome =
  | { status: "done"; doneAt: Date }
  | { status: "deferred"; dueAt: Date }
  | { status: "failed"; lastError: string }
  | { status: "retry"; dueAt: Date; lastError: string };

/**
 * Records a run's outcome only while the lease is still the runner's: a re-arm, cancel or
 * takeover since then changed the job, and the write misses. Whether it was recorded.
 */
export async function recordJobOutcome(
  store: Store,
  lease: JobLease,
  outcome: JobOutcome,
): Promise<boolean> {
  const data: Prisma.DueJobUpdateManyMutationInput =
    outcome.status === "done"
      ? { status: "done", doneAt: outcome.doneAt, lastError: null }
      : outcome.status === "failed"
        ? { status: "failed", lastError: outcome.lastError }
        : outcome.status === "deferred"
          ? { dueAt: outcome.dueAt, leaseOwner: null, leaseUntil: null, attempts: 0 }
          : {
              dueAt: outcome.dueAt,
              leaseOwner: null,
              leaseUntil: null,
              lastError: outcome.lastError,
            };
  const { count } = await prismaOf(store).dueJob.updateMany({
    where: { id: lease.id, status: "pending", leaseOwner: lease.owner, leaseUntil: lease.until },
    data,
  });
  return count === 1;
}

/** The pending job (kind, subjectId), if there is one. */
export function findPendingJob(
  store: Store,
  kind: string,
  subjectId: string,
): Promise<DueJob | null> {
  return prismaOf(store).dueJob.findFirst({ where: { kind, subjectId, status: "pending" } });
}

/**
 * Arms the job (kind, subjectId) at dueAt unless it is already pending and not running: a burst
 * of changes arms it once, and the run renders what is true then. A job running now (leased) is
 * re-armed, since it may have read the state before this change.
 */
export async function scheduleJobUnlessPending(
  store: Store,
  job: { guildId: string; kind: string; subjectId: string; dueAt: Date },
): Promise<void> {
  const fresh = { guildId: job.guildId, dueAt: job.dueAt, status: "pending", attempts: 0 };
  const key = { kind: job.kind, subjectId: job.subjectId };
  const { count } = await prismaOf(store).dueJob.updateMany({
    where: { ...key, OR: [{ status: { not: "pending" } }, { leaseOwner: { not: null } }] },
    data: { ...fresh, leaseOwner: null, leaseUntil: null, lastError: null, doneAt: null },
  });
  if (count === 1) return;
  // Already pending: the update writes nothing new, and the run to come shows this change too.
  // An upsert rather than a create that may fail: a failed statement aborts a PostgreSQL transaction.
  await prismaOf(store).dueJob.upsert({
    where: { kind_subjectId: key },
    create: { ...fresh, ...key },
    update: { guildId: job.guildId },
  });
}

/** When the earliest pending job is due, or null: the sandbox's `wait` runs jobs at their time. */
export async function findNextDueJobAt(store: Store): Promise<Date | null> {
  const job = await prismaOf(store).dueJob.findFirst({
    where: { status: "pending" },
    orderBy: [{ dueAt: "asc" }, { id: "asc" }],
    select: { dueAt: true },
  });
  return job?.dueAt ?? null;
}
