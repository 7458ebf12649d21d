// prisma/schema.prisma is the one source of truth. Prisma cannot take the provider from the
// environment, and a client generated for one provider cannot serve the other, so the
// PostgreSQL schema is derived from it here: same models, another provider and client folder.
// `npm run db:migration:create` rewrites it; a test fails when the committed copy drifts.
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const sqliteSchemaPath = fileURLToPath(new URL("schema.prisma", import.meta.url));
export const postgresSchemaPath = fileURLToPath(
  new URL("postgresql/schema.prisma", import.meta.url),
);

const generatedNotice =
  "// Generated from prisma/schema.prisma by `npm run db:migration:create`: edit that file instead.\n";

/** The PostgreSQL twin of the SQLite schema text. */
export function postgresSchemaFrom(sqliteSchema: string): string {
  const replacements: [RegExp, string][] = [
    [/provider\s*=\s*"sqlite"/, 'provider = "postgresql"'],
    [/output(\s*)=(\s*)"\.\.\/src\/db\/generated"/, 'output$1=$2"../../src/db/generated-pg"'],
  ];
  let schema = sqliteSchema;
  for (const [pattern, replacement] of replacements) {
    if (!pattern.test(schema)) throw new Error(`prisma/schema.prisma no longer has ${pattern}`);
    schema = schema.replace(pattern, replacement);
  }
  return generatedNotice + schema;
}

/** Rewrites prisma/postgresql/schema.prisma; returns whether it changed. */
export function writePostgresSchema(): boolean {
  const wanted = postgresSchemaFrom(readFileSync(sqliteSchemaPath, "utf8"));
  let current = "";
  try {
    current = readFileSync(postgresSchemaPath, "utf8");
  } catch {
    // First run: no copy yet.
  }
  if (current === wanted) return false;
  writeFileSync(postgresSchemaPath, wanted);
  return true;
}
