import type { Db } from "../db/client.ts";

type Writer = Pick<Db, "auditEntry">;

/** Records an organizer action. `details` holds what changed, as a small JSON object. */
export async function recordAudit(
  db: Writer,
  entry: {
    guildId: string;
    actorId: string;
    action: string;
    subjectId?: string | number;
    details?: object;
  },
): Promise<void> {
  await db.auditEntry.create({
    data: {
      guildId: entry.guildId,
      actorId: entry.actorId,
      action: entry.action,
      subjectId: entry.subjectId === undefined ? null : String(entry.subjectId),
      details: entry.details === undefined ? null : JSON.stringify(entry.details),
    },
  });
}
