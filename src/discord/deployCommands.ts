import { REST, Routes, type RESTGetCurrentApplicationResult } from "discord.js";
import { commands as allCommands } from "../../commands/index.ts";
import type { Command } from "./command.ts";

export function commandPayloads(commands: readonly Command[]) {
  return commands.map((command) => command.data);
}

/**
 * Registers every command globally (or to one guild) with one bulk overwrite. Global changes
 * reach every server within about an hour, so `npm start` never does this itself.
 */
export async function deployCommands(options: {
  token: string;
  apiUrl?: string | undefined;
  guildId?: string | undefined;
  commands?: readonly Command[];
}): Promise<{ count: number; scope: string }> {
  const rest = new REST(options.apiUrl ? { api: options.apiUrl } : {}).setToken(options.token);
  const application = (await rest.get(
    Routes.currentApplication(),
  )) as RESTGetCurrentApplicationResult;
  const body = commandPayloads(options.commands ?? allCommands);
  const route = options.guildId
    ? Routes.applicationGuildCommands(application.id, options.guildId)
    : Routes.applicationCommands(application.id);
  await rest.put(route, { body });
  return { count: body.length, scope: options.guildId ? `guild ${options.guildId}` : "global" };
}
