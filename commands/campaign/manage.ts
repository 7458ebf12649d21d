/** The organizer's subcommands that write a campaign: create, edit, close, reopen. */
import { ApplicationCommandOptionType, ChannelType, channelMention } from "discord.js";
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
import { publicPageUrl, setCampaignWebPage } from "../../src/domain/publicPage.ts";
import { UserError } from "../../src/domain/errors.ts";
import { translator } from "../../src/i18n/index.ts";
import { requirePostableChannel } from "../../src/discord/channels.ts";
import type { HandlerResult, InteractionContext } from "../../src/discord/command.ts";
import { localizedChoice, localizedDescription } from "../../src/discord/commandData.ts";
import { option, options } from "../../src/discord/declaredOptions.ts";
import { httpUrl, text } from "../../src/discord/optionSchemas.ts";
import { postCardNow } from "./liveCard.ts";
import { campaignOption } from "./options.ts";
import { card, reply } from "./render.ts";

const S = ApplicationCommandOptionType;
const d = localizedDescription;

/** `-` clears an optional text on edit, since Discord cannot send an empty option. */
const clearable = <T extends z.ZodType>(schema: T) => z.union([z.literal("-"), schema]);

const textChannelTypes: [ChannelType.GuildText, ChannelType.GuildAnnouncement] = [
  ChannelType.GuildText,
  ChannelType.GuildAnnouncement,
];

/** The fields create sets and edit changes; edit makes every one optional. */
const field = {
  title: {
    type: S.String,
    name: "title",
    ...d("commands.campaign.options.title"),
    max_length: campaignLimits.title,
  },
  goal: {
    type: S.Integer,
    name: "goal",
    ...d("commands.campaign.options.goal"),
    min_value: 1,
    max_value: campaignLimits.count,
  },
  unit: {
    type: S.String,
    name: "unit",
    ...d("commands.campaign.options.unit"),
    max_length: campaignLimits.unit,
  },
  description: {
    type: S.String,
    name: "description",
    ...d("commands.campaign.options.description"),
    max_length: campaignLimits.description,
  },
  link: {
    type: S.String,
    name: "link",
    ...d("commands.campaign.options.link"),
    max_length: campaignLimits.link,
  },
  call_to_action: {
    type: S.String,
    name: "call_to_action",
    ...d("commands.campaign.options.call_to_action"),
    max_length: campaignLimits.callToAction,
  },
  channel: {
    type: S.Channel,
    name: "channel",
    ...d("commands.campaign.options.channel"),
    channel_types: textChannelTypes,
  },
  ends: { type: S.String, name: "ends", ...d("commands.campaign.options.ends"), max_length: 16 },
  auto_raise: { type: S.Boolean, name: "auto_raise", ...d("commands.campaign.options.auto_raise") },
} as const;

export const createOptions = options(
  option({ ...field.title, required: true }, text(campaignLimits.title)),
  option({ ...field.goal, required: true }),
  option(field.unit, text(campaignLimits.unit)),
  option(field.description, text(campaignLimits.description)),
  option(field.link, httpUrl),
  option(field.call_to_action, text(campaignLimits.callToAction)),
  option(field.channel),
  option(field.ends),
  option(field.auto_raise),
);
export const editOptions = options(
  campaignOption,
  option({ ...field.title, required: false }, text(campaignLimits.title)),
  option({ ...field.goal, required: false }),
  option(field.unit, text(campaignLimits.unit)),
  option(field.description, clearable(text(campaignLimits.description))),
  option(field.link, clearable(httpUrl)),
  option(field.call_to_action, clearable(text(campaignLimits.callToAction))),
  option(field.channel),
  option(field.ends),
  option(field.auto_raise),
  option({ type: S.Boolean, name: "web_page", ...d("commands.campaign.options.web_page") }),
);
export const closeOptions = options(
  campaignOption,
  option({
    type: S.String,
    name: "outcome",
    ...d("commands.campaign.options.outcome"),
    required: true,
    choices: (["won", "ended"] as const).map((value) =>
      localizedChoice(`commands.campaign.choices.${value}`, value),
    ),
  }),
);

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
  input: z.output<typeof createOptions.schema>,
  context: InteractionContext,
): Promise<HandlerResult> {
  const channelId = input.channel ?? context.channelId;
  requirePostableChannel(context.channels, context.t, channelId);
  const fields: CampaignFields = {
    title: input.title,
    goal: input.goal,
    unit: input.unit ?? translator(context.serverLanguage)("campaign.defaultUnit"),
    description: input.description ?? null,
    link: input.link ?? null,
    callToAction: input.call_to_action ?? null,
    channelId,
    endsAt: readEnds(input.ends, context),
    autoRaise: input.auto_raise ?? true,
  };
  const campaign = await createCampaign(context.db, context.guildId, context.userId, fields);
  // The reply is public: the channel reads it, so it is in the server's language. The card
  // itself goes to the campaign's channel, pinned there.
  const t = translator(context.serverLanguage);
  const { line } = await postCardNow(campaign, context, t);
  return reply(
    context,
    [],
    [t("campaign.created", { channel: channelMention(channelId) }), line].join("\n"),
    false,
  );
}

export async function edit(
  input: z.output<typeof editOptions.schema>,
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
  const webPage = input.web_page;
  if (Object.keys(changes).length === 0 && webPage === undefined)
    throw new UserError("campaign.nothingToEdit");
  // The page alone may be switched on a closed campaign too (taken down after the end).
  const campaign =
    Object.keys(changes).length === 0 && webPage !== undefined
      ? await setCampaignWebPage(context.db, context.guildId, context.userId, id, webPage)
      : await editCampaign(
          context.db,
          context.guildId,
          context.userId,
          id,
          { ...changes, ...(webPage === undefined ? {} : { webPage }) },
          context.now(),
        );
  const lines = [context.t("campaign.edited")];
  if (webPage !== undefined) lines.push(webPageLine(campaign, context));
  return reply(context, [await card(campaign, context)], lines.join("\n"));
}

/** Where the public page is, or that it is off, or what the operator must set to give it out. */
function webPageLine(
  campaign: { webPage: boolean; webSlug: string | null },
  context: InteractionContext,
): string {
  if (!campaign.webPage || !campaign.webSlug) return context.t("campaign.webPageOff");
  const { publicUrl } = context.app;
  if (!publicUrl) return context.t("campaign.webPageNoUrl", { path: `/c/${campaign.webSlug}` });
  return context.t("campaign.webPageOn", { url: publicPageUrl(publicUrl, campaign.webSlug) });
}

export async function close(
  input: z.output<typeof closeOptions.schema>,
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
    context.now(),
  );
  return reply(context, [await card(campaign, context)], context.t("campaign.reopened"));
}
