import { openRows, sealMemberId } from "./secrets.ts";
import type Database from "better-sqlite3";
import type { Statement } from "better-sqlite3";
import type { Db } from "./client.ts";
import type { Campaign, OutreachTask } from "./generated/client.ts";
import { isSqlite, prepareDirect, sqliteDate, withSqliteTransaction } from "./sqliteDirect.ts";
import { sqliteReads, type TaskWithCampaign } from "./sqliteReads.ts";
import type { Store } from "./store.ts";

/**
 * A claim in one step: the slot, the claim, its jobs (the expiry and two reminders) and the
 * claimer's language for those reminders, written together or not at all; it returns what the
 * member's answer shows. This is the one write Rally makes below Prisma's query builder, on
 * purpose: it is what members do most, often all at once when a task is announced, and through
 * Prisma it cost eight statements, each with ~0.3 ms of Prisma's own JavaScript, and on
 * PostgreSQL a network round trip each while the task's row stayed locked. Here it is one
 * statement on PostgreSQL and one synchronous transaction on SQLite (bench/README.md has the
 * figures). Both run the same tests (test/db/tasks.test.ts) on their own database.
 */
interface ClaimSlotRequest {
  guildId: string;
  taskId: number;
  volunteerId: string;
  claimedAt: Date;
  expiresAt: Date;
  /**
   * The reminders come this long before the claim expires and before the task is due, and only
   * when that moment is still ahead.
   */
  remindBeforeMs: number;
  /**
   * The language the member claimed in, which their reminders are written in; noting it also
   * reopens their DMs after a refusal (they are here again). Absent when an organizer assigns
   * the task: the language is then the organizer's, not the member's.
   */
  claimerLanguage?: string | undefined;
}

/** Each outcome carries what the member's answer needs, read by the same write. */
type ClaimSlotOutcome =
  /** The task as the claim left it. */
  | { outcome: "taken"; claimId: number; task: TaskWithCampaign }
  /**
   * No slot was taken: the task is not open, full, or its campaign closed (`task` as it is), or
   * it is not this server's (`task` null); `held` tells whether the member holds it already.
   */
  | { outcome: "refused"; task: TaskWithCampaign | null; held: boolean }
  /** The member already holds an open claim on the task (the unique index said so). */
  | { outcome: "alreadyHeld" };

/**
 * Takes a slot of an open task of an active campaign, if one is free, with ONE conditional
 * update: members pressing Claim at the same instant never overfill a task.
 */
export async function takeClaimSlot(
  store: Store,
  request: ClaimSlotRequest,
): Promise<ClaimSlotOutcome> {
  // The client openDatabase made, never a transaction's: the claim is a transaction of its own.
  const db = store as unknown as Db;
  // Raw SQL passes by prismaOf: the member id is written and compared sealed (secrets.ts).
  request = { ...request, volunteerId: sealMemberId(request.volunteerId) };
  try {
    return isSqlite(db)
      ? await withSqliteTransaction(db, (connection) => takeOnSqlite(db, connection, request))
      : await takeOnPostgres(db, request);
  } catch (error) {
    if (isUniqueViolation(error)) return { outcome: "alreadyHeld" };
    throw error;
  }
}

/**
 * better-sqlite3's own code on SQLite; on PostgreSQL, Prisma's report of a failed raw query
 * (P2010) carries the driver's kind of error.
 */
function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  if ("code" in error && error.code === "SQLITE_CONSTRAINT_UNIQUE") return true;
  const meta = (error as { meta?: { driverAdapterError?: { cause?: { kind?: unknown } } } }).meta;
  return meta?.driverAdapterError?.cause?.kind === "UniqueConstraintViolation";
}

interface SqliteClaimStatements {
  take: Statement<[string, number, string]>;
  insertClaim: Statement<[string, number, string, string, string]>;
  insertJob: Statement<[string, string, string, string, string]>;
  noteClaimer: Statement<[string, string, string, string, string]>;
}

const sqliteStatements = new WeakMap<Database.Database, SqliteClaimStatements>();

function statementsFor(connection: Database.Database): SqliteClaimStatements {
  let statements = sqliteStatements.get(connection);
  if (statements) return statements;
  const prepare = (sql: string) => prepareDirect(connection, sql);
  statements = {
    take: prepare(`UPDATE "OutreachTask" SET "claimedSlots" = "claimedSlots" + 1, "updatedAt" = ?
      WHERE "id" = ? AND "guildId" = ? AND "status" = 'open' AND "claimedSlots" < "slots"
        AND EXISTS (SELECT 1 FROM "Campaign"
          WHERE "Campaign"."id" = "OutreachTask"."campaignId" AND "Campaign"."status" = 'active')
      RETURNING "dueAt"`) as SqliteClaimStatements["take"],
    insertClaim: prepare(`INSERT INTO "Claim"
      ("guildId", "taskId", "volunteerId", "status", "openMarker", "claimedAt", "expiresAt")
      VALUES (?, ?, ?, 'active', 1, ?, ?) RETURNING "id"`) as SqliteClaimStatements["insertClaim"],
    insertJob: prepare(`INSERT INTO "DueJob"
      ("guildId", "kind", "subjectId", "dueAt", "status", "attempts", "createdAt")
      VALUES (?, ?, ?, ?, 'pending', 0, ?)`) as SqliteClaimStatements["insertJob"],
    noteClaimer: prepare(`INSERT INTO "Volunteer"
      ("guildId", "userId", "lastLocale", "dmsClosed", "createdAt", "updatedAt")
      VALUES (?, ?, ?, 0, ?, ?)
      ON CONFLICT ("guildId", "userId") DO UPDATE SET "lastLocale" = excluded."lastLocale",
        "dmsClosed" = 0, "updatedAt" = excluded."updatedAt"`) as SqliteClaimStatements["noteClaimer"],
  };
  sqliteStatements.set(connection, statements);
  return statements;
}

function takeOnSqlite(
  db: Db,
  connection: Database.Database,
  request: ClaimSlotRequest,
): ClaimSlotOutcome {
  const { guildId, taskId, volunteerId, claimedAt, expiresAt, remindBeforeMs, claimerLanguage } =
    request;
  const statements = statementsFor(connection);
  // Read inside the same transaction: the task as this claim (or refusal) saw it.
  const reads = sqliteReads(db);
  if (!reads) throw new Error("no better-sqlite3 connection under this client");
  const now = sqliteDate(claimedAt);
  const taken = statements.take.get(now, taskId, guildId) as { dueAt: string | null } | undefined;
  if (!taken) {
    const task = reads.task(guildId, taskId);
    const held = task !== null && reads.heldTaskIds(guildId, volunteerId).includes(taskId);
    return { outcome: "refused", task, held };
  }
  const claim = statements.insertClaim.get(
    guildId,
    taskId,
    volunteerId,
    now,
    sqliteDate(expiresAt),
  ) as { id: number };
  const subjectId = String(claim.id);
  const jobs: [string, Date][] = [
    ["claim.expire", expiresAt],
    ["claim.remindExpiry", new Date(expiresAt.getTime() - remindBeforeMs)],
  ];
  if (taken.dueAt !== null)
    jobs.push(["claim.remindDue", new Date(new Date(taken.dueAt).getTime() - remindBeforeMs)]);
  for (const [kind, dueAt] of jobs) {
    if (kind !== "claim.expire" && dueAt <= claimedAt) continue;
    statements.insertJob.run(guildId, kind, subjectId, sqliteDate(dueAt), now);
  }
  if (claimerLanguage !== undefined)
    statements.noteClaimer.run(guildId, volunteerId, claimerLanguage, now, now);
  const task = reads.task(guildId, taskId);
  if (!task) throw new Error(`task ${taskId} vanished inside its own claim`);
  return { outcome: "taken", claimId: claim.id, task };
}

/**
 * PostgreSQL: one statement, so the task's row is locked for the statement only, not across
 * round trips. Concurrent updates of the row wait and then re-check the WHERE on the row as the
 * first left it (READ COMMITTED), so the slot count holds; a unique violation on the claim undoes
 * the whole statement, slot included. It also returns what the answer shows: the task as the
 * update left it (a statement's own changes are only visible through RETURNING); when no slot
 * was taken, a second statement reads the task as it is and whether the member holds it.
 */
async function takeOnPostgres(db: Db, request: ClaimSlotRequest): Promise<ClaimSlotOutcome> {
  const { guildId, taskId, volunteerId, claimedAt, expiresAt, remindBeforeMs, claimerLanguage } =
    request;
  const statements = postgresStatements(db);
  const [taken] = await db.$queryRawUnsafe<Record<string, unknown>[]>(
    statements.claim,
    claimedAt,
    taskId,
    guildId,
    volunteerId,
    expiresAt,
    remindBeforeMs,
    // NULL: nothing to note (an assignment); the INSERT then selects no row.
    claimerLanguage ?? null,
  );
  if (taken) {
    const { claimId, ...columns } = taken;
    return { outcome: "taken", claimId: Number(claimId), task: splitTask(columns) };
  }
  // Why not, read by a statement of its own: the claim's statement sees the database as it was
  // when it began, before a claim it waited for (the same member pressing twice) was committed.
  const [refused] = await db.$queryRawUnsafe<Record<string, unknown>[]>(
    statements.refusal,
    taskId,
    guildId,
    volunteerId,
  );
  if (!refused) return { outcome: "refused", task: null, held: false };
  const { held, ...columns } = refused;
  return { outcome: "refused", task: splitTask(columns), held: held === true };
}

interface PostgresClaimStatements {
  claim: string;
  refusal: string;
}

/** The statements of a claim on PostgreSQL, built once per client. */
function postgresStatements(db: Db): PostgresClaimStatements {
  let statements = postgresClaimStatements.get(db);
  if (statements) return statements;
  const { task, campaign } = postgresColumns(db);
  const claim = `WITH taken AS (
      UPDATE "OutreachTask" SET "claimedSlots" = "claimedSlots" + 1, "updatedAt" = $1
      WHERE "id" = $2 AND "guildId" = $3 AND "status" = 'open' AND "claimedSlots" < "slots"
        AND EXISTS (SELECT 1 FROM "Campaign"
          WHERE "Campaign"."id" = "OutreachTask"."campaignId" AND "Campaign"."status" = 'active')
      RETURNING *
    ), claim AS (
      INSERT INTO "Claim"
        ("guildId", "taskId", "volunteerId", "status", "openMarker", "claimedAt", "expiresAt")
      SELECT "guildId", "id", $4, 'active', 1, $1, $5 FROM taken
      RETURNING "id", "guildId", "expiresAt"
    ), jobs AS (
      INSERT INTO "DueJob" ("guildId", "kind", "subjectId", "dueAt", "status", "attempts", "createdAt")
      SELECT claim."guildId", job."kind", claim."id"::text, job."dueAt", 'pending', 0, $1
      FROM claim CROSS JOIN taken CROSS JOIN LATERAL (VALUES
        ('claim.expire', claim."expiresAt"),
        ('claim.remindExpiry', claim."expiresAt" - $6::float8 * interval '1 millisecond'),
        ('claim.remindDue', taken."dueAt" - $6::float8 * interval '1 millisecond')
      ) AS job("kind", "dueAt")
      WHERE job."kind" = 'claim.expire' OR job."dueAt" > $1
    ), noted AS (
      INSERT INTO "Volunteer" ("guildId", "userId", "lastLocale", "dmsClosed", "createdAt", "updatedAt")
      SELECT claim."guildId", $4, $7::text, false, $1, $1
      FROM claim WHERE $7::text IS NOT NULL
      ON CONFLICT ("guildId", "userId") DO UPDATE SET "lastLocale" = EXCLUDED."lastLocale",
        "dmsClosed" = false, "updatedAt" = EXCLUDED."updatedAt"
    )
    SELECT claim."id" AS "claimId", ${task("taken")}, ${campaign}
    FROM claim CROSS JOIN taken JOIN "Campaign" ON "Campaign"."id" = taken."campaignId"`;
  const refusal = `SELECT EXISTS (SELECT 1 FROM "Claim" WHERE "Claim"."taskId" = task."id"
        AND "Claim"."volunteerId" = $3 AND "Claim"."status" IN ('active', 'submitted')) AS "held",
      ${task("task")}, ${campaign}
    FROM "OutreachTask" AS task JOIN "Campaign" ON "Campaign"."id" = task."campaignId"
    WHERE task."id" = $1 AND task."guildId" = $2`;
  statements = { claim, refusal };
  postgresClaimStatements.set(db, statements);
  return statements;
}

const postgresClaimStatements = new WeakMap<Db, PostgresClaimStatements>();

const campaignPrefix = "campaign.";

/**
 * The SELECT lists of a task and of its campaign (as "campaign.<column>"), from Prisma's own
 * field lists, so a column added to the schema is returned without a list here to keep up.
 */
function postgresColumns(db: Db) {
  const names = (fields: object) =>
    Object.values(fields as Record<string, { name: string }>).map((field) => field.name);
  const taskColumns = names(db.outreachTask.fields);
  return {
    task: (table: string) => taskColumns.map((name) => `${table}."${name}"`).join(", "),
    campaign: names(db.campaign.fields)
      .map((name) => `"Campaign"."${name}" AS "${campaignPrefix}${name}"`)
      .join(", "),
  };
}

function splitTask(columns: Record<string, unknown>): TaskWithCampaign {
  const task: Record<string, unknown> = {};
  const campaign: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(columns)) {
    if (name.startsWith(campaignPrefix)) campaign[name.slice(campaignPrefix.length)] = value;
    else task[name] = value;
  }
  // Raw SQL passes by prismaOf: the task's encrypted location and creators are opened here.
  return { ...openRows(task as OutreachTask), campaign: openRows(campaign as Campaign) };
}
