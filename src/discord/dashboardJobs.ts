/**
 * What follows an action on the dashboard, run by the due-job runner in the process that serves
 * the server: a reviewed task's card edited to what is true now, the volunteer's notice of a
 * rejection (through the DM outbox, with the key `/task review` uses, so it goes out once), and
 * an import's message in the campaign's channel (with a nonce, so a retry does not post twice).
 */
import { createHash } from "node:crypto";
import type { Client } from "discord.js";
import { getCampaign } from "../domain/campaigns.ts";
import { importPostJobKind, readImportPostSubject } from "../domain/importPost.ts";
import type { DueJobHandler } from "../domain/dueJobs.ts";
import { serverLanguage } from "../domain/guildSettings.ts";
import {
  rejectedNoticeJobKind,
  reviewedClaim,
  taskCardJobKind,
  taskForCard,
} from "../domain/reviews.ts";
import type { Store } from "../domain/store.ts";
import { volunteerLanguage } from "../domain/volunteers.ts";
import { translator } from "../i18n/index.ts";
import type { Logger } from "../log.ts";
import { channelActions } from "./channels.ts";
import { sendDirectMessage } from "./directMessages.ts";
import { importPostMessage } from "./render/importPost.ts";
import { rejectedNoticeKey, rejectedNoticeText } from "./render/reviewNotice.ts";
import { taskCard } from "./render/taskCard.ts";

interface Dependencies {
  client: Client;
  db: Store;
  log: Logger;
  now: () => Date;
}

export function dashboardJobHandlers(dependencies: Dependencies): Record<string, DueJobHandler> {
  const { client, db, log, now } = dependencies;
  return {
    async [taskCardJobKind](job) {
      const task = await taskForCard(db, job.guildId, Number(job.subjectId));
      if (!task?.cardChannelId || !task.cardMessageId) return;
      const language = await serverLanguage(db, job.guildId);
      // A card that is gone or unreachable is not worth retrying, as after a slash command.
      await channelActions(client, job.guildId, db, now)
        .edit(task.cardChannelId, task.cardMessageId, taskCard(task, translator(language)))
        .catch((error: unknown) =>
          log.warn({ err: error, jobId: job.id, taskId: task.id }, "task card not updated"),
        );
    },
    async [rejectedNoticeJobKind](job) {
      const claim = await reviewedClaim(db, job.guildId, Number(job.subjectId));
      if (claim?.status !== "rejected" || !claim.volunteerId) return;
      const language = await volunteerLanguage(db, job.guildId, claim.volunteerId);
      const result = await sendDirectMessage(client, db, {
        guildId: job.guildId,
        userId: claim.volunteerId,
        content: rejectedNoticeText(language, claim.task.title, claim.rejectReason ?? ""),
        key: rejectedNoticeKey(claim.id),
        now: now(),
      });
      if (result === "uncertain")
        log.warn({ jobId: job.id, kind: job.kind }, "rejection notice may not have gone out");
    },
    async [importPostJobKind](job) {
      const post = readImportPostSubject(job.subjectId);
      if (!post) return;
      const campaign = await getCampaign(db, job.guildId, post.campaignId);
      const t = translator(await serverLanguage(db, job.guildId));
      const nonce = `i${createHash("sha256").update(job.subjectId).digest("base64url").slice(0, 24)}`;
      await channelActions(client, job.guildId, db, now)
        .post(campaign.channelId, importPostMessage(t, post.result, campaign), { nonce })
        .catch((error: unknown) =>
          log.warn(
            { err: error, jobId: job.id, guildId: job.guildId },
            "import message not posted",
          ),
        );
    },
  };
}
