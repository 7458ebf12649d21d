/** Discord permission bits the rules need (part of Discord's protocol, not of discord.js). */
export const permissionBits = {
  administrator: 1n << 3n,
  manageGuild: 1n << 5n,
  viewChannel: 1n << 10n,
  sendMessages: 1n << 11n,
  embedLinks: 1n << 14n,
  attachFiles: 1n << 15n,
} as const;

type AccessLevel = "everyone" | "organizer" | "manager";

export interface Member {
  permissions: bigint;
  roleIds: readonly string[];
  organizerRoleId: string | null;
}

function has(permissions: bigint, bit: bigint): boolean {
  return (permissions & bit) === bit || (permissions & permissionBits.administrator) !== 0n;
}

/**
 * Organizers are members with Manage Server or the server's organizer role. Some settings
 * (who is an organizer) stay with Manage Server, so a role cannot promote itself.
 */
export function hasAccess(level: AccessLevel, member: Member): boolean {
  const manager = has(member.permissions, permissionBits.manageGuild);
  switch (level) {
    case "everyone":
      return true;
    case "manager":
      return manager;
    case "organizer":
      return (
        manager ||
        (member.organizerRoleId !== null && member.roleIds.includes(member.organizerRoleId))
      );
  }
}

/** Every permission bit Discord defines today and tomorrow: what a server's owner has. */
const allPermissions = (1n << 64n) - 1n;

/**
 * A member's server-wide permissions as Discord computes them (no channel overwrites): all for
 * the owner, else the union of @everyone's (the role whose id is the server's) and their roles'.
 * The web side reads the roles over REST and decides with `hasAccess`, as the commands do.
 */
export function serverPermissions(
  server: { id: string; ownerId: string; roles: readonly { id: string; permissions: bigint }[] },
  userId: string,
  memberRoleIds: readonly string[],
): bigint {
  if (server.ownerId === userId) return allPermissions;
  const held = new Set([server.id, ...memberRoleIds]);
  return server.roles.reduce((sum, role) => (held.has(role.id) ? sum | role.permissions : sum), 0n);
}
