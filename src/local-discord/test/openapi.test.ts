import { once } from "node:events";
import { Client, DiscordAPIError, Events, GatewayIntentBits } from "discord.js";
import type { Interaction } from "discord.js";
import { describe, expect, onTestFinished, test } from "vitest";
import { startLocalDiscord } from "../localDiscord.ts";

// Bodies checked against Discord's OpenAPI document (spec/openapi.json), over raw HTTP so the
// body is exactly what is written here, and through discord.js for an interaction's reply.

async function world(options: { checkBodies?: boolean } = {}) {
  const discord = await startLocalDiscord(options);
  onTestFinished(() => discord.close());
  const guild = discord.createGuild({ name: "HQ" });
  const channel = discord.createChannel(guild.id, { name: "general" });
  const send = async (
    method: string,
    path: string,
    body: string | FormData,
    contentType?: string,
  ) => {
    const response = await fetch(`${discord.apiUrl}/v10${path}`, {
      method,
      headers: {
        authorization: "Bot local-token",
        ...(contentType === undefined ? {} : { "content-type": contentType }),
      },
      body,
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const json = (method: string, path: string, body: unknown) =>
    send(method, path, JSON.stringify(body), "application/json");
  return { discord, guild, channel, send, json };
}

const tooLongCustomId = [
  { type: 1, components: [{ type: 2, style: 1, label: "x", custom_id: "x".repeat(101) }] },
];

describe("a body that breaks Discord's schema gets 400 / 50035 naming the field", () => {
  test("a command name of 33 characters", async () => {
    const { discord, json } = await world();
    const path = `/applications/${discord.applicationId}/commands`;
    const reply = await json("PUT", path, [{ name: "a".repeat(33), description: "Too long" }]);
    expect(reply).toMatchObject({
      status: 400,
      body: {
        code: 50035,
        message: "Invalid Form Body",
        errors: { "0": { name: { _errors: [{ code: "BASE_TYPE_BAD_LENGTH" }] } } },
      },
    });
    expect(discord.commands()).toEqual([]);
  });

  test("a custom_id of 101 characters", async () => {
    const { discord, channel, json } = await world();
    const reply = await json("POST", `/channels/${channel.id}/messages`, {
      content: "hi",
      components: tooLongCustomId,
    });
    const field = { custom_id: { _errors: [{ code: "BASE_TYPE_BAD_LENGTH" }] } };
    expect(reply).toMatchObject({
      status: 400,
      body: { code: 50035, errors: { components: { "0": { components: { "0": field } } } } },
    });
    expect(discord.messages(channel.id)).toEqual([]);
  });

  test("a wrong type: content as a number, an embed's colour as a word", async () => {
    const { channel, json } = await world();
    const path = `/channels/${channel.id}/messages`;
    expect(await json("POST", path, { content: 42 })).toMatchObject({
      status: 400,
      body: { code: 50035, errors: { content: { _errors: [{ code: "BASE_TYPE_BAD_TYPE" }] } } },
    });
    const embed = { title: "Colours", color: "red" };
    expect(await json("POST", path, { embeds: [embed] })).toMatchObject({
      status: 400,
      body: { code: 50035, errors: { embeds: { "0": { color: { _errors: [{}] } } } } },
    });
  });

  test("the payload_json of a multipart body", async () => {
    const { discord, channel, send } = await world();
    const form = (payload: unknown) => {
      const body = new FormData();
      body.append("payload_json", JSON.stringify(payload));
      body.append("files[0]", new Blob(["a,b\n1,2\n"], { type: "text/csv" }), "export.csv");
      return body;
    };
    const path = `/channels/${channel.id}/messages`;
    const refused = await send("POST", path, form({ content: "x", components: tooLongCustomId }));
    expect(refused).toMatchObject({
      status: 400,
      body: { code: 50035, errors: { components: { "0": { components: { "0": {} } } } } },
    });
    const accepted = await send("POST", path, form({ content: "the export" }));
    expect(accepted.status).toBe(200);
    expect(discord.messages(channel.id)).toMatchObject([
      { content: "the export", attachments: [{ filename: "export.csv" }] },
    ]);
  });
});

test("checkBodies: false leaves a body to the hand-written rules alone (for benchmarks)", async () => {
  const { channel, json } = await world({ checkBodies: false });
  const embed = { title: "Colours", color: "red" };
  expect(await json("POST", `/channels/${channel.id}/messages`, { embeds: [embed] })).toMatchObject(
    { status: 200 },
  );
});

test("valid bodies pass: a command list, a message with an embed and a button", async () => {
  const { discord, channel, json } = await world();
  const commands = [
    {
      name: "task",
      description: "Tasks",
      options: [{ type: 3, name: "title", description: "Title", required: true }],
    },
  ];
  const path = `/applications/${discord.applicationId}/commands`;
  expect((await json("PUT", path, commands)).status).toBe(200);
  const message = {
    content: "Claim it",
    embeds: [{ title: "Task 1", color: 0x5865f2, fields: [{ name: "Slots", value: "2" }] }],
    components: [
      { type: 1, components: [{ type: 2, style: 1, label: "Claim", custom_id: "claim:1" }] },
    ],
  };
  expect((await json("POST", `/channels/${channel.id}/messages`, message)).status).toBe(200);
  expect(discord.rejected()).toEqual([]);
});

test("an interaction reply that breaks the schema is refused; a valid one then goes through", async () => {
  const { discord, guild, channel } = await world();
  const member = discord.createUser({ username: "ada" });
  discord.addMember(guild.id, member.id);
  const client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: discord.apiUrl } });
  onTestFinished(() => client.destroy());
  const ready = once(client, Events.ClientReady);
  await client.login("local-token");
  await ready;
  await client.application?.commands.set([{ name: "ping", description: "Ping" }]);
  const arrived = once(client, Events.InteractionCreate) as Promise<[Interaction]>;
  const handle = discord.slash({
    guildId: guild.id,
    channelId: channel.id,
    userId: member.id,
    command: "ping",
  });
  const [interaction] = await arrived;
  if (!interaction.isRepliable()) throw new Error("expected a repliable interaction");
  const row = (customId: string) => [
    { type: 1, components: [{ type: 2, style: 1, label: "x", custom_id: customId }] },
  ];
  const error = await interaction
    .reply({ content: "hi", components: row("x".repeat(101)) })
    .catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(DiscordAPIError);
  expect((error as DiscordAPIError).code).toBe(50035);
  expect((error as DiscordAPIError).rawError).toMatchObject({
    errors: { data: { components: { "0": { components: { "0": { custom_id: {} } } } } } },
  });
  // Lengths count code points, as Discord's do: 60 emoji are 120 UTF-16 units but fit in 100.
  await interaction.reply({ content: "hi", components: row("🙂".repeat(60)) });
  expect(await handle.response()).toMatchObject({ type: 4 });
});
