/**
 * Count sources: a campaign's count read from where the petition lives. Setting one reads it at
 * once; then a `source.poll` due job per source hands each read to the source pool (so a slow
 * site never holds a due-job worker) and records what it learned as a count change.
 */
import { createHash } from "node:crypto";
import {
  decideHeldReadingIf,
  deleteCountSource,
  findActionNetworkKey,
  findCountSource,
  listCountSourcesOfCampaigns,
  saveActionNetworkKey,
  saveCountSource,
  updateCountSourceIfUrl,
} from "../db/countSources.ts";
import { cancelJobs, scheduleJob } from "../db/dueJobs.ts";
import { campaignCardChanged } from "./campaignCard.ts";
import type { CountSource, DueJob } from "../db/rows.ts";
import { inTransaction, type Store } from "../db/store.ts";
import { createSourcePool, type SourcePool } from "../sources/pool.ts";
import { readSource, type SourceRequest, type SourceResult } from "../sources/readSource.ts";
import type { ResolvedKind, SourceKind } from "../sources/readers.ts";
import type { SafeFetchOptions } from "../sources/safeFetch.ts";
import { displayUrl } from "../sources/safeFetch.ts";
import { recordAudit } from "./audit.ts";
import { changeCount, getActiveCampaign, getCampaign, type Campaign } from "./campaigns.ts";
import { UserError } from "./errors.ts";
import { nowMs } from "../clock.ts";
import { yieldToForeground } from "../foreground.ts";
import { pollSubjects, scheduleNextPoll, sourcePollKind } from "./sourcePolls.ts";

export type { CountSource, ResolvedKind, SourceKind };
export { sourceKinds } from "../sources/readers.ts";
export { sourcePollKind };

export const sourceLimits = { everyMin: 5, everyMax: 1440, everyDefault: 15 } as const;
/** A source failing this long is paused until an organizer runs `check`. */
export const pauseAfterMs = 24 * 60 * 60 * 1000;
/** How long a round's read is shared: longer than a due-job pass, shorter than any interval. */
const roundMemoryMs = 2 * 60 * 1000;

/** Reads sources under the pool's caps; remembers reads handed off, for shutdown and tests. */
export interface SourceReads {
  read(request: SourceRequest): Promise<SourceResult>;
  /**
   * A poll's read: polls of the same address in the same round (their aligned due time) share
   * one fetch, however far apart their jobs ran within the pass.
   */
  readInRound(request: SourceRequest, round: number): Promise<SourceResult>;
  /**
   * Records what reads learned, one at a time, each after a turn of the event loop: 1,000 reads
   * landing within seconds would otherwise queue 1,000 transactions ahead of every interaction's
   * query (SQLite has one writer; PostgreSQL's pool is small), and back to back they would keep
   * the loop from the interactions in between.
   */
  record<T>(work: () => Promise<T>): Promise<T>;
  /** Runs work after a read without anyone awaiting it; its end is tracked by `settled`. */
  track(work: Promise<unknown>): void;
  /** Resolves once every read handed off so far has been recorded. */
  settled(): Promise<void>;
}

export interface SourceReadsOptions {
  fetch?: SafeFetchOptions;
  concurrency?: number;
  perHost?: number;
}

export function createSourceReads(options: SourceReadsOptions = {}): SourceReads {
  const pool: SourcePool = createSourcePool({
    read: (request) => readSource(request, options.fetch ?? {}),
    ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
    ...(options.perHost === undefined ? {} : { perHost: options.perHost }),
  });
  const inFlight = new Set<Promise<unknown>>();
  const rounds = new Map<string, { result: Promise<SourceResult>; until: number }>();
  let recording = 0;
  const waiting: (() => void)[] = [];
  return {
    async record(work) {
      // A finished recording hands its slot straight to the next one waiting.
      if (recording >= 1) await new Promise<void>((resolve) => waiting.push(resolve));
      else recording += 1;
      try {
        // What arrived meanwhile (an interaction) goes first.
        await yieldToForeground();
        return await work();
      } finally {
        const next = waiting.shift();
        if (next) next();
        else recording -= 1;
      }
    },
    read: (request) => pool.read(request),
    readInRound(request, round) {
      const key = createHash("sha256")
        .update(
          JSON.stringify([
            round,
            request.url,
            request.kind,
            request.field ?? null,
            request.apiKey ?? null,
            request.previous?.etag ?? null,
            request.previous?.lastModified ?? null,
          ]),
        )
        .digest("base64url");
      const now = nowMs();
      const shared = rounds.get(key);
      if (shared && shared.until > now) return shared.result;
      for (const [old, entry] of rounds) if (entry.until <= now) rounds.delete(old);
      const result = pool.read(request);
      rounds.set(key, { result, until: now + roundMemoryMs });
      return result;
    },
    track(work) {
      const settled = work.then(
        () => undefined,
        () => undefined,
      );
      inFlight.add(settled);
      void settled.then(() => inFlight.delete(settled));
    },
    async settled() {
      while (inFlight.size > 0) await Promise.all([...inFlight]);
    },
  };
}

/** Who a reading is written as, in the history and the audit log. */
export function readingAuthor(source: Pick<CountSource, "url">): string {
  let host = "";
  try {
    host = new URL(source.url).hostname;
  } catch {
    host = "?";
  }
  return `auto: ${host}`;
}

export function sourceHost(source: Pick<CountSource, "url">): string {
  try {
    return new URL(source.url).host;
  } catch {
    return "";
  }
}

/** Why a read failed, as the member reads it: the reason's key and what it names. */
export function readFailure(result: SourceResult & { ok: false }): UserError {
  return new UserError(`source.failed.${result.reason}`, {
    status: result.status ?? 0,
    host: result.host,
  });
}

function requestOf(source: CountSource, apiKey: string | null): SourceRequest {
  return {
    url: source.url,
    kind: source.kind as ResolvedKind,
    ...(source.field === null ? {} : { field: source.field }),
    ...(apiKey === null ? {} : { apiKey }),
    ...(source.etag === null && source.lastModified === null
      ? {}
      : {
          previous: {
            ...(source.etag === null ? {} : { etag: source.etag }),
            ...(source.lastModified === null ? {} : { lastModified: source.lastModified }),
          },
        }),
  };
}

export interface SetSourceInput {
  guildId: string;
  actorId: string;
  campaignId: number;
  url: string;
  kind: SourceKind;
  field: string | null;
  everyMinutes: number;
}

/** Whether setting this source needs an Action Network key the server has not stored. */
export async function needsActionNetworkKey(
  db: Store,
  guildId: string,
  url: string,
  kind: SourceKind,
): Promise<boolean> {
  if (kind !== "action_network" && !(kind === "auto" && looksLikeActionNetwork(url))) return false;
  return (await findActionNetworkKey(db, guildId)) === null;
}

function looksLikeActionNetwork(url: string): boolean {
  try {
    const parsed = new URL(url);
    return /(^|\.)actionnetwork\.org$/.test(parsed.hostname) && parsed.pathname.startsWith("/api/");
  } catch {
    return false;
  }
}

/** Stores the server's Action Network key (audited without the key itself). */
export async function storeActionNetworkKey(
  db: Store,
  guildId: string,
  actorId: string,
  key: string,
): Promise<void> {
  const trimmed = key.trim();
  if (!/^[\x21-\x7e]{8,128}$/.test(trimmed)) throw new UserError("source.badKey");
  await inTransaction(db, async (tx) => {
    await saveActionNetworkKey(tx, guildId, trimmed);
    await recordAudit(tx, { guildId, actorId, action: "settings.actionNetworkKey" });
  });
}

export interface SetSourceResult {
  campaign: Campaign;
  source: CountSource;
  /** The number read (the count adds the tallies since the source was set: none yet). */
  read: number;
  kind: ResolvedKind;
  reader?: string;
  host: string;
  reachedGoal: number | null;
  delta: number;
  /** The milestone job's subject when the reading reached the goal. */
  milestone: string | null;
}

/**
 * Sets (or replaces) a campaign's source: reads it at once and saves nothing when that read
 * fails. The reading becomes the count, as `/campaign count set` would make it.
 */
export async function setCountSource(
  db: Store,
  reads: SourceReads,
  input: SetSourceInput,
  now: () => Date,
): Promise<SetSourceResult> {
  await getActiveCampaign(db, input.guildId, input.campaignId);
  const apiKey = await findActionNetworkKey(db, input.guildId);
  const result = await reads.read({
    url: input.url,
    kind: input.kind,
    ...(input.field === null ? {} : { field: input.field }),
    ...(apiKey === null ? {} : { apiKey }),
  });
  if (!result.ok) throw readFailure(result);
  if (result.notModified === true)
    throw new UserError("source.failed.network", { host: result.host });
  const at = now();
  const source = await inTransaction(db, async (tx) => {
    const saved = await saveCountSource(tx, {
      guildId: input.guildId,
      campaignId: input.campaignId,
      url: input.url.trim(),
      kind: result.kind,
      field: input.field,
      everyMinutes: input.everyMinutes,
      status: "active",
      lastReadAt: at,
      lastCount: result.count,
      etag: result.etag ?? null,
      lastModified: result.lastModified ?? null,
      failingSince: null,
      lastError: null,
      failures: 0,
      heldCount: null,
      heldAt: null,
      setAt: at,
      setById: input.actorId,
    });
    await scheduleNextPoll(tx, saved, at);
    await recordAudit(tx, {
      guildId: input.guildId,
      actorId: input.actorId,
      action: "campaign.source.set",
      subjectId: input.campaignId,
      details: { url: displayUrl(input.url), kind: result.kind, every: input.everyMinutes },
    });
    return saved;
  });
  const changed = await changeCountPostingMilestone(
    db,
    input.guildId,
    readingAuthor(source),
    input.campaignId,
    { kind: "reading", value: result.count },
    null,
    at,
  );
  return {
    campaign: changed.campaign,
    source,
    read: result.count,
    kind: result.kind,
    ...(result.reader === undefined ? {} : { reader: result.reader }),
    host: result.host,
    reachedGoal: changed.reachedGoal,
    delta: changed.delta,
    milestone: changed.milestone,
  };
}

/** A campaign's source as `/campaign source show` tells it; a UserError when there is none. */
export async function getCountSource(
  db: Store,
  guildId: string,
  campaignId: number,
): Promise<{ campaign: Campaign; source: CountSource }> {
  const campaign = await getCampaign(db, guildId, campaignId);
  const source = await findCountSource(db, guildId, campaignId);
  if (!source) throw new UserError("source.none", { title: campaign.title });
  return { campaign, source };
}

/** The sources of these campaigns by campaign id (`/campaign show`, summaries). */
export async function countSourcesOf(
  db: Store,
  campaignIds: readonly number[],
): Promise<Map<number, CountSource>> {
  if (campaignIds.length === 0) return new Map();
  const rows = await listCountSourcesOfCampaigns(db, campaignIds);
  return new Map(rows.map((row) => [row.campaignId, row]));
}

export async function removeCountSource(
  db: Store,
  guildId: string,
  actorId: string,
  campaignId: number,
): Promise<Campaign> {
  const campaign = await getCampaign(db, guildId, campaignId);
  await inTransaction(db, async (tx) => {
    const removed = await deleteCountSource(tx, guildId, campaignId);
    if (!removed) throw new UserError("source.none", { title: campaign.title });
    for (const subject of pollSubjects(campaignId)) await cancelJobs(tx, subject, [sourcePollKind]);
    await recordAudit(tx, {
      guildId,
      actorId,
      action: "campaign.source.remove",
      subjectId: campaignId,
    });
  });
  return campaign;
}

/** What recording a read did. */
export type ReadingOutcome =
  | { type: "gone" }
  | { type: "unchanged"; source: CountSource }
  | {
      type: "written";
      source: CountSource;
      campaign: Campaign;
      reachedGoal: number | null;
      delta: number;
      /** The milestone job's subject when the reading reached the goal. */
      milestone: string | null;
    }
  | { type: "held"; source: CountSource; campaign: Campaign; count: number; asked: boolean }
  | { type: "failed"; source: CountSource; paused: boolean; result: SourceResult & { ok: false } };

/**
 * A drop of more than 5 %, or a jump of more than 10× the goal: a person decides. Both compare
 * the counts the card shows (the reading plus the offline tallies), before and after: what an
 * organizer sees move is what they are asked about.
 */
export function isSuspicious(shown: number, shownAfter: number, goal: number): boolean {
  return shownAfter < shown * 0.95 || shownAfter - shown > 10 * goal;
}

export const milestoneJobKind = "campaign.milestone";

/**
 * The milestone a reading reached, posted by a due job armed in the reading's own transaction:
 * a crash after the write still posts it, and the job's nonce (from its subject: campaign, goal
 * and reading time) makes a retry land on the message a first try may have left.
 */
export function milestoneSubject(campaignId: number, reached: number, at: Date): string {
  return `${campaignId}:${reached}:${at.getTime()}`;
}

export function parseMilestoneSubject(
  subjectId: string,
): { campaignId: number; reached: number; at: Date } | null {
  const [campaignId, reached, at] = subjectId.split(":").map(Number);
  if (![campaignId, reached, at].every((n) => Number.isSafeInteger(n))) return null;
  return { campaignId: campaignId ?? 0, reached: reached ?? 0, at: new Date(at ?? 0) };
}

/** Arms the once-only post of a milestone, in the transaction of the change that reached it. */
async function scheduleMilestonePost(
  tx: Store,
  guildId: string,
  campaignId: number,
  reached: number,
  at: Date,
): Promise<string> {
  const subjectId = milestoneSubject(campaignId, reached, at);
  await scheduleJob(tx, { guildId, kind: milestoneJobKind, subjectId, dueAt: at });
  return subjectId;
}

/**
 * `changeCount` whose milestone is posted by the `campaign.milestone` job, armed in the same
 * transaction: every path that moves a count (a command, a button, the dashboard, a reading)
 * goes through that one job, so a milestone is posted once whoever moved the count. `milestone`
 * is the job's subject, for a handler that runs it at once (`runDueJobNow`).
 */
export async function changeCountPostingMilestone(
  db: Store,
  guildId: string,
  actorId: string,
  campaignId: number,
  change: Parameters<typeof changeCount>[4],
  note: string | null,
  now: Date,
): Promise<Awaited<ReturnType<typeof changeCount>> & { milestone: string | null }> {
  return inTransaction(db, async (tx) => {
    const result = await changeCount(tx, guildId, actorId, campaignId, change, note, now);
    const milestone =
      result.reachedGoal === null
        ? null
        : await scheduleMilestonePost(tx, guildId, campaignId, result.reachedGoal, now);
    return { ...result, milestone };
  });
}

/** A nonce of at most 25 characters, the same on every try of one milestone post. */
export function milestoneNonce(subjectId: string): string {
  return `m${createHash("sha256").update(`milestone:${subjectId}`).digest("base64url").slice(0, 24)}`;
}

/**
 * Records a read of `source` (as it was when the read began). A read that lands after the
 * source was replaced or removed is dropped.
 */
export async function recordReading(
  db: Store,
  source: CountSource,
  result: SourceResult,
  at: Date,
): Promise<ReadingOutcome> {
  const update = (data: Parameters<typeof updateCountSourceIfUrl>[3]) =>
    updateCountSourceIfUrl(db, source.campaignId, source.url, data);
  const fresh = async () => findCountSource(db, source.guildId, source.campaignId);
  if (!result.ok) {
    const failingSince = source.failingSince ?? at;
    const paused = at.getTime() - failingSince.getTime() >= pauseAfterMs;
    const done = await update({
      failingSince,
      failures: { increment: 1 },
      lastError: result.status === undefined ? result.reason : `${result.reason} ${result.status}`,
      ...(paused ? { status: "paused" } : {}),
    });
    const now = await fresh();
    if (!done || !now) return { type: "gone" };
    if (paused) {
      for (const subject of pollSubjects(source.campaignId))
        await cancelJobs(db, subject, [sourcePollKind]);
    } else {
      // Back off: the next poll moves later as failures add up.
      await scheduleNextPoll(db, now, at);
    }
    return { type: "failed", source: now, paused, result };
  }
  const recovered = { failingSince: null, failures: 0, lastError: null, lastReadAt: at };
  if (result.notModified === true || result.count === source.lastCount) {
    if (!(await update(recovered))) return { type: "gone" };
    // Nothing to write, but the card's "last read" moves: one edit per poll at most, coalesced.
    await campaignCardChanged(db, source.guildId, source.campaignId, at);
    const now = await fresh();
    return now ? { type: "unchanged", source: now } : { type: "gone" };
  }
  const campaign = await getCampaign(db, source.guildId, source.campaignId);
  const validators = { etag: result.etag ?? null, lastModified: result.lastModified ?? null };
  // The card shows the last reading plus the tallies since: the same tallies stay after this one.
  const shownAfter = campaign.count + result.count - (source.lastCount ?? result.count);
  if (isSuspicious(campaign.count, shownAfter, campaign.goal)) {
    // Asked once per held number; an ignored one (heldAt null) is not asked again.
    const asked = source.heldCount !== result.count;
    if (
      !(await update({ ...recovered, ...(asked ? { heldCount: result.count, heldAt: at } : {}) }))
    )
      return { type: "gone" };
    const now = await fresh();
    if (!now) return { type: "gone" };
    return { type: "held", source: now, campaign, count: result.count, asked };
  }
  // The source, the count and the milestone's post are written together or not at all.
  const changed = await inTransaction(db, async (tx) => {
    const done = await updateCountSourceIfUrl(tx, source.campaignId, source.url, {
      ...recovered,
      ...validators,
      lastCount: result.count,
      heldCount: null,
      heldAt: null,
    });
    if (!done) return null;
    const written = await changeCount(
      tx,
      source.guildId,
      readingAuthor(source),
      source.campaignId,
      { kind: "reading", value: result.count },
      null,
      at,
    );
    const milestone =
      written.reachedGoal === null
        ? null
        : await scheduleMilestonePost(
            tx,
            source.guildId,
            source.campaignId,
            written.reachedGoal,
            at,
          );
    return { ...written, milestone };
  });
  if (!changed) return { type: "gone" };
  const now = await fresh();
  if (!now) return { type: "gone" };
  return {
    type: "written",
    source: now,
    campaign: changed.campaign,
    reachedGoal: changed.reachedGoal,
    delta: changed.delta,
    milestone: changed.milestone,
  };
}

/**
 * Starts a poll: schedules the next one first (a crash mid-read never ends the series), then
 * returns the read to hand to the pool, or null when there is nothing to read.
 */
export async function startPoll(
  db: Store,
  job: DueJob,
  at: Date,
): Promise<{ source: CountSource; request: SourceRequest; round: number } | null> {
  const campaignId = Number(job.subjectId.split(":")[0]);
  const source = await findCountSource(db, job.guildId, campaignId);
  if (!source || source.status !== "active") return null;
  const campaign = await getCampaign(db, job.guildId, campaignId).catch(() => null);
  if (!campaign || campaign.status !== "active") return null;
  await scheduleNextPoll(db, source, at, job.subjectId);
  const apiKey =
    source.kind === "action_network" ? await findActionNetworkKey(db, job.guildId) : null;
  return { source, request: requestOf(source, apiKey), round: job.dueAt.getTime() };
}

/** `/campaign source check`: reads now, resumes a paused source, and records the reading. */
export async function checkCountSource(
  db: Store,
  reads: SourceReads,
  guildId: string,
  actorId: string,
  campaignId: number,
  now: () => Date,
): Promise<ReadingOutcome> {
  const { source } = await getCountSource(db, guildId, campaignId);
  await getActiveCampaign(db, guildId, campaignId);
  const apiKey = source.kind === "action_network" ? await findActionNetworkKey(db, guildId) : null;
  // A fresh read, without validators: the member wants to see the number.
  const result = await reads.read(requestOf({ ...source, etag: null, lastModified: null }, apiKey));
  const at = now();
  if (!result.ok) throw readFailure(result);
  const wasPaused = source.status !== "active";
  if (wasPaused) {
    await updateCountSourceIfUrl(db, campaignId, source.url, { status: "active" });
  }
  const outcome = await recordReading(db, { ...source, status: "active" }, result, at);
  if (outcome.type !== "gone") await scheduleNextPoll(db, outcome.source, at);
  await recordAudit(db, {
    guildId,
    actorId,
    action: "campaign.source.check",
    subjectId: campaignId,
    details: { resumed: wasPaused },
  });
  return outcome;
}

/** Accepts or ignores a held reading; the first organizer to press decides. */
export async function decideHeldReading(
  db: Store,
  guildId: string,
  actorId: string,
  campaignId: number,
  count: number,
  accept: boolean,
  at: Date,
): Promise<{
  campaign: Campaign;
  reachedGoal: number | null;
  delta: number;
  milestone: string | null;
}> {
  const campaign = await getActiveCampaign(db, guildId, campaignId);
  return inTransaction(db, async (tx) => {
    const taken = await decideHeldReadingIf(
      tx,
      guildId,
      campaignId,
      count,
      accept ? { heldCount: null, heldAt: null, lastCount: count } : { heldAt: null },
    );
    if (!taken) throw new UserError("source.heldGone");
    await recordAudit(tx, {
      guildId,
      actorId,
      action: accept ? "campaign.source.accept" : "campaign.source.ignore",
      subjectId: campaignId,
      details: { count },
    });
    if (!accept) return { campaign, reachedGoal: null, delta: 0, milestone: null };
    const source = await findCountSource(tx, guildId, campaignId);
    const changed = await changeCountPostingMilestone(
      tx,
      guildId,
      source ? readingAuthor(source) : actorId,
      campaignId,
      { kind: "reading", value: count },
      null,
      at,
    );
    return {
      campaign: changed.campaign,
      reachedGoal: changed.reachedGoal,
      delta: changed.delta,
      milestone: changed.milestone,
    };
  });
}
