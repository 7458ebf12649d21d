/**
 * One live card per campaign: every change the card shows arms one `campaign.card` due job, and
 * its run edits the card to what is true then. Edits are coalesced to one per campaign per
 * window, and a restart loses nothing (the job and the card's message id are stored).
 */
import { countTasksByStatus, findCampaign } from "../db/campaigns.ts";
import { saveCampaignCard } from "../db/campaignCards.ts";
import { findLastCountEntryAt } from "../db/countEntries.ts";
import { findCountSource } from "../db/countSources.ts";
import { scheduleJobUnlessPending } from "../db/dueJobs.ts";
import type { Campaign } from "../db/rows.ts";
import type { Store } from "../db/store.ts";

export const campaignCardJobKind = "campaign.card";
/** At most one edit of a campaign's card per this many milliseconds. */
export const cardEditWindowMs = 10_000;

/** Whether the card is pinned, or why not (shown by /campaign show). */
export type CardPin = "pinned" | "noPermission" | "pinLimit" | "failed";

/**
 * The one entry point of every change the card shows (count from any source, goal, edit, task
 * numbers, close / reopen): arms the card's edit at max(now, last edit + window), unless one is
 * already pending. Safe inside a transaction, so the edit is armed with the change itself.
 */
export async function campaignCardChanged(
  db: Store,
  guildId: string,
  campaignId: number,
  now: Date,
): Promise<void> {
  const campaign = await findCampaign(db, guildId, campaignId);
  if (!campaign) return;
  const windowEnds = (campaign.cardEditedAt?.getTime() ?? 0) + cardEditWindowMs;
  await scheduleJobUnlessPending(db, {
    guildId,
    kind: campaignCardJobKind,
    subjectId: String(campaignId),
    dueAt: new Date(Math.max(now.getTime(), windowEnds)),
  });
}

/**
 * What the live card shows: the campaign, its task numbers, and when its number was last true:
 * the source's last successful read when it has one ("last read"), else the last count change.
 */
export interface LiveCardState {
  campaign: Campaign;
  tasks: { open: number; done: number };
  lastChangedAt: Date;
  /** When the count source was last read successfully; null without a source. */
  lastReadAt: Date | null;
}

export async function liveCardState(
  db: Store,
  guildId: string,
  campaignId: number,
  now: Date,
): Promise<LiveCardState | null> {
  const campaign = await findCampaign(db, guildId, campaignId);
  if (!campaign) return null;
  const [counts, last, source] = await Promise.all([
    countTasksByStatus(db, guildId, campaignId),
    findLastCountEntryAt(db, campaignId, now),
    findCountSource(db, guildId, campaignId),
  ]);
  const tasks = { open: counts.get("open") ?? 0, done: counts.get("done") ?? 0 };
  return {
    campaign,
    tasks,
    lastChangedAt: last?.createdAt ?? campaign.createdAt,
    lastReadAt: source ? (source.lastReadAt ?? source.setAt) : null,
  };
}

/**
 * When the card may next be edited: the end of the window opened by the last edit, or null when
 * it may be edited now. The runner then moves the job there (a deferral, not a failure).
 */
export function cardEditDeferredUntil(campaign: Campaign, now: Date): Date | null {
  const windowEnds = (campaign.cardEditedAt?.getTime() ?? 0) + cardEditWindowMs;
  return now.getTime() >= windowEnds ? null : new Date(windowEnds);
}

/** A card was posted (at create, by /campaign repost, or after the old one was deleted). */
export async function recordCardPosted(
  db: Store,
  guildId: string,
  campaignId: number,
  card: { channelId: string; messageId: string; pin: CardPin; at: Date; hash: string },
): Promise<void> {
  await saveCampaignCard(db, guildId, campaignId, {
    cardChannelId: card.channelId,
    cardMessageId: card.messageId,
    cardPin: card.pin,
    cardEditedAt: card.at,
    cardHash: card.hash,
  });
}

/** The card was edited to what `hash` names; the next edit that would send the same is skipped. */
export async function recordCardEdited(
  db: Store,
  guildId: string,
  campaignId: number,
  at: Date,
  hash: string,
): Promise<void> {
  await saveCampaignCard(db, guildId, campaignId, { cardEditedAt: at, cardHash: hash });
}
