/** What a member does with a task: claim, release, done (by slash command or the card's buttons). */
import {
  ApplicationCommandOptionType,
  ComponentType,
  TextInputStyle,
  userMention,
} from "discord.js";
import type * as z from "zod";
import { notePostedMessage } from "../../src/domain/postedMessages.ts";
import { UserError } from "../../src/domain/errors.ts";
import { taskLimits } from "../../src/domain/taskFields.ts";
import {
  claimTask,
  finishTask,
  parseTaskId,
  releaseClaimOf,
  releaseTask,
  requireOpenClaim,
  resolveTaskInput,
  type TaskWithCampaign,
} from "../../src/domain/tasks.ts";
import { translator } from "../../src/i18n/index.ts";
import {
  customId,
  idArgument,
  privateReply,
  type ComponentHandler,
  type HandlerResult,
  type InteractionContext,
} from "../../src/discord/command.ts";
import { localizedDescription } from "../../src/discord/commandData.ts";
import { option, options } from "../../src/discord/declaredOptions.ts";
import { httpUrl, text } from "../../src/discord/optionSchemas.ts";
import { discordTime } from "../../src/discord/render/taskCard.ts";
import { showText, shorten } from "../../src/discord/render/text.ts";
import { cardMessage, refreshCard } from "./card.ts";
import { taskOption } from "./options.ts";
import { requireOrganizer } from "./organizer.ts";

/** What the claimer reads after a claim: thanks, when it expires, when it is due. */
function claimedText(task: TaskWithCampaign, expiresAt: Date, context: InteractionContext): string {
  const lines = [
    context.t("task.claimed", {
      title: showText(task.title, 100),
      expires: discordTime(expiresAt, "R", context.t),
    }),
  ];
  if (task.dueAt)
    lines.push(context.t("task.claimedDue", { due: discordTime(task.dueAt, "f", context.t) }));
  return lines.join(" ");
}

async function claim(taskId: number, context: InteractionContext) {
  const result = await claimTask(
    context.db,
    context.guildId,
    context.userId,
    taskId,
    context.now(),
    context.settings.claimExpiryDays,
    context.language,
  );
  return { task: result.task, text: claimedText(result.task, result.claim.expiresAt, context) };
}

async function release(taskId: number, context: InteractionContext) {
  const task = await releaseTask(
    context.db,
    context.guildId,
    context.userId,
    taskId,
    context.now(),
  );
  return { task, text: context.t("task.released", { title: showText(task.title, 100) }) };
}

async function finish(
  taskId: number,
  proof: { proofLink: string | null; note: string | null },
  context: InteractionContext,
) {
  const result = await finishTask(
    context.db,
    context.guildId,
    context.userId,
    taskId,
    proof,
    context.now(),
    context.settings.reviewRequired,
  );
  const title = showText(result.task.title, 100);
  const lines = [
    result.state === "submitted"
      ? context.t("task.submitted", { title })
      : context.t("task.doneThanks", { title }),
  ];
  if (proof.proofLink) lines.push(context.t("task.proofNotKept"));
  const reviewChannelId = result.state === "submitted" ? context.settings.reviewChannelId : null;
  const announce = async () => {
    if (!reviewChannelId) return;
    const tServer = translator(context.serverLanguage);
    try {
      const posted = await context.channels.post(reviewChannelId, {
        content: tServer("task.reviewAnnounce", { title, member: userMention(context.userId) }),
      });
      // It names the member: noted, so /settings purge can take the name out.
      await notePostedMessage(
        context.db,
        context.guildId,
        "review",
        { channelId: reviewChannelId, messageId: posted.id },
        context.now(),
      );
    } catch (error) {
      context.log.warn({ err: error, guildId: context.guildId }, "review announcement not posted");
    }
  };
  return { task: result.task, text: lines.join("\n"), after: announce };
}

export const doneOptions = options(
  taskOption,
  option({
    type: ApplicationCommandOptionType.Attachment,
    name: "proof_file",
    ...localizedDescription("commands.task.options.proof_file"),
  }),
  option(
    {
      type: ApplicationCommandOptionType.String,
      name: "proof_link",
      ...localizedDescription("commands.task.options.proof_link"),
      max_length: taskLimits.proofLink,
    },
    httpUrl,
  ),
  option(
    {
      type: ApplicationCommandOptionType.String,
      name: "note",
      ...localizedDescription("commands.task.options.note"),
      max_length: taskLimits.note,
    },
    text(taskLimits.note),
  ),
);

/** What a claim, release or done did: the task as it is now and the member's answer. */
interface TaskChange {
  task: TaskWithCampaign;
  text: string;
  /** Bookkeeping the answer does not wait for. */
  after?: () => Promise<void>;
}

/**
 * A slash command changes a task: the member is answered privately first, then the card is
 * updated in place (a REST edit the answer need not wait for).
 */
async function slashChange(
  change: Promise<TaskChange>,
  context: InteractionContext,
): Promise<HandlerResult> {
  const { task, text: reply, after } = await change;
  return {
    ...privateReply(reply),
    after: async () => {
      await refreshCard(task, context);
      await after?.();
    },
  };
}

/** A card button changes a task: the card updates in place, the presser alone reads the answer. */
async function buttonChange(
  change: Promise<TaskChange>,
  context: InteractionContext,
): Promise<HandlerResult> {
  const { task, text: reply, after } = await change;
  return {
    type: "update",
    message: cardMessage(task, context),
    followUp: { content: reply },
    ...(after ? { after } : {}),
  };
}

const doneModal = (taskId: string, t: InteractionContext["t"]) => ({
  type: "modal" as const,
  modal: {
    custom_id: customId("task", "submit", taskId),
    title: t("task.doneModalTitle"),
    components: [
      {
        type: ComponentType.ActionRow as const,
        components: [
          {
            type: ComponentType.TextInput as const,
            custom_id: "proof_link",
            label: t("task.proofLinkLabel"),
            style: TextInputStyle.Short,
            required: false,
            max_length: taskLimits.proofLink,
            placeholder: t("task.proofLinkPlaceholder"),
          },
        ],
      },
      {
        type: ComponentType.ActionRow as const,
        components: [
          {
            type: ComponentType.TextInput as const,
            custom_id: "note",
            label: t("task.noteLabel"),
            style: TextInputStyle.Paragraph,
            required: false,
            max_length: taskLimits.note,
          },
        ],
      },
    ],
  },
});

/** Modal fields are free text: check them as strictly as the slash options. */
function proofFromFields(fields: Readonly<Record<string, string>>) {
  const link = fields["proof_link"]?.trim() ?? "";
  const note = fields["note"]?.trim() ?? "";
  const parsed = httpUrl.safeParse(link);
  if (link !== "" && !parsed.success)
    throw new UserError("validation.url", { option: "proof_link" });
  return {
    proofLink: link === "" ? null : link,
    note: note === "" ? null : shorten(note, taskLimits.note),
  };
}

/** A member claims, releases or finishes a task by name. */
export function claimBySlash(input: { task: string }, context: InteractionContext) {
  return slashChange(claim(parseTaskId(input.task), context), context);
}

export const releaseOptions = options(
  taskOption,
  option({
    type: ApplicationCommandOptionType.User,
    name: "member",
    ...localizedDescription("commands.task.options.releaseMember"),
  }),
);

/** An organizer releases a member's claim (a no-show); the member is told nothing here. */
async function releaseFor(taskId: number, memberId: string, context: InteractionContext) {
  const task = await releaseClaimOf(
    context.db,
    context.guildId,
    context.userId,
    memberId,
    taskId,
    context.now(),
  );
  return {
    task,
    text: context.t("task.releasedFor", {
      member: userMention(memberId),
      title: showText(task.title, 100),
    }),
  };
}

export async function releaseBySlash(
  input: z.output<typeof releaseOptions.schema>,
  context: InteractionContext,
) {
  const other = input.member !== undefined && input.member !== context.userId;
  if (other) requireOrganizer(context);
  const taskId = await resolveTaskInput(context.db, context.guildId, context.userId, input.task);
  return slashChange(
    other ? releaseFor(taskId, input.member ?? "", context) : release(taskId, context),
    context,
  );
}

export function doneBySlash(
  input: z.output<typeof doneOptions.schema>,
  context: InteractionContext,
) {
  // Off, proofs are links only: a photo uploaded to Discord stays there and may carry where it was taken.
  if (input.proof_file && !context.settings.proofFilesAllowed)
    throw new UserError("task.proofFilesOff");
  return slashChange(
    finish(
      parseTaskId(input.task),
      {
        proofLink: input.proof_link ?? input.proof_file?.url ?? null,
        note: input.note ?? null,
      },
      context,
    ),
    context,
  );
}

/** The same on a task card's buttons, and the proof form that "Done" opens. */
export const claimButtons: Record<string, ComponentHandler> = {
  claim: {
    access: "everyone",
    ephemeral: true,
    on: "shown",
    run: (args, context) => buttonChange(claim(parseTaskId(idArgument(args)), context), context),
  },
  release: {
    access: "everyone",
    ephemeral: true,
    on: "shown",
    run: (args, context) => buttonChange(release(parseTaskId(idArgument(args)), context), context),
  },
  done: {
    access: "everyone",
    ephemeral: true,
    on: "shown",
    run: async (args, context) => {
      const taskId = parseTaskId(idArgument(args));
      // Refuse before the form: a member who does not hold the task should not type proof first.
      await requireOpenClaim(context.db, context.guildId, context.userId, taskId);
      return doneModal(String(taskId), context.t);
    },
  },
  submit: {
    access: "everyone",
    ephemeral: true,
    on: "shown",
    openedBy: "done",
    run: (args, context, fields) =>
      buttonChange(
        finish(parseTaskId(idArgument(args)), proofFromFields(fields), context),
        context,
      ),
  },
};
