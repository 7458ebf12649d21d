/**
 * One milestone post whoever moved the count: a command, the dashboard and a reading crossing
 * the same rung at once arm one `campaign.milestone` job, and a command running that job now
 * while a scheduler pass runs it too posts it once.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCampaign } from "../../src/domain/campaigns.ts";
import {
  changeCountPostingMilestone,
  createSourceReads,
  milestoneJobKind,
  recordReading,
} from "../../src/domain/countSources.ts";
import { runDueJobNow, runDueJobs, type DueJob } from "../../src/domain/dueJobs.ts";
import { parseAllowHosts } from "../../src/sources/addresses.ts";
import { startPetitionServer, type PetitionServer } from "../sources/petitionServer.ts";
import { createTestDb } from "../support/db.ts";
import { campaignFields, campaignWithLiveSource, ids } from "../support/domain.ts";

let server: PetitionServer;
beforeAll(async () => {
  server = await startPetitionServer();
});
afterAll(() => server.close());

const t0 = new Date(Date.UTC(2026, 11, 7, 12, 0));
const at = (ms: number) => new Date(t0.getTime() + ms);

describe("milestones", () => {
  it("arms one job when a command, the dashboard and a reading cross the same rung at once", async () => {
    const db = await createTestDb();
    const reads = createSourceReads({
      fetch: { allowHosts: parseAllowHosts(`127.0.0.1:${server.port}`), timeoutMs: 2000 },
    });
    const { campaign, source } = await campaignWithLiveSource(db, {
      server,
      reads,
      count: 480,
      at: t0,
    });
    server.live.count = 505;
    const read = await reads.read({ url: source.url, kind: "json", field: "count" });
    // Each change alone crosses 500; they land at once, at three different instants.
    const command = changeCountPostingMilestone(
      db,
      ids.guild,
      ids.organizer,
      campaign.id,
      { kind: "add", value: 30 },
      null,
      at(1000),
    );
    const dashboard = changeCountPostingMilestone(
      db,
      ids.guild,
      ids.organizer,
      campaign.id,
      { kind: "add", value: 25 },
      null,
      at(1001),
    );
    const reading = recordReading(db, source, read, at(1002));
    const results = await Promise.all([command, dashboard, reading]);
    const armed = results.flatMap((result) =>
      "milestone" in result && result.milestone !== null ? [result.milestone] : [],
    );
    expect(armed).toHaveLength(1);
    const jobs = await db.dueJob.findMany({ where: { kind: milestoneJobKind } });
    expect(jobs.map((job) => job.subjectId)).toEqual(armed);
    // The goal was raised once, past the rung: 480 + 30 + 25 + (505 - 480) = 560.
    expect(await db.campaign.findUniqueOrThrow({ where: { id: campaign.id } })).toMatchObject({
      count: 560,
      goal: 1000,
    });
  });

  it("runs a milestone job once when a command runs it now while a scheduler pass runs it", async () => {
    const db = await createTestDb();
    const campaign = await createCampaign(db, ids.guild, ids.organizer, campaignFields());
    const changed = await changeCountPostingMilestone(
      db,
      ids.guild,
      ids.organizer,
      campaign.id,
      { kind: "set", value: 510 },
      null,
      t0,
    );
    const subjectId = changed.milestone ?? "";
    expect(subjectId).toMatch(new RegExp(`^${campaign.id}:500:`));
    const posts: string[] = [];
    const handler = async (job: DueJob) => {
      // Discord takes a while to answer: both runners are inside the job at once.
      await new Promise((resolve) => setTimeout(resolve, 50));
      posts.push(job.subjectId);
    };
    const now = () => t0;
    const runs = await Promise.all([
      runDueJobNow({ db, owner: "answer-a", kind: milestoneJobKind, subjectId, handler, now }),
      runDueJobNow({ db, owner: "answer-b", kind: milestoneJobKind, subjectId, handler, now }),
      runDueJobs({ db, owner: "pass", now: t0, handlers: { [milestoneJobKind]: handler } }),
    ]);
    expect(posts).toEqual([subjectId]);
    const answered = runs.slice(0, 2).map((run) => (run as { status: string }).status);
    const passRan = (runs[2] as { ran: number }).ran;
    expect([...answered, passRan === 1 ? "ran" : "taken"].sort()).toEqual([
      "ran",
      "taken",
      "taken",
    ]);
    expect((await db.dueJob.findFirstOrThrow({ where: { kind: milestoneJobKind } })).status).toBe(
      "done",
    );
    // Done is done: a later pass or answer does not post it again.
    await runDueJobs({
      db,
      owner: "pass",
      now: at(60_000),
      handlers: { [milestoneJobKind]: handler },
    });
    expect(
      await runDueJobNow({
        db,
        owner: "answer-c",
        kind: milestoneJobKind,
        subjectId,
        handler,
        now,
      }),
    ).toEqual({ status: "taken" });
    expect(posts).toHaveLength(1);
  });
});
