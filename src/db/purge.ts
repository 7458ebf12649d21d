/**
 * `/settings purge`: the writes that erase everything tying a person to one server's campaigns.
 * Each clears or deletes whole values (never reads and rewrites a protected field but the audit
 * details), so a later field-level encryption wraps them unchanged.
 */
import type { Claim } from "./generated/client.ts";
import { sqliteConnection } from "./sqliteDirect.ts";
import { prismaOf, type Store } from "./store.ts";

const nonEmpty = (ids: (string | null)[]) => ids.filter((id): id is string => Boolean(id));

/** Every member id a server's rows hold: volunteers, reviewers, organizers, creators. */
export async function listMemberIdsOfGuild(store: Store, guildId: string): Promise<string[]> {
  const q = prismaOf(store);
  const [claims, volunteers, audit, counts, campaigns, tasks, schedules, sources] =
    await Promise.all([
      q.claim.findMany({ where: { guildId }, select: { volunteerId: true, reviewedById: true } }),
      q.volunteer.findMany({ where: { guildId }, select: { userId: true } }),
      q.auditEntry.findMany({
        where: { guildId },
        select: { actorId: true },
        distinct: ["actorId"],
      }),
      q.countEntry.findMany({
        where: { campaign: { guildId } },
        select: { actorId: true },
        distinct: ["actorId"],
      }),
      q.campaign.findMany({ where: { guildId }, select: { createdById: true } }),
      q.outreachTask.findMany({ where: { guildId }, select: { createdById: true } }),
      q.summarySchedule.findMany({ where: { guildId }, select: { createdById: true } }),
      q.countSource.findMany({ where: { guildId }, select: { setById: true } }),
    ]);
  return [
    ...new Set(
      nonEmpty([
        ...claims.flatMap((row) => [row.volunteerId, row.reviewedById]),
        ...volunteers.map((row) => row.userId),
        ...audit.map((row) => row.actorId),
        ...counts.map((row) => row.actorId),
        ...campaigns.map((row) => row.createdById),
        ...tasks.map((row) => row.createdById),
        ...schedules.map((row) => row.createdById),
        ...sources.map((row) => row.setById),
      ]),
    ),
  ];
}

/** A server's claims still held (active or submitted). */
export function listOpenClaimsOfGuild(
  store: Store,
  guildId: string,
  statuses: readonly string[],
): Promise<Claim[]> {
  return prismaOf(store).claim.findMany({ where: { guildId, status: { in: [...statuses] } } });
}

/**
 * Every claim of a server loses its member, reviewer, proof link, note and reject reason; its
 * status and times stay, so counts stay. NULL is outside the (task, volunteer, openMarker)
 * unique index, so any number of such claims may share a task. How many claims named someone.
 */
export async function eraseMembersFromClaimsOfGuild(store: Store, guildId: string) {
  const { count } = await prismaOf(store).claim.updateMany({
    where: {
      guildId,
      OR: [
        { volunteerId: { not: null } },
        { reviewedById: { not: null } },
        { proofLink: { not: null } },
        { note: { not: null } },
        { rejectReason: { not: null } },
      ],
    },
    data: {
      volunteerId: null,
      reviewedById: null,
      proofLink: null,
      note: null,
      rejectReason: null,
    },
  });
  return count;
}

/** Counts each kind of value erased with the claims, before they go. */
export async function countClaimTextsOfGuild(store: Store, guildId: string) {
  const q = prismaOf(store);
  const [proofs, notes, reasons] = await Promise.all([
    q.claim.count({ where: { guildId, proofLink: { not: null } } }),
    q.claim.count({ where: { guildId, note: { not: null } } }),
    q.claim.count({ where: { guildId, rejectReason: { not: null } } }),
  ]);
  return { proofs, notes, reasons };
}

export async function deleteVolunteerRowsOfGuild(store: Store, guildId: string) {
  return (await prismaOf(store).volunteer.deleteMany({ where: { guildId } })).count;
}

/** The DM outbox of a server: pending, uncertain and sent alike (keys name claims). */
export async function deleteDirectMessagesOfGuild(store: Store, guildId: string) {
  return (await prismaOf(store).directMessage.deleteMany({ where: { guildId } })).count;
}

/** Pending reminders and expiries of a server's claims: nobody holds those claims now. */
export async function cancelPendingJobsOfGuild(
  store: Store,
  guildId: string,
  kinds: readonly string[],
) {
  const { count } = await prismaOf(store).dueJob.updateMany({
    where: { guildId, status: "pending", kind: { in: [...kinds] } },
    data: { status: "cancelled", leaseOwner: null, leaseUntil: null },
  });
  return count;
}

/** Audit entries of a server keep what was done, not who did it. */
export async function eraseAuditActorsOfGuild(store: Store, guildId: string) {
  const { count } = await prismaOf(store).auditEntry.updateMany({
    where: { guildId, actorId: { not: null } },
    data: { actorId: null },
  });
  return count;
}

/**
 * Audit details naming one of these members (a claim moved to them, released for them) have the
 * id replaced, as `/me forget` does for one member; in task actions' details every Discord id
 * is a member's (`member`, `from`, `to`), known here or not. How many entries changed.
 */
export async function eraseMembersFromAuditDetailsOfGuild(
  store: Store,
  guildId: string,
  memberIds: ReadonlySet<string>,
): Promise<number> {
  const q = prismaOf(store);
  const entries = await q.auditEntry.findMany({
    where: { guildId, details: { not: null } },
    select: { id: true, action: true, details: true },
  });
  let changed = 0;
  for (const entry of entries) {
    const details = entry.details ?? "";
    const anyId = entry.action.split(".")[0] === "task";
    const erased = details.replace(/\d{17,20}/g, (id) =>
      anyId || memberIds.has(id) ? "erased" : id,
    );
    if (erased === details) continue;
    await q.auditEntry.update({ where: { id: entry.id }, data: { details: erased } });
    changed += 1;
  }
  return changed;
}

/** Campaigns, tasks, schedules, count changes and count sources stop naming who made them. */
export async function eraseCreatorsOfGuild(store: Store, guildId: string) {
  const q = prismaOf(store);
  const counts = await Promise.all([
    q.campaign.updateMany({
      where: { guildId, createdById: { not: null } },
      data: { createdById: null },
    }),
    q.outreachTask.updateMany({
      where: { guildId, createdById: { not: null } },
      data: { createdById: null },
    }),
    q.summarySchedule.updateMany({
      where: { guildId, createdById: { not: null } },
      data: { createdById: null },
    }),
    q.countEntry.updateMany({
      where: { campaign: { guildId }, actorId: { not: null } },
      data: { actorId: null },
    }),
    q.countSource.updateMany({
      where: { guildId, setById: { not: null } },
      data: { setById: null },
    }),
  ]);
  return counts.reduce((sum, { count }) => sum + count, 0);
}

/** The server's Action Network key; whether there was one. */
export async function clearActionNetworkKey(store: Store, guildId: string): Promise<boolean> {
  const { count } = await prismaOf(store).guildSettings.updateMany({
    where: { guildId, actionNetworkKey: { not: null } },
    data: { actionNetworkKey: null },
  });
  return count > 0;
}

/** Where a server's scheduled summaries were posted (they may thank volunteers by name). */
export async function listSentSummaryPostsOfGuild(
  store: Store,
  guildId: string,
): Promise<{ channelId: string; messageId: string }[]> {
  const posts = await prismaOf(store).summaryPost.findMany({
    where: { schedule: { guildId }, messageId: { not: null } },
    select: { messageId: true, schedule: { select: { channelId: true } } },
    orderBy: { id: "asc" },
  });
  return posts.map((post) => ({
    channelId: post.schedule.channelId,
    messageId: post.messageId ?? "",
  }));
}

/** An audit entry with no actor: the purge names nobody, not even who ran it. */
export async function insertAnonymousAuditEntry(
  store: Store,
  entry: { guildId: string; action: string; details: string; createdAt: Date },
): Promise<void> {
  await prismaOf(store).auditEntry.create({ data: { ...entry, actorId: null } });
}

/**
 * Makes erased bytes unreadable in the database's files, outside any transaction. SQLite (with
 * `secure_delete` on since open): VACUUM rewrites the file without free pages, then the WAL,
 * which still holds the old pages, is checkpointed and truncated to nothing. PostgreSQL: a
 * VACUUM of the touched tables marks the dead rows' space free for reuse (their bytes stay on
 * disk until overwritten; VACUUM FULL would lock the tables, which a live bot cannot afford).
 */
export async function compactAfterErasure(store: Store, tables: readonly string[]): Promise<void> {
  const connection = sqliteConnection(store);
  if (connection) {
    await prismaOf(store).$executeRawUnsafe("VACUUM");
    await prismaOf(store).$queryRawUnsafe("PRAGMA wal_checkpoint(TRUNCATE)");
    return;
  }
  for (const table of tables) await prismaOf(store).$executeRawUnsafe(`VACUUM "${table}"`);
}
