import type { Command } from "../src/discord/command.ts";
import { campaignCommand } from "./campaign/index.ts";
import { meCommand } from "./me/index.ts";
import { rallyCommand } from "./rally/index.ts";
import { settingsCommand } from "./settings/index.ts";
import { summaryCommand } from "./summary/index.ts";
import { taskCommand } from "./task/index.ts";

/** Every slash command Rally has, in the order help lists them. Add a new command here. */
export const commands: readonly Command[] = [
  rallyCommand,
  campaignCommand,
  taskCommand,
  summaryCommand,
  meCommand,
  settingsCommand,
];
