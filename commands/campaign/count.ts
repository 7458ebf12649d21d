/** `/campaign count`: the count changes, and a reached goal is announced in the campaign's channel. */
import {
  ApplicationCommandOptionType,
  channelMention,
  hideLinkEmbed,
  roleMention,
} from "discord.js";
import type * as z from "zod";
import { parseCampaignId, campaignLimits, type Campaign } from "../../src/domain/campaigns.ts";
import { changeCountPostingMilestone } from "../../src/domain/countSources.ts";
import { UserError } from "../../src/domain/errors.ts";
import { translator, type Language, type Translator } from "../../src/i18n/index.ts";
import { classifyDiscordFailure, discordFailureText } from "../../src/discord/discordFailure.ts";
import type { HandlerResult, InteractionContext } from "../../src/discord/command.ts";
import { localizedDescription } from "../../src/discord/commandData.ts";
import { option, options } from "../../src/discord/declaredOptions.ts";
import { text } from "../../src/discord/optionSchemas.ts";
import { formatNumber } from "../../src/discord/render/campaignCard.ts";
import { showText, shorten } from "../../src/discord/render/text.ts";
import { campaignOption } from "./options.ts";
import { postMilestoneNow } from "./milestonePost.ts";
import { card, reply } from "./render.ts";

const S = ApplicationCommandOptionType;
const d = localizedDescription;

export const countOptions = options(
  campaignOption,
  option({
    type: S.Integer,
    name: "set",
    ...d("commands.campaign.options.set"),
    min_value: 0,
    max_value: campaignLimits.count,
  }),
  option({
    type: S.Integer,
    name: "add",
    ...d("commands.campaign.options.add"),
    min_value: -campaignLimits.count,
    max_value: campaignLimits.count,
  }),
  option(
    { type: S.String, name: "note", ...d("commands.campaign.options.note"), max_length: 200 },
    text(200),
  ),
);

function signed(value: number, language: string): string {
  return `${value > 0 ? "+" : value < 0 ? "−" : "±"}${formatNumber(Math.abs(value), language)}`;
}

/** The public milestone message, in the server's language, pinging only the announce role. */
export function milestoneMessage(
  campaign: Campaign,
  reached: number,
  language: Language,
  announceRoleId: string | null,
) {
  const t: Translator = translator(language);
  const values = {
    title: showText(campaign.title, 100),
    unit: showText(campaign.unit, 32),
    reached: formatNumber(reached, language),
    count: formatNumber(campaign.count, language),
    goal: formatNumber(campaign.goal, language),
  };
  const raised = campaign.goal > reached;
  const line = !raised
    ? t("campaign.milestoneReached", values)
    : campaign.count > reached
      ? t("campaign.milestoneRaisedPast", values)
      : t("campaign.milestoneRaised", values);
  const callToAction = campaign.callToAction ? `\n${showText(campaign.callToAction, 200)}` : "";
  const link = campaign.link ? `\n${hideLinkEmbed(campaign.link)}` : "";
  const ping = announceRoleId ? `${roleMention(announceRoleId)} ` : "";
  return {
    content: shorten(`${ping}${line}${callToAction}${link}`, 2000),
    ...(announceRoleId ? { allowedRoleIds: [announceRoleId] } : {}),
  };
}

export async function count(
  input: z.output<typeof countOptions.schema>,
  context: InteractionContext,
): Promise<HandlerResult> {
  const { t, language } = context;
  if ((input.set === undefined) === (input.add === undefined))
    throw new UserError("campaign.countExactlyOne");
  const change =
    input.set !== undefined
      ? { kind: "set" as const, value: input.set }
      : { kind: "add" as const, value: input.add ?? 0 };
  const id = parseCampaignId(input.campaign);
  const result = await changeCountPostingMilestone(
    context.db,
    context.guildId,
    context.userId,
    id,
    change,
    input.note ?? null,
    context.now(),
  );
  const { campaign, delta } = result;
  const lines = [
    change.kind === "set"
      ? t("campaign.countSet", {
          count: formatNumber(campaign.count, language),
          delta: signed(delta, language),
        })
      : t("campaign.countAdded", {
          value: signed(change.value, language),
          count: formatNumber(campaign.count, language),
          delta: signed(delta, language),
        }),
  ];
  if (delta < 0) lines.push(t("campaign.countDown", { amount: formatNumber(-delta, language) }));
  if (delta === 0)
    lines.push(t("campaign.countSame", { count: formatNumber(campaign.count, language) }));
  if (result.milestone !== null) {
    const channel = channelMention(campaign.channelId);
    // The milestone's one due job, run now so the answer can say whether it went out.
    const posted = await postMilestoneNow(context, result.milestone);
    if (posted.posted) lines.push(t("campaign.milestonePosted", { channel }));
    else {
      // The count is saved either way; the organizer learns why the post is missing.
      context.log.warn(
        { err: posted.error, guildId: context.guildId, campaignId: campaign.id },
        "milestone not posted",
      );
      const reason = discordFailureText(classifyDiscordFailure(posted.error), t);
      lines.push(t("campaign.milestoneNotPosted", { channel, reason }));
    }
  }
  return reply(context, [await card(campaign, context)], lines.join("\n"));
}
