/**
 * `/g/:guildId/schedules`: the server's summary schedules (next run in the server's zone, state,
 * posts that may not have gone out), turned off or resumed through `/summary off` and
 * `/summary resume`'s domain functions.
 */
import type { FastifyInstance } from "fastify";
import { listCampaigns } from "../domain/campaigns.ts";
import { UserError } from "../domain/errors.ts";
import { getGuildSettings } from "../domain/guildSettings.ts";
import { presetOf, weekdayNames, weekdaysOf } from "../domain/scheduleDays.ts";
import {
  listSchedules,
  resumeSchedule,
  ScheduleStoppedError,
  turnOff,
  knownStatusReason,
} from "../domain/summarySchedules.ts";
import type { Translator } from "../i18n/index.ts";
import { requireOrganizer } from "./access.ts";
import type { WebContext } from "./context.ts";
import { formatWhen } from "./format.ts";
import { html } from "./html.ts";
import { csrfField, formText, idOr404, notFoundFor, sendOrganizerPage } from "./organizer.ts";

function reasonText(reason: string | null, t: Translator): string {
  return t(`summary.reason.${knownStatusReason(reason)}`);
}

function daysText(stored: string, t: Translator, language: string): string {
  const preset = presetOf(stored);
  if (preset) return t(`summary.days.${preset}`);
  const names = weekdayNames(language);
  return t("summary.days.list", {
    days: (weekdaysOf(stored) ?? []).map((day) => names[day - 1] ?? "").join(", "),
  });
}

export function registerSchedulePages(app: FastifyInstance, context: WebContext): void {
  app.get("/g/:guildId/schedules", async (request, reply) => {
    const { guildId } = request.params as { guildId: string };
    const server = await requireOrganizer(context, request, guildId);
    const { t, language, csrf } = request.reader;
    const settings = await getGuildSettings(context.db, server.guildId);
    const schedules = await listSchedules(context.db, server.guildId);
    const campaigns = new Map(
      (await listCampaigns(context.db, server.guildId, "all", 100)).map((campaign) => [
        campaign.id,
        `#${campaign.number} ${campaign.title}`,
      ]),
    );
    const saved = (request.query as Record<string, unknown>)["saved"] === "1";
    const stateText = (entry: (typeof schedules)[number]) =>
      entry.status === "active"
        ? t("web.schedules.active")
        : entry.status === "paused"
          ? t("web.schedules.paused", { reason: reasonText(entry.statusReason, t) })
          : entry.status === "off"
            ? t("web.schedules.off")
            : t("web.schedules.stopped", { reason: reasonText(entry.statusReason, t) });
    const body =
      schedules.length === 0
        ? html`<p>${t("web.schedules.empty")}</p>`
        : html`<table>
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">${t("web.schedules.channel")}</th>
                <th scope="col">${t("web.schedules.when")}</th>
                <th scope="col">${t("web.table.title")}</th>
                <th scope="col">${t("web.table.status")}</th>
                <th scope="col">${t("web.schedules.next")}</th>
                <th scope="col">${t("web.schedules.action")}</th>
              </tr>
            </thead>
            <tbody>
              ${schedules.map(
                (entry) =>
                  html`<tr>
                    <td>${entry.id}</td>
                    <td>${t("web.schedules.channelId", { id: entry.channelId })}</td>
                    <td>${daysText(entry.days, t, language)} ${entry.time} (${entry.timeZone})</td>
                    <td>
                      ${
                        entry.campaignId === null
                          ? t("summary.allCampaigns")
                          : (campaigns.get(entry.campaignId) ?? "—")
                      }
                    </td>
                    <td>
                      ${stateText(entry)}
                      ${
                        entry.posts.length > 0 &&
                        html`<p class="warning">
                          ${t("web.schedules.uncertain", { count: entry.posts.length })}
                        </p>`
                      }
                    </td>
                    <td>
                      ${
                        entry.status === "active"
                          ? formatWhen(entry.nextRunAt, language, settings.timezone)
                          : "—"
                      }
                    </td>
                    <td>
                      ${
                        entry.status === "active" || entry.status === "paused"
                          ? html`<form method="post" action="/g/${server.guildId}/schedules/off">
                              ${csrfField(csrf)}
                              <input type="hidden" name="schedule" value="${entry.id}" />
                              <button type="submit">${t("web.schedules.turnOff")}</button>
                            </form>`
                          : ""
                      }
                      ${
                        entry.status === "paused" || entry.status === "off"
                          ? html`<form method="post" action="/g/${server.guildId}/schedules/resume">
                              ${csrfField(csrf)}
                              <input type="hidden" name="schedule" value="${entry.id}" />
                              <button type="submit">${t("web.schedules.resume")}</button>
                            </form>`
                          : ""
                      }
                    </td>
                  </tr>`,
              )}
            </tbody>
          </table>`;
    return sendOrganizerPage(request, reply, server, "schedules", {
      title: t("web.schedules.title"),
      body: html`${saved && html`<p class="notice" role="status">${t("web.schedules.saved")}</p>`}
        <p class="hint">${t("web.tasks.zone", { zone: settings.timezone })}</p>
        ${body}`,
    });
  });

  app.post("/g/:guildId/schedules/off", async (request, reply) => {
    const { guildId } = request.params as { guildId: string };
    const server = await requireOrganizer(context, request, guildId);
    const id = idOr404(formText(request, "schedule"));
    await notFoundFor(["summary.notFound"], () =>
      turnOff(context.db, server.guildId, server.userId, id),
    );
    return reply.redirect(`/g/${server.guildId}/schedules?saved=1`, 303);
  });

  app.post("/g/:guildId/schedules/resume", async (request, reply) => {
    const { guildId } = request.params as { guildId: string };
    const server = await requireOrganizer(context, request, guildId);
    const { t } = request.reader;
    const id = idOr404(formText(request, "schedule"));
    await notFoundFor(["summary.notFound"], () =>
      resumeSchedule(context.db, server.guildId, server.userId, id, context.now()),
    ).catch((error: unknown) => {
      if (!(error instanceof ScheduleStoppedError)) throw error;
      throw new UserError("summary.cannotResume", { id, reason: reasonText(error.reason, t) });
    });
    return reply.redirect(`/g/${server.guildId}/schedules?saved=1`, 303);
  });
}
