import type { Campaign } from "./generated/client.ts";
import { prismaOf, type Store } from "./store.ts";

/** The campaign a public page's slug names, on or off, of any server: slugs are global. */
export function findCampaignByWebSlug(store: Store, slug: string): Promise<Campaign | null> {
  return prismaOf(store).campaign.findUnique({ where: { webSlug: slug } });
}

/**
 * Turns a campaign's public page on or off, whatever its status (a closed campaign's page can
 * still be taken down), and gives it its slug when it has none. False when not this server's.
 */
export async function updateCampaignWebPage(
  store: Store,
  guildId: string,
  id: number,
  values: { webPage: boolean; webSlug?: string },
): Promise<boolean> {
  const updated = await prismaOf(store).campaign.updateMany({
    where: { id, guildId },
    data: values,
  });
  return updated.count === 1;
}
