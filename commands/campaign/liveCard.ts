/** The campaign's live card in its channel: posting it at create, `/campaign repost`, and where it is. */
import { channelMention, messageLink } from "discord.js";
import type { CardPin } from "../../src/domain/campaignCard.ts";
import { getCampaign, parseCampaignId, type Campaign } from "../../src/domain/campaigns.ts";
import { recordAudit } from "../../src/domain/audit.ts";
import type { Translator } from "../../src/i18n/index.ts";
import { postLiveCard } from "../../src/discord/campaignCardJobs.ts";
import type { HandlerResult, InteractionContext } from "../../src/discord/command.ts";
import { classifyDiscordFailure, discordFailureText } from "../../src/discord/discordFailure.ts";
import { reply } from "./render.ts";

/** Where the live card is and whether it is pinned, or why not: one line for /campaign show. */
export function cardStatusLine(
  campaign: Pick<Campaign, "guildId" | "cardChannelId" | "cardMessageId" | "cardPin">,
  t: Translator,
): string {
  if (!campaign.cardChannelId || !campaign.cardMessageId) return t("campaign.cardMissing");
  const values = {
    link: messageLink(campaign.cardChannelId, campaign.cardMessageId, campaign.guildId),
    channel: channelMention(campaign.cardChannelId),
  };
  const pin = campaign.cardPin as CardPin | null;
  if (pin === "pinned") return t("campaign.cardPinned", values);
  if (pin === "noPermission") return t("campaign.cardUnpinnedPermission", values);
  if (pin === "pinLimit") return t("campaign.cardUnpinnedLimit", values);
  return t("campaign.cardUnpinnedFailed", values);
}

/**
 * Posts the card now; the campaign is saved either way. The line to tell the organizer: where the
 * card is (and why it is not pinned), or why Discord did not take it.
 */
export async function postCardNow(
  campaign: Campaign,
  context: InteractionContext,
  t: Translator,
): Promise<{ posted: boolean; line: string }> {
  try {
    const card = await postLiveCard(
      context.channels,
      context.db,
      context.guildId,
      campaign.id,
      context.now(),
      context.log,
    );
    if (!card) return { posted: false, line: t("campaign.notFound") };
    return {
      posted: true,
      line: cardStatusLine(
        {
          guildId: context.guildId,
          ...{ cardChannelId: card.channelId },
          cardMessageId: card.messageId,
          cardPin: card.pin,
        },
        t,
      ),
    };
  } catch (error) {
    context.log.warn(
      { err: error, guildId: context.guildId, campaignId: campaign.id },
      "campaign card not posted",
    );
    const reason = discordFailureText(classifyDiscordFailure(error), t);
    return {
      posted: false,
      line: t("campaign.repostFailed", { channel: channelMention(campaign.channelId), reason }),
    };
  }
}

/** `/campaign repost`: the live card again, now (after someone deleted or unpinned it). */
export async function repost(
  input: { campaign: string },
  context: InteractionContext,
): Promise<HandlerResult> {
  const campaign = await getCampaign(context.db, context.guildId, parseCampaignId(input.campaign));
  const result = await postCardNow(campaign, context, context.t);
  if (result.posted) {
    await recordAudit(context.db, {
      guildId: context.guildId,
      actorId: context.userId,
      action: "campaign.repost",
      subjectId: campaign.id,
    });
  }
  const head = result.posted
    ? context.t("campaign.reposted", { channel: channelMention(campaign.channelId) })
    : "";
  return reply(context, [], [head, result.line].filter(Boolean).join("\n"));
}
