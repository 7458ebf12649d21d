import { subtext, type Client } from "discord.js";
import { campaignCardChanged } from "../domain/campaignCard.ts";
import { getGuildSettings, settingsLanguage } from "../domain/guildSettings.ts";
import type { Store } from "../domain/store.ts";
import { activeClaim, expireClaim, type DueJob, type TaskWithCampaign } from "../domain/tasks.ts";
import { getVolunteer, volunteerLanguage } from "../domain/volunteers.ts";
import { translator, type Language, type MessageKey } from "../i18n/index.ts";
import type { Logger } from "../log.ts";
import type { DueJobHandler } from "../domain/dueJobs.ts";
import { channelActions } from "./channels.ts";
import { sendDirectMessage } from "./directMessages.ts";
import { discordTime, taskCard } from "./render/taskCard.ts";
import { showText } from "./render/text.ts";

interface Dependencies {
  client: Client;
  db: Store;
  log: Logger;
  now: () => Date;
}

/**
 * Sends once, through the DM outbox. The key names what the message is about (this claim, this
 * due date or expiry), not the job's run: a retried or re-run job finds the same row.
 */
async function sendDirect(
  { client, db, log, now }: Dependencies,
  job: DueJob,
  userId: string,
  content: string,
  key: string,
) {
  const result = await sendDirectMessage(client, db, {
    guildId: job.guildId,
    userId,
    content,
    key,
    now: now(),
  });
  if (result === "closed")
    log.info({ jobId: job.id, kind: job.kind }, "direct messages closed; reminder skipped");
  if (result === "uncertain")
    log.warn({ jobId: job.id, kind: job.kind }, "reminder may not have gone out; not resent");
}

/** Who to tell and in which language; null when they turned reminders off or closed DMs. */
export async function recipient(
  db: Store,
  guildId: string,
  userId: string,
): Promise<Language | null> {
  const volunteer = await getVolunteer(db, guildId, userId);
  if (!volunteer.remindersEnabled || volunteer.dmsClosed) return null;
  return volunteerLanguage(db, guildId, userId);
}

export function reminderText(
  language: Language,
  key: MessageKey,
  task: TaskWithCampaign,
  extra: Record<string, string | number>,
) {
  const t = translator(language);
  const body = t(key, {
    task: showText(task.title, 100),
    campaign: showText(task.campaign.title, 100),
    ...extra,
  });
  return `${body}\n${subtext(t("reminders.footer"))}`;
}

/** The due jobs of a claim: two reminders and the expiry that gives the slot back. */
export function claimJobHandlers(dependencies: Dependencies): Record<string, DueJobHandler> {
  const { db, now } = dependencies;

  async function activeClaimOf(job: DueJob) {
    const claim = await activeClaim(db, job.guildId, Number(job.subjectId));
    return claim?.volunteerId ? { ...claim, volunteerId: claim.volunteerId } : null;
  }

  return {
    async "claim.remindDue"(job) {
      const claim = await activeClaimOf(job);
      if (!claim?.task.dueAt) return;
      const language = await recipient(db, job.guildId, claim.volunteerId);
      if (!language) return;
      const text = reminderText(language, "reminders.dueSoon", claim.task, {
        due: discordTime(claim.task.dueAt, "R", translator(language)),
      });
      const key = `remindDue:${claim.id}:${claim.task.dueAt.getTime()}`;
      await sendDirect(dependencies, job, claim.volunteerId, text, key);
    },
    async "claim.remindExpiry"(job) {
      const claim = await activeClaimOf(job);
      if (!claim) return;
      const language = await recipient(db, job.guildId, claim.volunteerId);
      if (!language) return;
      const text = reminderText(language, "reminders.expirySoon", claim.task, {
        expires: discordTime(claim.expiresAt, "R", translator(language)),
      });
      const key = `remindExpiry:${claim.id}:${claim.expiresAt.getTime()}`;
      await sendDirect(dependencies, job, claim.volunteerId, text, key);
    },
    async "claim.expire"(job) {
      const expired = await expireClaim(db, Number(job.subjectId), now());
      if (!expired) return;
      const { task, claim } = expired;
      await campaignCardChanged(db, job.guildId, task.campaign.id, now());
      const settings = await getGuildSettings(db, job.guildId);
      if (task.cardChannelId && task.cardMessageId) {
        const serverLanguage = settingsLanguage(settings);
        await channelActions(dependencies.client, job.guildId, db, now)
          .edit(task.cardChannelId, task.cardMessageId, taskCard(task, translator(serverLanguage)))
          .catch((error: unknown) =>
            dependencies.log.warn({ err: error, jobId: job.id }, "task card not updated"),
          );
      }
      if (!claim.volunteerId) return;
      const language = await recipient(db, job.guildId, claim.volunteerId);
      if (!language) return;
      const text = reminderText(language, "reminders.expired", task, {
        count: settings.claimExpiryDays,
      });
      await sendDirect(dependencies, job, claim.volunteerId, text, `expired:${claim.id}`);
    },
  };
}
