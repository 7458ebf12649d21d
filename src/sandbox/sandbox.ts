import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { pino } from "pino";
import { startRally } from "../app.ts";
import type { Config } from "../config.ts";
import { startLocalDiscord, type LocalDiscord } from "../local-discord/localDiscord.ts";
import { permissionBits } from "../domain/permissions.ts";
import { createLogger } from "../log.ts";
import { SandboxSession, sandboxHelp, type SandboxWorld } from "./session.ts";
import { startDemoPetition } from "./demoPetition.ts";
import { nowMs } from "../clock.ts";
import { SandboxClock, SandboxTime, clockFile } from "./time.ts";
import { parseSandboxArgs, runScript, teeInteractionOutcomes, type SandboxArgs } from "./script.ts";

const sandboxToken = "sandbox-token-not-a-real-discord-token";
/** After each line of a script, the jobs due this soon run (a live card's coalesced edit). */
const scriptLineMs = 10_000;

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
  overrides: { databaseUrl?: string; args?: readonly string[] },
): Promise<void> {
  let args: SandboxArgs;
  try {
    args = parseSandboxArgs(overrides.args ?? []);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
    return;
  }
  // A script starts from an empty sandbox of its own, never from a developer's data/.
  const scriptDir = args.script ? mkdtempSync(join(tmpdir(), "rally-script-")) : undefined;
  const dataDir = scriptDir ?? "data";
  const databaseUrl = scriptDir
    ? `file:${join(scriptDir, "sandbox.db")}`
    : (overrides.databaseUrl ?? config.DATABASE_URL);
  // One clock for Rally and the local Discord; a script's stands still but for `wait`.
  const clock = args.script
    ? SandboxClock.standing(args.clockStart ?? Math.floor(nowMs() / 60_000) * 60_000)
    : SandboxClock.flowing(args.clockStart ?? clockFile.start(join(dataDir, "sandbox-clock.json")));
  clock.install();
  const discord = await startLocalDiscord({ now: nowMs });
  const world = seedSandbox(discord);
  const logFile = pino.destination({ dest: join(dataDir, "sandbox.log"), mkdir: true });
  // A script reads each interaction's outcome from the log: at least "info" reaches it.
  const outcomes = args.script ? teeInteractionOutcomes(logFile) : undefined;
  const quiet =
    (pino.levels.values[config.LOG_LEVEL] ?? Infinity) > (pino.levels.values["info"] ?? 30);
  const log = createLogger(
    outcomes && quiet ? "info" : config.LOG_LEVEL,
    outcomes?.stream ?? logFile,
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
    // A script's passes run when it asks, so its transcript is the same at every run.
    ...(args.script ? { schedulerCron: null } : {}),
  });
  await discord.waitFor(
    () => (discord.commands(world.guildId).length > 0 ? true : undefined),
    5000,
  );

  const time = new SandboxTime(clock, rally, world.guildId);
  const session = new SandboxSession(world, { time });
  const out = (text: string) => {
    if (text) process.stdout.write(`${text}\n`);
  };
  if (args.script) {
    process.exitCode = await runScript(args.script, {
      session,
      settle: async () => {
        await rally.settled();
        await time.settle(scriptLineMs);
      },
      outcomes: () => outcomes?.take() ?? [],
      out,
      err: (text) => process.stderr.write(`${text}\n`),
    });
    await rally.stop();
    await petition.close();
    await discord.close();
    await new Promise<void>((resolve) => logFile.flush(() => resolve()));
    if (scriptDir) rmSync(scriptDir, { recursive: true, force: true });
    return;
  }
  out(
    [
      "Rally sandbox — no DISCORD_TOKEN is set, so Rally runs against a local Discord on 127.0.0.1.",
      `Data: ${databaseUrl} · logs: ${join(dataDir, "sandbox.log")}`,
      `Demo petition page: ${petition.url} (try /campaign source set … kind:page field:"{n} so far" url:${petition.url})`,
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
  // Posts that appear while a line runs are its to print (under their time, for `wait`).
  let running = false;
  const poll = setInterval(() => {
    if (running) return;
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
    await rally.stop();
    await petition.close();
    await discord.close();
    clockFile.save(join(dataDir, "sandbox-clock.json"), clock);
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
      running = true;
      out(await session.run(line).finally(() => (running = false)));
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
