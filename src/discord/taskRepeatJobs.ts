import type { Client } from "discord.js";
import { PermanentJobError, type DueJobHandler } from "../domain/dueJobs.ts";
import { serverLanguage } from "../domain/guildSettings.ts";
import { repeatCardJobKind, repeatJobKind } from "../domain/repeatRules.ts";
import type { Store } from "../domain/store.ts";
import { occurrenceWithoutCard, repeatTask } from "../domain/taskRepeat.ts";
import { setTaskCard } from "../domain/tasks.ts";
import { translator } from "../i18n/index.ts";
import type { Logger } from "../log.ts";
import { channelActions } from "./channels.ts";
import { classifyDiscordFailure } from "./discordFailure.ts";
import { taskCard } from "./render/taskCard.ts";

interface Dependencies {
  client: Client;
  db: Store;
  log: Logger;
  now: () => Date;
}

/**
 * A repeating task's jobs: at an occurrence's due date, the next one is created (in one
 * transaction with its own job, so it happens once); its card is posted by a second job, after
 * that transaction committed, so a failed post is retried without creating anything again.
 */
export function taskRepeatJobHandlers(dependencies: Dependencies): Record<string, DueJobHandler> {
  const { client, db, log, now } = dependencies;
  return {
    async [repeatJobKind](job) {
      const created = await repeatTask(db, job.guildId, Number(job.subjectId), now());
      if (created)
        log.info({ jobId: job.id, guildId: job.guildId, taskId: created.id }, "task repeated");
    },
    async [repeatCardJobKind](job) {
      const task = await occurrenceWithoutCard(db, job.guildId, Number(job.subjectId));
      if (!task) return;
      const t = translator(await serverLanguage(db, job.guildId));
      try {
        // The same nonce as /task add's card: a retry lands on the card an earlier try left.
        const posted = await channelActions(client, job.guildId, db, now).post(
          task.campaign.channelId,
          taskCard(task, t),
          { nonce: `t${task.id}.card` },
        );
        await setTaskCard(db, task.id, task.campaign.channelId, posted.id);
      } catch (error) {
        // A channel that is gone will not come back; a missing permission may be fixed.
        if (classifyDiscordFailure(error).reason === "channelGone")
          throw new PermanentJobError("the campaign's channel is gone");
        throw error;
      }
    },
  };
}
