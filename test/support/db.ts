import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, afterEach, inject } from "vitest";
import { openDatabase } from "../../src/db/client.ts";
import type { Database as Db } from "../../src/db/store.ts";

/**
 * Which database this vitest project runs on: "sqlite", or "postgresql" in the second pass
 * that vitest.config.ts adds when TEST_POSTGRES_URL is set.
 */
export const databaseKind = inject("databaseKind");

const opened: Db[] = [];
const directories: string[] = [];
const databases: string[] = [];
let admin: Promise<pg.Client> | undefined;

afterEach(async () => {
  await Promise.all(opened.splice(0).map((db) => db.$disconnect()));
  for (const directory of directories.splice(0))
    rmSync(directory, { recursive: true, force: true });
  for (const name of databases.splice(0)) {
    await (await adminClient()).query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  }
});

afterAll(async () => {
  if (admin) await (await admin).end();
});

/**
 * A fresh, migrated database, one per test: a SQLite file copied from the migrated template, or
 * a PostgreSQL database created from the migrated template database.
 */
export async function testDatabaseUrl(): Promise<string> {
  const template = inject("templateDatabase");
  if (databaseKind === "postgresql") {
    const name = `rally_test_${process.pid}_${databases.length}_${Date.now().toString(36)}`;
    databases.push(name);
    await (await adminClient()).query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
    return urlForDatabase(name);
  }
  const directory = mkdtempSync(join(tmpdir(), "rally-test-"));
  directories.push(directory);
  const path = join(directory, "rally.db");
  copyFileSync(template, path);
  return `file:${path}`;
}

export async function createTestDb(): Promise<Db> {
  const db = await openDatabase(await testDatabaseUrl());
  opened.push(db);
  return db;
}

function urlForDatabase(name: string): string {
  const url = new URL(inject("postgresUrl"));
  url.pathname = `/${name}`;
  return url.toString();
}

function adminClient(): Promise<pg.Client> {
  admin ??= (async () => {
    const client = new pg.Client({ connectionString: inject("postgresUrl") });
    await client.connect();
    return client;
  })();
  return admin;
}

export type Row = Record<string, unknown>;

/**
 * Every row of every table but Prisma's own, read with plain SQL as a seized disk would show
 * them, table by table in a stable order (insertion order on SQLite, row text on PostgreSQL).
 */
export async function dumpTables(db: Db): Promise<Record<string, Row[]>> {
  const postgres = databaseKind === "postgresql";
  const tables = await db.$queryRawUnsafe<{ name: string }[]>(
    postgres
      ? "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name NOT LIKE '\\_%' ORDER BY table_name"
      : "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '\\_%' ESCAPE '\\' ORDER BY name",
  );
  const dump: Record<string, Row[]> = {};
  for (const { name } of tables) {
    const order = postgres ? `"${name}"::text` : "rowid";
    dump[name] = await db.$queryRawUnsafe<Row[]>(`SELECT * FROM "${name}" ORDER BY ${order}`);
  }
  return dump;
}
