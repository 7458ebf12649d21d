/** /task: the command's registered data, which tasks autocomplete offers, and who may use what. */
import { ApplicationCommandOptionType } from "discord.js";
import { searchCampaigns } from "../../src/domain/campaigns.ts";
import { searchTasks } from "../../src/domain/tasks.ts";
import {
  subcommand,
  type AutocompleteChoice,
  type Command,
  type InteractionContext,
} from "../../src/discord/command.ts";
import { guildCommand, localizedDescription } from "../../src/discord/commandData.ts";
import { options } from "../../src/discord/declaredOptions.ts";
import { postCardButton } from "./card.ts";
import {
  claimBySlash,
  claimButtons,
  doneBySlash,
  doneOptions,
  releaseBySlash,
  releaseOptions,
} from "./claim.ts";
import { importFile, importOptions } from "./import.ts";
import { listButtons, listOptions, list } from "./list.ts";
import { add, addOptions, assign, assignOptions, edit, editOptions } from "./manage.ts";
import { taskOption } from "./options.ts";
import { cancel, cancelButtons } from "./repeat.ts";
import { isOrganizer } from "./organizer.ts";
import { review, reviewButtons } from "./review.ts";

const S = ApplicationCommandOptionType;
const d = localizedDescription;

/** The subcommands whose only option is the task. */
const taskOnly = options(taskOption);

const data = guildCommand({
  name: "task",
  ...d("commands.task.description"),
  options: [
    { type: S.Subcommand, name: "add", ...d("commands.task.add"), options: addOptions.json },
    {
      type: S.Subcommand,
      name: "import",
      ...d("commands.task.import"),
      options: importOptions.json,
    },
    { type: S.Subcommand, name: "list", ...d("commands.task.list"), options: listOptions.json },
    { type: S.Subcommand, name: "claim", ...d("commands.task.claim"), options: taskOnly.json },
    {
      type: S.Subcommand,
      name: "release",
      ...d("commands.task.release"),
      options: releaseOptions.json,
    },
    { type: S.Subcommand, name: "done", ...d("commands.task.done"), options: doneOptions.json },
    {
      type: S.Subcommand,
      name: "assign",
      ...d("commands.task.assign"),
      options: assignOptions.json,
    },
    { type: S.Subcommand, name: "review", ...d("commands.task.review"), options: taskOnly.json },
    { type: S.Subcommand, name: "cancel", ...d("commands.task.cancel"), options: taskOnly.json },
    { type: S.Subcommand, name: "edit", ...d("commands.task.edit"), options: editOptions.json },
  ],
});

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
    return campaigns.map((campaign) => ({ name: campaign.title, value: String(campaign.number) }));
  }
  if (focused.name !== "task") return [];
  // An organizer may release anyone's claim: every task, their own claims first.
  const scope =
    focused.subcommand === "release" && isOrganizer(context)
      ? "any"
      : (autocompleteScope[focused.subcommand] ?? "any");
  const tasks = await searchTasks(
    context.db,
    context.guildId,
    context.userId,
    focused.value,
    scope,
  );
  return tasks.map((task) => ({
    name: `${task.title} · ${context.t("task.slotsLine", { claimed: task.claimedSlots, count: task.slots })} · #${task.number}`,
    value: String(task.number),
  }));
}

export const taskCommand: Command = {
  data,
  subcommands: {
    add: subcommand({ access: "organizer", ephemeral: true, options: addOptions.schema, run: add }),
    import: subcommand({
      access: "organizer",
      ephemeral: true,
      options: importOptions.schema,
      run: importFile,
    }),
    list: subcommand({
      access: "everyone",
      ephemeral: true,
      options: listOptions.schema,
      run: list,
    }),
    claim: subcommand({
      access: "everyone",
      ephemeral: true,
      options: taskOnly.schema,
      run: claimBySlash,
    }),
    release: subcommand({
      access: "everyone",
      ephemeral: true,
      options: releaseOptions.schema,
      run: releaseBySlash,
    }),
    done: subcommand({
      access: "everyone",
      ephemeral: true,
      options: doneOptions.schema,
      run: doneBySlash,
    }),
    assign: subcommand({
      access: "organizer",
      ephemeral: true,
      options: assignOptions.schema,
      run: assign,
    }),
    review: subcommand({
      access: "organizer",
      ephemeral: true,
      options: taskOnly.schema,
      run: review,
    }),
    cancel: subcommand({
      access: "organizer",
      ephemeral: true,
      options: taskOnly.schema,
      run: cancel,
    }),
    edit: subcommand({
      access: "organizer",
      ephemeral: true,
      options: editOptions.schema,
      run: edit,
    }),
  },
  autocomplete,
  // Buttons and forms by the action in their custom_id (`task:<action>:…`), each group beside
  // the subcommand it belongs to.
  components: {
    ...claimButtons,
    ...listButtons,
    ...reviewButtons,
    ...cancelButtons,
    postCard: postCardButton,
  },
};
