/** The organizer's subcommands that write a campaign: create, edit, close, reopen. */
import { channelMention } from "discord.js";
import * as z from "zod";
import {
  closeCampaign,
  createCampaign,
  editCampaign,
  parseCampaignId,
  reopenCampaign,
  campaignLimits,
  type CampaignFields,
} from "../../src/domain/campaigns.ts";
import { parseLocalDateTime } from "../../src/domain/dates.ts";
import { UserError } from "../../src/domain/errors.ts";
import { translator, type Language } from "../../src/i18n/index.ts";
import { requirePostableChannel } from "../../src/discord/channels.ts";
import type { HandlerResult, InteractionContext } from "../../src/discord/command.ts";
import {
  httpUrl,
  integer,
  optionalText,
  snowflake,
  text,
} from "../../src/discord/optionSchemas.ts";
import { card, reply } from "./render.ts";

/** `-` clears an optional text on edit, since Discord cannot send an empty option. */
const clearable = <T extends z.ZodType>(schema: T) => z.union([z.literal("-"), schema]).optional();

const fieldSchema = {
  title: text(campaignLimits.title),
  goal: integer(1, campaignLimits.count),
  unit: optionalText(campaignLimits.unit),
  description: optionalText(campaignLimits.description),
  link: httpUrl.optional(),
  call_to_action: optionalText(campaignLimits.callToAction),
  channel: snowflake.optional(),
  ends: z.string().optional(),
  auto_raise: z.boolean().optional(),
};

export const createOptions = z.object(fieldSchema);
export const editOptions = z.object({
  campaign: z.string(),
  title: fieldSchema.title.optional(),
  goal: fieldSchema.goal.optional(),
  unit: fieldSchema.unit,
  description: clearable(text(campaignLimits.description)),
  link: clearable(httpUrl),
  call_to_action: clearable(text(campaignLimits.callToAction)),
  channel: fieldSchema.channel,
  ends: z.string().optional(),
  auto_raise: fieldSchema.auto_raise,
});

function readEnds(value: string | undefined, context: InteractionContext): Date | null {
  if (value === undefined) return null;
  return parseLocalDateTime(value, {
    option: "ends",
    zone: context.settings.timezone,
    now: context.now(),
    past: "campaign.endsInPast",
  });
}

export async function create(
  input: z.output<typeof createOptions>,
  context: InteractionContext,
): Promise<HandlerResult> {
  const channelId = input.channel ?? context.channelId;
  requirePostableChannel(context.channels, context.t, channelId);
  const fields: CampaignFields = {
    title: input.title,
    goal: input.goal,
    unit: input.unit ?? translator(context.settings.language as Language)("campaign.defaultUnit"),
    description: input.description ?? null,
    link: input.link ?? null,
    callToAction: input.call_to_action ?? null,
    channelId,
    endsAt: readEnds(input.ends, context),
    autoRaise: input.auto_raise ?? true,
  };
  const campaign = await createCampaign(context.db, context.guildId, context.userId, fields);
  // The reply is public: the channel reads it and the card, so both are in the server's language.
  const language = context.settings.language as Language;
  return reply(
    context,
    [await card(campaign, context, language)],
    translator(language)("campaign.created", { channel: channelMention(channelId) }),
    false,
  );
}

export async function edit(
  input: z.output<typeof editOptions>,
  context: InteractionContext,
): Promise<HandlerResult> {
  const id = parseCampaignId(input.campaign);
  const changes: Partial<CampaignFields> = {};
  if (input.title !== undefined) changes.title = input.title;
  if (input.goal !== undefined) changes.goal = input.goal;
  if (input.unit !== undefined) changes.unit = input.unit;
  if (input.description !== undefined)
    changes.description = input.description === "-" ? null : input.description;
  if (input.link !== undefined) changes.link = input.link === "-" ? null : input.link;
  if (input.call_to_action !== undefined) {
    changes.callToAction = input.call_to_action === "-" ? null : input.call_to_action;
  }
  if (input.ends !== undefined)
    changes.endsAt = input.ends.trim() === "-" ? null : readEnds(input.ends, context);
  if (input.auto_raise !== undefined) changes.autoRaise = input.auto_raise;
  if (input.channel !== undefined) {
    requirePostableChannel(context.channels, context.t, input.channel);
    changes.channelId = input.channel;
  }
  if (Object.keys(changes).length === 0) throw new UserError("campaign.nothingToEdit");
  const campaign = await editCampaign(context.db, context.guildId, context.userId, id, changes);
  return reply(context, [await card(campaign, context)], context.t("campaign.edited"));
}

export async function close(
  input: { campaign: string; outcome: "won" | "ended" },
  context: InteractionContext,
): Promise<HandlerResult> {
  const id = parseCampaignId(input.campaign);
  const campaign = await closeCampaign(
    context.db,
    context.guildId,
    context.userId,
    id,
    input.outcome,
    context.now(),
  );
  const outcome = context.t(`campaign.status.${input.outcome}`);
  return reply(
    context,
    [await card(campaign, context)],
    context.t("campaign.closedReply", { outcome }),
  );
}

export async function reopen(
  input: { campaign: string },
  context: InteractionContext,
): Promise<HandlerResult> {
  const campaign = await reopenCampaign(
    context.db,
    context.guildId,
    context.userId,
    parseCampaignId(input.campaign),
  );
  return reply(context, [await card(campaign, context)], context.t("campaign.reopened"));
}
