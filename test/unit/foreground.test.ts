/** Interactions first: background steps wait while a member's interaction is being answered. */
import { performance } from "node:perf_hooks";
import { setImmediate as nextTurn } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { createBackgroundRest } from "../../src/discord/backgroundRest.ts";
import { createSourceReads } from "../../src/domain/countSources.ts";
import { enterForeground, foregroundCount, yieldToForeground } from "../../src/foreground.ts";

/** A background step, started, and whether it went on within a few turns of the event loop. */
async function startStep() {
  let went = false;
  const done = yieldToForeground().then(() => {
    went = true;
  });
  for (let turn = 0; turn < 5; turn++) await nextTurn();
  return { done, went: () => went };
}

describe("foreground", () => {
  it("holds a background step while an interaction is answered, and lets it go after", async () => {
    const answered = enterForeground();
    try {
      const step = await startStep();
      expect(step.went()).toBe(false);
      answered();
      await step.done;
      expect(step.went()).toBe(true);
    } finally {
      answered();
    }
  });

  it("waits for the last of several interactions, and ends each one once however often it is called", async () => {
    const first = enterForeground();
    const second = enterForeground();
    try {
      first();
      first();
      expect(foregroundCount()).toBe(1);
      const step = await startStep();
      expect(step.went()).toBe(false);
      second();
      await step.done;
      expect(foregroundCount()).toBe(0);
    } finally {
      first();
      second();
    }
  });

  it("never stops background work: a step goes on after 200 ms even if interactions never end", async () => {
    const neverAnswered = enterForeground();
    try {
      const started = performance.now();
      await yieldToForeground();
      // It waited (its 200 ms; a timer may fire a few ms early, timed from when the loop's turn
      // began), then went on.
      expect(performance.now() - started).toBeGreaterThanOrEqual(150);
    } finally {
      neverAnswered();
    }
  });

  it("holds the readings' recorder and the live cards' REST pool the same way", async () => {
    const answered = enterForeground();
    try {
      const done: string[] = [];
      const reading = createSourceReads().record(async () => done.push("reading"));
      const card = createBackgroundRest({ spacingMs: 0 }).run(async () => done.push("card"));
      for (let turn = 0; turn < 5; turn++) await nextTurn();
      expect(done).toEqual([]);
      answered();
      await Promise.all([reading, card]);
      expect(done.sort()).toEqual(["card", "reading"]);
    } finally {
      answered();
    }
  });
});
