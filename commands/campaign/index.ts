/** /campaign: the command's registered data, which campaigns autocomplete offers, and who may use what. */
import {
  ApplicationCommandOptionType,
  ChannelType,
  type APIApplicationCommandBasicOption,
} from "discord.js";
import * as z from "zod";
import {
  searchCampaigns,
  campaignLimits,
  type CampaignStatusFilter,
} from "../../src/domain/campaigns.ts";
import { languages } from "../../src/i18n/index.ts";
import {
  subcommand,
  type AutocompleteChoice,
  type Command,
  type InteractionContext,
} from "../../src/discord/command.ts";
import {
  guildCommand,
  localizedChoice,
  localizedDescription,
} from "../../src/discord/commandData.ts";
import { formatNumber } from "../../src/discord/render/campaignCard.ts";
import { count, countOptions } from "./count.ts";
import { exportCampaign } from "./export.ts";
import { list, show } from "./list.ts";
import { close, create, createOptions, edit, editOptions, reopen } from "./manage.ts";
import { cardOptions, flyerButton, flyerReply, shareCard, shareOptions } from "./share.ts";

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

const campaignOnly = z.object({ campaign: z.string() });

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
      options: cardOptions,
      run: shareCard,
    }),
  },
  autocomplete,
  components: { flyer: flyerButton },
};
