/** Discord scheduled events on /task add and edit: the `starts` and `event` options (#26). */
import { ApplicationCommandOptionType } from "discord.js";
import { parseLocalDateTime } from "../../src/domain/dates.ts";
import { UserError } from "../../src/domain/errors.ts";
import type { InteractionContext } from "../../src/discord/command.ts";
import { localizedDescription } from "../../src/discord/commandData.ts";
import { option } from "../../src/discord/declaredOptions.ts";
import { eventOutcomeText } from "../../src/discord/taskEvents.ts";

const S = ApplicationCommandOptionType;

export const eventOptions = [
  option({
    type: S.String,
    name: "starts",
    ...localizedDescription("commands.task.options.starts"),
    max_length: 16,
  }),
  option({
    type: S.Boolean,
    name: "event",
    ...localizedDescription("commands.task.options.event"),
  }),
] as const;

/**
 * `starts`, read like `due` in the server's time zone; a start is a time of day, so a date
 * alone (which `due` reads as 23:59) is refused rather than guessed.
 */
export function readStarts(value: string | undefined, context: InteractionContext): Date | null {
  if (value === undefined) return null;
  if (!/[ T]\d{1,2}:\d{2}$/.test(value.trim())) throw new UserError("taskEvent.startsNeedsTime");
  return parseLocalDateTime(value, {
    option: "starts",
    zone: context.settings.timezone,
    now: context.now(),
    past: "taskEvent.startsPast",
  });
}

/**
 * Makes or changes the task's event at once (the job armed with the change is the backstop),
 * and the line the organizer's reply ends with: what came of it, in their language.
 */
export async function syncEventNote(taskId: number, context: InteractionContext): Promise<string> {
  const outcome = await context.channels.syncTaskEvent(taskId, context.log);
  const text = eventOutcomeText(outcome, context.t);
  return text ? `\n${text}` : "";
}
