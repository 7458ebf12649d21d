import type { Campaign } from "./generated/client.ts";
import { nextNumber } from "./numbers.ts";
import { sqliteReads } from "./sqliteReads.ts";
import { inTransaction, prismaOf, type Store } from "./store.ts";

export type CampaignStatusFilter = "active" | "closed" | "all";

/** What an organizer writes of a campaign, and the keys Rally keeps with it. */
type NewCampaign = Pick<
  Campaign,
  | "guildId"
  | "title"
  | "goal"
  | "unit"
  | "description"
  | "link"
  | "callToAction"
  | "channelId"
  | "endsAt"
  | "autoRaise"
  | "activeTitle"
  | "createdById"
  | "createdAt"
>;

type CampaignValues = Partial<
  Omit<Campaign, "id" | "guildId" | "number" | "createdAt" | "createdById">
>;

/** A new campaign, numbered after the server's highest (src/db/numbers.ts). */
export function insertCampaign(store: Store, row: NewCampaign): Promise<Campaign> {
  return inTransaction(store, async (tx) => {
    const number = await nextNumber(prismaOf(tx), "Campaign", row.guildId);
    return prismaOf(tx).campaign.create({ data: { ...row, number } });
  });
}

/**
 * Whether a write failed on a unique index: for a campaign, (guildId, activeTitle), the one
 * that keeps two active campaigns of a server from sharing a title.
 */
export function isUniqueViolation(error: unknown): boolean {
  return typeof error === "object" && error !== null && "code" in error && error.code === "P2002";
}

/** A campaign of this server; null for another server's id. */
export async function findCampaign(
  store: Store,
  guildId: string,
  id: number,
): Promise<Campaign | null> {
  const sqlite = sqliteReads(store);
  return sqlite
    ? sqlite.campaign(guildId, id)
    : prismaOf(store).campaign.findFirst({ where: { id, guildId } });
}

/** A campaign by id alone, after a write to it: missing is an error, not an answer. */
export function findCampaignOrThrow(store: Store, id: number): Promise<Campaign> {
  return prismaOf(store).campaign.findUniqueOrThrow({ where: { id } });
}

function statusWhere(status: CampaignStatusFilter) {
  if (status === "active") return { status: "active" };
  if (status === "closed") return { status: { in: ["won", "ended"] } };
  return {};
}

/** A server's campaigns of this status, newest first. */
export function listCampaignsOfGuild(
  store: Store,
  guildId: string,
  status: CampaignStatusFilter,
  limit: number,
): Promise<Campaign[]> {
  return prismaOf(store).campaign.findMany({
    where: { guildId, ...statusWhere(status) },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: limit,
  });
}

/** A server's active campaigns, only the one of `onlyId` when given, oldest first. */
export function listActiveCampaignsOfGuild(
  store: Store,
  guildId: string,
  onlyId: number | null,
): Promise<Campaign[]> {
  return prismaOf(store).campaign.findMany({
    where: { guildId, status: "active", ...(onlyId === null ? {} : { id: onlyId }) },
    orderBy: { id: "asc" },
  });
}

/**
 * Writes these values if the campaign is active, in one conditional statement (which also locks
 * the row for the rest of a transaction). False when it is closed or not this server's.
 */
export async function updateCampaignIfActive(
  store: Store,
  guildId: string,
  id: number,
  values: CampaignValues,
): Promise<boolean> {
  const updated = await prismaOf(store).campaign.updateMany({
    where: { id, guildId, status: "active" },
    data: values,
  });
  return updated.count === 1;
}

/** Writes these values if the campaign is closed. False when it is active or not this server's. */
export async function updateCampaignIfClosed(
  store: Store,
  guildId: string,
  id: number,
  values: CampaignValues,
): Promise<boolean> {
  const updated = await prismaOf(store).campaign.updateMany({
    where: { id, guildId, status: { not: "active" } },
    data: values,
  });
  return updated.count === 1;
}

export function saveCampaignCount(
  store: Store,
  id: number,
  values: Pick<Campaign, "count" | "goal">,
): Promise<Campaign> {
  return prismaOf(store).campaign.update({ where: { id }, data: values });
}

/** How many of a campaign's tasks are in each status (absent: none). */
export async function countTasksByStatus(
  store: Store,
  guildId: string,
  campaignId: number,
): Promise<Map<string, number>> {
  const sqlite = sqliteReads(store);
  if (sqlite) return sqlite.taskCountsByStatus(guildId, campaignId);
  const groups = await prismaOf(store).outreachTask.groupBy({
    by: ["status"],
    where: { guildId, campaignId },
    _count: { _all: true },
  });
  return new Map(groups.map((group) => [group.status, group._count._all]));
}
