import type { Db } from "../db/client.ts";

export interface GuildSettingsView {
  guildId: string;
  timezone: string;
  language: string;
  organizerRoleId: string | null;
}

/** A server's settings; a server that never changed one gets the defaults, without a write. */
export async function getGuildSettings(db: Db, guildId: string): Promise<GuildSettingsView> {
  const row = await db.guildSettings.findUnique({ where: { guildId } });
  return {
    guildId,
    timezone: row?.timezone ?? "UTC",
    language: row?.language ?? "en",
    organizerRoleId: null,
  };
}
