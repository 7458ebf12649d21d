import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { performance } from "node:perf_hooks";
import { nowMs, setClockSource } from "../clock.ts";
import { formatLocalDateTime, parseLocalDateTime } from "../domain/dates.ts";
import { nextDueJobAt } from "../domain/dueJobs.ts";
import { UserError } from "../domain/errors.ts";
import { getGuildSettings } from "../domain/guildSettings.ts";
import type { Store } from "../domain/store.ts";

const minute = 60_000;
const hour = 60 * minute;
const day = 24 * hour;
/** As far as one `wait` goes: a year of daily summaries is already a long transcript. */
const longestWait = 366 * day;
/** A bound on the passes of one `wait`, should a job keep re-arming itself. */
const maxSteps = 10_000;

/**
 * The sandbox's clock, which Rally (through src/clock.ts) and the local Discord both read. It
 * only moves forward: by itself as time passes at the prompt, by `wait`, and in a script by the
 * script alone (standing still between lines, so a transcript never depends on how fast it ran).
 */
export class SandboxClock {
  private offsetMs = 0;

  private constructor(private readonly base: () => number) {}

  /** Flowing as real time does, from `startMs` (or the system's time): the prompt. */
  static flowing(startMs?: number): SandboxClock {
    const from = startMs ?? nowMs();
    const started = performance.now();
    return new SandboxClock(() => from + Math.floor(performance.now() - started));
  }

  /** Standing at `startMs` until moved: a script. */
  static standing(startMs: number): SandboxClock {
    return new SandboxClock(() => startMs);
  }

  nowMs(): number {
    return this.base() + this.offsetMs;
  }

  /** Moves the clock to `ms`, if that is ahead of it. */
  moveTo(ms: number): void {
    const ahead = ms - this.nowMs();
    if (ahead > 0) this.offsetMs += ahead;
  }

  /** Makes this the clock every part of Rally reads. */
  install(): void {
    setClockSource(() => this.nowMs());
  }
}

/**
 * Where the prompt's clock is kept between runs (`data/sandbox-clock.json`): the time `wait`
 * went through is not given back at the next start, where the jobs and dates it made still are.
 */
export const clockFile = {
  /** The saved time, or the system's when that is later (or nothing was saved). */
  start(path: string): number {
    let saved = 0;
    try {
      const at: unknown = (JSON.parse(readFileSync(path, "utf8")) as { at?: unknown }).at;
      if (typeof at === "number" && Number.isFinite(at)) saved = at;
    } catch {
      // None yet, or not ours to read: the system's time.
    }
    return Math.max(saved, nowMs());
  },
  save(path: string, clock: SandboxClock): void {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, `${JSON.stringify({ at: clock.nowMs() })}\n`);
  },
};

/** What `wait` needs of the running Rally: its database and a scheduler pass it can await. */
interface RallyTime {
  db: Store;
  scheduler: { tick(): Promise<void> };
}

/** `wait 25h`, `wait 3d`, `wait until 2026-12-20 18:00`: time passes, and what was due happens. */
export class SandboxTime {
  constructor(
    private readonly clock: SandboxClock,
    private readonly rally: RallyTime,
    private readonly guildId: string,
  ) {}

  /**
   * Moves the clock to what `args` names, running each due job at its own time on the way;
   * `show` returns what appeared since it was last asked (posts, direct messages), printed under
   * the time it appeared at.
   */
  async wait(args: string, show: () => string): Promise<string> {
    const { timezone: zone } = await getGuildSettings(this.rally.db, this.guildId);
    const from = this.clock.nowMs();
    const target = targetOf(args.trim(), zone, from);
    const out: string[] = [];
    await this.advanceTo(target, (at) => {
      const shown = show();
      if (shown) out.push(`[${when(at, zone)}]`, shown);
    });
    out.push(`It is now ${when(target, zone)}, ${span(target - from)} later.`);
    return out.join("\n");
  }

  /**
   * What a few seconds at the prompt would bring: the jobs due within `windowMs` (a live card's
   * coalesced edit) run at their time; the clock stays where it is when none is.
   */
  async settle(windowMs: number): Promise<void> {
    const next = (await nextDueJobAt(this.rally.db))?.getTime();
    if (next !== undefined && next <= this.clock.nowMs() + windowMs) await this.advanceTo(next);
  }

  /**
   * Runs every job due up to `target` at its due time (the clock set there, then a scheduler
   * pass), then stands at `target` and runs a last pass. `after` is called after each pass.
   */
  async advanceTo(target: number, after: (at: number) => void = () => {}): Promise<void> {
    for (let step = 0; step < maxSteps; step++) {
      const next = (await nextDueJobAt(this.rally.db))?.getTime();
      if (next === undefined || next > target) break;
      const at = Math.max(next, this.clock.nowMs());
      this.clock.moveTo(at);
      await this.rally.scheduler.tick();
      after(at);
      // Still due after a pass at its time (another process's lease): the last pass takes it.
      const again = (await nextDueJobAt(this.rally.db))?.getTime();
      if (again !== undefined && again <= at) break;
    }
    this.clock.moveTo(target);
    await this.rally.scheduler.tick();
    after(target);
  }
}

/** The instant `wait …` names, ahead of `from`; an Error saying why not otherwise. */
export function targetOf(args: string, zone: string, from: number): number {
  const until = /^until\s+(.+)$/.exec(args);
  if (until) {
    const text = until[1]?.trim() ?? "";
    let target: number;
    try {
      target = parseLocalDateTime(text, {
        option: "until",
        zone,
        now: new Date(from),
        past: "allowed",
      }).getTime();
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      throw new Error(
        `"${text}" is not a date Rally reads: write wait until 2026-12-20 or wait until 2026-12-20 18:00 (in the server's time zone, ${zone}), at most five years ahead.`,
      );
    }
    if (target <= from) {
      throw new Error(
        `${when(target, zone)} is not ahead of the sandbox's clock (${when(from, zone)}): time only moves forward.`,
      );
    }
    if (target - from > longestWait) throw new Error(tooLong);
    return target;
  }
  const duration = durationOf(args);
  if (duration === undefined) {
    throw new Error(
      "wait takes a duration (wait 30m, wait 25h, wait 3d, wait 1d 6h) or a date (wait until 2026-12-20 18:00).",
    );
  }
  if (duration <= 0) throw new Error("wait needs a duration above zero: time only moves forward.");
  if (duration > longestWait) throw new Error(tooLong);
  return from + duration;
}

const tooLong = "One wait goes at most 366 days ahead.";

/** `30m`, `25h`, `3d`, `1d 6h` in milliseconds; undefined when it is not one. */
function durationOf(text: string): number | undefined {
  if (!/^(\s*\d+\s*[dhm])+\s*$/i.test(text)) return undefined;
  const sizes: Record<string, number> = { d: day, h: hour, m: minute };
  let total = 0;
  for (const [, amount, unit] of text.matchAll(/(\d+)\s*([dhm])/gi)) {
    total += Number(amount) * (sizes[(unit ?? "").toLowerCase()] ?? 0);
  }
  return total;
}

/** `2026-12-08 13:00 UTC`: a time as the sandbox shows it, in the server's zone. */
function when(ms: number, zone: string): string {
  return `${formatLocalDateTime(new Date(ms), zone)} ${zone}`;
}

/** `25 hours`, `3 days`, `1 day 6 hours`, `30 minutes`. */
function span(ms: number): string {
  const parts: string[] = [];
  const days = Math.floor(ms / day);
  const hours = Math.floor((ms % day) / hour);
  const minutes = Math.round((ms % hour) / minute);
  // Up to two days reads better in hours: "25 hours later".
  const inHours = days < 2 ? days * 24 + hours : hours;
  if (days >= 2) parts.push(`${days} days`);
  if (inHours > 0) parts.push(`${inHours} ${inHours === 1 ? "hour" : "hours"}`);
  if (minutes > 0) parts.push(`${minutes} ${minutes === 1 ? "minute" : "minutes"}`);
  return parts.length > 0 ? parts.join(" ") : "no time";
}
