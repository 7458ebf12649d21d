/**
 * The goal ladder: 1, 2.5 and 5 times each power of ten (…, 100, 250, 500, 1,000, 2,500,
 * 5,000, 10,000, …), the steps petition sites raise a reached goal by ("help us get to 1,000").
 */
export function ladderStepAbove(count: number): number {
  let magnitude = 1;
  for (;;) {
    for (const factor of [1, 2.5, 5]) {
      const step = factor * magnitude;
      if (Number.isInteger(step) && step > count) return step;
    }
    magnitude *= 10;
  }
}

/** Goals stay inside a 32-bit integer, which SQLite and PostgreSQL both store natively. */
const maxGoal = 2_000_000_000;

interface GoalChange {
  reached: boolean;
  /** The goal after the change: raised to the next ladder step above the count when reached. */
  goal: number;
}

/** What the goal becomes when the count changes: reaching it raises it once, past every step crossed. */
export function goalAfterCount(count: number, goal: number, autoRaise: boolean): GoalChange {
  if (count < goal) return { reached: false, goal };
  return { reached: true, goal: autoRaise ? Math.min(ladderStepAbove(count), maxGoal) : goal };
}

/** How much of the goal the count is, 0–1: past the goal a progress bar stays full. */
export function progressRatio(count: number, goal: number): number {
  return goal > 0 ? Math.min(1, Math.max(0, count / goal)) : 0;
}

/**
 * The next milestone to show: the next ladder step above the count, counting only steps of at
 * least a fifth of the goal (so a 500 goal shows 100, 250, 500 rather than 1, 5, 10), and never
 * beyond the goal itself.
 */
export function nextMilestone(count: number, goal: number): number | null {
  if (count >= goal) return null;
  return Math.min(goal, ladderStepAbove(Math.max(count, Math.ceil(goal / 5) - 1)));
}
