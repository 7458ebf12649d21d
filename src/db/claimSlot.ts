import type Database from "better-sqlite3";
import type { Statement } from "better-sqlite3";
import type { Db } from "./client.ts";
import { isSqlite, prepareDirect, sqliteDate, withSqliteTransaction } from "./sqliteDirect.ts";

/**
 * A claim in one step: the slot, the claim, its jobs (the expiry and two reminders) and the
 * claimer's language for those reminders, written together or not at all. This is the one write Rally makes below Prisma's query builder, on
 * purpose: it is what members do most, often all at once when a task is announced, and through
 * Prisma it cost eight statements, each with ~0.3 ms of Prisma's own JavaScript, and on
 * PostgreSQL a network round trip each while the task's row stayed locked. Here it is one
 * statement on PostgreSQL and one synchronous transaction on SQLite (bench/README.md has the
 * figures). Both run the same tests (test/db/tasks.test.ts) on their own database.
 */
export interface ClaimSlotRequest {
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

export type ClaimSlotOutcome =
  | { outcome: "taken"; claimId: number }
  /** No slot was taken: the task is not open, not this server's, full, or its campaign closed. */
  | { outcome: "refused" }
  /** The member already holds an open claim on the task (the unique index said so). */
  | { outcome: "alreadyHeld" };

/**
 * Takes a slot of an open task of an active campaign, if one is free, with ONE conditional
 * update: members pressing Claim at the same instant never overfill a task.
 */
export async function takeClaimSlot(db: Db, request: ClaimSlotRequest): Promise<ClaimSlotOutcome> {
  try {
    const claimId = isSqlite(db)
      ? await withSqliteTransaction(db, (connection) => takeOnSqlite(connection, request))
      : await takeOnPostgres(db, request);
    return claimId === null ? { outcome: "refused" } : { outcome: "taken", claimId };
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

function takeOnSqlite(connection: Database.Database, request: ClaimSlotRequest): number | null {
  const { guildId, taskId, volunteerId, claimedAt, expiresAt, remindBeforeMs, claimerLanguage } =
    request;
  const statements = statementsFor(connection);
  const now = sqliteDate(claimedAt);
  const taken = statements.take.get(now, taskId, guildId) as { dueAt: string | null } | undefined;
  if (!taken) return null;
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
  return claim.id;
}

/**
 * PostgreSQL: one statement, so the task's row is locked for the statement only, not across
 * round trips. Concurrent updates of the row wait and then re-check the WHERE on the row as the
 * first left it (READ COMMITTED), so the slot count holds; a unique violation on the claim undoes
 * the whole statement, slot included.
 */
async function takeOnPostgres(db: Db, request: ClaimSlotRequest): Promise<number | null> {
  const { guildId, taskId, volunteerId, claimedAt, expiresAt, remindBeforeMs, claimerLanguage } =
    request;
  // NULL: nothing to note (an assignment); the INSERT then selects no row.
  const language = claimerLanguage ?? null;
  const rows = await db.$queryRaw<{ id: number }[]>`
    WITH taken AS (
      UPDATE "OutreachTask" SET "claimedSlots" = "claimedSlots" + 1, "updatedAt" = ${claimedAt}
      WHERE "id" = ${taskId} AND "guildId" = ${guildId} AND "status" = 'open'
        AND "claimedSlots" < "slots"
        AND EXISTS (SELECT 1 FROM "Campaign"
          WHERE "Campaign"."id" = "OutreachTask"."campaignId" AND "Campaign"."status" = 'active')
      RETURNING "id", "guildId", "dueAt"
    ), claim AS (
      INSERT INTO "Claim"
        ("guildId", "taskId", "volunteerId", "status", "openMarker", "claimedAt", "expiresAt")
      SELECT "guildId", "id", ${volunteerId}, 'active', 1, ${claimedAt}, ${expiresAt} FROM taken
      RETURNING "id", "guildId", "expiresAt"
    ), jobs AS (
      INSERT INTO "DueJob" ("guildId", "kind", "subjectId", "dueAt", "status", "attempts", "createdAt")
      SELECT claim."guildId", job."kind", claim."id"::text, job."dueAt", 'pending', 0, ${claimedAt}
      FROM claim CROSS JOIN taken CROSS JOIN LATERAL (VALUES
        ('claim.expire', claim."expiresAt"),
        ('claim.remindExpiry', claim."expiresAt" - ${remindBeforeMs}::float8 * interval '1 millisecond'),
        ('claim.remindDue', taken."dueAt" - ${remindBeforeMs}::float8 * interval '1 millisecond')
      ) AS job("kind", "dueAt")
      WHERE job."kind" = 'claim.expire' OR job."dueAt" > ${claimedAt}
    ), noted AS (
      INSERT INTO "Volunteer" ("guildId", "userId", "lastLocale", "dmsClosed", "createdAt", "updatedAt")
      SELECT claim."guildId", ${volunteerId}, ${language}::text, false, ${claimedAt}, ${claimedAt}
      FROM claim WHERE ${language}::text IS NOT NULL
      ON CONFLICT ("guildId", "userId") DO UPDATE SET "lastLocale" = EXCLUDED."lastLocale",
        "dmsClosed" = false, "updatedAt" = EXCLUDED."updatedAt"
    )
    SELECT "id" FROM claim`;
  return rows[0]?.id ?? null;
}
