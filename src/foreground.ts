/**
 * What members are waiting on comes first. An interaction is "in the foreground" from the
 * moment it arrives until its answer is sent; background loops (due-job passes, readings of
 * count sources, live cards' REST calls) call `yieldToForeground()` before each step, which
 * gives the event loop a turn and then waits while any interaction is in the foreground.
 *
 * Why: on one event loop, a burst of background work (1,000 count sources handed over in one
 * pass) interleaves with every await of an interaction's handler; measured, a /campaign show
 * took 14–19 ms at the median during that pass instead of 4–5. Steps already running go on (a
 * step is never cut in the middle), so this only keeps new ones from starting.
 *
 * A step waits at most `maxWaitMs`: a steady stream of interactions must slow the background
 * down, never stop it (summaries, reminders and reads still have to happen).
 */
import { setImmediate as nextTurn } from "node:timers/promises";

const maxWaitMs = 200;

let inForeground = 0;
let waiting: (() => void)[] = [];

/** Marks one interaction in the foreground; the returned function (idempotent) ends it. */
export function enterForeground(): () => void {
  inForeground += 1;
  let left = false;
  return () => {
    if (left) return;
    left = true;
    inForeground -= 1;
    if (inForeground > 0) return;
    const woken = waiting;
    waiting = [];
    for (const wake of woken) wake();
  };
}

/** A turn of the event loop, then no interaction in the foreground (or `maxWaitMs` gone by). */
export async function yieldToForeground(): Promise<void> {
  await nextTurn();
  if (inForeground === 0) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(wake, maxWaitMs);
    function wake() {
      clearTimeout(timer);
      waiting = waiting.filter((other) => other !== wake);
      resolve();
    }
    waiting.push(wake);
  });
}

/** How many interactions are in the foreground now (for tests and diagnostics). */
export function foregroundCount(): number {
  return inForeground;
}
