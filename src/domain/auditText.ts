/**
 * An audit entry in words, the one rendering `/settings audit` and the dashboard share: the
 * action, and "field old → new" for what changed. How a role, a channel, a number or a member's
 * text is shown is the caller's (a mention in Discord, a name on the web).
 */
import { isLanguage, type MessageKey, type Translator } from "../i18n/index.ts";
import { readAuditChanges, type AuditValue } from "./audit.ts";
import { formatLocalDateTime } from "./dates.ts";

const roleFields = new Set(["organizerRoleId", "announceRoleId"]);
const channelFields = new Set(["reviewChannelId", "channelId"]);
const dateFields = new Set(["endsAt", "dueAt"]);

export interface AuditShown {
  t: Translator;
  /** The server's time zone: dates are shown there. */
  zone: string;
  role(id: string): string;
  channel(id: string): string;
  number(value: number): string;
  /** A recorded text (a title), made safe for where it is shown. */
  text(value: string): string;
}

/** Words for a key, or `fallback` for one this version does not know (an older entry's). */
function wordsOr(key: string, fallback: string, t: Translator): string {
  const words = t(key as MessageKey);
  return words === key ? fallback : words;
}

/** An audit action ("campaign.create") in words; one this version does not know, as stored. */
export function auditActionText(action: string, t: Translator): string {
  return wordsOr(`settings.auditActions.${action}`, action, t);
}

/** A recorded value as the reader reads it: a role or channel as the caller shows them, a date in the zone. */
function shownValue(field: string, value: AuditValue, shown: AuditShown): string {
  const { t } = shown;
  if (value === null || value === "") return t("settings.none");
  if (typeof value === "boolean") return value ? t("settings.yes") : t("settings.no");
  if (typeof value === "number") return shown.number(value);
  if (roleFields.has(field)) return shown.role(value);
  if (channelFields.has(field)) return shown.channel(value);
  if (dateFields.has(field)) {
    const date = new Date(value);
    if (Number.isFinite(date.getTime())) return formatLocalDateTime(date, shown.zone);
  }
  if (field === "language" && isLanguage(value)) return t(`commands.settings.languages.${value}`);
  if (field === "kind") return wordsOr(`commands.task.kinds.${value}`, shown.text(value), t);
  return shown.text(value);
}

/** "count 372 → 320, goal 500 → 1,000", or nothing for an entry that records no values. */
export function auditChangesText(details: string | null, shown: AuditShown): string {
  const { t } = shown;
  const changes = readAuditChanges(details).map((change) =>
    t("settings.auditChange", {
      field: wordsOr(`settings.auditFields.${change.field}`, change.field, t),
      from: shownValue(change.field, change.from, shown),
      to: shownValue(change.field, change.to, shown),
    }),
  );
  return changes.length > 0 ? t("settings.auditChanges", { changes: changes.join(", ") }) : "";
}
