/** /task: the command's registered data, which tasks autocomplete offers, and who may use what. */
import { ApplicationCommandOptionType, type APIApplicationCommandBasicOption } from "discord.js";
import * as z from "zod";
import { searchCampaigns } from "../../src/domain/campaigns.ts";
import { taskKinds, taskLimits } from "../../src/domain/taskFields.ts";
import { searchTasks, taskFilters } from "../../src/domain/tasks.ts";
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
import { postCardButton } from "./card.ts";
import { claimBySlash, claimButtons, doneBySlash, doneOptions, releaseBySlash } from "./claim.ts";
import { importFile, importOptions } from "./import.ts";
import { listButtons, listOptions, list } from "./list.ts";
import { add, addOptions, assign, assignOptions, cancel, edit, editOptions } from "./manage.ts";
import { review, reviewButtons } from "./review.ts";

const S = ApplicationCommandOptionType;
const d = localizedDescription;

const taskOption = {
  type: S.String,
  name: "task",
  ...d("commands.task.options.task"),
  required: true,
  autocomplete: true,
} as const;
const campaignOption = {
  type: S.String,
  name: "campaign",
  ...d("commands.task.options.campaign"),
  required: true,
  autocomplete: true,
} as const;

function taskFieldOptions(required: boolean): APIApplicationCommandBasicOption[] {
  return [
    {
      type: S.String,
      name: "title",
      ...d("commands.task.options.title"),
      max_length: taskLimits.title,
      required,
    },
    {
      type: S.String,
      name: "kind",
      ...d("commands.task.options.kind"),
      choices: taskKinds.map((kind) => localizedChoice(`commands.task.kinds.${kind}`, kind)),
    },
    {
      type: S.String,
      name: "location",
      ...d("commands.task.options.location"),
      max_length: taskLimits.location,
    },
    {
      type: S.Integer,
      name: "slots",
      ...d("commands.task.options.slots"),
      min_value: taskLimits.minSlots,
      max_value: taskLimits.maxSlots,
    },
    { type: S.String, name: "due", ...d("commands.task.options.due"), max_length: 16 },
    {
      type: S.String,
      name: "instructions",
      ...d("commands.task.options.instructions"),
      max_length: taskLimits.instructions,
    },
  ];
}

const data = guildCommand({
  name: "task",
  ...d("commands.task.description"),
  options: [
    {
      type: S.Subcommand,
      name: "add",
      ...d("commands.task.add"),
      options: [campaignOption, ...taskFieldOptions(true)],
    },
    {
      type: S.Subcommand,
      name: "import",
      ...d("commands.task.import"),
      options: [
        campaignOption,
        { type: S.Attachment, name: "file", ...d("commands.task.options.file"), required: true },
      ],
    },
    {
      type: S.Subcommand,
      name: "list",
      ...d("commands.task.list"),
      options: [
        { ...campaignOption, required: false },
        {
          type: S.String,
          name: "filter",
          ...d("commands.task.options.filter"),
          choices: taskFilters.map((filter) =>
            localizedChoice(`commands.task.filters.${filter}`, filter),
          ),
        },
      ],
    },
    { type: S.Subcommand, name: "claim", ...d("commands.task.claim"), options: [taskOption] },
    { type: S.Subcommand, name: "release", ...d("commands.task.release"), options: [taskOption] },
    {
      type: S.Subcommand,
      name: "done",
      ...d("commands.task.done"),
      options: [
        taskOption,
        { type: S.Attachment, name: "proof_file", ...d("commands.task.options.proof_file") },
        {
          type: S.String,
          name: "proof_link",
          ...d("commands.task.options.proof_link"),
          max_length: taskLimits.proofLink,
        },
        {
          type: S.String,
          name: "note",
          ...d("commands.task.options.note"),
          max_length: taskLimits.note,
        },
      ],
    },
    {
      type: S.Subcommand,
      name: "assign",
      ...d("commands.task.assign"),
      options: [
        taskOption,
        { type: S.User, name: "member", ...d("commands.task.options.member"), required: true },
      ],
    },
    { type: S.Subcommand, name: "review", ...d("commands.task.review"), options: [taskOption] },
    { type: S.Subcommand, name: "cancel", ...d("commands.task.cancel"), options: [taskOption] },
    {
      type: S.Subcommand,
      name: "edit",
      ...d("commands.task.edit"),
      options: [taskOption, ...taskFieldOptions(false)],
    },
  ],
});

/** The subcommands whose only option is the task. */
const taskOnly = z.object({ task: z.string() });

/** Which tasks each subcommand offers. */
const autocompleteScope: Record<string, "mine" | "open" | "any"> = {
  claim: "open",
  release: "mine",
  done: "mine",
  assign: "open",
  review: "any",
  cancel: "open",
  edit: "open",
};

async function autocomplete(
  focused: { name: string; value: string; subcommand: string },
  context: InteractionContext,
): Promise<AutocompleteChoice[]> {
  if (focused.name === "campaign") {
    const campaigns = await searchCampaigns(
      context.db,
      context.guildId,
      focused.value,
      focused.subcommand === "list" ? "all" : "active",
    );
    return campaigns.map((campaign) => ({ name: campaign.title, value: String(campaign.id) }));
  }
  if (focused.name !== "task") return [];
  const tasks = await searchTasks(
    context.db,
    context.guildId,
    context.userId,
    focused.value,
    autocompleteScope[focused.subcommand] ?? "any",
  );
  return tasks.map((task) => ({
    name: `${task.title} · ${context.t("task.slotsLine", { claimed: task.claimedSlots, count: task.slots })} · #${task.id}`,
    value: String(task.id),
  }));
}

export const taskCommand: Command = {
  data,
  subcommands: {
    add: subcommand({ access: "organizer", ephemeral: true, options: addOptions, run: add }),
    import: subcommand({
      access: "organizer",
      ephemeral: true,
      options: importOptions,
      run: importFile,
    }),
    list: subcommand({ access: "everyone", ephemeral: true, options: listOptions, run: list }),
    claim: subcommand({
      access: "everyone",
      ephemeral: true,
      options: taskOnly,
      run: claimBySlash,
    }),
    release: subcommand({
      access: "everyone",
      ephemeral: true,
      options: taskOnly,
      run: releaseBySlash,
    }),
    done: subcommand({
      access: "everyone",
      ephemeral: true,
      options: doneOptions,
      run: doneBySlash,
    }),
    assign: subcommand({
      access: "organizer",
      ephemeral: true,
      options: assignOptions,
      run: assign,
    }),
    review: subcommand({ access: "organizer", ephemeral: true, options: taskOnly, run: review }),
    cancel: subcommand({ access: "organizer", ephemeral: true, options: taskOnly, run: cancel }),
    edit: subcommand({ access: "organizer", ephemeral: true, options: editOptions, run: edit }),
  },
  autocomplete,
  // Buttons and forms by the action in their custom_id (`task:<action>:…`), each group beside
  // the subcommand it belongs to.
  components: {
    ...claimButtons,
    ...listButtons,
    ...reviewButtons,
    postCard: postCardButton,
  },
};
