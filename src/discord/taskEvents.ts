/**
 * A task's Discord scheduled event, kept in step with the task over REST: the sync that makes,
 * changes, cancels or deletes it to match what the domain plans (src/domain/taskEvents.ts). The
 * `task.event` job runs it (taskEventJobs.ts), and /task add and edit run it at once to tell the
 * organizer what came of it.
 */
import { createHash } from "node:crypto";
import {
  DiscordAPIError,
  GuildScheduledEventEntityType,
  GuildScheduledEventPrivacyLevel,
  GuildScheduledEventStatus,
  RESTJSONErrorCodes,
  Routes,
  messageLink,
  type Client,
} from "discord.js";
import { serverLanguage } from "../domain/guildSettings.ts";
import type { Store } from "../domain/store.ts";
import {
  eventPlan,
  recordEventProblem,
  recordEventRemoved,
  recordEventSynced,
  taskForEvent,
  type EventPlan,
  type EventProblem,
} from "../domain/taskEvents.ts";
import type { TaskWithCampaign } from "../domain/tasks.ts";
import { translator, type Translator } from "../i18n/index.ts";
import type { Logger } from "../log.ts";
import { eventLink } from "./render/taskCard.ts";

/** What a sync did, for the organizer's reply. */
export type EventOutcome =
  | { kind: "none" }
  | { kind: "created" | "updated" | "unchanged"; link: string }
  | { kind: "removed" }
  | { kind: "problem"; problem: EventProblem };

/** Discord's limits on an event's name (100) and location (100), in code points. */
function cut(text: string, max: number): string {
  const characters = [...text];
  return characters.length <= max ? text : `${characters.slice(0, max - 1).join("")}…`;
}

type SyncPlan = Extract<EventPlan, { action: "sync" }>;

/** The event's body: the task's title, its location (or "see the task"), times, its card. */
function eventBody(task: TaskWithCampaign, plan: SyncPlan, t: Translator) {
  const link = plan.card && messageLink(plan.card.channelId, plan.card.messageId, task.guildId);
  return {
    name: cut(plan.title, 100),
    description: link
      ? t("taskEvent.description", { number: task.number, link })
      : t("taskEvent.descriptionNoCard", { number: task.number }),
    entity_type: GuildScheduledEventEntityType.External,
    privacy_level: GuildScheduledEventPrivacyLevel.GuildOnly,
    entity_metadata: { location: cut(plan.location ?? t("taskEvent.seeTheTask"), 100) },
    // An event under way cannot move its start (Discord refuses a start in the past).
    ...(plan.startPassed ? {} : { scheduled_start_time: plan.start.toISOString() }),
    scheduled_end_time: plan.end.toISOString(),
  };
}

export const codeOf = (error: unknown) =>
  error instanceof DiscordAPIError ? error.code : undefined;

/** Removed already, or finished: nothing left to cancel or delete. */
const gone = (error: unknown) =>
  codeOf(error) === RESTJSONErrorCodes.UnknownGuildScheduledEvent ||
  codeOf(error) === RESTJSONErrorCodes.CannotUpdateAFinishedEvent;

export async function translatorOf(db: Store, guildId: string): Promise<Translator> {
  return translator(await serverLanguage(db, guildId));
}

/**
 * Makes the task's event match the task now. Discord's refusals an organizer can act on (no
 * Create Events permission, the 100-event limit) are recorded on the task and returned; other
 * failures are thrown (the job retries them).
 */
export async function syncTaskEvent(
  client: Client,
  db: Store,
  guildId: string,
  taskId: number,
  now: Date,
  log: Logger,
): Promise<EventOutcome> {
  const task = await taskForEvent(db, guildId, taskId);
  if (!task) return { kind: "none" };
  const plan = eventPlan(task, now);
  if (plan.action === "none") return { kind: "none" };
  if (plan.action === "remove") {
    const route = Routes.guildScheduledEvent(guildId, plan.eventId);
    try {
      if (plan.how === "cancel") {
        await client.rest.patch(route, { body: { status: GuildScheduledEventStatus.Canceled } });
      } else {
        await client.rest.delete(route);
      }
    } catch (error) {
      if (!gone(error)) throw error;
    }
    await recordEventRemoved(db, task.id, plan.eventId);
    return { kind: "removed" };
  }
  const body = eventBody(task, plan, await translatorOf(db, guildId));
  const hash = createHash("sha256").update(JSON.stringify(body)).digest("base64url");
  if (plan.eventId && hash === task.eventHash)
    return { kind: "unchanged", link: eventLink(guildId, plan.eventId) };
  try {
    let eventId = plan.eventId;
    let kind: "created" | "updated" = "updated";
    if (eventId) {
      try {
        await client.rest.patch(Routes.guildScheduledEvent(guildId, eventId), { body });
      } catch (error) {
        // Deleted by a moderator, or ended: made again, as the task still asks for one.
        if (!gone(error)) throw error;
        await recordEventRemoved(db, task.id, eventId);
        eventId = null;
      }
    }
    if (!eventId) {
      if (plan.startPassed) return { kind: "none" };
      const created = (await client.rest.post(Routes.guildScheduledEvents(guildId), {
        body,
      })) as { id: string };
      eventId = created.id;
      kind = "created";
    }
    if (!(await recordEventSynced(db, task, eventId, hash, now))) {
      // Another sync linked its own event first: this one would be a duplicate.
      await client.rest.delete(Routes.guildScheduledEvent(guildId, eventId)).catch(() => {});
      return { kind: "unchanged", link: eventLink(guildId, eventId) };
    }
    return { kind, link: eventLink(guildId, eventId) };
  } catch (error) {
    const problem: EventProblem | undefined =
      codeOf(error) === RESTJSONErrorCodes.MissingPermissions
        ? "missingPermissions"
        : codeOf(error) === RESTJSONErrorCodes.MaximumNumberOfUncompletedGuildScheduledEventsReached
          ? "limit"
          : undefined;
    if (!problem) throw error;
    log.info({ guildId, taskId, problem }, "task event not made");
    await recordEventProblem(db, task.id, problem);
    return { kind: "problem", problem };
  }
}

/** The sync from /task add and edit: a failure Discord may get over is "failed", not an error. */
export async function syncTaskEventNow(
  client: Client,
  db: Store,
  guildId: string,
  taskId: number,
  now: Date,
  log: Logger,
): Promise<EventOutcome> {
  try {
    return await syncTaskEvent(client, db, guildId, taskId, now, log);
  } catch (error) {
    // The job armed with the change retries it.
    log.warn({ err: error, guildId, taskId }, "task event not synced");
    await recordEventProblem(db, taskId, "failed").catch(() => {});
    return { kind: "problem", problem: "failed" };
  }
}

/** The line the organizer's reply ends with, in their language; none when nothing changed. */
export function eventOutcomeText(outcome: EventOutcome, t: Translator): string | null {
  switch (outcome.kind) {
    case "none":
    case "unchanged":
      return null;
    case "created":
      return t("taskEvent.created", { link: outcome.link });
    case "updated":
      return t("taskEvent.updated", { link: outcome.link });
    case "removed":
      return t("taskEvent.removed");
    case "problem":
      return t(`taskEvent.${outcome.problem}`);
  }
}
