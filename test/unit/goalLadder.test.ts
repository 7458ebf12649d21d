import { describe, expect, it } from "vitest";
import {
  goalAfterCount,
  ladderStepAbove,
  nextMilestone,
  progressRatio,
} from "../../src/domain/goalLadder.ts";

describe("the ladder step above a count", () => {
  // 1, 2.5 and 5 times each power of ten; 2.5 is not a whole number of signatures, so it is skipped.
  it.each([
    [0, 1],
    [1, 5],
    [2, 5],
    [4, 5],
    [5, 10],
    [9, 10],
    [10, 25],
    [24, 25],
    [25, 50],
    [99, 100],
    [100, 250],
    [249, 250],
    [250, 500],
    [332, 500],
    [499, 500],
    [500, 1_000],
    [999, 1_000],
    [1_000, 2_500],
    [1_332, 2_500],
    [2_500, 5_000],
    [5_000, 10_000],
    [9_999, 10_000],
    [10_000, 25_000],
    [1_000_000_000, 2_500_000_000],
  ])("after %d comes %d", (count, step) => {
    expect(ladderStepAbove(count)).toBe(step);
  });

  it("is always a whole number strictly above the count", () => {
    for (let count = 0; count <= 3_000; count++) {
      const step = ladderStepAbove(count);
      expect(Number.isInteger(step)).toBe(true);
      expect(step).toBeGreaterThan(count);
    }
  });
});

describe("the goal after the count changes", () => {
  it("stays and is not reached while the count is below it", () => {
    expect(goalAfterCount(499, 500, true)).toEqual({ reached: false, goal: 500 });
    expect(goalAfterCount(0, 1, false)).toEqual({ reached: false, goal: 1 });
  });

  it("is reached exactly at the goal and raised to the next step", () => {
    expect(goalAfterCount(500, 500, true)).toEqual({ reached: true, goal: 1_000 });
  });

  it("is raised past every step crossed at once", () => {
    expect(goalAfterCount(1_332, 500, true)).toEqual({ reached: true, goal: 2_500 });
    expect(goalAfterCount(10_000, 100, true)).toEqual({ reached: true, goal: 25_000 });
  });

  it("is raised to a ladder step even when the organizer's goal was off the ladder", () => {
    expect(goalAfterCount(300, 300, true)).toEqual({ reached: true, goal: 500 });
  });

  it("stays where the organizer put it without auto-raise", () => {
    expect(goalAfterCount(500, 500, false)).toEqual({ reached: true, goal: 500 });
    expect(goalAfterCount(1_332, 500, false)).toEqual({ reached: true, goal: 500 });
  });
});

describe("the next milestone shown", () => {
  it("walks a 500 goal as 100, 250, 500 rather than 1, 5, 10", () => {
    const milestones = [0, 50, 99, 100, 249, 250, 332, 499].map((count) => [
      count,
      nextMilestone(count, 500),
    ]);
    expect(milestones).toEqual([
      [0, 100],
      [50, 100],
      [99, 100],
      [100, 250],
      [249, 250],
      [250, 500],
      [332, 500],
      [499, 500],
    ]);
  });

  it("walks a 10,000 goal as 2,500, 5,000, 10,000", () => {
    expect(nextMilestone(0, 10_000)).toBe(2_500);
    expect(nextMilestone(2_500, 10_000)).toBe(5_000);
    expect(nextMilestone(5_000, 10_000)).toBe(10_000);
  });

  it("is the goal itself when the goal is off the ladder", () => {
    expect(nextMilestone(332, 400)).toBe(400);
    expect(nextMilestone(1_200, 2_000)).toBe(2_000);
    expect(nextMilestone(0, 1)).toBe(1);
  });

  it("is always above the count, at least a fifth of the goal, and never beyond it", () => {
    for (const goal of [1, 2, 3, 7, 10, 99, 100, 101, 333, 500, 501, 999, 1_000, 12_345]) {
      for (let count = 0; count < goal; count += Math.max(1, Math.floor(goal / 97))) {
        const milestone = nextMilestone(count, goal);
        expect(milestone).not.toBeNull();
        expect(milestone).toBeGreaterThan(count);
        expect(milestone).toBeLessThanOrEqual(goal);
        expect(milestone).toBeGreaterThanOrEqual(goal / 5);
      }
    }
  });

  it("is none once the goal is reached", () => {
    expect(nextMilestone(500, 500)).toBeNull();
    expect(nextMilestone(1_332, 500)).toBeNull();
  });
});

describe("the share of the goal reached", () => {
  it("is count / goal, full past the goal, empty without one", () => {
    expect(progressRatio(332, 500)).toBe(332 / 500);
    expect(progressRatio(740, 500)).toBe(1);
    expect(progressRatio(5, 0)).toBe(0);
  });
});
