import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { LocalDiscord, LocalDiscordSnapshot } from "../local-discord/localDiscord.ts";
import type { SandboxWorld, SessionMemory } from "./session.ts";
import { nowMs } from "../clock.ts";

/** The sandbox's own database when DATABASE_URL is not set (see src/main.ts). */
export const sandboxDatabaseUrl = "file:./data/sandbox.db";

/** Everything the sandbox writes, all under data/ of the working directory. */
export interface SandboxPaths {
  database: string;
  /** The local Discord's world and the prompt's memory, as JSON. */
  snapshot: string;
  /** Files Rally sent, saved for the person at the prompt. */
  files: string;
}

export function sandboxPaths(dataDir = "data"): SandboxPaths {
  return {
    database: join(dataDir, "sandbox.db"),
    snapshot: join(dataDir, "sandbox-discord.json"),
    files: join(dataDir, "sandbox-files"),
  };
}

/** What data/sandbox-discord.json holds. */
interface SandboxSave {
  version: 1;
  guildId: string;
  discord: LocalDiscordSnapshot;
  memory: SessionMemory;
}

/**
 * Brings back the last run's server into `discord` (before the bot connects), or returns
 * undefined when there is none. A file that cannot be read is set aside, not deleted (the
 * caller then starts a new local Discord: this one may hold part of it).
 */
export function restoreSandbox(
  discord: LocalDiscord,
  paths: SandboxPaths,
): { world: SandboxWorld; memory: SessionMemory } | { unreadable: string } | undefined {
  if (!existsSync(paths.snapshot)) return undefined;
  try {
    const save = JSON.parse(readFileSync(paths.snapshot, "utf8")) as SandboxSave;
    if (save.version !== 1) throw new Error(`unknown version ${String(save.version)}`);
    discord.restore(save.discord);
    return { world: worldFrom(discord, save.guildId), memory: save.memory };
  } catch (error) {
    const aside = `${paths.snapshot}.unreadable-${nowMs()}`;
    renameSync(paths.snapshot, aside);
    const why = error instanceof Error ? error.message : String(error);
    return {
      unreadable: `${paths.snapshot} could not be read (${why}); it was moved to ${aside}.`,
    };
  }
}

/** The sandbox's view of a server: its members (not the bot), text channels and roles. */
export function worldFrom(discord: LocalDiscord, guildId: string): SandboxWorld {
  const guild = discord.guilds().find((candidate) => candidate.id === guildId);
  if (!guild) throw new Error(`the snapshot has no server ${guildId}`);
  const members = discord
    .members(guildId)
    .filter((user) => !user.bot)
    .map((user) => ({ id: user.id, name: user.username }));
  const channels = discord
    .channels(guildId)
    .filter((channel) => channel.type === 0)
    .sort((a, b) => a.position - b.position)
    .map((channel) => ({ id: channel.id, name: channel.name }));
  const roles = [...guild.roles.values()]
    .filter((role) => role.id !== guildId && role.botId === undefined)
    .map((role) => ({ id: role.id, name: role.name }));
  return { discord, guildId, members, channels, roles };
}

/** Written to a temporary file, then renamed over the old one: a kill never leaves half a file. */
export function saveSandbox(paths: SandboxPaths, world: SandboxWorld, memory: SessionMemory) {
  const save: SandboxSave = {
    version: 1,
    guildId: world.guildId,
    discord: world.discord.snapshot(),
    memory,
  };
  mkdirSync(dirname(paths.snapshot), { recursive: true });
  const temporary = `${paths.snapshot}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(save));
  renameSync(temporary, paths.snapshot);
}

/** Runs `save` at most once per `delayMs` after a change, and at once on `flush`. */
export function debounced(save: () => void, delayMs: number) {
  let timer: NodeJS.Timeout | undefined;
  return {
    soon() {
      timer ??= setTimeout(() => {
        timer = undefined;
        save();
      }, delayMs);
    },
    flush() {
      clearTimeout(timer);
      timer = undefined;
      save();
    },
    cancel() {
      clearTimeout(timer);
      timer = undefined;
    },
  };
}

/**
 * Why `reset` must not delete anything, or undefined when it may: it only ever deletes the
 * sandbox's own database, never one DATABASE_URL names.
 */
export function resetRefusal(databaseUrl: string, paths: SandboxPaths): string | undefined {
  const file = /^file:(.*)$/.exec(databaseUrl)?.[1];
  if (file !== undefined && resolve(file) === resolve(paths.database)) return undefined;
  return (
    `reset only deletes the sandbox's own database (${paths.database}), and DATABASE_URL ` +
    "points to another one, so nothing was deleted. Unset DATABASE_URL to use the sandbox's own."
  );
}

/** The sandbox's own files: its database, the snapshot, the files Rally sent. Nothing else. */
export function deleteSandboxData(paths: SandboxPaths): string[] {
  const targets = [
    ...["", "-journal", "-wal", "-shm"].map((suffix) => `${paths.database}${suffix}`),
    paths.snapshot,
    paths.files,
  ];
  const deleted = targets.filter((path) => existsSync(path));
  for (const path of deleted) rmSync(path, { recursive: true, force: true });
  return deleted;
}

/**
 * `reset`, then `reset` again (or y): what the prompt answers to each line while a reset waits
 * for its confirmation. "confirmed" means: delete and start over.
 */
export function resetGate(databaseUrl: string, paths: SandboxPaths) {
  let asked = false;
  return (line: string): { reply: string; confirmed?: true } | undefined => {
    const word = line.trim().toLowerCase();
    if (asked) {
      asked = false;
      if (["reset", "y", "yes"].includes(word)) return { reply: "", confirmed: true };
      return { reply: "Reset cancelled: nothing was deleted." };
    }
    if (word !== "reset") return undefined;
    const refusal = resetRefusal(databaseUrl, paths);
    if (refusal) return { reply: `! ${refusal}` };
    asked = true;
    return {
      reply:
        `This deletes ${paths.database}, ${paths.snapshot} and ${paths.files}/ and starts ` +
        "over with a new server. Type reset again (or y) to confirm; anything else cancels.",
    };
  };
}
