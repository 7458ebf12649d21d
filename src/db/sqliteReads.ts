import { openRows, sealMemberId } from "./secrets.ts";
import type Database from "better-sqlite3";
import type { Statement } from "better-sqlite3";
import type { Campaign, Claim, GuildSettings, OutreachTask } from "./generated/client.ts";
import type { Db } from "./client.ts";
import { prepareDirect, sqliteConnection, sqliteDate } from "./sqliteDirect.ts";

/**
 * The reads of members' most frequent interactions (a server's settings, a task with its
 * campaign, a campaign and its task numbers, autocomplete's search, /task list's page), made
 * synchronously on SQLite's connection instead of through Prisma's query builder: each costs
 * 0.01-0.1 ms here against 0.3-1.2 ms through Prisma (bench/README.md). They return exactly
 * what Prisma returns (test/db/sqliteReads.test.ts compares them row for row), so callers
 * cannot tell the two apart; on PostgreSQL the same domain functions read through Prisma.
 *
 * Reads only: writes stay with Prisma (and src/db/claimSlot.ts). Like Prisma's own reads on
 * SQLite, these do not wait for a transaction of Prisma's that is open on the connection.
 */
interface SqliteReads {
  /** A server's settings row; null until one is changed (the defaults apply). */
  guildSettings(guildId: string): GuildSettings | null;
  task(guildId: string, id: number): TaskWithCampaign | null;
  campaign(guildId: string, id: number): Campaign | null;
  /** How many of a campaign's tasks are in each status. */
  taskCountsByStatus(guildId: string, campaignId: number): Map<string, number>;
  /** The tasks a member holds an open claim on (active or submitted), newest first. */
  heldTaskIds(guildId: string, userId: string, limit?: number): number[];
  /** What autocomplete shows of a server's tasks, newest first. */
  taskChoices(query: TaskChoiceQuery): TaskChoice[];
  /** How many tasks /task list has for this query. */
  countTasks(query: TaskListQuery): number;
  /**
   * One page of /task list: due first (no due date last), then oldest, each with its campaign
   * and its open claims, oldest first.
   */
  taskPage(query: TaskListQuery, skip: number, take: number): ListedTask[];
}

export type TaskWithCampaign = OutreachTask & { campaign: Campaign };
export type ListedTask = TaskWithCampaign & { claims: Claim[] };

/**
 * The lists of /task list: "open" has a free slot in an active campaign; "claimed" is open with
 * an open claim; "review" has a claim waiting for review; "overdue" is open, past due, with an
 * active claim; "mine" is the tasks of `heldIds`.
 */
type TaskListFilter = "open" | "mine" | "claimed" | "review" | "done" | "overdue";

export interface TaskListQuery {
  guildId: string;
  campaignId: number | null;
  filter: TaskListFilter;
  /** The tasks "mine" lists. */
  heldIds: readonly number[];
  /** What "overdue" compares due dates with. */
  now: Date;
}

export type TaskChoice = Pick<OutreachTask, "id" | "number" | "title" | "claimedSlots" | "slots">;

export interface TaskChoiceQuery {
  guildId: string;
  /** Only these tasks. */
  ids?: readonly number[];
  openOnly?: boolean;
  /** Only tasks older than this one (ids grow with time). */
  before?: number | undefined;
  /** Only tasks whose folded title contains this, or that have no folded title (older rows). */
  foldedTitleContains?: string;
  take?: number;
}

/**
 * The synchronous reads of a client opened on SQLite; undefined on PostgreSQL and for a
 * transaction's client (whose reads must go through the transaction), which read through Prisma.
 */
export function sqliteReads(db: Db | object): SqliteReads | undefined {
  const connection = sqliteConnection(db);
  if (!connection) return undefined;
  let reads = readsByConnection.get(connection);
  if (!reads) {
    reads = prepareReads(db as Db, connection);
    readsByConnection.set(connection, reads);
  }
  return reads;
}

const readsByConnection = new WeakMap<Database.Database, SqliteReads>();

/**
 * A model's columns as Prisma's client describes them (`db.campaign.fields`), so a column added
 * to the schema is read, and converted, without a list here to keep up to date.
 */
interface ModelShape {
  /** The SELECT list, in the schema's order (the order of Prisma's own objects' keys). */
  columns: string;
  /** SQLite keeps what Prisma calls DateTime as text and Boolean as 0 or 1. */
  dates: string[];
  booleans: string[];
}

type ModelFields = Record<string, { name: string; typeName: string }>;

/** Types SQLite returns as Prisma does (Int, String, Float), and the two converted here. */
const readableTypes = new Set(["Int", "String", "Float", "DateTime", "Boolean"]);

function shapeOf(fields: ModelFields): ModelShape {
  const all = Object.values(fields);
  // Loud rather than wrong: a BigInt, Decimal, Json or Bytes column would need converting too.
  const unreadable = all.find((field) => !readableTypes.has(field.typeName));
  if (unreadable)
    throw new Error(`sqliteReads cannot read ${unreadable.name} (${unreadable.typeName})`);
  const named = (typeName: string) =>
    all.filter((field) => field.typeName === typeName).map((field) => field.name);
  return {
    columns: all.map((field) => `"${field.name}"`).join(", "),
    dates: named("DateTime"),
    booleans: named("Boolean"),
  };
}

/** A stored date: Prisma's ISO text, or SQLite's own CURRENT_TIMESTAMP (UTC, without a zone). */
function dateOf(value: string | number): Date {
  if (typeof value === "number" || /(?:Z|[+-]\d\d:?\d\d)$/i.test(value)) return new Date(value);
  // A time without a zone would be read as local time; SQLite and Prisma mean UTC.
  return /\d:\d\d(?::\d\d(?:\.\d+)?)?$/.test(value)
    ? new Date(`${value.replace(" ", "T")}Z`)
    : new Date(value);
}

/** A row as Prisma returns it: dates as Date, booleans as boolean, null kept. */
function asModel<T>(row: Record<string, unknown>, shape: ModelShape): T {
  for (const column of shape.dates) {
    const value = row[column];
    if (value !== null) row[column] = dateOf(value as string | number);
  }
  for (const column of shape.booleans) {
    const value = row[column];
    if (value !== null) row[column] = value === 1;
  }
  // Raw SQL passes by prismaOf: its encrypted fields are opened here (src/db/secrets.ts).
  return openRows(row) as T;
}

/** `"id" IN` a list given as one JSON parameter, so a statement serves lists of any length. */
const inList = `IN (SELECT "value" FROM json_each(?))`;

function choicesSql(query: TaskChoiceQuery): { sql: string; parameters: (string | number)[] } {
  const conditions = [`"guildId" = ?`];
  const parameters: (string | number)[] = [query.guildId];
  if (query.ids) {
    conditions.push(`"id" ${inList}`);
    parameters.push(JSON.stringify(query.ids));
  }
  if (query.openOnly) conditions.push(`"status" = 'open'`);
  if (query.before !== undefined) {
    conditions.push(`"id" < ?`);
    parameters.push(query.before);
  }
  if (query.foldedTitleContains) {
    conditions.push(`(instr("titleFolded", ?) > 0 OR "titleFolded" IS NULL)`);
    parameters.push(query.foldedTitleContains);
  }
  parameters.push(query.take ?? -1);
  const sql = `SELECT "id", "number", "title", "claimedSlots", "slots" FROM "OutreachTask"
    WHERE ${conditions.join(" AND ")} ORDER BY "id" DESC LIMIT ?`;
  return { sql, parameters };
}

const claimOfTask = `"Claim"."taskId" = "OutreachTask"."id" AND "Claim"."status"`;

/** A list's conditions in SQL, as the domain's `listWhere` gives them to Prisma. */
function listWhere(query: TaskListQuery): { sql: string; parameters: (string | number)[] } {
  const conditions = [`"guildId" = ?`];
  const parameters: (string | number)[] = [query.guildId];
  if (query.campaignId !== null) {
    conditions.push(`"campaignId" = ?`);
    parameters.push(query.campaignId);
  }
  switch (query.filter) {
    case "open":
      conditions.push(`"status" = 'open' AND "claimedSlots" < "slots" AND EXISTS (SELECT 1
        FROM "Campaign" WHERE "id" = "OutreachTask"."campaignId" AND "status" = 'active')`);
      break;
    case "mine":
      conditions.push(`"id" ${inList}`);
      parameters.push(JSON.stringify(query.heldIds));
      break;
    case "claimed":
      conditions.push(`"status" = 'open'
        AND EXISTS (SELECT 1 FROM "Claim" WHERE ${claimOfTask} IN ('active', 'submitted'))`);
      break;
    case "review":
      conditions.push(`EXISTS (SELECT 1 FROM "Claim" WHERE ${claimOfTask} = 'submitted')`);
      break;
    case "done":
      conditions.push(`"status" = 'done'`);
      break;
    case "overdue":
      conditions.push(`"status" = 'open' AND "dueAt" < ?
        AND EXISTS (SELECT 1 FROM "Claim" WHERE ${claimOfTask} = 'active')`);
      parameters.push(sqliteDate(query.now));
      break;
  }
  return { sql: conditions.join(" AND "), parameters };
}

function prepareReads(db: Db, connection: Database.Database): SqliteReads {
  const taskShape = shapeOf(db.outreachTask.fields as unknown as ModelFields);
  const campaignShape = shapeOf(db.campaign.fields as unknown as ModelFields);
  const claimShape = shapeOf(db.claim.fields as unknown as ModelFields);
  const settingsShape = shapeOf(db.guildSettings.fields as unknown as ModelFields);
  const prepare = (sql: string) => prepareDirect(connection, sql);
  const settingsOfGuild = prepare(
    `SELECT ${settingsShape.columns} FROM "GuildSettings" WHERE "guildId" = ?`,
  );
  const taskOfGuild = prepare(
    `SELECT ${taskShape.columns} FROM "OutreachTask" WHERE "id" = ? AND "guildId" = ?`,
  );
  const campaignOfGuild = prepare(
    `SELECT ${campaignShape.columns} FROM "Campaign" WHERE "id" = ? AND "guildId" = ?`,
  );
  const campaignById = prepare(`SELECT ${campaignShape.columns} FROM "Campaign" WHERE "id" = ?`);
  const countsByStatus = prepare(`SELECT "status", COUNT(*) AS "count" FROM "OutreachTask"
    WHERE "guildId" = ? AND "campaignId" = ? GROUP BY "status"`);
  const held = prepare(`SELECT "taskId" FROM "Claim" WHERE "guildId" = ? AND "volunteerId" = ?
    AND "status" IN ('active', 'submitted') ORDER BY "taskId" DESC LIMIT ?`);
  const campaignsById = prepare(
    `SELECT ${campaignShape.columns} FROM "Campaign" WHERE "id" ${inList}`,
  );
  const openClaimsOf = prepare(`SELECT ${claimShape.columns} FROM "Claim"
    WHERE "taskId" ${inList} AND "status" IN ('active', 'submitted')
    ORDER BY "claimedAt", "id"`);
  // Autocomplete's and the list's reads differ by which conditions apply: one statement for each
  // combination (a few dozen at most), prepared when first needed.
  const statements = new Map<string, Statement>();
  const statement = (sql: string): Statement => {
    let prepared = statements.get(sql);
    if (!prepared) {
      prepared = prepare(sql);
      statements.set(sql, prepared);
    }
    return prepared;
  };
  const readCampaign = (guildId: string, id: number): Campaign | null => {
    const row = campaignOfGuild.get(id, guildId) as Record<string, unknown> | undefined;
    return row ? asModel<Campaign>(row, campaignShape) : null;
  };
  return {
    guildSettings(guildId) {
      const row = settingsOfGuild.get(guildId) as Record<string, unknown> | undefined;
      return row ? asModel<GuildSettings>(row, settingsShape) : null;
    },
    task(guildId, id) {
      const row = taskOfGuild.get(id, guildId) as Record<string, unknown> | undefined;
      if (!row) return null;
      const found = asModel<OutreachTask>(row, taskShape);
      // As Prisma's `include` reads it: by the task's campaignId, which a foreign key keeps valid.
      const ofTask = campaignById.get(found.campaignId) as Record<string, unknown> | undefined;
      if (!ofTask) throw new Error(`task ${id} has no campaign ${found.campaignId}`);
      return { ...found, campaign: asModel<Campaign>(ofTask, campaignShape) };
    },
    campaign: readCampaign,
    taskCountsByStatus(guildId, campaignId) {
      const rows = countsByStatus.all(guildId, campaignId) as { status: string; count: number }[];
      return new Map(rows.map((row) => [row.status, row.count]));
    },
    heldTaskIds(guildId, userId, limit) {
      const rows = held.all(guildId, sealMemberId(userId), limit ?? -1) as { taskId: number }[];
      return rows.map((row) => row.taskId);
    },
    taskChoices(query) {
      const { sql, parameters } = choicesSql(query);
      return statement(sql).all(...parameters) as TaskChoice[];
    },
    countTasks(query) {
      const where = listWhere(query);
      const sql = `SELECT COUNT(*) AS "count" FROM "OutreachTask" WHERE ${where.sql}`;
      return (statement(sql).get(...where.parameters) as { count: number }).count;
    },
    taskPage(query, skip, take) {
      const where = listWhere(query);
      const sql = `SELECT ${taskShape.columns} FROM "OutreachTask" WHERE ${where.sql}
        ORDER BY "dueAt" ASC NULLS LAST, "id" ASC LIMIT ? OFFSET ?`;
      const rows = statement(sql).all(...where.parameters, take, skip) as Record<string, unknown>[];
      const tasks = rows.map((row) => asModel<OutreachTask>(row, taskShape));
      if (tasks.length === 0) return [];
      const campaignIds = JSON.stringify([...new Set(tasks.map((task) => task.campaignId))]);
      const campaigns = new Map(
        (campaignsById.all(campaignIds) as Record<string, unknown>[]).map((row) => {
          const campaign = asModel<Campaign>(row, campaignShape);
          return [campaign.id, campaign];
        }),
      );
      const claims = new Map<number, Claim[]>();
      const taskIds = JSON.stringify(tasks.map((task) => task.id));
      for (const row of openClaimsOf.all(taskIds) as Record<string, unknown>[]) {
        const claim = asModel<Claim>(row, claimShape);
        claims.set(claim.taskId, [...(claims.get(claim.taskId) ?? []), claim]);
      }
      return tasks.map((task) => {
        const campaign = campaigns.get(task.campaignId);
        if (!campaign) throw new Error(`task ${task.id} has no campaign ${task.campaignId}`);
        return { ...task, campaign, claims: claims.get(task.id) ?? [] };
      });
    },
  };
}
