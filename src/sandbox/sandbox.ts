import { createInterface } from "node:readline";
import { pino } from "pino";
import { startRally } from "../app.ts";
import type { Config } from "../config.ts";
import { startLocalDiscord, type LocalDiscord } from "../local-discord/localDiscord.ts";
import { permissionBits } from "../domain/permissions.ts";
import { createLogger } from "../log.ts";
import { SandboxSession, sandboxHelp, type SandboxWorld } from "./session.ts";
import { startDemoPetition } from "./demoPetition.ts";
import { startSandboxDashboard } from "./dashboard.ts";

const sandboxToken = "sandbox-token-not-a-real-discord-token";

/** A small server to play in: an organizer, two volunteers, a public and a private channel. */
export function seedSandbox(discord: LocalDiscord): SandboxWorld {
  const organizer = discord.createUser({ username: "organizer" });
  const volunteer1 = discord.createUser({ username: "volunteer1" });
  const volunteer2 = discord.createUser({ username: "volunteer2" });
  const guild = discord.createGuild({ name: "Rally Sandbox", ownerId: organizer.id });
  const organizers = discord.createRole(guild.id, {
    name: "Organizers",
    permissions: permissionBits.manageGuild,
  });
  discord.addMember(guild.id, organizer.id, { roles: [organizers.id] });
  discord.addMember(guild.id, volunteer1.id);
  discord.addMember(guild.id, volunteer2.id);
  const general = discord.createChannel(guild.id, { name: "general" });
  const campaigns = discord.createChannel(guild.id, { name: "campaigns" });
  const organizing = discord.createChannel(guild.id, {
    name: "organizers",
    permissionOverwrites: [
      { id: guild.id, type: 0, allow: "0", deny: String(permissionBits.viewChannel) },
      { id: organizers.id, type: 0, allow: String(permissionBits.viewChannel), deny: "0" },
      { id: discord.botUserId, type: 1, allow: String(permissionBits.viewChannel), deny: "0" },
    ],
  });
  return {
    discord,
    guildId: guild.id,
    members: [
      { id: organizer.id, name: "organizer" },
      { id: volunteer1.id, name: "volunteer1" },
      { id: volunteer2.id, name: "volunteer2" },
    ],
    channels: [general, campaigns, organizing].map((channel) => ({
      id: channel.id,
      name: channel.name,
    })),
    roles: [{ id: organizers.id, name: organizers.name }],
  };
}

/**
 * `npm start` without DISCORD_TOKEN: the local Discord on 127.0.0.1, the real bot logged in to
 * it, and a prompt where a person types slash commands as one of the sandbox's members.
 */
export async function runSandbox(
  config: Config,
  overrides: { databaseUrl?: string },
): Promise<void> {
  const databaseUrl = overrides.databaseUrl ?? config.DATABASE_URL;
  const discord = await startLocalDiscord();
  const world = seedSandbox(discord);
  const log = createLogger(
    config.LOG_LEVEL,
    pino.destination({ dest: "data/sandbox.log", mkdir: true }),
  );
  // A demo petition page on 127.0.0.1, allowed for the sandbox only (not in production).
  const petition = await startDemoPetition();
  const rally = await startRally({
    config: {
      ...config,
      DATABASE_URL: databaseUrl,
      DISCORD_API_URL: discord.apiUrl,
      DEV_GUILD_ID: world.guildId,
      SOURCE_ALLOW_HOSTS: [
        ...(config.SOURCE_ALLOW_HOSTS ?? []),
        { host: petition.host, port: petition.port },
      ],
    },
    token: sandboxToken,
    log,
    web: false,
  });
  const dashboard = await startSandboxDashboard({
    config: { ...config, DATABASE_URL: databaseUrl },
    discord,
    token: sandboxToken,
    db: rally.db,
    log,
  });
  await discord.waitFor(
    () => (discord.commands(world.guildId).length > 0 ? true : undefined),
    5000,
  );

  const session = new SandboxSession(world);
  const out = (text: string) => {
    if (text) process.stdout.write(`${text}\n`);
  };
  out(
    [
      "Rally sandbox — no DISCORD_TOKEN is set, so Rally runs against a local Discord on 127.0.0.1.",
      `Data: ${databaseUrl} · logs: data/sandbox.log`,
      `Demo petition page: ${petition.url} (try /campaign source set … kind:page field:"{n} so far" url:${petition.url})`,
      `Dashboard: ${dashboard.publicUrl}/login (log in as "organizer" on the local Discord's page)`,
      "",
      sandboxHelp,
      "",
    ].join("\n"),
  );

  const lines = createInterface({
    input: process.stdin,
    output: process.stdout,
    terminal: process.stdin.isTTY,
  });
  const poll = setInterval(() => {
    const posts = session.newChannelPosts();
    if (posts) {
      out(`\n${posts}`);
      lines.prompt(true);
    }
  }, 500);
  let closing = false;
  const close = async () => {
    if (closing) return;
    closing = true;
    clearInterval(poll);
    lines.close();
    await dashboard.close();
    await rally.stop();
    await petition.close();
    await discord.close();
    out("Bye.");
  };
  lines.setPrompt(session.prompt());
  lines.prompt();
  // Lines are handled one at a time, in order, even when pasted or piped in.
  let queue = Promise.resolve();
  lines.on("line", (line) => {
    queue = queue.then(async () => {
      if (closing) return;
      if (["quit", "exit", ".exit"].includes(line.trim())) return close();
      out(await session.run(line));
      lines.setPrompt(session.prompt());
      lines.prompt();
    });
  });
  await new Promise<void>((resolve) => {
    lines.on("close", () => void queue.then(close).then(resolve));
    process.once("SIGINT", () => void close().then(resolve));
    process.once("SIGTERM", () => void close().then(resolve));
  });
}
