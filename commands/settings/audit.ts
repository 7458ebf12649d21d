/** `/settings audit`: the last organizer actions, when (in the server's zone), and what changed. */
import { channelMention, roleMention, userMention } from "discord.js";
import { readAuditChanges, type AuditValue } from "../../src/domain/audit.ts";
import { formatLocalDateTime } from "../../src/domain/dates.ts";
import { recentAudit } from "../../src/domain/privacy.ts";
import type { HandlerResult, InteractionContext } from "../../src/discord/command.ts";
import { formatNumber } from "../../src/discord/render/campaignCard.ts";
import { showText } from "../../src/discord/render/text.ts";
import { isLanguage, type MessageKey } from "../../src/i18n/index.ts";

/** Discord's limit for an embed's description, less room for the ellipsis line. */
const descriptionMax = 4000;
const roleFields = new Set(["organizerRoleId", "announceRoleId"]);
const channelFields = new Set(["reviewChannelId", "channelId"]);
const dateFields = new Set(["endsAt", "dueAt"]);

/** Words for a key, or `fallback` for one this version does not know (an older entry's). */
function wordsOr(key: string, fallback: string, t: InteractionContext["t"]): string {
  const words = t(key as MessageKey);
  return words === key ? fallback : words;
}

/** An audit action ("campaign.create") in words; one this version does not know, as stored. */
function auditAction(action: string, t: InteractionContext["t"]): string {
  return wordsOr(`settings.auditActions.${action}`, action, t);
}

/** A recorded value as the reader reads it: a role or channel as a mention, a date in the zone. */
function shownValue(field: string, value: AuditValue, context: InteractionContext): string {
  const { t } = context;
  if (value === null || value === "") return t("settings.none");
  if (typeof value === "boolean") return value ? t("settings.yes") : t("settings.no");
  if (typeof value === "number") return formatNumber(value, context.language);
  if (roleFields.has(field)) return roleMention(value);
  if (channelFields.has(field)) return channelMention(value);
  if (dateFields.has(field)) {
    const date = new Date(value);
    if (Number.isFinite(date.getTime()))
      return formatLocalDateTime(date, context.settings.timezone);
  }
  if (field === "language" && isLanguage(value)) return t(`commands.settings.languages.${value}`);
  if (field === "kind") return wordsOr(`commands.task.kinds.${value}`, showText(value, 40), t);
  return showText(value, 40);
}

/** "count 372 → 320, goal 500 → 1,000", or nothing for an entry that records no values. */
function changesText(details: string | null, context: InteractionContext): string {
  const { t } = context;
  const changes = readAuditChanges(details).map((change) =>
    t("settings.auditChange", {
      field: wordsOr(`settings.auditFields.${change.field}`, change.field, t),
      from: shownValue(change.field, change.from, context),
      to: shownValue(change.field, change.to, context),
    }),
  );
  return changes.length > 0 ? t("settings.auditChanges", { changes: changes.join(", ") }) : "";
}

/** The last organizer actions; an erased member shows as such, never as a stale id. */
export async function audit(context: InteractionContext): Promise<HandlerResult> {
  const { t } = context;
  const zone = context.settings.timezone;
  const entries = await recentAudit(context.db, context.guildId);
  const lines: string[] = [];
  let length = 0;
  for (const entry of entries) {
    const line = t("settings.auditLine", {
      when: formatLocalDateTime(entry.createdAt, zone),
      actor: entry.actorId ? userMention(entry.actorId) : t("settings.erasedMember"),
      action: auditAction(entry.action, t),
      subject: entry.subject ? ` #${entry.subject}` : "",
      changes: changesText(entry.details, context),
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
