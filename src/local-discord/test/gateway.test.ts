import { once } from "node:events";
import { ChannelType, Client, Events, GatewayIntentBits } from "discord.js";
import type { Interaction } from "discord.js";
import { expect, onTestFinished, test } from "vitest";
import { startLocalDiscord } from "../localDiscord.ts";

/** A local Discord with one guild, channel and member, and a real client logged in to it. */
async function connectedClient(options: { shard?: [number, number] } = {}) {
  const events: string[] = [];
  const discord = await startLocalDiscord({
    log: (event) => events.push(String((event as { event: string }).event)),
  });
  const guild = discord.createGuild({ name: "Campaign HQ" });
  const channel = discord.createChannel(guild.id, { name: "general" });
  const member = discord.createUser({ username: "ada" });
  discord.addMember(guild.id, member.id);
  const client = new Client({
    intents: [GatewayIntentBits.Guilds],
    rest: { api: discord.apiUrl },
    ...(options.shard ? { shards: options.shard[0], shardCount: options.shard[1] } : {}),
  });
  onTestFinished(async () => {
    await client.destroy();
    await discord.close();
  });
  const ready = once(client, Events.ClientReady);
  await client.login("local-token");
  await ready;
  return { discord, client, guild, channel, member, events };
}

test("login: clientReady with the guild, its channels, roles and the bot's member cached", async () => {
  const { discord, client, guild, channel } = await connectedClient();
  expect(client.user?.id).toBe(discord.botUserId);
  const cached = client.guilds.cache.get(guild.id);
  expect(cached?.name).toBe("Campaign HQ");
  expect(cached?.channels.cache.get(channel.id)?.type).toBe(ChannelType.GuildText);
  expect(cached?.members.me?.roles.cache.map((role) => role.name)).toContain("Rally");
  expect(cached?.members.me?.permissionsIn(channel.id).has("EmbedLinks")).toBe(true);
});

test("state changed after READY is dispatched: guild, channel, overwrites, removal", async () => {
  const { discord, client, guild, channel } = await connectedClient();
  const guildCreated = once(client, Events.GuildCreate);
  const second = discord.createGuild({ name: "Second" });
  await guildCreated;
  expect(client.guilds.cache.has(second.id)).toBe(true);

  const channelCreated = once(client, Events.ChannelCreate);
  const news = discord.createChannel(guild.id, { name: "news" });
  await channelCreated;
  expect(client.channels.cache.has(news.id)).toBe(true);

  const updated = once(client, Events.ChannelUpdate);
  discord.setChannelOverwrites(channel.id, [
    { id: discord.botUserId, type: "member", deny: 1n << 11n },
  ]);
  await updated;
  const me = client.guilds.cache.get(guild.id)?.members.me;
  expect(me?.permissionsIn(channel.id).has("SendMessages")).toBe(false);

  const deleted = once(client, Events.GuildDelete);
  discord.removeBotFromGuild(second.id);
  await deleted;
  expect(client.guilds.cache.has(second.id)).toBe(false);
});

test("dropGateway: the client resumes and a later interaction arrives exactly once", async () => {
  const { discord, client, guild, channel, member, events } = await connectedClient();
  await client.application?.commands.set([{ name: "ping", description: "Ping" }], guild.id);
  const received: Interaction[] = [];
  client.on(Events.InteractionCreate, (interaction) => received.push(interaction));

  discord.dropGateway();
  await discord.waitFor(() => (discord.isBotConnected() ? true : undefined));
  const handle = discord.slash({
    guildId: guild.id,
    channelId: channel.id,
    userId: member.id,
    command: "ping",
  });
  await discord.waitFor(() => received.find((interaction) => interaction.id === handle.id));
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect(received.filter((interaction) => interaction.id === handle.id)).toHaveLength(1);
  const gatewayEvents = events.filter((event) => !event.endsWith(".request"));
  expect(gatewayEvents).toEqual(["localDiscord.identify", "localDiscord.resume"]);
});

test("events sent while the client is away are replayed on RESUME", async () => {
  const { discord, client, guild } = await connectedClient();
  discord.dropGateway();
  const news = discord.createChannel(guild.id, { name: "while-away" });
  await discord.waitFor(() => (client.channels.cache.has(news.id) ? true : undefined));
});

test("sharding: a shard only receives the guilds that belong to it", async () => {
  const { discord, client, guild } = await connectedClient({ shard: [0, 2] });
  const belongs = (BigInt(guild.id) >> 22n) % 2n === 0n;
  expect(client.guilds.cache.has(guild.id)).toBe(belongs);
  expect(discord.requests.some((request) => request.path === "/gateway/bot")).toBe(true);
});

test("after client.destroy() the session ends: a slash command says the bot is not connected", async () => {
  const { discord, client, guild, channel, member } = await connectedClient();
  await client.application?.commands.set([{ name: "ping", description: "Ping" }], guild.id);
  await client.destroy();
  await discord.waitFor(() => (discord.isBotConnected() ? undefined : true));
  const ping = { guildId: guild.id, channelId: channel.id, userId: member.id, command: "ping" };
  expect(() => discord.slash(ping)).toThrow(/not connected/);
});

test("with botToken set, another token is refused as Discord refuses it; the right one logs in", async () => {
  const discord = await startLocalDiscord({ botToken: "the-right-token" });
  discord.createGuild({ name: "Campaign HQ" });
  onTestFinished(() => discord.close());
  const wrong = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: discord.apiUrl } });
  onTestFinished(() => wrong.destroy());
  // discord.js asks REST for the gateway first: the 401 there is its "invalid token".
  await expect(wrong.login("a-wrong-token")).rejects.toThrow(/invalid token/i);
  expect(discord.gatewayConnections()).toEqual([]);
  expect(discord.requests.at(-1)).toMatchObject({ path: "/gateway/bot", status: 401 });

  const right = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: discord.apiUrl } });
  onTestFinished(() => right.destroy());
  const ready = once(right, Events.ClientReady);
  await right.login("the-right-token");
  await ready;
  expect(right.guilds.cache.map((guild) => guild.name)).toEqual(["Campaign HQ"]);
});
