import {
  ButtonStyle,
  ComponentType,
  time,
  type APIActionRowComponent,
  type APIComponentInMessageActionRow,
  type APIEmbed,
  type TimestampStylesString,
} from "discord.js";
import type { RepeatPeriod } from "../../domain/repeatRules.ts";
import type { TaskWithCampaign } from "../../domain/tasks.ts";
import type { TaskKind } from "../../domain/taskFields.ts";
import type { Translator } from "../../i18n/index.ts";
import { customId } from "../command.ts";
import { showText } from "./text.ts";

export function taskStatusKey(task: TaskWithCampaign): "open" | "full" | "done" | "cancelled" {
  if (task.status === "cancelled" || task.status === "done") return task.status;
  return task.claimedSlots >= task.slots ? "full" : "open";
}

/**
 * The one writer of Discord timestamps (`<t:…>`, shown in each reader's own time zone). A stored
 * date the database could not read back (PostgreSQL's driver and the year 10000) is said to be
 * unreadable, never written as `<t:NaN>`.
 */
export function discordTime(date: Date, style: TimestampStylesString, t: Translator): string {
  const seconds = Math.floor(date.getTime() / 1000);
  // time(date) would write an invalid date as <t:NaN>, so the seconds are checked first.
  return Number.isFinite(seconds) ? time(seconds, style) : t("dates.unreadable");
}

/** Where members open a server's scheduled event. */
export function eventLink(guildId: string, eventId: string): string {
  return `https://discord.com/events/${guildId}/${eventId}`;
}

/**
 * The public task card. Claimers appear only as a count: who holds a claim is shown to
 * organizers and to the claimer, never here.
 */
export function taskCard(
  task: TaskWithCampaign,
  t: Translator,
): { embeds: APIEmbed[]; components: APIActionRowComponent<APIComponentInMessageActionRow>[] } {
  const kind = task.kind as TaskKind;
  const status = taskStatusKey(task);
  const lines = [
    `${t(`task.kindIcon.${kind}`)} ${t(`commands.task.kinds.${kind}`)} · ${t("task.slotsLine", { claimed: task.claimedSlots, count: task.slots })}${task.doneCount > 0 ? ` · ${t("task.doneLine", { done: task.doneCount })}` : ""}`,
  ];
  if (task.repeat) {
    const period = t(`task.repeatPeriod.${task.repeat as RepeatPeriod}`);
    lines.push(
      task.repeatUntil
        ? t("task.repeatLineUntil", { period, until: discordTime(task.repeatUntil, "D", t) })
        : t("task.repeatLine", { period }),
    );
  }
  if (task.eventId) {
    const link = eventLink(task.guildId, task.eventId);
    lines.push(
      task.eventInterested === null
        ? t("taskEvent.cardLineNoCount", { link })
        : t("taskEvent.cardLine", { link, count: task.eventInterested }),
    );
  }
  const fields: NonNullable<APIEmbed["fields"]> = [];
  if (task.location)
    fields.push({ name: t("task.where"), value: showText(task.location, 1024), inline: true });
  if (task.startsAt) {
    fields.push({
      name: t("taskEvent.starts"),
      value: t("task.dueValue", {
        date: discordTime(task.startsAt, "f", t),
        relative: discordTime(task.startsAt, "R", t),
      }),
      inline: true,
    });
  }
  if (task.dueAt) {
    fields.push({
      name: t("task.due"),
      value: t("task.dueValue", {
        date: discordTime(task.dueAt, "f", t),
        relative: discordTime(task.dueAt, "R", t),
      }),
      inline: true,
    });
  }
  if (task.instructions)
    fields.push({ name: t("task.how"), value: showText(task.instructions, 1024) });
  const campaignLine = [
    showText(task.campaign.title, 200),
    task.campaign.callToAction ? showText(task.campaign.callToAction, 200) : null,
  ]
    .filter(Boolean)
    .join(" — ");
  fields.push({ name: t("task.campaign"), value: campaignLine });
  const closed = status === "done" || status === "cancelled";
  const id = String(task.id);
  return {
    embeds: [
      {
        title: showText(task.title, 256),
        description: lines.join("\n"),
        fields,
        color: closed ? 0x808080 : status === "full" ? 0xdaa520 : 0x2e8b57,
        footer: {
          text: t("task.cardFooter", { id: task.number, status: t(`task.status.${status}`) }),
        },
      },
    ],
    components: [
      {
        type: ComponentType.ActionRow,
        components: [
          {
            type: ComponentType.Button,
            style: ButtonStyle.Primary,
            label: t("task.claimButton"),
            custom_id: customId("task", "claim", id),
            disabled: closed || status === "full",
          },
          {
            type: ComponentType.Button,
            style: ButtonStyle.Secondary,
            label: t("task.releaseButton"),
            custom_id: customId("task", "release", id),
            disabled: closed,
          },
          {
            type: ComponentType.Button,
            style: ButtonStyle.Success,
            label: t("task.doneButton"),
            custom_id: customId("task", "done", id),
            disabled: closed,
          },
          // Flyer work needs the flyer itself: one press gives the printable PDF.
          ...(kind === "campus" || kind === "bulletin_board"
            ? [
                {
                  type: ComponentType.Button as const,
                  style: ButtonStyle.Secondary as const,
                  label: t("share.getFlyerButton"),
                  custom_id: customId("campaign", "flyer", String(task.campaignId)),
                },
              ]
            : []),
        ],
      },
    ],
  };
}
