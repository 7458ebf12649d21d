/**
 * What the share card shows of a campaign, in one language: the same arguments for
 * `/campaign card` and the public page's link preview (/c/:slug/card.png).
 */
import { languages, translate, type Language } from "../i18n/index.ts";

/** The unit every language's default names ("signatures", "подписей"): read in the reader's. */
export function isDefaultUnit(unit: string): boolean {
  return languages.some((language) => translate(language, "campaign.defaultUnit") === unit);
}

/** "332 of 500 signatures", the default unit in the reader's language, a custom one as typed. */
export function shareProgressText(
  campaign: { count: number; goal: number; unit: string },
  language: Language,
): string {
  return translate(language, "share.progress", {
    count: campaign.count,
    goal: campaign.goal,
    unit: isDefaultUnit(campaign.unit)
      ? translate(language, "campaign.defaultUnit")
      : campaign.unit,
  });
}

/** The share card's input (src/render/shareCard.ts's ShareCardInput) for this campaign. */
export function shareCardFor(
  campaign: {
    title: string;
    callToAction: string | null;
    count: number;
    goal: number;
    unit: string;
  },
  language: Language,
) {
  return {
    title: campaign.title,
    callToAction: campaign.callToAction,
    count: campaign.count,
    goal: campaign.goal,
    unit: campaign.unit,
    locale: language,
    labels: { progress: shareProgressText(campaign, language) },
  };
}
