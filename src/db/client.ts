import Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import { basename, dirname } from "node:path";
import { PrismaClient } from "./generated/client.ts";
import { CachingSqliteAdapterFactory } from "./statementCache.ts";
import { registerSqliteConnection, sqliteConnection } from "./sqliteDirect.ts";
import type { Database as RallyDatabase } from "./store.ts";
import {
  applyMigrations,
  applyPostgresMigrations,
  isPostgresUrl,
  sqlitePathFromUrl,
} from "./migrate.ts";

export type Db = PrismaClient;

/**
 * How long a write waits for another connection's lock before the member is asked to retry.
 * better-sqlite3 waits synchronously, freezing the whole process, and Discord drops an
 * interaction not answered within 3 s: the wait must end well before that.
 */
const busyTimeoutMs = 1000;

/**
 * A transaction may wait this long for the connection (SQLite has one, PostgreSQL a pool) and
 * run this long. Prisma's defaults (2 s, 5 s) failed a burst of 30 claims on a loaded machine;
 * the dispatcher defers after 2 s, so a member waiting longer still gets an answer.
 */
const transactionOptions = { maxWait: 10_000, timeout: 15_000 };

/**
 * Prisma's other formats capture a stack trace (`new Error()`) at every query to point at the
 * calling line if it fails: 0.05-0.1 ms a query, the largest single cost of its own in the
 * bench profile. Rally logs errors with their stack anyway.
 */
const errorFormat = "minimal";

/**
 * Opens the database named by DATABASE_URL, creating and migrating it first, so a fresh clone
 * needs no setup step.
 */
export async function openDatabase(url: string): Promise<RallyDatabase> {
  if (isPostgresUrl(url)) return (await openPostgres(url)) as RallyDatabase;
  if (!url.startsWith("file:")) {
    throw new Error("DATABASE_URL must start with file: (SQLite) or postgresql:// (PostgreSQL).");
  }
  const path = sqlitePathFromUrl(url);
  mkdirSync(dirname(path), { recursive: true });
  const sqlite = new Database(path, { timeout: 30_000 });
  try {
    // WAL lets readers go on while one connection writes; it is a property of the file.
    sqlite.pragma("journal_mode = WAL");
    await applyMigrations(sqlite);
  } finally {
    sqlite.close();
  }
  const adapter = new CachingSqliteAdapterFactory({ url: path, timeout: busyTimeoutMs });
  const db = new SqliteClient(adapter);
  registerSqliteConnection(db, () => adapter.connected);
  // Not `db.$connect()`: it builds Prisma's query compiler (40-55 ms of WebAssembly on the main
  // thread), which the start's first commands do not need on SQLite (their reads and the claim's
  // write are Rally's own statements). Prisma connects, to this same connection, at its first
  // query.
  await adapter.openEarly();
  // The adapter keeps one connection, so this holds for every query. With WAL, NORMAL syncs at
  // checkpoints instead of every commit: a crash of the process loses nothing and the file stays
  // consistent; a power cut may lose the last commits. Halves the cost of a write here.
  // (better-sqlite3's build already defaults to it in WAL mode; this says so, whatever the
  // build.)
  const connection = sqliteConnection(db);
  if (!connection) throw new Error("the SQLite adapter did not connect");
  connection.pragma("synchronous = NORMAL");
  // Deleted and overwritten values are zeroed in the file, not left in free space, so an erasure
  // (/me forget, retention, /settings purge) is not undone by reading the file's bytes. Measured
  // on 20,000 claim-like rows (insert, finish, every third erased; WAL, NORMAL): 0.49 ms off,
  // 0.50 ms on, within noise, since SQLite writes whole pages either way.
  connection.pragma("secure_delete = ON");
  return db as Db as RallyDatabase;
}

/** Prisma's SQLite client, whose `$disconnect` also closes a connection Prisma never took. */
class SqliteClient extends PrismaClient {
  readonly #adapter: CachingSqliteAdapterFactory;

  constructor(adapter: CachingSqliteAdapterFactory) {
    super({ adapter, transactionOptions, errorFormat });
    this.#adapter = adapter;
  }

  override async $disconnect(): Promise<void> {
    await super.$disconnect();
    await this.#adapter.closeUnclaimed();
  }
}

/**
 * PostgreSQL through @prisma/adapter-pg. Its client is generated from the same schema
 * (prisma/schemas.ts) with the same models and types, so it serves as a Db; it is loaded only
 * here, so SQLite instances do not pay for it.
 */
async function openPostgres(url: string): Promise<Db> {
  await applyPostgresMigrations(url);
  const [{ PrismaPg }, { PrismaClient: PostgresClient }] = await Promise.all([
    import("@prisma/adapter-pg"),
    import("./generated-pg/client.ts"),
  ]);
  // `connection_limit`, as Prisma's own URLs spell it, sizes the pool (default 10 per process).
  const parsed = new URL(url);
  const limit = Number(parsed.searchParams.get("connection_limit") ?? 10);
  if (!Number.isInteger(limit) || limit < 1) {
    throw new Error("connection_limit in DATABASE_URL must be a whole number, 1 or more.");
  }
  parsed.searchParams.delete("connection_limit");
  const adapter = new PrismaPg({ connectionString: parsed.toString(), max: limit });
  const db = new PostgresClient({ adapter, transactionOptions, errorFormat });
  await db.$connect();
  return db as unknown as Db;
}

/** Where the data lives, for /rally about: the kind and place, never credentials. */
export function describeDatabase(url: string): string {
  // The file name only: a member has no business knowing the host's directory layout.
  if (url.startsWith("file:")) return `SQLite (${basename(sqlitePathFromUrl(url))})`;
  try {
    const parsed = new URL(url);
    return `PostgreSQL (${parsed.hostname}${parsed.pathname})`;
  } catch {
    return "PostgreSQL";
  }
}
