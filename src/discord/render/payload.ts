import type { BaseMessageOptions } from "discord.js";
import type { OutgoingMessage } from "../command.ts";
import { fitContent, fitEmbeds } from "./limits.ts";

/**
 * Turns a handler's message into what discord.js sends. Mentions are allowed explicitly here
 * for every message: nothing pings except the server's own announce role, when a post names it.
 */
export function toMessagePayload(message: OutgoingMessage): BaseMessageOptions {
  return {
    // No content means "leave it as it is" on an edit (a card keeps its announcement line).
    ...(message.content === undefined ? {} : { content: fitContent(message.content) }),
    embeds: fitEmbeds(message.embeds ?? []),
    components: message.components ?? [],
    files: (message.files ?? []).map((file) => ({
      attachment: file.data,
      name: file.name,
      ...(file.description === undefined ? {} : { description: file.description }),
    })),
    allowedMentions: {
      parse: [],
      roles: message.allowedRoleIds ?? [],
      users: [],
      repliedUser: false,
    },
  };
}
