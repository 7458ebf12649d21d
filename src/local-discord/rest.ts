import type { IncomingMessage, ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { PermissionFlagsBits as Permission } from "discord.js";
import { FormErrors, maxAttachmentBytes, validateChoices, validateCommands } from "./limits.ts";
import { checkBodyAgainstSpec } from "./openapi.ts";
import { validateMessage, validateModal } from "./limits.ts";
import type { MessagePayload } from "./limits.ts";
import type { OAuth2 } from "./oauth2.ts";
import { guildScheduledEvent, guildScheduledEvents } from "./scheduledEvents.ts";
import {
  DiscordError,
  acceptsToken,
  apiChannel,
  apiGuild,
  apiMember,
  apiMessage,
  apiUser,
} from "./state.ts";
import type { CommandOption, DiscordErrorBody, InteractionRecord, LocalChannel } from "./state.ts";
import type {
  LogEvent,
  RecordedRequest,
  RegisteredCommand,
  State,
  StoredMessage,
} from "./state.ts";

type Matcher = { method?: string; path: RegExp | string; times?: number };
export type Fault = Matcher &
  (
    | { status: 429; retryAfter?: number; global?: boolean; scope?: "user" | "global" | "shared" }
    | { status: 500 | 502 | 503 }
    | { status: 403; code: 50013 | 50001 }
    | { delayMs: number }
  );

interface UploadedFile {
  field: string;
  filename: string;
  contentType: string;
  data: Buffer;
}

interface ApiRequest {
  state: State;
  method: string;
  query: URLSearchParams;
  body: Record<string, unknown>;
  files: UploadedFile[];
}

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

const ephemeralFlag = 64;
const loadingFlag = 128;
/** Bodies past this are cut off unread; attachments are held to 10 MiB after parsing. */
const maxBodyBytes = 32 * 1024 * 1024;

const ok = (body?: unknown): Reply =>
  body === undefined ? { status: 204 } : { status: 200, body };

function refuse(status: number, code: number, message: string): never {
  throw new DiscordError(status, code, message);
}

function throwIfInvalid(errors: FormErrors): void {
  if (errors.count > 0) throw new DiscordError(400, 50035, "Invalid Form Body", errors.tree);
}

/** Limits first, then size, then (for a new message) that there is something to show. */
function checkMessage(
  body: MessagePayload,
  files: UploadedFile[],
  whole: boolean,
  prefix?: string,
) {
  const errors = new FormErrors(prefix === undefined ? [] : [prefix]);
  validateMessage(body, errors);
  throwIfInvalid(errors);
  const size = files.reduce((sum, file) => sum + file.data.length, 0);
  if (size > maxAttachmentBytes) refuse(413, 40005, "Request entity too large");
  const empty = !body.content && !body.embeds?.length && !body.components?.length;
  if (whole && empty && files.length === 0) refuse(400, 50006, "Cannot send an empty message");
}

/** Uploaded files become attachments; `attachments` in the body lists the old ones that stay. */
function applyPayload(
  state: State,
  message: StoredMessage,
  body: MessagePayload & { attachments?: { id: string | number; filename?: string }[] },
  files: UploadedFile[],
  dropEmbeds = false,
): void {
  if (body.content !== undefined) message.content = body.content ?? "";
  if (body.embeds !== undefined && !dropEmbeds) message.embeds = body.embeds ?? [];
  if (body.components != null) message.components = body.components as typeof message.components;
  if (body.components === null) message.components = [];
  message.flags |= (body.flags ?? 0) & ~ephemeralFlag;
  const kept = body.attachments?.map((attachment) => String(attachment.id));
  if (kept) message.attachments = message.attachments.filter((old) => kept.includes(old.id));
  for (const file of files) {
    const index = /^files\[(\d+)\]$/.exec(file.field)?.[1];
    const described = body.attachments?.find((attachment) => String(attachment.id) === index);
    const filename = described?.filename ?? file.filename;
    message.attachments.push(state.storeAttachment(filename, file.contentType, file.data));
  }
}

function newMessage(state: State, channelId: string, fields: Partial<StoredMessage> = {}) {
  const message: StoredMessage = {
    id: state.newId(),
    channel_id: channelId,
    guild_id: state.channels.get(channelId)?.guildId,
    type: 0,
    content: "",
    embeds: [],
    components: [],
    attachments: [],
    flags: 0,
    nonce: undefined,
    author: apiUser(state.botUser),
    timestamp: state.timestamp(),
    edited_timestamp: null,
    interactionId: undefined,
    ...fields,
  };
  return message;
}

function visibleChannel(state: State, channelId: string | undefined): LocalChannel {
  const channel = state.channels.get(channelId ?? "") ?? refuse(404, 10003, "Unknown Channel");
  if (!state.can(state.botUser.id, channel, Permission.ViewChannel)) {
    refuse(403, 50001, "Missing Access");
  }
  return channel;
}

function createChannelMessage({ state, body, files }: ApiRequest, [channelId]: string[]): Reply {
  const channel = visibleChannel(state, channelId);
  if (channel.recipientId && state.dmBlockedUserIds.has(channel.recipientId)) {
    refuse(403, 50007, "Cannot send messages to this user");
  }
  const needed = files.length > 0 ? Permission.AttachFiles : 0n;
  if (!state.can(state.botUser.id, channel, Permission.SendMessages | needed)) {
    refuse(403, 50013, "Missing Permissions");
  }
  checkMessage(body, files, true);
  // Like Discord, embeds vanish silently when the bot may not embed links.
  const noEmbeds = !state.can(state.botUser.id, channel, Permission.EmbedLinks);
  if (noEmbeds) checkMessage({ ...body, embeds: [] }, files, true);
  const nonce = body["nonce"] === undefined ? undefined : String(body["nonce"]);
  const errors = new FormErrors();
  errors.length(["nonce"], nonce, 0, 25);
  throwIfInvalid(errors);
  const seen = state.nonces.get(channel.id) ?? new Map<string, { messageId: string; at: number }>();
  state.nonces.set(channel.id, seen);
  const earlier = seen.get(nonce ?? "");
  const existing = state.messages.get(earlier?.messageId ?? "");
  const fresh = earlier && state.now() - earlier.at < state.nonceTtlMs;
  if (body["enforce_nonce"] === true && existing && fresh) return ok(apiMessage(existing, state));
  const message = newMessage(state, channel.id, { nonce: body["nonce"] as string | number });
  applyPayload(state, message, body, files, noEmbeds);
  state.addMessage(message, true);
  if (nonce !== undefined) seen.set(nonce, { messageId: message.id, at: state.now() });
  return ok(apiMessage(message, state));
}

function channelMessage(request: ApiRequest, [channelId, messageId]: string[]): Reply {
  const { state, method } = request;
  const channel = visibleChannel(state, channelId);
  const message = state.messages.get(messageId ?? "");
  if (!message || message.channel_id !== channel.id || message.flags & ephemeralFlag) {
    refuse(404, 10008, "Unknown Message");
  }
  const bot = state.botUser.id;
  const own = message.author.id === bot;
  if (method === "GET") {
    if (!state.can(bot, channel, Permission.ReadMessageHistory)) {
      refuse(403, 50001, "Missing Access");
    }
    return ok(apiMessage(message, state));
  }
  if (method === "DELETE") {
    if (!own && !state.can(bot, channel, Permission.ManageMessages)) {
      refuse(403, 50013, "Missing Permissions");
    }
    state.deleteMessage(message);
    return ok();
  }
  if (!own) refuse(403, 50005, "Cannot edit a message authored by another user");
  checkMessage(request.body, request.files, false);
  const noEmbeds = !state.can(bot, channel, Permission.EmbedLinks);
  applyPayload(state, message, request.body, request.files, noEmbeds);
  message.edited_timestamp = state.timestamp();
  return ok(apiMessage(message, state));
}

/**
 * Pins and unpins (both the current /messages/pins route and the older /pins one): the bot needs
 * Pin Messages, and a channel holds at most pinLimit pins (30003 past it).
 */
function channelPin({ state, method }: ApiRequest, [channelId, messageId]: string[]): Reply {
  const channel = visibleChannel(state, channelId);
  if (!state.can(state.botUser.id, channel, Permission.PinMessages)) {
    refuse(403, 50013, "Missing Permissions");
  }
  const message = state.messages.get(messageId ?? "");
  if (!message || message.channel_id !== channel.id || message.flags & ephemeralFlag) {
    refuse(404, 10008, "Unknown Message");
  }
  const pinned = state.pins.get(channel.id) ?? [];
  if (method === "DELETE") {
    state.pins.set(
      channel.id,
      pinned.filter((id) => id !== message.id),
    );
    return ok();
  }
  if (pinned.includes(message.id)) return ok();
  if (pinned.length >= state.pinLimit) {
    refuse(400, 30003, `Maximum number of pins reached (${state.pinLimit})`);
  }
  state.pins.set(channel.id, [message.id, ...pinned]);
  return ok();
}

function listPins({ state }: ApiRequest, [channelId]: string[], legacy: boolean): Reply {
  const channel = visibleChannel(state, channelId);
  if (!state.can(state.botUser.id, channel, Permission.ReadMessageHistory)) {
    refuse(403, 50001, "Missing Access");
  }
  const messages = (state.pins.get(channel.id) ?? []).flatMap((id) => {
    const message = state.messages.get(id);
    return message ? [apiMessage(message, state)] : [];
  });
  if (legacy) return ok(messages);
  const items = messages.map((message) => ({ pinned_at: state.timestamp(), message }));
  return ok({ items, has_more: false });
}

function interactionCallback(request: ApiRequest, [interactionId, token]: string[]): Reply {
  const interaction = request.state.interactions.get(interactionId ?? "");
  if (!interaction || interaction.token !== token) refuse(404, 10062, "Unknown interaction");
  return answerInteraction(request, interaction);
}

/** A refused callback ends the member's wait for it (see InteractionHandle), whoever refused. */
function noteCallbackRefusal(state: State, path: string, reply: Reply): void {
  const [, interactionId, token] = interactionCallbackPath.exec(path) ?? [];
  const interaction = state.interactions.get(interactionId ?? "");
  if (interaction && interaction.token === token && reply.status >= 400) {
    interaction.refusal = reply.body as DiscordErrorBody;
  }
}

/** Types: 4 reply, 5 defer, 6 deferred update, 7 update, 8 autocomplete result, 9 modal. */
function answerInteraction(
  { state, body, files, query }: ApiRequest,
  interaction: InteractionRecord,
) {
  if (interaction.callback) refuse(400, 40060, "Interaction has already been acknowledged.");
  if (state.now() - interaction.createdAt > state.interactionDeadlineMs) {
    refuse(404, 10062, "Unknown interaction");
  }
  const type = Number(body["type"]);
  const data = (body["data"] ?? {}) as MessagePayload & Record<string, unknown>;
  const errors = new FormErrors(["data"]);
  const isAutocomplete = interaction.type === 4;
  const isModalSubmit = interaction.type === 5;
  const allowed = isAutocomplete ? [8] : isModalSubmit ? [4, 5, 6, 7] : [4, 5, 6, 7, 9];
  if (!allowed.includes(type) || ((type === 6 || type === 7) && !interaction.sourceMessageId)) {
    const invalid = new FormErrors();
    invalid.add(["type"], "INTERACTION_RESPONSE_TYPE_INVALID", "Invalid response type");
    throwIfInvalid(invalid);
  }
  let message: StoredMessage | undefined;
  if (type === 4 || type === 5) {
    const ephemeral = Number(data.flags ?? 0) & ephemeralFlag;
    if (type === 4) checkMessage(data, files, true, "data");
    message = newMessage(state, interaction.channelId, {
      type: interaction.type === 2 ? 20 : 0,
      flags: type === 5 ? ephemeral | loadingFlag : ephemeral,
      interactionId: interaction.id,
    });
    if (type === 4) applyPayload(state, message, data, files);
    state.addMessage(message, ephemeral === 0);
  } else if (type === 6 || type === 7) {
    message = state.messages.get(interaction.sourceMessageId ?? "");
    if (!message) refuse(404, 10008, "Unknown Message");
    if (type === 7) {
      checkMessage(data, files, false, "data");
      applyPayload(state, message, data, files);
      message.edited_timestamp = state.timestamp();
    }
  } else if (type === 8) {
    validateChoices(data["choices"], errors);
  } else {
    validateModal(data, errors);
  }
  throwIfInvalid(errors);
  interaction.callback = { type, data };
  interaction.originalMessageId = message?.id;
  interaction.originalReady = type === 4 || type === 7;
  if (query.get("with_response") !== "true") return ok();
  const about = message && {
    response_message_id: message.id,
    response_message_loading: (message.flags & loadingFlag) !== 0,
    response_message_ephemeral: (message.flags & ephemeralFlag) !== 0,
  };
  return ok({
    interaction: { id: interaction.id, type: interaction.type, ...about },
    resource: { type, ...(message && { message: apiMessage(message, state) }) },
  });
}

function interactionByToken(state: State, [applicationId, token]: string[]): InteractionRecord {
  if (applicationId !== state.applicationId) refuse(404, 10015, "Unknown Webhook");
  const interaction = [...state.interactions.values()].find((record) => record.token === token);
  if (!interaction || state.now() - interaction.createdAt > state.tokenLifetimeMs) {
    refuse(401, 50027, "Invalid Webhook Token");
  }
  if (!interaction.callback) refuse(404, 10015, "Unknown Webhook");
  return interaction;
}

function createFollowup({ state, body, files, query }: ApiRequest, params: string[]): Reply {
  const interaction = interactionByToken(state, params);
  checkMessage(body, files, true);
  let message = state.messages.get(interaction.originalMessageId ?? "");
  if (message && message.flags & loadingFlag) {
    // Like Discord: the first follow-up after a deferred reply replaces the "thinking…" message.
    message.flags &= ~loadingFlag;
    interaction.originalReady = true;
  } else {
    const flags = Number(body["flags"] ?? 0) & ephemeralFlag;
    const type = interaction.type === 2 ? 20 : 0;
    message = newMessage(state, interaction.channelId, {
      type,
      flags,
      interactionId: interaction.id,
    });
    state.addMessage(message, flags === 0);
    interaction.followupIds.push(message.id);
  }
  applyPayload(state, message, body, files);
  return query.get("wait") === "true" ? ok(apiMessage(message, state)) : ok();
}

function webhookMessage(request: ApiRequest, params: string[]): Reply {
  const { state, method } = request;
  const interaction = interactionByToken(state, params);
  const isOriginal = params[2] === "@original";
  const id = isOriginal ? interaction.originalMessageId : params[2];
  const known = isOriginal || interaction.followupIds.includes(id ?? "");
  const message = (known && state.messages.get(id ?? "")) || refuse(404, 10008, "Unknown Message");
  if (method === "DELETE") state.deleteMessage(message);
  if (method === "PATCH") {
    checkMessage(request.body, request.files, false);
    applyPayload(state, message, request.body, request.files);
    // Filling a deferred reply is not an edit to the person who sees it.
    if (!(message.flags & loadingFlag)) message.edited_timestamp = state.timestamp();
    message.flags &= ~loadingFlag;
    if (isOriginal) interaction.originalReady = true;
  }
  return method === "DELETE" ? ok() : ok(apiMessage(message, state));
}

function applicationCommands({ state, method, body }: ApiRequest, params: string[]): Reply {
  const [applicationId, guildId] = params;
  const knownGuild = guildId === undefined || state.guilds.has(guildId);
  if (applicationId !== state.applicationId || !knownGuild) refuse(403, 50001, "Missing Access");
  if (method === "GET") return ok(state.commandsFor(guildId));
  const list = (Array.isArray(body) ? body : []) as (CommandOption & Record<string, unknown>)[];
  const errors = new FormErrors();
  validateCommands(list, errors);
  throwIfInvalid(errors);
  const previous = state.commandsFor(guildId);
  const registered = list.map((command): RegisteredCommand => {
    const type = command.type ?? 1;
    const same = previous.find((old) => old.name === command.name && old.type === type);
    return {
      ...command,
      type,
      description: command.description ?? "",
      id: same?.id ?? state.newId(),
      application_id: state.applicationId,
      ...(guildId === undefined ? {} : { guild_id: guildId }),
      version: state.newId(),
      default_member_permissions: (command["default_member_permissions"] as string) ?? null,
    };
  });
  if (guildId === undefined) state.globalCommands.splice(0, Infinity, ...registered);
  else state.guildCommands.set(guildId, registered);
  return ok(registered);
}

function openDirectMessage({ state, body }: ApiRequest): Reply {
  const recipient = state.users.get(String(body["recipient_id"]));
  if (!recipient) refuse(404, 10013, "Unknown User");
  const channels = [...state.channels.values()];
  let channel = channels.find((candidate) => candidate.recipientId === recipient.id);
  if (!channel) {
    const fields = { name: "", type: 1, position: 0, permissionOverwrites: [] };
    channel = { id: state.newId(), guildId: undefined, recipientId: recipient.id, ...fields };
    state.channels.set(channel.id, channel);
  }
  return ok(apiChannel(channel, state));
}

function getMember({ state }: ApiRequest, [guildId, userId]: string[]): Reply {
  const guild = state.guilds.get(guildId ?? "") ?? refuse(404, 10004, "Unknown Guild");
  if (!guild.members.has(userId ?? "")) refuse(404, 10007, "Unknown Member");
  return ok(apiMember(guild, state.user(userId ?? "")));
}

type Handler = (request: ApiRequest, params: string[]) => Reply;

const routes: Record<string, Handler> = {
  "GET /gateway/bot": ({ state }) =>
    ok({
      url: `${state.origin.replace(/^http/, "ws")}/gateway`,
      // Discord's recommendation: about one shard per 1,000 servers.
      shards: Math.max(1, Math.ceil(state.guilds.size / 1000)),
      session_start_limit: { total: 1000, remaining: 1000, reset_after: 0, max_concurrency: 1 },
    }),
  "GET /users/@me": ({ state }) => ok(apiUser(state.botUser)),
  "GET /applications/@me": ({ state }) =>
    ok({ id: state.applicationId, name: "Rally", bot: apiUser(state.botUser), flags: 0 }),
  "GET /users/:id": ({ state }, [id]) =>
    ok(apiUser(state.users.get(id ?? "") ?? refuse(404, 10013, "Unknown User"))),
  "POST /users/@me/channels": openDirectMessage,
  "GET /applications/:app/commands": applicationCommands,
  "PUT /applications/:app/commands": applicationCommands,
  "GET /applications/:app/guilds/:guild/commands": applicationCommands,
  "PUT /applications/:app/guilds/:guild/commands": applicationCommands,
  "POST /interactions/:id/:token/callback": interactionCallback,
  "POST /webhooks/:app/:token": createFollowup,
  "GET /webhooks/:app/:token/messages/:id": webhookMessage,
  "PATCH /webhooks/:app/:token/messages/:id": webhookMessage,
  "DELETE /webhooks/:app/:token/messages/:id": webhookMessage,
  "GET /channels/:id": ({ state }, [id]) => ok(apiChannel(visibleChannel(state, id), state)),
  "POST /channels/:id/messages": createChannelMessage,
  "GET /channels/:id/messages/pins": (request, params) => listPins(request, params, false),
  "PUT /channels/:id/messages/pins/:message": channelPin,
  "DELETE /channels/:id/messages/pins/:message": channelPin,
  "GET /channels/:id/pins": (request, params) => listPins(request, params, true),
  "PUT /channels/:id/pins/:message": channelPin,
  "DELETE /channels/:id/pins/:message": channelPin,
  "GET /channels/:id/messages/:message": channelMessage,
  "PATCH /channels/:id/messages/:message": channelMessage,
  "DELETE /channels/:id/messages/:message": channelMessage,
  "GET /guilds/:guild/members/:user": getMember,
  "GET /guilds/:guild/scheduled-events": guildScheduledEvents,
  "POST /guilds/:guild/scheduled-events": guildScheduledEvents,
  "GET /guilds/:guild/scheduled-events/:event": guildScheduledEvent,
  "PATCH /guilds/:guild/scheduled-events/:event": guildScheduledEvent,
  "DELETE /guilds/:guild/scheduled-events/:event": guildScheduledEvent,
  // GET /guilds/:id as Discord answers it (no member list): roles, owner, MFA and verification.
  "GET /guilds/:guild": ({ state }, [guildId]) => {
    const guild = state.guilds.get(guildId ?? "") ?? refuse(404, 10004, "Unknown Guild");
    const { channels, members, ...fields } = apiGuild(guild, state);
    void [channels, members];
    return ok(fields);
  },
};

/** Finds the route for "METHOD /path"; literal segments (like @me) win over parameters. */
function matchRoute(method: string, path: string) {
  const segments = path.split("/");
  const candidates = Object.entries(routes).map(([key, handler]) => {
    const [routeMethod, pattern = ""] = key.split(" ");
    const parts = pattern.split("/");
    const fits = routeMethod === method && parts.length === segments.length;
    const matches = fits && parts.every((part, i) => part.startsWith(":") || part === segments[i]);
    const params = segments.filter((_, i) => parts[i]?.startsWith(":"));
    const literal = parts.filter((part) => !part.startsWith(":"));
    return { key, handler, params, matches, literal };
  });
  const found = candidates.filter((candidate) => candidate.matches);
  return found.sort((a, b) => b.literal.length - a.literal.length)[0];
}

function errorBody(error: DiscordError): DiscordErrorBody {
  const { code, message, errors } = error;
  return { code, message, ...(errors ? { errors } : {}) };
}

function faultReply(fault: Exclude<Fault, { delayMs: number }>, now: number): Reply {
  if (fault.status === 403) {
    const message = fault.code === 50013 ? "Missing Permissions" : "Missing Access";
    return { status: 403, body: { code: fault.code, message } };
  }
  if (fault.status !== 429) {
    return { status: fault.status, body: { code: 0, message: `${fault.status}: Server Error` } };
  }
  const global = fault.global ?? fault.scope === "global";
  const scope = fault.scope ?? (global ? "global" : "user");
  return rateLimitReply(fault.retryAfter ?? 0.05, scope, now);
}

function rateLimitReply(
  retryAfter: number,
  scope: "user" | "global" | "shared",
  now: number,
): Reply {
  const global = scope === "global";
  return {
    status: 429,
    body: { message: "You are being rate limited.", retry_after: retryAfter, global },
    headers: {
      // Discord sends whole seconds in Retry-After; a fraction keeps tests fast and works.
      "retry-after": String(retryAfter),
      "x-ratelimit-limit": "5",
      "x-ratelimit-remaining": "0",
      "x-ratelimit-reset": (now / 1000 + retryAfter).toFixed(3),
      "x-ratelimit-reset-after": String(retryAfter),
      "x-ratelimit-scope": scope,
      ...(global ? { "x-ratelimit-global": "true" } : {}),
    },
  };
}

const interactionCallbackPath = /^\/interactions\/([^/]+)\/([^/]+)\/callback$/;

/**
 * Discord's global limit: at most `perSecond` requests in any one-second window, beyond which
 * it answers 429 global. Interaction callbacks are exempt, as on Discord.
 */
function globalRateLimiter(perSecond: number | undefined, now: () => number) {
  const accepted: number[] = [];
  return (path: string): Reply | undefined => {
    if (perSecond === undefined || interactionCallbackPath.test(path)) return undefined;
    const time = now();
    while ((accepted[0] ?? time) <= time - 1000) accepted.shift();
    if (accepted.length < perSecond) {
      accepted.push(time);
      return undefined;
    }
    const retryAfter = Math.max(1, (accepted[0] ?? time) + 1000 - time) / 1000;
    return rateLimitReply(retryAfter, "global", time);
  };
}

async function readBody(req: IncomingMessage) {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBodyBytes) refuse(413, 40005, "Request entity too large");
    chunks.push(chunk);
  }
  const raw = Buffer.concat(chunks);
  const contentType = req.headers["content-type"] ?? "";
  const files: UploadedFile[] = [];
  if (raw.length === 0) return { body: {}, files };
  // OAuth2's token endpoint takes a form, as on Discord.
  if (contentType.startsWith("application/x-www-form-urlencoded")) {
    return { body: Object.fromEntries(new URLSearchParams(raw.toString("utf8"))), files };
  }
  if (!contentType.startsWith("multipart/form-data")) {
    return { body: JSON.parse(raw.toString("utf8")) as Record<string, unknown>, files };
  }
  const request = new Request("http://local.invalid/", {
    method: "POST",
    headers: { "content-type": contentType },
    body: raw,
  });
  let body: Record<string, unknown> = {};
  for (const [field, value] of await request.formData()) {
    if (typeof value === "string") {
      if (field === "payload_json") body = JSON.parse(value) as Record<string, unknown>;
      continue;
    }
    const data = Buffer.from(await value.arrayBuffer());
    const contentType = value.type || "application/octet-stream";
    files.push({ field, filename: value.name, contentType, data });
  }
  return { body, files };
}

/** The HTTP side: serves attachments, answers /api/v10 routes, records every request. */
export function createRestListener(
  state: State,
  faults: (Fault & { times: number })[],
  log: (event: LogEvent) => void,
  globalRateLimitPerSecond: number | undefined,
  oauth2: OAuth2,
) {
  const overGlobalLimit = globalRateLimiter(globalRateLimitPerSecond, () => state.now());
  const takeFault = (method: string, path: string) => {
    const fault = faults.find((candidate) => {
      const pattern = candidate.path;
      const matches = typeof pattern === "string" ? path.includes(pattern) : pattern.test(path);
      return matches && (candidate.method ?? method).toUpperCase() === method;
    });
    if (fault && --fault.times <= 0) faults.splice(faults.indexOf(fault), 1);
    return fault;
  };

  const handle = async (
    req: IncomingMessage,
    url: URL,
    record: RecordedRequest,
  ): Promise<Reply> => {
    const { body, files } = await readBody(req);
    record.body = body;
    record.files = files.map(({ field, filename, data }) => ({
      field,
      filename,
      size: data.length,
    }));
    const limited = overGlobalLimit(record.path);
    if (limited) return limited;
    const fault = takeFault(record.method, record.path);
    if (fault && "delayMs" in fault) await sleep(fault.delayMs);
    else if (fault) {
      record.injected = true;
      return faultReply(fault, state.now());
    }
    const authorization = req.headers.authorization ?? "";
    if (record.method === "POST" && record.path === "/oauth2/token")
      return oauth2.exchange(body, req.headers.authorization);
    if (authorization.startsWith("Bearer ") && record.method === "GET")
      return oauth2.bearer(record.path, authorization);
    const route = matchRoute(record.method, record.path);
    if (!url.pathname.startsWith("/api/v10/") || !route) refuse(404, 0, "404: Not Found");
    const isBotRoute = !/^\/(interactions|webhooks)\//.test(record.path);
    const token = /^Bot (\S+)$/.exec(req.headers.authorization ?? "")?.[1] ?? "";
    if (isBotRoute && !acceptsToken(state, token)) refuse(401, 0, "401: Unauthorized");
    // Discord's own description of the body first; the hand-written rules (limits.ts) after.
    if (state.checkBodies) throwIfInvalid(await checkBodyAgainstSpec(route.key, body));
    const request = { state, method: record.method, query: url.searchParams, body, files };
    const reply = route.handler(request, route.params);
    if (!isBotRoute) return reply;
    const headers = {
      "x-ratelimit-limit": "5",
      "x-ratelimit-remaining": "4",
      "x-ratelimit-reset": (state.now() / 1000 + 1).toFixed(3),
      "x-ratelimit-reset-after": "1.000",
    };
    return { ...reply, headers };
  };

  const send = (res: ServerResponse, reply: Reply) => {
    const json = reply.body === undefined ? {} : { "content-type": "application/json" };
    res.writeHead(reply.status, { ...reply.headers, ...json });
    res.end(reply.body === undefined ? undefined : JSON.stringify(reply.body));
  };

  return (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", state.origin);
    if (url.pathname === "/oauth2/authorize") {
      oauth2.authorize(req, res, url).catch(() => send(res, { status: 500 }));
      return;
    }
    const ticket = /^\/oauth2\/sandbox-login\/([\w-]+)$/.exec(url.pathname)?.[1];
    if (ticket !== undefined && req.method === "GET") return oauth2.sandboxLogin(res, ticket);
    const attachmentId = /^\/attachments\/(\d+)\//.exec(url.pathname)?.[1];
    if (attachmentId !== undefined) {
      const stored = state.attachments.get(attachmentId);
      if (!stored) return send(res, { status: 404 });
      res.writeHead(200, { "content-type": stored.contentType }).end(stored.data);
      return;
    }
    const method = req.method ?? "GET";
    // discord.js sends @original as %40original.
    const path = url.pathname.replace(/^\/api\/v10/, "").replaceAll("%40", "@");
    const record: RecordedRequest = {
      method,
      path,
      query: url.search,
      status: 0,
      body: undefined,
      files: [],
      time: state.now(),
      injected: false,
    };
    handle(req, url, record)
      .catch((error: unknown): Reply => {
        if (error instanceof DiscordError) return { status: error.status, body: errorBody(error) };
        if (error instanceof SyntaxError) {
          return {
            status: 400,
            body: { code: 50109, message: "The request body contains invalid JSON." },
          };
        }
        log({ event: "localDiscord.error", method, path: record.path, error: String(error) });
        return { status: 500, body: { code: 0, message: "500: Internal Server Error" } };
      })
      .then((reply) => {
        record.status = reply.status;
        if (!record.injected) noteCallbackRefusal(state, record.path, reply);
        if (reply.status >= 400) record.error = reply.body as DiscordErrorBody;
        const scope = reply.headers?.["x-ratelimit-scope"];
        if (reply.status === 429 && scope !== undefined) record.rateLimitScope = scope;
        state.requests.push(record);
        log({ event: "localDiscord.request", method, path: record.path, status: reply.status });
        send(res, reply);
        state.changed();
      });
  };
}
