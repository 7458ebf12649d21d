/** A task's Discord scheduled event: the link, what was last sent, why none could be made. */
import { prismaOf, type Store } from "./store.ts";

/**
 * Records the event the task is linked to, and what was sent. Only over no link or the same
 * one: false when another sync linked a different event first (the caller removes its own).
 */
export async function saveTaskEvent(
  store: Store,
  taskId: number,
  eventId: string,
  eventHash: string,
): Promise<boolean> {
  const { count } = await prismaOf(store).outreachTask.updateMany({
    where: { id: taskId, OR: [{ eventId: null }, { eventId }] },
    data: { eventId, eventHash, eventProblem: null },
  });
  return count === 1;
}

/** Why the last try made no event (missingPermissions | limit | failed). */
export async function saveTaskEventProblem(
  store: Store,
  taskId: number,
  problem: string,
): Promise<void> {
  await prismaOf(store).outreachTask.update({
    where: { id: taskId },
    data: { eventProblem: problem },
  });
}

/** The task has no event any more (removed, or gone from Discord). */
export async function clearTaskEvent(store: Store, taskId: number, eventId: string): Promise<void> {
  await prismaOf(store).outreachTask.updateMany({
    where: { id: taskId, eventId },
    data: { eventId: null, eventHash: null, eventInterested: null },
  });
}

/** The interested count Discord last gave; true when it changed. */
export async function saveEventInterested(
  store: Store,
  taskId: number,
  eventId: string,
  count: number,
): Promise<boolean> {
  const { count: changed } = await prismaOf(store).outreachTask.updateMany({
    where: {
      id: taskId,
      eventId,
      OR: [{ eventInterested: null }, { eventInterested: { not: count } }],
    },
    data: { eventInterested: count },
  });
  return changed === 1;
}
