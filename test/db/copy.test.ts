// Moving an instance from SQLite to PostgreSQL (npm run db:copy). Runs in the PostgreSQL pass
// only: the target is a fresh database on the test server, the source a migrated SQLite file.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/db/client.ts";
import type { Database as Db } from "../../src/db/store.ts";
import { copyDatabase, tableCounts, tables, TargetNotEmptyError } from "../../src/db/copy.ts";
import { changeCount, createCampaign } from "../../src/domain/campaigns.ts";
import { changeSetting } from "../../src/domain/guildSettings.ts";
import { claimDirectMessage } from "../../src/domain/outbox.ts";
import { claimOutbox, createSchedule } from "../../src/domain/summarySchedules.ts";
import { addTask, claimTask, finishTask } from "../../src/domain/tasks.ts";
import { setCredit } from "../../src/domain/volunteers.ts";
import { testDatabaseUrl } from "../support/db.ts";

const root = resolve(import.meta.dirname, "../..");
const now = new Date("2026-11-02T10:00:00.000Z");
const directories: string[] = [];
const opened: Db[] = [];
afterAll(async () => {
  await Promise.all(opened.map((db) => db.$disconnect()));
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
});

async function open(url: string): Promise<Db> {
  const db = await openDatabase(url);
  opened.push(db);
  return db;
}

function sqliteUrl(): string {
  const directory = mkdtempSync(join(tmpdir(), "rally-copy-"));
  directories.push(directory);
  return `file:${join(directory, "rally.db")}`;
}

/** Two servers' worth of real activity, touching every table. */
async function seed(db: Db): Promise<void> {
  for (const [guild, channel] of [
    ["810000000000000001", "811000000000000001"],
    ["820000000000000002", "821000000000000002"],
  ] as const) {
    const organizer = `${guild.slice(0, 3)}900000000000001`;
    await changeSetting(db, guild, organizer, { setting: "timezone", zone: "Europe/Kyiv" });
    for (let c = 0; c < 2; c++) {
      const campaign = await createCampaign(db, guild, organizer, {
        title: `Free them all ${c} — «Свобода» 🕊️`,
        goal: 500,
        unit: "signatures",
        description: "Text SIGN PMSUBG to 50409",
        link: "https://example.org/petition",
        callToAction: null,
        channelId: channel,
        endsAt: null,
        autoRaise: true,
      });
      for (let n = 1; n <= 3; n++) {
        await changeCount(
          db,
          guild,
          organizer,
          campaign.id,
          { kind: "add", value: 90 * n },
          null,
          now,
        );
      }
      await db.countSource.create({
        data: {
          guildId: guild,
          campaignId: campaign.id,
          url: "https://petition.parliament.uk/petitions/700001",
          kind: "uk_parliament",
          lastCount: 540,
          lastReadAt: now,
          setAt: now,
          setById: organizer,
        },
      });
      for (let t = 0; t < 3; t++) {
        const task = await addTask(db, guild, organizer, campaign.id, {
          title: `Flyer ${t}`,
          kind: "campus",
          location: "Library",
          slots: 3,
          dueAt: null,
          instructions: null,
        });
        for (let v = 0; v < 2; v++) {
          const volunteer = `${guild.slice(0, 3)}7000000000000${t}${v}`;
          await claimTask(db, guild, volunteer, task.id, now, 3);
          if (v === 0) {
            await finishTask(
              db,
              guild,
              volunteer,
              task.id,
              { proofLink: null, note: "done" },
              now,
              false,
            );
            await setCredit(db, guild, volunteer, true);
          }
        }
      }
    }
    const schedule = await createSchedule(
      db,
      guild,
      organizer,
      { channelId: channel, time: "18:00", timeZone: "UTC", days: "daily", campaignId: null },
      now,
    );
    await claimOutbox(db, schedule.id, "2026-11-02", 0, false, now);
    await claimDirectMessage(db, guild, `remindDue:${guild}:1`, now);
  }
}

type Row = Record<string, unknown>;

async function everyRow(db: Db): Promise<Record<string, Row[]>> {
  const dump: Record<string, Row[]> = {};
  for (const table of tables) {
    dump[table.table] = await table
      .delegate(db)
      .findMany({ take: 1_000_000, orderBy: table.orderBy });
  }
  return dump;
}

// Seeding goes through the real domain functions, a few hundred transactions: give it time.
describe("copyDatabase", { timeout: 90_000 }, () => {
  it("moves every row of every table from SQLite to PostgreSQL, ids and times included", async () => {
    const source = await open(sqliteUrl());
    await seed(source);
    const target = await open(await testDatabaseUrl());

    const report = await copyDatabase(source, target, { targetIsPostgres: true, batchSize: 7 });

    expect(report.map((table) => table.table)).toEqual(tables.map((table) => table.table));
    for (const table of report) {
      expect(table.source).toBeGreaterThan(0);
      expect(table.target).toBe(table.source);
    }
    expect(await tableCounts(target)).toEqual(await tableCounts(source));
    expect(await everyRow(target)).toEqual(await everyRow(source));

    // The sequences moved on: the next campaign gets a new id instead of colliding.
    const next = await createCampaign(target, "810000000000000001", "810900000000000001", {
      title: "After the move",
      goal: 10,
      unit: "letters",
      description: null,
      link: null,
      callToAction: null,
      channelId: "811000000000000001",
      endsAt: null,
      autoRaise: true,
    });
    const ids = (await source.campaign.findMany({ select: { id: true } })).map((row) => row.id);
    expect(next.id).toBeGreaterThan(Math.max(...ids));
  });

  it("refuses a target that already holds data, and leaves it untouched", async () => {
    const source = await open(sqliteUrl());
    await seed(source);
    const target = await open(await testDatabaseUrl());
    await changeSetting(target, "830000000000000003", "830900000000000001", {
      setting: "timezone",
      zone: "UTC",
    });
    await expect(copyDatabase(source, target, { targetIsPostgres: true })).rejects.toThrow(
      TargetNotEmptyError,
    );
    expect(await target.guildSettings.count()).toBe(1);
    expect(await target.campaign.count()).toBe(0);
  });
});

describe("npm run db:copy", { timeout: 90_000 }, () => {
  it("prints each table's counts, both sides equal, and exits 0", async () => {
    const from = sqliteUrl();
    const source = await open(from);
    await seed(source);
    const counts = await tableCounts(source);
    const to = await testDatabaseUrl();

    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["--import", "tsx", "src/db/copyCli.ts", "--from", from, "--to", to],
      { cwd: root },
    );

    for (const [table, count] of Object.entries(counts)) {
      expect(stdout).toMatch(new RegExp(`^${table}\\s+${count} →\\s+${count} ok$`, "m"));
    }
    expect(stdout).toContain(`All ${tables.length} tables match`);
    expect(stdout).not.toContain("rally@"); // never the credentials of the URL
    expect(await tableCounts(await open(to))).toEqual(counts);
  });

  it("explains itself without --to", async () => {
    const run = promisify(execFile)(process.execPath, ["--import", "tsx", "src/db/copyCli.ts"], {
      cwd: root,
    });
    await expect(run).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining("usage") });
  });
});
