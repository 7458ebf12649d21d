import Database from "better-sqlite3";
import { createHash, randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import { nowMs } from "../clock.ts";
import { projectPath } from "../projectRoot.ts";

interface Migration {
  /** The directory name, e.g. `20261125142335_init`; migrations apply in name order. */
  name: string;
  sql: string;
}

interface ApplyMigrationsOptions {
  /** Defaults to the SQLite migrations committed in prisma/migrations. */
  migrationsDir?: string;
  log?: (event: { event: "migration_applied"; migration: string; ms: number }) => void;
}

/** The committed SQLite migrations, found from the project root so the process cwd does not matter. */
export const sqliteMigrationsDir = projectPath("prisma", "migrations");

/** The committed PostgreSQL migrations, from the same schema (prisma/schemas.ts). */
export const postgresMigrationsDir = projectPath("prisma", "postgresql", "migrations");

/** `postgresql://` and `postgres://` select PostgreSQL; anything else must be a SQLite file. */
export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//.test(url);
}

/**
 * Turns `file:./data/rally.db` into a path. Relative paths resolve against the process cwd, not
 * the schema folder as older Prisma versions did: one rule for the bot, the CLIs and the tests.
 */
export function sqlitePathFromUrl(url: string): string {
  if (!url.startsWith("file:")) throw new Error(`Not a SQLite file: URL: ${url}`);
  if (url.startsWith("file://")) return fileURLToPath(url.split("?")[0] ?? url);
  return resolve(url.slice("file:".length).split("?")[0] ?? "");
}

/** sha256 hex of the script, as Prisma stores it in `_prisma_migrations.checksum`. */
function migrationChecksum(sql: string): string {
  return createHash("sha256").update(sql).digest("hex");
}

/** Every `<dir>/*\/migration.sql`, in name order; a missing directory means no migrations. */
export function readMigrations(migrationsDir: string): Migration[] {
  if (!existsSync(migrationsDir)) return [];
  return readdirSync(migrationsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()
    .map((name) => ({
      name,
      sql: readFileSync(join(migrationsDir, name, "migration.sql"), "utf8"),
    }));
}

// Prisma's own DDL for SQLite (SQLite stores it without IF NOT EXISTS), so its CLI sees its table.
const createMigrationsTable = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    TEXT PRIMARY KEY NOT NULL,
    "checksum"              TEXT NOT NULL,
    "finished_at"           DATETIME,
    "migration_name"        TEXT NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        DATETIME,
    "started_at"            DATETIME NOT NULL DEFAULT current_timestamp,
    "applied_steps_count"   INTEGER UNSIGNED NOT NULL DEFAULT 0
);`;

/**
 * Applies every committed migration not yet recorded in `_prisma_migrations`, each in its own
 * BEGIN IMMEDIATE transaction, recording it as `prisma migrate deploy` does. `database` is a
 * better-sqlite3 connection, a file path or a `file:` URL (its directory is created).
 */
export async function applyMigrations(
  database: Database.Database | string,
  options: ApplyMigrationsOptions = {},
): Promise<{ applied: string[] }> {
  const migrations = readMigrations(options.migrationsDir ?? sqliteMigrationsDir);
  const db = typeof database === "string" ? openFile(database) : database;
  const foreignKeys = db.pragma("foreign_keys", { simple: true });
  try {
    db.exec(createMigrationsTable);
    checkHistory(db, migrations);
    // Prisma's table rebuilds (DROP + RENAME) would cascade-delete child rows with keys on, and
    // the script's own `PRAGMA foreign_keys=OFF` is ignored inside a transaction.
    db.pragma("foreign_keys = OFF");
    const applied: string[] = [];
    for (const { name, sql } of migrations) {
      const started = performance.now();
      if (!db.transaction(() => applyOne(db, name, sql)).immediate()) continue;
      applied.push(name);
      options.log?.({
        event: "migration_applied",
        migration: name,
        ms: Math.round(performance.now() - started),
      });
    }
    return { applied };
  } finally {
    if (db.open) db.pragma(`foreign_keys = ${foreignKeys ? "ON" : "OFF"}`);
    if (db !== database) db.close();
  }
}

function openFile(pathOrUrl: string): Database.Database {
  const path = pathOrUrl.startsWith("file:") ? sqlitePathFromUrl(pathOrUrl) : pathOrUrl;
  mkdirSync(dirname(resolve(path)), { recursive: true });
  // A second process starting at the same moment waits here for the first one's migrations.
  return new Database(path, { timeout: 30_000 });
}

interface HistoryRow {
  migration_name: string;
  checksum: string;
  finished_at: unknown;
}

/** Refuses a database whose history disagrees with the files: an edited or a failed migration. */
function checkHistory(db: Database.Database, migrations: Migration[]): void {
  const rows = db
    .prepare(`SELECT * FROM "_prisma_migrations" WHERE rolled_back_at IS NULL`)
    .all() as HistoryRow[];
  checkRows(rows, migrations);
}

function checkRows(rows: HistoryRow[], migrations: Migration[]): void {
  for (const row of rows) {
    const name = row.migration_name;
    if (row.finished_at === null) {
      throw new Error(`Migration ${name} started but never finished: repair the database first.`);
    }
    const sql = migrations.find((migration) => migration.name === name)?.sql;
    if (sql === undefined) continue;
    // Prisma accepts either line ending, since git may convert them on checkout.
    const variants = [sql, sql.replaceAll("\r\n", "\n"), sql.replaceAll("\n", "\r\n")];
    if (!variants.some((variant) => migrationChecksum(variant) === row.checksum)) {
      throw new Error(`Migration ${name} was edited after it was applied: restore the file.`);
    }
  }
}

/** Runs inside BEGIN IMMEDIATE; returns false when another process applied it first. */
function applyOne(db: Database.Database, name: string, sql: string): boolean {
  const recorded = `SELECT 1 FROM "_prisma_migrations" WHERE migration_name = ? AND rolled_back_at IS NULL`;
  if (db.prepare(recorded).get(name) !== undefined) return false;
  const id = randomUUID();
  // Prisma's native engine stores SQLite timestamps as Unix milliseconds.
  db.prepare(
    `INSERT INTO "_prisma_migrations" (id, checksum, started_at, migration_name) VALUES (?, ?, ?, ?)`,
  ).run(id, migrationChecksum(sql), nowMs(), name);
  try {
    db.exec(sql);
  } catch (error) {
    throw new Error(`Migration ${name} failed: ${(error as Error).message}`, { cause: error });
  }
  const violations = (db.pragma("foreign_key_check") as unknown[]).length;
  if (violations > 0) throw new Error(`Migration ${name} breaks ${violations} foreign keys.`);
  const finish = `UPDATE "_prisma_migrations" SET finished_at = ?, applied_steps_count = 1 WHERE id = ?`;
  db.prepare(finish).run(nowMs(), id);
  return true;
}

// Prisma's own DDL for PostgreSQL, so its CLI sees its table.
const createPostgresMigrationsTable = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
);`;

/** The advisory lock key Prisma's migrate takes, so our runner and its CLI exclude each other. */
const prismaAdvisoryLockKey = 72707369;

/**
 * Applies every committed PostgreSQL migration not yet recorded, each in its own transaction,
 * under Prisma's advisory lock: shard processes starting together apply each migration once.
 */
export async function applyPostgresMigrations(
  url: string,
  options: ApplyMigrationsOptions = {},
): Promise<{ applied: string[] }> {
  const migrations = readMigrations(options.migrationsDir ?? postgresMigrationsDir);
  const { default: pg } = await import("pg");
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("SELECT pg_advisory_lock($1)", [prismaAdvisoryLockKey]);
    await client.query(createPostgresMigrationsTable);
    const history = await client.query<HistoryRow>(
      `SELECT * FROM "_prisma_migrations" WHERE rolled_back_at IS NULL`,
    );
    checkRows(history.rows, migrations);
    const done = new Set(history.rows.map((row) => row.migration_name));
    const applied: string[] = [];
    for (const { name, sql } of migrations) {
      if (done.has(name)) continue;
      const started = performance.now();
      await client.query("BEGIN");
      try {
        const id = randomUUID();
        await client.query(
          `INSERT INTO "_prisma_migrations" (id, checksum, migration_name) VALUES ($1, $2, $3)`,
          [id, migrationChecksum(sql), name],
        );
        await client.query(sql);
        await client.query(
          `UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1`,
          [id],
        );
        await client.query("COMMIT");
      } catch (error) {
        await client.query("ROLLBACK");
        throw new Error(`Migration ${name} failed: ${(error as Error).message}`, { cause: error });
      }
      applied.push(name);
      options.log?.({
        event: "migration_applied",
        migration: name,
        ms: Math.round(performance.now() - started),
      });
    }
    return { applied };
  } finally {
    await client.end();
  }
}
