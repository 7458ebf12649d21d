/** Taking a campaign beyond Discord: the print-ready flyer and the share card image. */
import { ApplicationCommandOptionType } from "discord.js";
import type * as z from "zod";
import { getCampaign, parseCampaignId } from "../../src/domain/campaigns.ts";
import { shareCardFor } from "../../src/domain/shareCard.ts";
import { translator, type Language } from "../../src/i18n/index.ts";
import {
  idArgument,
  type ComponentHandler,
  type HandlerResult,
  type InteractionContext,
} from "../../src/discord/command.ts";
import { localizedChoice, localizedDescription } from "../../src/discord/commandData.ts";
import { option, options } from "../../src/discord/declaredOptions.ts";
import { showText } from "../../src/discord/render/text.ts";
import { campaignOption, languageOption } from "./options.ts";

export const flyerOptions = options(
  campaignOption,
  option({
    type: ApplicationCommandOptionType.String,
    name: "size",
    ...localizedDescription("commands.campaign.options.size"),
    choices: (["a4", "letter"] as const).map((value) =>
      localizedChoice(`commands.campaign.choices.${value}`, value),
    ),
  }),
  languageOption,
);
export const cardOptions = options(campaignOption, languageOption);

/** The print-ready flyer as a private reply, in the chosen language or the server's. */
export async function flyerReply(
  campaignId: string,
  size: "a4" | "letter",
  language: Language | undefined,
  context: InteractionContext,
): Promise<HandlerResult> {
  const campaign = await getCampaign(context.db, context.guildId, parseCampaignId(campaignId));
  const t = translator(language ?? context.serverLanguage);
  // pdfkit, the QR encoder and the canvas load on first use, not at start (memory, start time).
  const { renderFlyer } = await import("../../src/render/flyer.ts");
  const pdf = await renderFlyer({
    title: campaign.title,
    description: campaign.description,
    callToAction: campaign.callToAction,
    link: campaign.link,
    size,
    labels: { scan: t("share.scan"), tearOff: t("share.tearOff") },
  });
  return {
    type: "reply",
    ephemeral: true,
    message: {
      content: context.t("share.flyerReady", { title: showText(campaign.title, 100) }),
      files: [{ name: `flyer-${campaign.number}.pdf`, data: pdf }],
    },
  };
}

export async function shareCard(
  input: z.output<typeof cardOptions.schema>,
  context: InteractionContext,
): Promise<HandlerResult> {
  const campaign = await getCampaign(context.db, context.guildId, parseCampaignId(input.campaign));
  const language = input.language ?? context.serverLanguage;
  const { renderShareCard } = await import("../../src/render/shareCard.ts");
  const png = await renderShareCard(shareCardFor(campaign, language));
  return {
    type: "reply",
    ephemeral: true,
    message: {
      content: context.t("share.cardReady", { title: showText(campaign.title, 100) }),
      files: [{ name: `campaign-${campaign.number}.png`, data: png }],
    },
  };
}

/** "Get flyer" on campus and bulletin-board task cards: the flyer in the server's language. */
export const flyerButton: ComponentHandler = {
  access: "everyone",
  ephemeral: true,
  on: "shown",
  run: (args, context) => flyerReply(idArgument(args), "a4", undefined, context),
};
