/**
 * `/rally safety`: a check of the server and of Rally's own settings, as plain verdicts. The
 * facts come from Discord (read by the caller) and from Rally's own data; every line reads one
 * of them, so every line can come out either way.
 */
import { findLastBackupTime } from "../db/backup.ts";
import type { Store } from "../db/store.ts";
import { listSummaryChannelIds } from "../db/safety.ts";
import type { GuildSettingsView } from "./guildSettings.ts";

/** Discord permission bits `/rally safety` names (part of Discord's protocol). */
export const safetyPermissionBits = {
  Administrator: 1n << 3n,
  ManageRoles: 1n << 28n,
  MentionEveryone: 1n << 17n,
  ViewChannel: 1n << 10n,
  SendMessages: 1n << 11n,
  EmbedLinks: 1n << 14n,
  AttachFiles: 1n << 15n,
  ReadMessageHistory: 1n << 16n,
  PinMessages: 1n << 51n,
} as const;

export type SafetyPermission = keyof typeof safetyPermissionBits;

/** What Rally needs, and nothing more (README → Run it on Discord). */
export const neededPermissions: readonly SafetyPermission[] = [
  "ViewChannel",
  "SendMessages",
  "EmbedLinks",
  "AttachFiles",
  "ReadMessageHistory",
  "PinMessages",
];
/** More than Rally needs, each a risk if Rally's token leaks. */
export const excessPermissions: readonly SafetyPermission[] = [
  "Administrator",
  "ManageRoles",
  "MentionEveryone",
];

/** Above this, retention keeps notes and proof links longer than the guide advises. */
export const retentionWarnDays = 180;
/** Discord's "medium": members must have been registered on Discord for 5 minutes. */
const mediumVerification = 2;

export interface SafetyFacts {
  /** Discord's MFA level: 1 when moderators must use two-factor authentication. */
  mfaLevel: number;
  verificationLevel: number;
  /** Whether @everyone can read a channel; null when the channel is gone or not a text channel. */
  everyoneCanRead: (channelId: string) => boolean | null;
  /** Rally's own server-wide permissions. */
  botPermissions: bigint;
  /** Whether values are stored encrypted (DATA_KEY); false until encryption at rest lands. */
  encryptionAtRest: boolean;
}

export type VerdictStatus = "ok" | "warn" | "unknown";

/** One line of the report: its check, how it came out, and the words' parameters. */
export interface Verdict {
  check:
    | "mfa"
    | "verification"
    | "reviewChannel"
    | "summaryChannels"
    | "announceRole"
    | "botPermissions"
    | "retention"
    | "proofFiles"
    | "encryption"
    | "backup";
  status: VerdictStatus;
  /** The message key's last part: `safety.<check>.<outcome>`. */
  outcome: string;
  channelIds?: string[];
  permissions?: SafetyPermission[];
  days?: number;
  level?: number;
  at?: Date;
}

function has(permissions: bigint, name: SafetyPermission): boolean {
  const bit = safetyPermissionBits[name];
  return (permissions & bit) === bit;
}

/** The verdicts, from facts alone: no Discord, no database. */
export function safetyReport(
  facts: SafetyFacts,
  settings: Pick<
    GuildSettingsView,
    "guildId" | "reviewChannelId" | "announceRoleId" | "retentionDays" | "proofFilesAllowed"
  >,
  data: { summaryChannelIds: readonly string[]; lastBackupAt: Date | null },
): Verdict[] {
  const verdicts: Verdict[] = [];
  verdicts.push(
    facts.mfaLevel >= 1
      ? { check: "mfa", status: "ok", outcome: "on" }
      : { check: "mfa", status: "warn", outcome: "off" },
  );
  verdicts.push({
    check: "verification",
    status: facts.verificationLevel >= mediumVerification ? "ok" : "warn",
    outcome: facts.verificationLevel >= mediumVerification ? "enough" : "low",
    level: facts.verificationLevel,
  });

  const review = settings.reviewChannelId;
  if (review === null) {
    verdicts.push({ check: "reviewChannel", status: "ok", outcome: "none" });
  } else {
    const readable = facts.everyoneCanRead(review);
    verdicts.push(
      readable === null
        ? { check: "reviewChannel", status: "warn", outcome: "gone", channelIds: [review] }
        : readable
          ? { check: "reviewChannel", status: "warn", outcome: "public", channelIds: [review] }
          : { check: "reviewChannel", status: "ok", outcome: "private", channelIds: [review] },
    );
  }

  const publicSummaries = [...new Set(data.summaryChannelIds)].filter(
    (id) => facts.everyoneCanRead(id) === true,
  );
  verdicts.push(
    publicSummaries.length > 0
      ? {
          check: "summaryChannels",
          status: "warn",
          outcome: "public",
          channelIds: publicSummaries,
        }
      : { check: "summaryChannels", status: "ok", outcome: "private" },
  );

  verdicts.push(
    settings.announceRoleId === settings.guildId
      ? { check: "announceRole", status: "warn", outcome: "everyone" }
      : { check: "announceRole", status: "ok", outcome: "specific" },
  );

  const excess = excessPermissions.filter((name) => has(facts.botPermissions, name));
  const missing = has(facts.botPermissions, "Administrator")
    ? []
    : neededPermissions.filter((name) => !has(facts.botPermissions, name));
  verdicts.push(
    excess.length > 0
      ? { check: "botPermissions", status: "warn", outcome: "excess", permissions: excess }
      : missing.length > 0
        ? { check: "botPermissions", status: "warn", outcome: "missing", permissions: missing }
        : { check: "botPermissions", status: "ok", outcome: "exact" },
  );

  verdicts.push({
    check: "retention",
    status: settings.retentionDays > retentionWarnDays ? "warn" : "ok",
    outcome: settings.retentionDays > retentionWarnDays ? "long" : "set",
    days: settings.retentionDays,
  });
  verdicts.push(
    settings.proofFilesAllowed
      ? { check: "proofFiles", status: "warn", outcome: "allowed" }
      : { check: "proofFiles", status: "ok", outcome: "linksOnly" },
  );
  verdicts.push(
    facts.encryptionAtRest
      ? { check: "encryption", status: "ok", outcome: "on" }
      : { check: "encryption", status: "warn", outcome: "off" },
  );
  verdicts.push(
    data.lastBackupAt
      ? { check: "backup", status: "ok", outcome: "known", at: data.lastBackupAt }
      : { check: "backup", status: "unknown", outcome: "unknown" },
  );
  return verdicts;
}

/** Reads what Rally itself knows (summary channels, the last backup), then judges. */
export async function checkSafety(
  db: Store,
  facts: SafetyFacts,
  settings: Parameters<typeof safetyReport>[1],
): Promise<Verdict[]> {
  const summaryChannelIds = await listSummaryChannelIds(db, settings.guildId);
  return safetyReport(facts, settings, {
    summaryChannelIds,
    lastBackupAt: findLastBackupTime(db),
  });
}
