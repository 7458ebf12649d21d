/**
 * One live card per campaign: every change the card shows arms one `campaign.card` due job, and
 * its run edits the card to what is true then. Edits are coalesced to one per campaign per
 * window, and a restart loses nothing (the job and the card's message id are stored).
 */
import { countTasksByStatus, findCampaign } from "../db/campaigns.ts";
import { saveCampaignCard } from "../db/campaignCards.ts";
import { findLastCountEntryAt } from "../db/countEntries.ts";
import { scheduleJob, scheduleJobUnlessPending } from "../db/dueJobs.ts";
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

/** What the live card shows: the campaign, its task numbers, and when its count last changed. */
export interface LiveCardState {
  campaign: Campaign;
  tasks: { open: number; done: number };
  lastChangedAt: Date;
}

export async function liveCardState(
  db: Store,
  guildId: string,
  campaignId: number,
  now: Date,
): Promise<LiveCardState | null> {
  const campaign = await findCampaign(db, guildId, campaignId);
  if (!campaign) return null;
  const counts = await countTasksByStatus(db, guildId, campaignId);
  const tasks = { open: counts.get("open") ?? 0, done: counts.get("done") ?? 0 };
  // Until sources set the reading time, "last read" is the last count change (or the creation).
  const last = await findLastCountEntryAt(db, campaignId, now);
  return { campaign, tasks, lastChangedAt: last?.createdAt ?? campaign.createdAt };
}

/**
 * When the card may next be edited: null when now, else the end of the window opened by the
 * last edit; the run is then moved there (a re-arm, which the runner's fence respects).
 */
export async function deferCardEditIfEarly(
  db: Store,
  campaign: Campaign,
  now: Date,
): Promise<boolean> {
  const windowEnds = (campaign.cardEditedAt?.getTime() ?? 0) + cardEditWindowMs;
  if (now.getTime() >= windowEnds) return false;
  await scheduleJob(db, {
    guildId: campaign.guildId,
    kind: campaignCardJobKind,
    subjectId: String(campaign.id),
    dueAt: new Date(windowEnds),
  });
  return true;
}

/** A card was posted (at create, by /campaign repost, or after the old one was deleted). */
export async function recordCardPosted(
  db: Store,
  guildId: string,
  campaignId: number,
  card: { channelId: string; messageId: string; pin: CardPin; at: Date },
): Promise<void> {
  await saveCampaignCard(db, guildId, campaignId, {
    cardChannelId: card.channelId,
    cardMessageId: card.messageId,
    cardPin: card.pin,
    cardEditedAt: card.at,
  });
}

export async function recordCardEdited(
  db: Store,
  guildId: string,
  campaignId: number,
  at: Date,
): Promise<void> {
  await saveCampaignCard(db, guildId, campaignId, { cardEditedAt: at });
}
