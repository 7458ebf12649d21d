import { PermissionFlagsBits, type Client } from "discord.js";
import type { OutgoingMessage } from "./command.ts";
import { toMessagePayload } from "./render/payload.ts";

export type ChannelPermission = "ViewChannel" | "SendMessages" | "EmbedLinks" | "AttachFiles";

/** What Rally's own posts need; files only where a post carries one (charts, flyers). */
export const postPermissions: ChannelPermission[] = ["ViewChannel", "SendMessages", "EmbedLinks"];

export type ChannelCheck =
  | { ok: true }
  | { ok: false; reason: "notFound" }
  | { ok: false; reason: "missing"; missing: ChannelPermission[] };

/** The Discord side of what handlers may do beyond answering: check and post in channels. */
export interface ChannelActions {
  /** Whether Rally can post in a text channel of this server, naming what it lacks. */
  check(channelId: string, needed?: ChannelPermission[]): ChannelCheck;
  post(channelId: string, message: OutgoingMessage): Promise<{ id: string }>;
  roleExists(roleId: string): boolean;
}

export function channelActions(client: Client, guildId: string): ChannelActions {
  return {
    check(channelId, needed = postPermissions) {
      const channel = client.channels.cache.get(channelId);
      if (
        !channel ||
        channel.isDMBased() ||
        channel.guildId !== guildId ||
        !channel.isTextBased()
      ) {
        return { ok: false, reason: "notFound" };
      }
      const permissions = channel.permissionsFor(client.user ?? "");
      const missing = needed.filter((name) => !permissions?.has(PermissionFlagsBits[name]));
      return missing.length === 0 ? { ok: true } : { ok: false, reason: "missing", missing };
    },
    async post(channelId, message) {
      const channel = client.channels.cache.get(channelId);
      if (!channel || channel.isDMBased() || channel.guildId !== guildId || !channel.isSendable()) {
        throw new Error(`channel ${channelId} is not a text channel of guild ${guildId}`);
      }
      const sent = await channel.send(toMessagePayload(message));
      return { id: sent.id };
    },
    roleExists(roleId) {
      return client.guilds.cache.get(guildId)?.roles.cache.has(roleId) ?? false;
    },
  };
}
