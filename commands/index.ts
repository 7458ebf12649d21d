import type { Command } from "../src/discord/command.ts";
import { rallyCommand } from "./rally.ts";

/** Every slash command Rally has, in the order help lists them. Add a new command here. */
export const commands: readonly Command[] = [rallyCommand];
