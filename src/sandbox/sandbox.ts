import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { pino } from "pino";
import { startRally } from "../app.ts";
import type { Config } from "../config.ts";
import { startLocalDiscord, type LocalDiscord } from "../local-discord/localDiscord.ts";
import { permissionBits } from "../domain/permissions.ts";
import { getGuildSettings } from "../domain/guildSettings.ts";
import { createLogger } from "../log.ts";
import { SandboxSession, sandboxHelp, type SandboxWorld } from "./session.ts";
import { startDemoPetition } from "./demoPetition.ts";
import { nowMs } from "../clock.ts";
import { SandboxClock, SandboxTime, clockFile } from "./time.ts";
import { parseSandboxArgs, runScript, teeInteractionOutcomes, type SandboxArgs } from "./script.ts";
import {
  debounced,
  deleteSandboxData,
  resetGate,
  restoreSandbox,
  sandboxPaths,
  saveSandbox,
} from "./persistence.ts";
import { holdSandboxWebPort, startSandboxDashboard } from "./dashboard.ts";

const sandboxToken = "sandbox-token-not-a-real-discord-token";
/** After each line of a script, the jobs due this soon run (a live card's coalesced edit). */
const scriptLineMs = 10_000;
/** Discord's CREATE_EVENTS bit (1 << 44). */
const createEventsPermission = 1n << 44n;

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
  // README's invite link asks for Create Events (optional), so `/task add … event:true` works here.
  discord.grantBotPermissions(guild.id, createEventsPermission);
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
 * `--script <file>` runs a file of prompt lines instead, on a fresh sandbox of its own.
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
  const paths = sandboxPaths(dataDir);
  const clockPath = join(dataDir, "sandbox-clock.json");
  const databaseUrl = scriptDir
    ? `file:${paths.database}`
    : (overrides.databaseUrl ?? config.DATABASE_URL);
  // One clock for Rally and the local Discord; a script's stands still but for `wait`.
  const clock = args.script
    ? SandboxClock.standing(args.clockStart ?? Math.floor(nowMs() / 60_000) * 60_000)
    : SandboxClock.flowing(args.clockStart ?? clockFile.start(clockPath));
  clock.install();
  const logFile = pino.destination({ dest: join(dataDir, "sandbox.log"), mkdir: true });
  // A script reads each interaction's outcome from the log: at least "info" reaches it.
  const outcomes = args.script ? teeInteractionOutcomes(logFile) : undefined;
  const quiet =
    (pino.levels.values[config.LOG_LEVEL] ?? Infinity) > (pino.levels.values["info"] ?? 30);
  const log = createLogger(
    outcomes && quiet ? "info" : config.LOG_LEVEL,
    outcomes?.stream ?? logFile,
  );
  const out = (text: string) => {
    if (text) process.stdout.write(`${text}\n`);
  };
  // A demo petition page on 127.0.0.1, allowed for the sandbox only (not in production).
  const petition = await startDemoPetition();

  /** The local Discord (the last run's server, or a new one), Rally logged in to it, a session. */
  const boot = async () => {
    let discord = await startLocalDiscord({ now: nowMs });
    // A script always starts from a new server; the prompt from the last run's, if any.
    let restored = scriptDir ? undefined : restoreSandbox(discord, paths);
    if (restored && "unreadable" in restored) {
      out(restored.unreadable);
      await discord.close();
      discord = await startLocalDiscord({ now: nowMs });
      restored = undefined;
    }
    const world = restored?.world ?? seedSandbox(discord);
    // The dashboard's address is known before Rally starts, so replies can name public pages.
    const web = scriptDir ? undefined : await holdSandboxWebPort(config);
    const webConfig =
      web === undefined
        ? {}
        : { WEB_PORT: web.port, PUBLIC_URL: config.PUBLIC_URL ?? `http://127.0.0.1:${web.port}` };
    const rally = await startRally({
      config: {
        ...config,
        ...webConfig,
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
      web: false,
    });
    // A script has no dashboard: its transcript is the same at every run.
    const dashboard =
      web &&
      (await startSandboxDashboard({
        config: { ...config, ...webConfig, DATABASE_URL: databaseUrl },
        discord,
        token: sandboxToken,
        db: rally.db,
        log,
        web,
      }));
    await discord.waitFor(
      () => (discord.commands(world.guildId).length > 0 ? true : undefined),
      5000,
    );
    const time = new SandboxTime(clock, rally, world.guildId);
    const session = new SandboxSession(world, {
      time,
      settled: () => rally.settled(),
      serverTimeZone: async () => (await getGuildSettings(rally.db, world.guildId)).timezone,
      // A script's transcript names files, not paths in a temporary folder.
      ...(scriptDir ? {} : { filesDir: paths.files }),
      ...(restored ? { memory: restored.memory } : {}),
    });
    // Saved after each line, and shortly after anything Rally did on its own (a kill loses little).
    const saver = debounced(() => {
      if (scriptDir) return;
      saveSandbox(paths, world, session.memory());
      clockFile.save(clockPath, clock);
    }, 500);
    const unsubscribe = discord.onChange(() => saver.soon());
    saver.flush();
    const stop = async () => {
      await dashboard?.close();
      await rally.stop();
      unsubscribe();
      saver.flush();
      await discord.close();
    };
    // The organizer's way in: the local Discord's one-time link, then the dashboard's own login.
    const organizerId = world.members.find((member) => member.name === "organizer")?.id;
    const loginLink =
      dashboard && organizerId
        ? () => discord.loginLink(organizerId, `${dashboard.publicUrl}/login`)
        : undefined;
    return {
      session,
      saver,
      stop,
      rally,
      time,
      dashboard,
      loginLink,
      restored: restored !== undefined,
    };
  };
  let running = await boot();

  if (args.script) {
    const { session, rally, time } = running;
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
    await running.stop();
    await petition.close();
    await new Promise<void>((resolve) => logFile.flush(() => resolve()));
    if (scriptDir) rmSync(scriptDir, { recursive: true, force: true });
    return;
  }
  out(
    [
      "Rally sandbox — no DISCORD_TOKEN is set, so Rally runs against a local Discord on 127.0.0.1.",
      `Data: ${databaseUrl} and ${paths.snapshot} · logs: ${join(dataDir, "sandbox.log")}`,
      running.restored
        ? "Your sandbox server is as you left it (type reset to start over)."
        : "A new sandbox server was made; it is kept between runs (type reset to start over).",
      `Demo petition page: ${petition.url} (try /campaign source set … kind:page field:"{n} so far" url:${petition.url})`,
      ...(running.dashboard
        ? [
            `Dashboard: ${running.loginLink?.() ?? `${running.dashboard.publicUrl}/login`} (opens it logged in as "organizer", once; then ${running.dashboard.publicUrl}/login and pick a member on the local Discord's page)`,
          ]
        : []),
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
  // While a line runs, its own answer prints what it caused; the poll prints what came on its own.
  let busy = false;
  const poll = setInterval(() => {
    if (busy) return;
    const posts = running.session.newChannelPosts();
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
    await running.stop();
    await petition.close();
    out("Bye.");
  };
  const reset = resetGate(databaseUrl, paths);
  lines.setPrompt(running.session.prompt());
  lines.prompt();
  // Lines are handled one at a time, in order, even when pasted or piped in.
  let queue = Promise.resolve();
  lines.on("line", (line) => {
    queue = queue.then(async () => {
      if (closing) return;
      busy = true;
      if (["quit", "exit", ".exit"].includes(line.trim())) return close();
      const resetting = running.session.fillingForm ? undefined : reset(line);
      if (resetting?.confirmed) {
        await running.stop();
        const deleted = deleteSandboxData(paths);
        running = await boot();
        out(`Deleted ${deleted.join(", ") || "nothing"}; a new sandbox server was made.`);
      } else if (resetting) {
        out(resetting.reply);
      } else {
        out(await running.session.run(line));
        running.saver.flush();
      }
      busy = false;
      lines.setPrompt(running.session.prompt());
      lines.prompt();
    });
  });
  await new Promise<void>((resolve) => {
    lines.on("close", () => void queue.then(close).then(resolve));
    process.once("SIGINT", () => void close().then(resolve));
    process.once("SIGTERM", () => void close().then(resolve));
  });
}
