import { prismaOf, type Store } from "./store.ts";

export interface AuditRecord {
  guildId: string;
  actorId: string;
  action: string;
  subjectId: string | null;
  /** JSON text, or null. */
  details: string | null;
  /** When it happened, when the caller's clock says (the database's otherwise). */
  createdAt?: Date;
}

export async function insertAuditEntry(store: Store, entry: AuditRecord): Promise<void> {
  await prismaOf(store).auditEntry.create({ data: entry });
}
