/**
 * A campaign's public progress page (PUBLIC_URL/c/<slug>): off by default, turned on by an
 * organizer. It shows the campaign as the petition does, and nothing of its members.
 */
import { randomInt } from "node:crypto";
import { findCampaign, findCampaignOrThrow } from "../db/campaigns.ts";
import { findCampaignByWebSlug, updateCampaignWebPage } from "../db/publicPages.ts";
import type { Campaign } from "../db/rows.ts";
import { inTransaction, type Store } from "../db/store.ts";
import type { Language } from "../i18n/index.ts";
import { auditChanges, recordAudit } from "./audit.ts";
import { UserError } from "./errors.ts";
import { getGuildSettings, settingsLanguage } from "./guildSettings.ts";

/**
 * Slugs are random, not made from the title: 10 letters of a 32-letter alphabet (50 bits) cannot
 * be guessed or walked to find a page that is off, say nothing of a title the organizer may
 * rename or write in Cyrillic, and read back without 0/o or 1/l mix-ups.
 */
const slugAlphabet = "abcdefghijkmnpqrstuvwxyz23456789";
const slugLength = 10;
const slugPattern = new RegExp(`^[${slugAlphabet}]{${slugLength}}$`);

export function newWebSlug(): string {
  let slug = "";
  for (let i = 0; i < slugLength; i += 1) slug += slugAlphabet[randomInt(slugAlphabet.length)];
  return slug;
}

/** The page's address: PUBLIC_URL (with or without its trailing slash) + /c/<slug>. */
export function publicPageUrl(publicUrl: string, slug: string): string {
  return `${publicUrl.replace(/\/+$/, "")}/c/${slug}`;
}

export function isWebSlug(value: string): boolean {
  return slugPattern.test(value);
}

/**
 * The columns that turn a campaign's page on or off. The slug is made the first time and kept
 * after (links and printed QR codes keep working when the page is turned on again).
 */
export async function webPageValues(
  db: Store,
  campaign: Campaign,
  on: boolean,
): Promise<{ webPage: boolean; webSlug?: string }> {
  if (!on || campaign.webSlug) return { webPage: on };
  // 50 random bits: a collision is all but impossible, but a taken slug is never handed out twice.
  for (;;) {
    const slug = newWebSlug();
    if (!(await findCampaignByWebSlug(db, slug))) return { webPage: true, webSlug: slug };
  }
}

/**
 * Turns the public page on or off, whatever the campaign's status: a closed campaign's page can be
 * taken down too. `/campaign edit web_page` and the dashboard's switch both come here.
 */
export async function setCampaignWebPage(
  db: Store,
  guildId: string,
  actorId: string,
  id: number,
  on: boolean,
): Promise<Campaign> {
  const current = await findCampaign(db, guildId, id);
  if (!current) throw new UserError("campaign.notFound");
  const values = await webPageValues(db, current, on);
  return inTransaction(db, async (tx) => {
    if (!(await updateCampaignWebPage(tx, guildId, id, values)))
      throw new UserError("campaign.notFound");
    await recordAudit(tx, {
      guildId,
      actorId,
      action: "campaign.edit",
      subjectId: id,
      details: { changed: ["webPage"], changes: auditChanges(current, { webPage: on }) },
    });
    return findCampaignOrThrow(tx, id);
  });
}

/** What a public page may show: the campaign as its petition shows it. No member, no task. */
export interface PublicCampaign {
  slug: string;
  title: string;
  description: string | null;
  unit: string;
  count: number;
  goal: number;
  callToAction: string | null;
  link: string | null;
  status: "active" | "won" | "ended";
  /** The server's language: the page's when the reader's is not one Rally speaks. */
  language: Language;
}

/** The page a slug names, or null when there is none or it is off (the same 404 either way). */
export async function findPublicCampaign(db: Store, slug: string): Promise<PublicCampaign | null> {
  if (!isWebSlug(slug)) return null;
  const campaign = await findCampaignByWebSlug(db, slug);
  if (!campaign?.webPage || campaign.webSlug !== slug) return null;
  const settings = await getGuildSettings(db, campaign.guildId);
  return {
    slug,
    title: campaign.title,
    description: campaign.description,
    unit: campaign.unit,
    count: campaign.count,
    goal: campaign.goal,
    callToAction: campaign.callToAction,
    link: campaign.link,
    status: campaign.status === "won" || campaign.status === "ended" ? campaign.status : "active",
    language: settingsLanguage(settings),
  };
}
