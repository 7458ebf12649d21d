import type { Db } from "../db/client.ts";
import type { Campaign } from "../db/generated/client.ts";
import { sqliteReads } from "../db/sqliteReads.ts";
import { recordAudit } from "./audit.ts";
import { UserError } from "./errors.ts";
import { goalAfterCount } from "./goalLadder.ts";
import { armRetention, disarmRetention } from "./privacy.ts";

export type { Campaign };

export const campaignLimits = {
  title: 100,
  unit: 32,
  description: 2000,
  callToAction: 200,
  link: 512,
  /** Counts stay well inside a 32-bit integer, which both databases store natively. */
  count: 1_000_000_000,
} as const;

export type CampaignStatusFilter = "active" | "closed" | "all";
type Outcome = "won" | "ended";

export interface CampaignFields {
  title: string;
  goal: number;
  unit: string;
  description: string | null;
  link: string | null;
  callToAction: string | null;
  channelId: string;
  endsAt: Date | null;
  autoRaise: boolean;
}

/** The key that keeps two active campaigns of a server from sharing a title. */
function titleKey(title: string): string {
  // Unicode's default case mapping, as toLocaleLowerCase("und") gives, far cheaper.
  return title.trim().normalize("NFC").toLowerCase();
}

function isUniqueViolation(error: unknown): boolean {
  return typeof error === "object" && error !== null && "code" in error && error.code === "P2002";
}

/**
 * Creates a campaign. Two active campaigns of a server cannot share a title (case-insensitive):
 * the second of two identical creates, even at the same instant, gets a clear error from the
 * database's unique index rather than a silent twin.
 */
export async function createCampaign(
  db: Db,
  guildId: string,
  actorId: string,
  fields: CampaignFields,
): Promise<Campaign> {
  try {
    return await db.$transaction(async (tx) => {
      const campaign = await tx.campaign.create({
        data: { ...fields, guildId, activeTitle: titleKey(fields.title), createdById: actorId },
      });
      await recordAudit(tx, {
        guildId,
        actorId,
        action: "campaign.create",
        subjectId: campaign.id,
        details: { title: fields.title, goal: fields.goal },
      });
      return campaign;
    });
  } catch (error) {
    if (isUniqueViolation(error))
      throw new UserError("campaign.duplicateTitle", { title: fields.title });
    throw error;
  }
}

/** Reads a campaign id as Discord sends it (autocomplete value or typed text). */
export function parseCampaignId(value: string): number {
  if (!/^\d{1,9}$/.test(value.trim())) throw new UserError("campaign.pickFromList");
  return Number(value.trim());
}

/** A campaign of this server; another server's id is "not found", never a hint it exists. */
export async function getCampaign(db: Db, guildId: string, id: number): Promise<Campaign> {
  const sqlite = sqliteReads(db);
  const campaign = sqlite
    ? sqlite.campaign(guildId, id)
    : await db.campaign.findFirst({ where: { id, guildId } });
  if (!campaign) throw new UserError("campaign.notFound");
  return campaign;
}

export async function getActiveCampaign(db: Db, guildId: string, id: number): Promise<Campaign> {
  const campaign = await getCampaign(db, guildId, id);
  if (campaign.status !== "active")
    throw new UserError("campaign.closed", { title: campaign.title });
  return campaign;
}

function statusWhere(status: CampaignStatusFilter) {
  if (status === "active") return { status: "active" };
  if (status === "closed") return { status: { in: ["won", "ended"] } };
  return {};
}

export async function listCampaigns(
  db: Db,
  guildId: string,
  status: CampaignStatusFilter,
  limit = 25,
): Promise<Campaign[]> {
  return db.campaign.findMany({
    where: { guildId, ...statusWhere(status) },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: limit,
  });
}

/**
 * Autocomplete: this server's campaigns whose title contains the typed text, newest first.
 * Matching happens here rather than in SQL so that it is case-insensitive for every script
 * (SQLite's LIKE folds ASCII only).
 */
export async function searchCampaigns(
  db: Db,
  guildId: string,
  query: string,
  status: CampaignStatusFilter,
): Promise<Campaign[]> {
  const recent = await listCampaigns(db, guildId, status, 200);
  const needle = titleKey(query);
  return recent.filter((campaign) => titleKey(campaign.title).includes(needle)).slice(0, 25);
}

export async function editCampaign(
  db: Db,
  guildId: string,
  actorId: string,
  id: number,
  changes: Partial<CampaignFields>,
): Promise<Campaign> {
  const current = await getActiveCampaign(db, guildId, id);
  const data = { ...changes, ...(changes.title ? { activeTitle: titleKey(changes.title) } : {}) };
  try {
    return await db.$transaction(async (tx) => {
      const updated = await tx.campaign.updateMany({
        where: { id, guildId, status: "active" },
        data,
      });
      if (updated.count !== 1) throw new UserError("campaign.closed", { title: current.title });
      await recordAudit(tx, {
        guildId,
        actorId,
        action: "campaign.edit",
        subjectId: id,
        details: { changed: Object.keys(changes) },
      });
      return tx.campaign.findUniqueOrThrow({ where: { id } });
    });
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw new UserError("campaign.duplicateTitle", { title: changes.title ?? current.title });
    }
    throw error;
  }
}

export async function closeCampaign(
  db: Db,
  guildId: string,
  actorId: string,
  id: number,
  outcome: Outcome,
  now: Date,
): Promise<Campaign> {
  const current = await getActiveCampaign(db, guildId, id);
  return db.$transaction(async (tx) => {
    const updated = await tx.campaign.updateMany({
      where: { id, guildId, status: "active" },
      data: { status: outcome, activeTitle: null, closedAt: now },
    });
    if (updated.count !== 1) throw new UserError("campaign.closed", { title: current.title });
    await recordAudit(tx, {
      guildId,
      actorId,
      action: "campaign.close",
      subjectId: id,
      details: { outcome },
    });
    const settings = await tx.guildSettings.findUnique({ where: { guildId } });
    await armRetention(tx, { id, guildId, closedAt: now }, settings?.retentionDays ?? 90);
    return tx.campaign.findUniqueOrThrow({ where: { id } });
  });
}

export async function reopenCampaign(
  db: Db,
  guildId: string,
  actorId: string,
  id: number,
): Promise<Campaign> {
  const current = await getCampaign(db, guildId, id);
  if (current.status === "active")
    throw new UserError("campaign.alreadyActive", { title: current.title });
  try {
    return await db.$transaction(async (tx) => {
      const updated = await tx.campaign.updateMany({
        where: { id, guildId, status: { not: "active" } },
        data: { status: "active", activeTitle: titleKey(current.title), closedAt: null },
      });
      if (updated.count !== 1)
        throw new UserError("campaign.alreadyActive", { title: current.title });
      await recordAudit(tx, { guildId, actorId, action: "campaign.reopen", subjectId: id });
      await disarmRetention(tx, id);
      return tx.campaign.findUniqueOrThrow({ where: { id } });
    });
  } catch (error) {
    if (isUniqueViolation(error))
      throw new UserError("campaign.duplicateTitle", { title: current.title });
    throw error;
  }
}

type CountChange = { kind: "set"; value: number } | { kind: "add"; value: number };

interface CountResult {
  campaign: Campaign;
  previousCount: number;
  delta: number;
  /** The goal before this change, when this change reached it (null otherwise). */
  reachedGoal: number | null;
}

/**
 * Sets the count (from the petition page) or adds a tally (offline paper signatures), and keeps
 * the change in the history. The first statement locks the campaign row, so two organizers
 * counting at once are applied one after the other on every database, and a goal is reached
 * (and announced) once.
 */
export async function changeCount(
  db: Db,
  guildId: string,
  actorId: string,
  id: number,
  change: CountChange,
  note: string | null,
  now: Date,
): Promise<CountResult> {
  return db.$transaction(async (tx) => {
    const locked = await tx.campaign.updateMany({
      where: { id, guildId, status: "active" },
      data: { updatedAt: now },
    });
    if (locked.count !== 1) {
      const campaign = await tx.campaign.findFirst({ where: { id, guildId } });
      if (!campaign) throw new UserError("campaign.notFound");
      throw new UserError("campaign.closed", { title: campaign.title });
    }
    const current = await tx.campaign.findUniqueOrThrow({ where: { id } });
    const count = change.kind === "set" ? change.value : current.count + change.value;
    if (count < 0) {
      throw new UserError("campaign.countNegative", { count: current.count, value: change.value });
    }
    if (count > campaignLimits.count)
      throw new UserError("campaign.countTooLarge", { max: campaignLimits.count });
    const goal = goalAfterCount(count, current.goal, current.autoRaise);
    const reachedNow = goal.reached && current.count < current.goal;
    const campaign = await tx.campaign.update({ where: { id }, data: { count, goal: goal.goal } });
    const delta = count - current.count;
    await tx.countEntry.create({
      data: {
        campaignId: id,
        kind: change.kind,
        value: change.value,
        delta,
        countAfter: count,
        note,
        actorId,
        createdAt: now,
      },
    });
    await recordAudit(tx, {
      guildId,
      actorId,
      action: "campaign.count",
      subjectId: id,
      details: { kind: change.kind, value: change.value, delta },
    });
    return {
      campaign,
      previousCount: current.count,
      delta,
      reachedGoal: reachedNow ? current.goal : null,
    };
  });
}

/** The count history, oldest first, for charts and "since yesterday". */
export async function countHistory(db: Db, guildId: string, id: number, since: Date) {
  await getCampaign(db, guildId, id);
  return db.countEntry.findMany({
    where: { campaignId: id, createdAt: { gte: since } },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
  });
}
