import type { FastifyRequest } from "fastify";
import { isOrganizer } from "../domain/webAccess.ts";
import { LoginNeeded, NotFound, type WebContext } from "./context.ts";

export interface OrganizedServer {
  guildId: string;
  guildName: string;
  userId: string;
}

/**
 * The server of a URL, when the member reading organizes it: their roles read from Discord
 * (briefly cached) and the rule of the slash commands. Logged out → the login; a server that is
 * not theirs, without Rally, or a made-up id → 404, which tells nothing about it.
 */
export async function requireOrganizer(
  context: WebContext,
  request: FastifyRequest,
  guildId: string,
): Promise<OrganizedServer> {
  const { session } = request.reader;
  if (!session) throw new LoginNeeded(request.url);
  if (!/^\d{17,20}$/.test(guildId)) throw new NotFound();
  const member = await context.discord.membership(guildId, session.userId);
  if (!member || !(await isOrganizer(context.db, guildId, member))) throw new NotFound();
  return { guildId, guildName: member.guildName, userId: session.userId };
}
