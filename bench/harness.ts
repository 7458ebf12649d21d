/** What the bench parts share: bot child processes, the local servers, timing and statistics. */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { appendFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { commands } from "../commands/index.ts";
import { commandPayloads } from "../src/discord/deployCommands.ts";
import type { InteractionHandle, LocalDiscord } from "../src/local-discord/localDiscord.ts";
import { permissionBits } from "../src/domain/permissions.ts";
import { startFlags } from "../test/support/entry.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
export const botToken = "bench-token-for-the-local-discord";

// Once per bench run: Rally's dist/ exactly as `npm start` builds it, the bare bot the same way.
execFileSync(process.execPath, [join(root, "esbuild.config.mjs")], { stdio: "inherit" });
const bareBotScript = join(root, "data", "bench", "bareBot.mjs");
await build({
  entryPoints: [join(root, "bench", "bareBot.ts")],
  outfile: bareBotScript,
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node20",
  packages: "external",
  logLevel: "warning",
});

export interface BotProcess {
  pid: number;
  /** Milliseconds from spawn to the ready log line. */
  ready: Promise<number>;
  spawnedAt: number;
  rssMiB(): number;
  /** CPU time (user + system) the process has used so far: steadier than wall time on a busy machine. */
  cpuMs(): number;
  stop(): Promise<void>;
}

/**
 * Bots still running when the bench itself exits (a part failed and threw): ended with it, or
 * they would stay behind, reconnecting to a local Discord that is gone and taking the CPU of
 * every later measurement on this machine.
 */
const runningBots = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of runningBots) child.kill("SIGKILL");
});

/**
 * Both bots as plain JavaScript in a child node process, as `npm start` runs Rally: its dist/
 * bundle (src/main.ts), and bareBot.ts bundled the same way, so neither pays for tsx.
 */
export function startBot(
  kind: "rally" | "bare",
  environment: { apiUrl: string; databaseUrl?: string; extra?: Record<string, string> },
  /** Another build of Rally to run instead of dist/main.js (the bench's Rally with the page), and its environment. */
  variant?: { script: string; env: Record<string, string> },
): BotProcess {
  const script = variant?.script ?? (kind === "rally" ? "dist/main.js" : bareBotScript);
  const spawnedAt = performance.now();
  // BENCH_CPU_PROF=<dir> writes a V8 CPU profile of each bot when it stops (for finding hot spots).
  const profile = process.env["BENCH_CPU_PROF"];
  // BENCH_BOT_LOG=<file> appends the bots' log lines to a file (each interaction's "ms" is there).
  const logFile = process.env["BENCH_BOT_LOG"];
  const flags = profile ? ["--cpu-prof", "--cpu-prof-dir", profile] : [];
  // Rally with `npm start`'s Node flags, or BENCH_NODE_FLAGS to try others.
  const nodeFlags = process.env["BENCH_NODE_FLAGS"]?.split(" ").filter(Boolean) ?? startFlags();
  if (kind === "rally") flags.push(...nodeFlags);
  const child: ChildProcess = spawn(process.execPath, [...flags, script], {
    cwd: root,
    env: {
      PATH: process.env["PATH"] ?? "",
      DISCORD_TOKEN: botToken,
      DISCORD_API_URL: environment.apiUrl,
      ...(environment.databaseUrl ? { DATABASE_URL: environment.databaseUrl } : {}),
      LOG_LEVEL: "info",
      ...environment.extra,
      ...variant?.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  runningBots.add(child);
  child.once("exit", () => runningBots.delete(child));
  let errors = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    if (logFile) appendFileSync(logFile, chunk);
    if (errors.length < 4000) errors += chunk.toString();
  });
  const ready = new Promise<number>((resolve, reject) => {
    let pending = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      if (logFile) appendFileSync(logFile, chunk);
      pending = (pending + chunk.toString()).slice(-2000);
      if (pending.includes('"msg":"ready"')) {
        resolve(performance.now() - spawnedAt);
        pending = "";
      }
    });
    child.once("exit", (code) => reject(new Error(`${kind} exited with ${code}: ${errors}`)));
  });
  ready.catch(() => undefined);
  const pid = child.pid ?? 0;
  return {
    pid,
    ready,
    spawnedAt,
    rssMiB: () => processRssMiB(pid),
    cpuMs: () => processCpuMs(pid),
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export function processRssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return round(kib / 1024);
}

/** utime + stime from /proc/<pid>/stat, in clock ticks of 10 ms (Linux's USER_HZ). */
export function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Rally's commands, registered globally once, as `npm run deploy:commands` does. */
export async function registerCommands(discord: LocalDiscord): Promise<void> {
  const response = await fetch(
    `${discord.apiUrl}/v10/applications/${discord.applicationId}/commands`,
    {
      method: "PUT",
      headers: { authorization: `Bot ${botToken}`, "content-type": "application/json" },
      body: JSON.stringify(commandPayloads(commands)),
    },
  );
  if (!response.ok) throw new Error(`registering commands: ${response.status}`);
}

export interface BenchServer {
  guildId: string;
  channelId: string;
  organizerId: string;
  memberIds: string[];
}

/** Servers as Rally sees them on Discord: an organizer role and member, channels, members. */
export function createServers(
  discord: LocalDiscord,
  count: number,
  shape: { channels: number; members: number; membersOfFirst?: number },
): BenchServer[] {
  return Array.from({ length: count }, (_, index) => {
    const guild = discord.createGuild({ name: `Bench server ${index + 1}` });
    const organizers = discord.createRole(guild.id, {
      name: "Organizers",
      permissions: permissionBits.manageGuild,
    });
    const organizer = discord.createUser({ username: `organizer${index + 1}` });
    discord.addMember(guild.id, organizer.id, { roles: [organizers.id] });
    const members = index === 0 ? (shape.membersOfFirst ?? shape.members) : shape.members;
    const memberIds = Array.from({ length: members }, (_, number) => {
      const user = discord.createUser({ username: `s${index + 1}-member${number + 1}` });
      discord.addMember(guild.id, user.id);
      return user.id;
    });
    const channelIds = Array.from(
      { length: shape.channels },
      (_, number) =>
        discord.createChannel(guild.id, { name: number === 0 ? "campaigns" : `room-${number}` }).id,
    );
    return {
      guildId: guild.id,
      channelId: channelIds[0] ?? "",
      organizerId: organizer.id,
      memberIds,
    };
  });
}

export interface Timing {
  /** Dispatch → first callback accepted by Discord. */
  first: number;
  /** Dispatch → the answer the member reads (the reply, or the follow-up after an update). */
  final: number;
}

/** Times one interaction; `followUp` when the answer comes after an update in place. */
export async function timeInteraction(
  discord: LocalDiscord,
  dispatch: () => InteractionHandle,
  followUp = false,
): Promise<Timing & { handle: InteractionHandle; text: string }> {
  const started = performance.now();
  const handle = dispatch();
  const response = await handle.response(30_000);
  const first = performance.now() - started;
  // An update in place (7, or 6 after a defer) is followed by the private answer; a refusal
  // (task full) is a plain private reply, final at once.
  if (followUp && (response.type === 7 || response.type === 6)) {
    const message = await discord.waitFor(() => handle.followups[0], 30_000, "a follow-up");
    return { first, final: performance.now() - started, handle, text: message.content ?? "" };
  }
  return { first, final: first, handle, text: handle.original()?.content ?? "" };
}

export function slashInput(
  discord: LocalDiscord,
  server: BenchServer,
  userId: string,
  line: string,
) {
  return {
    guildId: server.guildId,
    channelId: server.channelId,
    userId,
    ...discord.parseCommandLine(line),
  };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function round(value: number, digits = 1): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

export function percentile(values: number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? NaN;
}

export function median(values: number[]): number {
  return percentile(values, 0.5);
}
