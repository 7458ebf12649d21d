/**
 * Guild scheduled events, as Discord serves them: POST/GET/PATCH/DELETE
 * /guilds/:id/scheduled-events[/:eventId]. The body's shape is checked against the OpenAPI
 * document first (rest.ts); the rules it does not state are here: an external event (entity
 * type 3) needs a location and an end time, the end after the start, the start not past;
 * Create Events or Manage Events (403 50013 without); at most `scheduledEventLimit` (100)
 * events not completed or cancelled (400 30038); a finished event cannot change (400 180000).
 */
import { PermissionFlagsBits as Permission } from "discord.js";
import { FormErrors } from "./limits.ts";
import { DiscordError, apiUser } from "./state.ts";
import type { Json, LocalGuild, State } from "./state.ts";

/** 1 scheduled, 2 active, 3 completed, 4 cancelled. */
export type ScheduledEventStatus = 1 | 2 | 3 | 4;

export interface LocalScheduledEvent {
  id: string;
  guildId: string;
  creatorId: string;
  name: string;
  description: string | null;
  channelId: string | null;
  /** 1 stage, 2 voice, 3 external. */
  entityType: number;
  location: string | null;
  start: string;
  end: string | null;
  privacyLevel: number;
  status: ScheduledEventStatus;
  /** The members who pressed Interested. */
  interested: Set<string>;
}

interface EventRequest {
  state: State;
  method: string;
  query: URLSearchParams;
  body: Record<string, unknown>;
}

type Reply = { status: number; body?: unknown };

function refuse(status: number, code: number, message: string): never {
  throw new DiscordError(status, code, message);
}

const externalType = 3;
const finished = (event: LocalScheduledEvent) => event.status === 3 || event.status === 4;

export function apiScheduledEvent(
  event: LocalScheduledEvent,
  state: State,
  withUserCount: boolean,
): Json {
  const creator = state.users.get(event.creatorId);
  return {
    id: event.id,
    guild_id: event.guildId,
    channel_id: event.channelId,
    creator_id: event.creatorId,
    ...(creator ? { creator: apiUser(creator) } : {}),
    name: event.name,
    description: event.description,
    scheduled_start_time: event.start,
    scheduled_end_time: event.end,
    privacy_level: event.privacyLevel,
    status: event.status,
    entity_type: event.entityType,
    entity_id: null,
    entity_metadata: event.location === null ? null : { location: event.location },
    image: null,
    recurrence_rule: null,
    ...(withUserCount ? { user_count: event.interested.size } : {}),
  };
}

function guildOf(state: State, guildId: string | undefined): LocalGuild {
  const guild = state.guilds.get(guildId ?? "") ?? refuse(404, 10004, "Unknown Guild");
  if (!guild.members.has(state.botUser.id)) refuse(403, 50001, "Missing Access");
  return guild;
}

/** Server-wide permissions of the bot: scheduled events belong to no channel here. */
function botMay(state: State, guild: LocalGuild, permission: bigint): boolean {
  return (state.permissions(guild, state.botUser.id) & permission) === permission;
}

const time = (value: unknown) => (typeof value === "string" ? Date.parse(value) : Number.NaN);

/** What the document leaves to the API: times that parse and make sense, an external's fields. */
function checkFields(state: State, fields: Record<string, unknown>, event?: LocalScheduledEvent) {
  const errors = new FormErrors();
  const entityType = Number(fields["entity_type"] ?? event?.entityType);
  const startText = fields["scheduled_start_time"] ?? event?.start;
  const endText =
    fields["scheduled_end_time"] === undefined ? event?.end : fields["scheduled_end_time"];
  const start = time(startText);
  if (Number.isNaN(start)) {
    errors.add(["scheduled_start_time"], "DATE_TIME_TYPE_PARSE", "Could not parse the date.");
  } else if (fields["scheduled_start_time"] !== undefined && start < state.now()) {
    errors.add(
      ["scheduled_start_time"],
      "GUILD_SCHEDULED_EVENT_SCHEDULE_PAST",
      "Cannot schedule event in the past.",
    );
  }
  if (entityType === externalType) {
    const metadata = (fields["entity_metadata"] ?? undefined) as { location?: unknown } | undefined;
    const location = metadata === undefined ? event?.location : metadata.location;
    if (typeof location !== "string" || location.trim() === "") {
      errors.add(["entity_metadata", "location"], "BASE_TYPE_REQUIRED", "This field is required");
    } else {
      errors.length(["entity_metadata", "location"], location, 1, 100);
    }
    if (endText === null || endText === undefined) {
      errors.add(["scheduled_end_time"], "BASE_TYPE_REQUIRED", "This field is required");
    }
  }
  if (endText !== null && endText !== undefined) {
    const end = time(endText);
    if (Number.isNaN(end)) {
      errors.add(["scheduled_end_time"], "DATE_TIME_TYPE_PARSE", "Could not parse the date.");
    } else if (!Number.isNaN(start) && end <= start) {
      errors.add(
        ["scheduled_end_time"],
        "GUILD_SCHEDULED_EVENT_END_BEFORE_START",
        "The end time must be after the start time.",
      );
    }
  }
  if (errors.count > 0) throw new DiscordError(400, 50035, "Invalid Form Body", errors.tree);
}

function createEvent({ state, body }: EventRequest, guild: LocalGuild): Reply {
  if (
    !botMay(state, guild, Permission.CreateEvents) &&
    !botMay(state, guild, Permission.ManageEvents)
  )
    refuse(403, 50013, "Missing Permissions");
  if (Number(body["entity_type"]) !== externalType) {
    // Stage and voice events need a channel of that kind; the local Discord has none.
    const errors = new FormErrors();
    errors.add(["channel_id"], "BASE_TYPE_REQUIRED", "This field is required");
    throw new DiscordError(400, 50035, "Invalid Form Body", errors.tree);
  }
  checkFields(state, body);
  const pending = [...state.scheduledEvents.values()].filter(
    (event) => event.guildId === guild.id && !finished(event),
  );
  if (pending.length >= state.scheduledEventLimit) {
    refuse(
      400,
      30038,
      `Maximum number of uncompleted guild scheduled events reached (${state.scheduledEventLimit})`,
    );
  }
  const metadata = body["entity_metadata"] as { location?: string };
  const event: LocalScheduledEvent = {
    id: state.newId(),
    guildId: guild.id,
    creatorId: state.botUser.id,
    name: String(body["name"]),
    description: (body["description"] as string | null | undefined) ?? null,
    channelId: null,
    entityType: externalType,
    location: metadata.location ?? null,
    start: new Date(time(body["scheduled_start_time"])).toISOString(),
    end: new Date(time(body["scheduled_end_time"])).toISOString(),
    privacyLevel: Number(body["privacy_level"]),
    status: 1,
    interested: new Set(),
  };
  state.scheduledEvents.set(event.id, event);
  return { status: 200, body: apiScheduledEvent(event, state, false) };
}

/** Discord's transitions: scheduled → active | cancelled, active → completed. */
const allowedStatus: Record<number, number[]> = { 1: [1, 2, 4], 2: [2, 3] };

function modifyEvent({ state, body }: EventRequest, event: LocalScheduledEvent): Reply {
  const guild = guildOf(state, event.guildId);
  const own = event.creatorId === state.botUser.id;
  const mayCreate = botMay(state, guild, Permission.CreateEvents);
  if (!botMay(state, guild, Permission.ManageEvents) && !(own && mayCreate))
    refuse(403, 50013, "Missing Permissions");
  if (finished(event)) refuse(400, 180000, "Cannot update a finished event");
  const status = body["status"];
  if (
    status !== undefined &&
    status !== null &&
    !allowedStatus[event.status]?.includes(Number(status))
  ) {
    const errors = new FormErrors();
    errors.add(["status"], "GUILD_SCHEDULED_EVENT_INVALID_STATUS_TRANSITION", "Invalid status");
    throw new DiscordError(400, 50035, "Invalid Form Body", errors.tree);
  }
  checkFields(state, body, event);
  if (typeof body["name"] === "string") event.name = body["name"];
  if (body["description"] !== undefined)
    event.description = (body["description"] as string) ?? null;
  if (body["scheduled_start_time"] !== undefined)
    event.start = new Date(time(body["scheduled_start_time"])).toISOString();
  if (body["scheduled_end_time"] !== undefined)
    event.end =
      body["scheduled_end_time"] === null
        ? null
        : new Date(time(body["scheduled_end_time"])).toISOString();
  const metadata = body["entity_metadata"] as { location?: string } | undefined;
  if (metadata?.location !== undefined) event.location = metadata.location;
  if (typeof body["privacy_level"] === "number") event.privacyLevel = body["privacy_level"];
  if (status !== undefined && status !== null)
    event.status = Number(status) as ScheduledEventStatus;
  return { status: 200, body: apiScheduledEvent(event, state, false) };
}

export function guildScheduledEvents(request: EventRequest, [guildId]: string[]): Reply {
  const guild = guildOf(request.state, guildId);
  if (request.method === "POST") return createEvent(request, guild);
  const withCount = request.query.get("with_user_count") === "true";
  const events = [...request.state.scheduledEvents.values()].filter(
    (event) => event.guildId === guild.id,
  );
  return {
    status: 200,
    body: events.map((event) => apiScheduledEvent(event, request.state, withCount)),
  };
}

export function guildScheduledEvent(request: EventRequest, [guildId, eventId]: string[]): Reply {
  const { state, method } = request;
  const guild = guildOf(state, guildId);
  const event = state.scheduledEvents.get(eventId ?? "");
  if (!event || event.guildId !== guild.id) refuse(404, 10070, "Unknown Guild Scheduled Event");
  if (method === "GET") {
    const withCount = request.query.get("with_user_count") === "true";
    return { status: 200, body: apiScheduledEvent(event, state, withCount) };
  }
  if (method === "PATCH") return modifyEvent(request, event);
  const own = event.creatorId === state.botUser.id;
  if (
    !botMay(state, guild, Permission.ManageEvents) &&
    !(own && botMay(state, guild, Permission.CreateEvents))
  )
    refuse(403, 50013, "Missing Permissions");
  state.scheduledEvents.delete(event.id);
  return { status: 204 };
}
