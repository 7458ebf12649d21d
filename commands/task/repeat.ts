/** Repeating tasks on /task: the add options, and /task cancel's question for an occurrence. */
import {
  ApplicationCommandOptionType,
  ButtonStyle,
  ComponentType,
  type APIActionRowComponent,
  type APIComponentInMessageActionRow,
} from "discord.js";
import { parseLocalDateTime } from "../../src/domain/dates.ts";
import { UserError } from "../../src/domain/errors.ts";
import { repeatPeriods, type Repeat, type RepeatPeriod } from "../../src/domain/repeatRules.ts";
import { stopSeries } from "../../src/domain/taskRepeat.ts";
import { cancelTask, getTask, parseTaskId } from "../../src/domain/tasks.ts";
import {
  customId,
  idArgument,
  privateReply,
  type ComponentHandler,
  type HandlerResult,
  type InteractionContext,
} from "../../src/discord/command.ts";
import { localizedChoice, localizedDescription } from "../../src/discord/commandData.ts";
import { option } from "../../src/discord/declaredOptions.ts";
import { showText } from "../../src/discord/render/text.ts";
import { refreshCard } from "./card.ts";

const S = ApplicationCommandOptionType;

export const repeatOptions = [
  option({
    type: S.String,
    name: "repeat",
    ...localizedDescription("commands.task.options.repeat"),
    choices: repeatPeriods.map((period) =>
      localizedChoice(`commands.task.repeats.${period}`, period),
    ),
  }),
  option({
    type: S.String,
    name: "repeat_until",
    ...localizedDescription("commands.task.options.repeat_until"),
    max_length: 16,
  }),
] as const;

/** How the task repeats, from /task add's options; repeat_until alone is refused. */
export function readRepeat(
  input: { repeat?: RepeatPeriod | undefined; repeat_until?: string | undefined },
  context: InteractionContext,
): Repeat | null {
  const until =
    input.repeat_until === undefined
      ? null
      : parseLocalDateTime(input.repeat_until, {
          option: "repeat_until",
          zone: context.settings.timezone,
          now: context.now(),
          past: "task.repeatUntilPast",
        });
  if (input.repeat === undefined) {
    if (until) throw new UserError("task.repeatUntilAlone");
    return null;
  }
  return { period: input.repeat, until };
}

/** The sentence /task add's reply ends with for a repeating task. */
export function repeatsNote(period: string | null, context: InteractionContext): string {
  if (period === null || !(repeatPeriods as readonly string[]).includes(period)) return "";
  const known = period as RepeatPeriod;
  return `\n${context.t("task.addedRepeats", {
    period: context.t(`task.repeatPeriod.${known}`),
    unit: context.t(`task.repeatUnit.${known}`),
  })}`;
}

function cancelChoiceRow(
  taskId: number,
  context: InteractionContext,
): APIActionRowComponent<APIComponentInMessageActionRow> {
  const id = String(taskId);
  return {
    type: ComponentType.ActionRow,
    components: [
      {
        type: ComponentType.Button,
        style: ButtonStyle.Secondary,
        label: context.t("task.cancelOneButton"),
        custom_id: customId("task", "cancelOne", id),
      },
      {
        type: ComponentType.Button,
        style: ButtonStyle.Danger,
        label: context.t("task.stopSeriesButton"),
        custom_id: customId("task", "stopSeries", id),
      },
    ],
  };
}

/**
 * /task cancel: a task of a series asks first whether to cancel this occurrence or stop the
 * series; any other task is cancelled at once.
 */
export async function cancel(
  input: { task: string },
  context: InteractionContext,
): Promise<HandlerResult> {
  const taskId = parseTaskId(input.task);
  const task = await getTask(context.db, context.guildId, taskId);
  if (task.seriesId !== null && task.status === "open") {
    return {
      type: "reply",
      ephemeral: true,
      message: {
        content: context.t("task.cancelAsk", { title: showText(task.title, 100) }),
        components: [cancelChoiceRow(task.id, context)],
      },
    };
  }
  const cancelled = await cancelTask(
    context.db,
    context.guildId,
    context.userId,
    taskId,
    context.now(),
  );
  return {
    ...privateReply(context.t("task.cancelledReply", { title: showText(cancelled.title, 100) })),
    after: () => refreshCard(cancelled, context),
  };
}

/** The two answers to /task cancel's question, on the organizer's own private reply. */
export const cancelButtons: Record<string, ComponentHandler> = {
  cancelOne: {
    access: "organizer",
    on: "own",
    ephemeral: true,
    run: async (args, context) => {
      const task = await cancelTask(
        context.db,
        context.guildId,
        context.userId,
        parseTaskId(idArgument(args)),
        context.now(),
      );
      return {
        type: "update",
        message: {
          content: context.t("task.cancelledReply", { title: showText(task.title, 100) }),
          components: [],
        },
        after: () => refreshCard(task, context),
      };
    },
  },
  stopSeries: {
    access: "organizer",
    on: "own",
    ephemeral: true,
    run: async (args, context) => {
      const taskId = parseTaskId(idArgument(args));
      const before = await getTask(context.db, context.guildId, taskId);
      const task = await stopSeries(
        context.db,
        context.guildId,
        context.userId,
        taskId,
        context.now(),
      );
      const key =
        before.status === "open" && task.status === "cancelled"
          ? "task.seriesStoppedCancelled"
          : "task.seriesStopped";
      return {
        type: "update",
        message: { content: context.t(key, { title: showText(task.title, 100) }), components: [] },
        after: () => refreshCard(task, context),
      };
    },
  },
};
