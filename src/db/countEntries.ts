import type { CountEntry } from "./generated/client.ts";
import { prismaOf, type Store } from "./store.ts";

type NewCountEntry = Omit<CountEntry, "id">;

export async function insertCountEntry(store: Store, entry: NewCountEntry): Promise<void> {
  await prismaOf(store).countEntry.create({ data: entry });
}

/** A campaign's count changes from `since` on, oldest first. */
export function listCountEntriesSince(
  store: Store,
  campaignId: number,
  since: Date,
): Promise<CountEntry[]> {
  return prismaOf(store).countEntry.findMany({
    where: { campaignId, createdAt: { gte: since } },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
  });
}

/** A campaign's last count change at or before `at`; null when it had none by then. */
export function findLastCountEntryAt(
  store: Store,
  campaignId: number,
  at: Date,
): Promise<CountEntry | null> {
  return prismaOf(store).countEntry.findFirst({
    where: { campaignId, createdAt: { lte: at } },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
  });
}

/** The counts a campaign reached after `after` up to `upTo`, oldest first. */
export function listCountsBetween(
  store: Store,
  campaignId: number,
  after: Date,
  upTo: Date,
): Promise<Pick<CountEntry, "createdAt" | "countAfter">[]> {
  return prismaOf(store).countEntry.findMany({
    where: { campaignId, createdAt: { gt: after, lte: upTo } },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    select: { createdAt: true, countAfter: true },
  });
}
