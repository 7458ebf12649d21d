/** The dashboard's audit trail: a server's organizer actions, filtered, newest first. */
import {
  listAuditActions,
  listAuditActorIds,
  listAuditEntriesWhere,
  type AuditQuery,
} from "../db/auditTrail.ts";
import type { Store } from "../db/store.ts";
import { withAuditSubjects } from "./numbers.ts";

export type { AuditQuery };

/** The most entries one page shows; narrow the dates for older ones. */
export const auditPageSize = 200;

export async function auditTrail(db: Store, guildId: string, query: AuditQuery) {
  return withAuditSubjects(
    db,
    guildId,
    await listAuditEntriesWhere(db, guildId, query, auditPageSize),
  );
}

/** What the filters offer: who acted here, and which actions were recorded. */
export async function auditFilterChoices(db: Store, guildId: string) {
  const [actorIds, actions] = await Promise.all([
    listAuditActorIds(db, guildId),
    listAuditActions(db, guildId),
  ]);
  return { actorIds, actions };
}
