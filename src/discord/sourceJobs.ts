import type { Client } from "discord.js";
import { announceReading } from "../../commands/campaign/heldReadings.ts";
import { postMilestoneJob } from "../../commands/campaign/milestonePost.ts";
import {
  milestoneJobKind,
  recordReading,
  sourcePollKind,
  startPoll,
  type SourceReads,
} from "../domain/countSources.ts";
import type { DueJob, DueJobHandler } from "../domain/dueJobs.ts";
import { getGuildSettings } from "../domain/guildSettings.ts";
import type { Store } from "../domain/store.ts";
import type { Logger } from "../log.ts";
import { channelActions } from "./channels.ts";

interface Dependencies {
  client: Client;
  db: Store;
  log: Logger;
  now: () => Date;
  sources: SourceReads;
}

/**
 * `source.poll`: schedules the next poll, then hands the read to the source pool and returns,
 * so the due-job worker is free at once; the reading is recorded when the read completes.
 */
export function sourceJobHandlers(dependencies: Dependencies): Record<string, DueJobHandler> {
  const { client, db, log, now, sources } = dependencies;
  return {
    // The milestone any change reached (a reading, the dashboard; a command's after a crash).
    async [milestoneJobKind](job: DueJob) {
      if (!client.guilds.cache.has(job.guildId)) return;
      await postMilestoneJob(
        { channels: channelActions(client, job.guildId, db, now), db, log, now },
        job,
      );
    },
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
