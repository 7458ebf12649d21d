/**
 * `/g/:guildId/tasks`: a server's tasks as a board by status (open, claimed, submitted, overdue,
 * done), filtered by campaign and status. The lists are `/task list`'s (the same domain query);
 * who holds a claim is shown, as `/task list` shows it to organizers, by the name Discord gives.
 */
import type { FastifyInstance } from "fastify";
import { listCampaigns } from "../domain/campaigns.ts";
import { getCampaignIdByNumber } from "../domain/numbers.ts";
import { getGuildSettings } from "../domain/guildSettings.ts";
import { listTasks, type ListedTask, type TaskFilter } from "../domain/tasks.ts";
import { requireOrganizer } from "./access.ts";
import type { WebContext } from "./context.ts";
import { formatWhen } from "./format.ts";
import { html } from "./html.ts";
import { memberNames, queryText, sendOrganizerPage } from "./organizer.ts";

/** The board's columns, each one of `/task list`'s lists. */
const columns = [
  { status: "open", filter: "open" },
  { status: "claimed", filter: "claimed" },
  { status: "submitted", filter: "review" },
  { status: "overdue", filter: "overdue" },
  { status: "done", filter: "done" },
] as const satisfies readonly { status: string; filter: TaskFilter }[];
type BoardStatus = (typeof columns)[number]["status"];

export function registerTaskBoardPages(app: FastifyInstance, context: WebContext): void {
  app.get("/g/:guildId/tasks", async (request, reply) => {
    const { guildId } = request.params as { guildId: string };
    const server = await requireOrganizer(context, request, guildId);
    const { t, language } = request.reader;
    const campaignText = queryText(request, "campaign");
    const statusText = queryText(request, "status");
    const pageText = queryText(request, "page");
    const campaignNumber = /^\d{1,9}$/.test(campaignText) ? Number(campaignText) : null;
    // Another server's (or no) campaign #: 404, as the slash commands refuse it.
    const campaignId =
      campaignNumber === null
        ? null
        : await getCampaignIdByNumber(context.db, server.guildId, campaignNumber);
    const chosen = columns.find((column) => column.status === statusText) ?? null;
    const page = /^\d{1,4}$/.test(pageText) ? Number(pageText) : 0;
    const now = context.now();
    const settings = await getGuildSettings(context.db, server.guildId);
    const campaigns = await listCampaigns(context.db, server.guildId, "all", 100);
    const shown = chosen ? [chosen] : columns;
    const lists = await Promise.all(
      shown.map(async (column) => ({
        column,
        result: await listTasks(context.db, server.guildId, {
          campaignId,
          filter: column.filter,
          userId: server.userId,
          now,
          page: chosen ? page : 0,
        }),
      })),
    );
    const names = await memberNames(
      (userId) => context.discord.memberName(server.guildId, userId),
      lists.flatMap(({ result }) =>
        result.tasks.flatMap((task) => task.claims.map((claim) => claim.volunteerId)),
      ),
    );
    const statusName = (status: BoardStatus) => t(`web.tasks.status.${status}`);
    const link = (params: { status?: string; page?: number }) => {
      const query = new URLSearchParams();
      if (campaignNumber !== null) query.set("campaign", String(campaignNumber));
      if (params.status) query.set("status", params.status);
      if (params.page) query.set("page", String(params.page));
      const text = query.toString();
      return `/g/${server.guildId}/tasks${text ? `?${text}` : ""}`;
    };
    const holders = (task: ListedTask) =>
      task.claims.length === 0
        ? "—"
        : task.claims
            .map((claim) =>
              claim.volunteerId
                ? `${names.get(claim.volunteerId) ?? claim.volunteerId}${
                    claim.status === "submitted" ? ` (${t("web.tasks.submittedMark")})` : ""
                  }`
                : t("web.tasks.erasedMember"),
            )
            .join(", ");
    const filters = html`<form method="get" action="/g/${server.guildId}/tasks" class="filters">
      <label for="filter-campaign">${t("web.tasks.campaignFilter")}</label>
      <select id="filter-campaign" name="campaign">
        <option value="">${t("web.tasks.allCampaigns")}</option>
        ${campaigns.map(
          (campaign) =>
            html`<option
              value="${campaign.number}"
              ${campaign.number === campaignNumber && html`selected`}
            >
              #${campaign.number} ${campaign.title}
            </option>`,
        )}
      </select>
      <label for="filter-status">${t("web.tasks.statusFilter")}</label>
      <select id="filter-status" name="status">
        <option value="">${t("web.tasks.allStatuses")}</option>
        ${columns.map(
          (column) =>
            html`<option value="${column.status}" ${column === chosen && html`selected`}>
              ${statusName(column.status)}
            </option>`,
        )}
      </select>
      <button type="submit">${t("web.tasks.apply")}</button>
    </form>`;
    const board = lists.map(
      ({ column, result }) =>
        html`<section class="board-column" aria-labelledby="column-${column.status}">
          <h2 id="column-${column.status}">
            ${statusName(column.status)} <span class="count">(${result.total})</span>
          </h2>
          ${
            result.tasks.length === 0
              ? html`<p>${t("web.tasks.empty")}</p>`
              : html`<table>
                  <thead>
                    <tr>
                      <th scope="col">#</th>
                      <th scope="col">${t("web.tasks.task")}</th>
                      <th scope="col">${t("web.table.title")}</th>
                      <th scope="col" class="number">${t("web.tasks.slots")}</th>
                      <th scope="col">${t("web.tasks.due")}</th>
                      <th scope="col">${t("web.tasks.holders")}</th>
                    </tr>
                  </thead>
                  <tbody>
                    ${result.tasks.map(
                      (task) =>
                        html`<tr data-status="${column.status}">
                          <td>${task.number}</td>
                          <td>${task.title}</td>
                          <td>#${task.campaign.number} ${task.campaign.title}</td>
                          <td class="number">${task.claimedSlots}/${task.slots}</td>
                          <td>
                            ${task.dueAt ? formatWhen(task.dueAt, language, settings.timezone) : "—"}
                          </td>
                          <td>${holders(task)}</td>
                        </tr>`,
                    )}
                  </tbody>
                </table>`
          }
          ${
            chosen
              ? result.pages > 1 &&
                html`<p class="pages">
                  ${result.page > 0 && html`<a href="${link({ status: column.status, page: result.page - 1 })}">${t("web.tasks.previous")}</a>`}
                  ${t("web.tasks.page", { page: result.page + 1, pages: result.pages })}
                  ${result.page < result.pages - 1 && html`<a href="${link({ status: column.status, page: result.page + 1 })}">${t("web.tasks.next")}</a>`}
                </p>`
              : result.total > result.tasks.length &&
                html`<p>
                  <a href="${link({ status: column.status })}"
                    >${t("web.tasks.all", { count: result.total })}</a
                  >
                </p>`
          }
        </section>`,
    );
    return sendOrganizerPage(request, reply, server, "tasks", {
      title: t("web.tasks.title"),
      body: html`${filters}
        <p class="hint">${t("web.tasks.zone", { zone: settings.timezone })}</p>
        <div class="board">${board}</div>`,
    });
  });
}
