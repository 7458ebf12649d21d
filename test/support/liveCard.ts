import type { StoredMessage } from "../../src/local-discord/localDiscord.ts";

/** A campaign's live card (footer "Campaign #n · …" in any language), posted at create. */
export function isLiveCampaignCard(message: unknown): boolean {
  const embeds = (message as { embeds?: { footer?: { text?: string } }[] } | undefined)?.embeds;
  return /^(Campaign|Кампания|Кампанія) #\d+ · /.test(embeds?.[0]?.footer?.text ?? "");
}

/** A channel's messages without the campaigns' live cards: for tests about other posts. */
export function withoutLiveCards(messages: StoredMessage[]): StoredMessage[] {
  return messages.filter((message) => !isLiveCampaignCard(message));
}
