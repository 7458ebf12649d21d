/** `/settings audit`: the last organizer actions, when (in the server's zone), and what changed. */
import { channelMention, roleMention, userMention } from "discord.js";
import { auditActionText, auditChangesText, type AuditShown } from "../../src/domain/auditText.ts";
import { formatLocalDateTime } from "../../src/domain/dates.ts";
import { recentAudit } from "../../src/domain/privacy.ts";
import type { HandlerResult, InteractionContext } from "../../src/discord/command.ts";
import { formatNumber } from "../../src/discord/render/campaignCard.ts";
import { showText } from "../../src/discord/render/text.ts";

/** Discord's limit for an embed's description, less room for the ellipsis line. */
const descriptionMax = 4000;

/** The last organizer actions; an erased member shows as such, never as a stale id. */
export async function audit(context: InteractionContext): Promise<HandlerResult> {
  const { t } = context;
  const zone = context.settings.timezone;
  const shown: AuditShown = {
    t,
    zone,
    role: roleMention,
    channel: channelMention,
    number: (value) => formatNumber(value, context.language),
    text: (value) => showText(value, 40),
  };
  const entries = await recentAudit(context.db, context.guildId);
  const lines: string[] = [];
  let length = 0;
  for (const entry of entries) {
    const line = t("settings.auditLine", {
      when: formatLocalDateTime(entry.createdAt, zone),
      actor: entry.actorId ? userMention(entry.actorId) : t("settings.erasedMember"),
      action: auditActionText(entry.action, t),
      subject: entry.subject ? ` #${entry.subject}` : "",
      changes: auditChangesText(entry.details, shown),
    });
    // Newest first: what does not fit is the oldest.
    if (length + line.length + 1 > descriptionMax) break;
    lines.push(line);
    length += line.length + 1;
  }
  return {
    type: "reply",
    ephemeral: true,
    message: {
      embeds: [
        {
          title: t("settings.auditTitle"),
          description: lines.join("\n") || t("settings.auditEmpty"),
          footer: { text: t("settings.auditZone", { zone }) },
        },
      ],
    },
  };
}
