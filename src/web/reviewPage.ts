/**
 * `/g/:guildId/review`: submitted work waiting for review, decided several at once. Each
 * decision is `/task review`'s (race-safe, audited); one already decided in Discord is reported,
 * not decided twice. The task card, the campaign card and the rejection notice follow in Discord
 * through due jobs (src/domain/reviews.ts).
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import { listCampaigns } from "../domain/campaigns.ts";
import { UserError } from "../domain/errors.ts";
import { getGuildSettings } from "../domain/guildSettings.ts";
import { getCampaignIdByNumber } from "../domain/numbers.ts";
import {
  decideSubmissions,
  listSubmissions,
  reviewBatchLimit,
  type ReviewDecision,
} from "../domain/reviews.ts";
import { taskLimits } from "../domain/taskFields.ts";
import { requireOrganizer, type OrganizedServer } from "./access.ts";
import type { WebContext } from "./context.ts";
import { formatWhen } from "./format.ts";
import { html, type Html } from "./html.ts";
import {
  csrfField,
  formList,
  formText,
  idOr404,
  memberNames,
  notFoundFor,
  queryText,
  sendOrganizerPage,
} from "./organizer.ts";

/** A proof link as a link only when it is a web address; anything else is shown as text. */
function proofLink(link: string | null, t: FastifyRequest["reader"]["t"]): Html | string {
  if (!link) return t("web.review.noProof");
  try {
    const url = new URL(link);
    if (url.protocol === "https:" || url.protocol === "http:")
      return html`<a href="${url.toString()}" rel="noopener noreferrer nofollow" target="_blank"
        >${link}</a
      >`;
  } catch {
    // Not a URL: shown as the text it is.
  }
  return link;
}

export function registerReviewPages(app: FastifyInstance, context: WebContext): void {
  async function queue(request: FastifyRequest, server: OrganizedServer, notice: Html | null) {
    const { t, language, csrf } = request.reader;
    const campaignText = queryText(request, "campaign");
    const campaignId = /^\d{1,9}$/.test(campaignText)
      ? await getCampaignIdByNumber(context.db, server.guildId, Number(campaignText))
      : null;
    const settings = await getGuildSettings(context.db, server.guildId);
    const submissions = await listSubmissions(context.db, server.guildId, campaignId);
    const names = await memberNames(
      (userId) => context.discord.memberName(server.guildId, userId),
      submissions.map((claim) => claim.volunteerId),
    );
    const campaigns = await listCampaigns(context.db, server.guildId, "active", 100);
    const filter = html`<form method="get" action="/g/${server.guildId}/review" class="filters">
      <label for="review-campaign">${t("web.tasks.campaignFilter")}</label>
      <select id="review-campaign" name="campaign">
        <option value="">${t("web.tasks.allCampaigns")}</option>
        ${campaigns.map(
          (campaign) =>
            html`<option
              value="${campaign.number}"
              ${String(campaign.number) === campaignText && html`selected`}
            >
              #${campaign.number} ${campaign.title}
            </option>`,
        )}
      </select>
      <button type="submit">${t("web.tasks.apply")}</button>
    </form>`;
    const table =
      submissions.length === 0
        ? html`<p>${t("web.review.empty")}</p>`
        : html`<form method="post" action="/g/${server.guildId}/review">
            ${csrfField(csrf)}
            <table>
              <caption>
                ${t("web.review.caption", { max: reviewBatchLimit })}
              </caption>
              <thead>
                <tr>
                  <th scope="col">${t("web.review.pick")}</th>
                  <th scope="col">${t("web.tasks.task")}</th>
                  <th scope="col">${t("web.review.volunteer")}</th>
                  <th scope="col">${t("web.review.submitted")}</th>
                  <th scope="col">${t("web.review.proof")}</th>
                  <th scope="col">${t("web.review.note")}</th>
                </tr>
              </thead>
              <tbody>
                ${submissions.map(
                  (claim) =>
                    html`<tr>
                      <td>
                        <input
                          type="checkbox"
                          name="claim"
                          value="${claim.id}"
                          id="claim-${claim.id}"
                        />
                      </td>
                      <td>
                        <label for="claim-${claim.id}"
                          >#${claim.task.number} ${claim.task.title}</label
                        >
                        <br /><small
                          >#${claim.task.campaign.number} ${claim.task.campaign.title}</small
                        >
                      </td>
                      <td>
                        ${
                          claim.volunteerId
                            ? (names.get(claim.volunteerId) ?? claim.volunteerId)
                            : t("web.tasks.erasedMember")
                        }
                      </td>
                      <td>
                        ${
                          claim.submittedAt
                            ? formatWhen(claim.submittedAt, language, settings.timezone)
                            : "—"
                        }
                      </td>
                      <td>${proofLink(claim.proofLink, t)}</td>
                      <td>${claim.note ?? ""}</td>
                    </tr>`,
                )}
              </tbody>
            </table>
            <fieldset>
              <legend>${t("web.review.decision")}</legend>
              <label
                ><input type="radio" name="decision" value="approve" required />
                ${t("web.review.approve")}</label
              >
              <label
                ><input type="radio" name="decision" value="reject" />
                ${t("web.review.reject")}</label
              >
            </fieldset>
            <label for="reason">${t("web.review.reason")}</label>
            <textarea id="reason" name="reason" maxlength="${taskLimits.rejectReason}"></textarea>
            <button type="submit">${t("web.review.submit")}</button>
          </form>`;
    return { title: t("web.review.title"), body: html`${notice}${filter}${table}` };
  }

  app.get("/g/:guildId/review", async (request, reply) => {
    const { guildId } = request.params as { guildId: string };
    const server = await requireOrganizer(context, request, guildId);
    return sendOrganizerPage(request, reply, server, "review", await queue(request, server, null));
  });

  app.post("/g/:guildId/review", async (request, reply) => {
    const { guildId } = request.params as { guildId: string };
    const server = await requireOrganizer(context, request, guildId);
    const { t } = request.reader;
    // A made-up claim id (not a number, or another server's) is 404 before anything is decided.
    const claimIds = formList(request, "claim").map(idOr404);
    const decision = formText(request, "decision");
    const reason = formText(request, "reason");
    if (decision !== "approve" && decision !== "reject")
      throw new UserError("web.review.pickDecision");
    if (decision === "reject" && reason === "") throw new UserError("web.review.reasonNeeded");
    if (reason.length > taskLimits.rejectReason)
      throw new UserError("web.review.reasonTooLong", { max: taskLimits.rejectReason });
    const decisions: ReviewDecision[] = claimIds.map((claimId) =>
      decision === "approve" ? { claimId, approve: true } : { claimId, approve: false, reason },
    );
    const results = await notFoundFor(["task.reviewNotFound"], () =>
      decideSubmissions(context.db, server.guildId, server.userId, decisions, context.now()),
    );
    const outcome = (result: (typeof results)[number]) => {
      const title = result.claim ? `#${result.claim.task.number} ${result.claim.task.title}` : "";
      if (result.outcome === "approved") return t("web.review.approved", { title });
      if (result.outcome === "rejected") return t("web.review.rejected", { title });
      return t("web.review.alreadyReviewed", { title });
    };
    const notice = html`<div class="notice" role="status">
      <p>${t("web.review.done")}</p>
      <ul>
        ${results.map(
          (result) => html`<li data-outcome="${result.outcome}">${outcome(result)}</li>`,
        )}
      </ul>
    </div>`;
    return sendOrganizerPage(
      request,
      reply,
      server,
      "review",
      await queue(request, server, notice),
    );
  });
}
