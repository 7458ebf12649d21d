/** `/g/:guildId`: a server's campaigns, with count, goal, status and live-count source. */
import type { FastifyInstance } from "fastify";
import { listCampaigns, type Campaign } from "../domain/campaigns.ts";
import { countSourcesOf, sourceHost, type CountSource } from "../domain/countSources.ts";
import type { Translator } from "../i18n/index.ts";
import { requireOrganizer } from "./access.ts";
import type { WebContext } from "./context.ts";
import { formatCount } from "./format.ts";
import { html } from "./html.ts";
import { sendPage } from "./layout.ts";
import { organizerNav } from "./organizer.ts";

/** More than a server runs at once; older closed ones are in /campaign export. */
const listedCampaigns = 100;

export function statusText(campaign: Pick<Campaign, "status">, t: Translator): string {
  if (campaign.status === "won") return t("web.status.won");
  if (campaign.status === "ended") return t("web.status.ended");
  return t("web.status.active");
}

export function sourceText(source: CountSource | undefined, t: Translator): string {
  if (!source) return "—";
  const host = sourceHost(source);
  if (source.heldCount !== null) return t("web.source.held", { host });
  if (source.status === "paused") return t("web.source.paused", { host });
  return t("web.source.active", { host, minutes: source.everyMinutes });
}

export function registerGuildPages(app: FastifyInstance, context: WebContext): void {
  app.get("/g/:guildId", async (request, reply) => {
    const { guildId } = request.params as { guildId: string };
    const server = await requireOrganizer(context, request, guildId);
    const { t, language } = request.reader;
    const campaigns = await listCampaigns(context.db, server.guildId, "all", listedCampaigns);
    const sources = await countSourcesOf(
      context.db,
      campaigns.map((campaign) => campaign.id),
    );
    const table = html`<table>
      <caption>
        ${t("web.guild.campaigns")}
      </caption>
      <thead>
        <tr>
          <th scope="col">#</th>
          <th scope="col">${t("web.table.title")}</th>
          <th scope="col" class="number">${t("web.table.count")}</th>
          <th scope="col" class="number">${t("web.table.goal")}</th>
          <th scope="col">${t("web.table.status")}</th>
          <th scope="col">${t("web.table.source")}</th>
        </tr>
      </thead>
      <tbody>
        ${campaigns.map(
          (campaign) =>
            html`<tr>
              <td>${campaign.number}</td>
              <td><a href="/g/${server.guildId}/c/${campaign.number}">${campaign.title}</a></td>
              <td class="number">${formatCount(campaign.count, language)}</td>
              <td class="number">${formatCount(campaign.goal, language)} ${campaign.unit}</td>
              <td>${statusText(campaign, t)}</td>
              <td>${sourceText(sources.get(campaign.id), t)}</td>
            </tr>`,
        )}
      </tbody>
    </table>`;
    return sendPage(request, reply, {
      title: server.guildName,
      crumbs: [{ href: "/", label: t("web.home.title") }],
      nav: organizerNav(request, server.guildId, "campaigns"),
      body: campaigns.length === 0 ? html`<p>${t("web.guild.none")}</p>` : table,
    });
  });
}
