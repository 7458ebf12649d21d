import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { changeCount, createCampaign } from "../../src/domain/campaigns.ts";
import {
  checkCountSource,
  createSourceReads,
  decideHeldReading,
  isSuspicious,
  pauseAfterMs,
  recordReading,
  removeCountSource,
  setCountSource,
  startPoll,
  type SourceReads,
} from "../../src/domain/countSources.ts";
import { UserError } from "../../src/domain/errors.ts";
import { parseAllowHosts } from "../../src/sources/addresses.ts";
import { startPetitionServer, type PetitionServer } from "../sources/petitionServer.ts";
import { createTestDb } from "../support/db.ts";
import { campaignFields, campaignWithLiveSource, ids } from "../support/domain.ts";

let server: PetitionServer;
let reads: SourceReads;
beforeAll(async () => {
  server = await startPetitionServer();
  reads = createSourceReads({
    fetch: { allowHosts: parseAllowHosts(`127.0.0.1:${server.port}`), timeoutMs: 2000 },
  });
});
afterAll(() => server.close());

const t0 = new Date(Date.UTC(2026, 11, 7, 12, 0));
const later = (minutes: number) => new Date(t0.getTime() + minutes * 60_000);

async function withSource(count: number) {
  const db = await createTestDb();
  const { campaign } = await campaignWithLiveSource(db, { server, reads, count, at: t0 });
  return { db, campaign };
}

async function refusal(action: Promise<unknown>): Promise<string> {
  try {
    await action;
  } catch (error) {
    if (error instanceof UserError) return error.key;
    throw error;
  }
  throw new Error("not refused");
}

describe("count sources", () => {
  it("counts the last reading plus the tallies added since the source was set", async () => {
    const { db, campaign } = await withSource(100);
    await changeCount(
      db,
      ids.guild,
      ids.organizer,
      campaign.id,
      { kind: "add", value: 7 },
      null,
      later(1),
    );
    const poll = await startPoll(
      db,
      await db.dueJob.findFirstOrThrow({ where: { kind: "source.poll", status: "pending" } }),
      later(15),
    );
    expect(poll).not.toBeNull();
    if (!poll) return;
    const outcome = await recordReading(
      db,
      poll.source,
      { ok: true, kind: "json", displayUrl: "", host: "", count: 120 },
      later(15),
    );
    expect(outcome.type).toBe("written");
    expect((await db.campaign.findUniqueOrThrow({ where: { id: campaign.id } })).count).toBe(127);
    // The next poll is scheduled before the read, on the other row (this one, run by the
    // runner, would be recorded done).
    const pending = await db.dueJob.findMany({
      where: { kind: "source.poll", status: "pending" },
      orderBy: { dueAt: "asc" },
    });
    expect(pending.map((job) => [job.subjectId, job.dueAt.getTime()])).toEqual([
      [`${campaign.id}:0`, later(15).getTime()],
      [`${campaign.id}:1`, later(30).getTime()],
    ]);
  });

  it("refuses a typed count while a source is set, and allows it once removed", async () => {
    const { db, campaign } = await withSource(100);
    expect(
      await refusal(
        changeCount(
          db,
          ids.guild,
          ids.organizer,
          campaign.id,
          { kind: "set", value: 5 },
          null,
          later(1),
        ),
      ),
    ).toBe("campaign.countSetWithSource");
    await removeCountSource(db, ids.guild, ids.organizer, campaign.id);
    expect(await db.dueJob.count({ where: { kind: "source.poll", status: "pending" } })).toBe(0);
    await changeCount(
      db,
      ids.guild,
      ids.organizer,
      campaign.id,
      { kind: "set", value: 5 },
      null,
      later(2),
    );
    expect((await db.campaign.findUniqueOrThrow({ where: { id: campaign.id } })).count).toBe(5);
  });

  it("another server's campaign is not found, and saves nothing", async () => {
    const { db, campaign } = await withSource(100);
    expect(await refusal(removeCountSource(db, ids.otherGuild, ids.organizer, campaign.id))).toBe(
      "campaign.notFound",
    );
    expect(await db.countSource.count()).toBe(1);
  });

  it("writes nothing for an unchanged number", async () => {
    const { db, campaign } = await withSource(100);
    const source = await db.countSource.findFirstOrThrow();
    const outcome = await recordReading(
      db,
      source,
      { ok: true, kind: "json", displayUrl: "", host: "", count: 100 },
      later(15),
    );
    expect(outcome.type).toBe("unchanged");
    expect(await db.countEntry.count({ where: { campaignId: campaign.id } })).toBe(1);
  });

  it("holds a drop over 5 % or a jump over 10x the goal, once; the first decision wins", async () => {
    expect(isSuspicious(100, 95, 500)).toBe(false);
    expect(isSuspicious(100, 94, 500)).toBe(true);
    expect(isSuspicious(100, 5100, 500)).toBe(false);
    expect(isSuspicious(100, 5101, 500)).toBe(true);
    const { db, campaign } = await withSource(100);
    const reading = {
      ok: true as const,
      kind: "json" as const,
      displayUrl: "",
      host: "",
      count: 50,
    };
    const first = await recordReading(
      db,
      await db.countSource.findFirstOrThrow(),
      reading,
      later(15),
    );
    const second = await recordReading(
      db,
      await db.countSource.findFirstOrThrow(),
      reading,
      later(30),
    );
    expect([first.type, first.type === "held" && first.asked]).toEqual(["held", true]);
    expect([second.type, second.type === "held" && second.asked]).toEqual(["held", false]);
    expect((await db.campaign.findUniqueOrThrow({ where: { id: campaign.id } })).count).toBe(100);
    const decisions = await Promise.allSettled([
      decideHeldReading(db, ids.guild, ids.organizer, campaign.id, 50, true, later(31)),
      decideHeldReading(db, ids.guild, ids.organizer, campaign.id, 50, false, later(31)),
    ]);
    expect(decisions.filter((decision) => decision.status === "fulfilled")).toHaveLength(1);
    expect(
      await db.auditEntry.count({
        where: { action: { in: ["campaign.source.accept", "campaign.source.ignore"] } },
      }),
    ).toBe(1);
  });

  it("an ignored reading cannot be accepted afterwards, and is not asked about again", async () => {
    const { db, campaign } = await withSource(100);
    const reading = {
      ok: true as const,
      kind: "json" as const,
      displayUrl: "",
      host: "",
      count: 50,
    };
    await recordReading(db, await db.countSource.findFirstOrThrow(), reading, later(15));
    await decideHeldReading(db, ids.guild, ids.organizer, campaign.id, 50, false, later(16));
    expect(
      await refusal(
        decideHeldReading(db, ids.guild, ids.organizer, campaign.id, 50, true, later(17)),
      ),
    ).toBe("source.heldGone");
    const again = await recordReading(
      db,
      await db.countSource.findFirstOrThrow(),
      reading,
      later(30),
    );
    expect([again.type, again.type === "held" && again.asked]).toEqual(["held", false]);
    expect((await db.campaign.findUniqueOrThrow({ where: { id: campaign.id } })).count).toBe(100);
  });

  it("pauses after 24 hours of failures, stops polling, and check resumes", async () => {
    const { db, campaign } = await withSource(100);
    const failure = {
      ok: false as const,
      kind: "json" as const,
      displayUrl: "",
      host: "",
      reason: "timeout" as const,
    };
    const first = await recordReading(
      db,
      await db.countSource.findFirstOrThrow(),
      failure,
      later(15),
    );
    expect(first.type === "failed" && first.paused).toBe(false);
    const last = await recordReading(
      db,
      await db.countSource.findFirstOrThrow(),
      failure,
      new Date(later(15).getTime() + pauseAfterMs),
    );
    expect(last.type === "failed" && last.paused).toBe(true);
    expect(await db.dueJob.count({ where: { kind: "source.poll", status: "pending" } })).toBe(0);
    server.live.count = 110;
    const checked = await checkCountSource(db, reads, ids.guild, ids.organizer, campaign.id, () =>
      later(2000),
    );
    expect(checked.type).toBe("written");
    const source = await db.countSource.findFirstOrThrow();
    expect([source.status, source.failingSince, source.failures]).toEqual(["active", null, 0]);
    expect(await db.dueJob.count({ where: { kind: "source.poll", status: "pending" } })).toBe(1);
  });

  it("saves nothing when the first read fails", async () => {
    const db = await createTestDb();
    const campaign = await createCampaign(db, ids.guild, ids.organizer, campaignFields());
    server.live.count = "down";
    const key = await refusal(
      setCountSource(
        db,
        reads,
        {
          guildId: ids.guild,
          actorId: ids.organizer,
          campaignId: campaign.id,
          url: `${server.origin}/live.json`,
          kind: "json",
          field: "count",
          everyMinutes: 15,
        },
        () => t0,
      ),
    );
    expect(key).toBe("source.failed.http");
    expect([
      await db.countSource.count(),
      await db.countEntry.count(),
      await db.dueJob.count(),
    ]).toEqual([0, 0, 0]);
  });
});
