import type { Db } from "../db/client.ts";
import { cancelJobs, scheduleJob } from "../db/dueJobs.ts";
import { getCampaign } from "./campaigns.ts";
import { forgetGuildSettings } from "./guildSettings.ts";
import { claimJobKinds, openClaimStatuses } from "./tasks.ts";

const day = 24 * 60 * 60 * 1000;
/** After Rally is removed from a server, its data waits this long for a re-invite. */
export const guildGraceDays = 30;
export const retentionJobKind = "retention.campaign";
export const guildEraseJobKind = "guild.erase";

/** Everything Rally stores about one member in one server, for `/me export`. */
export async function exportMember(db: Db, guildId: string, userId: string) {
  const [volunteer, claims, countEntries, audit, campaigns, tasks, schedules] = await Promise.all([
    db.volunteer.findUnique({ where: { guildId_userId: { guildId, userId } } }),
    db.claim.findMany({
      where: { guildId, OR: [{ volunteerId: userId }, { reviewedById: userId }] },
      include: { task: { select: { id: true, title: true, campaignId: true } } },
      orderBy: { id: "asc" },
    }),
    db.countEntry.findMany({
      where: { actorId: userId, campaign: { guildId } },
      orderBy: { id: "asc" },
    }),
    db.auditEntry.findMany({ where: { guildId, actorId: userId }, orderBy: { id: "asc" } }),
    db.campaign.findMany({
      where: { guildId, createdById: userId },
      select: { id: true, title: true, createdAt: true },
    }),
    db.outreachTask.findMany({
      where: { guildId, createdById: userId },
      select: { id: true, title: true, createdAt: true },
    }),
    db.summarySchedule.findMany({
      where: { guildId, createdById: userId },
      select: { id: true, channelId: true, createdAt: true },
    }),
  ]);
  return {
    about: "Everything Rally stores about you in this server.",
    guildId,
    userId,
    preferences: volunteer,
    // A claim the member only reviewed belongs to someone else: its notes and proof stay out.
    claims: claims.map((claim) =>
      claim.volunteerId === userId
        ? {
            id: claim.id,
            task: claim.task,
            yours: true,
            status: claim.status,
            proofLink: claim.proofLink,
            note: claim.note,
            rejectReason: claim.rejectReason,
            claimedAt: claim.claimedAt,
            expiresAt: claim.expiresAt,
            submittedAt: claim.submittedAt,
            closedAt: claim.closedAt,
          }
        : {
            id: claim.id,
            task: claim.task,
            yours: false,
            reviewedByYou: true,
            status: claim.status,
            rejectReason: claim.rejectReason,
            closedAt: claim.closedAt,
          },
    ),
    countChanges: countEntries,
    organizerActions: audit,
    campaignsCreated: campaigns,
    tasksCreated: tasks,
    summarySchedulesCreated: schedules,
  };
}

/**
 * `/me forget`: removes the member's id from every table of this server. Their finished work
 * still counts (as anonymous), their open claims are released, and the audit trail keeps each
 * action with no actor ("erased member"). Their notes and proof links go with them.
 */
export async function forgetMember(
  db: Db,
  guildId: string,
  userId: string,
  now: Date,
): Promise<{ releasedTaskIds: number[] }> {
  return db.$transaction(async (tx) => {
    const open = await tx.claim.findMany({
      where: { guildId, volunteerId: userId, status: { in: [...openClaimStatuses] } },
    });
    for (const claim of open) {
      await tx.claim.update({
        where: { id: claim.id },
        data: { status: "released", openMarker: null, closedAt: now },
      });
      await tx.outreachTask.update({
        where: { id: claim.taskId },
        data: { claimedSlots: { decrement: 1 } },
      });
      await cancelJobs(tx, String(claim.id), claimJobKinds);
    }
    await tx.claim.updateMany({
      where: { guildId, volunteerId: userId },
      data: { volunteerId: null, proofLink: null, note: null, rejectReason: null },
    });
    await tx.claim.updateMany({
      where: { guildId, reviewedById: userId },
      data: { reviewedById: null },
    });
    await tx.countEntry.updateMany({
      where: { actorId: userId, campaign: { guildId } },
      data: { actorId: null },
    });
    await tx.auditEntry.updateMany({
      where: { guildId, actorId: userId },
      data: { actorId: null },
    });
    await tx.campaign.updateMany({
      where: { guildId, createdById: userId },
      data: { createdById: null },
    });
    await tx.outreachTask.updateMany({
      where: { guildId, createdById: userId },
      data: { createdById: null },
    });
    await tx.summarySchedule.updateMany({
      where: { guildId, createdById: userId },
      data: { createdById: null },
    });
    await tx.volunteer.deleteMany({ where: { guildId, userId } });
    return { releasedTaskIds: [...new Set(open.map((claim) => claim.taskId))] };
  });
}

/** The last organizer actions, newest first, for `/settings audit`. */
export async function recentAudit(db: Db, guildId: string, limit = 25) {
  return db.auditEntry.findMany({
    where: { guildId },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: limit,
  });
}

/**
 * Arms the erasure of a closed campaign's notes and proof links, `retentionDays` after it
 * closed; re-arming moves it (a changed setting), reopening cancels it.
 */
export async function armRetention(
  db: Pick<Db, "dueJob">,
  campaign: { id: number; guildId: string; closedAt: Date | null },
  retentionDays: number,
) {
  if (!campaign.closedAt) return;
  await scheduleJob(db, {
    guildId: campaign.guildId,
    kind: retentionJobKind,
    subjectId: String(campaign.id),
    dueAt: new Date(campaign.closedAt.getTime() + retentionDays * day),
  });
}

export async function disarmRetention(db: Pick<Db, "dueJob">, campaignId: number) {
  await cancelJobs(db, String(campaignId), [retentionJobKind]);
}

/** Re-arms every closed campaign of a server after its retention setting changed. */
export async function rearmRetention(db: Db, guildId: string, retentionDays: number) {
  const closed = await db.campaign.findMany({
    where: { guildId, status: { in: ["won", "ended"] } },
  });
  for (const campaign of closed) await armRetention(db, campaign, retentionDays);
}

/** Erases the notes and proof links of a closed campaign's tasks. Idempotent. */
export async function applyRetention(db: Db, guildId: string, campaignId: number): Promise<number> {
  const campaign = await getCampaign(db, guildId, campaignId).catch(() => null);
  if (!campaign || campaign.status === "active") return 0;
  const erased = await db.claim.updateMany({
    where: {
      guildId,
      task: { guildId, campaignId },
      OR: [{ note: { not: null } }, { proofLink: { not: null } }, { rejectReason: { not: null } }],
    },
    data: { note: null, proofLink: null, rejectReason: null },
  });
  return erased.count;
}

/** Rally was removed from a server: erase its data after the grace period, unless re-invited. */
export async function armGuildErasure(db: Db, guildId: string, now: Date) {
  await scheduleJob(db, {
    guildId,
    kind: guildEraseJobKind,
    subjectId: guildId,
    dueAt: new Date(now.getTime() + guildGraceDays * day),
  });
}

/**
 * At start: servers Rally holds data for but is no longer in (removed while it was offline)
 * get their erasure armed, once — a pending erasure keeps its original date.
 */
export async function armErasureOfLeftGuilds(
  db: Db,
  presentGuildIds: ReadonlySet<string>,
  now: Date,
  /** A shard sees only its own servers: the others are not "left", only elsewhere. */
  servesGuild: (guildId: string) => boolean = () => true,
): Promise<string[]> {
  const known = new Set([
    ...(await db.guildSettings.findMany({ select: { guildId: true } })).map((row) => row.guildId),
    ...(await db.campaign.findMany({ select: { guildId: true }, distinct: ["guildId"] })).map(
      (row) => row.guildId,
    ),
  ]);
  const armed: string[] = [];
  for (const guildId of known) {
    if (presentGuildIds.has(guildId) || !servesGuild(guildId)) continue;
    const pending = await db.dueJob.findFirst({
      where: { kind: guildEraseJobKind, subjectId: guildId, status: "pending" },
    });
    if (pending) continue;
    await armGuildErasure(db, guildId, now);
    armed.push(guildId);
  }
  return armed;
}

export async function disarmGuildErasure(db: Db, guildId: string) {
  await cancelJobs(db, guildId, [guildEraseJobKind]);
}

/** Deletes every row of a server. Count history and claims go with their campaigns and tasks. */
export async function eraseGuild(db: Db, guildId: string): Promise<void> {
  await db.$transaction(async (tx) => {
    await tx.summarySchedule.deleteMany({ where: { guildId } });
    await tx.campaign.deleteMany({ where: { guildId } });
    await tx.claim.deleteMany({ where: { guildId } });
    await tx.volunteer.deleteMany({ where: { guildId } });
    await tx.auditEntry.deleteMany({ where: { guildId } });
    await tx.guildSettings.deleteMany({ where: { guildId } });
    await tx.dueJob.deleteMany({ where: { guildId, kind: { not: guildEraseJobKind } } });
  });
  forgetGuildSettings(db, guildId);
}

/**
 * `/campaign export`: one row per claim (and one per task without claims). Volunteers who chose
 * public credit appear by id; everyone else as "volunteer #N", numbered within the export.
 */
export async function exportCampaignRows(db: Db, guildId: string, campaignId: number) {
  const campaign = await getCampaign(db, guildId, campaignId);
  const tasks = await db.outreachTask.findMany({
    where: { guildId, campaignId },
    include: { claims: { orderBy: { id: "asc" } } },
    orderBy: { id: "asc" },
  });
  const volunteerIds = [
    ...new Set(
      tasks.flatMap((task) =>
        task.claims.flatMap((claim) => (claim.volunteerId ? [claim.volunteerId] : [])),
      ),
    ),
  ];
  const credited = new Set(
    (
      await db.volunteer.findMany({
        where: { guildId, userId: { in: volunteerIds }, creditPublic: true },
      })
    ).map((volunteer) => volunteer.userId),
  );
  const numbers = new Map<string, number>();
  const label = (volunteerId: string | null): { volunteer: string; anonymous: boolean } => {
    if (volunteerId === null) return { volunteer: "", anonymous: true };
    if (credited.has(volunteerId)) return { volunteer: volunteerId, anonymous: false };
    if (!numbers.has(volunteerId)) numbers.set(volunteerId, numbers.size + 1);
    return { volunteer: `#${numbers.get(volunteerId)}`, anonymous: true };
  };
  const rows = tasks.flatMap((task) => {
    const base = {
      taskId: task.id,
      task: task.title,
      kind: task.kind,
      location: task.location ?? "",
      slots: task.slots,
      // A due date stored before dates were bounded may not read back (the year 10000 on
      // PostgreSQL): an empty cell, rather than an export that fails for the whole campaign.
      due: task.dueAt && Number.isFinite(task.dueAt.getTime()) ? task.dueAt.toISOString() : "",
      taskStatus: task.status,
    };
    if (task.claims.length === 0)
      return [
        {
          ...base,
          volunteer: "",
          anonymous: false,
          claimStatus: "",
          claimedAt: "",
          closedAt: "",
          proofLink: "",
        },
      ];
    return task.claims.map((claim) => ({
      ...base,
      ...label(claim.volunteerId),
      claimStatus: claim.status,
      claimedAt: claim.claimedAt.toISOString(),
      closedAt: claim.closedAt?.toISOString() ?? "",
      proofLink: claim.proofLink ?? "",
    }));
  });
  return { campaign, rows };
}
