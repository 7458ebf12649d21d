import type { APIEmbed } from "discord.js";
import type { Campaign } from "../../domain/campaigns.ts";
import { nextMilestone, progressRatio } from "../../domain/goalLadder.ts";
import type { Translator } from "../../i18n/index.ts";
import { discordTime } from "./taskCard.ts";
import { showText, shorten } from "./text.ts";

const colors = { active: 0x2e8b57, won: 0xdaa520, ended: 0x808080 } as const;

interface TaskNumbers {
  open: number;
  done: number;
}

/** One formatter per language: building an Intl.NumberFormat costs far more than using one. */
const numberFormats = new Map<string, Intl.NumberFormat>();

export function formatNumber(value: number, language: string): string {
  let format = numberFormats.get(language);
  if (!format) {
    format = new Intl.NumberFormat(language);
    numberFormats.set(language, format);
  }
  return format.format(value);
}

/** A bar of twelve segments: readable on every Discord theme and in screen readers' text. */
function progressBar(count: number, goal: number, width = 12): string {
  const filled = Math.round(progressRatio(count, goal) * width);
  return "▰".repeat(filled) + "▱".repeat(width - filled);
}

export function percentOf(count: number, goal: number): number {
  return goal > 0 ? Math.floor((count * 100) / goal) : 0;
}

export function progressLine(campaign: Campaign, t: Translator, language: string): string {
  return t("campaign.progress", {
    bar: progressBar(campaign.count, campaign.goal),
    count: formatNumber(campaign.count, language),
    goal: formatNumber(campaign.goal, language),
    unit: showText(campaign.unit, 32),
    percent: percentOf(campaign.count, campaign.goal),
  });
}

/** "3 tasks done": the same words on the live card and in summaries, for the same count. */
export function tasksDoneText(count: number, t: Translator): string {
  return t("campaign.tasksDone", { count });
}

function statusName(status: string, t: Translator): string {
  return status === "won"
    ? t("campaign.status.won")
    : status === "ended"
      ? t("campaign.status.ended")
      : t("campaign.status.active");
}

/** The campaign card: what it is, how far it got, what to do next. */
export function campaignCard(
  campaign: Campaign,
  tasks: TaskNumbers,
  t: Translator,
  language: string,
): APIEmbed {
  const description = [
    campaign.description ? showText(shorten(campaign.description, 600), 700) : null,
    progressLine(campaign, t, language),
  ]
    .filter(Boolean)
    .join("\n\n");
  const milestone = nextMilestone(campaign.count, campaign.goal);
  const fields: NonNullable<APIEmbed["fields"]> = [
    {
      name: t("campaign.nextMilestone"),
      value:
        milestone === null
          ? t("campaign.goalReached")
          : t("campaign.nextMilestoneValue", {
              milestone: formatNumber(milestone, language),
              unit: showText(campaign.unit, 32),
              remaining: formatNumber(milestone - campaign.count, language),
            }),
      inline: true,
    },
    {
      name: t("campaign.tasks"),
      value: t("campaign.tasksValue", {
        open: t("campaign.tasksOpen", { count: tasks.open }),
        done: tasksDoneText(tasks.done, t),
      }),
      inline: true,
    },
  ];
  if (campaign.endsAt) {
    fields.push({
      name: t("campaign.ends"),
      value: t("campaign.endsValue", {
        date: discordTime(campaign.endsAt, "f", t),
        relative: discordTime(campaign.endsAt, "R", t),
      }),
      inline: true,
    });
  }
  if (campaign.callToAction) {
    fields.push({ name: t("campaign.takeAction"), value: showText(campaign.callToAction, 1024) });
  }
  return {
    title: showText(campaign.title, 256),
    ...(campaign.link ? { url: campaign.link } : {}),
    description,
    fields,
    color: colors[campaign.status as keyof typeof colors] ?? colors.active,
    footer: {
      text: t("campaign.cardFooter", {
        id: campaign.number,
        status: statusName(campaign.status, t),
      }),
    },
  };
}

/**
 * The campaign's live card, pinned in its channel: it speaks like the petition page ("**332** so
 * far! Help us get to **500** signers!"), then the bar, the call to action, the link, and when
 * the count was last read from its source (or, without one, last changed).
 */
export function liveCampaignCard(
  campaign: Campaign,
  tasks: TaskNumbers,
  when: { changedAt: Date; readAt: Date | null },
  t: Translator,
  language: string,
): APIEmbed {
  const values = {
    current: formatNumber(campaign.count, language),
    goal: formatNumber(campaign.goal, language),
  };
  // The default unit has plural forms; a unit the organizer typed is shown as typed.
  const headline =
    campaign.unit === t("campaign.defaultUnit")
      ? t("campaign.liveHeadline", { ...values, count: campaign.goal })
      : t("campaign.liveHeadlineUnit", { ...values, unit: showText(campaign.unit, 32) });
  const description = [
    campaign.description ? showText(shorten(campaign.description, 600), 700) : null,
    headline,
    `${progressBar(campaign.count, campaign.goal)} ${percentOf(campaign.count, campaign.goal)}%`,
    campaign.callToAction ? `**${showText(campaign.callToAction, 300)}**` : null,
    campaign.link ? showText(campaign.link, 600) : null,
    when.readAt
      ? t("campaign.liveLastRead", { when: discordTime(when.readAt, "R", t) })
      : t("campaign.liveLastChanged", { when: discordTime(when.changedAt, "R", t) }),
  ]
    .filter(Boolean)
    .join("\n\n");
  const { fields = [], ...card } = campaignCard(campaign, tasks, t, language);
  return {
    ...card,
    description,
    fields: fields.filter((field) => field.name !== t("campaign.takeAction")),
  };
}
