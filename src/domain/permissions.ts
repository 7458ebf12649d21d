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
