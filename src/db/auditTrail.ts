/** The dashboard's audit trail: a server's entries by actor, action and time. */
import type { AuditEntry } from "./generated/client.ts";
import { prismaOf, type Store } from "./store.ts";

export interface AuditQuery {
  actorId: string | null;
  /** An exact action ("task.approve") or a family ("task."). */
  action: string | null;
  from: Date | null;
  /** Exclusive. */
  before: Date | null;
}

/** Entries matching the query, newest first. */
export function listAuditEntriesWhere(
  store: Store,
  guildId: string,
  query: AuditQuery,
  take: number,
): Promise<AuditEntry[]> {
  const action = query.action;
  return prismaOf(store).auditEntry.findMany({
    where: {
      guildId,
      ...(query.actorId === null ? {} : { actorId: query.actorId }),
      ...(action === null
        ? {}
        : action.endsWith(".")
          ? { action: { startsWith: action } }
          : { action }),
      ...(query.from || query.before
        ? {
            createdAt: {
              ...(query.from ? { gte: query.from } : {}),
              ...(query.before ? { lt: query.before } : {}),
            },
          }
        : {}),
    },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take,
  });
}

/** Who acted in this server (erased members are null and not listed). */
export async function listAuditActorIds(store: Store, guildId: string): Promise<string[]> {
  const rows = await prismaOf(store).auditEntry.groupBy({
    by: ["actorId"],
    where: { guildId, actorId: { not: null } },
    orderBy: { actorId: "asc" },
    take: 200,
  });
  // In id order here: with DATA_KEY the database orders the sealed values (src/db/secrets.ts).
  return rows.flatMap((row) => (row.actorId === null ? [] : [row.actorId])).sort();
}

/** The actions recorded in this server. */
export async function listAuditActions(store: Store, guildId: string): Promise<string[]> {
  const rows = await prismaOf(store).auditEntry.groupBy({
    by: ["action"],
    where: { guildId },
    orderBy: { action: "asc" },
    take: 200,
  });
  return rows.map((row) => row.action);
}
