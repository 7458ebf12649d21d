import { once } from "node:events";
import {
  Client,
  DiscordAPIError,
  EmbedBuilder,
  Events,
  GatewayIntentBits,
  HTTPError,
  PermissionFlagsBits,
  REST,
  Routes,
} from "discord.js";
import type { TextChannel } from "discord.js";
import { describe, expect, onTestFinished, test } from "vitest";
import { startLocalDiscord } from "../localDiscord.ts";

async function connectedBot() {
  const discord = await startLocalDiscord();
  const guild = discord.createGuild({ name: "Campaign HQ" });
  const channel = discord.createChannel(guild.id, { name: "general" });
  const member = discord.createUser({ username: "ada" });
  discord.addMember(guild.id, member.id);
  const client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: discord.apiUrl } });
  onTestFinished(async () => {
    await client.destroy();
    await discord.close();
  });
  const ready = once(client, Events.ClientReady);
  await client.login("local-token");
  await ready;
  const text = client.channels.cache.get(channel.id) as TextChannel;
  return { discord, client, guild, channel, member, text };
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

test("command registration: stored with ids; a 33-character name and >4000 characters refused", async () => {
  const { discord, client, guild } = await connectedBot();
  const put = (body: unknown[]) =>
    client.rest.put(Routes.applicationGuildCommands(discord.applicationId, guild.id), { body });
  await put([{ name: "ping", description: "Ping" }]);
  expect(discord.commands(guild.id)).toMatchObject([{ name: "ping", type: 1, guild_id: guild.id }]);

  const longName = await apiError(put([{ name: "a".repeat(33), description: "Too long" }]));
  expect(longName.code).toBe(50035);
  expect(longName.rawError).toMatchObject({
    errors: { "0": { name: { _errors: [{ code: "BASE_TYPE_BAD_LENGTH" }] } } },
  });
  // Which characters a name may hold is a hand-written rule (limits.ts): the document has none.
  const capital = await apiError(put([{ name: "Ping", description: "Capital letter" }]));
  expect(capital.rawError).toMatchObject({
    errors: { "0": { name: { _errors: [{ code: "APPLICATION_COMMAND_INVALID_NAME" }] } } },
  });

  const choices = Array.from({ length: 25 }, (_, index) => ({
    name: `${index}`.padEnd(100, "x"),
    value: `${index}`.padEnd(60, "v"),
  }));
  const big = [
    {
      name: "big",
      description: "Big",
      options: [{ type: 3, name: "pick", description: "Pick", choices }],
    },
  ];
  expect(await apiError(put(big))).toMatchObject({
    code: 50035,
    rawError: { errors: { "0": { _errors: [{ code: "APPLICATION_COMMAND_TOO_LARGE" }] } } },
  });

  const unordered = [
    {
      name: "order",
      description: "Order",
      options: [
        { type: 3, name: "a", description: "A" },
        { type: 3, name: "b", description: "B", required: true },
      ],
    },
  ];
  expect((await apiError(put(unordered))).code).toBe(50035);
  const badLocale = [{ name: "hello", description: "Hi", name_localizations: { xx: "salut" } }];
  expect((await apiError(put(badLocale))).code).toBe(50035);
  expect(discord.commands(guild.id).map((command) => command.name)).toEqual(["ping"]);
});

test("embeds: more than 6000 characters in total refused; dropped without Embed Links", async () => {
  const { discord, guild, channel, text } = await connectedBot();
  const embeds = [0, 1].map(() => new EmbedBuilder().setDescription("d".repeat(3001)));
  const error = await apiError(text.send({ embeds }));
  expect(error.rawError).toMatchObject({
    errors: { embeds: { _errors: [{ code: "MAX_EMBED_SIZE_EXCEEDED" }] } },
  });

  discord.setBotPermissions(
    guild.id,
    PermissionFlagsBits.ViewChannel | PermissionFlagsBits.SendMessages,
  );
  await text.send({ content: "with embed", embeds: [new EmbedBuilder().setTitle("gone")] });
  expect(discord.messages(channel.id)).toMatchObject([{ content: "with embed", embeds: [] }]);
});

test("an injected 429: discord.js waits retry_after and retries, one message stored", async () => {
  const { discord, channel, text } = await connectedBot();
  discord.injectFault({
    method: "POST",
    path: `/channels/${channel.id}/messages`,
    status: 429,
    retryAfter: 0.05,
  });
  await text.send("hello");
  expect(discord.messages(channel.id)).toHaveLength(1);
  const posts = discord.requests.filter(
    (request) => request.method === "POST" && request.path.endsWith("/messages"),
  );
  expect(posts.map((request) => request.status)).toEqual([429, 200]);
  expect(discord.invalidRequestCount()).toBe(1);
});

test("an injected 500 four times: discord.js gives up after 3 retries, nothing stored", async () => {
  const { discord, channel, text } = await connectedBot();
  discord.injectFault({ path: `/channels/${channel.id}/messages`, status: 500, times: 4 });
  await expect(text.send("hello")).rejects.toBeInstanceOf(HTTPError);
  expect(discord.messages(channel.id)).toHaveLength(0);
  expect(discord.requests.filter((request) => request.status === 500)).toHaveLength(4);
});

test("nonce with enforce_nonce twice gives one message; the nonce is forgotten after 5 minutes", async () => {
  const { discord, channel, text } = await connectedBot();
  const first = await text.send({ content: "once", nonce: "post-1", enforceNonce: true });
  const second = await text.send({ content: "once", nonce: "post-1", enforceNonce: true });
  expect(second.id).toBe(first.id);
  expect(discord.messages(channel.id)).toHaveLength(1);
  discord.advanceClock(5 * 60_000 + 1);
  await text.send({ content: "once", nonce: "post-1", enforceNonce: true });
  expect(discord.messages(channel.id)).toHaveLength(2);
  const tooLong = await apiError(
    text.send({ content: "x", nonce: "n".repeat(26), enforceNonce: true }),
  );
  expect(tooLong.code).toBe(50035);
});

test("permissions: an overwrite denying View Channel gives 50001; denying Send gives 50013", async () => {
  const { discord, guild, channel, text } = await connectedBot();
  discord.setChannelOverwrites(channel.id, [
    { id: guild.id, type: "role", deny: PermissionFlagsBits.ViewChannel },
  ]);
  expect(await apiError(text.send("hidden"))).toMatchObject({ status: 403, code: 50001 });
  discord.setChannelOverwrites(channel.id, [
    { id: discord.botUserId, type: "member", deny: PermissionFlagsBits.SendMessages },
  ]);
  expect(await apiError(text.send("muted"))).toMatchObject({ status: 403, code: 50013 });
  expect(discord.rejected().map((request) => request.error?.code)).toEqual([50001, 50013]);
});

test("a deleted channel answers 10003; an unknown message 10008; files over 10 MiB 40005", async () => {
  const { discord, channel, text } = await connectedBot();
  const sent = await text.send({
    content: "with file",
    files: [{ attachment: Buffer.from("hello"), name: "a.txt" }],
  });
  const stored = discord.message(sent.id);
  expect(stored?.attachments.map((file) => [file.filename, file.data.toString()])).toEqual([
    ["a.txt", "hello"],
  ]);
  const edited = await sent.edit({ content: "edited" });
  expect(edited.editedTimestamp).not.toBeNull();
  expect((await apiError(text.messages.fetch("1"))).code).toBe(10008);
  const huge = { attachment: Buffer.alloc(10 * 1024 * 1024 + 1), name: "big.bin" };
  expect(await apiError(text.send({ files: [huge] }))).toMatchObject({ status: 413, code: 40005 });
  discord.deleteChannel(channel.id);
  expect((await apiError(text.send("gone"))).code).toBe(10003);
});

test("a DM to a user who blocks direct messages is refused with 50007", async () => {
  const { discord, client, member } = await connectedBot();
  const user = await client.users.fetch(member.id);
  await user.send("hi");
  const dm = discord.directMessageChannel(member.id);
  expect(discord.messages(dm?.id ?? "").map((message) => message.content)).toEqual(["hi"]);
  discord.blockDirectMessages(member.id);
  expect((await apiError(user.send("again"))).code).toBe(50007);
});

test("a guild's MFA and verification levels reach the client at GUILD_CREATE, GUILD_UPDATE and GET /guilds/:id", async () => {
  const { discord, client, guild } = await connectedBot();
  const cached = () => client.guilds.cache.get(guild.id);
  expect([cached()?.mfaLevel, cached()?.verificationLevel]).toEqual([0, 0]);
  const updated = once(client, Events.GuildUpdate);
  discord.setMfaLevel(guild.id, 1);
  await updated;
  const again = once(client, Events.GuildUpdate);
  discord.setVerificationLevel(guild.id, 3);
  await again;
  expect([cached()?.mfaLevel, cached()?.verificationLevel]).toEqual([1, 3]);
  // The update keeps what GUILD_CREATE gave: channels and members stay in the cache.
  expect(cached()?.channels.cache.size).toBe(1);
  const fetched = await client.guilds.fetch({ guild: guild.id, force: true });
  expect([fetched.mfaLevel, fetched.verificationLevel, fetched.name]).toEqual([
    1,
    3,
    "Campaign HQ",
  ]);
});

test("requests without a bot token are refused with 401", async () => {
  const { discord } = await connectedBot();
  const response = await fetch(`${discord.apiUrl}/v10/users/@me`);
  expect(response.status).toBe(401);
  expect(await response.json()).toEqual({ code: 0, message: "401: Unauthorized" });
});

test("a delayed request is still accepted; an injected 403 is not counted as a rejection", async () => {
  const { discord, channel, text } = await connectedBot();
  discord.injectFault({ path: `/channels/${channel.id}/messages`, delayMs: 30 });
  const started = performance.now();
  await text.send("slow");
  expect(performance.now() - started).toBeGreaterThanOrEqual(25);
  discord.injectFault({ method: "post", path: /\/messages$/, status: 403, code: 50013 });
  expect(await apiError(text.send("refused"))).toMatchObject({ status: 403, code: 50013 });
  expect(discord.messages(channel.id).map((message) => message.content)).toEqual(["slow"]);
  expect(discord.rejected()).toEqual([]);
});

test("global commands: more than 100 chat input commands refused", async () => {
  const { discord, client } = await connectedBot();
  const many = Array.from({ length: 101 }, (_, index) => ({ name: `c${index}`, description: "C" }));
  const put = (body: unknown[]) =>
    client.rest.put(Routes.applicationCommands(discord.applicationId), { body });
  expect((await apiError(put(many))).code).toBe(50035);
  await put(many.slice(0, 100));
  expect(discord.commands()).toHaveLength(100);
});

describe("rate limits and the invalid-request count", () => {
  /** A local Discord with one guild and three channels, and a bare discord.js REST client. */
  async function restOnly(options: { globalRateLimitPerSecond?: number; clientLimit?: number }) {
    const discord = await startLocalDiscord(
      options.globalRateLimitPerSecond === undefined
        ? {}
        : { globalRateLimitPerSecond: options.globalRateLimitPerSecond },
    );
    onTestFinished(() => discord.close());
    const guild = discord.createGuild({ name: "Campaign HQ" });
    const channels = ["one", "two", "three"].map((name) =>
      discord.createChannel(guild.id, { name }),
    );
    const rest = new REST({
      api: discord.apiUrl,
      ...(options.clientLimit === undefined
        ? {}
        : { globalRequestsPerSecond: options.clientLimit }),
    }).setToken("local-token");
    return { discord, rest, channels };
  }

  test("429s of scope user and global count as invalid requests, shared ones do not", async () => {
    const { discord, rest, channels } = await restOnly({});
    const [channel] = channels;
    if (!channel) throw new Error("no channel");
    const path = `/channels/${channel.id}/messages`;
    for (const scope of ["user", "global", "shared"] as const) {
      discord.injectFault({ method: "POST", path, status: 429, scope, retryAfter: 0.01 });
    }
    await rest.post(Routes.channelMessages(channel.id), { body: { content: "once" } });
    expect(discord.messages(channel.id).map((message) => message.content)).toEqual(["once"]);
    const posts = discord.requests.filter((request) => request.path === path);
    expect(posts.map((request) => [request.status, request.rateLimitScope])).toEqual([
      [429, "user"],
      [429, "global"],
      [429, "shared"],
      [200, undefined],
    ]);
    expect(discord.invalidRequestCount()).toBe(2);
    discord.injectFault({ method: "POST", path, status: 403, code: 50013 });
    await expect(
      rest.post(Routes.channelMessages(channel.id), { body: { content: "refused" } }),
    ).rejects.toMatchObject({ status: 403, code: 50013 });
    expect(discord.invalidRequestCount()).toBe(3);
    // Discord forgets them after ten minutes.
    discord.advanceClock(10 * 60_000 + 1);
    expect(discord.invalidRequestCount()).toBe(0);
  });

  test("beyond the global limit in a second: 429 global with its headers; interaction callbacks exempt", async () => {
    const { discord } = await restOnly({ globalRateLimitPerSecond: 5 });
    const call = (method: string, path: string) =>
      fetch(`${discord.apiUrl}/v10${path}`, {
        method,
        headers: { authorization: "Bot local-token", "content-type": "application/json" },
        ...(method === "POST" ? { body: JSON.stringify({ type: 1 }) } : {}),
      });
    const answers = [];
    for (let index = 0; index < 6; index += 1) answers.push(await call("GET", "/users/@me"));
    expect(answers.map((response) => response.status)).toEqual([200, 200, 200, 200, 200, 429]);
    const limited = answers[5];
    if (!limited) throw new Error("no sixth answer");
    const body = (await limited.json()) as { global: boolean; retry_after: number };
    expect(body.global).toBe(true);
    expect(body.retry_after).toBeGreaterThan(0);
    expect(body.retry_after).toBeLessThanOrEqual(1);
    expect(limited.headers.get("x-ratelimit-global")).toBe("true");
    expect(limited.headers.get("x-ratelimit-scope")).toBe("global");
    expect(Number(limited.headers.get("retry-after"))).toBe(body.retry_after);
    // Still over the limit, a callback reaches its route (an unknown interaction: 404 10062).
    const callback = await call("POST", "/interactions/1/unknown-token/callback");
    expect(callback.status).toBe(404);
    expect(await callback.json()).toMatchObject({ code: 10062 });
    expect((await call("GET", "/users/@me")).status).toBe(429);
    expect(discord.invalidRequestCount()).toBe(2);
    expect(discord.requests.filter((request) => request.rateLimitScope === "global")).toHaveLength(
      2,
    );
  });

  test("discord.js honours it: 120 messages at Discord's 50 a second all arrive, each once, over two seconds", async () => {
    // The client's own limiter is set far above the server's, so only the server's 429s slow it.
    const { discord, rest, channels } = await restOnly({
      globalRateLimitPerSecond: 50,
      clientLimit: 1000,
    });
    const started = performance.now();
    await Promise.all(
      Array.from({ length: 120 }, (_, index) => {
        const channel = channels[index % channels.length];
        if (!channel) throw new Error("no channel");
        return rest.post(Routes.channelMessages(channel.id), { body: { content: `#${index}` } });
      }),
    );
    const elapsed = performance.now() - started;
    const contents = channels.flatMap((channel) =>
      discord.messages(channel.id).map((message) => message.content),
    );
    expect(contents.toSorted()).toEqual(
      Array.from({ length: 120 }, (_, index) => `#${index}`).toSorted(),
    );
    const limited = discord.requests.filter((request) => request.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    expect(limited.every((request) => request.rateLimitScope === "global")).toBe(true);
    // 50 in the first second, 50 in the second, 20 in the third.
    expect(elapsed).toBeGreaterThanOrEqual(2000);
  });
});
