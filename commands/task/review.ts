/** `/task review`: an organizer approves or rejects submitted work. */
import { ButtonStyle, ComponentType, TextInputStyle, hideLinkEmbed, userMention } from "discord.js";
import { UserError } from "../../src/domain/errors.ts";
import { taskLimits } from "../../src/domain/taskFields.ts";
import {
  nextSubmission,
  parseTaskId,
  reviewClaim,
  type TaskWithCampaign,
} from "../../src/domain/tasks.ts";
import { volunteerLanguage } from "../../src/domain/volunteers.ts";
import {
  customId,
  idArgument,
  privateReply,
  type ComponentHandler,
  type HandlerResult,
  type InteractionContext,
  type OutgoingMessage,
} from "../../src/discord/command.ts";
import { discordTime } from "../../src/discord/render/taskCard.ts";
import { rejectedNoticeKey, rejectedNoticeText } from "../../src/discord/render/reviewNotice.ts";
import { showText, shorten } from "../../src/discord/render/text.ts";
import { refreshCard } from "./card.ts";

export async function review(
  input: { task: string },
  context: InteractionContext,
): Promise<HandlerResult> {
  const taskId = parseTaskId(input.task);
  const { task, submission } = await nextSubmission(context.db, context.guildId, taskId);
  const title = showText(task.title, 100);
  if (!submission) return privateReply(context.t("task.noneToReview", { title }));
  return { type: "reply", ephemeral: true, message: reviewMessage(submission, title, context) };
}

function isDiscordAttachment(link: string): boolean {
  try {
    return /(^|\.)discordapp\.(com|net)$|(^|\.)discord\.com$/.test(new URL(link).hostname);
  } catch {
    return false;
  }
}

function reviewMessage(
  submission: {
    id: number;
    volunteerId: string | null;
    proofLink: string | null;
    note: string | null;
    submittedAt: Date | null;
  },
  title: string,
  context: InteractionContext,
): OutgoingMessage {
  const { t } = context;
  const link = submission.proofLink;
  // Discord attachment links are signed and expire about a day after upload.
  const expired =
    submission.submittedAt !== null &&
    context.now().getTime() - submission.submittedAt.getTime() > 24 * 60 * 60 * 1000;
  const proof = !link
    ? t("task.reviewNoProof")
    : isDiscordAttachment(link)
      ? t(expired ? "task.reviewExpiredProof" : "task.reviewAttachmentProof", {
          link: hideLinkEmbed(link),
        })
      : hideLinkEmbed(link);
  const fields = [{ name: t("task.reviewProof"), value: shorten(proof, 1024) }];
  if (submission.note)
    fields.push({ name: t("task.reviewNote"), value: showText(submission.note, 1024) });
  const id = String(submission.id);
  return {
    embeds: [
      {
        title: t("task.reviewTitle", { title }),
        description: t("task.reviewBy", {
          member: submission.volunteerId ? userMention(submission.volunteerId) : "—",
          when: submission.submittedAt ? discordTime(submission.submittedAt, "R", t) : "",
        }),
        fields,
      },
    ],
    components: [
      {
        type: ComponentType.ActionRow,
        components: [
          {
            type: ComponentType.Button,
            style: ButtonStyle.Success,
            label: t("task.approveButton"),
            custom_id: customId("task", "approve", id),
          },
          {
            type: ComponentType.Button,
            style: ButtonStyle.Danger,
            label: t("task.rejectButton"),
            custom_id: customId("task", "reject", id),
          },
        ],
      },
    ],
  };
}

/** The volunteer learns why their work was not accepted, privately, in their own language. */
async function tellRejected(
  volunteerId: string,
  claimId: number,
  task: TaskWithCampaign,
  reason: string,
  context: InteractionContext,
) {
  const language = await volunteerLanguage(context.db, context.guildId, volunteerId);
  const text = rejectedNoticeText(language, task.title, reason);
  await context.channels
    .sendDirect(volunteerId, text, rejectedNoticeKey(claimId))
    .catch((error: unknown) => {
      context.log.warn({ err: error, guildId: context.guildId }, "rejection notice not sent");
    });
}

/** An organizer's Approve / Reject on a review message, and the reason form. */
export const reviewButtons: Record<string, ComponentHandler> = {
  approve: {
    access: "organizer",
    ephemeral: true,
    on: "own",
    run: async (args, context) => {
      const result = await reviewClaim(
        context.db,
        context.guildId,
        context.userId,
        parseTaskId(idArgument(args)),
        { approve: true },
        context.now(),
      );
      const member = result.claim.volunteerId ? userMention(result.claim.volunteerId) : "—";
      return {
        after: () => refreshCard(result.task, context),
        type: "update",
        message: {
          content: context.t("task.approved", { member, title: showText(result.task.title, 100) }),
          embeds: [],
          components: [],
        },
      };
    },
  },
  reject: {
    access: "organizer",
    ephemeral: true,
    on: "own",
    run: async (args, context) => ({
      type: "modal",
      modal: {
        custom_id: customId("task", "rejectReason", String(parseTaskId(idArgument(args)))),
        title: context.t("task.rejectModalTitle"),
        components: [
          {
            type: ComponentType.ActionRow,
            components: [
              {
                type: ComponentType.TextInput,
                custom_id: "reason",
                label: context.t("task.rejectReasonLabel"),
                style: TextInputStyle.Paragraph,
                required: true,
                max_length: taskLimits.rejectReason,
              },
            ],
          },
        ],
      },
    }),
  },
  rejectReason: {
    access: "organizer",
    ephemeral: true,
    on: "own",
    openedBy: "reject",
    run: async (args, context, fields) => {
      const reason = (fields["reason"] ?? "").trim();
      if (reason === "") throw new UserError("validation.blank", { option: "reason" });
      const result = await reviewClaim(
        context.db,
        context.guildId,
        context.userId,
        parseTaskId(idArgument(args)),
        { approve: false, reason: shorten(reason, taskLimits.rejectReason) },
        context.now(),
      );
      const volunteerId = result.claim.volunteerId;
      const member = volunteerId ? userMention(volunteerId) : "—";
      return {
        after: async () => {
          await refreshCard(result.task, context);
          if (volunteerId)
            await tellRejected(volunteerId, result.claim.id, result.task, reason, context);
        },
        type: "update",
        message: {
          content: context.t("task.rejected", { member, title: showText(result.task.title, 100) }),
          embeds: [],
          components: [],
        },
      };
    },
  },
};
