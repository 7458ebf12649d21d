import {
  ApplicationCommandOptionType,
  ChannelType,
  channelMention,
  roleMention,
  type APIEmbed,
} from "discord.js";
import { DateTime } from "luxon";
import type * as z from "zod";
import { canonicalTimeZone, timeZoneChoices } from "../../src/domain/dates.ts";
import { UserError } from "../../src/domain/errors.ts";
import { changeSetting, type GuildSettingsView } from "../../src/domain/guildSettings.ts";
import {
  subcommand,
  type AutocompleteChoice,
  type Command,
  type HandlerResult,
  type InteractionContext,
} from "../../src/discord/command.ts";
import { requirePostableChannel } from "../../src/discord/channels.ts";
import {
  guildCommand,
  localizedChoice,
  localizedDescription,
} from "../../src/discord/commandData.ts";
import { isLanguage, languages, translator } from "../../src/i18n/index.ts";
import { option, options } from "../../src/discord/declaredOptions.ts";
import { audit } from "./audit.ts";
import { serverCalendar } from "./calendar.ts";
import { purgeForm, purgeSubmit } from "./purge.ts";

const S = ApplicationCommandOptionType;
const d = localizedDescription;

/** The options of each subcommand that takes any, by subcommand. */
const optionsOf = {
  organizer_role: options(
    option({ type: S.Role, name: "role", ...d("commands.settings.options.organizer_role") }),
  ),
  announce_role: options(
    option({ type: S.Role, name: "role", ...d("commands.settings.options.announce_role") }),
  ),
  timezone: options(
    option({
      type: S.String,
      name: "zone",
      ...d("commands.settings.options.zone"),
      required: true,
      autocomplete: true,
      max_length: 64,
    }),
  ),
  claim_expiry: options(
    option({
      type: S.Integer,
      name: "days",
      ...d("commands.settings.options.days"),
      required: true,
      min_value: 1,
      max_value: 30,
    }),
  ),
  review_required: options(
    option({
      type: S.Boolean,
      name: "enabled",
      ...d("commands.settings.options.enabled"),
      required: true,
    }),
  ),
  review_channel: options(
    option({
      type: S.Channel,
      name: "channel",
      ...d("commands.settings.options.channel"),
      channel_types: [ChannelType.GuildText],
    }),
  ),
  retention: options(
    option({
      type: S.Integer,
      name: "days",
      ...d("commands.settings.options.retention_days"),
      required: true,
      min_value: 1,
      max_value: 3650,
    }),
  ),
  language: options(
    option({
      type: S.String,
      name: "language",
      ...d("commands.settings.options.language"),
      required: true,
      choices: languages.map((value) =>
        localizedChoice(`commands.settings.languages.${value}`, value),
      ),
    }),
  ),
  proof_files: options(
    option({
      type: S.Boolean,
      name: "enabled",
      ...d("commands.settings.options.enabled"),
      required: true,
    }),
  ),
  calendar: options(
    option({ type: S.Boolean, name: "rotate", ...d("commands.settings.options.rotate") }),
    option({ type: S.Boolean, name: "locations", ...d("commands.settings.options.locations") }),
  ),
  none: options(),
};

const data = guildCommand({
  name: "settings",
  ...d("commands.settings.description"),
  options: [
    {
      type: S.Subcommand,
      name: "organizer_role",
      ...d("commands.settings.organizer_role"),
      options: optionsOf.organizer_role.json,
    },
    {
      type: S.Subcommand,
      name: "announce_role",
      ...d("commands.settings.announce_role"),
      options: optionsOf.announce_role.json,
    },
    {
      type: S.Subcommand,
      name: "timezone",
      ...d("commands.settings.timezone"),
      options: optionsOf.timezone.json,
    },
    {
      type: S.Subcommand,
      name: "claim_expiry",
      ...d("commands.settings.claim_expiry"),
      options: optionsOf.claim_expiry.json,
    },
    {
      type: S.Subcommand,
      name: "review_required",
      ...d("commands.settings.review_required"),
      options: optionsOf.review_required.json,
    },
    {
      type: S.Subcommand,
      name: "review_channel",
      ...d("commands.settings.review_channel"),
      options: optionsOf.review_channel.json,
    },
    {
      type: S.Subcommand,
      name: "retention",
      ...d("commands.settings.retention"),
      options: optionsOf.retention.json,
    },
    { type: S.Subcommand, name: "audit", ...d("commands.settings.audit") },
    {
      type: S.Subcommand,
      name: "language",
      ...d("commands.settings.language"),
      options: optionsOf.language.json,
    },
    { type: S.Subcommand, name: "show", ...d("commands.settings.show") },
    { type: S.Subcommand, name: "purge", ...d("commands.settings.purge") },
    {
      type: S.Subcommand,
      name: "proof_files",
      ...d("commands.settings.proof_files"),
      options: optionsOf.proof_files.json,
    },
    {
      type: S.Subcommand,
      name: "calendar",
      ...d("commands.settings.calendar"),
      options: optionsOf.calendar.json,
    },
  ],
});

type RoleInput = z.output<typeof optionsOf.organizer_role.schema>;

/** A role of this server other than @everyone (whose id is the server's own). */
function requireRole(roleId: string | undefined, context: InteractionContext): string | null {
  if (roleId === undefined) return null;
  if (roleId === context.guildId) throw new UserError("settings.everyoneRole");
  if (!context.channels.roleExists(roleId)) throw new UserError("settings.unknownRole");
  return roleId;
}

function settingsEmbed(settings: GuildSettingsView, context: InteractionContext): APIEmbed {
  const { t } = context;
  const role = (id: string | null) => (id ? roleMention(id) : t("settings.none"));
  return {
    title: t("settings.title"),
    fields: [
      { name: t("settings.organizerRole"), value: role(settings.organizerRoleId), inline: true },
      { name: t("settings.announceRole"), value: role(settings.announceRoleId), inline: true },
      { name: t("settings.timezone"), value: settings.timezone, inline: true },
      {
        name: t("settings.language"),
        value: isLanguage(settings.language)
          ? t(`commands.settings.languages.${settings.language}`)
          : settings.language,
        inline: true,
      },
      {
        name: t("settings.claimExpiry"),
        value: t("settings.claimExpiryValue", { count: settings.claimExpiryDays }),
        inline: true,
      },
      {
        name: t("settings.reviewRequired"),
        value: settings.reviewRequired ? t("settings.yes") : t("settings.no"),
        inline: true,
      },
      {
        name: t("settings.retention"),
        value: t("settings.retentionValue", { count: settings.retentionDays }),
        inline: true,
      },
      {
        name: t("settings.reviewChannel"),
        value: settings.reviewChannelId
          ? channelMention(settings.reviewChannelId)
          : t("settings.none"),
        inline: true,
      },
      {
        name: t("settings.proofFiles"),
        value: settings.proofFilesAllowed ? t("settings.yes") : t("settings.no"),
        inline: true,
      },
    ],
  };
}

function answer(
  content: string,
  settings: GuildSettingsView,
  context: InteractionContext,
): HandlerResult {
  return {
    type: "reply",
    ephemeral: true,
    message: { content, embeds: [settingsEmbed(settings, context)] },
  };
}

async function organizerRole(input: RoleInput, context: InteractionContext) {
  const roleId = requireRole(input.role, context);
  const settings = await changeSetting(context.db, context.guildId, context.userId, {
    setting: "organizerRole",
    roleId,
  });
  const content = roleId
    ? context.t("settings.organizerRoleSet", { role: roleMention(roleId) })
    : context.t("settings.organizerRoleCleared");
  return answer(content, settings, context);
}

async function announceRole(input: RoleInput, context: InteractionContext) {
  const roleId = requireRole(input.role, context);
  const settings = await changeSetting(context.db, context.guildId, context.userId, {
    setting: "announceRole",
    roleId,
  });
  const content = roleId
    ? context.t("settings.announceRoleSet", { role: roleMention(roleId) })
    : context.t("settings.announceRoleCleared");
  return answer(content, settings, context);
}

async function timezone(input: { zone: string }, context: InteractionContext) {
  const zone = canonicalTimeZone(input.zone);
  if (!zone) throw new UserError("settings.unknownTimezone", { zone: input.zone });
  const settings = await changeSetting(context.db, context.guildId, context.userId, {
    setting: "timezone",
    zone,
  });
  const time = DateTime.fromJSDate(context.now(), { zone }).toFormat("HH:mm");
  return answer(context.t("settings.timezoneSet", { zone, time }), settings, context);
}

async function claimExpiry(input: { days: number }, context: InteractionContext) {
  const settings = await changeSetting(context.db, context.guildId, context.userId, {
    setting: "claimExpiry",
    days: input.days,
  });
  return answer(context.t("settings.claimExpirySet", { count: input.days }), settings, context);
}

async function reviewRequired(input: { enabled: boolean }, context: InteractionContext) {
  const settings = await changeSetting(context.db, context.guildId, context.userId, {
    setting: "reviewRequired",
    enabled: input.enabled,
  });
  const key = input.enabled ? "settings.reviewRequiredOn" : "settings.reviewRequiredOff";
  return answer(context.t(key), settings, context);
}

/** Submissions name the volunteer, so the review channel must be hidden from @everyone. */
async function reviewChannel(input: { channel?: string | undefined }, context: InteractionContext) {
  const channelId = input.channel ?? null;
  if (channelId !== null) {
    requirePostableChannel(context.channels, context.t, channelId);
    if (!context.channels.isPrivate(channelId)) {
      throw new UserError("settings.reviewChannelPublic", { channel: channelMention(channelId) });
    }
  }
  const settings = await changeSetting(context.db, context.guildId, context.userId, {
    setting: "reviewChannel",
    channelId,
  });
  const content = channelId
    ? context.t("settings.reviewChannelSet", { channel: channelMention(channelId) })
    : context.t("settings.reviewChannelCleared");
  return answer(content, settings, context);
}

async function retention(input: { days: number }, context: InteractionContext) {
  const settings = await changeSetting(context.db, context.guildId, context.userId, {
    setting: "retention",
    days: input.days,
  });
  return answer(context.t("settings.retentionSet", { count: input.days }), settings, context);
}

async function autocomplete(focused: {
  name: string;
  value: string;
}): Promise<AutocompleteChoice[]> {
  return focused.name === "zone" ? timeZoneChoices(focused.value) : [];
}

export const settingsCommand: Command = {
  data,
  subcommands: {
    organizer_role: subcommand({
      access: "manager",
      ephemeral: true,
      options: optionsOf.organizer_role.schema,
      run: organizerRole,
    }),
    announce_role: subcommand({
      access: "organizer",
      ephemeral: true,
      options: optionsOf.announce_role.schema,
      run: announceRole,
    }),
    timezone: subcommand({
      access: "organizer",
      ephemeral: true,
      options: optionsOf.timezone.schema,
      run: timezone,
    }),
    claim_expiry: subcommand({
      access: "organizer",
      ephemeral: true,
      options: optionsOf.claim_expiry.schema,
      run: claimExpiry,
    }),
    review_required: subcommand({
      access: "organizer",
      ephemeral: true,
      options: optionsOf.review_required.schema,
      run: reviewRequired,
    }),
    review_channel: subcommand({
      access: "organizer",
      ephemeral: true,
      options: optionsOf.review_channel.schema,
      run: reviewChannel,
    }),
    retention: subcommand({
      access: "organizer",
      ephemeral: true,
      options: optionsOf.retention.schema,
      run: retention,
    }),
    language: subcommand({
      access: "organizer",
      ephemeral: true,
      options: optionsOf.language.schema,
      run: async (input, context) => {
        const settings = await changeSetting(context.db, context.guildId, context.userId, {
          setting: "language",
          language: input.language,
        });
        // Said in the new language: it is the one the server's posts will use from now on.
        const t = translator(input.language);
        const name = t(`commands.settings.languages.${input.language}`);
        return answer(t("settings.languageSet", { language: name }), settings, context);
      },
    }),
    audit: subcommand({
      access: "organizer",
      ephemeral: true,
      options: optionsOf.none.schema,
      run: async (_input, context) => audit(context),
    }),
    proof_files: subcommand({
      access: "organizer",
      ephemeral: true,
      options: optionsOf.proof_files.schema,
      run: async (input, context) => {
        const settings = await changeSetting(context.db, context.guildId, context.userId, {
          setting: "proofFiles",
          enabled: input.enabled,
        });
        const key = input.enabled ? "settings.proofFilesOn" : "settings.proofFilesOff";
        return answer(context.t(key), settings, context);
      },
    }),
    calendar: subcommand({
      access: "organizer",
      ephemeral: true,
      options: optionsOf.calendar.schema,
      run: serverCalendar,
    }),
    purge: subcommand({
      access: "manager",
      ephemeral: true,
      options: optionsOf.none.schema,
      run: async (_input, context) => purgeForm(context),
    }),
    show: subcommand({
      access: "everyone",
      ephemeral: true,
      options: optionsOf.none.schema,
      run: async (_input, context) => answer("", context.settings, context),
    }),
  },
  autocomplete,
  components: { purge: purgeSubmit },
};
