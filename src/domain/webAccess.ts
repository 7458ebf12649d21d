/** Who may open a server's dashboard pages: its organizers, by the rule the commands use. */
import { listGuildIdsWithOrganizerRole } from "../db/guildSettings.ts";
import { getGuildSettings } from "./guildSettings.ts";
import { hasAccess, permissionBits } from "./permissions.ts";
import type { Store } from "./store.ts";

/** The servers worth asking Discord about: at most Discord's 200 a login lists. */
const maxCandidates = 200;

/**
 * Of the servers a login's OAuth2 list names, those where the member may be an organizer: Manage
 * Server (or Administrator) by that list, or a server with an organizer role set. Only a guess of
 * where to look: every page decides from the member's roles read with the bot's token.
 */
export async function organizerCandidates(
  db: Store,
  guilds: readonly { id: string; permissions: bigint }[],
): Promise<string[]> {
  const manages = (permissions: bigint) =>
    (permissions & permissionBits.manageGuild) !== 0n ||
    (permissions & permissionBits.administrator) !== 0n;
  const withRole = new Set(
    await listGuildIdsWithOrganizerRole(
      db,
      guilds.map((guild) => guild.id),
    ),
  );
  return guilds
    .filter((guild) => manages(guild.permissions) || withRole.has(guild.id))
    .map((guild) => guild.id)
    .slice(0, maxCandidates);
}

/** Whether a member, with the permissions and roles Discord gives them, organizes this server. */
export async function isOrganizer(
  db: Store,
  guildId: string,
  member: { permissions: bigint; roleIds: readonly string[] },
): Promise<boolean> {
  const settings = await getGuildSettings(db, guildId);
  return hasAccess("organizer", { ...member, organizerRoleId: settings.organizerRoleId });
}
