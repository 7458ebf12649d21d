import type { OutreachTask, Prisma } from "./generated/client.ts";
import { openClaimStatuses } from "./claims.ts";
import { nextNumber } from "./numbers.ts";
import {
  sqliteReads,
  type ListedTask,
  type TaskChoice,
  type TaskChoiceQuery,
  type TaskListQuery,
  type TaskWithCampaign,
} from "./sqliteReads.ts";
import { inTransaction, prismaOf, type Store } from "./store.ts";

export type { ListedTask, TaskChoice, TaskChoiceQuery, TaskListQuery };

/** A task's own columns as /task add, edit and import write them. */
type TaskValues = Pick<
  OutreachTask,
  "title" | "kind" | "location" | "slots" | "dueAt" | "instructions"
> & { titleFolded?: string } & Partial<Pick<OutreachTask, "startsAt" | "eventWanted">>;

type NewTask = TaskValues & { guildId: string; campaignId: number; createdById: string };

/** A task of this server with its campaign; another server's id reads as none. */
export async function findTask(
  store: Store,
  guildId: string,
  id: number,
): Promise<TaskWithCampaign | null> {
  const sqlite = sqliteReads(store);
  return sqlite
    ? sqlite.task(guildId, id)
    : prismaOf(store).outreachTask.findFirst({
        where: { id, guildId },
        include: { campaign: true },
      });
}

/** A new task, numbered after the server's highest (src/db/numbers.ts). */
export function insertTask(store: Store, task: NewTask): Promise<TaskWithCampaign> {
  return inTransaction(store, async (tx) => {
    const number = await nextNumber(prismaOf(tx), "OutreachTask", task.guildId);
    return prismaOf(tx).outreachTask.create({
      data: { ...task, number },
      include: { campaign: true },
    });
  });
}

/** Creates the tasks of an import, of one server, numbered in file order; returns how many. */
export async function insertTasks(store: Store, tasks: NewTask[]): Promise<number> {
  const [first] = tasks;
  if (!first) return 0;
  return inTransaction(store, async (tx) => {
    const number = await nextNumber(prismaOf(tx), "OutreachTask", first.guildId);
    const { count } = await prismaOf(tx).outreachTask.createMany({
      data: tasks.map((task, index) => ({ ...task, number: number + index })),
    });
    return count;
  });
}

export async function saveTaskCard(
  store: Store,
  taskId: number,
  channelId: string,
  messageId: string,
): Promise<void> {
  await prismaOf(store).outreachTask.update({
    where: { id: taskId },
    data: { cardChannelId: channelId, cardMessageId: messageId },
  });
}

/** A claimed slot of the task is free again. */
export async function giveSlotBack(store: Store, taskId: number): Promise<void> {
  await prismaOf(store).outreachTask.update({
    where: { id: taskId },
    data: { claimedSlots: { decrement: 1 } },
  });
}

/** One more of the task's slots is done. */
export async function addDoneSlot(store: Store, taskId: number): Promise<void> {
  await prismaOf(store).outreachTask.update({
    where: { id: taskId },
    data: { doneCount: { increment: 1 } },
  });
}

/** An open task whose every slot is done becomes done. */
export async function closeTaskIfAllDone(store: Store, taskId: number): Promise<void> {
  const tx = prismaOf(store);
  await tx.outreachTask.updateMany({
    where: { id: taskId, status: "open", doneCount: { gte: tx.outreachTask.fields.slots } },
    data: { status: "done" },
  });
}

/**
 * Cancels the task if it is open, keeping only its done slots as claimed; false when it was
 * not open.
 */
export async function cancelTaskIfOpen(
  store: Store,
  guildId: string,
  taskId: number,
  doneCount: number,
): Promise<boolean> {
  const cancelled = await prismaOf(store).outreachTask.updateMany({
    where: { id: taskId, guildId, status: "open" },
    data: { status: "cancelled", claimedSlots: doneCount },
  });
  return cancelled.count === 1;
}

/**
 * Writes changes to an open task, only while it holds no more than `maxClaimedSlots` claims
 * when given; false when it is not open or holds more.
 */
export async function updateOpenTask(
  store: Store,
  guildId: string,
  taskId: number,
  changes: Partial<TaskValues>,
  maxClaimedSlots: number | undefined,
): Promise<boolean> {
  const updated = await prismaOf(store).outreachTask.updateMany({
    where: {
      id: taskId,
      guildId,
      status: "open",
      ...(maxClaimedSlots === undefined ? {} : { claimedSlots: { lte: maxClaimedSlots } }),
    },
    data: changes,
  });
  return updated.count === 1;
}

/** A list's conditions through Prisma (src/db/sqliteReads.ts has them in SQL for SQLite). */
function listWhere(
  list: TaskListQuery,
  fields: Prisma.TransactionClient["outreachTask"]["fields"],
): Prisma.OutreachTaskWhereInput {
  const where = {
    guildId: list.guildId,
    ...(list.campaignId === null ? {} : { campaignId: list.campaignId }),
  };
  switch (list.filter) {
    case "open":
      return {
        ...where,
        status: "open",
        claimedSlots: { lt: fields.slots },
        campaign: { status: "active" },
      };
    case "mine":
      return { ...where, id: { in: [...list.heldIds] } };
    case "claimed":
      return {
        ...where,
        status: "open",
        claims: { some: { status: { in: [...openClaimStatuses] } } },
      };
    case "review":
      return { ...where, claims: { some: { status: "submitted" } } };
    case "done":
      return { ...where, status: "done" };
    case "overdue":
      return {
        ...where,
        status: "open",
        dueAt: { lt: list.now },
        claims: { some: { status: "active" } },
      };
  }
}

/** How many tasks /task list has for this query. */
export async function countListedTasks(store: Store, list: TaskListQuery): Promise<number> {
  const sqlite = sqliteReads(store);
  if (sqlite) return sqlite.countTasks(list);
  const tasks = prismaOf(store).outreachTask;
  return tasks.count({ where: listWhere(list, tasks.fields) });
}

/**
 * One page of /task list: due first (no due date last), then oldest, each with its campaign
 * and its open claims, oldest first.
 */
export async function listTaskPage(
  store: Store,
  list: TaskListQuery,
  skip: number,
  take: number,
): Promise<ListedTask[]> {
  const sqlite = sqliteReads(store);
  if (sqlite) return sqlite.taskPage(list, skip, take);
  const tasks = prismaOf(store).outreachTask;
  return tasks.findMany({
    where: listWhere(list, tasks.fields),
    include: {
      campaign: true,
      claims: {
        where: { status: { in: [...openClaimStatuses] } },
        orderBy: [{ claimedAt: "asc" }, { id: "asc" }],
      },
    },
    orderBy: [{ dueAt: { sort: "asc", nulls: "last" } }, { id: "asc" }],
    skip,
    take,
  });
}

const choiceFields = {
  id: true,
  number: true,
  title: true,
  claimedSlots: true,
  slots: true,
} as const;

/** Autocomplete's read of a server's tasks, newest first (see TaskChoiceQuery). */
export async function listTaskChoices(store: Store, query: TaskChoiceQuery): Promise<TaskChoice[]> {
  const sqlite = sqliteReads(store);
  if (sqlite) return sqlite.taskChoices(query);
  const needle = query.foldedTitleContains;
  const id: Prisma.IntFilter = {
    ...(query.ids ? { in: [...query.ids] } : {}),
    ...(query.before === undefined ? {} : { lt: query.before }),
  };
  return prismaOf(store).outreachTask.findMany({
    where: {
      guildId: query.guildId,
      id,
      ...(query.openOnly ? { status: "open" } : {}),
      ...(needle ? { OR: [{ titleFolded: { contains: needle } }, { titleFolded: null }] } : {}),
    },
    select: choiceFields,
    orderBy: { id: "desc" },
    ...(query.take === undefined ? {} : { take: query.take }),
  });
}

/**
 * Touches the task if it is this server's, open, and its campaign active; false otherwise. As a
 * transaction's first write it locks the task's row (PostgreSQL) or takes the write lock
 * (SQLite), so a cancel or a claim of the same task waits for what follows.
 */
export async function touchTaskIfOpen(
  store: Store,
  guildId: string,
  taskId: number,
  now: Date,
): Promise<boolean> {
  const locked = await prismaOf(store).outreachTask.updateMany({
    where: { id: taskId, guildId, status: "open", campaign: { status: "active" } },
    data: { updatedAt: now },
  });
  return locked.count === 1;
}
