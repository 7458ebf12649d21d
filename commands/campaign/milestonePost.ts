/**
 * The goal ladder's milestone post: one `campaign.milestone` due job per milestone, armed in the
 * transaction of the change that reached it, whoever made that change. A command or button runs
 * the job at once (its answer says whether the post went out); the scheduler runs the same job
 * for the dashboard and the poller, and after a crash. The job's lease lets only one of them run it.
 */
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { getCampaign } from "../../src/domain/campaigns.ts";
import {
  milestoneJobKind,
  milestoneNonce,
  parseMilestoneSubject,
} from "../../src/domain/countSources.ts";
import { PermanentJobError, runDueJobNow, type DueJob } from "../../src/domain/dueJobs.ts";
import { getGuildSettings, settingsLanguage } from "../../src/domain/guildSettings.ts";
import { outboxAction } from "../../src/domain/outbox.ts";
import type { Store } from "../../src/domain/store.ts";
import type { Logger } from "../../src/log.ts";
import type { ChannelActions } from "../../src/discord/channels.ts";
import { classifyDiscordFailure } from "../../src/discord/discordFailure.ts";
import { milestoneMessage } from "./count.ts";

interface MilestoneDependencies {
  channels: ChannelActions;
  db: Store;
  log: Logger;
  now: () => Date;
}

/**
 * Posts the job's milestone in the campaign's channel. A retry (a crash, a timeout) carries the
 * same nonce, so it lands on the message a first try may have left while Discord remembers the
 * nonce; after that Rally cannot know, and posts nothing rather than twice.
 */
export async function postMilestoneJob(
  { channels, db, log, now }: MilestoneDependencies,
  job: DueJob,
): Promise<void> {
  const milestone = parseMilestoneSubject(job.subjectId);
  if (!milestone) return;
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
    await channels.post(
      campaign.channelId,
      milestoneMessage(
        campaign,
        milestone.reached,
        settingsLanguage(settings),
        settings.announceRoleId,
      ),
      { nonce: milestoneNonce(job.subjectId) },
    );
  } catch (error) {
    const failure = classifyDiscordFailure(error);
    // Retrying cannot help: the channel is gone or closed to Rally.
    if (["channelGone", "missingAccess", "missingPermissions"].includes(failure.reason))
      throw new PermanentJobError(failure.reason, { cause: error });
    throw error;
  }
}

const owner = `${hostname()}:${process.pid}:answer:${randomBytes(4).toString("hex")}`;

/**
 * Runs a milestone's job now, from the command or button whose change armed it. `posted`: the
 * post went out, or the scheduler is already posting it; otherwise what Discord answered (a
 * retryable failure is tried again by the scheduler, with the same nonce).
 */
export async function postMilestoneNow(
  dependencies: MilestoneDependencies,
  subjectId: string,
): Promise<{ posted: true } | { posted: false; error: unknown }> {
  const run = await runDueJobNow({
    db: dependencies.db,
    owner,
    kind: milestoneJobKind,
    subjectId,
    handler: (job) => postMilestoneJob(dependencies, job),
    now: dependencies.now,
    log: dependencies.log,
  });
  if (run.status !== "failed") return { posted: true };
  const error = run.error;
  return {
    posted: false,
    error: error instanceof PermanentJobError && error.cause !== undefined ? error.cause : error,
  };
}
