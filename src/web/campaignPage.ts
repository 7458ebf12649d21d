/**
 * `/g/:guildId/c/:number`: one campaign: its count history (a table, and the chart of the last
 * 30 days), forms to set the count, add a tally, close and reopen. Each form calls the domain
 * function `/campaign count`, `close` and `reopen` call, so the checks, the audit trail and the
 * card's update in Discord (a due job) are the same.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import {
  campaignLimits,
  closeCampaign,
  countHistory,
  getCampaign,
  reopenCampaign,
  type Campaign,
  type CountChange,
} from "../domain/campaigns.ts";
import { changeCountPostingMilestone, countSourcesOf } from "../domain/countSources.ts";
import { UserError } from "../domain/errors.ts";
import { getGuildSettings } from "../domain/guildSettings.ts";
import { getCampaignIdByNumber } from "../domain/numbers.ts";
import { renderChart } from "../render/chartPool.ts";
import { requireOrganizer, type OrganizedServer } from "./access.ts";
import { NotFound, type WebContext } from "./context.ts";
import { formatCount, formatWhen } from "./format.ts";
import { sourceText, statusText } from "./guildPage.ts";
import { html } from "./html.ts";
import { sendPage } from "./layout.ts";
import { organizerNav } from "./organizer.ts";

const day = 24 * 60 * 60 * 1000;
/** The table reaches back this far; the chart shows the last 30 days. */
const historyDays = 90;
const chartDays = 30;
const noteLength = 200;

interface CampaignParams {
  guildId: string;
  number: string;
}

/** The organizer's server and the campaign of its #number; 404 for anything else. */
async function campaignOf(
  context: WebContext,
  request: FastifyRequest,
): Promise<{ server: OrganizedServer; campaign: Campaign; path: string }> {
  const params = request.params as CampaignParams;
  const server = await requireOrganizer(context, request, params.guildId);
  if (!/^\d{1,9}$/.test(params.number)) throw new NotFound();
  const id = await getCampaignIdByNumber(context.db, server.guildId, Number(params.number));
  const campaign = await getCampaign(context.db, server.guildId, id);
  return { server, campaign, path: `/g/${server.guildId}/c/${campaign.number}` };
}

function formField(request: FastifyRequest, name: string): string {
  const value = (request.body as Record<string, unknown> | undefined)?.[name];
  return typeof value === "string" ? value.trim() : "";
}

function readNumber(text: string, min: number, max: number): number {
  if (!/^[-−]?\d{1,10}$/.test(text)) throw new UserError("web.campaign.badNumber");
  const value = Number(text.replace("−", "-"));
  if (value < min || value > max) throw new UserError("web.campaign.numberRange", { min, max });
  return value;
}

function readNote(request: FastifyRequest): string | null {
  const note = formField(request, "note");
  if (note.length > noteLength)
    throw new UserError("web.campaign.noteTooLong", { max: noteLength });
  return note === "" ? null : note;
}

export function registerCampaignPages(app: FastifyInstance, context: WebContext): void {
  const { db } = context;

  app.get("/g/:guildId/c/:number", async (request, reply) => {
    const { server, campaign, path } = await campaignOf(context, request);
    const { t, language, csrf } = request.reader;
    const now = context.now();
    const settings = await getGuildSettings(db, server.guildId);
    const history = await countHistory(
      db,
      server.guildId,
      campaign.id,
      new Date(now.getTime() - historyDays * day),
    );
    const source = (await countSourcesOf(db, [campaign.id])).get(campaign.id);
    const saved = (request.query as Record<string, unknown>)["saved"] === "1";
    const active = campaign.status === "active";
    const kindText = (kind: string) =>
      kind === "set"
        ? t("web.campaign.kindSet")
        : kind === "add"
          ? t("web.campaign.kindAdd")
          : t("web.campaign.kindReading");
    const hidden = html`<input type="hidden" name="_csrf" value="${csrf}" />`;
    const body = html` ${saved && html`<p class="notice" role="status">${t("web.campaign.saved")}</p>`}
      <p class="progress">
        ${t("web.campaign.progress", {
          count: formatCount(campaign.count, language),
          goal: formatCount(campaign.goal, language),
          unit: campaign.unit,
        })}
      </p>
      <progress max="${campaign.goal}" value="${Math.min(campaign.count, campaign.goal)}">
        ${formatCount(campaign.count, language)}
      </progress>
      <dl class="facts">
        <dt>${t("web.table.status")}</dt>
        <dd>${statusText(campaign, t)}</dd>
        <dt>${t("web.table.source")}</dt>
        <dd>${sourceText(source, t)}</dd>
      </dl>
      ${
        active
          ? html`<section aria-labelledby="count-heading">
                <h2 id="count-heading">${t("web.campaign.countHeading")}</h2>
                <div class="forms">
                  <form method="post" action="${path}/count">
                    ${hidden}
                    <input type="hidden" name="kind" value="set" />
                    <label for="set-value">${t("web.campaign.setLabel")}</label>
                    <input
                      id="set-value"
                      name="value"
                      inputmode="numeric"
                      pattern="[0-9]*"
                      required
                    />
                    <label for="set-note">${t("web.campaign.note")}</label>
                    <input id="set-note" name="note" maxlength="${noteLength}" />
                    <button type="submit">${t("web.campaign.setButton")}</button>
                  </form>
                  <form method="post" action="${path}/count">
                    ${hidden}
                    <input type="hidden" name="kind" value="add" />
                    <label for="add-value">${t("web.campaign.addLabel")}</label>
                    <input id="add-value" name="value" inputmode="numeric" required />
                    <label for="add-note">${t("web.campaign.note")}</label>
                    <input id="add-note" name="note" maxlength="${noteLength}" />
                    <button type="submit">${t("web.campaign.addButton")}</button>
                  </form>
                </div>
              </section>
              <section aria-labelledby="close-heading">
                <h2 id="close-heading">${t("web.campaign.closeHeading")}</h2>
                <form method="post" action="${path}/close">
                  ${hidden}
                  <fieldset>
                    <legend>${t("web.campaign.outcome")}</legend>
                    <label
                      ><input type="radio" name="outcome" value="won" required />
                      ${t("web.campaign.outcomeWon")}</label
                    >
                    <label
                      ><input type="radio" name="outcome" value="ended" />
                      ${t("web.campaign.outcomeEnded")}</label
                    >
                  </fieldset>
                  <button type="submit">${t("web.campaign.closeButton")}</button>
                </form>
              </section>`
          : html`<form method="post" action="${path}/reopen">
              ${hidden}
              <p>${t("web.campaign.closedNote")}</p>
              <button type="submit">${t("web.campaign.reopenButton")}</button>
            </form>`
      }
      <section aria-labelledby="history-heading">
        <h2 id="history-heading">${t("web.campaign.historyHeading")}</h2>
        <img
          class="chart"
          src="${path}/chart.png"
          width="800"
          height="400"
          alt="${t("web.campaign.chartAlt", { title: campaign.title, days: chartDays })}"
        />
        ${
          history.length === 0
            ? html`<p>${t("web.campaign.noHistory")}</p>`
            : html`<table>
                <caption>
                  ${t("web.campaign.historyCaption", { days: historyDays })}
                </caption>
                <thead>
                  <tr>
                    <th scope="col">${t("web.campaign.when")}</th>
                    <th scope="col">${t("web.campaign.change")}</th>
                    <th scope="col" class="number">${t("web.campaign.delta")}</th>
                    <th scope="col" class="number">${t("web.table.count")}</th>
                    <th scope="col">${t("web.campaign.note")}</th>
                  </tr>
                </thead>
                <tbody>
                  ${[...history].reverse().map(
                    (entry) =>
                      html`<tr>
                        <td>${formatWhen(entry.createdAt, language, settings.timezone)}</td>
                        <td>${kindText(entry.kind)}</td>
                        <td class="number">
                          ${entry.delta > 0 ? "+" : ""}${formatCount(entry.delta, language)}
                        </td>
                        <td class="number">${formatCount(entry.countAfter, language)}</td>
                        <td>${entry.note ?? ""}</td>
                      </tr>`,
                  )}
                </tbody>
              </table>`
        }
      </section>`;
    return sendPage(request, reply, {
      title: `#${campaign.number} ${campaign.title}`,
      crumbs: [
        { href: "/", label: t("web.home.title") },
        { href: `/g/${server.guildId}`, label: server.guildName },
      ],
      nav: organizerNav(request, server.guildId, "campaigns"),
      body,
    });
  });

  app.get("/g/:guildId/c/:number/chart.png", async (request, reply) => {
    const { server, campaign } = await campaignOf(context, request);
    const { t, language } = request.reader;
    const now = context.now();
    const windowStart = new Date(now.getTime() - chartDays * day);
    const settings = await getGuildSettings(db, server.guildId);
    const entries = await countHistory(db, server.guildId, campaign.id, windowStart);
    const first = entries[0];
    const startCount = first ? first.countAfter - first.delta : campaign.count;
    const image = await renderChart({
      title: campaign.title,
      unit: campaign.unit,
      goal: campaign.goal,
      points: [
        { at: windowStart, count: startCount },
        ...entries.map((entry) => ({ at: entry.createdAt, count: entry.countAfter })),
      ],
      windowStart,
      windowEnd: now,
      timeZone: settings.timezone,
      locale: language,
      labels: { goal: t("web.campaign.chartGoal", { goal: formatCount(campaign.goal, language) }) },
    });
    return reply
      .header("content-type", "image/png")
      .header("cache-control", "private, no-store")
      .send(image);
  });

  app.post("/g/:guildId/c/:number/count", async (request, reply) => {
    const { server, campaign, path } = await campaignOf(context, request);
    const kind = formField(request, "kind");
    const text = formField(request, "value");
    const limit = campaignLimits.count;
    const change: CountChange =
      kind === "set"
        ? { kind: "set", value: readNumber(text, 0, limit) }
        : kind === "add"
          ? { kind: "add", value: readNumber(text, -limit, limit) }
          : (() => {
              throw new UserError("web.campaign.badNumber");
            })();
    // The milestone a change reaches is posted by the bot's due job: this side has no gateway.
    await changeCountPostingMilestone(
      db,
      server.guildId,
      server.userId,
      campaign.id,
      change,
      readNote(request),
      context.now(),
    );
    return reply.redirect(`${path}?saved=1`, 303);
  });

  app.post("/g/:guildId/c/:number/close", async (request, reply) => {
    const { server, campaign, path } = await campaignOf(context, request);
    const outcome = formField(request, "outcome");
    if (outcome !== "won" && outcome !== "ended") throw new UserError("web.campaign.pickOutcome");
    await closeCampaign(db, server.guildId, server.userId, campaign.id, outcome, context.now());
    return reply.redirect(`${path}?saved=1`, 303);
  });

  app.post("/g/:guildId/c/:number/reopen", async (request, reply) => {
    const { server, campaign, path } = await campaignOf(context, request);
    await reopenCampaign(db, server.guildId, server.userId, campaign.id, context.now());
    return reply.redirect(`${path}?saved=1`, 303);
  });
}
