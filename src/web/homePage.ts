/** `/`: the login for a visitor; for an organizer, the servers they organize where Rally is. */
import type { FastifyInstance } from "fastify";
import { isOrganizer } from "../domain/webAccess.ts";
import type { WebContext } from "./context.ts";
import { html } from "./html.ts";
import { sendPage } from "./layout.ts";

export function registerHomePage(app: FastifyInstance, context: WebContext): void {
  app.get("/", async (request, reply) => {
    const { session, t } = request.reader;
    if (!session) {
      return sendPage(request, reply, {
        title: t("web.login.title"),
        body: html`<p>${t("web.login.intro")}</p>
          <p><a class="button" href="/login">${t("web.login.button")}</a></p>`,
      });
    }
    // The login found these; each is checked again now (roles change, Rally may have left).
    const servers = await Promise.all(
      session.guildIds.map(async (guildId) => {
        const member = await context.discord.membership(guildId, session.userId);
        if (!member || !(await isOrganizer(context.db, guildId, member))) return null;
        return { guildId, name: member.guildName };
      }),
    );
    const shown = servers.filter((server) => server !== null);
    return sendPage(request, reply, {
      title: t("web.home.title"),
      body:
        shown.length === 0
          ? html`<p>${t("web.home.none")}</p>`
          : html`<p>${t("web.home.intro")}</p>
              <ul class="servers">
                ${shown.map(
                  (server) => html`<li><a href="/g/${server.guildId}">${server.name}</a></li>`,
                )}
              </ul>`,
    });
  });
}
