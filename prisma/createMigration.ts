// `npm run db:migration:create -- <name>`: writes the next prisma/migrations/<timestamp>_<name>
// from the changes in prisma/schema.prisma, as `prisma migrate dev --create-only` would. The
// Prisma 7 CLI needs a native engine that cannot be downloaded here, so this drives the same
// engine compiled to WebAssembly (@prisma/schema-engine-wasm, pinned) through a driver adapter.
import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";
import { bindMigrationAwareSqlAdapterFactory } from "@prisma/driver-adapter-utils";
import type {
  SqlDriverAdapter,
  SqlMigrationAwareDriverAdapterFactory,
} from "@prisma/driver-adapter-utils";
import * as engineGlue from "@prisma/schema-engine-wasm/schema_engine_bg";
import type { MigrationList, SchemaEngine } from "@prisma/schema-engine-wasm/schema_engine_bg";
import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { postgresMigrationsDir, readMigrations, sqliteMigrationsDir } from "../src/db/migrate.ts";
import { postgresSchemaPath, sqliteSchemaPath, writePostgresSchema } from "./schemas.ts";

// @types/node 20 leaves WebAssembly to lib.dom, which this project does not load.
declare const WebAssembly: {
  instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: { exports: object } }>;
};

export interface CreateMigrationOptions {
  /** Slugged as Prisma does: "Add petitions" becomes `add_petitions`. */
  name: string;
  schemaPath: string;
  migrationsDir: string;
  /**
   * The scratch and shadow databases the engine replays the history into. Defaults to a temp
   * SQLite file (and an in-memory shadow); a PostgreSQL schema needs @prisma/adapter-pg here.
   */
  adapter?: SqlMigrationAwareDriverAdapterFactory;
}

export interface CreatedMigration {
  name: string;
  file: string;
  sql: string;
}

/** Returns the migration it wrote, or null when the schema matches the migration history. */
export async function createMigration(
  options: CreateMigrationOptions,
): Promise<CreatedMigration | null> {
  const slug = slugify(options.name);
  if (slug === "") throw new Error("Name the migration: npm run db:migration:create -- add_thing");
  const schema = { path: options.schemaPath, content: readFileSync(options.schemaPath, "utf8") };
  const scratch = mkdtempSync(join(tmpdir(), "rally-migration-"));
  const adapter = options.adapter ?? new PrismaBetterSqlite3({ url: join(scratch, "scratch.db") });
  const migrationsList = readMigrationList(options.migrationsDir);
  const filters = { externalTables: [], externalEnums: [] };
  try {
    const result = await withSchemaEngine(schema, adapter, async (engine) => {
      // The order of `prisma migrate dev`: the diagnostic is what connects the shadow database.
      await engine.applyMigrations({ migrationsList, filters });
      const { action } = await engine.devDiagnostic({ migrationsList, filters });
      if (action.tag === "reset") throw new Error(action.reason);
      // draft: false, unlike --create-only: no change means no migration rather than an empty one.
      const input = { migrationName: slug, draft: false, migrationsList, filters };
      return engine.createMigration({ ...input, schema: { files: [schema] } });
    });
    if (result.migrationScript === null) return null;
    const directory = join(options.migrationsDir, result.generatedMigrationName);
    if (existsSync(directory)) throw new Error(`${directory} already exists; try again.`);
    mkdirSync(directory, { recursive: true });
    const file = join(directory, `migration.${result.extension}`);
    writeFileSync(file, result.migrationScript);
    writeFileSync(
      join(migrationsList.baseDir, "migration_lock.toml"),
      lockFile(result.connectorType),
    );
    return { name: result.generatedMigrationName, file, sql: result.migrationScript };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * The pg adapter as the schema engine needs it. Two quirks of @prisma/adapter-pg 7.10 when it
 * serves the engine rather than the client: given a connection string, its shadow database
 * reuses the main one (the string overrides the database name), so the URL is split into
 * fields; and the engine's catalog queries return columns of type "char" (OID 18), which its
 * type mapping refuses, so they are read as the text they are.
 */
export function postgresMigrationAdapter(url: string): SqlMigrationAwareDriverAdapterFactory {
  const parsed = new URL(url);
  const config = {
    host: parsed.hostname,
    port: Number(parsed.port || 5432),
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
    database: decodeURIComponent(parsed.pathname.slice(1)) || "postgres",
  };
  const factory = new PrismaPg(config);
  const readCharAsText = async (connecting: Promise<SqlDriverAdapter>) => {
    const connection = await connecting;
    const driver = connection as unknown as { underlyingDriver(): unknown };
    const pool = driver.underlyingDriver() as {
      query: (...args: unknown[]) => Promise<{ fields?: { dataTypeID: number }[] }>;
    };
    const query = pool.query.bind(pool);
    pool.query = async (...args: unknown[]) => {
      const result = await query(...args);
      for (const field of result.fields ?? []) if (field.dataTypeID === 18) field.dataTypeID = 25;
      return result;
    };
    return connection;
  };
  // The adapter's own shadow database drops itself before closing its pool, which PostgreSQL
  // refuses ("being accessed by other users"): close first, then drop.
  const connectToShadowDb = async () => {
    const main = await factory.connect();
    const database = `prisma_migrate_shadow_db_${randomUUID()}`;
    await main.executeScript(`CREATE DATABASE "${database}"`);
    const shadow = await readCharAsText(new PrismaPg({ ...config, database }).connect());
    const dispose = shadow.dispose.bind(shadow);
    let disposed: Promise<void> | undefined;
    shadow.dispose = () =>
      (disposed ??= (async () => {
        await dispose();
        await main.executeScript(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
        await main.dispose();
      })());
    return shadow;
  };
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: () => readCharAsText(factory.connect()),
    connectToShadowDb,
  };
}

let engineLoaded: Promise<void> | undefined;

/**
 * Runs `use` with Prisma's schema engine connected through `adapter`, then closes every
 * connection the engine opened. Tests use it to ask what `prisma migrate status` would say.
 */
export async function withSchemaEngine<T>(
  schema: { path: string; content: string },
  adapter: SqlMigrationAwareDriverAdapterFactory,
  use: (engine: SchemaEngine) => Promise<T>,
): Promise<T> {
  // The wasm-bindgen glue would import the .wasm as an ES module, which Node 20 cannot.
  engineLoaded ??= (async () => {
    const require = createRequire(import.meta.url);
    const glue = require.resolve("@prisma/schema-engine-wasm/schema_engine_bg");
    const bytes = readFileSync(glue.replace(/\.js$/, ".wasm"));
    const imports = { "./schema_engine_bg.js": engineGlue };
    const { instance } = await WebAssembly.instantiate(bytes, imports);
    const exports = instance.exports as { __wbindgen_start: () => void };
    engineGlue.__wbg_set_wasm(exports);
    exports.__wbindgen_start();
  })();
  await engineLoaded;
  const connections: SqlDriverAdapter[] = [];
  const bound = bindMigrationAwareSqlAdapterFactory(tracked(adapter, connections));
  const datamodels: [string, string][] = [[schema.path, schema.content]];
  const ignoreLogs = () => {};
  let engine: SchemaEngine | undefined;
  try {
    engine = await engineGlue.SchemaEngine.new({ datamodels }, ignoreLogs, bound);
    return await use(engine);
  } finally {
    engine?.free();
    for (const connection of connections) await connection.dispose();
  }
}

/**
 * Keeps every connection the engine opens (it never closes them, and SQLite stays locked), and
 * sends the multi-statement migration scripts it replays, which better-sqlite3 refuses to
 * prepare, to executeScript instead.
 */
function tracked(
  factory: SqlMigrationAwareDriverAdapterFactory,
  connections: SqlDriverAdapter[],
): SqlMigrationAwareDriverAdapterFactory {
  const keep = async (connecting: Promise<SqlDriverAdapter>) => {
    const connection = await connecting;
    connections.push(connection);
    // The engine may close a connection itself before we close every one we kept.
    const dispose = connection.dispose.bind(connection);
    let disposed: Promise<void> | undefined;
    connection.dispose = () => (disposed ??= dispose());
    const executeRaw = connection.executeRaw.bind(connection);
    connection.executeRaw = async (query) => {
      try {
        return await executeRaw(query);
      } catch (error) {
        const isScript = query.args.length === 0 && String(error).includes("more than one");
        if (!isScript) throw error;
        await connection.executeScript(query.sql);
        return 0;
      }
    };
    return connection;
  };
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: () => keep(factory.connect()),
    connectToShadowDb: () => keep(factory.connectToShadowDb()),
  };
}

/** The committed history in the shape Prisma's CLI hands to the engine. */
export function readMigrationList(migrationsDir: string): MigrationList {
  const lockPath = join(migrationsDir, "migration_lock.toml");
  return {
    baseDir: resolve(migrationsDir),
    lockfile: {
      path: "migration_lock.toml",
      content: existsSync(lockPath) ? readFileSync(lockPath, "utf8") : null,
    },
    shadowDbInitScript: "",
    migrationDirectories: readMigrations(migrationsDir).map(({ name, sql }) => ({
      path: name,
      migrationFile: { path: "migration.sql", content: { tag: "ok", value: sql } },
    })),
  };
}

function lockFile(provider: string): string {
  return `# Please do not edit this file manually\n# It should be added in your version-control system (e.g., Git)\nprovider = "${provider}"\n`;
}

/** Like the slugify Prisma's CLI uses: camelCase split, lowercase, `_` between words, 200 max. */
function slugify(name: string): string {
  return name
    .replace(/([a-z\d])([A-Z])/g, "$1_$2")
    .toLowerCase()
    .replace(/[^a-z\d]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .slice(0, 200);
}

/** The engine's errors carry a Prisma code, context lines and a Rust backtrace: keep one line. */
function oneLine(error: unknown): string {
  const { code, message } = error as { code?: unknown; message?: unknown };
  const text = String(message ?? error);
  const where = /-->\s+(\S+)/.exec(text)?.[1] ?? /migration_name="([^"]+)"/.exec(text)?.[1];
  const line = `${text.split("\n")[0] ?? ""}${where === undefined ? "" : ` (${where})`}`;
  return typeof code === "string" ? `${code} ${line}` : line;
}

/**
 * Both histories from the one schema: SQLite's in a temp file, PostgreSQL's in scratch
 * databases on the server named by TEST_POSTGRES_URL (the engine replays the history there).
 */
async function main(): Promise<void> {
  const name = process.argv.slice(2).join(" ");
  const postgresUrl = process.env["TEST_POSTGRES_URL"];
  if (postgresUrl === undefined || postgresUrl === "") {
    throw new Error(
      "Set TEST_POSTGRES_URL to a PostgreSQL server this script may create scratch databases on.",
    );
  }
  if (writePostgresSchema()) process.stdout.write("Updated prisma/postgresql/schema.prisma\n");
  const targets = [
    { schemaPath: sqliteSchemaPath, migrationsDir: sqliteMigrationsDir },
    {
      schemaPath: postgresSchemaPath,
      migrationsDir: postgresMigrationsDir,
      adapter: await scratchPostgres(postgresUrl),
    },
  ];
  for (const target of targets) {
    const created = await createMigration({ name, ...target });
    if (created === null) {
      process.stdout.write(`No changes for ${relative(process.cwd(), target.schemaPath)}.\n`);
      continue;
    }
    process.stdout.write(`Created ${relative(process.cwd(), created.file)}\n`);
    if (created.sql.includes("Warnings:")) {
      process.stdout.write("It may lose data: read the warnings at the top of the file.\n");
    }
  }
}

/** A fresh database to replay the PostgreSQL history into; dropped when the process exits. */
async function scratchPostgres(adminUrl: string): Promise<SqlMigrationAwareDriverAdapterFactory> {
  const { default: pg } = await import("pg");
  const name = `rally_migration_${process.pid}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  process.once("beforeExit", () => {
    const dropper = new pg.Client({ connectionString: adminUrl });
    void dropper
      .connect()
      .then(() => dropper.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`))
      .finally(() => dropper.end());
  });
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return postgresMigrationAdapter(url.toString());
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    process.stderr.write(`Could not create the migration: ${oneLine(error)}\n`);
    process.exitCode = 1;
  });
}
