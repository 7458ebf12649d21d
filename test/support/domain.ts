import type { Store } from "../../src/db/store.ts";
import { createCampaign, type CampaignFields } from "../../src/domain/campaigns.ts";
import { setCountSource, type SourceReads } from "../../src/domain/countSources.ts";
import type { PetitionServer } from "../sources/petitionServer.ts";

/** Ids the domain tests share: a server, another server, its organizer, a member. */
export const ids = {
  guild: "100000000000000001",
  otherGuild: "100000000000000002",
  organizer: "200000000000000001",
  alice: "300000000000000001",
} as const;

/** A campaign as the plainest /campaign create makes it, with what a test needs changed. */
export function campaignFields(overrides: Partial<CampaignFields> = {}): CampaignFields {
  return {
    title: "Free political prisoners",
    goal: 500,
    unit: "signatures",
    description: null,
    link: null,
    callToAction: null,
    channelId: "500000000000000001",
    endsAt: null,
    autoRaise: true,
    ...overrides,
  };
}

/**
 * A new campaign whose count is read from the local petition server's `/live.json` (a JSON
 * source, every 15 minutes), set by the organizer at `at` while the page says `count`.
 */
export async function campaignWithLiveSource(
  db: Store,
  live: { server: PetitionServer; reads: SourceReads; count: number; at: Date },
) {
  const campaign = await createCampaign(db, ids.guild, ids.organizer, campaignFields());
  live.server.live.count = live.count;
  const { source } = await setCountSource(
    db,
    live.reads,
    {
      guildId: ids.guild,
      actorId: ids.organizer,
      campaignId: campaign.id,
      url: `${live.server.origin}/live.json`,
      kind: "json",
      field: "count",
      everyMinutes: 15,
    },
    () => live.at,
  );
  return { campaign, source };
}
