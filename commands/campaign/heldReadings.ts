/**
 * What a reading announces: the milestone it reached, or, held for organizers (a drop or a jump),
 * its message with Accept / Ignore.
 */
import { ButtonStyle, ComponentType, channelMention, userMention } from "discord.js";
import { parseCampaignId } from "../../src/domain/campaigns.ts";
import {
  decideHeldReading,
  sourceHost,
  type ReadingOutcome,
} from "../../src/domain/countSources.ts";
import { UserError } from "../../src/domain/errors.ts";
import { settingsLanguage } from "../../src/domain/guildSettings.ts";
import type { Language } from "../../src/i18n/index.ts";
import { translator } from "../../src/i18n/index.ts";
import {
  customId,
  type ComponentHandler,
  type InteractionContext,
  type OutgoingMessage,
} from "../../src/discord/command.ts";
import type { ChannelActions } from "../../src/discord/channels.ts";
import { formatNumber } from "../../src/discord/render/campaignCard.ts";
import { showText } from "../../src/discord/render/text.ts";
import { postMilestoneNow } from "./milestonePost.ts";

/** The organizers' message about a held reading, in the server's language, pinging no one. */
export function heldReadingMessage(
  outcome: Extract<ReadingOutcome, { type: "held" }>,
  language: Language,
): OutgoingMessage {
  const t = translator(language);
  const id = String(outcome.campaign.id);
  const count = String(outcome.count);
  return {
    content: t("source.heldMessage", {
      count: formatNumber(outcome.count, language),
      title: showText(outcome.campaign.title, 100),
      host: sourceHost(outcome.source),
      last: formatNumber(outcome.source.lastCount ?? 0, language),
    }),
    components: [
      {
        type: ComponentType.ActionRow,
        components: [
          {
            type: ComponentType.Button,
            style: ButtonStyle.Success,
            label: t("source.accept"),
            custom_id: customId("campaign", "sourceAccept", id, count),
          },
          {
            type: ComponentType.Button,
            style: ButtonStyle.Secondary,
            label: t("source.ignore"),
            custom_id: customId("campaign", "sourceIgnore", id, count),
          },
        ],
      },
    ],
  };
}

/**
 * What a recorded reading posts: the organizers' question when it was held (once per held
 * number; in the review channel when there is one). A milestone it reached is posted by its own
 * due job (src/discord/sourceJobs.ts), armed with the reading.
 */
export async function announceReading(
  channels: ChannelActions,
  outcome: ReadingOutcome,
  context: {
    settings: InteractionContext["settings"];
    log: InteractionContext["log"];
    guildId: string;
  },
): Promise<void> {
  if (outcome.type === "held" && outcome.asked) {
    const channelId = context.settings.reviewChannelId ?? outcome.campaign.channelId;
    try {
      await channels.post(
        channelId,
        heldReadingMessage(outcome, settingsLanguage(context.settings)),
      );
    } catch (error) {
      context.log.warn(
        {
          err: error,
          guildId: context.guildId,
          campaignId: outcome.campaign.id,
          channel: channelMention(channelId),
        },
        "held reading not posted",
      );
    }
  }
}

function decide(accept: boolean): ComponentHandler {
  return {
    access: "organizer",
    ephemeral: true,
    on: "shown",
    run: async (args, context) => {
      const [campaign = "", count = ""] = args;
      if (!/^\d{1,10}$/.test(count)) throw new UserError("errors.staleButton");
      const id = parseCampaignId(campaign);
      const value = Number(count);
      const result = await decideHeldReading(
        context.db,
        context.guildId,
        context.userId,
        id,
        value,
        accept,
        context.now(),
      );
      const t = translator(context.serverLanguage);
      const values = {
        user: userMention(context.userId),
        title: showText(result.campaign.title, 100),
        count: formatNumber(value, context.settings.language),
        total: formatNumber(result.campaign.count, context.settings.language),
      };
      const milestone = result.milestone;
      const after = milestone === null ? undefined : () => announceMilestone(context, milestone);
      return {
        type: "update",
        message: {
          content: t(accept ? "source.accepted" : "source.ignored", values),
          components: [],
        },
        ...(after ? { after } : {}),
      };
    },
  };
}

export const sourceAccept = decide(true);
export const sourceIgnore = decide(false);

/**
 * Runs the milestone job a command's change armed, after its answer; a failure is logged (the
 * scheduler tries a retryable one again).
 */
export async function announceMilestone(
  context: InteractionContext,
  subjectId: string,
): Promise<void> {
  const posted = await postMilestoneNow(context, subjectId);
  if (!posted.posted)
    context.log.warn({ err: posted.error, guildId: context.guildId }, "milestone not posted");
}
