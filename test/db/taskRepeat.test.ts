import { describe, expect, it } from "vitest";
import type { Database as Db } from "../../src/db/store.ts";
import { runDueJobs } from "../../src/domain/dueJobs.ts";
import { closeCampaign, createCampaign, reopenCampaign } from "../../src/domain/campaigns.ts";
import { UserError } from "../../src/domain/errors.ts";
import { changeSetting } from "../../src/domain/guildSettings.ts";
import { nextDueDate, repeatJobKind, type Repeat } from "../../src/domain/repeatRules.ts";
import type { TaskFields } from "../../src/domain/taskFields.ts";
import { repeatTask, stopSeries } from "../../src/domain/taskRepeat.ts";
import { addTask, cancelTask, editTask } from "../../src/domain/tasks.ts";
import { createTestDb } from "../support/db.ts";
import { campaignFields, ids } from "../support/domain.ts";

const { guild, organizer } = ids;
const now = new Date("2026-05-01T10:00:00.000Z");

const at = (iso: string) => new Date(iso);
const berlin = "Europe/Berlin";

describe("nextDueDate", () => {
  it("keeps the local wall-clock time across daylight-saving changes", () => {
    // 18:00 in Berlin, the Saturday before clocks spring forward (29 March 2026): 17:00 UTC.
    const saturday = at("2026-03-28T17:00:00Z");
    expect(nextDueDate(saturday, saturday, "daily", berlin)).toEqual(at("2026-03-29T16:00:00Z"));
    expect(nextDueDate(saturday, saturday, "weekly", berlin)).toEqual(at("2026-04-04T16:00:00Z"));
    // And back in October (25 October 2026): 18:00 CEST → 18:00 CET.
    const october = at("2026-10-24T16:00:00Z");
    expect(nextDueDate(october, october, "daily", berlin)).toEqual(at("2026-10-25T17:00:00Z"));
  });

  it("puts a monthly task of the 31st on each month's last day, and back on the 31st", () => {
    const zone = "America/New_York";
    const anchor = at("2027-01-31T23:00:00Z"); // 31 January, 18:00 in New York
    const february = nextDueDate(anchor, anchor, "monthly", zone);
    expect(february).toEqual(at("2027-02-28T23:00:00Z"));
    const march = nextDueDate(february, anchor, "monthly", zone);
    // 31 March, 18:00 EDT (clocks sprang forward on 14 March): 22:00 UTC.
    expect(march).toEqual(at("2027-03-31T22:00:00Z"));
    expect(nextDueDate(march, anchor, "monthly", zone)).toEqual(at("2027-04-30T22:00:00Z"));
    // A leap year's February.
    const leap = at("2028-01-31T23:00:00Z");
    expect(nextDueDate(leap, leap, "monthly", zone)).toEqual(at("2028-02-29T23:00:00Z"));
  });

  it("skips periods already past when the job runs late", () => {
    const due = at("2026-05-01T12:00:00Z");
    expect(nextDueDate(due, due, "weekly", "UTC", at("2026-05-20T00:00:00Z"))).toEqual(
      at("2026-05-22T12:00:00Z"),
    );
  });
});

function fields(overrides: Partial<TaskFields> = {}): TaskFields {
  return {
    title: "Refresh the library bulletin board",
    kind: "bulletin_board",
    location: "Main library",
    slots: 2,
    dueAt: at("2026-05-04T16:00:00Z"),
    instructions: "Take the old flyers down",
    ...overrides,
  };
}

async function repeating(db: Db, repeat: Repeat = { period: "weekly", until: null }) {
  await changeSetting(db, guild, organizer, { setting: "timezone", zone: berlin });
  const campaign = await createCampaign(db, guild, organizer, campaignFields());
  const task = await addTask(db, guild, organizer, campaign.id, fields(), repeat);
  return { campaign, task };
}

async function occurrences(db: Db) {
  return db.outreachTask.findMany({ orderBy: { id: "asc" } });
}

async function refusal(action: Promise<unknown>): Promise<string> {
  const error: unknown = await action.then(
    () => null,
    (caught: unknown) => caught,
  );
  if (!(error instanceof UserError)) throw new Error(`expected a refusal, got ${String(error)}`);
  return error.key;
}

describe("repeating tasks", () => {
  it("creates the next occurrence with the same fields, one week on, and moves the job to it", async () => {
    const db = await createTestDb();
    const { task } = await repeating(db);
    expect(task).toMatchObject({ repeat: "weekly", seriesId: task.id });
    const jobs = await db.dueJob.findMany({ where: { kind: repeatJobKind } });
    expect(jobs).toMatchObject([{ subjectId: String(task.id), dueAt: task.dueAt }]);

    const next = await repeatTask(db, guild, task.id, at("2026-05-04T16:00:30Z"));
    expect(next).toMatchObject({
      title: task.title,
      kind: "bulletin_board",
      location: "Main library",
      slots: 2,
      instructions: "Take the old flyers down",
      dueAt: at("2026-05-11T16:00:00Z"),
      status: "open",
      claimedSlots: 0,
      repeat: "weekly",
      seriesId: task.id,
    });
    const rows = await occurrences(db);
    expect(rows.map((row) => [row.id, row.repeat, row.seriesId])).toEqual([
      [task.id, null, task.id],
      [next?.id, "weekly", task.id],
    ]);
    // The job that ran is marked done by its runner; the next occurrence has its own.
    const pending = await db.dueJob.findMany({
      where: { kind: repeatJobKind, status: "pending", subjectId: { not: String(task.id) } },
    });
    expect(pending.map((job) => [job.subjectId, job.dueAt])).toEqual([
      [String(next?.id), at("2026-05-11T16:00:00Z")],
    ]);
    const audit = await db.auditEntry.findMany({ where: { action: "task.repeat" } });
    expect(audit).toHaveLength(1);
  });

  it("creates it once when the job runs twice", async () => {
    const db = await createTestDb();
    const { task } = await repeating(db);
    const runAt = at("2026-05-04T16:00:30Z");
    expect(await repeatTask(db, guild, task.id, runAt)).not.toBeNull();
    expect(await repeatTask(db, guild, task.id, runAt)).toBeNull();
    expect(await occurrences(db)).toHaveLength(2);
  });

  it("creates it once when two runners run the job at the same instant", async () => {
    for (let round = 0; round < 6; round++) {
      const db = await createTestDb();
      const { task } = await repeating(db);
      const runAt = at("2026-05-04T16:00:30Z");
      const results = await Promise.all([
        repeatTask(db, guild, task.id, runAt),
        repeatTask(db, guild, task.id, runAt),
        repeatTask(db, guild, task.id, runAt),
      ]);
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await occurrences(db)).toHaveLength(2);
    }
  });

  it("runs through the due-job runner: the job at the due date, then the next one's", async () => {
    const db = await createTestDb();
    const { task } = await repeating(db);
    const handlers = {
      [repeatJobKind]: async (job: { guildId: string; subjectId: string }) => {
        await repeatTask(db, job.guildId, Number(job.subjectId), clock);
      },
      "task.repeatCard": async () => undefined,
    };
    let clock = at("2026-05-04T15:59:00Z");
    await runDueJobs({ db, owner: "a", now: clock, handlers });
    expect(await occurrences(db)).toHaveLength(1);
    clock = at("2026-05-04T16:00:10Z");
    await runDueJobs({ db, owner: "a", now: clock, handlers });
    await runDueJobs({ db, owner: "b", now: clock, handlers });
    expect(await occurrences(db)).toHaveLength(2);
    clock = at("2026-05-11T16:00:10Z");
    await runDueJobs({ db, owner: "a", now: clock, handlers });
    const rows = await occurrences(db);
    expect(rows.map((row) => row.dueAt)).toEqual([
      at("2026-05-04T16:00:00Z"),
      at("2026-05-11T16:00:00Z"),
      at("2026-05-18T16:00:00Z"),
    ]);
    expect(task.id).toBe(rows[0]?.id);
  });

  it("repeats an occurrence nobody did, and one that was cancelled alone", async () => {
    const db = await createTestDb();
    const { task } = await repeating(db, { period: "daily", until: null });
    await cancelTask(db, guild, organizer, task.id, now);
    const next = await repeatTask(db, guild, task.id, at("2026-05-04T16:01:00Z"));
    expect(next?.dueAt).toEqual(at("2026-05-05T16:00:00Z"));
  });

  it("stops after repeat_until", async () => {
    const db = await createTestDb();
    const { task } = await repeating(db, {
      period: "weekly",
      until: at("2026-05-12T00:00:00Z"),
    });
    const second = await repeatTask(db, guild, task.id, at("2026-05-04T16:01:00Z"));
    expect(second).not.toBeNull();
    expect(await repeatTask(db, guild, second?.id ?? 0, at("2026-05-11T16:01:00Z"))).toBeNull();
    expect(await occurrences(db)).toHaveLength(2);
    expect((await occurrences(db)).every((row) => row.repeat === null)).toBe(true);
  });

  it("ends with its campaign: a closed campaign gets no occurrence, and reopening does not restart it", async () => {
    const db = await createTestDb();
    const { campaign, task } = await repeating(db);
    await closeCampaign(db, guild, organizer, campaign.id, "won", now);
    expect(await repeatTask(db, guild, task.id, at("2026-05-04T16:01:00Z"))).toBeNull();
    await reopenCampaign(db, guild, organizer, campaign.id);
    expect(await repeatTask(db, guild, task.id, at("2026-05-04T16:02:00Z"))).toBeNull();
    expect(await occurrences(db)).toHaveLength(1);
  });

  it("stops the series from any occurrence: the open one is cancelled, no more are created", async () => {
    const db = await createTestDb();
    const { task } = await repeating(db);
    const second = await repeatTask(db, guild, task.id, at("2026-05-04T16:01:00Z"));
    if (!second) throw new Error("no second occurrence");
    const stopped = await stopSeries(db, guild, organizer, task.id, now);
    // The first one had been cancelled by nobody: stopping from it cancels it (it was open).
    expect(stopped.status).toBe("cancelled");
    expect(
      await db.dueJob.count({
        where: { kind: repeatJobKind, status: "pending", subjectId: String(second.id) },
      }),
    ).toBe(0);
    expect(await repeatTask(db, guild, second.id, at("2026-05-11T16:01:00Z"))).toBeNull();
    const rows = await occurrences(db);
    expect(rows.map((row) => [row.status, row.repeat])).toEqual([
      ["cancelled", null],
      ["open", null],
    ]);
    expect(await db.auditEntry.count({ where: { action: "task.stopSeries" } })).toBe(1);
  });

  it("refuses a repeat without a due date, or ending before it", async () => {
    const db = await createTestDb();
    const campaign = await createCampaign(db, guild, organizer, campaignFields());
    const weekly: Repeat = { period: "weekly", until: null };
    expect(
      await refusal(addTask(db, guild, organizer, campaign.id, fields({ dueAt: null }), weekly)),
    ).toBe("task.repeatNeedsDue");
    expect(
      await refusal(
        addTask(db, guild, organizer, campaign.id, fields(), {
          period: "weekly",
          until: at("2026-05-01T00:00:00Z"),
        }),
      ),
    ).toBe("task.repeatUntilBeforeDue");
    expect(await occurrences(db)).toHaveLength(0);
  });

  it("follows a due date changed by /task edit, and refuses to clear it", async () => {
    const db = await createTestDb();
    const { task } = await repeating(db);
    const moved = at("2026-05-06T16:00:00Z");
    await editTask(db, guild, organizer, task.id, { dueAt: moved }, now);
    const job = await db.dueJob.findFirstOrThrow({ where: { kind: repeatJobKind } });
    expect(job.dueAt).toEqual(moved);
    expect(await refusal(editTask(db, guild, organizer, task.id, { dueAt: null }, now))).toBe(
      "task.repeatNeedsDue",
    );
    const next = await repeatTask(db, guild, task.id, at("2026-05-06T16:01:00Z"));
    expect(next?.dueAt).toEqual(at("2026-05-13T16:00:00Z"));
  });
});
