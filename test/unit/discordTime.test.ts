import { describe, expect, it } from "vitest";
import { campaignCard } from "../../src/discord/render/campaignCard.ts";
import { discordTime, taskCard } from "../../src/discord/render/taskCard.ts";
import type { Campaign } from "../../src/domain/campaigns.ts";
import type { TaskWithCampaign } from "../../src/domain/tasks.ts";
import { languages, translator } from "../../src/i18n/index.ts";

const invalid = new Date(Number.NaN);

describe("discordTime, the one writer of Discord timestamps", () => {
  it("writes a timestamp Discord shows in each reader's own time zone", () => {
    const t = translator("en");
    expect(discordTime(new Date("2026-12-31T23:59:00Z"), "f", t)).toBe("<t:1798761540:f>");
    expect(discordTime(new Date("2026-12-31T23:59:59.999Z"), "R", t)).toBe("<t:1798761599:R>");
  });

  it.each(languages)("never writes NaN: an unreadable date is said so (%s)", (language) => {
    const t = translator(language);
    for (const style of ["f", "R", "D"] as const) {
      const text = discordTime(invalid, style, t);
      expect(text).toBe(t("dates.unreadable"));
      expect(text).not.toMatch(/NaN|<t:/);
    }
  });

  it("keeps the cards free of NaN when a stored date cannot be read", () => {
    const t = translator("en");
    const at = new Date("2026-12-01T12:00:00Z");
    const campaign: Campaign = {
      id: 1,
      guildId: "1",
      number: 1,
      title: "Free political prisoners",
      activeTitle: "free political prisoners",
      description: null,
      unit: "signatures",
      goal: 500,
      count: 120,
      autoRaise: true,
      callToAction: null,
      link: null,
      channelId: "2",
      status: "active",
      endsAt: invalid,
      createdById: null,
      createdAt: at,
      updatedAt: at,
      closedAt: null,
      cardChannelId: null,
      cardMessageId: null,
      cardEditedAt: null,
      cardPin: null,
      webPage: false,
      webSlug: null,
      cardHash: null,
    };
    const task: TaskWithCampaign = {
      id: 7,
      guildId: "1",
      number: 7,
      campaignId: 1,
      campaign,
      title: "Table at the student union",
      titleFolded: "table at the student union",
      kind: "campus",
      location: null,
      instructions: null,
      slots: 4,
      claimedSlots: 1,
      doneCount: 0,
      dueAt: invalid,
      status: "open",
      cardChannelId: null,
      cardMessageId: null,
      createdById: null,
      createdAt: at,
      updatedAt: at,
      repeat: null,
      repeatUntil: null,
      seriesId: null,
      startsAt: null,
      eventWanted: false,
      eventId: null,
      eventHash: null,
      eventProblem: null,
      eventInterested: null,
    };
    for (const shown of [
      taskCard(task, t),
      campaignCard(campaign, { open: 1, done: 0 }, t, "en"),
    ]) {
      const text = JSON.stringify(shown);
      expect(text).not.toContain("NaN");
      expect(text).toContain(t("dates.unreadable"));
    }
  });
});
