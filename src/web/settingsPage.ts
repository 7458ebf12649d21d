/**
 * `/g/:guildId/settings`: the server's settings, changed through `/settings`'s domain function
 * (the same checks and audit entry). The review channel is shown only: whether a channel is
 * hidden from @everyone is known from the gateway, which the web process may not have.
 */
import type { FastifyInstance } from "fastify";
import { canonicalTimeZone } from "../domain/dates.ts";
import { UserError } from "../domain/errors.ts";
import { changeSetting, getGuildSettings } from "../domain/guildSettings.ts";
import { languages } from "../i18n/index.ts";
import { requireOrganizer } from "./access.ts";
import type { WebContext } from "./context.ts";
import { NotFound } from "./context.ts";
import { html, type Html } from "./html.ts";
import { csrfField, formText, sendOrganizerPage } from "./organizer.ts";

function days(text: string, max: number): number {
  if (!/^\d{1,4}$/.test(text))
    throw new UserError("validation.integerMax", { option: "days", max });
  return Number(text);
}

export function registerSettingsPages(app: FastifyInstance, context: WebContext): void {
  app.get("/g/:guildId/settings", async (request, reply) => {
    const { guildId } = request.params as { guildId: string };
    const server = await requireOrganizer(context, request, guildId);
    const { t, csrf } = request.reader;
    const settings = await getGuildSettings(context.db, server.guildId);
    const roles = [...(await context.discord.roleNames(server.guildId))].filter(
      ([id]) => id !== server.guildId,
    );
    const saved = (request.query as Record<string, unknown>)["saved"] === "1";
    const setting = (name: string, label: string, control: Html) =>
      html`<form method="post" action="/g/${server.guildId}/settings" class="setting">
        ${csrfField(csrf)}
        <input type="hidden" name="setting" value="${name}" />
        <label for="setting-${name}">${label}</label>
        ${control}
        <button type="submit">${t("web.settings.save")}</button>
      </form>`;
    const roleSelect = (name: string, current: string | null) =>
      html`<select id="setting-${name}" name="value">
        <option value="">${t("settings.none")}</option>
        ${roles.map(
          ([id, roleName]) =>
            html`<option value="${id}" ${id === current && html`selected`}>@${roleName}</option>`,
        )}
        ${
          current !== null &&
          !roles.some(([id]) => id === current) &&
          html`<option value="${current}" selected>${current}</option>`
        }
      </select>`;
    const body = html`${saved && html`<p class="notice" role="status">${t("web.settings.saved")}</p>`}
      ${setting(
        "timezone",
        t("settings.timezone"),
        html`<input id="setting-timezone" name="value" value="${settings.timezone}" required />`,
      )}
      ${setting(
        "language",
        t("settings.language"),
        html`<select id="setting-language" name="value">
          ${languages.map(
            (language) =>
              html`<option value="${language}" ${language === settings.language && html`selected`}>
                ${t(`commands.settings.languages.${language}`)}
              </option>`,
          )}
        </select>`,
      )}
      ${setting("organizerRole", t("settings.organizerRole"), roleSelect("organizerRole", settings.organizerRoleId))}
      ${setting("announceRole", t("settings.announceRole"), roleSelect("announceRole", settings.announceRoleId))}
      ${setting(
        "claimExpiry",
        t("settings.claimExpiry"),
        html`<input
          id="setting-claimExpiry"
          name="value"
          inputmode="numeric"
          value="${settings.claimExpiryDays}"
          required
        />`,
      )}
      ${setting(
        "reviewRequired",
        t("settings.reviewRequired"),
        html`<select id="setting-reviewRequired" name="value">
          <option value="yes" ${settings.reviewRequired && html`selected`}>
            ${t("settings.yes")}
          </option>
          <option value="no" ${!settings.reviewRequired && html`selected`}>
            ${t("settings.no")}
          </option>
        </select>`,
      )}
      ${setting(
        "retention",
        t("settings.retention"),
        html`<input
          id="setting-retention"
          name="value"
          inputmode="numeric"
          value="${settings.retentionDays}"
          required
        />`,
      )}
      <dl class="facts">
        <dt>${t("settings.reviewChannel")}</dt>
        <dd>
          ${
            settings.reviewChannelId
              ? t("web.schedules.channelId", { id: settings.reviewChannelId })
              : t("settings.none")
          }
          <br /><small>${t("web.settings.reviewChannelInDiscord")}</small>
        </dd>
      </dl>`;
    return sendOrganizerPage(request, reply, server, "settings", {
      title: t("web.settings.title"),
      body,
    });
  });

  app.post("/g/:guildId/settings", async (request, reply) => {
    const { guildId } = request.params as { guildId: string };
    const server = await requireOrganizer(context, request, guildId);
    const value = formText(request, "value");
    const role = async () => {
      if (value === "") return null;
      if (value === server.guildId) throw new UserError("settings.everyoneRole");
      // Another server's role (or a made-up id) is not found here.
      if (!(await context.discord.roleNames(server.guildId)).has(value)) throw new NotFound();
      return value;
    };
    const actor = server.userId;
    const db = context.db;
    switch (formText(request, "setting")) {
      case "timezone": {
        const zone = canonicalTimeZone(value);
        if (!zone) throw new UserError("settings.unknownTimezone", { zone: value });
        await changeSetting(db, server.guildId, actor, { setting: "timezone", zone });
        break;
      }
      case "language":
        await changeSetting(db, server.guildId, actor, { setting: "language", language: value });
        break;
      case "organizerRole":
        await changeSetting(db, server.guildId, actor, {
          setting: "organizerRole",
          roleId: await role(),
        });
        break;
      case "announceRole":
        await changeSetting(db, server.guildId, actor, {
          setting: "announceRole",
          roleId: await role(),
        });
        break;
      case "claimExpiry":
        await changeSetting(db, server.guildId, actor, {
          setting: "claimExpiry",
          days: days(value, 30),
        });
        break;
      case "reviewRequired":
        if (value !== "yes" && value !== "no")
          throw new UserError("validation.invalid", { option: "review" });
        await changeSetting(db, server.guildId, actor, {
          setting: "reviewRequired",
          enabled: value === "yes",
        });
        break;
      case "retention":
        await changeSetting(db, server.guildId, actor, {
          setting: "retention",
          days: days(value, 3650),
        });
        break;
      default:
        throw new UserError("web.badRequest");
    }
    return reply.redirect(`/g/${server.guildId}/settings?saved=1`, 303);
  });
}
