import { ApplicationCommandOptionType, ChannelType, channelMention } from "discord.js";
import type * as z from "zod";
import { notePostedMessage } from "../../src/domain/postedMessages.ts";
import { parseCampaignId, searchCampaigns } from "../../src/domain/campaigns.ts";
import { canonicalTimeZone, timeZoneChoices } from "../../src/domain/dates.ts";
import { UserError } from "../../src/domain/errors.ts";
import { campaignNumbersOf } from "../../src/domain/numbers.ts";
import {
  dayPresetNames,
  dayPresets,
  parseDays,
  presetOf,
  storedDays,
  weekdayNames,
  weekdaysOf,
} from "../../src/domain/scheduleDays.ts";
import { formatLocalTime, parseLocalTime } from "../../src/domain/summarySchedule.ts";
import { noteSummaryPosted } from "../../src/domain/summaries.ts";
import {
  createSchedule,
  listSchedules,
  parseScheduleId,
  resumeSchedule,
  ScheduleStoppedError,
  turnOff,
  knownStatusReason,
} from "../../src/domain/summarySchedules.ts";
import { postPermissions, requirePostableChannel } from "../../src/discord/channels.ts";
import { classifyDiscordFailure, discordFailureText } from "../../src/discord/discordFailure.ts";
import {
  privateReply,
  subcommand,
  type AutocompleteChoice,
  type Command,
  type HandlerResult,
  type InteractionContext,
} from "../../src/discord/command.ts";
import { guildCommand, localizedDescription } from "../../src/discord/commandData.ts";
import { option, options } from "../../src/discord/declaredOptions.ts";
import { discordTime } from "../../src/discord/render/taskCard.ts";
import { showText, shorten } from "../../src/discord/render/text.ts";
import { renderSummary } from "../../src/discord/summaryJobs.ts";

const S = ApplicationCommandOptionType;
const d = localizedDescription;

const scheduleOption = {
  type: S.String,
  name: "schedule",
  ...d("commands.summary.options.schedule"),
  required: true,
  autocomplete: true,
} as const;
const campaignOption = {
  type: S.String,
  name: "campaign",
  ...d("commands.summary.options.campaign"),
  autocomplete: true,
} as const;
const textChannelTypes: [ChannelType.GuildText, ChannelType.GuildAnnouncement] = [
  ChannelType.GuildText,
  ChannelType.GuildAnnouncement,
];
const channelOption = {
  type: S.Channel,
  name: "channel",
  ...d("commands.summary.options.channel"),
  channel_types: textChannelTypes,
} as const;

const scheduleOptions = options(
  option({ ...channelOption, required: true }),
  option({
    type: S.String,
    name: "time",
    ...d("commands.summary.options.time"),
    required: true,
    max_length: 5,
  }),
  option({
    type: S.String,
    name: "timezone",
    ...d("commands.summary.options.timezone"),
    autocomplete: true,
    max_length: 64,
  }),
  // Any set of weekdays: autocomplete offers the presets and reads a typed list ("mon,thu");
  // Discord allows no fixed choices beside it, so what arrives is checked in `schedule`.
  option({
    type: S.String,
    name: "days",
    ...d("commands.summary.options.days"),
    autocomplete: true,
    max_length: 100,
  }),
  option(campaignOption),
);
const scheduleOnly = options(option(scheduleOption));
const nowOptions = options(option(campaignOption), option(channelOption));
const campaignOnly = options(option(campaignOption));
const noOptions = options();

const data = guildCommand({
  name: "summary",
  ...d("commands.summary.description"),
  options: [
    {
      type: S.Subcommand,
      name: "schedule",
      ...d("commands.summary.schedule"),
      options: scheduleOptions.json,
    },
    { type: S.Subcommand, name: "list", ...d("commands.summary.list") },
    {
      type: S.Subcommand,
      name: "off",
      ...d("commands.summary.off"),
      options: scheduleOnly.json,
    },
    {
      type: S.Subcommand,
      name: "resume",
      ...d("commands.summary.resume"),
      options: scheduleOnly.json,
    },
    {
      type: S.Subcommand,
      name: "now",
      ...d("commands.summary.now"),
      options: nowOptions.json,
    },
    {
      type: S.Subcommand,
      name: "preview",
      ...d("commands.summary.preview"),
      options: campaignOnly.json,
    },
  ],
});

/** A summary channel must take embeds and the chart file. */
function requireSummaryChannel(channelId: string, context: InteractionContext): void {
  requirePostableChannel(context.channels, context.t, channelId, [
    ...postPermissions,
    "AttachFiles",
  ]);
}

async function schedule(
  input: z.output<typeof scheduleOptions.schema>,
  context: InteractionContext,
): Promise<HandlerResult> {
  const time = parseLocalTime(input.time);
  const timeText = formatLocalTime(time);
  const zone =
    input.timezone === undefined ? context.settings.timezone : canonicalTimeZone(input.timezone);
  if (!zone) throw new UserError("summary.unknownTimezone", { zone: input.timezone ?? "" });
  requireSummaryChannel(input.channel, context);
  const days = input.days === undefined ? storedDays(dayPresets.daily) : parseDays(input.days);
  if (days === null) throw new UserError("summary.badDays");
  const created = await createSchedule(
    context.db,
    context.guildId,
    context.userId,
    {
      channelId: input.channel,
      time: timeText,
      timeZone: zone,
      days,
      campaignId: input.campaign === undefined ? null : parseCampaignId(input.campaign),
    },
    context.now(),
  );
  return privateReply(
    context.t("summary.scheduled", {
      channel: channelMention(created.channelId),
      days: daysLabel(days, context),
      time: timeText,
      zone,
      first: discordTime(created.nextRunAt, "f", context.t),
    }),
  );
}

function reasonText(reason: string | null, context: InteractionContext): string {
  return context.t(`summary.reason.${knownStatusReason(reason)}`);
}

/** Every schedule with its state; a paused one says why and how to fix it. */
async function list(context: InteractionContext): Promise<HandlerResult> {
  const schedules = await listSchedules(context.db, context.guildId);
  if (schedules.length === 0) return privateReply(context.t("summary.listEmpty"));
  const { t } = context;
  const campaigns = new Map(
    (await searchCampaigns(context.db, context.guildId, "", "all")).map((campaign) => [
      campaign.id,
      campaign.title,
    ]),
  );
  // A campaign beyond those read above shows by its number, never by its internal id.
  const unnamed = schedules.flatMap((entry) =>
    entry.campaignId !== null && !campaigns.has(entry.campaignId) ? [entry.campaignId] : [],
  );
  const numbers = await campaignNumbersOf(context.db, context.guildId, unnamed);
  const lines = schedules.map((entry) => {
    const state =
      entry.status === "active"
        ? t("summary.stateActive", { next: discordTime(entry.nextRunAt, "R", t) })
        : entry.status === "paused"
          ? t("summary.statePaused", { reason: reasonText(entry.statusReason, context) })
          : entry.status === "off"
            ? t("summary.stateOff")
            : t("summary.stateStopped", { reason: reasonText(entry.statusReason, context) });
    const campaign =
      entry.campaignId === null
        ? t("summary.allCampaigns")
        : showText(
            shorten(
              campaigns.get(entry.campaignId) ?? `#${numbers.get(entry.campaignId) ?? "?"}`,
              60,
            ),
            80,
          );
    const line = t("summary.listLine", {
      id: entry.id,
      channel: channelMention(entry.channelId),
      days: daysLabel(entry.days, context),
      time: entry.time,
      zone: entry.timeZone,
      campaign,
      state,
    });
    const uncertain =
      entry.posts.length > 0
        ? `\n  ${t("summary.uncertain", { count: entry.posts.length, channel: channelMention(entry.channelId) })}`
        : "";
    return line + uncertain;
  });
  return privateReply("", [
    { title: t("summary.listTitle"), description: shorten(lines.join("\n"), 4096) },
  ]);
}

async function now(
  input: { campaign?: string | undefined; channel?: string | undefined },
  context: InteractionContext,
): Promise<HandlerResult> {
  const channelId = input.channel ?? context.channelId;
  requireSummaryChannel(channelId, context);
  const campaignId = input.campaign === undefined ? null : parseCampaignId(input.campaign);
  const messages = await renderSummary(context.db, context.guildId, {
    campaignId,
    since: null,
    late: false,
    now: context.now(),
  });
  if (messages.length === 0) return privateReply(context.t("summary.nothing"));
  const channel = channelMention(channelId);
  try {
    for (const message of messages) {
      const posted = await context.channels.post(channelId, message);
      // It may thank volunteers by name: noted, so /settings purge can take the names out.
      await notePostedMessage(
        context.db,
        context.guildId,
        "summary",
        { channelId, messageId: posted.id },
        context.now(),
      );
    }
  } catch (error) {
    // Only a post failed: the organizer learns why, and that running it again is safe.
    context.log.warn({ err: error, guildId: context.guildId }, "summary not posted");
    const reason = discordFailureText(classifyDiscordFailure(error), context.t);
    return privateReply(context.t("summary.notPosted", { channel, reason }));
  }
  // The next summary counts from this one.
  await noteSummaryPosted(context.db, context.guildId, context.userId, campaignId, context.now());
  return privateReply(context.t("summary.postedNow", { channel }));
}

async function preview(
  input: z.output<typeof campaignOnly.schema>,
  context: InteractionContext,
): Promise<HandlerResult> {
  const messages = await renderSummary(context.db, context.guildId, {
    campaignId: input.campaign === undefined ? null : parseCampaignId(input.campaign),
    since: null,
    late: false,
    now: context.now(),
  });
  const [first] = messages;
  if (!first) return privateReply(context.t("summary.nothing"));
  // The preview shows the first message as it would post; it pings no one, even the role.
  return { type: "reply", ephemeral: true, message: { ...first, allowedRoleIds: [] } };
}

/** A schedule's days in the reader's language: a preset's name, or the weekdays ("пн, чт"). */
function daysLabel(stored: string, { t, language }: InteractionContext): string {
  const preset = presetOf(stored);
  if (preset) return t(`summary.days.${preset}`);
  return t("summary.days.list", { days: weekdayList(stored, language) });
}

function weekdayList(stored: string, language: string): string {
  const names = weekdayNames(language);
  return (weekdaysOf(stored) ?? []).map((day) => names[day - 1] ?? "").join(", ");
}

/** The presets whose names match what was typed, or the typed weekdays read back ("mon,thu"). */
function dayChoices(typed: string, { t, language }: InteractionContext): AutocompleteChoice[] {
  const presets = dayPresetNames.map((preset) => ({
    name: t(`commands.summary.choices.${preset}`),
    value: storedDays(dayPresets[preset]),
  }));
  const needle = typed.trim().toLowerCase();
  const parsed = parseDays(typed);
  if (parsed === null)
    return presets.filter((choice) => choice.name.toLowerCase().includes(needle));
  // What was typed reads as weekdays: that one choice, named as the preset it may be.
  const preset = presets.find((choice) => choice.value === parsed);
  return [preset ?? { name: weekdayList(parsed, language), value: parsed }];
}

async function autocomplete(
  focused: { name: string; value: string },
  context: InteractionContext,
): Promise<AutocompleteChoice[]> {
  if (focused.name === "timezone") return timeZoneChoices(focused.value);
  if (focused.name === "days") return dayChoices(focused.value, context);
  if (focused.name === "campaign") {
    const campaigns = await searchCampaigns(context.db, context.guildId, focused.value, "active");
    return campaigns.map((campaign) => ({ name: campaign.title, value: String(campaign.number) }));
  }
  if (focused.name !== "schedule") return [];
  const schedules = await listSchedules(context.db, context.guildId);
  const needle = focused.value.trim().toLowerCase();
  return schedules
    .map((entry) => ({
      name: `#${entry.id} · ${entry.time} ${entry.timeZone} · ${daysLabel(entry.days, context)} · ${context.t(`summary.statusNames.${entry.status as "active" | "paused" | "off" | "stopped"}`)}`,
      value: String(entry.id),
    }))
    .filter((choice) => choice.name.toLowerCase().includes(needle))
    .slice(0, 25);
}

export const summaryCommand: Command = {
  data,
  subcommands: {
    schedule: subcommand({
      access: "organizer",
      ephemeral: true,
      options: scheduleOptions.schema,
      run: schedule,
    }),
    list: subcommand({
      access: "organizer",
      ephemeral: true,
      options: noOptions.schema,
      run: async (_input, context) => list(context),
    }),
    off: subcommand({
      access: "organizer",
      ephemeral: true,
      options: scheduleOnly.schema,
      run: async (input, context) => {
        const updated = await turnOff(
          context.db,
          context.guildId,
          context.userId,
          parseScheduleId(input.schedule),
        );
        return privateReply(context.t("summary.turnedOff", { id: updated.id }));
      },
    }),
    resume: subcommand({
      access: "organizer",
      ephemeral: true,
      options: scheduleOnly.schema,
      run: async (input, context) => {
        const id = parseScheduleId(input.schedule);
        const updated = await resumeSchedule(
          context.db,
          context.guildId,
          context.userId,
          id,
          context.now(),
        ).catch((error: unknown) => {
          if (!(error instanceof ScheduleStoppedError)) throw error;
          throw new UserError("summary.cannotResume", {
            id,
            reason: reasonText(error.reason, context),
          });
        });
        return privateReply(
          context.t("summary.resumed", {
            id,
            next: discordTime(updated.nextRunAt, "f", context.t),
          }),
        );
      },
    }),
    now: subcommand({
      access: "organizer",
      ephemeral: true,
      options: nowOptions.schema,
      run: now,
    }),
    preview: subcommand({
      access: "everyone",
      ephemeral: true,
      options: campaignOnly.schema,
      run: preview,
    }),
  },
  autocomplete,
};
