import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { inject } from "vitest";
import { openDatabase } from "../../src/db/client.ts";
import type { Database as Db } from "../../src/db/store.ts";
import { afterEveryFile, afterEveryTest } from "./lifecycle.ts";

/**
 * Which database this vitest project runs on: "sqlite", or "postgresql" in the second pass
 * that vitest.config.ts adds when TEST_POSTGRES_URL is set. Read again for each file
 * (readProjectContext, from test/setup.ts): a worker's modules outlive a file, and may serve the
 * other project's next.
 */
export let databaseKind = inject("databaseKind");

export function readProjectContext(): void {
  databaseKind = inject("databaseKind");
}

const opened: Db[] = [];
const directories: string[] = [];
const databases: string[] = [];
/** Two connections: one creates databases, the other drops them, so neither waits on the other. */
let admin: Promise<pg.Client> | undefined;
let dropper: Promise<pg.Client> | undefined;
/** The PostgreSQL database the next test will get, made while the current test runs. */
let nextDatabase: Promise<string> | undefined;
/** Drops under way: a test does not wait for the last one's database to go. */
const dropping: Promise<unknown>[] = [];

afterEveryTest(async () => {
  await Promise.all(opened.splice(0).map((db) => db.$disconnect()));
  for (const directory of directories.splice(0))
    rmSync(directory, { recursive: true, force: true });
  for (const name of databases.splice(0)) dropping.push(dropDatabase(name));
});

afterEveryFile(async () => {
  if (nextDatabase) dropping.push(nextDatabase.then(dropDatabase));
  nextDatabase = undefined;
  await Promise.all(dropping.splice(0));
  if (admin) await (await admin).end();
  if (dropper) await (await dropper).end();
  admin = undefined;
  dropper = undefined;
});

/**
 * A fresh, migrated database, one per test: a SQLite file copied from the migrated template, or
 * a PostgreSQL database created from the migrated template database.
 */
export async function testDatabaseUrl(): Promise<string> {
  const template = inject("templateDatabase");
  if (databaseKind === "postgresql") {
    // A copy of the template takes a while on a busy server: each test takes the one made while
    // the previous test ran, and starts the next one's.
    const name = await (nextDatabase ?? createDatabase(template));
    nextDatabase = createDatabase(template);
    // Not left unhandled should the next test never come; the test that takes it sees the error.
    nextDatabase.catch(() => undefined);
    databases.push(name);
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

let created = 0;

async function createDatabase(template: string): Promise<string> {
  created += 1;
  const name = `rally_test_${process.pid}_${created}_${Date.now().toString(36)}`;
  await (await adminClient()).query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
  return name;
}

async function dropDatabase(name: string): Promise<void> {
  dropper ??= connectAdmin();
  await (await dropper).query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
}

function urlForDatabase(name: string): string {
  const url = new URL(inject("postgresUrl"));
  url.pathname = `/${name}`;
  return url.toString();
}

function adminClient(): Promise<pg.Client> {
  admin ??= connectAdmin();
  return admin;
}

async function connectAdmin(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: inject("postgresUrl") });
  await client.connect();
  return client;
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
