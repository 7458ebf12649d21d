import type { Client } from "discord.js";
import { announceReading } from "../../commands/campaign/heldReadings.ts";
import { milestoneMessage } from "../../commands/campaign/count.ts";
import { getCampaign } from "../domain/campaigns.ts";
import {
  milestoneJobKind,
  milestoneNonce,
  parseMilestoneSubject,
  recordReading,
  sourcePollKind,
  startPoll,
  type SourceReads,
} from "../domain/countSources.ts";
import { PermanentJobError, type DueJob, type DueJobHandler } from "../domain/dueJobs.ts";
import { outboxAction } from "../domain/outbox.ts";
import type { Language } from "../i18n/index.ts";
import { getGuildSettings } from "../domain/guildSettings.ts";
import type { Store } from "../domain/store.ts";
import type { Logger } from "../log.ts";
import { channelActions } from "./channels.ts";
import { classifyDiscordFailure } from "./discordFailure.ts";

interface Dependencies {
  client: Client;
  db: Store;
  log: Logger;
  now: () => Date;
  sources: SourceReads;
}

/**
 * `campaign.milestone`: the milestone a reading reached, posted once. A retry (a crash, a
 * timeout) carries the same nonce, so it lands on the message a first try may have left, while
 * Discord remembers the nonce; after that Rally cannot know, and posts nothing rather than twice.
 */
async function postReadingMilestone(
  { client, db, log, now }: Dependencies,
  job: DueJob,
): Promise<void> {
  const milestone = parseMilestoneSubject(job.subjectId);
  if (!milestone || !client.guilds.cache.has(job.guildId)) return;
  if (
    job.attempts > 1 &&
    outboxAction({ status: "pending", createdAt: milestone.at }, now()) !== "send"
  ) {
    log.warn(
      { guildId: job.guildId, campaignId: milestone.campaignId },
      "milestone post uncertain; not retried",
    );
    return;
  }
  const campaign = await getCampaign(db, job.guildId, milestone.campaignId).catch(() => null);
  if (!campaign) return;
  const settings = await getGuildSettings(db, job.guildId);
  try {
    await channelActions(client, job.guildId, db, now).post(
      campaign.channelId,
      milestoneMessage(
        campaign,
        milestone.reached,
        settings.language as Language,
        settings.announceRoleId,
      ),
      { nonce: milestoneNonce(job.subjectId) },
    );
  } catch (error) {
    const failure = classifyDiscordFailure(error);
    // Retrying cannot help: the channel is gone or closed to Rally.
    if (["channelGone", "missingAccess", "missingPermissions"].includes(failure.reason))
      throw new PermanentJobError(failure.reason);
    throw error;
  }
}

/**
 * `source.poll`: schedules the next poll, then hands the read to the source pool and returns,
 * so the due-job worker is free at once; the reading is recorded when the read completes.
 */
export function sourceJobHandlers(dependencies: Dependencies): Record<string, DueJobHandler> {
  const { client, db, log, now, sources } = dependencies;
  return {
    [milestoneJobKind]: (job: DueJob) => postReadingMilestone(dependencies, job),
    async [sourcePollKind](job: DueJob) {
      const poll = await startPoll(db, job, now());
      if (!poll) return;
      const { source } = poll;
      sources.track(
        sources
          .readInRound(poll.request, poll.round)
          .then(async (result) => {
            const outcome = await sources.record(() => recordReading(db, source, result, now()));
            if (outcome.type === "failed")
              log.warn(
                {
                  guildId: source.guildId,
                  campaignId: source.campaignId,
                  reason: outcome.result.reason,
                  status: outcome.result.status,
                  url: outcome.result.displayUrl,
                  paused: outcome.paused,
                },
                "count source read failed",
              );
            if (outcome.type !== "written" && outcome.type !== "held") return;
            const settings = await getGuildSettings(db, source.guildId);
            await announceReading(channelActions(client, source.guildId, db, now), outcome, {
              settings,
              log,
              guildId: source.guildId,
            });
          })
          .catch((error: unknown) =>
            log.error(
              { err: error, guildId: source.guildId, campaignId: source.campaignId },
              "count source reading not recorded",
            ),
          ),
      );
    },
  };
}
