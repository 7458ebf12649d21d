import { PermissionFlagsBits, type Client } from "discord.js";
import { isCampaignActive } from "../domain/campaigns.ts";
import { getGuildSettings, settingsLanguage } from "../domain/guildSettings.ts";
import type { Store } from "../domain/store.ts";
import { buildSummary } from "../domain/summaries.ts";
import { catchUp, type ScheduleDays } from "../domain/summarySchedule.ts";
import {
  advanceSchedule,
  claimOutbox,
  findSchedule,
  markSent,
  setScheduleStatus,
  summaryJobKind,
  type DueJob,
  type StatusReason,
  type SummarySchedule,
} from "../domain/summarySchedules.ts";
import type { Logger } from "../log.ts";
import type { DueJobHandler } from "../domain/dueJobs.ts";
import type { OutgoingMessage } from "./command.ts";
import { classifyDiscordFailure } from "./discordFailure.ts";
import { toMessagePayload } from "./render/payload.ts";
import { summaryMessages } from "./render/summaryMessage.ts";

interface Dependencies {
  client: Client;
  db: Store;
  log: Logger;
  now: () => Date;
}

/** The summary of a server as messages, in the server's language and time zone. */
export async function renderSummary(
  db: Store,
  guildId: string,
  options: { campaignId: number | null; since: Date | null; late: boolean; now: Date },
): Promise<OutgoingMessage[]> {
  const settings = await getGuildSettings(db, guildId);
  const summary = await buildSummary(db, guildId, { ...options, timeZone: settings.timezone });
  if (summary.campaigns.length === 0) return [];
  return summaryMessages(summary, {
    language: settingsLanguage(settings),
    timeZone: settings.timezone,
    announceRoleId: settings.announceRoleId,
    late: options.late,
    now: options.now,
  });
}

/** Why Discord refused a post, as a schedule state: fixable (paused) or for good (stopped). */
function refusal(error: unknown): {
  status: "paused" | "stopped";
  reason: "missingAccess" | "missingPermissions" | "channelDeleted";
} | null {
  const failure = classifyDiscordFailure(error);
  if (failure.reason === "missingAccess" || failure.reason === "missingPermissions")
    return { status: "paused", reason: failure.reason };
  if (failure.reason === "channelGone") return { status: "stopped", reason: "channelDeleted" };
  // A 5xx or no answer: the job runner retries the slot later.
  return null;
}

/**
 * Posts one slot of a schedule exactly once: each message's outbox row is written before it is
 * sent, and the message carries a nonce derived from (schedule, slot, part) with enforce_nonce,
 * so a retry after a crash lands on the same message. Returns false when the schedule had to
 * pause or stop.
 */
async function postSlot(
  dependencies: Dependencies,
  schedule: SummarySchedule,
  slot: string,
  late: boolean,
): Promise<boolean> {
  const { client, db, log, now } = dependencies;
  const halt = async (stop: { status: "paused" | "stopped"; reason: StatusReason }) => {
    await setScheduleStatus(db, schedule, stop.status, stop.reason);
    log.warn(
      { scheduleId: schedule.id, guildId: schedule.guildId, reason: stop.reason },
      "summary schedule halted",
    );
    return false;
  };
  let channel;
  try {
    channel = await client.channels.fetch(schedule.channelId);
  } catch (error) {
    const stop = refusal(error);
    if (!stop) throw error;
    return halt(stop);
  }
  if (!channel || channel.isDMBased() || !channel.isSendable()) {
    return halt({ status: "stopped", reason: "channelDeleted" });
  }
  // Discord silently drops embeds without Embed Links: a summary without its numbers is no
  // summary, so a missing permission pauses the schedule as a refusal would.
  const permissions = channel.permissionsFor(client.user ?? "");
  if (!permissions?.has(PermissionFlagsBits.ViewChannel)) {
    return halt({ status: "paused", reason: "missingAccess" });
  }
  const needed = [
    PermissionFlagsBits.SendMessages,
    PermissionFlagsBits.EmbedLinks,
    PermissionFlagsBits.AttachFiles,
  ];
  if (!permissions.has(needed)) return halt({ status: "paused", reason: "missingPermissions" });

  const messages = await renderSummary(db, schedule.guildId, {
    campaignId: schedule.campaignId,
    since: schedule.lastPostedAt,
    late,
    now: now(),
  });
  for (const [part, message] of messages.entries()) {
    const outbox = await claimOutbox(db, schedule.id, slot, part, late, now());
    if (outbox.action === "skip") {
      if (outbox.post.status === "uncertain") {
        log.warn({ scheduleId: schedule.id, slot, part }, "summary post uncertain; not retried");
      }
      continue;
    }
    try {
      const sent = await channel.send({
        ...toMessagePayload(message),
        nonce: outbox.post.nonce,
        enforceNonce: true,
      });
      await markSent(db, outbox.post.id, sent.id, now());
    } catch (error) {
      const stop = refusal(error);
      if (!stop) throw error;
      return halt(stop);
    }
  }
  return true;
}

export function summaryJobHandlers(dependencies: Dependencies): Record<string, DueJobHandler> {
  const { client, db, now } = dependencies;
  return {
    async [summaryJobKind](job: DueJob) {
      const scheduleId = Number(job.subjectId.split("@")[0]);
      const schedule = await findSchedule(db, job.guildId, scheduleId);
      if (!schedule || schedule.status !== "active") return;
      if (!client.guilds.cache.has(schedule.guildId)) {
        await setScheduleStatus(db, schedule, "stopped", "botRemoved");
        return;
      }
      if (
        schedule.campaignId !== null &&
        !(await isCampaignActive(db, schedule.guildId, schedule.campaignId))
      ) {
        await setScheduleStatus(db, schedule, "stopped", "campaignClosed");
        return;
      }
      const local = {
        time: schedule.time,
        days: schedule.days as ScheduleDays,
        timeZone: schedule.timeZone,
      };
      // The schedule's own next run, not the job's dueAt: a retry moves dueAt past the slot.
      const plan = catchUp(local, schedule.nextRunAt, now());
      if (plan.post && !(await postSlot(dependencies, schedule, plan.post.slot, plan.post.late)))
        return;
      await advanceSchedule(
        db,
        schedule,
        plan.post ? { slot: plan.post.slot, at: now() } : null,
        plan.next,
      );
    },
  };
}
