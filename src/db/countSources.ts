import type { CountSource, Prisma } from "./generated/client.ts";
import { prismaOf, type Store } from "./store.ts";

/** A campaign's count source, if it has one, only within this server. */
export function findCountSource(
  store: Store,
  guildId: string,
  campaignId: number,
): Promise<CountSource | null> {
  return prismaOf(store).countSource.findFirst({ where: { guildId, campaignId } });
}

type NewCountSource = Omit<CountSource, "id">;

/** Creates or replaces a campaign's source: a new URL starts a new series of readings. */
export function saveCountSource(store: Store, row: NewCountSource): Promise<CountSource> {
  return prismaOf(store).countSource.upsert({
    where: { campaignId: row.campaignId },
    create: row,
    update: row,
  });
}

/** Removes a campaign's source; whether there was one. */
export async function deleteCountSource(
  store: Store,
  guildId: string,
  campaignId: number,
): Promise<boolean> {
  const { count } = await prismaOf(store).countSource.deleteMany({
    where: { guildId, campaignId },
  });
  return count > 0;
}

/** Records what a read learned; only while the source still reads this URL (not replaced). */
export async function updateCountSourceIfUrl(
  store: Store,
  campaignId: number,
  url: string,
  data: Prisma.CountSourceUpdateManyMutationInput,
): Promise<boolean> {
  const { count } = await prismaOf(store).countSource.updateMany({
    where: { campaignId, url },
    data,
  });
  return count === 1;
}

/**
 * Decides the held reading if it is still this one and undecided: the first of two organizers
 * pressing wins, the second learns it is gone.
 */
export async function decideHeldReadingIf(
  store: Store,
  guildId: string,
  campaignId: number,
  heldCount: number,
  data: Prisma.CountSourceUpdateManyMutationInput,
): Promise<boolean> {
  const { count } = await prismaOf(store).countSource.updateMany({
    where: { guildId, campaignId, heldCount, heldAt: { not: null } },
    data,
  });
  return count === 1;
}

/** The count sources of these campaigns, for lists and summaries. */
export function listCountSourcesOfCampaigns(
  store: Store,
  campaignIds: readonly number[],
): Promise<CountSource[]> {
  return prismaOf(store).countSource.findMany({ where: { campaignId: { in: [...campaignIds] } } });
}

/** The tallies (`count add`) recorded since `since`: kept on top of the source's readings. */
export async function sumTalliesSince(
  store: Store,
  campaignId: number,
  since: Date,
): Promise<number> {
  const result = await prismaOf(store).countEntry.aggregate({
    where: { campaignId, kind: "add", createdAt: { gte: since } },
    _sum: { delta: true },
  });
  return result._sum.delta ?? 0;
}

/** A server's Action Network key, for the reads that need it; null when none is stored. */
export async function findActionNetworkKey(store: Store, guildId: string): Promise<string | null> {
  const row = await prismaOf(store).guildSettings.findUnique({
    where: { guildId },
    select: { actionNetworkKey: true },
  });
  return row?.actionNetworkKey ?? null;
}

export async function saveActionNetworkKey(
  store: Store,
  guildId: string,
  key: string | null,
): Promise<void> {
  await prismaOf(store).guildSettings.upsert({
    where: { guildId },
    create: { guildId, actionNetworkKey: key },
    update: { actionNetworkKey: key },
  });
}
