import Database from "better-sqlite3";
import { existsSync, mkdirSync, readdirSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { sqlitePathFromUrl } from "./migrate.ts";
import { sqliteConnection } from "./sqliteDirect.ts";
import type { Store } from "./store.ts";

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

/** `rally-20261125T142806Z.db` (or `.dump`) → its time; null for any other name. */
export function backupTimeOfName(name: string): Date | null {
  const match = /^rally-(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z\.(db|dump)$/.exec(name);
  if (!match) return null;
  const [, y, mo, d, h, mi, s] = match;
  const at = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}Z`);
  return Number.isFinite(at.getTime()) ? at : null;
}

/** Where `npm run backup` puts copies of a SQLite database by default: `backups/` beside it. */
export function defaultBackupDir(sqlitePath: string): string {
  return join(dirname(resolve(sqlitePath)), "backups");
}

/**
 * The time of the newest backup Rally can see: a file named by `npm run backup` in the default
 * folder beside the SQLite database. Null when there is none there, or on PostgreSQL (pg_dump
 * writes wherever the operator says): Rally cannot know, and says so.
 */
export function findLastBackupTime(store: Store): Date | null {
  const connection = sqliteConnection(store);
  if (!connection) return null;
  let names: string[];
  try {
    names = readdirSync(defaultBackupDir(connection.name));
  } catch {
    return null;
  }
  let newest: Date | null = null;
  for (const name of names) {
    const at = backupTimeOfName(name);
    if (at && (!newest || at > newest)) newest = at;
  }
  return newest;
}
