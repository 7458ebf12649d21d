/** /campaign: the command's registered data, which campaigns autocomplete offers, and who may use what. */
import { ApplicationCommandOptionType } from "discord.js";
import { searchCampaigns, type CampaignStatusFilter } from "../../src/domain/campaigns.ts";
import {
  subcommand,
  type AutocompleteChoice,
  type Command,
  type InteractionContext,
} from "../../src/discord/command.ts";
import { option, options } from "../../src/discord/declaredOptions.ts";
import {
  guildCommand,
  localizedChoice,
  localizedDescription,
} from "../../src/discord/commandData.ts";
import { formatNumber } from "../../src/discord/render/campaignCard.ts";
import { count, countOptions } from "./count.ts";
import { exportCampaign, exportOptions } from "./export.ts";
import { list, show } from "./list.ts";
import { close, closeOptions, create, createOptions, edit, editOptions, reopen } from "./manage.ts";
import { repost } from "./liveCard.ts";
import { campaignOption } from "./options.ts";
import { cardOptions, flyerButton, flyerOptions, flyerReply, shareCard } from "./share.ts";
import { sourceAccept, sourceIgnore } from "./heldReadings.ts";
import {
  sourceCampaignOptions,
  sourceCheck,
  sourceKey,
  sourceRemove,
  sourceSet,
  sourceSetDefersFirst,
  sourceSetOptions,
  sourceShow,
} from "./source.ts";

const S = ApplicationCommandOptionType;
const d = (key: Parameters<typeof localizedDescription>[0]) => localizedDescription(key);

const listOptions = options(
  option({
    type: S.String,
    name: "status",
    ...d("commands.campaign.options.status"),
    choices: (["active", "closed", "all"] as const).map((value) =>
      localizedChoice(`commands.campaign.choices.${value}`, value),
    ),
  }),
);
const campaignOnly = options(campaignOption);

const data = guildCommand({
  name: "campaign",
  ...d("commands.campaign.description"),
  options: [
    {
      type: S.Subcommand,
      name: "create",
      ...d("commands.campaign.create"),
      options: createOptions.json,
    },
    { type: S.Subcommand, name: "list", ...d("commands.campaign.list"), options: listOptions.json },
    {
      type: S.Subcommand,
      name: "show",
      ...d("commands.campaign.show"),
      options: campaignOnly.json,
    },
    { type: S.Subcommand, name: "edit", ...d("commands.campaign.edit"), options: editOptions.json },
    {
      type: S.Subcommand,
      name: "close",
      ...d("commands.campaign.close"),
      options: closeOptions.json,
    },
    {
      type: S.Subcommand,
      name: "reopen",
      ...d("commands.campaign.reopen"),
      options: campaignOnly.json,
    },
    {
      type: S.Subcommand,
      name: "flyer",
      ...d("commands.campaign.flyer"),
      options: flyerOptions.json,
    },
    { type: S.Subcommand, name: "card", ...d("commands.campaign.card"), options: cardOptions.json },
    {
      type: S.Subcommand,
      name: "export",
      ...d("commands.campaign.export"),
      options: exportOptions.json,
    },
    {
      type: S.Subcommand,
      name: "count",
      ...d("commands.campaign.count"),
      options: countOptions.json,
    },
    {
      type: S.Subcommand,
      name: "repost",
      ...d("commands.campaign.repost"),
      options: campaignOnly.json,
    },
    {
      type: S.SubcommandGroup,
      name: "source",
      ...d("commands.campaign.source"),
      options: [
        {
          type: S.Subcommand,
          name: "set",
          ...d("commands.campaign.sourceSet"),
          options: sourceSetOptions.json,
        },
        {
          type: S.Subcommand,
          name: "show",
          ...d("commands.campaign.sourceShow"),
          options: sourceCampaignOptions.json,
        },
        {
          type: S.Subcommand,
          name: "check",
          ...d("commands.campaign.sourceCheck"),
          options: sourceCampaignOptions.json,
        },
        {
          type: S.Subcommand,
          name: "remove",
          ...d("commands.campaign.sourceRemove"),
          options: sourceCampaignOptions.json,
        },
      ],
    },
  ],
});

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
  repost: "all",
  "source set": "active",
  "source show": "all",
  "source check": "active",
  "source remove": "all",
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
    value: String(campaign.number),
  }));
}

export const campaignCommand: Command = {
  data,
  subcommands: {
    create: subcommand({
      access: "organizer",
      ephemeral: false,
      options: createOptions.schema,
      run: create,
    }),
    list: subcommand({
      access: "everyone",
      ephemeral: true,
      options: listOptions.schema,
      run: list,
    }),
    show: subcommand({
      access: "everyone",
      ephemeral: true,
      options: campaignOnly.schema,
      run: show,
    }),
    edit: subcommand({
      access: "organizer",
      ephemeral: true,
      options: editOptions.schema,
      run: edit,
    }),
    close: subcommand({
      access: "organizer",
      ephemeral: true,
      options: closeOptions.schema,
      run: close,
    }),
    reopen: subcommand({
      access: "organizer",
      ephemeral: true,
      options: campaignOnly.schema,
      run: reopen,
    }),
    count: subcommand({
      access: "organizer",
      ephemeral: true,
      options: countOptions.schema,
      run: count,
    }),
    export: subcommand({
      access: "organizer",
      ephemeral: true,
      options: exportOptions.schema,
      run: exportCampaign,
    }),
    flyer: subcommand({
      access: "everyone",
      ephemeral: true,
      options: flyerOptions.schema,
      run: (input, context) =>
        flyerReply(input.campaign, input.size ?? "a4", input.language, context),
    }),
    card: subcommand({
      access: "everyone",
      ephemeral: true,
      options: cardOptions.schema,
      run: shareCard,
    }),
    repost: subcommand({
      access: "organizer",
      ephemeral: true,
      options: campaignOnly.schema,
      run: repost,
    }),
    "source set": subcommand({
      access: "organizer",
      ephemeral: true,
      options: sourceSetOptions.schema,
      deferFirst: sourceSetDefersFirst,
      run: sourceSet,
    }),
    "source show": subcommand({
      access: "organizer",
      ephemeral: true,
      options: sourceCampaignOptions.schema,
      run: sourceShow,
    }),
    "source check": subcommand({
      access: "organizer",
      ephemeral: true,
      options: sourceCampaignOptions.schema,
      deferFirst: async () => true,
      run: sourceCheck,
    }),
    "source remove": subcommand({
      access: "organizer",
      ephemeral: true,
      options: sourceCampaignOptions.schema,
      run: sourceRemove,
    }),
  },
  autocomplete,
  components: { flyer: flyerButton, sourceKey, sourceAccept, sourceIgnore },
};
