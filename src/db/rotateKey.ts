/**
 * `npm run data:rotate-key`: every encrypted field, plain or sealed with the old key, sealed
 * again under the new one. Batch by batch, each its own transaction, and a value already under
 * the new key is skipped: after a crash, running it again continues where it stopped.
 */
import type { Db } from "./client.ts";
import { open, seal, sealedKeyId, secretFields, useDataKey, type DataKey } from "./secrets.ts";

/** Each model with encrypted fields, its delegate and the column its batches are ordered by. */
const tables = [
  { delegate: "claim", key: "id", fields: secretFields.Claim },
  { delegate: "outreachTask", key: "id", fields: secretFields.OutreachTask },
  { delegate: "guildSettings", key: "guildId", fields: secretFields.GuildSettings },
] as const;

type Row = Record<string, string | number | null>;

interface Delegate {
  findMany(args: object): Promise<Row[]>;
  update(args: object): Promise<unknown>;
}

export interface RotationProgress {
  /** Rows written again (each in one of the batches' transactions). */
  rows: number;
  /** Values sealed under the new key, plain or old ones. */
  values: number;
}

/**
 * Seals every value of the encrypted fields under `newKey`, opening old ones with `oldKey`;
 * `afterBatch` is told after each committed batch (the test stops there).
 */
export async function rotateDataKey(
  db: Db,
  newKey: DataKey,
  oldKey: DataKey | null,
  options: { batchSize?: number; afterBatch?: (progress: RotationProgress) => void } = {},
): Promise<RotationProgress> {
  const batchSize = options.batchSize ?? 500;
  useDataKey(newKey, oldKey ? [oldKey] : []);
  const underNewKey = `enc:v1:${newKey.id}:`;
  const progress: RotationProgress = { rows: 0, values: 0 };
  for (const table of tables) {
    // Rows with a value not yet under the new key (plain, or another key's).
    const due = table.fields.map((field) => ({
      AND: [{ [field]: { not: null } }, { NOT: { [field]: { startsWith: underNewKey } } }],
    }));
    let after: string | number | null = null;
    for (;;) {
      // The raw client: these rows are read and written as stored, not through prismaOf.
      const delegate = (db as unknown as Record<string, Delegate>)[table.delegate];
      if (!delegate) throw new Error(`no ${table.delegate} in this client`);
      const rows = await delegate.findMany({
        where: {
          OR: due,
          ...(after === null ? {} : { [table.key]: { gt: after } }),
        },
        select: { [table.key]: true, ...Object.fromEntries(table.fields.map((f) => [f, true])) },
        orderBy: { [table.key]: "asc" },
        take: batchSize,
      });
      if (rows.length === 0) break;
      const writes = rows.map((row) => {
        const data: Record<string, string> = {};
        for (const field of table.fields) {
          const value = row[field];
          if (typeof value !== "string" || sealedKeyId(value) === newKey.id) continue;
          data[field] = seal(open(value), newKey);
        }
        return { id: row[table.key], data };
      });
      await db.$transaction(async (tx) => {
        const inTx = (tx as unknown as Record<string, Delegate>)[table.delegate];
        for (const write of writes)
          await inTx?.update({ where: { [table.key]: write.id }, data: write.data });
      });
      progress.rows += writes.length;
      progress.values += writes.reduce((sum, write) => sum + Object.keys(write.data).length, 0);
      after = rows[rows.length - 1]?.[table.key] ?? null;
      options.afterBatch?.({ ...progress });
    }
  }
  return progress;
}
