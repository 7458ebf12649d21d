import Database from "better-sqlite3";
import { existsSync, mkdirSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { sqlitePathFromUrl } from "./migrate.ts";

interface BackupResult {
  path: string;
  bytes: number;
  ms: number;
}

/**
 * Copies a live SQLite database to `toPath` with SQLite's online backup API, while the bot keeps
 * reading and writing. The copy is the database as of one instant: SQLite restarts a backup
 * that another connection writes to between two steps, so after the first step the rest is
 * copied in one step, which a writer cannot interleave with.
 */
export async function backupSqlite(fromUrl: string, toPath: string): Promise<BackupResult> {
  const started = performance.now();
  const sourcePath = sqlitePathFromUrl(fromUrl);
  // A wrong DATABASE_URL must not leave an empty database, or an empty backup, behind.
  if (!existsSync(sourcePath)) throw new Error(`${sourcePath} does not exist.`);
  const target = resolve(toPath);
  mkdirSync(dirname(target), { recursive: true });
  const source = new Database(sourcePath, { readonly: true, fileMustExist: true });
  try {
    await source.backup(target, { progress: ({ totalPages }) => totalPages + 1 });
  } finally {
    source.close();
  }
  // The copy inherits the source's WAL mode, and any later open of a WAL file leaves -wal and
  // -shm companions beside it that a restore copying the folder would carry along stale. A
  // rollback journal keeps the backup one self-contained file; Rally turns WAL on again when it
  // opens a restored file.
  const copy = new Database(target);
  try {
    copy.pragma("journal_mode = DELETE");
    const check = copy.pragma("quick_check", { simple: true });
    if (check !== "ok")
      throw new Error(`The backup at ${target} fails its check: ${String(check)}`);
  } finally {
    copy.close();
  }
  return { path: target, bytes: statSync(target).size, ms: performance.now() - started };
}

/** `rally-20261125T142806Z.db`: sorts by time, and is the same whatever the host's zone. */
export function backupFileName(at: Date, extension = "db"): string {
  const stamp = at
    .toISOString()
    .replace(/\.\d+Z$/, "Z")
    .replaceAll(/[-:]/g, "");
  return `rally-${stamp}.${extension}`;
}
