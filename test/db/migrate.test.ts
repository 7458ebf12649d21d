import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import Database from "better-sqlite3";
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import {
  appendFileSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import {
  createMigration,
  readMigrationList,
  withSchemaEngine,
} from "../../prisma/createMigration.ts";
import { PrismaClient } from "../../src/db/generated/client.ts";
import { openDatabase } from "../../src/db/client.ts";
import { applyMigrations, sqliteMigrationsDir, sqlitePathFromUrl } from "../../src/db/migrate.ts";
import { createCampaign } from "../../src/domain/campaigns.ts";
import { addTask } from "../../src/domain/tasks.ts";
import { campaignFields } from "../support/domain.ts";

const root = resolve(import.meta.dirname, "../..");
const schemaPath = join(root, "prisma/schema.prisma");
const committed = readdirSync(sqliteMigrationsDir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

const tempDirs: string[] = [];
afterAll(() =>
  tempDirs.forEach((directory) => rmSync(directory, { recursive: true, force: true })),
);

function tempDir(): string {
  const directory = mkdtempSync(join(tmpdir(), "rally-migrate-test-"));
  tempDirs.push(directory);
  return directory;
}

/** A private copy of the committed migrations that a test may edit or extend. */
function copyMigrations(directory: string): string {
  const copy = join(directory, "migrations");
  cpSync(sqliteMigrationsDir, copy, { recursive: true });
  return copy;
}

function addMigration(migrationsDir: string, name: string, sql: string): void {
  mkdirSync(join(migrationsDir, name));
  writeFileSync(join(migrationsDir, name, "migration.sql"), sql);
}

function history(path: string): Record<string, unknown>[] {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare(`SELECT * FROM "_prisma_migrations" ORDER BY migration_name`).all() as Record<
      string,
      unknown
    >[];
  } finally {
    db.close();
  }
}

describe("applyMigrations", () => {
  it("brings a fresh database to the schema, usable through the Prisma client", async () => {
    const path = join(tempDir(), "nested/dir/rally.db");
    expect(await applyMigrations(path)).toEqual({ applied: committed });
    const prisma = new PrismaClient({ adapter: new PrismaBetterSqlite3({ url: path }) });
    try {
      await prisma.guildSettings.create({ data: { guildId: "1234567890123456789" } });
      const settings = await prisma.guildSettings.findUniqueOrThrow({
        where: { guildId: "1234567890123456789" },
      });
      expect(settings).toMatchObject({ timezone: "UTC", language: "en" });
    } finally {
      await prisma.$disconnect();
    }
  });

  it("applies nothing the second time, on a file path or an open connection", async () => {
    const path = join(tempDir(), "rally.db");
    await applyMigrations(`file:${path}`);
    expect(await applyMigrations(path)).toEqual({ applied: [] });
    const db = new Database(path);
    expect(await applyMigrations(db)).toEqual({ applied: [] });
    expect(db.open).toBe(true);
    db.close();
    expect(history(path)).toHaveLength(committed.length);
  });

  it("records migrations as Prisma does, and Prisma's engine finds the history in sync", async () => {
    const path = join(tempDir(), "rally.db");
    const events: object[] = [];
    await applyMigrations(path, { log: (event) => events.push(event) });
    expect(events).toHaveLength(committed.length);

    const rows = history(path);
    expect(rows.map((row) => row["migration_name"])).toEqual(committed);
    for (const row of rows) {
      const file = readFileSync(
        join(sqliteMigrationsDir, String(row["migration_name"]), "migration.sql"),
      );
      expect(row).toMatchObject({
        checksum: createHash("sha256").update(file).digest("hex"),
        logs: null,
        rolled_back_at: null,
        applied_steps_count: 1,
      });
      expect(row["id"]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(row["finished_at"]).toBeGreaterThanOrEqual(row["started_at"] as number);
    }

    const status = await engineStatus(path, sqliteMigrationsDir);
    expect(status).toEqual({
      editedMigrationNames: [],
      failedMigrationNames: [],
      hasMigrationsTable: true,
      history: null,
    });
  });

  it("refuses to start when an applied migration was edited", async () => {
    const directory = tempDir();
    const migrationsDir = copyMigrations(directory);
    const path = join(directory, "rally.db");
    await applyMigrations(path, { migrationsDir });
    const first = committed[0] ?? "";
    appendFileSync(join(migrationsDir, first, "migration.sql"), "\n-- an innocent comment\n");

    await expect(applyMigrations(path, { migrationsDir })).rejects.toThrow(
      `Migration ${first} was edited after it was applied`,
    );
    // Prisma's engine agrees about which one.
    expect((await engineStatus(path, migrationsDir)).editedMigrationNames).toEqual([first]);
  });

  it("accepts the same migration checked out with Windows line endings", async () => {
    const directory = tempDir();
    const migrationsDir = copyMigrations(directory);
    const path = join(directory, "rally.db");
    await applyMigrations(path, { migrationsDir });
    const file = join(migrationsDir, committed[0] ?? "", "migration.sql");
    writeFileSync(file, readFileSync(file, "utf8").replaceAll("\n", "\r\n"));
    expect(await applyMigrations(path, { migrationsDir })).toEqual({ applied: [] });
  });

  it("refuses to start when a migration was started but never finished", async () => {
    const path = join(tempDir(), "rally.db");
    await applyMigrations(path);
    const db = new Database(path);
    db.prepare(`UPDATE "_prisma_migrations" SET finished_at = NULL`).run();
    db.close();
    await expect(applyMigrations(path)).rejects.toThrow("started but never finished");
  });

  it("rolls a failing migration back entirely and names it", async () => {
    const directory = tempDir();
    const migrationsDir = copyMigrations(directory);
    addMigration(migrationsDir, "29990101000000_broken", `CREATE TABLE "A" (x);\nNOT SQL;`);
    const path = join(directory, "rally.db");

    await expect(applyMigrations(path, { migrationsDir })).rejects.toThrow(
      "Migration 29990101000000_broken failed",
    );
    expect(history(path).map((row) => row["migration_name"])).toEqual(committed);
    const db = new Database(path, { readonly: true });
    expect(db.prepare(`SELECT name FROM sqlite_master WHERE name = 'A'`).get()).toBeUndefined();
    db.close();
  });

  it("applies each migration once when several processes start together", async () => {
    const directory = tempDir();
    const migrationsDir = copyMigrations(directory);
    for (let i = 1; i <= 5; i++) {
      // Enough work per migration that the processes overlap.
      const rows = `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)`;
      const sql = `CREATE TABLE "T${i}" (i INTEGER);\n${rows} INSERT INTO "T${i}" SELECT i FROM n;\n`;
      addMigration(migrationsDir, `2999010100000${i}_load_${i}`, sql);
    }
    const path = join(directory, "rally.db");
    const migrateModule = join(root, "src/db/migrate.ts");
    const script = `import { applyMigrations } from ${JSON.stringify(migrateModule)};
      const { applied } = await applyMigrations(${JSON.stringify(path)}, { migrationsDir: ${JSON.stringify(migrationsDir)} });
      process.stdout.write(JSON.stringify(applied));`;
    const run = promisify(execFile);
    const args = ["--import", "tsx", "--input-type=module", "-e", script];
    const outputs = await Promise.all(
      Array.from({ length: 4 }, () => run(process.execPath, args, { cwd: root })),
    );

    const applied = outputs.flatMap(({ stdout }) => JSON.parse(stdout) as string[]);
    const all = readMigrationList(migrationsDir).migrationDirectories.map((entry) => entry.path);
    expect(applied.sort()).toEqual(all);
    expect(history(path).map((row) => row["migration_name"])).toEqual(all);
  });

  it("fills in the folded title of existing tasks whose title is printable ASCII", async () => {
    const directory = tempDir();
    const before = copyMigrations(directory);
    // The database as it was before that migration: later ones are left out too.
    const folding = committed.find((name) => name.endsWith("_task_title_folded")) ?? "";
    const fromFolding = committed.filter((name) => name >= folding);
    for (const name of fromFolding) rmSync(join(before, name), { recursive: true });
    const path = join(directory, "rally.db");
    await applyMigrations(path, { migrationsDir: before });
    const db = new Database(path);
    db.exec(`INSERT INTO "Campaign" ("guildId", "title", "goal", "channelId", "updatedAt")
      VALUES ('1', 'Petition', 10, '2', 0)`);
    const titles = ["Flyers AT the Library", "Листовки у ВУЗа", "Café flyers", "50% OFF ~ [x]"];
    for (const title of titles)
      db.prepare(
        `INSERT INTO "OutreachTask" ("guildId", "campaignId", "title", "updatedAt")
        VALUES ('1', 1, ?, 0)`,
      ).run(title);

    expect(await applyMigrations(db, { migrationsDir: sqliteMigrationsDir })).toEqual({
      applied: fromFolding,
    });
    const folded = db.prepare(`SELECT "titleFolded" FROM "OutreachTask" ORDER BY id`).pluck();
    // Outside printable ASCII, lower() is not JavaScript's toLowerCase: left to the search.
    expect(folded.all()).toEqual(["flyers at the library", null, null, "50% off ~ [x]"]);
    db.close();
  });

  it("keeps the numbers servers show (their ids) and numbers a server's next after its highest", async () => {
    const directory = tempDir();
    const before = copyMigrations(directory);
    const numbering = committed.find((name) => name.endsWith("_per_server_numbers")) ?? "";
    const fromNumbering = committed.filter((name) => name >= numbering);
    for (const name of fromNumbering) rmSync(join(before, name), { recursive: true });
    const path = join(directory, "rally.db");
    await applyMigrations(path, { migrationsDir: before });
    const db = new Database(path);
    // Two servers whose campaigns and tasks were made in turns: ids 1, 3 are the first's.
    for (const guildId of ["1", "2", "1"])
      db.prepare(
        `INSERT INTO "Campaign" ("guildId", "title", "goal", "channelId", "updatedAt")
        VALUES (?, 'Petition', 10, '9', 0)`,
      ).run(guildId);
    for (const [guildId, campaignId] of [
      ["2", 2],
      ["1", 1],
      ["1", 3],
    ] as const)
      db.prepare(
        `INSERT INTO "OutreachTask" ("guildId", "campaignId", "title", "updatedAt")
        VALUES (?, ?, 'Flyers', 0)`,
      ).run(guildId, campaignId);

    expect(await applyMigrations(db, { migrationsDir: sqliteMigrationsDir })).toEqual({
      applied: fromNumbering,
    });
    const numbers = (table: string) =>
      db.prepare(`SELECT "guildId", "id", "number" FROM "${table}" ORDER BY "id"`).all();
    expect(numbers("Campaign")).toEqual([
      { guildId: "1", id: 1, number: 1 },
      { guildId: "2", id: 2, number: 2 },
      { guildId: "1", id: 3, number: 3 },
    ]);
    expect(numbers("OutreachTask")).toEqual([
      { guildId: "2", id: 1, number: 1 },
      { guildId: "1", id: 2, number: 2 },
      { guildId: "1", id: 3, number: 3 },
    ]);
    db.close();
    const rally = await openDatabase(`file:${path}`);
    try {
      const campaign = await createCampaign(rally, "2", "5", campaignFields());
      expect([campaign.id, campaign.number]).toEqual([4, 3]);
      const task = await addTask(rally, "2", "5", campaign.id, {
        title: "Posters",
        kind: "other",
        location: null,
        slots: 1,
        dueAt: null,
        instructions: null,
      });
      expect([task.id, task.number]).toEqual([4, 2]);
    } finally {
      await rally.$disconnect();
    }
  });

  it("keeps child rows when Prisma rebuilds a parent table", async () => {
    // Prisma's SQLite table rebuild drops the old table; with foreign keys on, that cascades.
    const directory = tempDir();
    const migrationsDir = join(directory, "migrations");
    const schema = join(directory, "schema.prisma");
    const models = (nameType: string) => `datasource db {\n  provider = "sqlite"\n}\n
model Parent {\n  id Int @id\n  name ${nameType}\n  children Child[]\n}\n
model Child {\n  id Int @id\n  parentId Int\n  parent Parent @relation(fields: [parentId], references: [id], onDelete: Cascade)\n}\n`;
    writeFileSync(schema, models("String"));
    await createMigration({ name: "a_parent", schemaPath: schema, migrationsDir });
    const path = join(directory, "rally.db");
    await applyMigrations(path, { migrationsDir });
    const db = new Database(path);
    db.exec(`INSERT INTO "Parent" VALUES (1, 'p'); INSERT INTO "Child" VALUES (1, 1), (2, 1);`);

    writeFileSync(schema, models("String?"));
    const rebuild = await createMigration({
      name: "b_optional",
      schemaPath: schema,
      migrationsDir,
    });
    expect(rebuild?.sql).toContain(`DROP TABLE "Parent"`);
    expect(await applyMigrations(db, { migrationsDir })).toEqual({ applied: [rebuild?.name] });
    expect(db.prepare(`SELECT count(*) FROM "Child"`).pluck().get()).toBe(2);
    expect(db.pragma("foreign_keys", { simple: true })).toBe(1);
    db.close();
  });
});

describe("createMigration", () => {
  it("writes the SQL for a new model into the given directory only", async () => {
    const directory = tempDir();
    const migrationsDir = copyMigrations(directory);
    const schema = join(directory, "schema.prisma");
    const model = `\nmodel Petition {\n  id      String @id\n  guildId String\n  @@index([guildId])\n}\n`;
    writeFileSync(schema, readFileSync(schemaPath, "utf8") + model);

    const created = await createMigration({
      name: "Add petitions",
      schemaPath: schema,
      migrationsDir,
    });

    expect(created?.name).toMatch(/^\d{14}_add_petitions$/);
    expect(created?.sql).toContain(`CREATE TABLE "Petition"`);
    expect(created?.sql).toContain(`CREATE INDEX "Petition_guildId_idx"`);
    expect(readFileSync(join(migrationsDir, `${created?.name}/migration.sql`), "utf8")).toBe(
      created?.sql,
    );
    expect(readFileSync(join(migrationsDir, "migration_lock.toml"), "utf8")).toContain(
      `provider = "sqlite"`,
    );
    expect(
      readdirSync(sqliteMigrationsDir).filter((name) => name !== "migration_lock.toml"),
    ).toEqual(committed);
    // The new history replays cleanly and leaves nothing more to create.
    expect(await createMigration({ name: "again", schemaPath: schema, migrationsDir })).toBeNull();
  });

  it("finds nothing to create: the committed migrations match prisma/schema.prisma", async () => {
    const migrationsDir = copyMigrations(tempDir());
    expect(await createMigration({ name: "nothing", schemaPath, migrationsDir })).toBeNull();
    expect(readdirSync(migrationsDir).sort()).toEqual([...committed, "migration_lock.toml"].sort());
  });
});

describe("sqlitePathFromUrl", () => {
  it("resolves relative paths against the working directory", () => {
    expect(sqlitePathFromUrl("file:./data/rally.db")).toBe(join(process.cwd(), "data/rally.db"));
    expect(sqlitePathFromUrl("file:/var/lib/rally.db")).toBe("/var/lib/rally.db");
    expect(sqlitePathFromUrl("file:///var/lib/rally.db")).toBe("/var/lib/rally.db");
    expect(sqlitePathFromUrl("file:./rally.db?connection_limit=1")).toBe(
      join(process.cwd(), "rally.db"),
    );
    expect(() => sqlitePathFromUrl("postgresql://localhost/rally")).toThrow("file:");
  });
});

/** What `prisma migrate status` would report, from the same engine code. */
async function engineStatus(path: string, migrationsDir: string) {
  const schema = { path: schemaPath, content: readFileSync(schemaPath, "utf8") };
  const adapter = new PrismaBetterSqlite3({ url: path });
  return withSchemaEngine(schema, adapter, (engine) =>
    engine.diagnoseMigrationHistory({
      migrationsList: readMigrationList(migrationsDir),
      optInToShadowDatabase: false,
      filters: { externalTables: [], externalEnums: [] },
    }),
  );
}
