/** The options several /campaign subcommands share. */
import { ApplicationCommandOptionType } from "discord.js";
import { localizedChoice, localizedDescription } from "../../src/discord/commandData.ts";
import { option } from "../../src/discord/declaredOptions.ts";
import { languages } from "../../src/i18n/index.ts";

const S = ApplicationCommandOptionType;

/** The campaign acted on, by id; autocomplete offers the ones the subcommand can act on. */
export const campaignOption = option({
  type: S.String,
  name: "campaign",
  ...localizedDescription("commands.campaign.options.campaign"),
  required: true,
  autocomplete: true,
});

/** The language of a flyer or share card; the server's when left out. */
export const languageOption = option({
  type: S.String,
  name: "language",
  ...localizedDescription("commands.campaign.options.language"),
  choices: languages.map((value) => localizedChoice(`commands.settings.languages.${value}`, value)),
});
