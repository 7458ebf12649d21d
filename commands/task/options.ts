/** The options several /task subcommands share. */
import { ApplicationCommandOptionType } from "discord.js";
import { localizedDescription } from "../../src/discord/commandData.ts";
import { option } from "../../src/discord/declaredOptions.ts";

const S = ApplicationCommandOptionType;

/** The task acted on, by id; autocomplete offers the ones the subcommand can act on. */
export const taskOption = option({
  type: S.String,
  name: "task",
  ...localizedDescription("commands.task.options.task"),
  required: true,
  autocomplete: true,
});

/** A campaign, by id; `/task list` takes it optionally. */
export const campaignJson = {
  type: S.String,
  name: "campaign",
  ...localizedDescription("commands.task.options.campaign"),
  required: true,
  autocomplete: true,
} as const;
export const campaignOption = option(campaignJson);
