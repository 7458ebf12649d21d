import { once } from "node:events";
import { Client, DiscordAPIError, Events, GatewayIntentBits, Routes } from "discord.js";
import { PermissionFlagsBits as Permission } from "discord.js";
import { expect, onTestFinished, test } from "vitest";
import { startLocalDiscord } from "../localDiscord.ts";
import { defaultBotPermissions } from "../state.ts";

const hour = 3_600_000;
/** The local Discord's clock, fixed: "the past" is before it. */
const at = Date.parse("2026-12-07T12:00:00Z");

async function connectedBot(permissions = defaultBotPermissions | Permission.CreateEvents) {
  const discord = await startLocalDiscord({ now: () => at });
  const owner = discord.createUser({ username: "owner" });
  const guild = discord.createGuild({ name: "Campaign HQ", ownerId: owner.id });
  discord.setBotPermissions(guild.id, permissions);
  const client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: discord.apiUrl } });
  onTestFinished(async () => {
    await client.destroy();
    await discord.close();
  });
  const ready = once(client, Events.ClientReady);
  await client.login("local-token");
  await ready;
  return { discord, client, guild };
}

async function apiError(promise: Promise<unknown>): Promise<DiscordAPIError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof DiscordAPIError))
    throw new Error(`expected a DiscordAPIError, got ${String(error)}`);
  return error;
}

function external(now: number, fields: Record<string, unknown> = {}) {
  return {
    name: "Flyers at the university",
    privacy_level: 2,
    entity_type: 3,
    entity_metadata: { location: "Main gate" },
    scheduled_start_time: new Date(now + 24 * hour).toISOString(),
    scheduled_end_time: new Date(now + 26 * hour).toISOString(),
    description: "Bring tape",
    ...fields,
  };
}

interface ApiEvent {
  id: string;
  name: string;
  status: number;
  user_count?: number;
  entity_metadata: { location: string } | null;
  scheduled_start_time: string;
  scheduled_end_time: string | null;
}

test("scheduled events: create, read with and without the user count, modify, cancel, delete", async () => {
  const { discord, client, guild } = await connectedBot();
  const body = external(at);
  const created = (await client.rest.post(Routes.guildScheduledEvents(guild.id), {
    body,
  })) as ApiEvent;
  expect(created).toMatchObject({
    name: body.name,
    status: 1,
    entity_type: 3,
    privacy_level: 2,
    entity_metadata: { location: "Main gate" },
    scheduled_start_time: body.scheduled_start_time,
    scheduled_end_time: body.scheduled_end_time,
  });
  expect(created.user_count).toBeUndefined();

  const members = [discord.createUser({ username: "a" }), discord.createUser({ username: "b" })];
  for (const member of members) discord.addMember(guild.id, member.id);
  discord.markInterested(
    created.id,
    members.map((member) => member.id),
  );
  const counted = (await client.rest.get(Routes.guildScheduledEvent(guild.id, created.id), {
    query: new URLSearchParams({ with_user_count: "true" }),
  })) as ApiEvent;
  expect(counted.user_count).toBe(2);
  const listed = (await client.rest.get(Routes.guildScheduledEvents(guild.id), {
    query: new URLSearchParams({ with_user_count: "true" }),
  })) as ApiEvent[];
  expect(listed.map((event) => [event.id, event.user_count])).toEqual([[created.id, 2]]);
  // discord.js reads the same answer.
  const fetched = await (
    await client.guilds.fetch(guild.id)
  ).scheduledEvents.fetch({
    guildScheduledEvent: created.id,
    withUserCount: true,
    force: true,
  });
  expect(fetched.userCount).toBe(2);

  const modified = (await client.rest.patch(Routes.guildScheduledEvent(guild.id, created.id), {
    body: { name: "Flyers, second round", entity_metadata: { location: "Library" } },
  })) as ApiEvent;
  expect(modified).toMatchObject({
    name: "Flyers, second round",
    entity_metadata: { location: "Library" },
  });
  const cancelled = (await client.rest.patch(Routes.guildScheduledEvent(guild.id, created.id), {
    body: { status: 4 },
  })) as ApiEvent;
  expect(cancelled.status).toBe(4);
  // A finished event cannot change again.
  const late = await apiError(
    client.rest.patch(Routes.guildScheduledEvent(guild.id, created.id), { body: { name: "x" } }),
  );
  expect([late.status, late.code]).toEqual([400, 180000]);

  await client.rest.delete(Routes.guildScheduledEvent(guild.id, created.id));
  expect(discord.scheduledEvents(guild.id)).toEqual([]);
  const gone = await apiError(client.rest.get(Routes.guildScheduledEvent(guild.id, created.id)));
  expect([gone.status, gone.code]).toEqual([404, 10070]);
});

test("scheduled events: an external event needs a location and an end after its start, not in the past", async () => {
  const { client, guild } = await connectedBot();
  const route = Routes.guildScheduledEvents(guild.id);
  const now = at;
  const noEnd = await apiError(
    client.rest.post(route, { body: external(now, { scheduled_end_time: undefined }) }),
  );
  expect([noEnd.status, noEnd.code]).toEqual([400, 50035]);
  expect(noEnd.rawError).toMatchObject({
    errors: { scheduled_end_time: { _errors: [{ code: "BASE_TYPE_REQUIRED" }] } },
  });
  const noLocation = await apiError(
    client.rest.post(route, { body: external(now, { entity_metadata: {} }) }),
  );
  expect(noLocation.rawError).toMatchObject({
    errors: { entity_metadata: { location: { _errors: [{ code: "BASE_TYPE_REQUIRED" }] } } },
  });
  const backwards = await apiError(
    client.rest.post(route, {
      body: external(now, { scheduled_end_time: new Date(now + hour).toISOString() }),
    }),
  );
  expect(backwards.rawError).toMatchObject({ errors: { scheduled_end_time: {} } });
  const past = await apiError(
    client.rest.post(route, {
      body: external(now, { scheduled_start_time: new Date(now - hour).toISOString() }),
    }),
  );
  expect(past.rawError).toMatchObject({ errors: { scheduled_start_time: {} } });
  // The OpenAPI document's own check: a name over 100 characters.
  const long = await apiError(
    client.rest.post(route, { body: external(now, { name: "n".repeat(101) }) }),
  );
  expect([long.status, long.code]).toEqual([400, 50035]);
});

test("scheduled events: 403 50013 without Create Events or Manage Events", async () => {
  const { discord, client, guild } = await connectedBot(defaultBotPermissions);
  const route = Routes.guildScheduledEvents(guild.id);
  const refused = await apiError(client.rest.post(route, { body: external(at) }));
  expect([refused.status, refused.code]).toEqual([403, 50013]);
  expect(refused.rawError).toEqual({ code: 50013, message: "Missing Permissions" });

  discord.setBotPermissions(guild.id, defaultBotPermissions | Permission.ManageEvents);
  const created = (await client.rest.post(route, { body: external(at) })) as ApiEvent;
  discord.setBotPermissions(guild.id, defaultBotPermissions);
  const patch = await apiError(
    client.rest.patch(Routes.guildScheduledEvent(guild.id, created.id), { body: { status: 4 } }),
  );
  expect([patch.status, patch.code]).toEqual([403, 50013]);
  const remove = await apiError(
    client.rest.delete(Routes.guildScheduledEvent(guild.id, created.id)),
  );
  expect([remove.status, remove.code]).toEqual([403, 50013]);
});

test("scheduled events: 30038 at 100 not completed or cancelled; finished ones do not count", async () => {
  const { discord, client, guild } = await connectedBot();
  const route = Routes.guildScheduledEvents(guild.id);
  discord.fillScheduledEvents(guild.id, 99);
  const last = (await client.rest.post(route, { body: external(at) })) as ApiEvent;
  const over = await apiError(client.rest.post(route, { body: external(at) }));
  expect([over.status, over.code]).toEqual([400, 30038]);
  expect(over.rawError).toEqual({
    code: 30038,
    message: "Maximum number of uncompleted guild scheduled events reached (100)",
  });
  await client.rest.patch(Routes.guildScheduledEvent(guild.id, last.id), { body: { status: 4 } });
  await client.rest.post(route, { body: external(at) });
  expect(discord.scheduledEvents(guild.id)).toHaveLength(101);
});
