import type { Command } from "../src/discord/command.ts";
import { campaignCommand } from "./campaign.ts";
import { meCommand } from "./me.ts";
import { rallyCommand } from "./rally.ts";
import { settingsCommand } from "./settings.ts";
import { summaryCommand } from "./summary.ts";
import { taskCommand } from "./task.ts";

/** Every slash command Rally has, in the order help lists them. Add a new command here. */
export const commands: readonly Command[] = [
  rallyCommand,
  campaignCommand,
  taskCommand,
  summaryCommand,
  meCommand,
  settingsCommand,
];
