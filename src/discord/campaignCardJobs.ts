/** The campaign's live card on Discord: posting (and pinning) it, and the coalesced edit job. */
import { createHash } from "node:crypto";
import { DiscordAPIError, messageLink, RESTJSONErrorCodes, type Client } from "discord.js";
import {
  campaignCardJobKind,
  cardEditDeferredUntil,
  liveCardState,
  recordCardEdited,
  recordCardPosted,
  type CardPin,
  type LiveCardState,
} from "../domain/campaignCard.ts";
import { PermanentJobError, type DueJobHandler } from "../domain/dueJobs.ts";
import { serverLanguage } from "../domain/guildSettings.ts";
import type { Store } from "../domain/store.ts";
import { translator, type Language } from "../i18n/index.ts";
import type { Logger } from "../log.ts";
import { createBackgroundRest, type BackgroundRest } from "./backgroundRest.ts";
import { channelActions, type ChannelActions } from "./channels.ts";
import { classifyDiscordFailure } from "./discordFailure.ts";
import { liveCampaignCard } from "./render/campaignCard.ts";

/** The card in the server's language: the channel reads it, whoever changed the campaign. */
async function renderCard(db: Store, state: LiveCardState) {
  const language = await serverLanguage(db, state.campaign.guildId);
  const embed = liveCampaignCard(
    state.campaign,
    state.tasks,
    { changedAt: state.lastChangedAt, readAt: state.lastReadAt },
    translator(language),
    language,
  );
  const message = { embeds: [embed] };
  // What the card shows, hashed: an edit that would send the same bytes again is skipped.
  const hash = createHash("sha256").update(JSON.stringify(message)).digest("base64url");
  return { message, hash, language };
}

/**
 * The card it replaces, once a new one is up: unpinned (one pinned card per campaign) and cut to
 * one line pointing at the new card, so a link shared to the old one still leads somewhere.
 */
async function retireCard(
  channels: ChannelActions,
  old: { channelId: string; messageId: string },
  link: string,
  language: Language,
  log: Logger,
  context: { guildId: string; campaignId: number },
): Promise<void> {
  const t = translator(language);
  try {
    await channels.unpin(old.channelId, old.messageId);
    await channels.edit(old.channelId, old.messageId, {
      content: t("campaign.cardMoved", { link }),
      embeds: [],
    });
  } catch (error) {
    // Deleted or out of reach already: nothing left that could mislead.
    log.info({ err: error, ...context }, "old campaign card not retired");
  }
}

/**
 * Posts the campaign's card in the campaign's channel and pins it where Rally may; records where
 * it is. Throws when Discord does not take the post (the caller says why).
 */
export async function postLiveCard(
  channels: ChannelActions,
  db: Store,
  guildId: string,
  campaignId: number,
  now: Date,
  log: Logger,
): Promise<{ channelId: string; messageId: string; pin: CardPin } | null> {
  const state = await liveCardState(db, guildId, campaignId, now);
  if (!state) return null;
  const { campaign } = state;
  const channelId = campaign.channelId;
  const rendered = await renderCard(db, state);
  const posted = await channels.post(channelId, rendered.message);
  const pin = await channels.pin(channelId, posted.id).catch((error: unknown): CardPin => {
    log.warn({ err: error, guildId, campaignId }, "campaign card not pinned");
    return "failed";
  });
  const card = { channelId, messageId: posted.id, pin };
  await recordCardPosted(db, guildId, campaignId, { ...card, at: now, hash: rendered.hash });
  if (campaign.cardChannelId && campaign.cardMessageId && campaign.cardMessageId !== posted.id)
    await retireCard(
      channels,
      { channelId: campaign.cardChannelId, messageId: campaign.cardMessageId },
      messageLink(channelId, posted.id, guildId),
      rendered.language,
      log,
      { guildId, campaignId },
    );
  return card;
}

const isUnknownMessage = (error: unknown) =>
  error instanceof DiscordAPIError && error.code === RESTJSONErrorCodes.UnknownMessage;

/** `campaign.card`: edits the card to what is true at run time, at most once per window. */
export function campaignCardJobHandlers({
  client,
  db,
  log,
  now,
  background = createBackgroundRest(),
}: {
  client: Client;
  db: Store;
  log: Logger;
  now: () => Date;
  /** Where the cards' REST calls queue: paced, beside the interactions' own. */
  background?: BackgroundRest;
}): Record<string, DueJobHandler> {
  return {
    async [campaignCardJobKind](job) {
      // A server that removed Rally: nothing to show there; its data waits for erasure.
      if (!client.guilds.cache.has(job.guildId)) return;
      const at = now();
      const state = await liveCardState(db, job.guildId, Number(job.subjectId), at);
      if (!state) return;
      const until = cardEditDeferredUntil(state.campaign, at);
      if (until) return { deferUntil: until };
      const { campaign } = state;
      const channels = channelActions(client, job.guildId, db, now);
      try {
        // A card in another channel (the campaign moved) or none yet: a new one where it belongs.
        if (campaign.cardMessageId && campaign.cardChannelId === campaign.channelId) {
          const rendered = await renderCard(db, state);
          // Nothing the card shows changed (a change undone, a re-arm): no edit sent.
          if (rendered.hash === campaign.cardHash) return;
          const messageId = campaign.cardMessageId;
          try {
            await background.run(() =>
              channels.edit(campaign.channelId, messageId, rendered.message),
            );
            await recordCardEdited(db, job.guildId, campaign.id, at, rendered.hash);
            return;
          } catch (error) {
            // Deleted by someone: posted again below, at this change.
            if (!isUnknownMessage(error)) throw error;
          }
        }
        // A post, its pin, and an edit of the card it replaces when there is one.
        const requests = campaign.cardMessageId ? 3 : 2;
        await background.run(
          () => postLiveCard(channels, db, job.guildId, campaign.id, at, log),
          requests,
        );
      } catch (error) {
        const failure = classifyDiscordFailure(error);
        const hopeless = ["channelGone", "missingAccess", "missingPermissions"];
        // Retrying cannot help; the next change tries again.
        if (hopeless.includes(failure.reason)) throw new PermanentJobError(failure.reason);
        throw error;
      }
    },
  };
}
