import { once } from "node:events";
import {
  Client,
  DiscordAPIError,
  Events,
  GatewayIntentBits,
  PermissionFlagsBits,
  Routes,
} from "discord.js";
import type { TextChannel } from "discord.js";
import { expect, onTestFinished, test } from "vitest";
import { startLocalDiscord } from "../localDiscord.ts";

async function connectedBot() {
  const discord = await startLocalDiscord();
  const guild = discord.createGuild({ name: "Campaign HQ" });
  const channel = discord.createChannel(guild.id, { name: "campaigns" });
  const client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: discord.apiUrl } });
  onTestFinished(async () => {
    await client.destroy();
    await discord.close();
  });
  const ready = once(client, Events.ClientReady);
  await client.login("local-token");
  await ready;
  const text = client.channels.cache.get(channel.id) as TextChannel;
  return { discord, client, guild, channel, text };
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

test("pins: both routes pin and unpin, the message says pinned, lists show it", async () => {
  const { discord, client, channel, text } = await connectedBot();
  const message = await text.send("Live card");
  await text.messages.pin(message.id); // PUT /channels/{id}/messages/pins/{message}
  expect(discord.pinnedMessageIds(channel.id)).toEqual([message.id]);
  expect((await text.messages.fetch({ message: message.id, force: true })).pinned).toBe(true);
  const listed = (await client.rest.get(Routes.channelMessagesPins(channel.id))) as {
    items: { message: { id: string } }[];
  };
  expect(listed.items.map((item) => item.message.id)).toEqual([message.id]);

  await text.messages.unpin(message.id);
  expect(discord.pinnedMessageIds(channel.id)).toEqual([]);
  // The older route, which other libraries still use.
  await client.rest.put(Routes.channelPin(channel.id, message.id));
  expect(discord.pinnedMessageIds(channel.id)).toEqual([message.id]);
  const legacy = (await client.rest.get(Routes.channelPins(channel.id))) as { id: string }[];
  expect(legacy.map((pinned) => pinned.id)).toEqual([message.id]);
  // Pinning twice is not an error, and a deleted message leaves the pins.
  await text.messages.pin(message.id);
  discord.deleteMessage(message.id);
  expect(discord.pinnedMessageIds(channel.id)).toEqual([]);
  expect(discord.rejected()).toEqual([]);
});

test("pins: refused without Pin Messages (50013), an unknown message is 10008", async () => {
  const { discord, guild, text } = await connectedBot();
  const message = await text.send("Live card");
  const withoutPin =
    PermissionFlagsBits.ViewChannel |
    PermissionFlagsBits.SendMessages |
    PermissionFlagsBits.ReadMessageHistory;
  // Manage Messages alone no longer pins: Discord split Pin Messages out of it.
  discord.setBotPermissions(guild.id, withoutPin | PermissionFlagsBits.ManageMessages);
  const refused = await apiError(text.messages.pin(message.id));
  expect([refused.status, refused.code]).toEqual([403, 50013]);
  expect(discord.pinnedMessageIds(text.id)).toEqual([]);

  discord.setBotPermissions(guild.id, withoutPin | PermissionFlagsBits.PinMessages);
  const unknown = await apiError(text.messages.pin("123456789012345678"));
  expect([unknown.status, unknown.code]).toEqual([404, 10008]);
  await text.messages.pin(message.id);
  expect(discord.pinnedMessageIds(text.id)).toEqual([message.id]);
});

test("pins: a channel holds 50; the 51st is refused with 30003 until one is unpinned", async () => {
  const { discord, text } = await connectedBot();
  discord.fillPins(text.id, 49);
  const fiftieth = await text.send("fiftieth");
  await text.messages.pin(fiftieth.id);
  const extra = await text.send("one too many");
  const full = await apiError(text.messages.pin(extra.id));
  expect([full.status, full.code]).toEqual([400, 30003]);
  expect(discord.pinnedMessageIds(text.id)).toHaveLength(50);
  await text.messages.unpin(fiftieth.id);
  await text.messages.pin(extra.id);
  expect(discord.pinnedMessageIds(text.id)[0]).toBe(extra.id);
});
