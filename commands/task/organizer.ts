/** Whether the member acting is an organizer, for the options only organizers may give. */
import { UserError } from "../../src/domain/errors.ts";
import { hasAccess } from "../../src/domain/permissions.ts";
import type { InteractionContext } from "../../src/discord/command.ts";

export function isOrganizer(context: InteractionContext): boolean {
  return hasAccess("organizer", {
    permissions: context.memberPermissions,
    roleIds: context.memberRoleIds,
    organizerRoleId: context.settings.organizerRoleId,
  });
}

/** The dispatcher's refusal, for an organizer-only option of a subcommand everyone may use. */
export function requireOrganizer(context: InteractionContext): void {
  if (!isOrganizer(context)) throw new UserError("errors.organizerOnly");
}
