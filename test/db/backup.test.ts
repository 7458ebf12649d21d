import Database from "better-sqlite3";
import { spawn } from "node:child_process";
import { copyFileSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { backupSqlite, findLastBackupTime } from "../../src/db/backup.ts";
import { openDatabase } from "../../src/db/client.ts";
import type { Database as Db } from "../../src/db/store.ts";
import { readMigrations, sqliteMigrationsDir, sqlitePathFromUrl } from "../../src/db/migrate.ts";
import { changeCount, closeCampaign, createCampaign } from "../../src/domain/campaigns.ts";
import { changeSetting } from "../../src/domain/guildSettings.ts";
import { createSchedule } from "../../src/domain/summarySchedules.ts";
import type { TaskFields } from "../../src/domain/taskFields.ts";
import { importTasks } from "../../src/domain/taskImport.ts";
import { addTask, claimTask, finishTask, releaseTask } from "../../src/domain/tasks.ts";
import { setCredit } from "../../src/domain/volunteers.ts";
import { databaseKind, testDatabaseUrl } from "../support/db.ts";

const root = resolve(import.meta.dirname, "../..");
const tsx = join(root, "node_modules/.bin/tsx");
const guild = "100000000000000001";
const organizer = "200000000000000001";
const channel = "500000000000000001";
const volunteer = (n: number) => `3${String(n).padStart(17, "0")}`;
const now = new Date("2026-05-01T10:00:00.000Z");

const opened: Db[] = [];
const directories: string[] = [];

afterEach(async () => {
  await Promise.all(opened.splice(0).map((db) => db.$disconnect()));
  for (const directory of directories.splice(0))
    rmSync(directory, { recursive: true, force: true });
});

function scratchDirectory(): string {
  const directory = mkdtempSync(join(tmpdir(), "rally-backup-"));
  directories.push(directory);
  return directory;
}

async function open(url: string): Promise<Db> {
  const db = await openDatabase(url);
  opened.push(db);
  return db;
}

function campaignFields(title: string) {
  return {
    title,
    goal: 500,
    unit: "signatures",
    description: "Seeded for the backup test",
    link: "https://example.org/petition",
    callToAction: "Text SIGN PMSUBG to 50409",
    channelId: channel,
    endsAt: new Date("2026-12-31T21:59:00.000Z"),
    autoRaise: true,
  };
}

function importRows(count: number, label: string): TaskFields[] {
  return Array.from({ length: count }, (_, index) => ({
    title: `${label} ${index + 1}: flyers on the notice boards of block ${index % 40}`,
    kind: "bulletin_board",
    location: `Street ${index % 25}, house ${index}`,
    slots: 1 + (index % 4),
    dueAt: new Date(now.getTime() + (index % 30) * 86_400_000),
    instructions: "Take a photo of each flyer and share the link in the Done form.",
  }));
}

/** A server's worth of history through the domain functions: every table gets rows. */
async function seed(db: Db): Promise<number> {
  await changeSetting(db, guild, organizer, { setting: "timezone", zone: "Europe/Vilnius" });
  const petition = await createCampaign(db, guild, organizer, campaignFields("Free prisoners"));
  const letter = await createCampaign(db, guild, organizer, campaignFields("Letter to the mayor"));
  for (const [index, value] of [120, 180, 332].entries()) {
    await changeCount(
      db,
      guild,
      organizer,
      petition.id,
      { kind: "set", value },
      `day ${index}`,
      now,
    );
  }
  await changeCount(db, guild, organizer, letter.id, { kind: "add", value: 40 }, "paper", now);
  for (const label of ["Spring drive", "Summer drive", "Autumn drive"]) {
    await importTasks(db, guild, organizer, petition.id, importRows(500, label));
  }
  const task = await addTask(db, guild, organizer, letter.id, {
    title: "Table at the student union",
    kind: "campus",
    location: "Student union",
    slots: 4,
    dueAt: new Date("2026-06-01T15:00:00.000Z"),
    instructions: null,
  });
  for (let n = 1; n <= 3; n += 1) await claimTask(db, guild, volunteer(n), task.id, now, 3);
  const proof = { proofLink: "https://example.org/photo", note: "done at noon" };
  await finishTask(db, guild, volunteer(1), task.id, proof, now, false);
  await releaseTask(db, guild, volunteer(2), task.id, now);
  await setCredit(db, guild, volunteer(1), true);
  const schedule = { channelId: channel, time: "18:00", timeZone: "Europe/Vilnius" } as const;
  await createSchedule(db, guild, organizer, { ...schedule, days: "daily", campaignId: null }, now);
  const closed = await createCampaign(db, guild, organizer, campaignFields("Old petition"));
  await closeCampaign(db, guild, organizer, closed.id, "ended", now);
  return petition.id;
}

type Snapshot = Record<string, string[]>;

/** Every table named in sqlite_master (and the schema itself), rows in a stable order. */
function snapshot(path: string): Snapshot {
  const sqlite = new Database(path, { readonly: true });
  try {
    // Read everything in one transaction, so the picture is of one instant.
    return sqlite.transaction(() => {
      const tables = sqlite
        .prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`)
        .pluck()
        .all() as string[];
      const result: Snapshot = {
        sqlite_master: sqlite
          .prepare(`SELECT type, name, tbl_name, sql FROM sqlite_master`)
          .all()
          .map((row) => JSON.stringify(row))
          .sort(),
      };
      for (const table of tables) {
        result[table] = sqlite
          .prepare(`SELECT * FROM "${table.replaceAll('"', '""')}"`)
          .all()
          .map((row) => JSON.stringify(row))
          .sort();
      }
      return result;
    })();
  } finally {
    sqlite.close();
  }
}

function runBackupCli(cwd: string, databaseUrl: string, args: string[] = []) {
  const child = spawn(tsx, [join(root, "src/db/backupCli.ts"), ...args], {
    cwd,
    env: { PATH: process.env["PATH"] ?? "", DATABASE_URL: databaseUrl },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((done) =>
    child.on("exit", (code) => done({ code, stdout, stderr })),
  );
}

// SQLite only: the backup API and the file copy as restore are SQLite's. PostgreSQL is backed up
// with pg_dump, whose commands the CLI prints (the describe below).
describe.skipIf(databaseKind !== "sqlite")("SQLite online backup and restore", () => {
  it("copies a seeded database while another connection keeps writing; the restored copy equals the source as of one write", async () => {
    const url = await testDatabaseUrl();
    const db = await open(url);
    const petitionId = await seed(db);
    const sourcePath = sqlitePathFromUrl(url);

    // A second connection, as a second process would have, keeps counting during the backup.
    const writer = await open(url);
    const states: Snapshot[] = [snapshot(sourcePath)];
    let backupDone = false;
    let writesDuringBackup = 0;
    const writing = (async () => {
      for (let write = 1; write <= 200 && !(backupDone && writesDuringBackup > 0); write += 1) {
        const change = { kind: "add", value: 1 } as const;
        await changeCount(writer, guild, organizer, petitionId, change, `write ${write}`, now);
        states.push(snapshot(sourcePath));
        if (!backupDone) writesDuringBackup += 1;
        await new Promise((next) => setImmediate(next));
      }
    })();
    const target = join(scratchDirectory(), "nested", "rally-backup.db");
    await new Promise((next) => setImmediate(next));
    const { path, bytes } = await backupSqlite(url, target);
    backupDone = true;
    await writing;

    expect(path).toBe(target);
    expect(bytes).toBe(statSync(target).size);
    // One self-contained file: no -wal or -shm companion that a folder copy would carry along.
    expect(readdirSync(dirname(target))).toEqual(["rally-backup.db"]);
    expect(writesDuringBackup).toBeGreaterThan(0);

    // Restore: the file copied over the database file of a stopped bot.
    const restoredPath = join(scratchDirectory(), "restored.db");
    copyFileSync(target, restoredPath);
    const restored = snapshot(restoredPath);
    const writesInCopy =
      (restored["CountEntry"]?.length ?? 0) - (states[0]?.["CountEntry"]?.length ?? 0);
    expect(writesInCopy).toBeGreaterThanOrEqual(0);
    expect(writesInCopy).toBeLessThan(states.length);
    expect(Object.keys(restored)).toContain("_prisma_migrations");
    expect(Object.keys(restored)).toContain("sqlite_sequence");
    expect(restored["OutreachTask"]).toHaveLength(1501);
    expect(restored).toEqual(states[writesInCopy]);

    // The app opens the restored file as it is: nothing to migrate, the data reads back.
    const reopened = await open(`file:${restoredPath}`);
    const petition = await reopened.campaign.findUniqueOrThrow({ where: { id: petitionId } });
    expect(petition.count).toBe(332 + writesInCopy);
    expect(snapshot(restoredPath)).toEqual(restored);
  });

  it("`npm run backup` writes backups/rally-<UTC time>.db beside the database (where /rally safety looks), names it, and the file opens with every migration applied", async () => {
    const url = await testDatabaseUrl();
    const db = await open(url);
    await createCampaign(db, guild, organizer, campaignFields("Free prisoners"));
    const cwd = scratchDirectory();
    const { code, stdout, stderr } = await runBackupCli(cwd, url);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const match = /to (\S+rally-\d{8}T\d{6}Z\.db) \(\d+ bytes in \d+ ms\)\./.exec(stdout);
    const file = match?.[1] ?? "";
    expect(dirname(file)).toBe(join(dirname(sqlitePathFromUrl(url)), "backups"));
    expect(
      findLastBackupTime(db)
        ?.toISOString()
        .replace(/[-:]|\.000/g, ""),
    ).toBe(basename(file).replace(/^rally-|\.db$/g, ""));
    expect(stdout).toContain("To restore: stop Rally, copy this file over the database file");
    expect(readdirSync(dirname(file))).toEqual([basename(file)]);

    const copy = new Database(file, { readonly: true });
    try {
      const applied = copy
        .prepare(
          `SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL ORDER BY migration_name`,
        )
        .pluck()
        .all();
      expect(applied).toEqual(readMigrations(sqliteMigrationsDir).map(({ name }) => name));
      expect(copy.prepare(`SELECT title FROM Campaign`).pluck().all()).toEqual(["Free prisoners"]);
    } finally {
      copy.close();
    }
    // Reading the backup (as a restore check would) leaves no companions either.
    expect(readdirSync(dirname(file))).toEqual([basename(file)]);
  });

  it("refuses a database file that does not exist, and creates none", async () => {
    const cwd = scratchDirectory();
    const missing = join(cwd, "missing.db");
    const { code, stdout, stderr } = await runBackupCli(cwd, `file:${missing}`, [
      "--to",
      join(cwd, "copy.db"),
    ]);
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toBe(`Backup failed: ${missing} does not exist.\n`);
    expect(() => statSync(missing)).toThrow();
    expect(() => statSync(join(cwd, "copy.db"))).toThrow();
  });
});

describe("npm run backup on PostgreSQL", () => {
  it("for a PostgreSQL URL prints the pg_dump and pg_restore commands, never the password", async () => {
    const cwd = scratchDirectory();
    const { code, stdout, stderr } = await runBackupCli(
      cwd,
      "postgresql://rally:s3cret@127.0.0.1:5432/rally",
      ["--to", "rally.dump"],
    );
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toContain(
      `pg_dump --format=custom --no-owner --file=rally.dump "$DATABASE_URL"`,
    );
    expect(stdout).toContain(
      `pg_restore --clean --if-exists --no-owner --dbname="$DATABASE_URL" rally.dump`,
    );
    expect(stdout).not.toContain("s3cret");
  });
});
