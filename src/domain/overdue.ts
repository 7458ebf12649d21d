/**
 * A claim is overdue while it is still being worked on (not waiting for review) on an open task
 * whose due date has passed: the rule of `/task list filter:overdue` and of the summary's count.
 */
export function isOverdueClaim(
  claim: { status: string },
  task: { status: string; dueAt: Date | null },
  now: Date,
): boolean {
  return (
    claim.status === "active" &&
    task.status === "open" &&
    task.dueAt !== null &&
    task.dueAt.getTime() < now.getTime()
  );
}

/** Whether any of a task's claims is overdue. */
export function hasOverdueClaim(
  task: { status: string; dueAt: Date | null; claims: readonly { status: string }[] },
  now: Date,
): boolean {
  return task.claims.some((claim) => isOverdueClaim(claim, task, now));
}
