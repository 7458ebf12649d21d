import { insertAuditEntry } from "../db/audit.ts";
import type { Store } from "../db/store.ts";

/** Records an organizer action. `details` holds what changed, as a small JSON object. */
export async function recordAudit(
  store: Store,
  entry: {
    guildId: string;
    actorId: string;
    action: string;
    subjectId?: string | number;
    details?: object;
    at?: Date;
  },
): Promise<void> {
  await insertAuditEntry(store, {
    guildId: entry.guildId,
    actorId: entry.actorId,
    action: entry.action,
    subjectId: entry.subjectId === undefined ? null : String(entry.subjectId),
    details: entry.details === undefined ? null : JSON.stringify(entry.details),
    ...(entry.at === undefined ? {} : { createdAt: entry.at }),
  });
}
