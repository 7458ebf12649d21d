/**
 * When a campaign's count source is read next: one `source.poll` due job series per source,
 * aligned so sources read as often fall due together. Its own module so that reopening a
 * campaign (src/domain/campaigns.ts) can restart the series.
 */
import { findCountSource } from "../db/countSources.ts";
import { cancelJobs, scheduleJob } from "../db/dueJobs.ts";
import type { CountSource } from "../db/rows.ts";
import type { Store } from "../db/store.ts";

export const sourcePollKind = "source.poll";
/** Backoff while failing: the interval doubles per failure, up to this. */
const maxBackoffMs = 2 * 60 * 60 * 1000;

export const pollSubjects = (campaignId: number) => [`${campaignId}:0`, `${campaignId}:1`];

/**
 * The next poll of a campaign's source. Polls alternate between two job rows, so the running
 * one is recorded done while the next one waits: no row per poll, and no re-arm of a running job.
 */
export async function scheduleNextPoll(
  db: Store,
  source: Pick<CountSource, "guildId" | "campaignId" | "everyMinutes" | "failures">,
  after: Date,
  currentSubject?: string,
): Promise<void> {
  const [even = "", odd = ""] = pollSubjects(source.campaignId);
  const subjectId = currentSubject === even ? odd : even;
  const interval = source.everyMinutes * 60_000;
  const delay =
    source.failures > 0
      ? Math.min(interval * 2 ** Math.min(source.failures, 8), maxBackoffMs)
      : interval;
  if (currentSubject === undefined) await cancelJobs(db, odd, [sourcePollKind]);
  await scheduleJob(db, {
    guildId: source.guildId,
    kind: sourcePollKind,
    subjectId,
    dueAt: new Date(alignedAfter(after.getTime() + Math.max(delay, interval) - interval, interval)),
  });
}

/**
 * The first multiple of `interval` (from the epoch) after `time`: sources read as often fall due
 * in the same pass, so an address several campaigns track is fetched once (the pool shares it).
 */
function alignedAfter(time: number, interval: number): number {
  return (Math.floor(time / interval) + 1) * interval;
}

/**
 * A reopened campaign's source is read again from its next aligned round (closing ended the
 * series: a poll of a closed campaign schedules no next one). A paused source stays paused.
 */
export async function restartSourcePolling(
  db: Store,
  guildId: string,
  campaignId: number,
  now: Date,
): Promise<void> {
  const source = await findCountSource(db, guildId, campaignId);
  if (source?.status === "active") await scheduleNextPoll(db, source, now);
}
