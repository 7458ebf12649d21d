/**
 * The one clock Rally reads. Production reads the system clock; the sandbox sets its own source
 * (`wait 25h` moves it), so that every part of Rally sees the same time. Code that already takes
 * `now` as a parameter keeps passing it; nothing else reads the system time directly (a lint rule
 * in eslint.config.js keeps it so).
 */

const systemClock = (): number => Date.now();

let source: () => number = systemClock;

/** The current time, in milliseconds since the epoch. */
export function nowMs(): number {
  return source();
}

/** The current time. */
export function now(): Date {
  return new Date(source());
}

/** Sets where the time comes from (ms since the epoch); `undefined`: the system clock again. */
export function setClockSource(next: (() => number) | undefined): void {
  source = next ?? systemClock;
}
