/**
 * `/g/:guildId/import`: tasks from a CSV, pasted or uploaded. First a preview of every row and
 * its problems, nothing created; then "Create" imports the same file all or nothing, exactly as
 * `/task import` does (the same reader and import), and the import's message follows in Discord.
 */
import fastifyMultipart from "@fastify/multipart";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { listCampaigns } from "../domain/campaigns.ts";
import { UserError } from "../domain/errors.ts";
import { getGuildSettings } from "../domain/guildSettings.ts";
import { importTasksWithPost } from "../domain/importPost.ts";
import { getCampaignIdByNumber } from "../domain/numbers.ts";
import { taskLimits } from "../domain/taskFields.ts";
import { parseTaskCsv, previewTaskCsv, type ImportProblem } from "../domain/taskImport.ts";
import type { Translator } from "../i18n/index.ts";
import { requireOrganizer, type OrganizedServer } from "./access.ts";
import type { WebContext } from "./context.ts";
import { formatWhen } from "./format.ts";
import { html, type Html } from "./html.ts";
import { csrfField, formText, idOr404, sendOrganizerPage } from "./organizer.ts";

/** The file, as base64 in the confirm form: room for the largest file an import takes. */
const confirmBodyLimit = Math.ceil((taskLimits.importBytes * 4) / 3) + 64 * 1024;

function problemText(problem: ImportProblem, t: Translator): string {
  const text = t(problem.key, problem.params);
  return problem.line === 0
    ? t("task.importFileProblem", { problem: text })
    : t("task.importLine", { line: problem.line, problem: text });
}

/** The file a form carries: the uploaded one, else the pasted text. */
function submittedFile(request: FastifyRequest): Uint8Array {
  const body = request.body as Record<string, unknown> | undefined;
  const file = body?.["file"];
  if (Buffer.isBuffer(file) && file.byteLength > 0) return file;
  const pasted = body?.["csv"];
  return Buffer.from(typeof pasted === "string" ? pasted : "", "utf8");
}

export function registerImportPages(app: FastifyInstance, context: WebContext): void {
  async function campaignOf(server: OrganizedServer, text: string) {
    return getCampaignIdByNumber(context.db, server.guildId, idOr404(text));
  }

  async function form(request: FastifyRequest, server: OrganizedServer, chosen: number | null) {
    const { t, csrf } = request.reader;
    const campaigns = await listCampaigns(context.db, server.guildId, "active", 100);
    if (campaigns.length === 0) return html`<p>${t("web.import.noCampaign")}</p>`;
    return html`<form
      method="post"
      action="/g/${server.guildId}/import"
      enctype="multipart/form-data"
    >
      ${csrfField(csrf)}
      <p>${t("web.import.intro", { max: taskLimits.importRows })}</p>
      <p><code>title,kind,location,slots,due,instructions,repeat,repeat_until</code></p>
      <label for="import-campaign">${t("web.import.campaign")}</label>
      <select id="import-campaign" name="campaign" required>
        ${campaigns.map(
          (campaign) =>
            html`<option value="${campaign.number}" ${campaign.number === chosen && html`selected`}>
              #${campaign.number} ${campaign.title}
            </option>`,
        )}
      </select>
      <label for="import-csv">${t("web.import.paste")}</label>
      <textarea id="import-csv" name="csv" rows="10"></textarea>
      <label for="import-file">${t("web.import.upload")}</label>
      <input id="import-file" type="file" name="file" accept=".csv,text/csv" />
      <button type="submit">${t("web.import.previewButton")}</button>
    </form>`;
  }

  app.get("/g/:guildId/import", async (request, reply) => {
    const { guildId } = request.params as { guildId: string };
    const server = await requireOrganizer(context, request, guildId);
    const { t } = request.reader;
    return sendOrganizerPage(request, reply, server, "import", {
      title: t("web.import.title"),
      body: await form(request, server, null),
    });
  });

  // The preview takes a file upload: multipart, for this route only.
  app.register(async (child) => {
    await child.register(fastifyMultipart, {
      attachFieldsToBody: "keyValues",
      limits: {
        files: 1,
        fields: 5,
        fileSize: taskLimits.importBytes * 2,
        fieldSize: taskLimits.importBytes * 2,
      },
    });
    child.post("/g/:guildId/import", async (request, reply) => {
      const { guildId } = request.params as { guildId: string };
      const server = await requireOrganizer(context, request, guildId);
      const { t, language, csrf } = request.reader;
      const number = formText(request, "campaign");
      // Another server's (or no) campaign: 404 before the file is read.
      await campaignOf(server, number);
      const settings = await getGuildSettings(context.db, server.guildId);
      const file = submittedFile(request);
      const preview = previewTaskCsv(file, settings.timezone, context.now());
      let body: Html;
      if (!preview.ok) {
        body = html`<div role="alert" class="problems">
          <p>${t("task.importProblems", { count: preview.problems.length })}</p>
          <ul>
            ${preview.problems.map((problem) => html`<li>${problemText(problem, t)}</li>`)}
          </ul>
        </div>`;
      } else {
        const problems = preview.rows.flatMap((row) => row.problems);
        const table = html`<table>
          <caption>
            ${t("web.import.previewCaption", { count: preview.rows.length })}
          </caption>
          <thead>
            <tr>
              <th scope="col">${t("web.import.line")}</th>
              <th scope="col">${t("web.tasks.task")}</th>
              <th scope="col">${t("web.import.kind")}</th>
              <th scope="col">${t("web.import.location")}</th>
              <th scope="col" class="number">${t("web.tasks.slots")}</th>
              <th scope="col">${t("web.tasks.due")}</th>
              <th scope="col">${t("web.import.problems")}</th>
            </tr>
          </thead>
          <tbody>
            ${preview.rows.map(
              (row) =>
                html`<tr class="${row.problems.length > 0 ? "bad" : "good"}">
                  <td>${row.line}</td>
                  <td>${row.task?.title ?? ""}</td>
                  <td>${row.task ? t(`commands.task.kinds.${row.task.kind}`) : ""}</td>
                  <td>${row.task?.location ?? ""}</td>
                  <td class="number">${row.task?.slots ?? ""}</td>
                  <td>
                    ${
                      row.task?.dueAt ? formatWhen(row.task.dueAt, language, settings.timezone) : ""
                    }
                  </td>
                  <td>
                    ${
                      row.problems.length === 0
                        ? t("web.import.rowOk")
                        : html`<ul>
                            ${row.problems.map(
                              (problem) => html`<li>${problemText(problem, t)}</li>`,
                            )}
                          </ul>`
                    }
                  </td>
                </tr>`,
            )}
          </tbody>
        </table>`;
        body =
          problems.length > 0
            ? html`<div role="alert" class="problems">
                  <p>${t("task.importProblems", { count: problems.length })}</p>
                  <p>${t("web.import.nothingCreated")}</p>
                  <ul>
                    ${problems.map((problem) => html`<li>${problemText(problem, t)}</li>`)}
                  </ul>
                </div>
                ${table}`
            : html`${table}
                <form method="post" action="/g/${server.guildId}/import/confirm">
                  ${csrfField(csrf)}
                  <input type="hidden" name="campaign" value="${number}" />
                  <input
                    type="hidden"
                    name="file"
                    value="${Buffer.from(file).toString("base64")}"
                  />
                  <button type="submit">
                    ${t("web.import.confirmButton", { count: preview.rows.length })}
                  </button>
                </form>`;
      }
      return sendOrganizerPage(request, reply, server, "import", {
        title: t("web.import.previewTitle"),
        body: html`${body}
          <h2>${t("web.import.again")}</h2>
          ${await form(request, server, Number(number))}`,
      });
    });
  });

  app.post(
    "/g/:guildId/import/confirm",
    { bodyLimit: confirmBodyLimit },
    async (request, reply) => {
      const { guildId } = request.params as { guildId: string };
      const server = await requireOrganizer(context, request, guildId);
      const { t } = request.reader;
      const campaignId = await campaignOf(server, formText(request, "campaign"));
      const encoded = formText(request, "file");
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(encoded)) throw new UserError("web.import.reupload");
      const settings = await getGuildSettings(context.db, server.guildId);
      // Read again: the preview's verdict is never trusted, and the clock has moved on.
      const parsed = parseTaskCsv(Buffer.from(encoded, "base64"), settings.timezone, context.now());
      if (!parsed.ok) {
        return sendOrganizerPage(
          request,
          reply,
          server,
          "import",
          {
            title: t("web.import.previewTitle"),
            body: html`<div role="alert" class="problems">
              <p>${t("task.importProblems", { count: parsed.problems.length })}</p>
              <p>${t("web.import.nothingCreated")}</p>
              <ul>
                ${parsed.problems.map((problem) => html`<li>${problemText(problem, t)}</li>`)}
              </ul>
            </div>`,
          },
          400,
        );
      }
      const result = await importTasksWithPost(
        context.db,
        server.guildId,
        server.userId,
        campaignId,
        parsed.tasks,
        context.now(),
      );
      return sendOrganizerPage(request, reply, server, "import", {
        title: t("web.import.title"),
        body: html`<p class="notice" role="status">
            ${t("web.import.created", { count: result.created })}
          </p>
          <p><a href="/g/${server.guildId}/tasks">${t("web.nav.tasks")}</a></p>`,
      });
    },
  );
}
