/** The rows of a repeating task's series: its start, the hand-over to the next occurrence, its stop. */
import type { OutreachTask } from "./generated/client.ts";
import { nextNumber } from "./numbers.ts";
import type { TaskWithCampaign } from "./sqliteReads.ts";
import { inTransaction, prismaOf, type Store } from "./store.ts";

/** Makes a task the first occurrence of a series: it carries the series forward. */
export async function startSeries(
  store: Store,
  taskId: number,
  repeat: string,
  repeatUntil: Date | null,
): Promise<void> {
  await prismaOf(store).outreachTask.update({
    where: { id: taskId },
    data: { repeat, repeatUntil, seriesId: taskId },
  });
}

/**
 * Takes the series from an occurrence that still carries it (its `repeat` set back to NULL);
 * false when it no longer does (another run took it, or the series was stopped). One
 * conditional statement decides: a second run, on another shard too, waits for the first's
 * transaction and then matches nothing.
 */
export async function takeSeriesFrom(
  store: Store,
  guildId: string,
  taskId: number,
): Promise<boolean> {
  const { count } = await prismaOf(store).outreachTask.updateMany({
    where: { id: taskId, guildId, repeat: { not: null } },
    data: { repeat: null },
  });
  return count === 1;
}

/**
 * The fields the next occurrence copies, with its own due date and the server's next number;
 * it carries the series on.
 */
export function insertOccurrence(
  store: Store,
  from: OutreachTask,
  dueAt: Date,
  repeat: string,
): Promise<TaskWithCampaign> {
  return inTransaction(store, async (tx) => {
    const number = await nextNumber(prismaOf(tx), "OutreachTask", from.guildId);
    return prismaOf(tx).outreachTask.create({
      data: {
        number,
        guildId: from.guildId,
        campaignId: from.campaignId,
        title: from.title,
        titleFolded: from.titleFolded,
        kind: from.kind,
        location: from.location,
        instructions: from.instructions,
        slots: from.slots,
        dueAt,
        // The start keeps its distance before the due date; the event wish carries on.
        startsAt:
          from.startsAt && from.dueAt
            ? new Date(dueAt.getTime() - (from.dueAt.getTime() - from.startsAt.getTime()))
            : null,
        eventWanted: from.eventWanted,
        createdById: from.createdById,
        repeat,
        repeatUntil: from.repeatUntil,
        seriesId: from.seriesId,
      },
      include: { campaign: true },
    });
  });
}

/** Ends a series: no occurrence carries it any more. The ids of those that did. */
export async function stopSeriesRows(
  store: Store,
  guildId: string,
  seriesId: number,
): Promise<number[]> {
  const rows = await prismaOf(store).outreachTask.updateManyAndReturn({
    where: { guildId, seriesId, repeat: { not: null } },
    data: { repeat: null },
    select: { id: true },
  });
  return rows.map((row) => row.id);
}

/** A series' first occurrence: its day of the month and time of day set every later one's. */
export async function findSeriesStart(
  store: Store,
  guildId: string,
  seriesId: number,
): Promise<{ dueAt: Date | null } | null> {
  return prismaOf(store).outreachTask.findFirst({
    where: { id: seriesId, guildId },
    select: { dueAt: true },
  });
}
