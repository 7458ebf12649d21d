import { once } from "node:events";
import { AttachmentBuilder, Client, Events, GatewayIntentBits } from "discord.js";
import type { TextChannel } from "discord.js";
import { expect, onTestFinished, test } from "vitest";
import { startLocalDiscord, type LocalDiscord } from "../localDiscord.ts";

async function connect(discord: LocalDiscord) {
  const client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: discord.apiUrl } });
  onTestFinished(async () => {
    await client.destroy();
    await discord.close();
  });
  const ready = once(client, Events.ClientReady);
  await client.login("local-token");
  await ready;
  return client;
}

test("snapshot and restore: a new instance has the same server, members, messages and files", async () => {
  const first = await startLocalDiscord();
  const volunteer = first.createUser({ username: "volunteer" });
  const guild = first.createGuild({ name: "Campaign HQ" });
  const role = first.createRole(guild.id, { name: "Organizers", permissions: 32n });
  first.addMember(guild.id, volunteer.id, { roles: [role.id] });
  const channel = first.createChannel(guild.id, {
    name: "campaigns",
    permissionOverwrites: [{ id: role.id, type: "role", allow: 1024n }],
  });
  const client = await connect(first);
  const text = client.channels.cache.get(channel.id) as TextChannel;
  const card = await text.send({
    content: "Live card",
    files: [new AttachmentBuilder(Buffer.from("a,b\n1,2\n"), { name: "export.csv" })],
  });
  await text.messages.pin(card.id);
  await (await client.users.createDM(volunteer.id)).send("A reminder");
  first.blockDirectMessages(volunteer.id);

  // Through JSON, as a file on disk holds it.
  const snapshot = JSON.parse(JSON.stringify(first.snapshot())) as ReturnType<
    LocalDiscord["snapshot"]
  >;
  const second = await startLocalDiscord();
  second.restore(snapshot);
  expect(second.botUserId).toBe(first.botUserId);
  expect(second.applicationId).toBe(first.applicationId);
  expect(second.guilds().map((restored) => restored.name)).toEqual(["Campaign HQ"]);
  expect(second.members(guild.id).map((user) => user.username)).toContain("volunteer");
  expect(second.channels(guild.id)[0]?.permissionOverwrites).toEqual([
    { id: role.id, type: 0, allow: 1024n, deny: 0n },
  ]);
  expect(second.pinnedMessageIds(channel.id)).toEqual([card.id]);
  const dm = second.directMessageChannel(volunteer.id);
  expect(second.messages(dm?.id ?? "").map((message) => message.content)).toEqual(["A reminder"]);

  // The restored bot reads and edits its old message; its file is served at the new address.
  const restoredClient = await connect(second);
  const restoredText = restoredClient.channels.cache.get(channel.id) as TextChannel;
  const old = await restoredText.messages.fetch({ message: card.id, force: true });
  expect(old.content).toBe("Live card");
  const url = old.attachments.first()?.url ?? "";
  expect(url.startsWith(second.apiUrl.replace(/\/api$/, ""))).toBe(true);
  expect(await (await fetch(url)).text()).toBe("a,b\n1,2\n");
  await old.edit("Live card, updated");
  expect(second.message(card.id)?.content).toBe("Live card, updated");
  // New ids sort after every restored one, and blocked DMs stay blocked.
  const next = await restoredText.send("After the restart");
  expect(BigInt(next.id) > BigInt(card.id)).toBe(true);
  expect(second.messages(channel.id).map((message) => message.id)).toEqual([card.id, next.id]);
  await expect(
    restoredClient.users.createDM(volunteer.id).then((channel) => channel.send("x")),
  ).rejects.toThrow(/Cannot send messages to this user/);
});

test("restore is refused once the bot is connected", async () => {
  const discord = await startLocalDiscord();
  discord.createGuild({ name: "HQ" });
  await connect(discord);
  expect(() => discord.restore(discord.snapshot())).toThrow(/before the bot connects/);
});
