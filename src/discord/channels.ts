import { randomBytes } from "node:crypto";
import {
  channelMention,
  DiscordAPIError,
  PermissionFlagsBits,
  RESTJSONErrorCodes,
  type Client,
} from "discord.js";
import { UserError } from "../domain/errors.ts";
import type { Store } from "../domain/store.ts";
import type { Translator } from "../i18n/index.ts";
import type { Logger } from "../log.ts";
import type { OutgoingMessage } from "./command.ts";
import { sendDirectMessage } from "./directMessages.ts";
import { toMessagePayload } from "./render/payload.ts";
import { syncTaskEventNow, type EventOutcome } from "./taskEvents.ts";

type ChannelPermission = "ViewChannel" | "SendMessages" | "EmbedLinks" | "AttachFiles";

/** What Rally's own posts need; files only where a post carries one (charts, flyers). */
export const postPermissions: ChannelPermission[] = ["ViewChannel", "SendMessages", "EmbedLinks"];

/** A channel that is not (or no longer) a text channel of this server, as far as Rally sees. */
export class ChannelUnavailableError extends Error {
  constructor(channelId: string, guildId: string) {
    super(`channel ${channelId} is not a text channel of guild ${guildId}`);
    this.name = "ChannelUnavailableError";
  }
}

type ChannelCheck =
  | { ok: true }
  | { ok: false; reason: "notFound" }
  | { ok: false; reason: "missing"; missing: ChannelPermission[] };

/** What `/rally safety` and `/settings purge` read of the server itself. */
export interface ServerFacts {
  name: string;
  /** Discord's MFA level: 1 when moderators must use two-factor authentication. */
  mfaLevel: number;
  /** 0 none, 1 low, 2 medium, 3 high, 4 very high. */
  verificationLevel: number;
  /** Rally's own server-wide permissions (its roles and @everyone's). */
  botPermissions: bigint;
}

/** A run of user mentions ("<@1>, <@2>"), as summaries thank credited volunteers. */
const mentionRun = /<@!?\d+>(?:,\s*<@!?\d+>)*/g;

/** A web address as Discord links it, inside <…> (no embed) or bare. */
const webLink = /<?https?:\/\/[^\s>]+>?/gi;

/** The Discord side of what handlers may do beyond answering: check and post in channels. */
export interface ChannelActions {
  /** Whether Rally can post in a text channel of this server, naming what it lacks. */
  check(channelId: string, needed?: ChannelPermission[]): ChannelCheck;
  /**
   * Posts a message. A `nonce` the same on every try (a task card's) makes a later try land on
   * the message an earlier one may have left, for as long as Discord remembers it (minutes).
   */
  post(
    channelId: string,
    message: OutgoingMessage,
    options?: { nonce?: string },
  ): Promise<{ id: string }>;
  /** Edits one of Rally's own messages in place (a task card). */
  edit(channelId: string, messageId: string, message: OutgoingMessage): Promise<void>;
  /**
   * Pins one of Rally's messages where Rally may (Pin Messages); otherwise, or when the channel
   * is at Discord's pin limit (30003), the message stays unpinned and the answer says why.
   */
  pin(channelId: string, messageId: string): Promise<"pinned" | "noPermission" | "pinLimit">;
  /** Unpins one of Rally's messages (a campaign card it replaced); nothing when it is not pinned. */
  unpin(channelId: string, messageId: string): Promise<void>;
  /** Whether @everyone cannot see the channel: only there may a post name volunteers. */
  isPrivate(channelId: string): boolean;
  roleExists(roleId: string): boolean;
  /**
   * Plain facts about this server as the gateway last told them (GUILD_CREATE, GUILD_UPDATE,
   * role events): null when the server is not in the cache.
   */
  serverFacts(): ServerFacts | null;
  /**
   * Rewrites one of Rally's own posts without the members it names: each run of user mentions
   * becomes `replacement`; "gone" when the message or its channel no longer exists.
   */
  removeNames(
    channelId: string,
    messageId: string,
    replacement: string,
    /** Also replaces every web link (a review post's proof link) with this text. */
    linkReplacement?: string,
  ): Promise<"edited" | "unchanged" | "gone">;
  /**
   * Tells a member something privately, in a DM, through the outbox: `key` names what it is
   * about, and a key is sent at most once. Closed DMs are noted, not an error.
   */
  sendDirect(
    userId: string,
    content: string,
    key: string,
  ): Promise<"sent" | "closed" | "skipped" | "uncertain">;
  /**
   * The name a member shows in this server, from what the bot has seen (null when unknown):
   * for places a mention cannot render, like a select menu's option, and never a ping.
   */
  memberName(userId: string): string | null;
  /** Whether the user is a member of this server (from Discord, not the cache). */
  isMember(userId: string): Promise<{ member: boolean; bot: boolean }>;
  /** Brings a task's Discord scheduled event in step with the task now (src/discord/taskEvents.ts). */
  syncTaskEvent(taskId: number, log: Logger): Promise<EventOutcome>;
}

export function channelActions(
  client: Client,
  guildId: string,
  db: Store,
  now: () => Date,
): ChannelActions {
  /** A text channel of THIS server from the cache; an id from elsewhere is never used. */
  const textChannel = (channelId: string) => {
    const channel = client.channels.cache.get(channelId);
    if (!channel || channel.isDMBased() || channel.guildId !== guildId || !channel.isTextBased()) {
      return null;
    }
    return channel;
  };
  const requireTextChannel = (channelId: string) => {
    const channel = textChannel(channelId);
    if (!channel) throw new ChannelUnavailableError(channelId, guildId);
    return channel;
  };
  return {
    sendDirect(userId, content, key) {
      return sendDirectMessage(client, db, { guildId, userId, content, key, now: now() });
    },
    check(channelId, needed = postPermissions) {
      const channel = textChannel(channelId);
      if (!channel) return { ok: false, reason: "notFound" };
      const permissions = channel.permissionsFor(client.user ?? "");
      const missing = needed.filter((name) => !permissions?.has(PermissionFlagsBits[name]));
      return missing.length === 0 ? { ok: true } : { ok: false, reason: "missing", missing };
    },
    async post(channelId, message, options = {}) {
      // discord.js retries a POST that timed out although Discord may have taken it: the nonce
      // makes the retry land on the same message instead of a second one.
      const nonce = options.nonce ?? randomBytes(12).toString("base64url");
      const sent = await requireTextChannel(channelId).send({
        ...toMessagePayload(message),
        nonce,
        enforceNonce: true,
      });
      return { id: sent.id };
    },
    async edit(channelId, messageId, message) {
      await requireTextChannel(channelId).messages.edit(messageId, toMessagePayload(message));
    },
    async pin(channelId, messageId) {
      const channel = requireTextChannel(channelId);
      // Asked first: a refused request counts against Rally's invalid-request budget.
      if (!channel.permissionsFor(client.user ?? "")?.has(PermissionFlagsBits.PinMessages)) {
        return "noPermission";
      }
      try {
        await channel.messages.pin(messageId);
        return "pinned";
      } catch (error) {
        if (error instanceof DiscordAPIError) {
          if (error.code === RESTJSONErrorCodes.MaximumNumberOfPinsReachedForTheChannel) {
            return "pinLimit";
          }
          if (error.code === RESTJSONErrorCodes.MissingPermissions) return "noPermission";
        }
        throw error;
      }
    },
    async unpin(channelId, messageId) {
      const channel = requireTextChannel(channelId);
      if (!channel.permissionsFor(client.user ?? "")?.has(PermissionFlagsBits.PinMessages)) return;
      await channel.messages.unpin(messageId);
    },
    isPrivate(channelId) {
      const channel = textChannel(channelId);
      if (!channel) return false;
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
    memberName(userId) {
      const member = client.guilds.cache.get(guildId)?.members.cache.get(userId);
      if (member) return member.displayName;
      const user = client.users.cache.get(userId);
      return user ? (user.globalName ?? user.username) : null;
    },
    serverFacts() {
      const guild = client.guilds.cache.get(guildId);
      if (!guild) return null;
      return {
        name: guild.name,
        mfaLevel: Number(guild.mfaLevel),
        verificationLevel: Number(guild.verificationLevel),
        botPermissions: guild.members.me?.permissions.bitfield ?? 0n,
      };
    },
    async removeNames(channelId, messageId, replacement, linkReplacement) {
      const channel = textChannel(channelId);
      if (!channel) return "gone";
      try {
        const message = await channel.messages.fetch({ message: messageId, cache: false });
        let content = message.content.replace(mentionRun, replacement);
        if (linkReplacement !== undefined) content = content.replace(webLink, linkReplacement);
        if (content === message.content) return "unchanged";
        await channel.messages.edit(messageId, { content, allowedMentions: { parse: [] } });
        return "edited";
      } catch (error) {
        if (
          error instanceof DiscordAPIError &&
          (error.code === RESTJSONErrorCodes.UnknownMessage ||
            error.code === RESTJSONErrorCodes.UnknownChannel)
        )
          return "gone";
        throw error;
      }
    },
    roleExists(roleId) {
      return client.guilds.cache.get(guildId)?.roles.cache.has(roleId) ?? false;
    },
    syncTaskEvent(taskId, log) {
      return syncTaskEventNow(client, db, guildId, taskId, now(), log);
    },
  };
}

/**
 * Refuses, before anything is saved, a channel Rally cannot post in, naming what it lacks. The
 * one check behind campaign channels, summary channels and the review channel.
 */
export function requirePostableChannel(
  channels: ChannelActions,
  t: Translator,
  channelId: string,
  needed: ChannelPermission[] = postPermissions,
): void {
  const check = channels.check(channelId, needed);
  if (check.ok) return;
  const channel = channelMention(channelId);
  if (check.reason === "notFound") throw new UserError("campaign.channelNotText", { channel });
  const permissions = check.missing.map((name) => t(`permissions.${name}`)).join(", ");
  throw new UserError("campaign.channelMissing", { channel, permissions });
}
