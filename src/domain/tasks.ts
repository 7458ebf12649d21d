import { takeClaimSlot } from "../db/claimSlot.ts";
import {
  closeClaimIfActive,
  countDoneClaimsOfMember,
  findActiveClaimWithTask,
  findClaim,
  findClaimOfGuild,
  findExistingClaim,
  findFirstSubmission,
  findOpenClaim,
  insertActiveClaim,
  listActiveClaimsOfTask,
  listHeldTaskIds,
  listOpenClaimsOfMember,
  listOpenClaimsOfTask,
  markClaimDoneIf,
  rejectClaimIfSubmitted,
  releaseOpenClaimsOfTask,
  submitClaimIfActive,
  type ClaimWithTask,
  type CompletionDetails,
} from "../db/claims.ts";
import { cancelJobs, scheduleJob } from "../db/dueJobs.ts";
import type { Claim, DueJob, ListedTask, TaskWithCampaign } from "../db/rows.ts";
import { countTasksByStatus } from "../db/campaigns.ts";
import { inTransaction, type Store } from "../db/store.ts";
import {
  addDoneSlot,
  cancelTaskIfOpen,
  closeTaskIfAllDone,
  countListedTasks,
  findTask,
  giveSlotBack,
  insertTask,
  touchTaskIfOpen,
  listTaskChoices,
  listTaskPage,
  saveTaskCard,
  updateOpenTask,
  type TaskChoice,
  type TaskListQuery,
} from "../db/tasks.ts";
import { auditChanges, recordAudit } from "./audit.ts";
import { getActiveCampaign } from "./campaigns.ts";
import { UserError } from "./errors.ts";
import { beginSeries, checkRepeat, repeatJobKind, type Repeat } from "./repeatRules.ts";
import { foldTitle, withFoldedTitle, type TaskFields } from "./taskFields.ts";
import { armTaskEvent, checkTaskEvent, eventBackstopMs } from "./taskEvents.ts";
import { now as clockNow } from "../clock.ts";

// Rows Discord code needs of this domain; it may not import src/db itself.
export type { ClaimWithTask, DueJob, ListedTask, TaskWithCampaign };
export { openClaimStatuses } from "../db/claims.ts";

const hour = 60 * 60 * 1000;
const day = 24 * hour;
export const claimJobKinds = ["claim.expire", "claim.remindExpiry", "claim.remindDue"] as const;

/** Reads a task id as Discord sends it (autocomplete value, button or typed text). */
export function parseTaskId(value: string): number {
  if (!/^\d{1,9}$/.test(value.trim())) throw new UserError("task.pickFromList");
  return Number(value.trim());
}

/**
 * A task as typed into a `task` option: the id autocomplete sends, or else a title typed in full
 * without picking from the list (one task of this server with exactly that title, any case), so
 * the answer says what stands in the way rather than asking to pick again.
 */
export async function resolveTaskInput(
  db: Store,
  guildId: string,
  userId: string,
  value: string,
): Promise<number> {
  if (/^\d{1,9}$/.test(value.trim())) return parseTaskId(value);
  const folded = foldTitle(value.trim());
  if (folded === "") throw new UserError("task.pickFromList");
  const found = (await searchTasks(db, guildId, userId, value, "any")).filter(
    (task) => foldTitle(task.title) === folded,
  );
  const [only] = found;
  if (!only || found.length > 1) throw new UserError("task.pickFromList");
  return only.id;
}

/** A task of this server; another server's id is "not found", never a hint that it exists. */
export async function getTask(db: Store, guildId: string, id: number): Promise<TaskWithCampaign> {
  const task = await findTask(db, guildId, id);
  if (!task) throw new UserError("task.notFound");
  return task;
}

export async function addTask(
  db: Store,
  guildId: string,
  actorId: string,
  campaignId: number,
  fields: TaskFields,
  repeat: Repeat | null = null,
): Promise<TaskWithCampaign> {
  checkRepeat(repeat, fields.dueAt);
  checkTaskEvent({
    startsAt: fields.startsAt ?? null,
    dueAt: fields.dueAt,
    eventWanted: fields.eventWanted ?? false,
  });
  await getActiveCampaign(db, guildId, campaignId);
  return inTransaction(db, async (tx) => {
    const task = await insertTask(tx, {
      ...withFoldedTitle(fields),
      guildId,
      campaignId,
      createdById: actorId,
    });
    if (repeat) await beginSeries(tx, task, repeat);
    await armTaskEvent(tx, task, new Date(clockNow().getTime() + eventBackstopMs));
    await recordAudit(tx, {
      guildId,
      actorId,
      action: "task.add",
      subjectId: task.id,
      details: repeat
        ? { title: fields.title, repeat: repeat.period, repeatUntil: repeat.until?.toISOString() }
        : { title: fields.title },
    });
    return repeat ? getTask(tx, guildId, task.id) : task;
  });
}

/** Remembers where the task's public card is, so it can be updated in place. */
export async function setTaskCard(
  db: Store,
  taskId: number,
  channelId: string,
  messageId: string,
): Promise<void> {
  await saveTaskCard(db, taskId, channelId, messageId);
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
  db: Store,
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
  db: Store,
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
  db: Store,
  guildId: string,
  volunteerId: string,
  taskId: number,
): Promise<Claim> {
  return openClaimOf(db, guildId, volunteerId, taskId);
}

async function openClaimOf(
  tx: Store,
  guildId: string,
  volunteerId: string,
  taskId: number,
): Promise<Claim> {
  const claim = await findOpenClaim(tx, guildId, volunteerId, taskId);
  if (!claim) {
    await getTask(tx, guildId, taskId);
    throw new UserError("task.notHolding");
  }
  return claim;
}

/** Closes an active claim (release, expiry) and gives its slot back, in one transaction. */
async function closeActiveClaim(
  tx: Store,
  claim: Claim,
  status: "released" | "expired",
  now: Date,
): Promise<boolean> {
  if (!(await closeClaimIfActive(tx, claim.id, status, now))) return false;
  await giveSlotBack(tx, claim.taskId);
  await cancelJobs(tx, String(claim.id), claimJobKinds);
  return true;
}

export async function releaseTask(
  db: Store,
  guildId: string,
  volunteerId: string,
  taskId: number,
  now: Date,
): Promise<TaskWithCampaign> {
  return inTransaction(db, async (tx) => {
    const claim = await openClaimOf(tx, guildId, volunteerId, taskId);
    if (claim.status === "submitted") throw new UserError("task.releaseSubmitted");
    if (!(await closeActiveClaim(tx, claim, "released", now)))
      throw new UserError("task.notHolding");
    return getTask(tx, guildId, taskId);
  });
}

/**
 * An organizer releases a member's claim (a no-show): the same closing as the member's own
 * release (a conditional update, the slot back, the claim's jobs cancelled), audited.
 */
export async function releaseClaimOf(
  db: Store,
  guildId: string,
  actorId: string,
  memberId: string,
  taskId: number,
  now: Date,
): Promise<TaskWithCampaign> {
  return inTransaction(db, async (tx) => {
    const task = await getTask(tx, guildId, taskId);
    const claim = await findOpenClaim(tx, guildId, memberId, taskId);
    const notHolding = () =>
      new UserError("task.memberNotHolding", { memberId, title: task.title });
    if (!claim) throw notHolding();
    if (claim.status === "submitted")
      throw new UserError("task.memberReleaseSubmitted", { memberId });
    if (!(await closeActiveClaim(tx, claim, "released", now))) throw notHolding();
    await recordAudit(tx, {
      guildId,
      actorId,
      action: "task.releaseFor",
      subjectId: taskId,
      details: { claimId: claim.id, member: memberId },
    });
    return getTask(tx, guildId, taskId);
  });
}

/**
 * An organizer releases the overdue claims they picked in the overdue list, each as a release
 * of a member's claim: one transaction per claim, closed only if still active and its task
 * still past due, audited. Claims of another server, or no longer overdue, are skipped.
 */
export async function releaseOverdueClaims(
  db: Store,
  guildId: string,
  actorId: string,
  claimIds: readonly number[],
  now: Date,
): Promise<{ released: number; tasks: TaskWithCampaign[] }> {
  const tasks = new Map<number, TaskWithCampaign>();
  let released = 0;
  for (const claimId of claimIds) {
    const task = await inTransaction(db, async (tx) => {
      const claim = await findClaimOfGuild(tx, guildId, claimId);
      if (!claim || claim.status !== "active") return null;
      const before = await getTask(tx, guildId, claim.taskId);
      if (!before.dueAt || before.dueAt >= now) return null;
      if (!(await closeActiveClaim(tx, claim, "released", now))) return null;
      await recordAudit(tx, {
        guildId,
        actorId,
        action: "task.releaseFor",
        subjectId: claim.taskId,
        details: { claimId, member: claim.volunteerId, overdue: true },
      });
      return getTask(tx, guildId, claim.taskId);
    });
    if (!task) continue;
    released += 1;
    tasks.set(task.id, task);
  }
  return { released, tasks: [...tasks.values()] };
}

/** The jobs of an active claim, as a claim schedules them (src/db/claimSlot.ts). */
async function scheduleClaimJobs(
  tx: Store,
  claim: Claim,
  dueAt: Date | null,
  now: Date,
): Promise<void> {
  const jobs: [string, Date][] = [
    ["claim.expire", claim.expiresAt],
    ["claim.remindExpiry", new Date(claim.expiresAt.getTime() - day)],
  ];
  if (dueAt) jobs.push(["claim.remindDue", new Date(dueAt.getTime() - day)]);
  for (const [kind, at] of jobs) {
    if (kind !== "claim.expire" && at <= now) continue;
    await scheduleJob(tx, { guildId: claim.guildId, kind, subjectId: String(claim.id), dueAt: at });
  }
}

/**
 * An organizer moves one member's active claim to another member in one transaction: the slot
 * stays taken throughout (never two, never none), so it works on a full task. Its first write
 * locks the task (open, campaign active), so a cancel or a claim of the same task waits; the old
 * claim closes only if still active (a conditional update), and the unique index on open claims
 * refuses a new holder who already holds the task, undoing the whole move. The old holder's
 * jobs are cancelled and the new holder's scheduled as a claim does.
 */
export async function moveClaim(
  db: Store,
  guildId: string,
  actorId: string,
  taskId: number,
  fromId: string,
  toId: string,
  now: Date,
  claimExpiryDays: number,
): Promise<{ task: TaskWithCampaign; claim: Claim; previous: Claim }> {
  return inTransaction(db, async (tx) => {
    const task = await getTask(tx, guildId, taskId);
    if (fromId === toId) throw new UserError("task.alreadyAssigned");
    if (!(await touchTaskIfOpen(tx, guildId, taskId, now))) throw claimRefusal(task, false);
    const previous = await findOpenClaim(tx, guildId, fromId, taskId);
    const notHolding = () =>
      new UserError("task.memberNotHolding", { memberId: fromId, title: task.title });
    if (!previous) throw notHolding();
    if (previous.status === "submitted")
      throw new UserError("task.memberReleaseSubmitted", { memberId: fromId });
    if (!(await closeClaimIfActive(tx, previous.id, "released", now))) throw notHolding();
    await cancelJobs(tx, String(previous.id), claimJobKinds);
    const claim = await insertActiveClaim(tx, {
      guildId,
      taskId,
      volunteerId: toId,
      claimedAt: now,
      expiresAt: new Date(now.getTime() + claimExpiryDays * day),
    });
    if (!claim) throw new UserError("task.alreadyAssigned");
    await scheduleClaimJobs(tx, claim, task.dueAt, now);
    await recordAudit(tx, {
      guildId,
      actorId,
      action: "task.move",
      subjectId: taskId,
      details: { from: fromId, to: toId, claimId: previous.id, newClaimId: claim.id },
    });
    return { task: await getTask(tx, guildId, taskId), claim, previous };
  });
}

/**
 * Expires an active claim that outlived the server's claim expiry: the slot goes back to the
 * pool. Returns null when the claim is no longer active (done, released, already expired).
 */
export async function expireClaim(
  db: Store,
  claimId: number,
  now: Date,
): Promise<{ claim: Claim; task: TaskWithCampaign } | null> {
  return inTransaction(db, async (tx) => {
    const claim = await findClaim(tx, claimId);
    if (!claim || claim.expiresAt > now) return null;
    if (!(await closeActiveClaim(tx, claim, "expired", now))) return null;
    return { claim, task: await getTask(tx, claim.guildId, claim.taskId) };
  });
}

/** Counts a claim as done: adds to the done count, and closes the task once every slot is done. */
async function completeClaim(
  tx: Store,
  claimId: number,
  from: "active" | "submitted",
  details: CompletionDetails,
  now: Date,
): Promise<boolean> {
  const claim = await findExistingClaim(tx, claimId);
  if (!(await markClaimDoneIf(tx, claimId, from, details, now))) return false;
  // The slot stays taken: done work fills it for good.
  await addDoneSlot(tx, claim.taskId);
  await closeTaskIfAllDone(tx, claim.taskId);
  await cancelJobs(tx, String(claimId), claimJobKinds);
  return true;
}

/**
 * Why a claim read as active could not be finished: a request that ran at the same time (the
 * same form sent twice) submitted it, or it was released or expired meanwhile.
 */
async function finishRefusal(tx: Store, claimId: number): Promise<UserError> {
  const claim = await findClaim(tx, claimId);
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
  db: Store,
  guildId: string,
  volunteerId: string,
  taskId: number,
  proof: Proof,
  now: Date,
  reviewRequired: boolean,
): Promise<{ task: TaskWithCampaign; claim: Claim; state: "done" | "submitted" }> {
  return inTransaction(db, async (tx) => {
    const claim = await openClaimOf(tx, guildId, volunteerId, taskId);
    if (claim.status === "submitted") throw new UserError("task.alreadySubmitted");
    if (reviewRequired) {
      if (!(await submitClaimIfActive(tx, claim.id, proof, now)))
        throw await finishRefusal(tx, claim.id);
      // A claim waiting for review must not expire while organizers look at it.
      await cancelJobs(tx, String(claim.id), claimJobKinds);
    } else if (
      !(await completeClaim(tx, claim.id, "active", { ...proof, submittedAt: now }, now))
    ) {
      throw new UserError("task.notHolding");
    }
    const saved = await findExistingClaim(tx, claim.id);
    return {
      task: await getTask(tx, guildId, taskId),
      claim: saved,
      state: reviewRequired ? "submitted" : "done",
    };
  });
}

/** An organizer approves or rejects a submitted claim; a reject frees the slot again. */
export async function reviewClaim(
  db: Store,
  guildId: string,
  actorId: string,
  claimId: number,
  decision: { approve: true } | { approve: false; reason: string },
  now: Date,
): Promise<{ task: TaskWithCampaign; claim: Claim }> {
  return inTransaction(db, async (tx) => {
    const claim = await findClaimOfGuild(tx, guildId, claimId);
    if (!claim) throw new UserError("task.reviewNotFound");
    const reviewed = decision.approve
      ? await completeClaim(tx, claim.id, "submitted", { reviewedById: actorId }, now)
      : await rejectClaimIfSubmitted(
          tx,
          claim.id,
          { reviewedById: actorId, rejectReason: decision.reason },
          now,
        );
    if (!reviewed) throw new UserError("task.alreadyReviewed");
    if (!decision.approve) await giveSlotBack(tx, claim.taskId);
    await recordAudit(tx, {
      guildId,
      actorId,
      action: decision.approve ? "task.approve" : "task.reject",
      subjectId: claim.taskId,
      details: { claimId },
    });
    return {
      task: await getTask(tx, guildId, claim.taskId),
      claim: await findExistingClaim(tx, claimId),
    };
  });
}

/** Cancels an open task: every open claim is released and the card stops taking claims. */
export async function cancelTask(
  db: Store,
  guildId: string,
  actorId: string,
  taskId: number,
  now: Date,
): Promise<TaskWithCampaign> {
  return inTransaction(db, async (tx) => {
    const task = await getTask(tx, guildId, taskId);
    if (!(await cancelTaskIfOpen(tx, guildId, taskId, task.doneCount))) {
      throw new UserError(task.status === "done" ? "task.alreadyDone" : "task.cancelled", {
        title: task.title,
      });
    }
    const open = await listOpenClaimsOfTask(tx, taskId);
    await releaseOpenClaimsOfTask(tx, taskId, now);
    for (const claim of open) await cancelJobs(tx, String(claim.id), claimJobKinds);
    await recordAudit(tx, { guildId, actorId, action: "task.cancel", subjectId: taskId });
    const cancelled = await getTask(tx, guildId, taskId);
    await armTaskEvent(tx, cancelled, now);
    return cancelled;
  });
}

export async function editTask(
  db: Store,
  guildId: string,
  actorId: string,
  taskId: number,
  changes: Partial<TaskFields>,
  now: Date,
): Promise<TaskWithCampaign> {
  return inTransaction(db, async (tx) => {
    const task = await getTask(tx, guildId, taskId);
    if (task.status !== "open") throw new UserError("task.notOpen", { title: task.title });
    // The occurrence that carries a series repeats from its due date: it keeps one.
    if (task.repeat !== null && changes.dueAt === null) throw new UserError("task.repeatNeedsDue");
    checkTaskEvent({
      startsAt: changes.startsAt === undefined ? task.startsAt : changes.startsAt,
      dueAt: changes.dueAt === undefined ? task.dueAt : changes.dueAt,
      eventWanted: changes.eventWanted ?? task.eventWanted,
    });
    // Fewer slots than the claims already held or done would leave a member without theirs.
    const minimumSlots = changes.slots;
    if (!(await updateOpenTask(tx, guildId, taskId, withFoldedTitle(changes), minimumSlots)))
      throw new UserError("task.slotsBelowClaims", { held: task.claimedSlots });
    await closeTaskIfAllDone(tx, taskId);
    if (changes.dueAt && task.repeat !== null) {
      // The next occurrence follows the new due date.
      await scheduleJob(tx, {
        guildId,
        kind: repeatJobKind,
        subjectId: String(taskId),
        dueAt: changes.dueAt,
      });
    }
    if (changes.dueAt !== undefined) {
      const active = await listActiveClaimsOfTask(tx, taskId);
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
      details: { changed: Object.keys(changes), changes: auditChanges(task, changes) },
    });
    const edited = await getTask(tx, guildId, taskId);
    await armTaskEvent(tx, edited, new Date(now.getTime() + eventBackstopMs));
    return edited;
  });
}

export const taskFilters = ["open", "mine", "claimed", "review", "done", "overdue"] as const;
export type TaskFilter = (typeof taskFilters)[number];

const taskPageSize = 10;

/** One page of this server's tasks, with their open claims (shown to organizers and to the claimer only). */
export async function listTasks(
  db: Store,
  guildId: string,
  query: { campaignId: number | null; filter: TaskFilter; userId: string; now: Date; page: number },
): Promise<{ tasks: ListedTask[]; total: number; page: number; pages: number }> {
  const list: TaskListQuery = {
    guildId,
    campaignId: query.campaignId,
    filter: query.filter,
    heldIds: query.filter === "mine" ? await listHeldTaskIds(db, guildId, query.userId) : [],
    now: query.now,
  };
  const total = await countListedTasks(db, list);
  const pages = Math.max(1, Math.ceil(total / taskPageSize));
  const page = Math.min(Math.max(0, query.page), pages - 1);
  const skip = page * taskPageSize;
  const tasks = await listTaskPage(db, list, skip, taskPageSize);
  return { tasks, total, page, pages };
}

const choiceLimit = 25;
const largestSearchBatch = 1000;

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
  db: Store,
  guildId: string,
  userId: string,
  query: string,
  scope: "mine" | "open" | "any",
): Promise<TaskChoice[]> {
  const needle = foldTitle(query.trim());
  const matches = (task: TaskChoice) => foldTitle(task.title).includes(needle);
  const held = await listHeldTaskIds(db, guildId, userId, 50);
  // Most members typing hold nothing: no second query then.
  const mine = held.length === 0 ? [] : await listTaskChoices(db, { guildId, ids: held });
  const choices = mine.filter(matches).slice(0, choiceLimit);
  if (scope === "mine") return choices;
  const heldIds = new Set(mine.map((task) => task.id));
  let before: number | undefined;
  // Narrowed by SQL, the first rows read nearly all match: read what fills the choices first,
  // more each time after (rows without a folded title, or a needle with LIKE's wildcards).
  let batchSize = choiceLimit - choices.length + heldIds.size;
  while (choices.length < choiceLimit) {
    const batch = await listTaskChoices(db, {
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
  db: Store,
  guildId: string,
  campaignId: number,
): Promise<{ open: number; done: number }> {
  const counts = await countTasksByStatus(db, guildId, campaignId);
  return { open: counts.get("open") ?? 0, done: counts.get("done") ?? 0 };
}

/** The member's own claims and totals, for /me status. */
export async function memberStatus(db: Store, guildId: string, userId: string) {
  const open = await listOpenClaimsOfMember(db, guildId, userId);
  const done = await countDoneClaimsOfMember(db, guildId, userId);
  return { open, done };
}

/** The first claim of a task waiting for review, for /task review. */
export async function nextSubmission(db: Store, guildId: string, taskId: number) {
  const task = await getTask(db, guildId, taskId);
  const submission = await findFirstSubmission(db, guildId, taskId);
  return { task, submission };
}

/**
 * A claim still active, with its task, for its reminders; null once it was done, released,
 * expired or is another server's.
 */
export function activeClaim(
  db: Store,
  guildId: string,
  claimId: number,
): Promise<ClaimWithTask | null> {
  return findActiveClaimWithTask(db, guildId, claimId);
}
