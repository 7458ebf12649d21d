/** `/campaign list` and `/campaign show`: what anyone may read of the campaigns. */
import {
  getCampaign,
  listCampaigns,
  parseCampaignId,
  type CampaignStatusFilter,
} from "../../src/domain/campaigns.ts";
import { taskNumbers } from "../../src/domain/tasks.ts";
import type { HandlerResult, InteractionContext } from "../../src/discord/command.ts";
import { campaignCard, formatNumber, percentOf } from "../../src/discord/render/campaignCard.ts";
import { showText } from "../../src/discord/render/text.ts";
import { cardStatusLine } from "./liveCard.ts";
import { reply } from "./render.ts";
import { countSourcesOf, sourceHost } from "../../src/domain/countSources.ts";
import { discordTime } from "../../src/discord/render/taskCard.ts";
import { sourceHealthLine } from "./source.ts";

export async function list(
  input: { status?: CampaignStatusFilter | undefined },
  context: InteractionContext,
): Promise<HandlerResult> {
  const status = input.status ?? "active";
  const campaigns = await listCampaigns(context.db, context.guildId, status, 26);
  const { t, language } = context;
  if (campaigns.length === 0) return reply(context, [], t("campaign.listEmpty"));
  const lines = campaigns.slice(0, 25).map((campaign) =>
    t("campaign.listLine", {
      id: campaign.number,
      title: showText(campaign.title, 100),
      count: formatNumber(campaign.count, language),
      goal: formatNumber(campaign.goal, language),
      unit: showText(campaign.unit, 32),
      percent: percentOf(campaign.count, campaign.goal),
      status: t(`campaign.status.${campaign.status as "active" | "won" | "ended"}`),
    }),
  );
  if (campaigns.length > 25) lines.push(t("campaign.listMore", { count: campaigns.length - 25 }));
  return reply(context, [
    {
      title: t("campaign.listTitle", { filter: t(`commands.campaign.choices.${status}`) }),
      description: lines.join("\n"),
    },
  ]);
}

export async function show(
  input: { campaign: string },
  context: InteractionContext,
): Promise<HandlerResult> {
  const id = parseCampaignId(input.campaign);
  // Both reads at once: on PostgreSQL two connections at a time instead of two round trips.
  const [campaign, tasks, sources] = await Promise.all([
    getCampaign(context.db, context.guildId, id),
    taskNumbers(context.db, context.guildId, id),
    countSourcesOf(context.db, [id]),
  ]);
  const source = sources.get(id);
  const health = source ? sourceHealthLine(source, context.t) : null;
  // As on the live card: with a source, when it was last read successfully.
  const read = source?.lastReadAt
    ? context.t("campaign.sourceReadLine", {
        host: sourceHost(source),
        when: discordTime(source.lastReadAt, "R", context.t),
      })
    : null;
  return reply(
    context,
    [campaignCard(campaign, tasks, context.t, context.language)],
    [read, health, cardStatusLine(campaign, context.t)].filter(Boolean).join("\n"),
  );
}
