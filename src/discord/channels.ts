import { PermissionFlagsBits, type Client } from "discord.js";
import type { Db } from "../db/client.ts";
import type { OutgoingMessage } from "./command.ts";
import { sendDirectMessage } from "./directMessages.ts";
import { toMessagePayload } from "./render/payload.ts";

export type ChannelPermission = "ViewChannel" | "SendMessages" | "EmbedLinks" | "AttachFiles";

/** What Rally's own posts need; files only where a post carries one (charts, flyers). */
export const postPermissions: ChannelPermission[] = ["ViewChannel", "SendMessages", "EmbedLinks"];
export const attachPermissions: ChannelPermission[] = ["AttachFiles"];

export type ChannelCheck =
  | { ok: true }
  | { ok: false; reason: "notFound" }
  | { ok: false; reason: "missing"; missing: ChannelPermission[] };

/** The Discord side of what handlers may do beyond answering: check and post in channels. */
export interface ChannelActions {
  /** Whether Rally can post in a text channel of this server, naming what it lacks. */
  check(channelId: string, needed?: ChannelPermission[]): ChannelCheck;
  post(channelId: string, message: OutgoingMessage): Promise<{ id: string }>;
  /** Edits one of Rally's own messages in place (a task card). */
  edit(channelId: string, messageId: string, message: OutgoingMessage): Promise<void>;
  /** Whether @everyone cannot see the channel: only there may a post name volunteers. */
  isPrivate(channelId: string): boolean;
  roleExists(roleId: string): boolean;
  /** Tells a member something privately, in a DM; closed DMs are noted, not an error. */
  sendDirect(userId: string, content: string): Promise<"sent" | "closed">;
  /** Whether the user is a member of this server (from Discord, not the cache). */
  isMember(userId: string): Promise<{ member: boolean; bot: boolean }>;
}

export function channelActions(client: Client, guildId: string, db: Db): ChannelActions {
  return {
    sendDirect(userId, content) {
      return sendDirectMessage(client, db, guildId, userId, content);
    },
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
    async edit(channelId, messageId, message) {
      const channel = client.channels.cache.get(channelId);
      if (
        !channel ||
        channel.isDMBased() ||
        channel.guildId !== guildId ||
        !channel.isTextBased()
      ) {
        throw new Error(`channel ${channelId} is not a text channel of guild ${guildId}`);
      }
      await channel.messages.edit(messageId, toMessagePayload(message));
    },
    isPrivate(channelId) {
      const channel = client.channels.cache.get(channelId);
      if (!channel || channel.isDMBased() || channel.guildId !== guildId) return false;
      const everyone = channel.guild.roles.everyone;
      return !channel.permissionsFor(everyone).has(PermissionFlagsBits.ViewChannel);
    },
    async isMember(userId) {
      const member = await client.guilds.cache
        .get(guildId)
        ?.members.fetch({ user: userId, cache: false })
        .catch(() => null);
      return { member: Boolean(member), bot: member?.user.bot ?? false };
    },
    roleExists(roleId) {
      return client.guilds.cache.get(guildId)?.roles.cache.has(roleId) ?? false;
    },
  };
}
