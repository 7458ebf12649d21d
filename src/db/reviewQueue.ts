/** The dashboard's review queue: a server's claims waiting for review, with their tasks. */
import type { ClaimWithTask } from "./claims.ts";
import { prismaOf, type Store } from "./store.ts";

/** Submitted claims of this server (of one campaign when given), waiting longest first. */
export function listSubmittedClaims(
  store: Store,
  guildId: string,
  campaignId: number | null,
  take: number,
): Promise<ClaimWithTask[]> {
  return prismaOf(store).claim.findMany({
    where: {
      guildId,
      status: "submitted",
      ...(campaignId === null ? {} : { task: { campaignId } }),
    },
    include: { task: { include: { campaign: true } } },
    orderBy: [{ submittedAt: "asc" }, { id: "asc" }],
    take,
  });
}

/** Of these claim ids, those of this server (any status). */
export async function listClaimIdsOfGuild(
  store: Store,
  guildId: string,
  ids: readonly number[],
): Promise<number[]> {
  if (ids.length === 0) return [];
  const rows = await prismaOf(store).claim.findMany({
    where: { guildId, id: { in: [...ids] } },
    select: { id: true },
  });
  return rows.map((row) => row.id);
}

/** A claim of this server with its task, in whatever status it is now. */
export function findClaimWithTask(
  store: Store,
  guildId: string,
  claimId: number,
): Promise<ClaimWithTask | null> {
  return prismaOf(store).claim.findFirst({
    where: { id: claimId, guildId },
    include: { task: { include: { campaign: true } } },
  });
}
