import {
  ApplicationCommandOptionType,
  ChannelType,
  channelMention,
  hideLinkEmbed,
  roleMention,
  type APIApplicationCommandBasicOption,
  type APIEmbed,
} from "discord.js";
import * as z from "zod";
import {
  changeCount,
  closeCampaign,
  createCampaign,
  editCampaign,
  getCampaign,
  listCampaigns,
  parseCampaignId,
  reopenCampaign,
  searchCampaigns,
  campaignLimits,
  type Campaign,
  type CampaignFields,
  type CampaignStatusFilter,
} from "../src/domain/campaigns.ts";
import { parseLocalDateTime } from "../src/domain/dates.ts";
import { UserError } from "../src/domain/errors.ts";
import { exportCampaignRows } from "../src/domain/privacy.ts";
import { csvFile } from "../src/domain/taskImport.ts";
import { taskNumbers } from "../src/domain/tasks.ts";
import { languages, translator, type Language, type Translator } from "../src/i18n/index.ts";
import { requirePostableChannel } from "../src/discord/channels.ts";
import { classifyDiscordFailure, discordFailureText } from "../src/discord/discordFailure.ts";
import {
  idArgument,
  subcommand,
  type AutocompleteChoice,
  type Command,
  type HandlerResult,
  type InteractionContext,
} from "../src/discord/command.ts";
import { guildCommand, localizedChoice, localizedDescription } from "../src/discord/commandData.ts";
import { httpUrl, integer, optionalText, snowflake, text } from "../src/discord/optionSchemas.ts";
import { campaignCard, formatNumber, percentOf } from "../src/discord/render/campaignCard.ts";
import { showText, shorten } from "../src/discord/render/text.ts";

const S = ApplicationCommandOptionType;
const d = (key: Parameters<typeof localizedDescription>[0]) => localizedDescription(key);

const campaignOption = {
  type: S.String,
  name: "campaign",
  ...d("commands.campaign.options.campaign"),
  required: true,
  autocomplete: true,
} as const;

const languageOption = {
  type: S.String,
  name: "language",
  ...d("commands.campaign.options.language"),
  choices: languages.map((value) => localizedChoice(`commands.settings.languages.${value}`, value)),
} as const;

const textChannelTypes: [ChannelType.GuildText, ChannelType.GuildAnnouncement] = [
  ChannelType.GuildText,
  ChannelType.GuildAnnouncement,
];

/** The options create and edit share; edit makes every one optional. */
function campaignFieldOptions(required: boolean): APIApplicationCommandBasicOption[] {
  return [
    {
      type: S.String,
      name: "title",
      ...d("commands.campaign.options.title"),
      max_length: 100,
      required,
    },
    {
      type: S.Integer,
      name: "goal",
      ...d("commands.campaign.options.goal"),
      min_value: 1,
      max_value: campaignLimits.count,
      required,
    },
    { type: S.String, name: "unit", ...d("commands.campaign.options.unit"), max_length: 32 },
    {
      type: S.String,
      name: "description",
      ...d("commands.campaign.options.description"),
      max_length: 2000,
    },
    { type: S.String, name: "link", ...d("commands.campaign.options.link"), max_length: 512 },
    {
      type: S.String,
      name: "call_to_action",
      ...d("commands.campaign.options.call_to_action"),
      max_length: 200,
    },
    {
      type: S.Channel,
      name: "channel",
      ...d("commands.campaign.options.channel"),
      channel_types: textChannelTypes,
    },
    { type: S.String, name: "ends", ...d("commands.campaign.options.ends"), max_length: 16 },
    { type: S.Boolean, name: "auto_raise", ...d("commands.campaign.options.auto_raise") },
  ];
}

const data = guildCommand({
  name: "campaign",
  ...d("commands.campaign.description"),
  options: [
    {
      type: S.Subcommand,
      name: "create",
      ...d("commands.campaign.create"),
      options: campaignFieldOptions(true),
    },
    {
      type: S.Subcommand,
      name: "list",
      ...d("commands.campaign.list"),
      options: [
        {
          type: S.String,
          name: "status",
          ...d("commands.campaign.options.status"),
          choices: (["active", "closed", "all"] as const).map((value) =>
            localizedChoice(`commands.campaign.choices.${value}`, value),
          ),
        },
      ],
    },
    { type: S.Subcommand, name: "show", ...d("commands.campaign.show"), options: [campaignOption] },
    {
      type: S.Subcommand,
      name: "edit",
      ...d("commands.campaign.edit"),
      options: [campaignOption, ...campaignFieldOptions(false)],
    },
    {
      type: S.Subcommand,
      name: "close",
      ...d("commands.campaign.close"),
      options: [
        campaignOption,
        {
          type: S.String,
          name: "outcome",
          ...d("commands.campaign.options.outcome"),
          required: true,
          choices: (["won", "ended"] as const).map((value) =>
            localizedChoice(`commands.campaign.choices.${value}`, value),
          ),
        },
      ],
    },
    {
      type: S.Subcommand,
      name: "reopen",
      ...d("commands.campaign.reopen"),
      options: [campaignOption],
    },
    {
      type: S.Subcommand,
      name: "flyer",
      ...d("commands.campaign.flyer"),
      options: [
        campaignOption,
        {
          type: S.String,
          name: "size",
          ...d("commands.campaign.options.size"),
          choices: (["a4", "letter"] as const).map((value) =>
            localizedChoice(`commands.campaign.choices.${value}`, value),
          ),
        },
        languageOption,
      ],
    },
    {
      type: S.Subcommand,
      name: "card",
      ...d("commands.campaign.card"),
      options: [campaignOption, languageOption],
    },
    {
      type: S.Subcommand,
      name: "export",
      ...d("commands.campaign.export"),
      options: [campaignOption],
    },
    {
      type: S.Subcommand,
      name: "count",
      ...d("commands.campaign.count"),
      options: [
        campaignOption,
        {
          type: S.Integer,
          name: "set",
          ...d("commands.campaign.options.set"),
          min_value: 0,
          max_value: campaignLimits.count,
        },
        {
          type: S.Integer,
          name: "add",
          ...d("commands.campaign.options.add"),
          min_value: -campaignLimits.count,
          max_value: campaignLimits.count,
        },
        { type: S.String, name: "note", ...d("commands.campaign.options.note"), max_length: 200 },
      ],
    },
  ],
});

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

const createOptions = z.object(fieldSchema);
const editOptions = z.object({
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
const campaignOnly = z.object({ campaign: z.string() });

function readEnds(value: string | undefined, context: InteractionContext): Date | null {
  if (value === undefined) return null;
  return parseLocalDateTime(value, {
    option: "ends",
    zone: context.settings.timezone,
    now: context.now(),
    past: "campaign.endsInPast",
  });
}

async function card(
  campaign: Campaign,
  context: InteractionContext,
  language: Language = context.language,
): Promise<APIEmbed> {
  const tasks = await taskNumbers(context.db, context.guildId, campaign.id);
  return campaignCard(campaign, tasks, translator(language), language);
}

function reply(
  context: InteractionContext,
  embeds: APIEmbed[],
  content?: string,
  ephemeral = true,
): HandlerResult {
  return { type: "reply", ephemeral, message: { ...(content ? { content } : {}), embeds } };
}

async function create(
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

async function list(
  input: { status?: CampaignStatusFilter | undefined },
  context: InteractionContext,
): Promise<HandlerResult> {
  const status = input.status ?? "active";
  const campaigns = await listCampaigns(context.db, context.guildId, status, 26);
  const { t, language } = context;
  if (campaigns.length === 0) return reply(context, [], t("campaign.listEmpty"));
  const lines = campaigns.slice(0, 25).map((campaign) =>
    t("campaign.listLine", {
      id: campaign.id,
      title: showText(campaign.title, 100),
      count: formatNumber(campaign.count, language),
      goal: formatNumber(campaign.goal, language),
      unit: showText(campaign.unit, 32),
      percent: percentOf(campaign.count, campaign.goal),
      status: t(`campaign.status.${campaign.status as "active" | "won" | "ended"}`),
    }),
  );
  if (campaigns.length > 25) lines.push(t("campaign.listMore", { count: campaigns.length - 25 }));
  return reply(context, [
    {
      title: t("campaign.listTitle", { filter: t(`commands.campaign.choices.${status}`) }),
      description: lines.join("\n"),
    },
  ]);
}

async function show(
  input: z.output<typeof campaignOnly>,
  context: InteractionContext,
): Promise<HandlerResult> {
  const id = parseCampaignId(input.campaign);
  // Both reads at once: on PostgreSQL two connections at a time instead of two round trips.
  const [campaign, tasks] = await Promise.all([
    getCampaign(context.db, context.guildId, id),
    taskNumbers(context.db, context.guildId, id),
  ]);
  return reply(context, [campaignCard(campaign, tasks, context.t, context.language)]);
}

async function edit(
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

async function close(
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

async function reopen(
  input: z.output<typeof campaignOnly>,
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

const countOptions = z.object({
  campaign: z.string(),
  set: integer(0, campaignLimits.count).optional(),
  add: integer(-campaignLimits.count, campaignLimits.count).optional(),
  note: optionalText(200),
});

function signed(value: number, language: string): string {
  return `${value > 0 ? "+" : value < 0 ? "−" : "±"}${formatNumber(Math.abs(value), language)}`;
}

/** The public milestone message, in the server's language, pinging only the announce role. */
function milestoneMessage(
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

async function count(
  input: z.output<typeof countOptions>,
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
  const result = await changeCount(
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
  if (result.reachedGoal !== null) {
    const serverLanguage = context.settings.language as Language;
    const channel = channelMention(campaign.channelId);
    try {
      await context.channels.post(
        campaign.channelId,
        milestoneMessage(
          campaign,
          result.reachedGoal,
          serverLanguage,
          context.settings.announceRoleId,
        ),
      );
      lines.push(t("campaign.milestonePosted", { channel }));
    } catch (error) {
      // The count is saved either way; the organizer learns why the post is missing.
      context.log.warn(
        { err: error, guildId: context.guildId, campaignId: campaign.id },
        "milestone not posted",
      );
      const reason = discordFailureText(classifyDiscordFailure(error), t);
      lines.push(t("campaign.milestoneNotPosted", { channel, reason }));
    }
  }
  return reply(context, [await card(campaign, context)], lines.join("\n"));
}

const shareOptions = z.object({
  campaign: z.string(),
  size: z.enum(["a4", "letter"]).optional(),
  language: z.enum(languages).optional(),
});

/** The print-ready flyer as a private reply, in the chosen language or the server's. */
async function flyerReply(
  campaignId: string,
  size: "a4" | "letter",
  language: Language | undefined,
  context: InteractionContext,
): Promise<HandlerResult> {
  const campaign = await getCampaign(context.db, context.guildId, parseCampaignId(campaignId));
  const t = translator(language ?? (context.settings.language as Language));
  // pdfkit, the QR encoder and the canvas load on first use, not at start (memory, start time).
  const { renderFlyer } = await import("../src/render/flyer.ts");
  const pdf = await renderFlyer({
    title: campaign.title,
    description: campaign.description,
    callToAction: campaign.callToAction,
    link: campaign.link,
    size,
    labels: { scan: t("share.scan"), tearOff: t("share.tearOff") },
  });
  return {
    type: "reply",
    ephemeral: true,
    message: {
      content: context.t("share.flyerReady", { title: showText(campaign.title, 100) }),
      files: [{ name: `flyer-${campaign.id}.pdf`, data: pdf }],
    },
  };
}

async function shareCard(
  input: z.output<typeof shareOptions>,
  context: InteractionContext,
): Promise<HandlerResult> {
  const campaign = await getCampaign(context.db, context.guildId, parseCampaignId(input.campaign));
  const language = input.language ?? (context.settings.language as Language);
  const t = translator(language);
  const { renderShareCard } = await import("../src/render/shareCard.ts");
  const png = await renderShareCard({
    title: campaign.title,
    callToAction: campaign.callToAction,
    count: campaign.count,
    goal: campaign.goal,
    unit: campaign.unit,
    locale: language,
    labels: {
      progress: t("share.progress", {
        count: formatNumber(campaign.count, language),
        goal: formatNumber(campaign.goal, language),
        unit: campaign.unit,
      }),
    },
  });
  return {
    type: "reply",
    ephemeral: true,
    message: {
      content: context.t("share.cardReady", { title: showText(campaign.title, 100) }),
      files: [{ name: `campaign-${campaign.id}.png`, data: png }],
    },
  };
}

/** A CSV of tasks and claims; anonymous volunteers appear as numbers, never as ids. */
async function exportCampaign(
  input: z.output<typeof campaignOnly>,
  context: InteractionContext,
): Promise<HandlerResult> {
  const { t } = context;
  const { campaign, rows } = await exportCampaignRows(
    context.db,
    context.guildId,
    parseCampaignId(input.campaign),
  );
  const cells = rows.map((row) => [
    String(row.taskId),
    row.task,
    row.kind,
    row.location,
    String(row.slots),
    row.due,
    row.taskStatus,
    row.anonymous && row.volunteer
      ? t("campaign.exportVolunteer", { number: row.volunteer })
      : row.volunteer,
    row.claimStatus,
    row.claimedAt,
    row.closedAt,
    row.proofLink,
  ]);
  return {
    type: "reply",
    ephemeral: true,
    message: {
      content: t("campaign.exportReady", { title: showText(campaign.title, 100) }),
      files: [
        { name: `campaign-${campaign.id}.csv`, data: csvFile(t("campaign.exportHeader"), cells) },
      ],
    },
  };
}

/** Which campaigns each subcommand offers: the ones it can act on. */
const autocompleteStatus: Record<string, CampaignStatusFilter> = {
  show: "all",
  edit: "active",
  close: "active",
  count: "active",
  reopen: "closed",
  export: "all",
  flyer: "all",
  card: "all",
};

async function autocomplete(
  focused: { name: string; value: string; subcommand: string },
  context: InteractionContext,
): Promise<AutocompleteChoice[]> {
  if (focused.name !== "campaign") return [];
  const status = autocompleteStatus[focused.subcommand] ?? "all";
  const campaigns = await searchCampaigns(context.db, context.guildId, focused.value, status);
  return campaigns.map((campaign) => ({
    name: `${campaign.title} · ${formatNumber(campaign.count, context.language)}/${formatNumber(campaign.goal, context.language)}${campaign.status === "active" ? "" : ` · ${context.t(`campaign.status.${campaign.status as "won" | "ended"}`)}`}`,
    value: String(campaign.id),
  }));
}

export const campaignCommand: Command = {
  data,
  subcommands: {
    create: subcommand({
      access: "organizer",
      ephemeral: false,
      options: createOptions,
      run: create,
    }),
    list: subcommand({
      access: "everyone",
      ephemeral: true,
      options: z.object({ status: z.enum(["active", "closed", "all"]).optional() }),
      run: list,
    }),
    show: subcommand({ access: "everyone", ephemeral: true, options: campaignOnly, run: show }),
    edit: subcommand({ access: "organizer", ephemeral: true, options: editOptions, run: edit }),
    close: subcommand({
      access: "organizer",
      ephemeral: true,
      options: z.object({ campaign: z.string(), outcome: z.enum(["won", "ended"]) }),
      run: close,
    }),
    reopen: subcommand({
      access: "organizer",
      ephemeral: true,
      options: campaignOnly,
      run: reopen,
    }),
    count: subcommand({ access: "organizer", ephemeral: true, options: countOptions, run: count }),
    export: subcommand({
      access: "organizer",
      ephemeral: true,
      options: campaignOnly,
      run: exportCampaign,
    }),
    flyer: subcommand({
      access: "everyone",
      ephemeral: true,
      options: shareOptions,
      run: (input, context) =>
        flyerReply(input.campaign, input.size ?? "a4", input.language, context),
    }),
    card: subcommand({
      access: "everyone",
      ephemeral: true,
      options: shareOptions,
      run: shareCard,
    }),
  },
  autocomplete,
  components: {
    /** "Get flyer" on campus and bulletin-board task cards: the flyer in the server's language. */
    flyer: {
      access: "everyone",
      ephemeral: true,
      on: "shown",
      run: (args, context) => flyerReply(idArgument(args), "a4", undefined, context),
    },
  },
};
