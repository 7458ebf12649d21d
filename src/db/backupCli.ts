import { join } from "node:path";
import { parseArgs } from "node:util";
import { ConfigError, loadConfig } from "../config.ts";
import { now as clockNow } from "../clock.ts";
import { loadEnvFile } from "../envFile.ts";
import { backupFileName, backupSqlite, defaultBackupDir } from "./backup.ts";
import { sqlitePathFromUrl } from "./migrate.ts";

// `npm run backup -- [--to path]`: an online copy of the database while the bot runs.
loadEnvFile();
try {
  const { values } = parseArgs({ options: { to: { type: "string" } } });
  const url = loadConfig().DATABASE_URL;
  const now = clockNow();
  if (url.startsWith("file:")) {
    // Beside the database by default, where `/rally safety` looks for the last backup's time.
    const to = values.to ?? join(defaultBackupDir(sqlitePathFromUrl(url)), backupFileName(now));
    const { path, bytes, ms } = await backupSqlite(url, to);
    process.stdout.write(
      `Backed up ${url} to ${path} (${bytes} bytes in ${Math.round(ms)} ms).\n` +
        "To restore: stop Rally, copy this file over the database file, start Rally.\n",
    );
  } else {
    // pg_dump reads one consistent snapshot while the bot runs; the URL stays in the variable,
    // so no password is printed.
    const to = values.to ?? join("data", "backups", backupFileName(now, "dump"));
    process.stdout.write(
      [
        "DATABASE_URL is PostgreSQL: back it up with pg_dump (consistent while Rally runs):",
        `  pg_dump --format=custom --no-owner --file=${to} "$DATABASE_URL"`,
        "To restore: stop Rally, then",
        `  pg_restore --clean --if-exists --no-owner --dbname="$DATABASE_URL" ${to}`,
        "",
      ].join("\n"),
    );
  }
} catch (error) {
  const message = error instanceof ConfigError ? error.message : (error as Error).message;
  process.stderr.write(`Backup failed: ${message}\n`);
  process.exitCode = 1;
}
