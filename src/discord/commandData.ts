import {
  ApplicationCommandType,
  ApplicationIntegrationType,
  InteractionContextType,
  Locale,
  type LocalizationMap,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from "discord.js";
import { languages, translate, type Language, type MessageKey } from "../i18n/index.ts";

/** Rally's languages as Discord names its locales; English is the base description. */
const discordLocales: Partial<Record<Language, keyof LocalizationMap>> = {
  ru: Locale.Russian,
  uk: Locale.Ukrainian,
};

/** A description in English plus Discord's per-locale descriptions from the i18n files. */
export function localizedDescription(key: MessageKey): {
  description: string;
  description_localizations: LocalizationMap;
} {
  const localizations: LocalizationMap = {};
  for (const language of languages) {
    const locale = discordLocales[language];
    if (locale) localizations[locale] = translate(language, key);
  }
  return { description: translate("en", key), description_localizations: localizations };
}

/**
 * Every Rally command is used in servers only, installed to the server. No
 * default_member_permissions: organizers may be organizers by role, so handlers check.
 */
export function guildCommand(
  data: Omit<
    RESTPostAPIChatInputApplicationCommandsJSONBody,
    "type" | "contexts" | "integration_types"
  >,
): RESTPostAPIChatInputApplicationCommandsJSONBody {
  return {
    ...data,
    type: ApplicationCommandType.ChatInput,
    contexts: [InteractionContextType.Guild],
    integration_types: [ApplicationIntegrationType.GuildInstall],
  };
}

/** A choice whose name Discord shows in the member's language. */
export function localizedChoice<Value extends string>(key: MessageKey, value: Value) {
  const { description, description_localizations } = localizedDescription(key);
  return { name: description, name_localizations: description_localizations, value };
}
