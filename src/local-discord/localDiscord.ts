/**
 * A local Discord: REST (HTTP) and gateway (websocket) on 127.0.0.1 that an unmodified
 * discord.js v14 client logs in to. It records what the bot sends, enforces Discord's
 * documented limits and answers like Discord. Used by end-to-end tests and the sandbox; see
 * README.md beside this file.
 *
 *   const discord = await startLocalDiscord();
 *   const guild = discord.createGuild({ name: "HQ" }); // + createChannel, createUser, addMember
 *   const client = new Client({ intents: [Guilds], rest: { api: discord.apiUrl } });
 *   await client.login("any-token");
 *   const where = { guildId: guild.id, channelId, userId }; // a channel and member of the guild
 *   const handle = discord.slash({ ...where, ...discord.parseCommandLine(line) });
 *   const reply = await handle.final(); // the StoredMessage, after a defer too
 *   await client.destroy(); // first, or the client reconnects forever
 *   await discord.close();
 *
 * World: createGuild, createChannel, deleteChannel, setChannelOverwrites, createRole,
 *   setRolePermissions, setBotPermissions, setMfaLevel, setVerificationLevel, createUser, addMember, setMemberRoles,
 *   removeBotFromGuild, blockDirectMessages. Once the bot is connected each dispatches its
 *   gateway event. A guild has @everyone (id = guild id: View, Send, Read History, Add
 *   Reactions, Use Application Commands, Change Nickname; not Embed Links or Attach Files, so
 *   setBotPermissions alone decides those) and the bot's managed role "Rally" (View, Send,
 *   Embed Links, Attach Files, Read History, Pin Messages, Use External Emojis). Pins: at most
 *   pinLimit (50) per channel, 30003 past it. applicationId = botUserId.
 * Scheduled events (scheduledEvents.ts): external ones over REST, Create / Manage Events
 *   (50013), at most 100 not finished (30038); scheduledEvents(guildId) reads them,
 *   markInterested(eventId, userIds) is members pressing Interested, fillScheduledEvents(…).
 * Members: slash, autocomplete, clickButton and submitModal send real INTERACTION_CREATE
 *   payloads typed by the registered command; bad input throws an Error whose message can be
 *   shown to the person typing. pressCustomId (and submitModal's messageId) send what only a
 *   modified client would: any custom_id on any message. An InteractionHandle sees the bot's answer: response() the
 *   first callback, original() / final() the reply message, followups, modal.
 * Records: messages(channelId) are the public messages in order: bot posts, public replies (a
 *   deferred one has flags 128 until edited or followed up) and public follow-ups; ephemeral
 *   ones are only on the handle and message(id). `requests` holds every REST request,
 *   rejected() the 4xx answers that were not injected faults.
 * Answers like Discord: 400 50035 with `errors` naming the field for limits, 50006 empty
 *   message, 404 10003 / 10008 / 10062, 400 40060 second callback, 401 50027 expired token,
 *   403 50001 / 50013 / 50007 by permissions and DM blocks, 413 40005 over 10 MiB of files.
 * Time: the interaction deadline (3 s), token lifetime (15 min) and nonce memory (5 min) run on
 *   `now` plus advanceClock(ms), so tests jump ahead instead of waiting.
 * Faults: injectFault answers matching requests with 429 / 5xx / 403, or delays them (the
 *   delayed request is then handled, like a slow server whose client gave up); `path` is a
 *   substring of (or a RegExp tested on) the route after /api/v10, as "/channels/1/messages".
 *   dropGateway cuts the websocket or closes it with a code (after 4007 / 4009 the session is
 *   gone); reconnectGateway sends op 7; invalidateSession sends op 9. gatewayConnections() tells
 *   whether the client identified or resumed (discord.js waits 500 ms before reconnecting).
 * Rate limits: opt-in globalRateLimitPerSecond (Discord's is 50) answers 429 global beyond it;
 *   interaction callbacks are exempt. invalidRequestCount() counts 401/403/429 like Discord.
 * Tokens: any non-empty bot token works unless `botToken` names the one that does.
 * Keeping: snapshot() gives the world as plain JSON, restore(snapshot) brings it back in a new
 *   instance before the bot connects (the sandbox keeps its server across runs this way).
 * OAuth2 (oauth2.ts): GET /oauth2/authorize is a "log in as" picker of the local users whose
 *   choice redirects with code and state; POST /api/v10/oauth2/token (client id applicationId,
 *   secret oauth2ClientSecret) trades a code once; /users/@me and /users/@me/guilds answer a
 *   Bearer token. GET /guilds/:id gives the roles and the owner, for permission checks.
 * Unlike Discord: Retry-After may be a fraction of a second; no per-route limits beyond injected
 *   429s; members press buttons and pick options of string select menus (no other menu types yet).
 */
import { createServer } from "node:http";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Gateway } from "./gateway.ts";
import type { GatewayConnection } from "./gateway.ts";
import { Interactions } from "./interactions.ts";
import type {
  InteractionHandle,
  ModalData,
  ParsedCommandLine,
  SlashInput,
} from "./interactions.ts";
import { OAuth2 } from "./oauth2.ts";
import { createRestListener } from "./rest.ts";
import { apiScheduledEvent } from "./scheduledEvents.ts";
import { restoreSnapshot, takeSnapshot, type LocalDiscordSnapshot } from "./snapshot.ts";
import type { Fault } from "./rest.ts";
import { State, apiChannel, apiGuild, apiMember, apiRole } from "./state.ts";
import { defaultBotPermissions, defaultEveryonePermissions } from "./state.ts";
import type { LocalChannel, LocalGuild, LocalRole, LocalUser, LogEvent } from "./state.ts";
import type { RecordedRequest, RegisteredCommand, StoredMessage } from "./state.ts";

export type { Fault, GatewayConnection, InteractionHandle, ModalData, ParsedCommandLine };
export type { LocalDiscordSnapshot, SlashInput };
export type { LocalChannel, LocalGuild, LocalRole, LocalUser, LogEvent } from "./state.ts";
export type { RecordedRequest } from "./state.ts";
export type { CommandOption, RegisteredCommand, StoredAttachment, StoredMessage } from "./state.ts";

export interface LocalDiscordOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Time for the first interaction callback; after it: 404 10062. Default 3000. */
  interactionDeadlineMs?: number;
  /** How long an interaction token works for edits and follow-ups. Default 15 minutes. */
  tokenLifetimeMs?: number;
  /** How long a channel remembers nonces for enforce_nonce. Default 5 minutes. */
  nonceTtlMs?: number;
  now?: () => number;
  /** Structured events (requests, identify, resume, internal errors); it never logs to console. */
  log?: (event: LogEvent) => void;
  /**
   * Discord's global rate limit (50 a second there): requests beyond it in any one-second window
   * get 429 with `global: true`. Interaction callbacks are exempt. Off unless set.
   */
  globalRateLimitPerSecond?: number;
  /**
   * Whether every request body is checked against Discord's OpenAPI document (default true).
   * A benchmark that measures the bot, not its conformance, turns it off: the check is the
   * local Discord's CPU, not the bot's, and would be counted in every round trip.
   */
  checkBodies?: boolean;
  /**
   * The bot's token. When set, any other token is refused as Discord refuses it: 401 on REST,
   * close 4004 on IDENTIFY. Unset, any non-empty token is taken.
   */
  botToken?: string;
  /** The OAuth2 client secret the token endpoint takes (client id = applicationId). */
  oauth2ClientSecret?: string;
}

/** A permission overwrite like Discord's (type 0 role, 1 member), or with words and bigints. */
export interface OverwriteInput {
  id: string;
  type: 0 | 1 | "role" | "member";
  allow?: bigint | string;
  deny?: bigint | string;
}

export async function startLocalDiscord(options: LocalDiscordOptions = {}): Promise<LocalDiscord> {
  const discord = new LocalDiscord(options);
  await discord.listen(options.port ?? 0);
  return discord;
}

const guildsIntent = 1 << 0;
const guildMembersIntent = 1 << 1;

export class LocalDiscord {
  /** "http://127.0.0.1:PORT/api": discord.js appends /v10. */
  apiUrl = "";
  private readonly state: State;
  private readonly faults: (Fault & { times: number })[] = [];
  private readonly http: Server;
  private readonly gateway: Gateway;
  private readonly interactions: Interactions;
  private readonly oauth2: OAuth2;

  constructor(options: LocalDiscordOptions) {
    const log = options.log ?? (() => {});
    const minutes = 60_000;
    this.state = new State(
      // Its own default: this module imports nothing of Rally's; the sandbox passes Rally's clock.
      // eslint-disable-next-line no-restricted-syntax
      options.now ?? Date.now,
      options.interactionDeadlineMs ?? 3000,
      options.tokenLifetimeMs ?? 15 * minutes,
      options.nonceTtlMs ?? 5 * minutes,
    );
    this.state.botToken = options.botToken;
    this.state.checkBodies = options.checkBodies ?? true;
    this.oauth2 = new OAuth2(
      this.state,
      options.oauth2ClientSecret ?? "local-discord-client-secret",
    );
    this.http = createServer(
      createRestListener(
        this.state,
        this.faults,
        log,
        options.globalRateLimitPerSecond,
        this.oauth2,
      ),
    );
    this.gateway = new Gateway(this.http, this.state, log);
    this.interactions = new Interactions(this.state, this.gateway);
  }

  async listen(port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.http.once("error", reject).listen(port, "127.0.0.1", resolve);
    });
    this.state.origin = `http://127.0.0.1:${(this.http.address() as AddressInfo).port}`;
    this.apiUrl = `${this.state.origin}/api`;
  }

  get applicationId(): string {
    return this.state.applicationId;
  }

  /** The same as the application id; a restored snapshot brings back its own. */
  get botUserId(): string {
    return this.state.botUser.id;
  }

  /**
   * The world as plain JSON (users, servers, channels, public and DM messages with their files,
   * pins): what `restore` takes in another run. Commands, interactions and recorded requests
   * are not kept.
   */
  snapshot(): LocalDiscordSnapshot {
    return takeSnapshot(this.state);
  }

  /** Replaces the world with a snapshot's, before the bot connects (the bot keeps its id). */
  restore(snapshot: LocalDiscordSnapshot): void {
    if (this.gateway.isConnected()) throw new Error("restore before the bot connects");
    restoreSnapshot(this.state, snapshot);
  }

  /** Calls `listener` after each change a request made (debounce it: it is called often). */
  onChange(listener: () => void): () => void {
    this.state.events.on("change", listener);
    return () => this.state.events.off("change", listener);
  }

  /** The OAuth2 client secret of the application (its client id is `applicationId`). */
  get oauth2ClientSecret(): string {
    return this.oauth2.clientSecret;
  }

  /** A one-time link logging `userId` in to the app at `returnTo` (its /login), for the sandbox. */
  loginLink(userId: string, returnTo: string): string {
    return this.oauth2.loginLink(userId, returnTo);
  }

  get requests(): RecordedRequest[] {
    return this.state.requests;
  }

  createGuild(input: { name: string; ownerId?: string; locale?: string }): LocalGuild {
    const { state } = this;
    const id = state.newId();
    const ownerId = input.ownerId ?? this.createUser({ username: `${input.name} owner` }).id;
    const everyone: LocalRole = {
      id,
      guildId: id,
      name: "@everyone",
      permissions: defaultEveryonePermissions,
      position: 0,
    };
    const botRole: LocalRole = {
      id: state.newId(),
      guildId: id,
      name: "Rally",
      permissions: defaultBotPermissions,
      position: 1,
      botId: this.botUserId,
    };
    const guild: LocalGuild = {
      id,
      name: input.name,
      ownerId,
      locale: input.locale ?? "en-US",
      roles: new Map([
        [everyone.id, everyone],
        [botRole.id, botRole],
      ]),
      members: new Map([
        [ownerId, { roles: [], joinedAt: state.timestamp() }],
        [this.botUserId, { roles: [botRole.id], joinedAt: state.timestamp() }],
      ]),
      botRoleId: botRole.id,
      mfaLevel: 0,
      verificationLevel: 0,
    };
    state.guilds.set(id, guild);
    this.gateway.dispatch("GUILD_CREATE", apiGuild(guild, state), id, guildsIntent);
    return guild;
  }

  createChannel(
    guildId: string,
    input: { name: string; type?: number; permissionOverwrites?: OverwriteInput[] },
  ): LocalChannel {
    const channel: LocalChannel = {
      id: this.state.newId(),
      guildId: this.state.guild(guildId).id,
      name: input.name,
      type: input.type ?? 0,
      position: this.channels(guildId).length,
      permissionOverwrites: (input.permissionOverwrites ?? []).map(toOverwrite),
    };
    this.state.channels.set(channel.id, channel);
    this.dispatchChannel("CHANNEL_CREATE", channel);
    return channel;
  }

  /** Later posts to it get 404 10003 Unknown Channel. */
  deleteChannel(channelId: string): void {
    const channel = this.state.channel(channelId);
    this.state.channels.delete(channelId);
    this.dispatchChannel("CHANNEL_DELETE", channel);
  }

  setChannelOverwrites(channelId: string, overwrites: OverwriteInput[]): void {
    const channel = this.state.channel(channelId);
    channel.permissionOverwrites = overwrites.map(toOverwrite);
    this.dispatchChannel("CHANNEL_UPDATE", channel);
  }

  createRole(guildId: string, input: { name: string; permissions: bigint }): LocalRole {
    const guild = this.state.guild(guildId);
    const role = { id: this.state.newId(), guildId, ...input, position: guild.roles.size };
    guild.roles.set(role.id, role);
    this.dispatchRole("GUILD_ROLE_CREATE", role);
    return role;
  }

  /** The @everyone role's id is the guild id. */
  setRolePermissions(guildId: string, roleId: string, permissions: bigint): void {
    const role = this.state.guild(guildId).roles.get(roleId);
    if (!role) throw new Error(`Unknown role ${roleId}`);
    role.permissions = permissions;
    this.dispatchRole("GUILD_ROLE_UPDATE", role);
  }

  /** The permissions of the bot's role "Rally" (on top of @everyone's). */
  setBotPermissions(guildId: string, permissions: bigint): void {
    this.setRolePermissions(guildId, this.state.guild(guildId).botRoleId, permissions);
  }

  /** Adds permissions to the bot's role "Rally", keeping the ones it has. */
  grantBotPermissions(guildId: string, permissions: bigint): void {
    const guild = this.state.guild(guildId);
    const role = guild.roles.get(guild.botRoleId);
    if (!role) throw new Error(`Unknown role ${guild.botRoleId}`);
    this.setRolePermissions(guildId, role.id, role.permissions | permissions);
  }

  /** The server's 2FA requirement for moderators: 1 on ("elevated"), 0 off. GUILD_UPDATE. */
  setMfaLevel(guildId: string, level: 0 | 1): void {
    this.state.guild(guildId).mfaLevel = level;
    this.dispatchGuildUpdate(guildId);
  }

  /** The server's verification level, 0 (none) to 4 (very high). GUILD_UPDATE. */
  setVerificationLevel(guildId: string, level: 0 | 1 | 2 | 3 | 4): void {
    this.state.guild(guildId).verificationLevel = level;
    this.dispatchGuildUpdate(guildId);
  }

  createUser(input: { username: string; globalName?: string }): LocalUser {
    const user = {
      id: this.state.newId(),
      ...input,
      globalName: input.globalName ?? null,
      bot: false,
    };
    this.state.users.set(user.id, user);
    return user;
  }

  addMember(guildId: string, userId: string, input: { roles?: string[] } = {}): void {
    const guild = this.state.guild(guildId);
    guild.members.set(userId, { roles: input.roles ?? [], joinedAt: this.state.timestamp() });
    this.dispatchMember("GUILD_MEMBER_ADD", guild, userId);
  }

  setMemberRoles(guildId: string, userId: string, roleIds: string[]): void {
    const guild = this.state.guild(guildId);
    const member = guild.members.get(userId);
    if (!member) throw new Error(`User ${userId} is not a member of ${guild.name}`);
    member.roles = [...roleIds];
    this.dispatchMember("GUILD_MEMBER_UPDATE", guild, userId);
  }

  /** Like a kick of the bot: GUILD_DELETE without `unavailable`. */
  removeBotFromGuild(guildId: string): void {
    this.gateway.dispatch("GUILD_DELETE", { id: guildId }, guildId, guildsIntent);
    for (const channel of this.channels(guildId)) this.state.channels.delete(channel.id);
    this.state.guilds.delete(guildId);
  }

  /** The user's DM channel then answers 403 50007 "Cannot send messages to this user". */
  blockDirectMessages(userId: string): void {
    this.state.dmBlockedUserIds.add(userId);
  }

  guilds(): LocalGuild[] {
    return [...this.state.guilds.values()];
  }

  channels(guildId: string): LocalChannel[] {
    return [...this.state.channels.values()].filter((channel) => channel.guildId === guildId);
  }

  members(guildId: string): LocalUser[] {
    return [...this.state.guild(guildId).members.keys()].map((id) => this.state.user(id));
  }

  /** The bot's DM channel with a user, once the bot opened it. */
  directMessageChannel(userId: string): LocalChannel | undefined {
    return [...this.state.channels.values()].find((channel) => channel.recipientId === userId);
  }

  /** What the bot registered: the global commands, or a guild's. */
  commands(guildId?: string): RegisteredCommand[] {
    return this.state.commandsFor(guildId);
  }

  slash(input: SlashInput): InteractionHandle {
    return this.interactions.slash(input);
  }

  /** The bot's choices; rejects when Discord would refuse them (over 25, names over 100). */
  autocomplete(input: SlashInput & { focused: string }) {
    return this.interactions.autocomplete(input);
  }

  /** Finds the command among the guild's (or all) registered ones to tell group from subcommand. */
  parseCommandLine(line: string, guildId?: string): ParsedCommandLine {
    return this.interactions.parseCommandLine(line, guildId);
  }

  /** By label (case-insensitive) or customId, on a channel or ephemeral message. */
  clickButton(input: Parameters<Interactions["clickButton"]>[0]): InteractionHandle {
    return this.interactions.clickButton(input);
  }

  /** Picks values of a string select menu a message shows, as Discord's client allows. */
  chooseOptions(input: Parameters<Interactions["chooseOptions"]>[0]): InteractionHandle {
    return this.interactions.chooseOptions(input);
  }

  /** Any custom_id on a message, shown there or not: what a modified client can send. */
  pressCustomId(input: Parameters<Interactions["pressCustomId"]>[0]): InteractionHandle {
    return this.interactions.pressCustomId(input);
  }

  submitModal(input: Parameters<Interactions["submitModal"]>[0]): InteractionHandle {
    return this.interactions.submitModal(input);
  }

  messages(channelId: string): StoredMessage[] {
    const ids = this.state.channelMessageIds.get(channelId) ?? [];
    return ids.flatMap((id) => this.state.messages.get(id) ?? []);
  }

  message(id: string): StoredMessage | undefined {
    return this.state.messages.get(id);
  }

  /** A channel's pinned message ids, newest first. */
  pinnedMessageIds(channelId: string): string[] {
    return [...(this.state.pins.get(channelId) ?? [])];
  }

  /** Pins `count` other messages (as members would have), e.g. to bring a channel to the limit. */
  fillPins(channelId: string, count: number): void {
    const ids = Array.from({ length: count }, () => this.state.newId());
    this.state.pins.set(channelId, [...ids, ...(this.state.pins.get(channelId) ?? [])]);
  }

  /** A guild's scheduled events as the API shows them (with user_count), oldest first. */
  scheduledEvents(guildId: string): Record<string, unknown>[] {
    return [...this.state.scheduledEvents.values()]
      .filter((event) => event.guildId === guildId)
      .map((event) => apiScheduledEvent(event, this.state, true));
  }

  /** Members press Interested on an event (no gateway event: Rally keeps the Guilds intent only). */
  markInterested(eventId: string, userIds: string[]): void {
    const event = this.state.scheduledEvents.get(eventId);
    if (!event) throw new Error(`Unknown scheduled event ${eventId}`);
    for (const userId of userIds) {
      if (!this.state.guild(event.guildId).members.has(userId))
        throw new Error(`User ${userId} is not a member of guild ${event.guildId}`);
      event.interested.add(userId);
    }
    this.state.changed();
  }

  /**
   * Creates `count` scheduled external events as members would have (not the bot's), e.g. to
   * bring a server to Discord's limit of 100 events not yet completed or cancelled.
   */
  fillScheduledEvents(guildId: string, count: number): void {
    const guild = this.state.guild(guildId);
    const start = new Date(this.state.now() + 86_400_000).toISOString();
    const end = new Date(this.state.now() + 90_000_000).toISOString();
    for (let index = 0; index < count; index++) {
      const id = this.state.newId();
      this.state.scheduledEvents.set(id, {
        ...{ id, guildId, creatorId: guild.ownerId, name: `Event ${index + 1}` },
        ...{ description: null, channelId: null, entityType: 3, location: "Elsewhere" },
        ...{ start, end, privacyLevel: 2, status: 1, interested: new Set<string>() },
      });
    }
  }

  /** Deletes a message as a moderator would (no gateway event: Rally does not listen for one). */
  deleteMessage(messageId: string): void {
    const message = this.state.messages.get(messageId);
    if (!message) throw new Error(`Unknown message ${messageId}`);
    this.state.deleteMessage(message);
  }

  rejected(): RecordedRequest[] {
    const refused = (request: RecordedRequest) => request.status >= 400 && request.status < 500;
    return this.requests.filter((request) => refused(request) && !request.injected);
  }

  /**
   * 401, 403 and 429 answers in the last 10 minutes, injected ones included, as Discord counts
   * them before a temporary ban at 10,000; a 429 of scope "shared" does not count.
   */
  invalidRequestCount(): number {
    const since = this.state.now() - 10 * 60_000;
    const invalid = (request: RecordedRequest) =>
      [401, 403, 429].includes(request.status) && request.rateLimitScope !== "shared";
    return this.requests.filter((request) => request.time > since && invalid(request)).length;
  }

  /**
   * Event-driven and polled every 10 ms. With `timeoutMs` it rejects after that long, with
   * `what` in the message (a test that something does NOT happen); without, it waits as long
   * as its caller does, and `pendingWaits()` names it meanwhile.
   */
  waitFor<T>(
    predicate: () => T | undefined,
    timeoutMs?: number,
    what = "the condition",
  ): Promise<T> {
    return this.state.waitFor(predicate, timeoutMs, () => what);
  }

  /** What every unfinished wait is waiting for, to explain a test that timed out. */
  pendingWaits(): string[] {
    return [...this.state.pendingWaits].map((what) => what());
  }

  /** Moves the local clock: deadlines, token lifetimes and nonces expire without waiting. */
  advanceClock(ms: number): void {
    this.state.clockOffset += ms;
  }

  /**
   * Drops what was recorded so far (requests, interactions, attachments, nonces and every message
   * but `keepMessageIds`), so a long run (bench/soak.ts) holds only what it still uses. Call it
   * when no interaction is in flight.
   */
  forgetHistory(keepMessageIds: ReadonlySet<string>): void {
    const { state } = this;
    state.requests.length = 0;
    state.interactions.clear();
    state.attachments.clear();
    state.nonces.clear();
    for (const id of state.messages.keys()) if (!keepMessageIds.has(id)) state.messages.delete(id);
    for (const [channelId, ids] of state.channelMessageIds) {
      state.channelMessageIds.set(
        channelId,
        ids.filter((id) => keepMessageIds.has(id)),
      );
    }
  }

  injectFault(fault: Fault): void {
    this.faults.push({ ...fault, times: fault.times ?? 1 });
  }

  /** Without a code the socket is destroyed like a network failure (1006); the client resumes. */
  dropGateway(closeCode?: number): void {
    this.gateway.drop(closeCode);
  }

  /** Op 7 Reconnect: discord.js closes and resumes. */
  reconnectGateway(): void {
    this.gateway.requestReconnect();
  }

  /** Op 9 Invalid Session: resumable (d: true) or not, when the client must identify anew. */
  invalidateSession(resumable: boolean): void {
    this.gateway.invalidateSession(resumable);
  }

  /** Every IDENTIFY and RESUME the gateway accepted, in order. */
  gatewayConnections(): GatewayConnection[] {
    return [...this.gateway.connections];
  }

  isBotConnected(): boolean {
    return this.gateway.isConnected();
  }

  async close(): Promise<void> {
    await this.gateway.close();
    this.http.closeAllConnections();
    await new Promise((resolve) => this.http.close(resolve));
  }

  private dispatchGuildUpdate(guildId: string): void {
    // GUILD_UPDATE carries the guild without its channels, members and other create-only lists.
    const { channels, members, member_count, joined_at, large, unavailable, ...data } = apiGuild(
      this.state.guild(guildId),
      this.state,
    );
    void [channels, members, member_count, joined_at, large, unavailable];
    this.gateway.dispatch("GUILD_UPDATE", data, guildId, guildsIntent);
  }

  private dispatchChannel(event: string, channel: LocalChannel): void {
    this.gateway.dispatch(event, apiChannel(channel, this.state), channel.guildId, guildsIntent);
  }

  private dispatchRole(event: string, role: LocalRole): void {
    const data = { guild_id: role.guildId, role: apiRole(role) };
    this.gateway.dispatch(event, data, role.guildId, guildsIntent);
  }

  private dispatchMember(event: string, guild: LocalGuild, userId: string): void {
    const data = { ...apiMember(guild, this.state.user(userId)), guild_id: guild.id };
    // Discord tells a bot about its own member without the privileged GUILD_MEMBERS intent.
    const intent = userId === this.botUserId ? 0 : guildMembersIntent;
    this.gateway.dispatch(event, data, guild.id, intent);
  }
}

function toOverwrite(input: OverwriteInput) {
  const type = input.type === "role" || input.type === 0 ? (0 as const) : (1 as const);
  return { id: input.id, type, allow: BigInt(input.allow ?? 0n), deny: BigInt(input.deny ?? 0n) };
}
