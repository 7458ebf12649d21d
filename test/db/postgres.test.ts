// PostgreSQL itself: the migration runner and the derived schema. Runs only in the PostgreSQL
// pass (vitest.config.ts); every other test file runs there too, on a database of its own.
import { createHash } from "node:crypto";
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { describe, expect, it } from "vitest";
import {
  createMigration,
  postgresMigrationAdapter,
  readMigrationList,
  withSchemaEngine,
} from "../../prisma/createMigration.ts";
import { postgresSchemaPath } from "../../prisma/schemas.ts";
import { openDatabase } from "../../src/db/client.ts";
import {
  applyPostgresMigrations,
  postgresMigrationsDir,
  readMigrations,
} from "../../src/db/migrate.ts";
import { testDatabaseUrl } from "../support/db.ts";

const committed = readMigrations(postgresMigrationsDir).map((migration) => migration.name);

/** An empty database (no migrations), dropped with the test's other databases. */
async function emptyDatabaseUrl(): Promise<string> {
  const url = new URL(await testDatabaseUrl());
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  await client.query(`DROP SCHEMA public CASCADE; CREATE SCHEMA public;`);
  await client.end();
  return url.toString();
}

async function rows(url: string, sql: string): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

describe("applyPostgresMigrations", () => {
  it("brings an empty database to the schema, recorded as Prisma records it", async () => {
    const url = await emptyDatabaseUrl();
    expect(await applyPostgresMigrations(url)).toEqual({ applied: committed });
    expect(await applyPostgresMigrations(url)).toEqual({ applied: [] });

    const history = await rows(url, `SELECT * FROM "_prisma_migrations" ORDER BY migration_name`);
    expect(history.map((row) => row["migration_name"])).toEqual(committed);
    for (const row of history) {
      const file = readFileSync(
        join(postgresMigrationsDir, String(row["migration_name"]), "migration.sql"),
      );
      expect(row).toMatchObject({
        checksum: createHash("sha256").update(file).digest("hex"),
        rolled_back_at: null,
        applied_steps_count: 1,
      });
      expect(row["finished_at"]).toBeInstanceOf(Date);
    }

    const schema = { path: postgresSchemaPath, content: readFileSync(postgresSchemaPath, "utf8") };
    const status = await withSchemaEngine(schema, postgresMigrationAdapter(url), (engine) =>
      engine.diagnoseMigrationHistory({
        migrationsList: readMigrationList(postgresMigrationsDir),
        optInToShadowDatabase: false,
        filters: { externalTables: [], externalEnums: [] },
      }),
    );
    expect(status).toEqual({
      editedMigrationNames: [],
      failedMigrationNames: [],
      hasMigrationsTable: true,
      history: null,
    });
  });

  it("applies each migration once when several shard processes start together", async () => {
    const url = await emptyDatabaseUrl();
    const results = await Promise.all(
      Array.from({ length: 4 }, () => applyPostgresMigrations(url)),
    );
    expect(results.flatMap((result) => result.applied).sort()).toEqual(committed);
    const history = await rows(url, `SELECT migration_name FROM "_prisma_migrations"`);
    expect(history).toHaveLength(committed.length);
  });

  it("refuses to start when an applied migration was edited", async () => {
    const url = await emptyDatabaseUrl();
    await applyPostgresMigrations(url);
    await rows(url, `UPDATE "_prisma_migrations" SET checksum = 'edited'`);
    await expect(applyPostgresMigrations(url)).rejects.toThrow(/was edited after it was applied/);
  });

  it("fills in the folded title of existing tasks whose title is printable ASCII", async () => {
    const url = await emptyDatabaseUrl();
    // The database as it was before that migration: it and later ones are left out.
    const before = mkdtempSync(join(tmpdir(), "rally-pg-migrations-"));
    const folding = committed.find((name) => name.endsWith("_task_title_folded")) ?? "";
    for (const name of committed.filter((name) => name < folding))
      cpSync(join(postgresMigrationsDir, name), join(before, name), { recursive: true });
    try {
      await applyPostgresMigrations(url, { migrationsDir: before });
    } finally {
      rmSync(before, { recursive: true, force: true });
    }
    await rows(
      url,
      `INSERT INTO "Campaign" ("guildId", "title", "goal", "channelId", "updatedAt")
       VALUES ('1', 'Petition', 10, '2', now());
       INSERT INTO "OutreachTask" ("guildId", "campaignId", "title", "updatedAt") VALUES
       ('1', 1, 'Flyers AT the Library', now()), ('1', 1, 'Листовки у ВУЗа', now()),
       ('1', 1, 'Café flyers', now()), ('1', 1, '50% OFF ~ [x]', now())`,
    );

    await applyPostgresMigrations(url);
    const folded = await rows(url, `SELECT "titleFolded" FROM "OutreachTask" ORDER BY id`);
    // Outside printable ASCII, lower() is not JavaScript's toLowerCase: left to the search.
    expect(folded.map((row) => row["titleFolded"])).toEqual([
      "flyers at the library",
      null,
      null,
      "50% off ~ [x]",
    ]);
  });

  it("is what openDatabase does: a postgresql:// URL opens a working client", async () => {
    const url = await emptyDatabaseUrl();
    const db = await openDatabase(url.replace(/^postgresql:/, "postgres:"));
    try {
      await db.guildSettings.create({ data: { guildId: "1" } });
      expect(await db.guildSettings.count()).toBe(1);
    } finally {
      await db.$disconnect();
    }
  });
});

describe("openDatabase on PostgreSQL", () => {
  it("sizes the pool from connection_limit and refuses a value that is not a count", async () => {
    const url = new URL(await testDatabaseUrl());
    url.searchParams.set("connection_limit", "3");
    const db = await openDatabase(url.toString());
    try {
      // Ten slow queries at once: the pool opens exactly three connections for them.
      const sleeping = Promise.all(
        Array.from({ length: 10 }, () =>
          db.$queryRawUnsafe("SELECT 1 AS slept FROM pg_sleep(0.3)"),
        ),
      );
      await new Promise((resolve) => setTimeout(resolve, 150));
      const [row] = await rows(
        url.toString(),
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
      );
      await sleeping;
      expect(row?.["n"]).toBe(3);
    } finally {
      await db.$disconnect();
    }
    url.searchParams.set("connection_limit", "many");
    await expect(openDatabase(url.toString())).rejects.toThrow(
      "connection_limit in DATABASE_URL must be a whole number, 1 or more.",
    );
  });
});

describe("createMigration on PostgreSQL", () => {
  it("finds nothing to create: the committed migrations match the derived schema", async () => {
    const url = await emptyDatabaseUrl();
    const created = await createMigration({
      name: "nothing",
      schemaPath: postgresSchemaPath,
      migrationsDir: postgresMigrationsDir,
      adapter: postgresMigrationAdapter(url),
    });
    expect(created).toBeNull();
  });
});
