import type { CampaignFields } from "../../src/domain/campaigns.ts";

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
