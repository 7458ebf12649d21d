import { roleMention, subtext, userMention, type APIEmbed } from "discord.js";
import type { Summary, CampaignSummary } from "../../domain/summaries.ts";
import { renderChart } from "../../render/chartPool.ts";
import { translator, type Language, type Translator } from "../../i18n/index.ts";
import type { OutgoingMessage } from "../command.ts";
import { formatNumber, progressLine, tasksDoneText } from "./campaignCard.ts";
import { discordTime } from "./taskCard.ts";
import { showText, shorten } from "./text.ts";

/** Campaigns per message: three embeds with their charts stay far inside every limit. */
const campaignsPerMessage = 3;

function signed(value: number, language: string): string {
  return `${value >= 0 ? "+" : "−"}${formatNumber(Math.abs(value), language)}`;
}

function campaignEmbed(
  summary: CampaignSummary,
  t: Translator,
  language: Language,
  chartName: string | null,
): APIEmbed {
  const { campaign } = summary;
  const lines = [progressLine(campaign, t, language)];
  const since = signed(summary.delta, language);
  lines.push(
    summary.sinceKind === "lastSummary"
      ? t("summary.sinceLast", { delta: since, time: discordTime(summary.since, "f", t) })
      : t("summary.sinceStart", { delta: since }),
  );
  lines.push(
    summary.nextMilestone === null
      ? t("summary.goalReached")
      : t("summary.milestone", {
          milestone: formatNumber(summary.nextMilestone, language),
          remaining: formatNumber(summary.nextMilestone - campaign.count, language),
        }),
  );
  if (campaign.endsAt)
    lines.push(t("summary.endsIn", { relative: discordTime(campaign.endsAt, "R", t) }));
  if (summary.source?.status === "paused") lines.push(t("source.pausedLine"));
  else if (summary.source?.status === "failing")
    lines.push(t("source.failingLine", { since: discordTime(summary.source.since, "f", t) }));
  const fields: NonNullable<APIEmbed["fields"]> = [
    {
      name: t("summary.outreach"),
      value: [
        t(summary.sinceKind === "lastSummary" ? "summary.tasksDone" : "summary.tasksDoneStart", {
          done: tasksDoneText(summary.tasksDone, t),
        }),
        t("summary.slotsOpen", { count: summary.openSlots }),
        t("summary.overdue", { count: summary.overdueClaims }),
      ].join(" · "),
    },
  ];
  if (summary.nextDue.length > 0) {
    fields.push({
      name: t("summary.nextDue"),
      value: summary.nextDue
        .map(
          (task) =>
            `• ${showText(shorten(task.title, 80), 120)} — ${discordTime(task.dueAt, "R", t)}`,
        )
        .join("\n"),
    });
  }
  if (summary.reviewWaiting > 0) lines.push(t("summary.review", { count: summary.reviewWaiting }));
  if (campaign.callToAction || campaign.link) {
    fields.push({
      name: t("summary.takeAction"),
      value: [campaign.callToAction ? showText(campaign.callToAction, 200) : null, campaign.link]
        .filter(Boolean)
        .join("\n"),
    });
  }
  return {
    title: showText(campaign.title, 256),
    ...(campaign.link ? { url: campaign.link } : {}),
    description: lines.join("\n"),
    fields,
    color: 0x2e8b57,
    ...(chartName ? { image: { url: `attachment://${chartName}` } } : {}),
  };
}

/** "Thank you @a, @b and 4 more volunteers!" — only those who chose public credit are named. */
function thanks(summary: Summary, t: Translator): string | null {
  // Thirty names fit any message; beyond that, the rest are counted with the anonymous.
  const names = summary.creditedVolunteerIds.slice(0, 30).map((id) => userMention(id));
  const others = summary.anonymousVolunteers + summary.creditedVolunteerIds.length - names.length;
  if (names.length === 0 && others === 0) return null;
  if (names.length === 0) return t("summary.thanksAnonymous", { count: others });
  const joined = names.join(", ");
  return others > 0
    ? t("summary.thanksNamedAndMore", { names: joined, count: others })
    : t("summary.thanksNamed", { names: joined });
}

/**
 * The summary as one or more messages, in a stable order (campaigns by id), each within
 * Discord's limits, with one chart per campaign. Mentions in the content render the
 * volunteers' current names and ping no one; only the announce role may ping.
 */
export async function summaryMessages(
  summary: Summary,
  options: {
    language: Language;
    timeZone: string;
    announceRoleId: string | null;
    late: boolean;
    now: Date;
  },
): Promise<OutgoingMessage[]> {
  const { language } = options;
  const t = translator(language);
  const messages: OutgoingMessage[] = [];
  for (let start = 0; start < summary.campaigns.length; start += campaignsPerMessage) {
    const part = summary.campaigns.slice(start, start + campaignsPerMessage);
    const files = await Promise.all(
      part.map(async (campaign) => ({
        name: `progress-${campaign.campaign.number}.png`,
        description: shorten(t("summary.chartAlt", { title: campaign.campaign.title }), 1000),
        data: await renderChart({
          title: campaign.campaign.title,
          unit: campaign.campaign.unit,
          goal: campaign.campaign.goal,
          points: campaign.history,
          windowStart: campaign.windowStart,
          windowEnd: options.now,
          timeZone: options.timeZone,
          locale: language,
          labels: {
            goal: t("summary.chartGoal", { goal: formatNumber(campaign.campaign.goal, language) }),
          },
        }),
      })),
    );
    const first = start === 0;
    const content = first
      ? [
          options.announceRoleId ? roleMention(options.announceRoleId) : null,
          thanks(summary, t),
          options.late ? subtext(t("summary.late")) : null,
        ]
          .filter(Boolean)
          .join("\n")
      : "";
    messages.push({
      ...(content ? { content: shorten(content, 2000) } : {}),
      embeds: part.map((campaign, index) =>
        campaignEmbed(campaign, t, language, files[index]?.name ?? null),
      ),
      files,
      ...(first && options.announceRoleId ? { allowedRoleIds: [options.announceRoleId] } : {}),
    });
  }
  return messages;
}
