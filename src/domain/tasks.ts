import type { Db } from "../db/client.ts";
import type { Claim, Prisma } from "../db/generated/client.ts";
import { takeClaimSlot } from "../db/claimSlot.ts";
import {
  sqliteReads,
  type ListedTask,
  type TaskChoice,
  type TaskChoiceQuery,
  type TaskListQuery,
  type TaskWithCampaign,
} from "../db/sqliteReads.ts";
import { cancelJobs, scheduleJob } from "../db/dueJobs.ts";
import { recordAudit } from "./audit.ts";
import { getActiveCampaign } from "./campaigns.ts";
import { UserError } from "./errors.ts";
import { foldTitle, withFoldedTitle, type TaskFields } from "./taskFields.ts";

export type { TaskWithCampaign };

const hour = 60 * 60 * 1000;
const day = 24 * hour;
export const openClaimStatuses = ["active", "submitted"] as const;
export const claimJobKinds = ["claim.expire", "claim.remindExpiry", "claim.remindDue"] as const;

type Tx = Prisma.TransactionClient;

/** Reads a task id as Discord sends it (autocomplete value, button or typed text). */
export function parseTaskId(value: string): number {
  if (!/^\d{1,9}$/.test(value.trim())) throw new UserError("task.pickFromList");
  return Number(value.trim());
}

/** A task of this server; another server's id is "not found", never a hint that it exists. */
export async function getTask(db: Db | Tx, guildId: string, id: number): Promise<TaskWithCampaign> {
  const sqlite = sqliteReads(db);
  const task = sqlite
    ? sqlite.task(guildId, id)
    : await db.outreachTask.findFirst({ where: { id, guildId }, include: { campaign: true } });
  if (!task) throw new UserError("task.notFound");
  return task;
}

export async function addTask(
  db: Db,
  guildId: string,
  actorId: string,
  campaignId: number,
  fields: TaskFields,
): Promise<TaskWithCampaign> {
  await getActiveCampaign(db, guildId, campaignId);
  return db.$transaction(async (tx) => {
    const task = await tx.outreachTask.create({
      data: { ...withFoldedTitle(fields), guildId, campaignId, createdById: actorId },
      include: { campaign: true },
    });
    await recordAudit(tx, {
      guildId,
      actorId,
      action: "task.add",
      subjectId: task.id,
      details: { title: fields.title },
    });
    return task;
  });
}

/** Remembers where the task's public card is, so it can be updated in place. */
export async function setTaskCard(
  db: Db,
  taskId: number,
  channelId: string,
  messageId: string,
): Promise<void> {
  await db.outreachTask.update({
    where: { id: taskId },
    data: { cardChannelId: channelId, cardMessageId: messageId },
  });
}

/** Why a claim could not be taken, from what the conditional update saw when it said no. */
function claimRefusal(task: TaskWithCampaign | null, held: boolean): UserError {
  // Another server's task is "not found", as everywhere.
  if (!task) return new UserError("task.notFound");
  if (task.status === "cancelled") return new UserError("task.cancelled", { title: task.title });
  if (task.status === "done") return new UserError("task.alreadyDone", { title: task.title });
  if (task.campaign.status !== "active")
    return new UserError("task.campaignClosed", { title: task.campaign.title });
  if (held) return new UserError("task.alreadyClaimed");
  return new UserError("task.full", { title: task.title, count: task.slots });
}

/**
 * Takes one slot of a task for a member, with its expiry after the server's claim expiry days
 * and reminders a day before that and a day before the task is due (those still ahead). The
 * slot is decided by ONE conditional update (open task, open campaign, fewer claims than slots),
 * so members pressing Claim at the same instant never overfill a task; the unique index on open
 * claims refuses a second claim by the same member, and the slot goes back with it. A member's
 * own claim (`claimerLanguage` given) also notes the language their reminders are written in.
 * The write is src/db/claimSlot.ts: Rally's most frequent one, made without Prisma's
 * per-statement cost.
 */
export async function claimTask(
  db: Db,
  guildId: string,
  volunteerId: string,
  taskId: number,
  now: Date,
  claimExpiryDays: number,
  claimerLanguage?: string,
): Promise<{ task: TaskWithCampaign; claim: Claim }> {
  const expiresAt = new Date(now.getTime() + claimExpiryDays * day);
  const taken = await takeClaimSlot(db, {
    guildId,
    taskId,
    volunteerId,
    claimedAt: now,
    expiresAt,
    remindBeforeMs: day,
    claimerLanguage,
  });
  if (taken.outcome === "alreadyHeld") throw new UserError("task.alreadyClaimed");
  if (taken.outcome === "refused") throw claimRefusal(taken.task, taken.held);
  const claim: Claim = {
    id: taken.claimId,
    guildId,
    taskId,
    volunteerId,
    status: "active",
    openMarker: 1,
    proofLink: null,
    note: null,
    rejectReason: null,
    reviewedById: null,
    claimedAt: now,
    expiresAt,
    submittedAt: null,
    closedAt: null,
  };
  // As the claim left it: what the claimer and the card show.
  return { task: taken.task, claim };
}

/** An organizer gives a slot to a member, exactly as if they had claimed it. */
export async function assignTask(
  db: Db,
  guildId: string,
  actorId: string,
  taskId: number,
  memberId: string,
  now: Date,
  claimExpiryDays: number,
): Promise<{ task: TaskWithCampaign; claim: Claim }> {
  const result = await claimTask(db, guildId, memberId, taskId, now, claimExpiryDays).catch(
    (error: unknown) => {
      if (error instanceof UserError && error.key === "task.alreadyClaimed")
        throw new UserError("task.alreadyAssigned");
      throw error;
    },
  );
  await recordAudit(db, {
    guildId,
    actorId,
    action: "task.assign",
    subjectId: taskId,
    details: { claimId: result.claim.id },
  });
  return result;
}

/** Refuses early (before a form is shown) a member who does not hold the task. */
export async function requireOpenClaim(
  db: Db,
  guildId: string,
  volunteerId: string,
  taskId: number,
): Promise<Claim> {
  return openClaimOf(db, guildId, volunteerId, taskId);
}

async function openClaimOf(
  tx: Db | Tx,
  guildId: string,
  volunteerId: string,
  taskId: number,
): Promise<Claim> {
  const claim = await tx.claim.findFirst({
    where: { guildId, taskId, volunteerId, status: { in: [...openClaimStatuses] } },
  });
  if (!claim) {
    await getTask(tx, guildId, taskId);
    throw new UserError("task.notHolding");
  }
  return claim;
}

/** Closes an active claim (release, expiry) and gives its slot back, in one transaction. */
async function closeActiveClaim(
  tx: Tx,
  claim: Claim,
  status: "released" | "expired",
  now: Date,
): Promise<boolean> {
  const closed = await tx.claim.updateMany({
    where: { id: claim.id, status: "active" },
    data: { status, openMarker: null, closedAt: now },
  });
  if (closed.count !== 1) return false;
  await tx.outreachTask.update({
    where: { id: claim.taskId },
    data: { claimedSlots: { decrement: 1 } },
  });
  await cancelJobs(tx, String(claim.id), claimJobKinds);
  return true;
}

export async function releaseTask(
  db: Db,
  guildId: string,
  volunteerId: string,
  taskId: number,
  now: Date,
): Promise<TaskWithCampaign> {
  return db.$transaction(async (tx) => {
    const claim = await openClaimOf(tx, guildId, volunteerId, taskId);
    if (claim.status === "submitted") throw new UserError("task.releaseSubmitted");
    if (!(await closeActiveClaim(tx, claim, "released", now)))
      throw new UserError("task.notHolding");
    return getTask(tx, guildId, taskId);
  });
}

/**
 * Expires an active claim that outlived the server's claim expiry: the slot goes back to the
 * pool. Returns null when the claim is no longer active (done, released, already expired).
 */
export async function expireClaim(
  db: Db,
  claimId: number,
  now: Date,
): Promise<{ claim: Claim; task: TaskWithCampaign } | null> {
  return db.$transaction(async (tx) => {
    const claim = await tx.claim.findUnique({ where: { id: claimId } });
    if (!claim || claim.expiresAt > now) return null;
    if (!(await closeActiveClaim(tx, claim, "expired", now))) return null;
    return { claim, task: await getTask(tx, claim.guildId, claim.taskId) };
  });
}

/** Counts a claim as done: adds to the done count, and closes the task once every slot is done. */
async function completeClaim(
  tx: Tx,
  claimId: number,
  from: "active" | "submitted",
  data: Prisma.ClaimUpdateManyMutationInput,
  now: Date,
): Promise<boolean> {
  const claim = await tx.claim.findUniqueOrThrow({ where: { id: claimId } });
  const updated = await tx.claim.updateMany({
    where: { id: claimId, status: from },
    data: { ...data, status: "done", openMarker: null, closedAt: now },
  });
  if (updated.count !== 1) return false;
  // The slot stays taken: done work fills it for good.
  await tx.outreachTask.update({
    where: { id: claim.taskId },
    data: { doneCount: { increment: 1 } },
  });
  await tx.outreachTask.updateMany({
    where: { id: claim.taskId, status: "open", doneCount: { gte: tx.outreachTask.fields.slots } },
    data: { status: "done" },
  });
  await cancelJobs(tx, String(claimId), claimJobKinds);
  return true;
}

/**
 * Why a claim read as active could not be finished: a request that ran at the same time (the
 * same form sent twice) submitted it, or it was released or expired meanwhile.
 */
async function finishRefusal(tx: Tx, claimId: number): Promise<UserError> {
  const claim = await tx.claim.findUnique({ where: { id: claimId } });
  return new UserError(claim?.status === "submitted" ? "task.alreadySubmitted" : "task.notHolding");
}

interface Proof {
  proofLink: string | null;
  note: string | null;
}

/**
 * Marks the member's claim done, with an optional proof link and note. With review on, it waits
 * for an organizer (and keeps its slot); otherwise it counts at once.
 */
export async function finishTask(
  db: Db,
  guildId: string,
  volunteerId: string,
  taskId: number,
  proof: Proof,
  now: Date,
  reviewRequired: boolean,
): Promise<{ task: TaskWithCampaign; claim: Claim; state: "done" | "submitted" }> {
  return db.$transaction(async (tx) => {
    const claim = await openClaimOf(tx, guildId, volunteerId, taskId);
    if (claim.status === "submitted") throw new UserError("task.alreadySubmitted");
    if (reviewRequired) {
      const submitted = await tx.claim.updateMany({
        where: { id: claim.id, status: "active" },
        data: { status: "submitted", ...proof, submittedAt: now },
      });
      if (submitted.count !== 1) throw await finishRefusal(tx, claim.id);
      // A claim waiting for review must not expire while organizers look at it.
      await cancelJobs(tx, String(claim.id), claimJobKinds);
    } else if (
      !(await completeClaim(tx, claim.id, "active", { ...proof, submittedAt: now }, now))
    ) {
      throw new UserError("task.notHolding");
    }
    const saved = await tx.claim.findUniqueOrThrow({ where: { id: claim.id } });
    return {
      task: await getTask(tx, guildId, taskId),
      claim: saved,
      state: reviewRequired ? "submitted" : "done",
    };
  });
}

/** An organizer approves or rejects a submitted claim; a reject frees the slot again. */
export async function reviewClaim(
  db: Db,
  guildId: string,
  actorId: string,
  claimId: number,
  decision: { approve: true } | { approve: false; reason: string },
  now: Date,
): Promise<{ task: TaskWithCampaign; claim: Claim }> {
  return db.$transaction(async (tx) => {
    const claim = await tx.claim.findFirst({ where: { id: claimId, guildId } });
    if (!claim) throw new UserError("task.reviewNotFound");
    const reviewed = decision.approve
      ? await completeClaim(tx, claim.id, "submitted", { reviewedById: actorId }, now)
      : (
          await tx.claim.updateMany({
            where: { id: claim.id, status: "submitted" },
            data: {
              status: "rejected",
              openMarker: null,
              closedAt: now,
              reviewedById: actorId,
              rejectReason: decision.reason,
            },
          })
        ).count === 1;
    if (!reviewed) throw new UserError("task.alreadyReviewed");
    if (!decision.approve) {
      await tx.outreachTask.update({
        where: { id: claim.taskId },
        data: { claimedSlots: { decrement: 1 } },
      });
    }
    await recordAudit(tx, {
      guildId,
      actorId,
      action: decision.approve ? "task.approve" : "task.reject",
      subjectId: claim.taskId,
      details: { claimId },
    });
    return {
      task: await getTask(tx, guildId, claim.taskId),
      claim: await tx.claim.findUniqueOrThrow({ where: { id: claimId } }),
    };
  });
}

/** Cancels an open task: every open claim is released and the card stops taking claims. */
export async function cancelTask(
  db: Db,
  guildId: string,
  actorId: string,
  taskId: number,
  now: Date,
): Promise<TaskWithCampaign> {
  return db.$transaction(async (tx) => {
    const task = await getTask(tx, guildId, taskId);
    const cancelled = await tx.outreachTask.updateMany({
      where: { id: taskId, guildId, status: "open" },
      data: { status: "cancelled", claimedSlots: task.doneCount },
    });
    if (cancelled.count !== 1) {
      throw new UserError(task.status === "done" ? "task.alreadyDone" : "task.cancelled", {
        title: task.title,
      });
    }
    const open = await tx.claim.findMany({
      where: { taskId, status: { in: [...openClaimStatuses] } },
    });
    await tx.claim.updateMany({
      where: { taskId, status: { in: [...openClaimStatuses] } },
      data: { status: "released", openMarker: null, closedAt: now },
    });
    for (const claim of open) await cancelJobs(tx, String(claim.id), claimJobKinds);
    await recordAudit(tx, { guildId, actorId, action: "task.cancel", subjectId: taskId });
    return getTask(tx, guildId, taskId);
  });
}

export async function editTask(
  db: Db,
  guildId: string,
  actorId: string,
  taskId: number,
  changes: Partial<TaskFields>,
  now: Date,
): Promise<TaskWithCampaign> {
  return db.$transaction(async (tx) => {
    const task = await getTask(tx, guildId, taskId);
    if (task.status !== "open") throw new UserError("task.notOpen", { title: task.title });
    // Fewer slots than the claims already held or done would leave a member without theirs.
    const minimumSlots = changes.slots;
    const updated = await tx.outreachTask.updateMany({
      where: {
        id: taskId,
        guildId,
        status: "open",
        ...(minimumSlots === undefined ? {} : { claimedSlots: { lte: minimumSlots } }),
      },
      data: withFoldedTitle(changes),
    });
    if (updated.count !== 1)
      throw new UserError("task.slotsBelowClaims", { held: task.claimedSlots });
    await tx.outreachTask.updateMany({
      where: { id: taskId, status: "open", doneCount: { gte: tx.outreachTask.fields.slots } },
      data: { status: "done" },
    });
    if (changes.dueAt !== undefined) {
      const active = await tx.claim.findMany({ where: { taskId, status: "active" } });
      for (const claim of active) {
        await cancelJobs(tx, String(claim.id), ["claim.remindDue"]);
        const reminder = changes.dueAt ? new Date(changes.dueAt.getTime() - day) : null;
        if (reminder && reminder > now) {
          await scheduleJob(tx, {
            guildId,
            kind: "claim.remindDue",
            subjectId: String(claim.id),
            dueAt: reminder,
          });
        }
      }
    }
    await recordAudit(tx, {
      guildId,
      actorId,
      action: "task.edit",
      subjectId: taskId,
      details: { changed: Object.keys(changes) },
    });
    return getTask(tx, guildId, taskId);
  });
}

export const taskFilters = ["open", "mine", "claimed", "review", "done", "overdue"] as const;
export type TaskFilter = (typeof taskFilters)[number];

/** A list's conditions through Prisma (src/db/sqliteReads.ts has them in SQL for SQLite). */
function listWhere(
  list: TaskListQuery,
  fields: Db["outreachTask"]["fields"],
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

const taskPageSize = 10;

/** One page of this server's tasks, with their open claims (shown to organizers and to the claimer only). */
export async function listTasks(
  db: Db,
  guildId: string,
  query: { campaignId: number | null; filter: TaskFilter; userId: string; now: Date; page: number },
): Promise<{ tasks: ListedTask[]; total: number; page: number; pages: number }> {
  const list: TaskListQuery = {
    guildId,
    campaignId: query.campaignId,
    filter: query.filter,
    heldIds: query.filter === "mine" ? await heldTaskIds(db, guildId, query.userId) : [],
    now: query.now,
  };
  const sqlite = sqliteReads(db);
  const where = listWhere(list, db.outreachTask.fields);
  const total = sqlite ? sqlite.countTasks(list) : await db.outreachTask.count({ where });
  const pages = Math.max(1, Math.ceil(total / taskPageSize));
  const page = Math.min(Math.max(0, query.page), pages - 1);
  const skip = page * taskPageSize;
  const tasks = sqlite
    ? sqlite.taskPage(list, skip, taskPageSize)
    : await db.outreachTask.findMany({
        where,
        include: {
          campaign: true,
          claims: {
            where: { status: { in: [...openClaimStatuses] } },
            orderBy: [{ claimedAt: "asc" }, { id: "asc" }],
          },
        },
        orderBy: [{ dueAt: { sort: "asc", nulls: "last" } }, { id: "asc" }],
        skip,
        take: taskPageSize,
      });
  return { tasks, total, page, pages };
}

/**
 * The tasks a member holds an open claim on, newest first, read from their claims by the
 * (guildId, volunteerId, status) index. The other way round, asking each of the server's tasks
 * whether the member holds it, reads every task: 4-8 ms on a server of 5,000.
 */
async function heldTaskIds(
  db: Db,
  guildId: string,
  userId: string,
  limit?: number,
): Promise<number[]> {
  const sqlite = sqliteReads(db);
  if (sqlite) return sqlite.heldTaskIds(guildId, userId, limit);
  const claims = await db.claim.findMany({
    where: { guildId, volunteerId: userId, status: { in: [...openClaimStatuses] } },
    select: { taskId: true },
    orderBy: { taskId: "desc" },
    ...(limit === undefined ? {} : { take: limit }),
  });
  return claims.map((claim) => claim.taskId);
}

const choiceFields = { id: true, title: true, claimedSlots: true, slots: true } as const;
const choiceLimit = 25;
const largestSearchBatch = 1000;

/** Autocomplete's read of a server's tasks, newest first (see TaskChoiceQuery). */
async function taskChoices(db: Db, query: TaskChoiceQuery): Promise<TaskChoice[]> {
  const sqlite = sqliteReads(db);
  if (sqlite) return sqlite.taskChoices(query);
  const needle = query.foldedTitleContains;
  const id: Prisma.IntFilter = {
    ...(query.ids ? { in: [...query.ids] } : {}),
    ...(query.before === undefined ? {} : { lt: query.before }),
  };
  return db.outreachTask.findMany({
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
 * Autocomplete: the member's own open claims first, then this server's tasks, newest first,
 * whose title contains what the member typed (any case, any script). Reads titles in batches
 * until the choices are full, so an old task is found too.
 *
 * Case is folded here, not by the database (neither SQLite's LIKE nor PostgreSQL's folds case
 * in every script): SQL only narrows the rows read to those whose stored folded title contains
 * the folded needle, or that have none (older rows); the check here decides. On PostgreSQL that
 * is Prisma's `contains` (LIKE), whose wildcards typed by a member can only widen what SQL
 * returns, never hide a match; on SQLite an exact `instr`.
 */
export async function searchTasks(
  db: Db,
  guildId: string,
  userId: string,
  query: string,
  scope: "mine" | "open" | "any",
): Promise<TaskChoice[]> {
  const needle = foldTitle(query.trim());
  const matches = (task: TaskChoice) => foldTitle(task.title).includes(needle);
  const held = await heldTaskIds(db, guildId, userId, 50);
  // Most members typing hold nothing: no second query then.
  const mine = held.length === 0 ? [] : await taskChoices(db, { guildId, ids: held });
  const choices = mine.filter(matches).slice(0, choiceLimit);
  if (scope === "mine") return choices;
  const heldIds = new Set(mine.map((task) => task.id));
  let before: number | undefined;
  // Narrowed by SQL, the first rows read nearly all match: read what fills the choices first,
  // more each time after (rows without a folded title, or a needle with LIKE's wildcards).
  let batchSize = choiceLimit - choices.length + heldIds.size;
  while (choices.length < choiceLimit) {
    const batch = await taskChoices(db, {
      guildId,
      openOnly: scope === "open",
      before,
      foldedTitleContains: needle,
      take: batchSize,
    });
    for (const task of batch) {
      if (!heldIds.has(task.id) && matches(task) && choices.length < choiceLimit)
        choices.push(task);
    }
    if (batch.length < batchSize) break;
    before = batch.at(-1)?.id;
    batchSize = Math.min(batchSize * 4, largestSearchBatch);
  }
  return choices;
}

/** Open and done task numbers of a campaign, for its card. */
export async function taskNumbers(
  db: Db,
  guildId: string,
  campaignId: number,
): Promise<{ open: number; done: number }> {
  const sqlite = sqliteReads(db);
  const counts = sqlite
    ? sqlite.taskCountsByStatus(guildId, campaignId)
    : new Map(
        (
          await db.outreachTask.groupBy({
            by: ["status"],
            where: { guildId, campaignId },
            _count: { _all: true },
          })
        ).map((group) => [group.status, group._count._all]),
      );
  return { open: counts.get("open") ?? 0, done: counts.get("done") ?? 0 };
}

/** The member's own claims and totals, for /me status. */
export async function memberStatus(db: Db, guildId: string, userId: string) {
  const open = await db.claim.findMany({
    where: { guildId, volunteerId: userId, status: { in: [...openClaimStatuses] } },
    include: { task: { include: { campaign: true } } },
    orderBy: { claimedAt: "asc" },
  });
  const done = await db.claim.count({ where: { guildId, volunteerId: userId, status: "done" } });
  return { open, done };
}

/** The first claim of a task waiting for review, for /task review. */
export async function nextSubmission(db: Db, guildId: string, taskId: number) {
  const task = await getTask(db, guildId, taskId);
  const submission = await db.claim.findFirst({
    where: { guildId, taskId, status: "submitted" },
    orderBy: { submittedAt: "asc" },
  });
  return { task, submission };
}
