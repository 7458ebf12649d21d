import type { Db } from "./client.ts";

/** What a copy did to one table. */
interface CopiedTable {
  table: string;
  source: number;
  copied: number;
  target: number;
}

type Row = Record<string, unknown>;

/** The slice of a Prisma model delegate a copy needs, the same for every table. */
interface TableDelegate {
  count(): Promise<number>;
  findMany(args: {
    take: number;
    skip?: number;
    cursor?: Row;
    orderBy: Row | Row[];
  }): Promise<Row[]>;
  createMany(args: { data: Row[] }): Promise<{ count: number }>;
}

interface Table {
  table: string;
  delegate: (db: Db) => TableDelegate;
  orderBy: Row | Row[];
  cursor: (row: Row) => Row;
  /** The autoincrement column whose PostgreSQL sequence must follow the copied ids. */
  serial?: string;
}

const byId = { orderBy: { id: "asc" }, cursor: (row: Row) => ({ id: row["id"] }), serial: "id" };

// Parents before children, so every foreign key finds its row.
export const tables: Table[] = [
  {
    table: "GuildSettings",
    delegate: (db) => db.guildSettings as unknown as TableDelegate,
    orderBy: { guildId: "asc" },
    cursor: (row) => ({ guildId: row["guildId"] }),
  },
  { table: "Campaign", delegate: (db) => db.campaign as unknown as TableDelegate, ...byId },
  { table: "CountEntry", delegate: (db) => db.countEntry as unknown as TableDelegate, ...byId },
  { table: "CountSource", delegate: (db) => db.countSource as unknown as TableDelegate, ...byId },
  { table: "AuditEntry", delegate: (db) => db.auditEntry as unknown as TableDelegate, ...byId },
  { table: "OutreachTask", delegate: (db) => db.outreachTask as unknown as TableDelegate, ...byId },
  { table: "Claim", delegate: (db) => db.claim as unknown as TableDelegate, ...byId },
  {
    table: "Volunteer",
    delegate: (db) => db.volunteer as unknown as TableDelegate,
    orderBy: [{ guildId: "asc" }, { userId: "asc" }],
    cursor: (row) => ({ guildId_userId: { guildId: row["guildId"], userId: row["userId"] } }),
  },
  { table: "DueJob", delegate: (db) => db.dueJob as unknown as TableDelegate, ...byId },
  {
    table: "SummarySchedule",
    delegate: (db) => db.summarySchedule as unknown as TableDelegate,
    ...byId,
  },
  { table: "SummaryPost", delegate: (db) => db.summaryPost as unknown as TableDelegate, ...byId },
  {
    table: "DirectMessage",
    delegate: (db) => db.directMessage as unknown as TableDelegate,
    ...byId,
  },
];

/** Rows per table, in copy order. */
export async function tableCounts(db: Db): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of tables) counts[table.table] = await table.delegate(db).count();
  return counts;
}

export class TargetNotEmptyError extends Error {}

/**
 * Copies every row of every table from one Rally database to another, ids included, in
 * batches. The target must be migrated and empty: a copy never merges into live data. Stop
 * the bot first, so the source does not change underneath.
 */
export async function copyDatabase(
  from: Db,
  to: Db,
  options: {
    targetIsPostgres: boolean;
    batchSize?: number;
    onTable?: (copied: CopiedTable) => void;
  },
): Promise<CopiedTable[]> {
  const batchSize = options.batchSize ?? 1000;
  const occupied = Object.entries(await tableCounts(to)).filter(([, count]) => count > 0);
  if (occupied.length > 0) {
    const names = occupied.map(([name, count]) => `${name} (${count})`).join(", ");
    throw new TargetNotEmptyError(
      `The target already holds rows: ${names}. Copy into an empty database.`,
    );
  }
  const report: CopiedTable[] = [];
  for (const table of tables) {
    const source = table.delegate(from);
    const target = table.delegate(to);
    let copied = 0;
    let cursor: Row | undefined;
    for (;;) {
      const rows = await source.findMany({
        take: batchSize,
        orderBy: table.orderBy,
        ...(cursor === undefined ? {} : { cursor, skip: 1 }),
      });
      if (rows.length === 0) break;
      copied += (await target.createMany({ data: rows })).count;
      cursor = table.cursor(rows[rows.length - 1] as Row);
    }
    if (options.targetIsPostgres && table.serial !== undefined) {
      // Explicit ids do not advance a PostgreSQL sequence; the next insert would collide.
      await to.$executeRawUnsafe(
        `SELECT setval(pg_get_serial_sequence('"${table.table}"', '${table.serial}'), COALESCE(MAX("${table.serial}"), 0) + 1, false) FROM "${table.table}"`,
      );
    }
    const result = {
      table: table.table,
      source: await source.count(),
      copied,
      target: await target.count(),
    };
    report.push(result);
    options.onTable?.(result);
  }
  return report;
}
