import Database from "better-sqlite3";
import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import type { SqlDriverAdapter } from "@prisma/driver-adapter-utils";

/**
 * Prisma's SQLite adapter prepares every statement anew (50-80 µs each here) because it passes
 * parameters with `bind()`, which fixes them on the statement for good. This factory keeps the
 * adapter's prepared statements per SQL text and hands it a view that passes the parameters on
 * each call instead: the same calls the adapter makes (`reader`, `columns()`, `raw().all()`,
 * `run()`), on a statement prepared once, whose column list is read once too.
 */
export class CachingSqliteAdapterFactory extends PrismaBetterSqlite3 {
  /**
   * The adapter Prisma connected last and its connection (src/db/sqliteDirect.ts works beside
   * them); undefined before Prisma connects, or should the adapter stop exposing its connection.
   */
  connected: { adapter: SqlDriverAdapter; connection: Database.Database } | undefined;

  /** Opened by `openEarly`, handed to Prisma when it first connects. */
  #early: SqlDriverAdapter | undefined;

  /**
   * Opens the connection now, for Rally's own statements, without Prisma: Prisma connects at
   * its first query and gets this same connection (one connection, one transaction lock).
   */
  async openEarly(): Promise<void> {
    this.#early ??= await this.connect();
  }

  /** Closes the early connection if Prisma never took it (a process that made no Prisma query). */
  async closeUnclaimed(): Promise<void> {
    const early = this.#early;
    this.#early = undefined;
    await early?.dispose();
  }

  override async connect() {
    const early = this.#early;
    if (early) {
      this.#early = undefined;
      return early;
    }
    const adapter = await super.connect();
    // The adapter's connection, a public field of its class; left alone should that change.
    const connection: unknown = (adapter as unknown as { client?: unknown }).client;
    if (connection instanceof Database) {
      cacheStatements(connection);
      this.connected = { adapter, connection };
    } else {
      this.connected = undefined;
    }
    return adapter;
  }
}

/** Statements kept per connection: Prisma's query shapes, IN lists of every length included. */
const cachedStatements = 500;

/** A prepared statement and its result columns, which better-sqlite3 rebuilds on every call. */
interface CachedStatement {
  statement: Database.Statement;
  columns: Database.ColumnDefinition[] | undefined;
}

function cacheStatements(connection: Database.Database): void {
  const prepare = connection.prepare.bind(connection);
  const statements = new Map<string, CachedStatement>();
  const prepared = (sql: string): CachedStatement => {
    let cached = statements.get(sql);
    if (cached) {
      statements.delete(sql);
    } else {
      cached = { statement: prepare(sql), columns: undefined };
      if (statements.size >= cachedStatements)
        statements.delete(statements.keys().next().value ?? "");
    }
    statements.set(sql, cached);
    return cached;
  };
  connection.prepare = ((sql: string) => {
    const cached = prepared(sql);
    const { statement } = cached;
    return {
      reader: statement.reader,
      run: (...args: unknown[]) => statement.run(...args),
      bind: (args: unknown[]) => ({
        reader: statement.reader,
        // The columns of a prepared statement are fixed; the schema only changes at migrations,
        // before this connection opens.
        columns: () => (cached.columns ??= statement.columns()),
        raw: () => ({ all: () => statement.raw(true).all(...args) }),
        run: () => statement.run(...args),
      }),
    };
  }) as unknown as typeof connection.prepare;
}
