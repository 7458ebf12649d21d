import { once } from "node:events";
import {
  ActionRowBuilder,
  ApplicationCommandOptionType,
  ButtonBuilder,
  ButtonStyle,
  Client,
  DiscordAPIError,
  Events,
  GatewayIntentBits,
  MessageFlags,
  ModalBuilder,
  StringSelectMenuBuilder,
  TextInputBuilder,
  TextInputStyle,
} from "discord.js";
import type { ApplicationCommandDataResolvable, Interaction, TextChannel } from "discord.js";
import { expect, onTestFinished, test } from "vitest";
import { startLocalDiscord } from "../localDiscord.ts";
import type { LocalDiscordOptions } from "../localDiscord.ts";

const commands: ApplicationCommandDataResolvable[] = [
  {
    name: "campaign",
    description: "Campaigns",
    options: [
      {
        type: ApplicationCommandOptionType.Subcommand,
        name: "create",
        description: "Create a campaign",
        options: [
          {
            type: ApplicationCommandOptionType.String,
            name: "title",
            description: "Title",
            required: true,
          },
          {
            type: ApplicationCommandOptionType.Integer,
            name: "goal",
            description: "Goal",
            required: true,
          },
          { type: ApplicationCommandOptionType.Boolean, name: "public", description: "Public?" },
          { type: ApplicationCommandOptionType.Channel, name: "channel", description: "Where" },
          { type: ApplicationCommandOptionType.User, name: "lead", description: "Lead" },
          { type: ApplicationCommandOptionType.Attachment, name: "poster", description: "Poster" },
        ],
      },
      {
        type: ApplicationCommandOptionType.Subcommand,
        name: "find",
        description: "Find a campaign",
        options: [
          {
            type: ApplicationCommandOptionType.String,
            name: "name",
            description: "Name",
            autocomplete: true,
          },
        ],
      },
    ],
  },
  { name: "ping", description: "Ping" },
];

async function connectedBot(options: LocalDiscordOptions = {}) {
  const discord = await startLocalDiscord(options);
  const guild = discord.createGuild({ name: "Campaign HQ" });
  const channel = discord.createChannel(guild.id, { name: "general" });
  const member = discord.createUser({ username: "ada", globalName: "Ada" });
  discord.addMember(guild.id, member.id);
  const client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: discord.apiUrl } });
  onTestFinished(async () => {
    await client.destroy();
    await discord.close();
  });
  const ready = once(client, Events.ClientReady);
  await client.login("local-token");
  await ready;
  await client.application?.commands.set(commands, guild.id);
  const as = { guildId: guild.id, channelId: channel.id, userId: member.id };
  /** The next interaction the client emits. */
  const next = async () => (await once(client, Events.InteractionCreate))[0] as Interaction;
  return { discord, client, guild, channel, member, as, next };
}

test("a slash command arrives with typed options, and the public reply is stored in the channel", async () => {
  const { discord, channel, member, as, next } = await connectedBot();
  const arrived = next();
  const line = `/campaign create title:"Free \\"all\\" prisoners" goal:500 public:yes channel:<#${channel.id}> lead:<@${member.id}> poster:x`;
  const parsed = discord.parseCommandLine(line);
  expect(parsed).toEqual({
    command: "campaign",
    subcommand: "create",
    options: {
      title: 'Free "all" prisoners',
      goal: "500",
      public: "yes",
      channel: `<#${channel.id}>`,
      lead: `<@${member.id}>`,
      poster: "x",
    },
  });
  const handle = discord.slash({
    ...as,
    ...parsed,
    locale: "fr",
    attachments: {
      poster: { filename: "poster.png", contentType: "image/png", data: Buffer.from("PNGDATA") },
    },
  });
  const interaction = await arrived;
  if (!interaction.isChatInputCommand()) throw new Error("expected a chat input command");
  expect(interaction.options.getSubcommand()).toBe("create");
  expect(interaction.options.getString("title")).toBe('Free "all" prisoners');
  expect(interaction.options.getInteger("goal")).toBe(500);
  expect(interaction.options.getBoolean("public")).toBe(true);
  expect(interaction.options.getChannel("channel")?.id).toBe(channel.id);
  expect(interaction.options.getUser("lead")?.username).toBe("ada");
  expect(interaction.locale).toBe("fr");
  expect(interaction.memberPermissions?.has("SendMessages")).toBe(true);
  expect(interaction.appPermissions.has("EmbedLinks")).toBe(true);
  const poster = interaction.options.getAttachment("poster");
  const bytes = Buffer.from(await (await fetch(poster?.url ?? "")).arrayBuffer());
  expect(bytes.toString()).toBe("PNGDATA");

  await interaction.reply({ content: "Campaign created" });
  const reply = await handle.final();
  expect(reply.content).toBe("Campaign created");
  expect(discord.messages(channel.id).map((message) => message.content)).toEqual([
    "Campaign created",
  ]);
});

test("bad input from the member is a clear error", async () => {
  const { discord, as } = await connectedBot();
  expect(() => discord.slash({ ...as, command: "nope" })).toThrow(/Unknown command \/nope/);
  expect(() => discord.slash({ ...as, command: "campaign" })).toThrow(
    /needs a subcommand: create, find/,
  );
  const create = { ...as, command: "campaign", subcommand: "create" };
  expect(() => discord.slash({ ...create, options: { title: "x", goal: "1.5" } })).toThrow(
    /"goal" must be an integer/,
  );
  expect(() => discord.slash({ ...create, options: { goal: 1 } })).toThrow(
    /Missing required option "title"/,
  );
  expect(() =>
    discord.slash({ ...create, options: { title: "x", goal: 1, colour: "red" } }),
  ).toThrow(/Unknown option "colour"/);
  expect(() => discord.parseCommandLine('/campaign create title:"open')).toThrow(/Unclosed quote/);
});

test("an ephemeral reply is kept on the handle, not in the channel", async () => {
  const { discord, channel, as, next } = await connectedBot();
  const arrived = next();
  const handle = discord.slash({ ...as, command: "ping" });
  const interaction = await arrived;
  if (!interaction.isRepliable()) throw new Error("expected a repliable interaction");
  const response = await interaction.reply({
    content: "Only you",
    flags: MessageFlags.Ephemeral,
    withResponse: true,
  });
  expect(response.resource?.message?.id).toBe(handle.original()?.id);
  expect((await interaction.fetchReply()).content).toBe("Only you");
  expect(await handle.response()).toMatchObject({ type: 4 });
  expect(handle.original()?.flags).toBe(MessageFlags.Ephemeral);
  expect(discord.messages(channel.id)).toEqual([]);
  await interaction.followUp({ content: "Public follow-up" });
  expect(discord.messages(channel.id).map((message) => message.content)).toEqual([
    "Public follow-up",
  ]);
  expect(handle.followups.map((message) => message.content)).toEqual(["Public follow-up"]);
});

test("defer then editReply fills the original; a second callback is refused with 40060", async () => {
  const { discord, as, next } = await connectedBot();
  const arrived = next();
  const handle = discord.slash({ ...as, command: "ping" });
  const interaction = await arrived;
  if (!interaction.isRepliable()) throw new Error("expected a repliable interaction");
  await interaction.deferReply();
  expect(handle.original()?.flags).toBe(MessageFlags.Loading);
  await interaction.editReply({ content: "Done" });
  const final = await handle.final();
  expect(final.content).toBe("Done");
  expect(final.flags & MessageFlags.Loading).toBe(0);
  const twice = await client_reply_twice(discord, handle.id, handle.token);
  expect(twice).toMatchObject({ status: 400, code: 40060 });
});

async function client_reply_twice(discord: { apiUrl: string }, id: string, token: string) {
  const response = await fetch(`${discord.apiUrl}/v10/interactions/${id}/${token}/callback`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ type: 4, data: { content: "again" } }),
  });
  return { status: response.status, ...((await response.json()) as { code: number }) };
}

test("a reply of 2001 characters is refused with 50035 naming the field", async () => {
  const { discord, as, next } = await connectedBot();
  const arrived = next();
  discord.slash({ ...as, command: "ping" });
  const interaction = await arrived;
  if (!interaction.isRepliable()) throw new Error("expected a repliable interaction");
  const error = await interaction
    .reply({ content: "x".repeat(2001) })
    .catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(DiscordAPIError);
  expect((error as DiscordAPIError).code).toBe(50035);
  expect((error as DiscordAPIError).rawError).toMatchObject({
    errors: { data: { content: { _errors: [{ code: "BASE_TYPE_MAX_LENGTH" }] } } },
  });
  // Emoji count as one character each, as Discord counts them.
  await interaction.reply({ content: "👍".repeat(2000) });
  expect(discord.rejected()).toHaveLength(1);
});

test("a callback after the deadline gets 10062 Unknown interaction", async () => {
  const { discord, as, next } = await connectedBot({ interactionDeadlineMs: 200 });
  const arrived = next();
  const handle = discord.slash({ ...as, command: "ping" });
  const interaction = await arrived;
  if (!interaction.isRepliable()) throw new Error("expected a repliable interaction");
  discord.advanceClock(201);
  const error = await interaction.reply({ content: "late" }).catch((caught: unknown) => caught);
  expect((error as DiscordAPIError).code).toBe(10062);
  await expect(handle.response(50)).rejects.toThrow(/Unknown interaction/);
});

test("the interaction token expires for edits after its lifetime (50027)", async () => {
  const { discord, as, next } = await connectedBot();
  const arrived = next();
  discord.slash({ ...as, command: "ping" });
  const interaction = await arrived;
  if (!interaction.isRepliable()) throw new Error("expected a repliable interaction");
  await interaction.deferReply();
  discord.advanceClock(15 * 60_000 + 1);
  const error = await interaction
    .editReply({ content: "too late" })
    .catch((caught: unknown) => caught);
  expect((error as DiscordAPIError).code).toBe(50027);
});

test("clickButton by label: update (type 7) and deferUpdate + editReply edit the message in place", async () => {
  const { discord, client, channel, member, next } = await connectedBot();
  const row = new ActionRowBuilder<ButtonBuilder>().addComponents(
    new ButtonBuilder().setCustomId("join:1").setLabel("Join").setStyle(ButtonStyle.Primary),
    new ButtonBuilder()
      .setCustomId("off")
      .setLabel("Closed")
      .setStyle(ButtonStyle.Secondary)
      .setDisabled(true),
  );
  const text = client.channels.cache.get(channel.id) as TextChannel;
  const sent = await text.send({ content: "Join us", components: [row] });
  const click = (label: string) =>
    discord.clickButton({ messageId: sent.id, userId: member.id, label });
  expect(() => click("closed")).toThrow(/disabled/);
  expect(() => click("leave")).toThrow(/No button "leave".*Join, Closed/);

  let arrived = next();
  const handle = click("join");
  const interaction = await arrived;
  if (!interaction.isButton()) throw new Error("expected a button");
  expect(interaction.customId).toBe("join:1");
  expect(interaction.message.id).toBe(sent.id);
  await interaction.update({ content: "Joined: 1" });
  expect(await handle.response()).toMatchObject({ type: 7 });
  expect(discord.message(sent.id)?.content).toBe("Joined: 1");

  arrived = next();
  const second = click("join");
  const later = await arrived;
  if (!later.isButton()) throw new Error("expected a button");
  await later.deferUpdate();
  await later.editReply({ content: "Joined: 2", components: [] });
  expect(await second.final()).toMatchObject({ id: sent.id, content: "Joined: 2", components: [] });
  expect(discord.messages(channel.id)).toHaveLength(1);
});

test("pressCustomId and submitModal's messageId send custom_ids the message does not show, as a modified client can", async () => {
  const { discord, client, channel, member, next } = await connectedBot();
  const text = client.channels.cache.get(channel.id) as TextChannel;
  const sent = await text.send({ content: "No buttons here" });
  const where = { messageId: sent.id, userId: member.id };
  expect(() => discord.clickButton({ ...where, customId: "join:1" })).toThrow(/No button/);

  let arrived = next();
  const pressed = discord.pressCustomId({ ...where, customId: "join:1" });
  const press = await arrived;
  if (!press.isButton()) throw new Error("expected a button");
  expect(press.customId).toBe("join:1");
  expect(press.message.id).toBe(sent.id);
  expect(press.message.components).toEqual([]);
  await press.reply({ content: "Not here", flags: MessageFlags.Ephemeral });
  expect((await pressed.final()).content).toBe("Not here");

  arrived = next();
  discord.submitModal({
    ...where,
    guildId: channel.guildId ?? "",
    channelId: channel.id,
    modal: { customId: "pledge", components: [] },
    values: {},
  });
  const submitted = await arrived;
  if (!submitted.isModalSubmit()) throw new Error("expected a modal submit");
  expect(submitted.isFromMessage() && submitted.message.id).toBe(sent.id);
  await submitted.reply({ content: "Thanks", flags: MessageFlags.Ephemeral });
  expect(() => discord.pressCustomId({ messageId: "1", userId: member.id, customId: "x" })).toThrow(
    /Unknown message/,
  );
});

test("a modal opened (type 9) and submitted arrives as a ModalSubmitInteraction", async () => {
  const { discord, as, next } = await connectedBot();
  const arrived = next();
  const handle = discord.slash({ ...as, command: "ping" });
  const interaction = await arrived;
  if (!interaction.isChatInputCommand()) throw new Error("expected a chat input command");
  const modal = new ModalBuilder()
    .setCustomId("pledge")
    .setTitle("Pledge")
    .addComponents(
      new ActionRowBuilder<TextInputBuilder>().addComponents(
        new TextInputBuilder()
          .setCustomId("why")
          .setLabel("Why?")
          .setStyle(TextInputStyle.Paragraph),
      ),
    );
  await interaction.showModal(modal);
  expect(handle.modal?.title).toBe("Pledge");
  expect(() => discord.submitModal({ handle, userId: as.userId, values: {} })).toThrow(
    /"why" is required/,
  );
  const submitted = next();
  const submit = discord.submitModal({ handle, userId: as.userId, values: { why: "Because" } });
  const modalSubmit = await submitted;
  if (!modalSubmit.isModalSubmit()) throw new Error("expected a modal submit");
  expect(modalSubmit.customId).toBe("pledge");
  expect(modalSubmit.fields.getTextInputValue("why")).toBe("Because");
  await modalSubmit.reply({ content: "Thanks", flags: MessageFlags.Ephemeral });
  expect((await submit.final()).content).toBe("Thanks");
});

test("a form opened from a button carries its message when submitted without the handle, and an update edits that message", async () => {
  const { discord, client, channel, member, next } = await connectedBot();
  const text = client.channels.cache.get(channel.id) as TextChannel;
  const card = await text.send({
    content: "Card: 0 done",
    components: [
      new ActionRowBuilder<ButtonBuilder>().addComponents(
        new ButtonBuilder().setCustomId("done:1").setLabel("Done").setStyle(ButtonStyle.Success),
      ),
    ],
  });
  let arrived = next();
  discord.clickButton({ messageId: card.id, userId: member.id, label: "Done" });
  const press = await arrived;
  if (!press.isButton()) throw new Error("expected a button");
  const form = new ModalBuilder()
    .setCustomId("done-form:1")
    .setTitle("Done")
    .addComponents(
      new ActionRowBuilder<TextInputBuilder>().addComponents(
        new TextInputBuilder().setCustomId("note").setLabel("Note").setStyle(TextInputStyle.Short),
      ),
    );
  await press.showModal(form);

  // What a person at a prompt has: the form, not the interaction that opened it.
  arrived = next();
  const submit = discord.submitModal({
    modal: { customId: "done-form:1", components: form.toJSON().components },
    guildId: channel.guildId ?? "",
    channelId: channel.id,
    userId: member.id,
    values: { note: "Handed out" },
  });
  const submitted = await arrived;
  if (!submitted.isModalSubmit()) throw new Error("expected a modal submit");
  if (!submitted.isFromMessage()) throw new Error("expected the card's message");
  expect(submitted.message.id).toBe(card.id);
  await submitted.update({ content: "Card: 1 done" });
  expect((await submit.response()).type).toBe(7);
  expect(discord.message(card.id)?.content).toBe("Card: 1 done");
  expect(discord.messages(channel.id)).toHaveLength(1);
});

test("autocomplete: the choices come back; 26 choices are refused", async () => {
  const { discord, client, as } = await connectedBot();
  let count = 3;
  client.on(Events.InteractionCreate, (interaction) => {
    if (!interaction.isAutocomplete()) return;
    const typed = interaction.options.getFocused();
    const choices = Array.from({ length: count }, (_, index) => ({
      name: `${typed} ${index}`,
      value: `v${index}`,
    }));
    interaction.respond(choices).catch(() => {});
  });
  const input = {
    ...as,
    command: "campaign",
    subcommand: "find",
    options: { name: "free" },
    focused: "name",
  };
  expect(await discord.autocomplete(input)).toEqual([
    { name: "free 0", value: "v0" },
    { name: "free 1", value: "v1" },
    { name: "free 2", value: "v2" },
  ]);
  count = 26;
  await expect(discord.autocomplete(input)).rejects.toThrow(/refused.*BASE_TYPE_MAX_LENGTH/);
});

test("chooseOptions picks values of a string select menu, only those offered and as many as allowed", async () => {
  const { discord, client, channel, member, next } = await connectedBot();
  const text = client.channels.cache.get(channel.id) as TextChannel;
  const menu = new StringSelectMenuBuilder()
    .setCustomId("pick:1")
    .setMinValues(1)
    .setMaxValues(2)
    .addOptions(
      { label: "Flyers", value: "10" },
      { label: "Posters", value: "11" },
      { label: "Table", value: "12" },
    );
  const sent = await text.send({
    content: "Pick",
    components: [new ActionRowBuilder<StringSelectMenuBuilder>().addComponents(menu)],
  });
  const where = { messageId: sent.id, userId: member.id, customId: "pick:1" };
  expect(() => discord.chooseOptions({ ...where, values: ["13"] })).toThrow(/offers no "13"/);
  expect(() => discord.chooseOptions({ ...where, values: ["10", "11", "12"] })).toThrow(
    /takes 1 to 2 values/,
  );
  expect(() => discord.chooseOptions({ ...where, values: [] })).toThrow(/takes 1 to 2 values/);
  expect(() => discord.chooseOptions({ ...where, customId: "other", values: ["10"] })).toThrow(
    /No select menu "other"/,
  );

  const arrived = next();
  const chosen = discord.chooseOptions({ ...where, values: ["10", "12"] });
  const interaction = await arrived;
  if (!interaction.isStringSelectMenu()) throw new Error("expected a string select");
  expect(interaction.customId).toBe("pick:1");
  expect(interaction.values).toEqual(["10", "12"]);
  expect(interaction.message.id).toBe(sent.id);
  await interaction.update({ content: "Picked 2", components: [] });
  expect(await chosen.response()).toMatchObject({ type: 7 });
  expect(discord.message(sent.id)?.content).toBe("Picked 2");

  // Discord refuses a menu of more than 25 options (50035), as its document says.
  const options = Array.from({ length: 26 }, (_, index) => ({
    label: `Task ${index}`,
    value: String(index),
  }));
  const refused = await text
    .send({
      content: "Too many",
      components: [{ type: 1, components: [{ type: 3, custom_id: "pick:2", options }] }],
    })
    .catch((caught: unknown) => caught);
  expect((refused as DiscordAPIError).code).toBe(50035);
});
