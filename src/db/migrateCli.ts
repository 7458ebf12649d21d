import { loadEnvFile } from "../envFile.ts";
import { describeDatabase } from "./client.ts";
import {
  applyMigrations,
  applyPostgresMigrations,
  isPostgresUrl,
  sqlitePathFromUrl,
} from "./migrate.ts";

// `npm run db:migrate`: what `npm start` does first, on its own, for a deploy step or a check.
loadEnvFile();
const url = process.env["DATABASE_URL"] ?? "file:./data/rally.db";
try {
  const { applied } = isPostgresUrl(url)
    ? await applyPostgresMigrations(url)
    : await applyMigrations(sqlitePathFromUrl(url));
  for (const name of applied) process.stdout.write(`Applied ${name}\n`);
  process.stdout.write(
    applied.length === 0
      ? "Database is up to date.\n"
      : `${applied.length} migration(s) applied.\n`,
  );
} catch (error) {
  // describeDatabase, not the URL: a PostgreSQL URL may hold a password.
  process.stderr.write(`Could not migrate ${describeDatabase(url)}: ${(error as Error).message}\n`);
  process.exitCode = 1;
}
