/**
 * The jobs of a task's Discord scheduled event: `task.event` runs the sync (taskEvents.ts) after
 * every change of the task, so a restart loses nothing; `task.eventCount` reads how many members
 * are interested (Rally keeps the Guilds intent only, so it asks: GET with_user_count) and edits
 * the task's card when the number changes.
 */
import { RESTJSONErrorCodes, Routes, type Client } from "discord.js";
import { PermanentJobError, type DueJobHandler } from "../domain/dueJobs.ts";
import type { Store } from "../domain/store.ts";
import {
  nextCountRead,
  recordEventInterested,
  recordEventRemoved,
  taskEventCountJobKind,
  taskEventJobKind,
  taskForEvent,
} from "../domain/taskEvents.ts";
import type { Logger } from "../log.ts";
import { channelActions } from "./channels.ts";
import { taskCard } from "./render/taskCard.ts";
import { codeOf, syncTaskEvent, translatorOf } from "./taskEvents.ts";

interface Dependencies {
  client: Client;
  db: Store;
  log: Logger;
  now: () => Date;
}

export function taskEventJobHandlers({
  client,
  db,
  log,
  now,
}: Dependencies): Record<string, DueJobHandler> {
  /** Edits the task's card to what is true now; a card gone or out of reach is only logged. */
  const refreshTaskCard = async (guildId: string, taskId: number, jobId: number) => {
    const shown = await taskForEvent(db, guildId, taskId);
    if (!shown?.cardChannelId || !shown.cardMessageId) return;
    await channelActions(client, guildId, db, now)
      .edit(
        shown.cardChannelId,
        shown.cardMessageId,
        taskCard(shown, await translatorOf(db, guildId)),
      )
      .catch((error: unknown) => log.warn({ err: error, jobId }, "task card not updated"));
  };
  return {
    async [taskEventJobKind](job) {
      // A server that removed Rally: nothing can be made there.
      if (!client.guilds.cache.has(job.guildId)) return;
      const at = now();
      const task = await taskForEvent(db, job.guildId, Number(job.subjectId));
      // A card not posted yet (a new occurrence's, retried): a little while, so the event links it.
      if (task?.status === "open" && !task.cardMessageId && job.attempts < 4)
        return { deferUntil: new Date(at.getTime() + 30_000) };
      const outcome = await syncTaskEvent(client, db, job.guildId, Number(job.subjectId), at, log);
      // The card links the event it has (none once removed).
      if (outcome.kind !== "none" && outcome.kind !== "unchanged")
        await refreshTaskCard(job.guildId, Number(job.subjectId), job.id);
      // Fixed only by organizers (a permission, fewer events): their next edit tries again.
      if (outcome.kind === "problem") throw new PermanentJobError(outcome.problem);
    },
    async [taskEventCountJobKind](job) {
      if (!client.guilds.cache.has(job.guildId)) return;
      const at = now();
      const task = await taskForEvent(db, job.guildId, Number(job.subjectId));
      if (!task?.eventId) return;
      let read: { user_count?: number };
      try {
        read = (await client.rest.get(Routes.guildScheduledEvent(job.guildId, task.eventId), {
          query: new URLSearchParams({ with_user_count: "true" }),
        })) as { user_count?: number };
      } catch (error) {
        if (codeOf(error) !== RESTJSONErrorCodes.UnknownGuildScheduledEvent) throw error;
        // Deleted in Discord: the card stops linking it.
        await recordEventRemoved(db, task.id, task.eventId);
        await refreshTaskCard(job.guildId, task.id, job.id);
        return;
      }
      const count = read.user_count ?? 0;
      if (await recordEventInterested(db, task.id, task.eventId, count))
        await refreshTaskCard(job.guildId, task.id, job.id);
      const next = nextCountRead(task, at);
      return next ? { deferUntil: next } : undefined;
    },
  };
}
