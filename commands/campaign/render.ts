/** The campaign card and the reply around it, shared by the subcommands that answer with it. */
import type { APIEmbed } from "discord.js";
import type { Campaign } from "../../src/domain/campaigns.ts";
import { taskNumbers } from "../../src/domain/tasks.ts";
import { translator, type Language } from "../../src/i18n/index.ts";
import type { HandlerResult, InteractionContext } from "../../src/discord/command.ts";
import { campaignCard } from "../../src/discord/render/campaignCard.ts";

export async function card(
  campaign: Campaign,
  context: InteractionContext,
  language: Language = context.language,
): Promise<APIEmbed> {
  const tasks = await taskNumbers(context.db, context.guildId, campaign.id);
  return campaignCard(campaign, tasks, translator(language), language);
}

export function reply(
  context: InteractionContext,
  embeds: APIEmbed[],
  content?: string,
  ephemeral = true,
): HandlerResult {
  return { type: "reply", ephemeral, message: { ...(content ? { content } : {}), embeds } };
}
