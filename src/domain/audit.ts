import { insertAuditEntry } from "../db/audit.ts";
import type { Store } from "../db/store.ts";
import { now as clockNow } from "../clock.ts";

/** A changed value as the audit keeps it: a date as ISO text, a long text shortened. */
export type AuditValue = string | number | boolean | null;
/** What an action changed, by field: its value before and after. */
export type AuditChanges = Record<string, { from: AuditValue; to: AuditValue }>;

/** Texts longer than this are kept shortened: the audit says what changed, not every word. */
const auditTextMax = 80;

function auditValue(value: unknown): AuditValue {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "number" || typeof value === "boolean") return value;
  const text = String(value);
  return text.length > auditTextMax ? `${text.slice(0, auditTextMax - 1)}…` : text;
}

/**
 * The fields `after` changes from `before`, old and new. Only for organizers' own fields
 * (settings, campaigns, tasks): never a member's note, proof or reason, never a key.
 */
export function auditChanges(before: object, after: object): AuditChanges {
  const changes: AuditChanges = {};
  for (const [field, value] of Object.entries(after)) {
    if (value === undefined) continue;
    const from = auditValue((before as Record<string, unknown>)[field]);
    const to = auditValue(value);
    if (from !== to) changes[field] = { from, to };
  }
  return changes;
}

/** The changes an entry's details record (none for entries written before they were kept). */
export function readAuditChanges(
  details: string | null,
): { field: string; from: AuditValue; to: AuditValue }[] {
  if (!details) return [];
  try {
    const parsed = JSON.parse(details) as { changes?: unknown };
    const changes = parsed.changes;
    if (!changes || typeof changes !== "object") return [];
    return Object.entries(changes as Record<string, { from?: unknown; to?: unknown }>).map(
      ([field, change]) => ({ field, from: auditValue(change?.from), to: auditValue(change?.to) }),
    );
  } catch {
    return [];
  }
}

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
    createdAt: entry.at ?? clockNow(),
  });
}
