/** The task's public card: posting it (with the organizer's retry), refreshing it after a change. */
import {
  ButtonStyle,
  ComponentType,
  channelMention,
  roleMention,
  type APIActionRowComponent,
  type APIComponentInMessageActionRow,
} from "discord.js";
import { campaignCardChanged } from "../../src/domain/campaignCard.ts";
import { UserError } from "../../src/domain/errors.ts";
import {
  getTask,
  parseTaskId,
  setTaskCard,
  type TaskWithCampaign,
} from "../../src/domain/tasks.ts";
import { translator } from "../../src/i18n/index.ts";
import {
  customId,
  idArgument,
  type ComponentHandler,
  type InteractionContext,
  type OutgoingMessage,
} from "../../src/discord/command.ts";
import { classifyDiscordFailure, discordFailureText } from "../../src/discord/discordFailure.ts";
import { taskCard } from "../../src/discord/render/taskCard.ts";
import { showText } from "../../src/discord/render/text.ts";

/** The public card, always in the server's language (never the presser's). */
export function cardMessage(task: TaskWithCampaign, context: InteractionContext): OutgoingMessage {
  return taskCard(task, translator(context.serverLanguage));
}

/** Updates the task's card in its channel; a card that is gone or unreachable is not an error for the member. */
export async function refreshCard(
  task: TaskWithCampaign,
  context: InteractionContext,
): Promise<void> {
  // Every task change that refreshes the task's card may change the campaign card's numbers.
  await campaignCardChanged(context.db, context.guildId, task.campaign.id, context.now());
  if (!task.cardChannelId || !task.cardMessageId) return;
  try {
    await context.channels.edit(task.cardChannelId, task.cardMessageId, cardMessage(task, context));
  } catch (error) {
    context.log.warn(
      { err: error, guildId: context.guildId, taskId: task.id },
      "task card not updated",
    );
  }
}

/** The same on every try at one task's card: a later try lands on what an earlier one left. */
function cardNonce(taskId: number): string {
  return `t${taskId}.card`;
}

/**
 * Posts a new task's card, pinging the announce role (only it), and records where it is.
 * Returns null, or why Discord did not take it, in the organizer's words: the task is saved
 * either way, and the private reply offers to try again.
 */
export async function postCard(
  task: TaskWithCampaign,
  context: InteractionContext,
): Promise<string | null> {
  await campaignCardChanged(context.db, context.guildId, task.campaign.id, context.now());
  const role = context.settings.announceRoleId;
  const card = cardMessage(task, context);
  const announce: OutgoingMessage = role
    ? {
        ...card,
        content: translator(context.serverLanguage)("task.newTaskAnnounce", {
          role: roleMention(role),
          title: showText(task.title, 100),
        }),
        allowedRoleIds: [role],
      }
    : card;
  let posted: { id: string };
  try {
    posted = await context.channels.post(task.campaign.channelId, announce, {
      nonce: cardNonce(task.id),
    });
  } catch (error) {
    context.log.warn(
      { err: error, guildId: context.guildId, taskId: task.id },
      "task card not posted",
    );
    return discordFailureText(classifyDiscordFailure(error), context.t);
  }
  await setTaskCard(context.db, task.id, task.campaign.channelId, posted.id);
  return null;
}

/** "Post the card" on the organizer's private reply, for a card Discord did not take. */
export function postCardRow(
  taskId: number,
  context: InteractionContext,
): APIActionRowComponent<APIComponentInMessageActionRow> {
  return {
    type: ComponentType.ActionRow,
    components: [
      {
        type: ComponentType.Button,
        style: ButtonStyle.Primary,
        label: context.t("task.postCardButton"),
        custom_id: customId("task", "postCard", String(taskId)),
      },
    ],
  };
}

/** Posts a card an earlier try could not; organizers only, for this server's cardless tasks. */
export const postCardButton: ComponentHandler = {
  access: "organizer",
  // The button is on the organizer's own private reply to /task add.
  on: "own",
  ephemeral: true,
  run: async (args, context) => {
    const task = await getTask(context.db, context.guildId, parseTaskId(idArgument(args)));
    const channel = channelMention(task.campaign.channelId);
    if (task.cardMessageId) {
      throw new UserError("task.cardAlreadyPosted", {
        title: showText(task.title, 100),
        channel: channelMention(task.cardChannelId ?? task.campaign.channelId),
      });
    }
    const failure = await postCard(task, context);
    return {
      type: "update",
      message: failure
        ? {
            content: context.t("task.cardStillNotPosted", {
              channel,
              reason: failure,
              button: context.t("task.postCardButton"),
            }),
            components: [postCardRow(task.id, context)],
          }
        : { content: context.t("task.cardPosted", { channel }), components: [] },
    };
  },
};
