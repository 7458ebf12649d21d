/** The campaign's live card on Discord: posting (and pinning) it, and the coalesced edit job. */
import { DiscordAPIError, RESTJSONErrorCodes, type Client } from "discord.js";
import {
  campaignCardJobKind,
  deferCardEditIfEarly,
  liveCardState,
  recordCardEdited,
  recordCardPosted,
  type CardPin,
  type LiveCardState,
} from "../domain/campaignCard.ts";
import { PermanentJobError, type DueJobHandler } from "../domain/dueJobs.ts";
import { getGuildSettings } from "../domain/guildSettings.ts";
import type { Store } from "../domain/store.ts";
import { isLanguage, translator } from "../i18n/index.ts";
import type { Logger } from "../log.ts";
import { channelActions, type ChannelActions } from "./channels.ts";
import { classifyDiscordFailure } from "./discordFailure.ts";
import { liveCampaignCard } from "./render/campaignCard.ts";

/** The card in the server's language: the channel reads it, whoever changed the campaign. */
async function renderCard(db: Store, state: LiveCardState) {
  const settings = await getGuildSettings(db, state.campaign.guildId);
  const language = isLanguage(settings.language) ? settings.language : "en";
  const embed = liveCampaignCard(
    state.campaign,
    state.tasks,
    state.lastChangedAt,
    translator(language),
    language,
  );
  return { embeds: [embed] };
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
  const channelId = state.campaign.channelId;
  const posted = await channels.post(channelId, await renderCard(db, state));
  const pin = await channels.pin(channelId, posted.id).catch((error: unknown): CardPin => {
    log.warn({ err: error, guildId, campaignId }, "campaign card not pinned");
    return "failed";
  });
  const card = { channelId, messageId: posted.id, pin };
  await recordCardPosted(db, guildId, campaignId, { ...card, at: now });
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
}: {
  client: Client;
  db: Store;
  log: Logger;
  now: () => Date;
}): Record<string, DueJobHandler> {
  return {
    async [campaignCardJobKind](job) {
      // A server that removed Rally: nothing to show there; its data waits for erasure.
      if (!client.guilds.cache.has(job.guildId)) return;
      const at = now();
      const state = await liveCardState(db, job.guildId, Number(job.subjectId), at);
      if (!state) return;
      if (await deferCardEditIfEarly(db, state.campaign, at)) return;
      const { campaign } = state;
      const channels = channelActions(client, job.guildId, db, now);
      try {
        // A card in another channel (the campaign moved) or none yet: a new one where it belongs.
        if (campaign.cardMessageId && campaign.cardChannelId === campaign.channelId) {
          try {
            await channels.edit(
              campaign.channelId,
              campaign.cardMessageId,
              await renderCard(db, state),
            );
            await recordCardEdited(db, job.guildId, campaign.id, at);
            return;
          } catch (error) {
            // Deleted by someone: posted again below, at this change.
            if (!isUnknownMessage(error)) throw error;
          }
        }
        await postLiveCard(channels, db, job.guildId, campaign.id, at, log);
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
