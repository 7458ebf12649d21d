import {
  findCampaign,
  findCampaignOrThrow,
  insertCampaign,
  isUniqueViolation,
  listCampaignsOfGuild,
  saveCampaignCount,
  updateCampaignIfActive,
  updateCampaignIfClosed,
  type CampaignStatusFilter,
} from "../db/campaigns.ts";
import { insertCountEntry, listCountEntriesSince } from "../db/countEntries.ts";
import { findCountSource, sumTalliesSince } from "../db/countSources.ts";
import { findGuildSettings } from "../db/guildSettings.ts";
import type { Campaign } from "../db/rows.ts";
import { inTransaction, type Store } from "../db/store.ts";
import { auditChanges, recordAudit } from "./audit.ts";
import { campaignCardChanged } from "./campaignCard.ts";
import { UserError } from "./errors.ts";
import { goalAfterCount } from "./goalLadder.ts";
import { armRetention, disarmRetention } from "./privacy.ts";
import { now as clockNow } from "../clock.ts";
import { webPageValues } from "./publicPage.ts";
import { restartSourcePolling } from "./sourcePolls.ts";

export type { Campaign, CampaignStatusFilter };

export const campaignLimits = {
  title: 100,
  unit: 32,
  description: 2000,
  callToAction: 200,
  link: 512,
  /** Counts stay well inside a 32-bit integer, which both databases store natively. */
  count: 1_000_000_000,
} as const;

type Outcome = "won" | "ended";

export interface CampaignFields {
  title: string;
  goal: number;
  unit: string;
  description: string | null;
  link: string | null;
  callToAction: string | null;
  channelId: string;
  endsAt: Date | null;
  autoRaise: boolean;
}

/** The key that keeps two active campaigns of a server from sharing a title. */
function titleKey(title: string): string {
  // Unicode's default case mapping, as toLocaleLowerCase("und") gives, far cheaper.
  return title.trim().normalize("NFC").toLowerCase();
}

/**
 * Creates a campaign. Two active campaigns of a server cannot share a title (case-insensitive):
 * the second of two identical creates, even at the same instant, gets a clear error from the
 * database's unique index rather than a silent twin.
 */
export async function createCampaign(
  db: Store,
  guildId: string,
  actorId: string,
  fields: CampaignFields,
  now: Date = clockNow(),
): Promise<Campaign> {
  try {
    return await inTransaction(db, async (tx) => {
      const campaign = await insertCampaign(tx, {
        ...fields,
        guildId,
        activeTitle: titleKey(fields.title),
        createdById: actorId,
        createdAt: now,
      });
      await recordAudit(tx, {
        guildId,
        actorId,
        action: "campaign.create",
        subjectId: campaign.id,
        details: { title: fields.title, goal: fields.goal },
      });
      return campaign;
    });
  } catch (error) {
    if (isUniqueViolation(error))
      throw new UserError("campaign.duplicateTitle", { title: fields.title });
    throw error;
  }
}

/** Reads a campaign id as Discord sends it (autocomplete value or typed text). */
export function parseCampaignId(value: string): number {
  if (!/^\d{1,9}$/.test(value.trim())) throw new UserError("campaign.pickFromList");
  return Number(value.trim());
}

/** A campaign of this server; another server's id is "not found", never a hint it exists. */
export async function getCampaign(db: Store, guildId: string, id: number): Promise<Campaign> {
  const campaign = await findCampaign(db, guildId, id);
  if (!campaign) throw new UserError("campaign.notFound");
  return campaign;
}

/** Whether a campaign of this server is active: false when closed, or not this server's. */
export async function isCampaignActive(db: Store, guildId: string, id: number): Promise<boolean> {
  const campaign = await findCampaign(db, guildId, id);
  return campaign?.status === "active";
}

export async function getActiveCampaign(db: Store, guildId: string, id: number): Promise<Campaign> {
  const campaign = await getCampaign(db, guildId, id);
  if (campaign.status !== "active")
    throw new UserError("campaign.closed", { title: campaign.title });
  return campaign;
}

export async function listCampaigns(
  db: Store,
  guildId: string,
  status: CampaignStatusFilter,
  limit = 25,
): Promise<Campaign[]> {
  return listCampaignsOfGuild(db, guildId, status, limit);
}

/**
 * Autocomplete: this server's campaigns whose title contains the typed text, newest first.
 * Matching happens here rather than in SQL so that it is case-insensitive for every script
 * (SQLite's LIKE folds ASCII only).
 */
export async function searchCampaigns(
  db: Store,
  guildId: string,
  query: string,
  status: CampaignStatusFilter,
): Promise<Campaign[]> {
  const recent = await listCampaigns(db, guildId, status, 200);
  const needle = titleKey(query);
  return recent.filter((campaign) => titleKey(campaign.title).includes(needle)).slice(0, 25);
}

export async function editCampaign(
  db: Store,
  guildId: string,
  actorId: string,
  id: number,
  changes: Partial<CampaignFields> & { webPage?: boolean },
  now: Date = clockNow(),
): Promise<Campaign> {
  const current = await getActiveCampaign(db, guildId, id);
  const data = {
    ...changes,
    ...(changes.title ? { activeTitle: titleKey(changes.title) } : {}),
    ...(changes.webPage === undefined ? {} : await webPageValues(db, current, changes.webPage)),
  };
  try {
    return await inTransaction(db, async (tx) => {
      const updated = await updateCampaignIfActive(tx, guildId, id, data);
      if (!updated) throw new UserError("campaign.closed", { title: current.title });
      await recordAudit(tx, {
        guildId,
        actorId,
        action: "campaign.edit",
        subjectId: id,
        details: { changed: Object.keys(changes), changes: auditChanges(current, changes) },
      });
      await campaignCardChanged(tx, guildId, id, now);
      return findCampaignOrThrow(tx, id);
    });
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw new UserError("campaign.duplicateTitle", { title: changes.title ?? current.title });
    }
    throw error;
  }
}

export async function closeCampaign(
  db: Store,
  guildId: string,
  actorId: string,
  id: number,
  outcome: Outcome,
  now: Date,
): Promise<Campaign> {
  const current = await getActiveCampaign(db, guildId, id);
  return inTransaction(db, async (tx) => {
    const updated = await updateCampaignIfActive(tx, guildId, id, {
      status: outcome,
      activeTitle: null,
      closedAt: now,
    });
    if (!updated) throw new UserError("campaign.closed", { title: current.title });
    await recordAudit(tx, {
      guildId,
      actorId,
      action: "campaign.close",
      subjectId: id,
      details: { outcome },
    });
    const settings = await findGuildSettings(tx, guildId);
    await armRetention(tx, { id, guildId, closedAt: now }, settings?.retentionDays ?? 90);
    await campaignCardChanged(tx, guildId, id, now);
    return findCampaignOrThrow(tx, id);
  });
}

export async function reopenCampaign(
  db: Store,
  guildId: string,
  actorId: string,
  id: number,
  now: Date = clockNow(),
): Promise<Campaign> {
  const current = await getCampaign(db, guildId, id);
  if (current.status === "active")
    throw new UserError("campaign.alreadyActive", { title: current.title });
  try {
    return await inTransaction(db, async (tx) => {
      const updated = await updateCampaignIfClosed(tx, guildId, id, {
        status: "active",
        activeTitle: titleKey(current.title),
        closedAt: null,
      });
      if (!updated) throw new UserError("campaign.alreadyActive", { title: current.title });
      await recordAudit(tx, { guildId, actorId, action: "campaign.reopen", subjectId: id });
      await disarmRetention(tx, id);
      await campaignCardChanged(tx, guildId, id, now);
      await restartSourcePolling(tx, guildId, id, now);
      return findCampaignOrThrow(tx, id);
    });
  } catch (error) {
    if (isUniqueViolation(error))
      throw new UserError("campaign.duplicateTitle", { title: current.title });
    throw error;
  }
}

/** `reading`: a number read from the campaign's count source (the tallies since it was set stay). */
export type CountChange =
  | { kind: "set"; value: number }
  | { kind: "add"; value: number }
  | { kind: "reading"; value: number };

interface CountResult {
  campaign: Campaign;
  previousCount: number;
  delta: number;
  /** The goal before this change, when this change reached it (null otherwise). */
  reachedGoal: number | null;
}

/**
 * Sets the count (from the petition page) or adds a tally (offline paper signatures), and keeps
 * the change in the history. The first statement locks the campaign row, so two organizers
 * counting at once are applied one after the other on every database, and a goal is reached
 * (and announced) once.
 */
export async function changeCount(
  db: Store,
  guildId: string,
  actorId: string,
  id: number,
  change: CountChange,
  note: string | null,
  now: Date,
): Promise<CountResult> {
  return inTransaction(db, async (tx) => {
    const locked = await updateCampaignIfActive(tx, guildId, id, { updatedAt: now });
    if (!locked) {
      const campaign = await findCampaign(tx, guildId, id);
      if (!campaign) throw new UserError("campaign.notFound");
      throw new UserError("campaign.closed", { title: campaign.title });
    }
    const current = await findCampaignOrThrow(tx, id);
    let count = change.kind === "add" ? current.count + change.value : change.value;
    if (change.kind !== "add") {
      const source = await findCountSource(tx, guildId, id);
      // A typed count would be overwritten by the next reading: refused, with the way out.
      if (change.kind === "set" && source)
        throw new UserError("campaign.countSetWithSource", { title: current.title });
      if (change.kind === "reading" && source) count += await sumTalliesSince(tx, id, source.setAt);
    }
    if (count < 0) {
      throw new UserError("campaign.countNegative", { count: current.count, value: change.value });
    }
    if (count > campaignLimits.count)
      throw new UserError("campaign.countTooLarge", { max: campaignLimits.count });
    const goal = goalAfterCount(count, current.goal, current.autoRaise);
    const reachedNow = goal.reached && current.count < current.goal;
    const campaign = await saveCampaignCount(tx, id, { count, goal: goal.goal });
    const delta = count - current.count;
    await insertCountEntry(tx, {
      campaignId: id,
      kind: change.kind,
      value: change.value,
      delta,
      countAfter: count,
      note,
      actorId,
      createdAt: now,
    });
    await recordAudit(tx, {
      guildId,
      actorId,
      action: "campaign.count",
      subjectId: id,
      details: {
        kind: change.kind,
        value: change.value,
        delta,
        changes: auditChanges(current, { count, goal: goal.goal }),
      },
    });
    await campaignCardChanged(tx, guildId, id, now);
    return {
      campaign,
      previousCount: current.count,
      delta,
      reachedGoal: reachedNow ? current.goal : null,
    };
  });
}

/** The count history, oldest first, for charts and "since yesterday". */
export async function countHistory(db: Store, guildId: string, id: number, since: Date) {
  await getCampaign(db, guildId, id);
  return listCountEntriesSince(db, id, since);
}
