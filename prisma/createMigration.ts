// `npm run db:migration:create -- <name>`: writes the next prisma/migrations/<timestamp>_<name>
// from the changes in prisma/schema.prisma, as `prisma migrate dev --create-only` would. The
// Prisma 7 CLI needs a native engine that cannot be downloaded here, so this drives the same
// engine compiled to WebAssembly (@prisma/schema-engine-wasm, pinned) through a driver adapter.
import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import { bindMigrationAwareSqlAdapterFactory } from "@prisma/driver-adapter-utils";
import type {
  SqlDriverAdapter,
  SqlMigrationAwareDriverAdapterFactory,
} from "@prisma/driver-adapter-utils";
import * as engineGlue from "@prisma/schema-engine-wasm/schema_engine_bg";
import type { MigrationList, SchemaEngine } from "@prisma/schema-engine-wasm/schema_engine_bg";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { readMigrations } from "../src/db/migrate.ts";

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

async function main(): Promise<void> {
  const name = process.argv.slice(2).join(" ");
  const created = await createMigration({
    name,
    schemaPath: fileURLToPath(new URL("schema.prisma", import.meta.url)),
    migrationsDir: fileURLToPath(new URL("migrations", import.meta.url)),
  });
  if (created === null) {
    process.stdout.write("No schema changes: nothing to create.\n");
    return;
  }
  process.stdout.write(`Created ${relative(process.cwd(), created.file)}\n`);
  if (created.sql.includes("Warnings:")) {
    process.stdout.write("It may lose data: read the warnings at the top of the file.\n");
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    process.stderr.write(`Could not create the migration: ${oneLine(error)}\n`);
    process.exitCode = 1;
  });
}
