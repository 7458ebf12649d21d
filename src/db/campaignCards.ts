import type { Campaign } from "./generated/client.ts";
import { prismaOf, type Store } from "./store.ts";

/** Where a campaign's live card is, when it was last edited, and whether it is pinned. */
export type CampaignCardValues = Partial<
  Pick<Campaign, "cardChannelId" | "cardMessageId" | "cardEditedAt" | "cardPin" | "cardHash">
>;

export async function saveCampaignCard(
  store: Store,
  guildId: string,
  id: number,
  values: CampaignCardValues,
): Promise<void> {
  await prismaOf(store).campaign.updateMany({ where: { id, guildId }, data: values });
}
