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
