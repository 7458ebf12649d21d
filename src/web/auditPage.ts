/**
 * `/g/:guildId/audit`: the server's organizer actions, filtered by who, what and when, each
 * line as `/settings audit` writes it: the local date-time, the action, old → new.
 */
import type { FastifyInstance } from "fastify";
import { DateTime } from "luxon";
import { auditActionText, auditChangesText, type AuditShown } from "../domain/auditText.ts";
import { auditFilterChoices, auditPageSize, auditTrail } from "../domain/auditTrail.ts";
import { formatLocalDateTime } from "../domain/dates.ts";
import { getGuildSettings } from "../domain/guildSettings.ts";
import { requireOrganizer } from "./access.ts";
import type { WebContext } from "./context.ts";
import { formatCount } from "./format.ts";
import { html } from "./html.ts";
import { memberNames, queryText, sendOrganizerPage } from "./organizer.ts";

/** A date typed in the filter (YYYY-MM-DD), as the start of that day in the server's zone. */
function dayStart(text: string, zone: string): DateTime | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return null;
  const day = DateTime.fromISO(text, { zone });
  return day.isValid ? day.startOf("day") : null;
}

export function registerAuditPages(app: FastifyInstance, context: WebContext): void {
  app.get("/g/:guildId/audit", async (request, reply) => {
    const { guildId } = request.params as { guildId: string };
    const server = await requireOrganizer(context, request, guildId);
    const { t, language } = request.reader;
    const settings = await getGuildSettings(context.db, server.guildId);
    const zone = settings.timezone;
    const actorText = queryText(request, "actor");
    const actionText = queryText(request, "action");
    const fromText = queryText(request, "from");
    const toText = queryText(request, "to");
    const from = dayStart(fromText, zone);
    const to = dayStart(toText, zone);
    const choices = await auditFilterChoices(context.db, server.guildId);
    // Any id or action may be asked for: the answer only ever holds this server's entries.
    const actorId = /^\d{17,20}$/.test(actorText) ? actorText : null;
    const action = /^[a-zA-Z.]{1,60}$/.test(actionText) ? actionText : null;
    const entries = await auditTrail(context.db, server.guildId, {
      actorId,
      action,
      from: from?.toJSDate() ?? null,
      before: to?.plus({ days: 1 }).toJSDate() ?? null,
    });
    const names = await memberNames(
      (userId) => context.discord.memberName(server.guildId, userId),
      [...choices.actorIds, ...entries.map((entry) => entry.actorId)],
    );
    const roles = await context.discord.roleNames(server.guildId);
    // Plain text: the page's template escapes it; roles by name, channels by id (no gateway).
    const shown: AuditShown = {
      t,
      zone,
      role: (id) => `@${roles.get(id) ?? id}`,
      channel: (id) => t("web.schedules.channelId", { id }),
      number: (value) => formatCount(value, language),
      text: (value) => value,
    };
    const filters = html`<form method="get" action="/g/${server.guildId}/audit" class="filters">
      <label for="audit-actor">${t("web.audit.actor")}</label>
      <select id="audit-actor" name="actor">
        <option value="">${t("web.audit.anyone")}</option>
        ${choices.actorIds.map(
          (id) =>
            html`<option value="${id}" ${id === actorId && html`selected`}>
              ${names.get(id) ?? id}
            </option>`,
        )}
      </select>
      <label for="audit-action">${t("web.audit.action")}</label>
      <select id="audit-action" name="action">
        <option value="">${t("web.audit.anyAction")}</option>
        ${choices.actions.map(
          (name) =>
            html`<option value="${name}" ${name === action && html`selected`}>
              ${auditActionText(name, t)}
            </option>`,
        )}
      </select>
      <label for="audit-from">${t("web.audit.from")}</label>
      <input id="audit-from" type="date" name="from" value="${from ? fromText : ""}" />
      <label for="audit-to">${t("web.audit.to")}</label>
      <input id="audit-to" type="date" name="to" value="${to ? toText : ""}" />
      <button type="submit">${t("web.tasks.apply")}</button>
    </form>`;
    const list =
      entries.length === 0
        ? html`<p>${t("settings.auditEmpty")}</p>`
        : html`<ol class="audit">
            ${entries.map(
              (entry) =>
                html`<li>
                  ${t("settings.auditLine", {
                    when: formatLocalDateTime(entry.createdAt, zone),
                    actor: entry.actorId
                      ? (names.get(entry.actorId) ?? entry.actorId)
                      : t("settings.erasedMember"),
                    action: auditActionText(entry.action, t),
                    subject: entry.subject ? ` #${entry.subject}` : "",
                    changes: auditChangesText(entry.details, shown),
                  })}
                </li>`,
            )}
          </ol>`;
    return sendOrganizerPage(request, reply, server, "audit", {
      title: t("web.audit.title"),
      body: html`${filters}
        <p class="hint">
          ${t("settings.auditZone", { zone })} · ${t("web.audit.limit", { max: auditPageSize })}
        </p>
        ${list}`,
    });
  });
}
