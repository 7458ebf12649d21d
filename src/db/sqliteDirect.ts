import Database, { type Statement } from "better-sqlite3";
import type { SqlDriverAdapter } from "@prisma/driver-adapter-utils";
import type { Db } from "./client.ts";

/**
 * The SQLite connection under a Prisma client, for the work Rally does below Prisma's query
 * builder: the claim's write (src/db/claimSlot.ts) and the hot reads (src/db/sqliteReads.ts).
 * Prisma's SQLite adapter holds ONE connection and lets one transaction at a time have it (an
 * async lock in `startTransaction`); a write here takes that same lock, so it never lands inside
 * a transaction of Prisma's that is waiting between two of its statements, and Prisma's never
 * inside this one. Reads, like Prisma's own, take no lock.
 */
interface SqliteConnection {
  adapter: SqlDriverAdapter;
  connection: Database.Database;
}

const connections = new WeakMap<Db, () => SqliteConnection | undefined>();

/** From openDatabase: `connected` gives the adapter Prisma connected last, and its connection. */
export function registerSqliteConnection(
  db: Db,
  connected: () => SqliteConnection | undefined,
): void {
  connections.set(db, connected);
}

/**
 * The connection under a client opened on SQLite, once Prisma has connected; undefined on
 * PostgreSQL and for a transaction's client (which is not registered).
 */
export function sqliteConnection(db: Db | object): Database.Database | undefined {
  return connections.get(db as Db)?.()?.connection;
}

/**
 * A date as Prisma's SQLite adapter writes it (ISO 8601, `+00:00`): rows written here read the
 * same through Prisma, and compare as text with what Prisma wrote.
 */
export function sqliteDate(date: Date): string {
  return date.toISOString().replace("Z", "+00:00");
}

/**
 * A statement of Rally's own on the connection: prepared by the class's `prepare`, which Prisma's
 * statement cache (src/db/statementCache.ts) wraps on the connection itself, and reading integers
 * as numbers, which the adapter turns into BigInt on this connection (Rally's ids fit a number).
 */
export function prepareDirect(connection: Database.Database, sql: string): Statement {
  return (Database.prototype.prepare.call(connection, sql) as Statement).safeIntegers(false);
}

/** Whether this client was opened on SQLite (by openDatabase); PostgreSQL otherwise. */
export function isSqlite(db: Db): boolean {
  return connections.has(db);
}

/**
 * Runs `work` synchronously in a transaction of its own, committed when it returns and rolled
 * back when it throws. Being synchronous, nothing else in this process runs in between.
 */
export async function withSqliteTransaction<T>(
  db: Db,
  work: (connection: Database.Database) => T,
): Promise<T> {
  const connected = connections.get(db)?.();
  // Loud rather than wrong: a SQLite client must never fall through to another database's SQL.
  if (!connected) throw new Error("no better-sqlite3 connection under this client");
  const { adapter, connection } = connected;
  // The adapter takes its lock and sends BEGIN; its commit() and rollback() only give the lock
  // back, because Prisma sends COMMIT and ROLLBACK itself (`usePhantomQuery: false`): so do we.
  // The lock goes back whatever happens, or every later transaction would wait forever.
  const lock = await adapter.startTransaction();
  let committed = false;
  try {
    const result = work(connection);
    connection.exec("COMMIT");
    committed = true;
    return result;
  } finally {
    try {
      if (!committed && connection.inTransaction) connection.exec("ROLLBACK");
    } finally {
      await (committed ? lock.commit() : lock.rollback());
    }
  }
}
