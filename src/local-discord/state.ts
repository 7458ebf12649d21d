import { EventEmitter } from "node:events";
import { PermissionFlagsBits as Permission } from "discord.js";
import type {
  APIActionRowComponent,
  APIComponentInMessageActionRow,
  APIEmbed,
  APIUser,
  LocalizationMap,
} from "discord-api-types/v10";
import type { LocalScheduledEvent } from "./scheduledEvents.ts";
import { createSnowflakeGenerator, type SnowflakeGenerator } from "./snowflake.ts";

/** Outgoing JSON; its shape follows Discord's docs and is checked by discord.js in the tests. */
export type Json = Record<string, unknown>;

/** What the `log` option receives: { event: "localDiscord.request", method, path, status }, … */
export type LogEvent = { event: string } & Json;

export interface LocalUser {
  id: string;
  username: string;
  globalName: string | null;
  bot: boolean;
}

export interface LocalRole {
  id: string;
  guildId: string;
  name: string;
  permissions: bigint;
  position: number;
  /** Set on the bot's own role, which Discord marks as managed. */
  botId?: string;
}

/** type 0 = role, 1 = member, as in Discord's permission_overwrites. */
export interface Overwrite {
  id: string;
  type: 0 | 1;
  allow: bigint;
  deny: bigint;
}

export interface LocalChannel {
  id: string;
  /** Undefined for a DM channel. */
  guildId: string | undefined;
  name: string;
  type: number;
  position: number;
  permissionOverwrites: Overwrite[];
  /** The other side of a DM channel. */
  recipientId?: string;
}

export interface LocalGuild {
  id: string;
  name: string;
  ownerId: string;
  locale: string;
  /** Includes @everyone, whose id is the guild id. */
  roles: Map<string, LocalRole>;
  /** user id → the member's role ids (without @everyone). */
  members: Map<string, { roles: string[]; joinedAt: string }>;
  botRoleId: string;
  /** 1 when moderators must use two-factor authentication (Discord's "elevated" MFA level). */
  mfaLevel: number;
  /** 0 none, 1 low, 2 medium, 3 high, 4 very high. */
  verificationLevel: number;
}

export interface StoredAttachment {
  id: string;
  filename: string;
  size: number;
  contentType: string;
  data: Buffer;
  url: string;
}

export interface StoredMessage {
  id: string;
  channel_id: string;
  guild_id: string | undefined;
  type: number;
  content: string;
  embeds: APIEmbed[];
  /** Typed as action rows, which is what Rally sends; other layouts are stored as sent. */
  components: APIActionRowComponent<APIComponentInMessageActionRow>[];
  attachments: StoredAttachment[];
  flags: number;
  nonce: string | number | undefined;
  author: APIUser;
  timestamp: string;
  edited_timestamp: string | null;
  /** Set on interaction responses and follow-ups. */
  interactionId: string | undefined;
}

export interface DiscordErrorBody {
  code: number;
  message: string;
  errors?: unknown;
}

export interface RecordedRequest {
  method: string;
  /** The route after /api/v10 with ids, decoded: /webhooks/1/abc/messages/@original. */
  path: string;
  query: string;
  status: number;
  /** The JSON body, or the parsed payload_json of a multipart body. */
  body: unknown;
  files: { field: string; filename: string; size: number }[];
  time: number;
  /** Answered by an injected fault rather than by the routes. */
  injected: boolean;
  error?: DiscordErrorBody;
  /** A 429's x-ratelimit-scope: "shared" ones do not count as invalid requests on Discord. */
  rateLimitScope?: string;
}

/** A command option as the bot registered it (read loosely: it is what the bot PUT). */
export interface CommandOption {
  type: number;
  name: string;
  description?: string;
  required?: boolean;
  autocomplete?: boolean;
  options?: CommandOption[];
  choices?: { name: string; value: string | number; name_localizations?: LocalizationMap | null }[];
  channel_types?: number[];
  min_value?: number;
  max_value?: number;
  min_length?: number;
  max_length?: number;
  name_localizations?: LocalizationMap | null;
  description_localizations?: LocalizationMap | null;
}

export interface RegisteredCommand extends CommandOption {
  id: string;
  application_id: string;
  guild_id?: string;
  version: string;
  default_member_permissions: string | null;
}

export interface InteractionRecord {
  id: string;
  token: string;
  type: number;
  guildId: string;
  channelId: string;
  userId: string;
  createdAt: number;
  /** The first accepted callback. */
  callback: { type: number; data?: unknown } | undefined;
  /** The last refused callback, to explain a missing response. */
  refusal: DiscordErrorBody | undefined;
  originalMessageId: string | undefined;
  /** False while a deferred reply still shows "thinking…". */
  originalReady: boolean;
  /** The message whose component was used: what types 6 and 7 update. */
  sourceMessageId: string | undefined;
  followupIds: string[];
}

export class DiscordError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly errors?: unknown,
  ) {
    super(message);
  }
}

export const allPermissions = (1n << 53n) - 1n;
export const defaultEveryonePermissions =
  Permission.ViewChannel |
  Permission.SendMessages |
  Permission.ReadMessageHistory |
  Permission.AddReactions |
  Permission.UseApplicationCommands |
  Permission.ChangeNickname;
export const defaultBotPermissions =
  Permission.ViewChannel |
  Permission.SendMessages |
  Permission.EmbedLinks |
  Permission.AttachFiles |
  Permission.ReadMessageHistory |
  Permission.PinMessages |
  Permission.UseExternalEmojis;

/** Everything the local Discord knows, shared by the REST routes, gateway and public API. */
export class State {
  // Every waitFor is a "change" listener until it settles: a test or bench with more than ten
  // interactions in flight is normal here, not a leak.
  readonly events = new EventEmitter().setMaxListeners(0);
  readonly users = new Map<string, LocalUser>();
  readonly guilds = new Map<string, LocalGuild>();
  readonly channels = new Map<string, LocalChannel>();
  readonly messages = new Map<string, StoredMessage>();
  /** Public messages per channel, in order. */
  readonly channelMessageIds = new Map<string, string[]>();
  readonly globalCommands: RegisteredCommand[] = [];
  readonly guildCommands = new Map<string, RegisteredCommand[]>();
  readonly interactions = new Map<string, InteractionRecord>();
  readonly attachments = new Map<string, StoredAttachment>();
  readonly requests: RecordedRequest[] = [];
  readonly dmBlockedUserIds = new Set<string>();
  /** channel id → its pinned message ids, newest first (Discord keeps at most pinLimit). */
  readonly pins = new Map<string, string[]>();
  pinLimit = 50;
  /** Guild scheduled events by id; a guild holds at most scheduledEventLimit not yet finished. */
  readonly scheduledEvents = new Map<string, LocalScheduledEvent>();
  scheduledEventLimit = 100;
  /** channel id → nonce → the message it created and when. */
  readonly nonces = new Map<string, Map<string, { messageId: string; at: number }>>();
  readonly newId: SnowflakeGenerator;
  readonly botUser: LocalUser;
  /** What each unfinished waitFor is waiting for: the answer to "why did this test hang?". */
  readonly pendingWaits = new Set<() => string>();
  clockOffset = 0;
  origin = "";
  /** The one token taken, when set (LocalDiscordOptions.botToken); else any non-empty one. */
  botToken: string | undefined;
  /** LocalDiscordOptions.checkBodies. */
  checkBodies = true;

  constructor(
    private readonly baseNow: () => number,
    readonly interactionDeadlineMs: number,
    readonly tokenLifetimeMs: number,
    readonly nonceTtlMs: number,
  ) {
    this.newId = createSnowflakeGenerator(() => this.now());
    this.botUser = { id: this.newId(), username: "Rally", globalName: null, bot: true };
    this.users.set(this.botUser.id, this.botUser);
  }

  /** Like Discord, the application id and the bot user id are the same. */
  get applicationId(): string {
    return this.botUser.id;
  }

  now(): number {
    return this.baseNow() + this.clockOffset;
  }

  timestamp(): string {
    return new Date(this.now()).toISOString();
  }

  /** Wakes every waitFor so that it re-reads the state. */
  changed(): void {
    this.events.emit("change");
  }

  /**
   * Resolves with the predicate's first defined value, or rejects with what it throws. With
   * `timeoutMs` it also rejects after that long; without, it waits as long as its caller does
   * (a test's own timeout), and `pendingWaits` names it meanwhile.
   */
  waitFor<T>(
    predicate: () => T | undefined,
    timeoutMs: number | undefined,
    what: () => string,
  ): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        try {
          const value = predicate();
          if (value === undefined) return;
          finish();
          resolve(value);
        } catch (error) {
          finish();
          reject(error as Error);
        }
      };
      const timer =
        timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              finish();
              reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${what()}`));
            }, timeoutMs);
      // Polling as well, for predicates on things outside this state (a client cache, a database).
      const poll = setInterval(check, 10);
      const finish = () => {
        clearTimeout(timer);
        clearInterval(poll);
        this.events.off("change", check);
        this.pendingWaits.delete(what);
      };
      this.pendingWaits.add(what);
      this.events.on("change", check);
      check();
    });
  }

  guild(guildId: string): LocalGuild {
    return this.guilds.get(guildId) ?? fail(`Unknown guild ${guildId}`);
  }

  channel(channelId: string): LocalChannel {
    return this.channels.get(channelId) ?? fail(`Unknown channel ${channelId}`);
  }

  user(userId: string): LocalUser {
    return this.users.get(userId) ?? fail(`Unknown user ${userId}`);
  }

  /** Discord's order: roles, then the @everyone, role and member overwrites of the channel. */
  permissions(guild: LocalGuild, userId: string, channel?: LocalChannel): bigint {
    if (guild.ownerId === userId) return allPermissions;
    const roleIds = guild.members.get(userId)?.roles ?? [];
    let permissions = 0n;
    for (const id of [guild.id, ...roleIds]) permissions |= guild.roles.get(id)?.permissions ?? 0n;
    if (permissions & Permission.Administrator) return allPermissions;
    const overwrites = channel?.permissionOverwrites ?? [];
    const apply = (found: Overwrite[]) => {
      const allow = found.reduce((bits, overwrite) => bits | overwrite.allow, 0n);
      const deny = found.reduce((bits, overwrite) => bits | overwrite.deny, 0n);
      permissions = (permissions & ~deny) | allow;
    };
    apply(overwrites.filter((overwrite) => overwrite.id === guild.id));
    apply(overwrites.filter((overwrite) => overwrite.type === 0 && roleIds.includes(overwrite.id)));
    apply(overwrites.filter((overwrite) => overwrite.type === 1 && overwrite.id === userId));
    return permissions;
  }

  can(userId: string, channel: LocalChannel, permission: bigint): boolean {
    if (channel.guildId === undefined) return true;
    const permissions = this.permissions(this.guild(channel.guildId), userId, channel);
    return (permissions & permission) === permission;
  }

  commandsFor(guildId: string | undefined): RegisteredCommand[] {
    return guildId === undefined ? this.globalCommands : (this.guildCommands.get(guildId) ?? []);
  }

  addMessage(message: StoredMessage, isPublic: boolean): void {
    this.messages.set(message.id, message);
    if (!isPublic) return;
    const ids = this.channelMessageIds.get(message.channel_id) ?? [];
    this.channelMessageIds.set(message.channel_id, [...ids, message.id]);
  }

  deleteMessage(message: StoredMessage): void {
    this.messages.delete(message.id);
    const pinned = this.pins.get(message.channel_id);
    if (pinned?.includes(message.id)) {
      this.pins.set(
        message.channel_id,
        pinned.filter((id) => id !== message.id),
      );
    }
    const ids = this.channelMessageIds.get(message.channel_id) ?? [];
    this.channelMessageIds.set(
      message.channel_id,
      ids.filter((id) => id !== message.id),
    );
  }

  storeAttachment(filename: string, contentType: string, data: Buffer): StoredAttachment {
    const id = this.newId();
    const url = `${this.origin}/attachments/${id}/${encodeURIComponent(filename)}`;
    const attachment = { id, filename, size: data.length, contentType, data, url };
    this.attachments.set(id, attachment);
    return attachment;
  }
}

function fail(message: string): never {
  throw new Error(message);
}

export function apiUser(user: LocalUser): APIUser {
  const { id, username, globalName: global_name } = user;
  return { id, username, global_name, discriminator: "0", avatar: null, bot: user.bot };
}

export function apiRole(role: LocalRole): Json {
  return {
    id: role.id,
    name: role.name,
    permissions: role.permissions.toString(),
    position: role.position,
    managed: role.botId !== undefined,
    ...(role.botId === undefined ? {} : { tags: { bot_id: role.botId } }),
    ...{ color: 0, hoist: false, icon: null, unicode_emoji: null, mentionable: false, flags: 0 },
  };
}

export function apiChannel(channel: LocalChannel, state: State): Json {
  if (channel.recipientId !== undefined) {
    const recipients = [apiUser(state.user(channel.recipientId))];
    return { id: channel.id, type: 1, recipients, last_message_id: null, flags: 0 };
  }
  const overwrites = channel.permissionOverwrites.map((overwrite) => ({
    ...overwrite,
    allow: overwrite.allow.toString(),
    deny: overwrite.deny.toString(),
  }));
  const { id, type, name, position, guildId: guild_id } = channel;
  return { id, type, name, position, guild_id, permission_overwrites: overwrites, flags: 0 };
}

export function apiMember(guild: LocalGuild, user: LocalUser): Json {
  const member = guild.members.get(user.id);
  return {
    user: apiUser(user),
    roles: member?.roles ?? [],
    joined_at: member?.joinedAt ?? new Date(0).toISOString(),
    ...{ nick: null, avatar: null, deaf: false, mute: false, flags: 0, pending: false },
  };
}

/** What GUILD_CREATE carries; discord.js reads every other field only when present. */
export function apiGuild(guild: LocalGuild, state: State): Json {
  const channels = [...state.channels.values()].filter((channel) => channel.guildId === guild.id);
  const members = [...guild.members.keys()].map((userId) => apiMember(guild, state.user(userId)));
  return {
    id: guild.id,
    name: guild.name,
    icon: null,
    owner_id: guild.ownerId,
    preferred_locale: guild.locale,
    mfa_level: guild.mfaLevel,
    verification_level: guild.verificationLevel,
    features: [],
    roles: [...guild.roles.values()].map(apiRole),
    channels: channels.map((channel) => apiChannel(channel, state)),
    members,
    member_count: members.length,
    joined_at: guild.members.get(state.botUser.id)?.joinedAt,
    large: false,
    unavailable: false,
    ...{ emojis: [], stickers: [], threads: [], presences: [], voice_states: [] },
  };
}

export function apiMessage(message: StoredMessage, state: State): Json {
  const { interactionId, attachments, nonce, ...fields } = message;
  const interaction = state.interactions.get(interactionId ?? "");
  return {
    ...fields,
    attachments: attachments.map((attachment) => ({
      id: attachment.id,
      filename: attachment.filename,
      size: attachment.size,
      url: attachment.url,
      proxy_url: attachment.url,
      content_type: attachment.contentType,
    })),
    ...(nonce === undefined ? {} : { nonce }),
    ...{ tts: false, mention_everyone: false, mentions: [], mention_roles: [] },
    pinned: state.pins.get(message.channel_id)?.includes(message.id) ?? false,
    ...(interaction && {
      webhook_id: state.applicationId,
      application_id: state.applicationId,
      interaction_metadata: {
        id: interaction.id,
        type: interaction.type,
        user: apiUser(state.user(interaction.userId)),
        authorizing_integration_owners: { "0": interaction.guildId },
      },
    }),
  };
}

/** Whether Discord would take this bot token (without its "Bot " prefix). */
export function acceptsToken(state: State, token: string): boolean {
  return token !== "" && (state.botToken === undefined || token === state.botToken);
}
