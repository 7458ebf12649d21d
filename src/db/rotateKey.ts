/**
 * `npm run data:rotate-key`: every encrypted field and member id, plain or sealed with the old
 * key, sealed again under the new one. Batch by batch, each its own transaction, and a value
 * already under the new key is skipped: after a crash, running it again continues where it
 * stopped.
 */
import type { Db } from "./client.ts";
import {
  memberIdFields,
  memberIdsNotUnder,
  open,
  openMemberId,
  seal,
  sealedKeyId,
  sealedMemberKeyId,
  sealIdsInDetails,
  sealMemberId,
  secretFields,
  useDataKey,
  type DataKey,
} from "./secrets.ts";

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
  /** Member ids (and audit details naming members) sealed under the new key, plain or old. */
  memberIds: number;
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
  const progress: RotationProgress = { rows: 0, values: 0, memberIds: 0 };
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
  await rotateMemberIds(db, newKey, batchSize, progress, options.afterBatch);
  return progress;
}

/** How a row of each model with member ids is named in an update, from its stored columns. */
const uniqueKeys: Record<string, readonly string[]> = {
  Volunteer: ["guildId", "userId"],
  WebSession: ["tokenHash"],
};

const delegateOf = (model: string) => `${model[0]?.toLowerCase() ?? ""}${model.slice(1)}`;

/**
 * Member ids: every one not yet under the new key (plain, or an old key's) is sealed under it.
 * Each batch rewrites every row it read, so the rows left shrink to none without a cursor
 * (Volunteer's key holds the id itself); a crash leaves committed batches done.
 */
async function rotateMemberIds(
  db: Db,
  newKey: DataKey,
  batchSize: number,
  progress: RotationProgress,
  afterBatch: ((progress: RotationProgress) => void) | undefined,
): Promise<void> {
  const underNewKey = `enc:m1:${newKey.id}:`;
  const delegates = db as unknown as Record<string, Delegate>;
  for (const [model, fields] of Object.entries(memberIdFields)) {
    const keyFields = uniqueKeys[model] ?? ["id"];
    const due = fields.map((field) => memberIdsNotUnder(model, field, underNewKey));
    for (;;) {
      const rows = await delegates[delegateOf(model)]!.findMany({
        where: { OR: due },
        select: Object.fromEntries([...keyFields, ...fields].map((f) => [f, true])),
        take: batchSize,
      });
      if (rows.length === 0) break;
      const writes = rows.map((row) => {
        const data: Record<string, string> = {};
        for (const field of fields) {
          const value = row[field];
          if (typeof value !== "string" || sealedMemberKeyId(value) === newKey.id) continue;
          data[field] = sealMemberId(openMemberId(value), newKey);
          // A value that only looks sealed would stay due and loop here forever: stop loudly.
          if (sealedMemberKeyId(data[field]) !== newKey.id)
            throw new Error(`${model}.${field} holds a value that is no member id`);
        }
        const key = Object.fromEntries(keyFields.map((f) => [f, row[f]]));
        return { where: keyFields.length > 1 ? { [keyFields.join("_")]: key } : key, data };
      });
      await db.$transaction(async (tx) => {
        const inTx = (tx as unknown as Record<string, Delegate>)[delegateOf(model)];
        for (const write of writes) await inTx?.update(write);
      });
      progress.rows += writes.length;
      progress.memberIds += writes.reduce((sum, write) => sum + Object.keys(write.data).length, 0);
      afterBatch?.({ ...progress });
    }
  }
  // Audit details name members inside their JSON: rewritten where sealing them changes them.
  let after = 0;
  for (;;) {
    const rows = (await db.auditEntry.findMany({
      where: { details: { not: null }, id: { gt: after } },
      select: { id: true, details: true },
      orderBy: { id: "asc" },
      take: batchSize,
    })) as { id: number; details: string }[];
    if (rows.length === 0) break;
    const writes = rows
      .map((row) => ({
        id: row.id,
        details: sealIdsInDetails(row.details, newKey),
        was: row.details,
      }))
      .filter((write) => write.details !== write.was);
    await db.$transaction(async (tx) => {
      for (const write of writes)
        await tx.auditEntry.update({ where: { id: write.id }, data: { details: write.details } });
    });
    progress.rows += writes.length;
    progress.memberIds += writes.length;
    after = rows[rows.length - 1]?.id ?? after;
    if (writes.length > 0) afterBatch?.({ ...progress });
  }
}
