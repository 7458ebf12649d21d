import type { GuildSettings } from "./generated/client.ts";
import { sqliteReads } from "./sqliteReads.ts";
import { prismaOf, type Store } from "./store.ts";

/** A server's settings row; null until one is changed (the defaults apply). */
export async function findGuildSettings(
  store: Store,
  guildId: string,
): Promise<GuildSettings | null> {
  const sqlite = sqliteReads(store);
  return sqlite
    ? sqlite.guildSettings(guildId)
    : prismaOf(store).guildSettings.findUnique({ where: { guildId } });
}

type SettingsValues = Partial<Omit<GuildSettings, "guildId">>;

/** Writes these settings, creating the server's row on its first change. */
export async function saveGuildSettings(
  store: Store,
  guildId: string,
  values: SettingsValues,
): Promise<void> {
  await prismaOf(store).guildSettings.upsert({
    where: { guildId },
    create: { guildId, ...values },
    update: values,
  });
}

/** Of these servers, those with an organizer role set (whose members may organize without Manage Server). */
export async function listGuildIdsWithOrganizerRole(
  store: Store,
  guildIds: readonly string[],
): Promise<string[]> {
  if (guildIds.length === 0) return [];
  const rows = await prismaOf(store).guildSettings.findMany({
    where: { guildId: { in: [...guildIds] }, organizerRoleId: { not: null } },
    select: { guildId: true },
  });
  return rows.map((row) => row.guildId);
}
