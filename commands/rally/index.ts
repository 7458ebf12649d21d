import { ApplicationCommandOptionType, type APIEmbed, type APIEmbedField } from "discord.js";
import {
  subcommand,
  type Command,
  type HandlerResult,
  type InteractionContext,
} from "../../src/discord/command.ts";
import { guildCommand, localizedDescription } from "../../src/discord/commandData.ts";
import { options } from "../../src/discord/declaredOptions.ts";
import { limits } from "../../src/discord/render/limits.ts";
import type { Translator } from "../../src/i18n/index.ts";
import { safety } from "./safety.ts";

const noOptions = options();

const data = guildCommand({
  name: "rally",
  ...localizedDescription("commands.rally.description"),
  options: [
    {
      type: ApplicationCommandOptionType.Subcommand,
      name: "about",
      ...localizedDescription("commands.rally.about"),
    },
    {
      type: ApplicationCommandOptionType.Subcommand,
      name: "help",
      ...localizedDescription("commands.rally.help"),
    },
    {
      type: ApplicationCommandOptionType.Subcommand,
      name: "safety",
      ...localizedDescription("commands.rally.safety"),
    },
  ],
});

function about({ t, app }: InteractionContext): HandlerResult {
  const embed: APIEmbed = {
    title: t("rally.aboutTitle"),
    description: t("rally.aboutDescription"),
    fields: [
      { name: t("rally.version"), value: app.version, inline: true },
      { name: t("rally.data"), value: t("rally.dataValue", { database: app.database }) },
      { name: t("rally.source"), value: t("rally.sourceValue") },
    ],
  };
  return { type: "reply", ephemeral: true, message: { embeds: [embed] } };
}

/** Lists every subcommand in the command list, split by who may use it. */
function help({ t, commands, language }: InteractionContext): HandlerResult {
  const everyone: string[] = [];
  const organizers: string[] = [];
  for (const command of commands) {
    for (const [path, handler] of Object.entries(command.subcommands)) {
      const line = `\`/${command.data.name} ${path}\` — ${subcommandDescription(command, path, language)}`;
      (handler.access === "everyone" ? everyone : organizers).push(line);
    }
  }
  const embed: APIEmbed = {
    title: t("rally.helpTitle"),
    fields: [
      ...listFields(
        t("rally.helpEveryone"),
        everyone.length > 0 ? everyone : [t("rally.helpNone")],
        t,
      ),
      ...listFields(t("rally.helpOrganizers"), [t("rally.helpOrganizersNote"), ...organizers], t),
    ],
  };
  return { type: "reply", ephemeral: true, message: { embeds: [embed] } };
}

/**
 * Discord cuts a field at 1024 characters: a longer list goes on in fields titled as continuing
 * it, never untitled (a zero-width title reads as a stray line).
 */
function listFields(name: string, lines: readonly string[], t: Translator): APIEmbedField[] {
  const fields: APIEmbedField[] = [];
  const title = () => (fields.length === 0 ? name : t("rally.helpContinued", { section: name }));
  let value = "";
  for (const line of lines) {
    if (value !== "" && value.length + 1 + line.length > limits.fieldValue) {
      fields.push({ name: title(), value });
      value = "";
    }
    value = value === "" ? line : `${value}\n${line}`;
  }
  fields.push({ name: title(), value });
  return fields;
}

function subcommandDescription(command: Command, path: string, language: string): string {
  let options = command.data.options ?? [];
  let found: (typeof options)[number] | undefined;
  for (const name of path.split(" ")) {
    found = options.find((option) => option.name === name);
    options = found && "options" in found ? (found.options ?? []) : [];
  }
  if (!found) return "";
  return found.description_localizations?.[language as "ru"] ?? found.description;
}

export const rallyCommand: Command = {
  data,
  subcommands: {
    about: subcommand({
      access: "everyone",
      ephemeral: true,
      options: noOptions.schema,
      run: async (_input, context) => about(context),
    }),
    help: subcommand({
      access: "everyone",
      ephemeral: true,
      options: noOptions.schema,
      run: async (_input, context) => help(context),
    }),
    safety: subcommand({
      access: "organizer",
      ephemeral: true,
      options: noOptions.schema,
      run: async (_input, context) => safety(context),
    }),
  },
};
