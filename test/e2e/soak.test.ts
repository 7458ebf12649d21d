import { describe, expect, it } from "vitest";
import { runSoak } from "../../bench/soak.ts";
import { databaseKind, testDatabaseUrl } from "../support/db.ts";

// About a minute in all on CI's 2 cores, both databases together (PostgreSQL round trips cost
// more); `npm run soak` is the long run.
const interactions = databaseKind === "sqlite" ? 1200 : 800;

/**
 * The CI variant of `npm run soak` (bench/soak.ts): the real bot over the wire, four servers
 * at once, a few thousand mixed interactions with a Discord fault armed every 15. Speed is
 * printed by the bench, never asserted here.
 */
describe("soak", () => {
  it("answers every interaction once, keeps the database equal to the replies, and the heap bounded", async () => {
    const report = await runSoak({
      databaseUrl: await testDatabaseUrl(),
      interactions,
      seed: 7,
      sampleEvery: Math.floor(interactions / 13),
      // Answering within 3 s is a matter of speed (the bench's), not of data safety.
      interactionDeadlineMs: 15_000,
    });

    // Every reply was the one the model predicted, each interaction had exactly one callback
    // (and one follow-up after an update in place), and Discord refused no request.
    expect(report.problems).toEqual([]);
    expect(report.unanswered).toBe(0);
    expect(report.interactions).toBeGreaterThanOrEqual(interactions);
    expect(report.bot.interactionLogLines).toBe(report.interactions);
    expect(report.bot.errorLines).toEqual([]);

    // What members were told is what the database holds: counts, slots, done work, claims.
    expect(report.database).toEqual(report.model);

    // The mix really exercised both sides of each rule, and the faults really happened.
    for (const outcome of ["claim ok", "claim refused", "release ok", "release refused"]) {
      expect(report.outcomes[outcome] ?? 0).toBeGreaterThan(20);
    }
    for (const outcome of ["done ok", "done refused", "count ok"]) {
      expect(report.outcomes[outcome] ?? 0).toBeGreaterThan(5);
    }
    for (const outcome of ["count refused", "campaign create refused", "summary now"]) {
      expect(report.outcomes[outcome] ?? 0).toBeGreaterThan(0);
    }
    expect(report.faults.answeredByFault).toBeGreaterThan(report.faults.armed / 2);

    // Retained memory after a full GC does not grow with the number of interactions.
    expect(report.memory.length).toBeGreaterThanOrEqual(6);
    expect(report.heapGrowthAfterWarmUpMiB).toBeLessThan(64);
  }, 240_000);
});
