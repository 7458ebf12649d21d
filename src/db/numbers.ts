import type { Prisma } from "./generated/client.ts";
import { prismaOf, type Store } from "./store.ts";

/** The tables whose rows carry a number counted per server. */
type NumberedTable = "Campaign" | "OutreachTask";

/**
 * The next number of a server's campaigns or tasks (#1 for its first; an import takes the ones
 * after it too), for the rows the same transaction inserts next. Race-safe because nothing else
 * gives a number of this server and table until the transaction ends: on PostgreSQL a
 * per-server advisory lock held until commit (a waiting transaction then reads the committed
 * highest number); on SQLite the driver adapter runs one transaction at a time on the
 * connection, and SQLite has one writer. The unique index on (guildId, number) is the backstop.
 * Must run inside a transaction (`inTransaction`); test/db/numbers.test.ts races it.
 */
export async function nextNumber(
  tx: Prisma.TransactionClient,
  table: NumberedTable,
  guildId: string,
): Promise<number> {
  if (isPostgres(tx)) {
    // Keyed by table and server; a hash collision only makes two servers wait on each other.
    await tx.$executeRawUnsafe(
      `SELECT pg_advisory_xact_lock(hashtext($1))`,
      `rally.number:${table}:${guildId}`,
    );
  }
  const highest =
    table === "Campaign"
      ? await tx.campaign.aggregate({ where: { guildId }, _max: { number: true } })
      : await tx.outreachTask.aggregate({ where: { guildId }, _max: { number: true } });
  return (highest._max.number ?? 0) + 1;
}

/** Which database a transaction runs on, as Prisma's client knows it. */
function isPostgres(tx: Prisma.TransactionClient): boolean {
  const provider = (tx as unknown as { _activeProvider?: unknown })._activeProvider;
  // Loud rather than unlocked: a Prisma that stops telling would silently lose the lock.
  if (provider !== "postgresql" && provider !== "sqlite")
    throw new Error(`unknown database provider: ${String(provider)}`);
  return provider === "postgresql";
}

/** The id of this server's campaign of this number; null when it has none. */
export async function findCampaignIdByNumber(
  store: Store,
  guildId: string,
  number: number,
): Promise<number | null> {
  const row = await prismaOf(store).campaign.findUnique({
    where: { guildId_number: { guildId, number } },
    select: { id: true },
  });
  return row?.id ?? null;
}

/** The id of this server's task of this number; null when it has none. */
export async function findTaskIdByNumber(
  store: Store,
  guildId: string,
  number: number,
): Promise<number | null> {
  const row = await prismaOf(store).outreachTask.findUnique({
    where: { guildId_number: { guildId, number } },
    select: { id: true },
  });
  return row?.id ?? null;
}

/** The numbers of these campaigns of this server, by id (another server's ids are left out). */
export async function listCampaignNumbers(
  store: Store,
  guildId: string,
  ids: number[],
): Promise<Map<number, number>> {
  if (ids.length === 0) return new Map();
  const rows = await prismaOf(store).campaign.findMany({
    where: { guildId, id: { in: ids } },
    select: { id: true, number: true },
  });
  return new Map(rows.map((row) => [row.id, row.number]));
}

/** The numbers of these tasks of this server, by id (another server's ids are left out). */
export async function listTaskNumbers(
  store: Store,
  guildId: string,
  ids: number[],
): Promise<Map<number, number>> {
  if (ids.length === 0) return new Map();
  const rows = await prismaOf(store).outreachTask.findMany({
    where: { guildId, id: { in: ids } },
    select: { id: true, number: true },
  });
  return new Map(rows.map((row) => [row.id, row.number]));
}
