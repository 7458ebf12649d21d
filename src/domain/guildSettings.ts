import { findGuildSettings, saveGuildSettings } from "../db/guildSettings.ts";
import { inTransaction, type Store } from "../db/store.ts";
import { isLanguage, type Language } from "../i18n/index.ts";
import { auditChanges, recordAudit } from "./audit.ts";
import { rearmRetention } from "./privacy.ts";
import { isTimeZone } from "./dates.ts";
import { UserError } from "./errors.ts";
import { nowMs } from "../clock.ts";

export interface GuildSettingsView {
  guildId: string;
  timezone: string;
  language: string;
  organizerRoleId: string | null;
  announceRoleId: string | null;
  claimExpiryDays: number;
  reviewRequired: boolean;
  reviewChannelId: string | null;
  retentionDays: number;
  /** Whether `/task done` takes an uploaded file as proof (off: links only). */
  proofFilesAllowed: boolean;
}

const defaults = {
  timezone: "UTC",
  language: "en",
  organizerRoleId: null,
  announceRoleId: null,
  claimExpiryDays: 3,
  reviewRequired: false,
  reviewChannelId: null,
  retentionDays: 90,
  proofFilesAllowed: true,
};

/**
 * Every interaction reads its server's settings, and they change a few times in a server's life,
 * so they are kept in memory per database handle and dropped on every change made here. A server
 * is served by one process (shards split servers), so only a change made outside Rally (an
 * operator's SQL) goes unseen, and only for `cacheMs`.
 */
const cacheMs = 60_000;
const cachedServers = 10_000;
interface SettingsCache {
  servers: Map<string, { view: Readonly<GuildSettingsView>; until: number }>;
  /** Counts writes: a read that a write overtook must not be cached. */
  writes: number;
}
const caches = new WeakMap<Store, SettingsCache>();

function cacheOf(db: Store): SettingsCache {
  let cache = caches.get(db);
  if (!cache) {
    cache = { servers: new Map(), writes: 0 };
    caches.set(db, cache);
  }
  return cache;
}

/** Forgets a server's cached settings: called after every write to them. */
export function forgetGuildSettings(db: Store, guildId: string): void {
  const cache = cacheOf(db);
  cache.writes += 1;
  cache.servers.delete(guildId);
}

/** The language a server's settings name, or English if it is none Rally speaks. */
export function settingsLanguage(settings: Pick<GuildSettingsView, "language">): Language {
  return isLanguage(settings.language) ? settings.language : "en";
}

/** The language Rally speaks to a server as a whole (its channels, its cards). */
export async function serverLanguage(db: Store, guildId: string): Promise<Language> {
  return settingsLanguage(await getGuildSettings(db, guildId));
}

/** A server's settings; a server that never changed one gets the defaults, without a write. */
export async function getGuildSettings(
  db: Store,
  guildId: string,
): Promise<Readonly<GuildSettingsView>> {
  const cache = cacheOf(db);
  const hit = cache.servers.get(guildId);
  if (hit && hit.until > nowMs()) return hit.view;
  const writesBefore = cache.writes;
  const view = Object.freeze(await readGuildSettings(db, guildId));
  if (cache.writes === writesBefore) {
    cache.servers.delete(guildId);
    cache.servers.set(guildId, { view, until: nowMs() + cacheMs });
    // Oldest first: a Map iterates in insertion order.
    if (cache.servers.size > cachedServers)
      cache.servers.delete(cache.servers.keys().next().value ?? "");
  }
  return view;
}

async function readGuildSettings(db: Store, guildId: string): Promise<GuildSettingsView> {
  const row = await findGuildSettings(db, guildId);
  if (!row) return { guildId, ...defaults };
  return {
    guildId,
    timezone: row.timezone,
    language: row.language,
    organizerRoleId: row.organizerRoleId,
    announceRoleId: row.announceRoleId,
    claimExpiryDays: row.claimExpiryDays,
    reviewRequired: row.reviewRequired,
    reviewChannelId: row.reviewChannelId,
    retentionDays: row.retentionDays,
    proofFilesAllowed: row.proofFilesAllowed,
  };
}

type SettingChange =
  | { setting: "organizerRole"; roleId: string | null }
  | { setting: "announceRole"; roleId: string | null }
  | { setting: "timezone"; zone: string }
  | { setting: "claimExpiry"; days: number }
  | { setting: "reviewRequired"; enabled: boolean }
  | { setting: "reviewChannel"; channelId: string | null }
  | { setting: "retention"; days: number }
  | { setting: "language"; language: string }
  | { setting: "proofFiles"; enabled: boolean };

/** Changes one setting and records who changed it. Role ids are checked by the caller's guild. */
export async function changeSetting(
  db: Store,
  guildId: string,
  actorId: string,
  change: SettingChange,
): Promise<GuildSettingsView> {
  let data: Partial<Omit<GuildSettingsView, "guildId">>;
  switch (change.setting) {
    case "organizerRole":
      data = { organizerRoleId: change.roleId };
      break;
    case "announceRole":
      data = { announceRoleId: change.roleId };
      break;
    case "timezone":
      if (!isTimeZone(change.zone))
        throw new UserError("settings.unknownTimezone", { zone: change.zone });
      data = { timezone: change.zone };
      break;
    case "claimExpiry":
      if (!Number.isInteger(change.days) || change.days < 1 || change.days > 30) {
        throw new UserError("validation.integerMax", { option: "days", max: 30 });
      }
      data = { claimExpiryDays: change.days };
      break;
    case "reviewRequired":
      data = { reviewRequired: change.enabled };
      break;
    case "reviewChannel":
      data = { reviewChannelId: change.channelId };
      break;
    case "proofFiles":
      data = { proofFilesAllowed: change.enabled };
      break;
    case "language":
      if (!isLanguage(change.language))
        throw new UserError("validation.invalid", { option: "language" });
      data = { language: change.language };
      break;
    case "retention":
      if (!Number.isInteger(change.days) || change.days < 1 || change.days > 3650) {
        throw new UserError("validation.integerMax", { option: "days", max: 3650 });
      }
      data = { retentionDays: change.days };
      break;
  }
  try {
    await inTransaction(db, async (tx) => {
      // What it was, for the audit's "old → new".
      const before = await readGuildSettings(tx, guildId);
      await saveGuildSettings(tx, guildId, data);
      await recordAudit(tx, {
        guildId,
        actorId,
        action: `settings.${change.setting}`,
        details: { ...data, changes: auditChanges(before, data) },
      });
      // Closed campaigns follow a changed retention: their erasure moves with it.
      if (change.setting === "retention") await rearmRetention(tx, guildId, change.days);
    });
  } finally {
    forgetGuildSettings(db, guildId);
  }
  return getGuildSettings(db, guildId);
}
