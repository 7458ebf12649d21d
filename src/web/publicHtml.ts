/**
 * The public progress page, its "not found" page and its badge, as text. Everything a member or
 * organizer wrote goes through `escapeHtml`; the page needs no script and loads nothing from
 * elsewhere (its stylesheet is Rally's own).
 */
import type { PublicCampaign } from "../domain/publicPage.ts";
import { isDefaultUnit, shareProgressText } from "../domain/shareCard.ts";
import { languages, translate, translator, type Language } from "../i18n/index.ts";

/** Text for HTML content and quoted attributes, and for XML (the badge): the five specials. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => escapes[char] ?? char);
}
const escapes: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

const numberFormats = new Map(
  languages.map((language) => [language, new Intl.NumberFormat(language)]),
);
function formatNumber(value: number, language: Language): string {
  return numberFormats.get(language)?.format(value) ?? String(value);
}

function percentOf(count: number, goal: number): number {
  return goal > 0 ? Math.floor((count * 100) / goal) : 0;
}

/**
 * "332 so far! Help us get to 500 signers!", from the live card's keys: as HTML (the numbers in
 * <strong>, where the card has them in bold) and as plain text (meta tags).
 */
export function headline(campaign: PublicCampaign, language: Language) {
  // The card's markdown marks the numbers; private-use marks stand in for them until escaped.
  const [current, goal, unit] = ["\ue000", "\ue001", "\ue002"] as const;
  const template = isDefaultUnit(campaign.unit)
    ? translate(language, "campaign.liveHeadline", { current, goal, count: campaign.goal })
    : translate(language, "campaign.liveHeadlineUnit", { current, goal, unit });
  const plain = template.replaceAll("**", "");
  const numbers: Record<string, string> = {
    [current]: formatNumber(campaign.count, language),
    [goal]: formatNumber(campaign.goal, language),
    [unit]: campaign.unit,
  };
  const fill = (text: string, wrap: (value: string, mark: string) => string) =>
    text.replace(/[\ue000-\ue002]/g, (mark) => wrap(numbers[mark] ?? "", mark));
  return {
    html: fill(escapeHtml(plain), (value, mark) =>
      mark === unit ? escapeHtml(value) : `<strong>${escapeHtml(value)}</strong>`,
    ),
    text: fill(plain, (value) => value),
  };
}

/** "332 of 500 signatures": the share card's line, the default unit in the reader's language. */
export function progressText(campaign: PublicCampaign, language: Language): string {
  return shareProgressText(campaign, language);
}

/** Only a web address is ever a link: a `javascript:` or `data:` one stored by any means is not. */
function safeLink(link: string | null): string | null {
  return link && /^https?:\/\/[^\s]+$/i.test(link) ? link : null;
}

export interface PageAddresses {
  /** The page's absolute address (PUBLIC_URL/c/<slug>), when PUBLIC_URL is set. */
  page: string | null;
  /** The share card image's absolute address, for link previews. */
  card: string | null;
  stylesheet: string;
}

function documentHead(language: Language, title: string, stylesheet: string, meta: string[]) {
  return [
    "<!doctype html>",
    `<html lang="${language}">`,
    "<head>",
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)}</title>`,
    `<link rel="stylesheet" href="${escapeHtml(stylesheet)}">`,
    ...meta,
    "</head>",
  ];
}

/** The page: title, description, the count as the petition says it, the bar, the call, the QR. */
export function renderPublicPage(
  campaign: PublicCampaign,
  language: Language,
  addresses: PageAddresses,
  qrSvg: string | null,
): string {
  const t = translator(language);
  const said = headline(campaign, language);
  const progress = progressText(campaign, language);
  const active = campaign.status === "active";
  const summary = active ? said.text : progress;
  const percent = percentOf(campaign.count, campaign.goal);
  const link = safeLink(campaign.link);
  const meta = (attribute: "name" | "property", name: string, content: string) =>
    `<meta ${attribute}="${name}" content="${escapeHtml(content)}">`;
  const head = documentHead(language, campaign.title, addresses.stylesheet, [
    meta("name", "description", summary),
    meta("property", "og:type", "website"),
    meta("property", "og:title", campaign.title),
    meta("property", "og:description", summary),
    ...(addresses.page ? [meta("property", "og:url", addresses.page)] : []),
    ...(addresses.card
      ? [
          meta("property", "og:image", addresses.card),
          meta("property", "og:image:width", "1200"),
          meta("property", "og:image:height", "630"),
          meta("property", "og:image:alt", progress),
          meta("name", "twitter:card", "summary_large_image"),
          meta("name", "twitter:image", addresses.card),
        ]
      : [meta("name", "twitter:card", "summary")]),
    meta("name", "twitter:title", campaign.title),
    meta("name", "twitter:description", summary),
  ]);
  const body = [
    "<body>",
    '<main class="campaign">',
    campaign.status === "active"
      ? ""
      : `<p class="status">${escapeHtml(t(campaign.status === "won" ? "publicPage.won" : "publicPage.ended"))}</p>`,
    `<h1>${escapeHtml(campaign.title)}</h1>`,
    campaign.description
      ? `<p class="description">${escapeHtml(campaign.description).replace(/\r?\n/g, "<br>")}</p>`
      : "",
    `<p class="headline">${active ? said.html : escapeHtml(progress)}</p>`,
    '<div class="progress">',
    `<label for="progress">${escapeHtml(t("publicPage.progressLabel"))}</label>`,
    `<progress id="progress" max="${campaign.goal}" value="${Math.min(campaign.count, campaign.goal)}">${percent}%</progress>`,
    `<p class="percent">${escapeHtml(t("publicPage.percent", { percent }))}</p>`,
    "</div>",
    active && campaign.callToAction
      ? `<p class="call">${escapeHtml(campaign.callToAction)}</p>`
      : "",
    link
      ? `<p><a class="sign" href="${escapeHtml(link)}" rel="noopener noreferrer">${escapeHtml(t("publicPage.sign"))}</a></p>`
      : "",
    qrSvg
      ? `<figure class="qr">${qrSvg.replace("<svg ", `<svg role="img" aria-label="${escapeHtml(t("publicPage.qrLabel"))}" `)}<figcaption>${escapeHtml(t("publicPage.scan"))}</figcaption></figure>`
      : "",
    "</main>",
    `<footer><p>${escapeHtml(t("publicPage.footer"))}</p></footer>`,
    "</body>",
    "</html>",
  ];
  return [...head, ...body.filter(Boolean)].join("\n");
}

/** The one answer for a slug that names nothing, or a page that is off: they look the same. */
export function renderNotFoundPage(language: Language, stylesheet: string): string {
  const t = translator(language);
  return [
    ...documentHead(language, t("publicPage.notFoundTitle"), stylesheet, [
      '<meta name="robots" content="noindex">',
    ]),
    "<body>",
    '<main class="campaign">',
    `<h1>${escapeHtml(t("publicPage.notFoundTitle"))}</h1>`,
    `<p>${escapeHtml(t("publicPage.notFound"))}</p>`,
    "</main>",
    "</body>",
    "</html>",
  ].join("\n");
}

/** "332 / 500 signers" as a small SVG badge for other sites to embed. */
export function renderBadge(campaign: PublicCampaign, language: Language): string {
  const current = formatNumber(campaign.count, language);
  const goal = formatNumber(campaign.goal, language);
  const text = isDefaultUnit(campaign.unit)
    ? translate(language, "publicPage.badge", { current, goal, count: campaign.goal })
    : translate(language, "publicPage.badgeUnit", { current, goal, unit: campaign.unit });
  // Verdana 11px averages ~6.5px a character; the badge is sized to its text, without a script.
  const width = Math.ceil(Array.from(text).length * 6.8) + 20;
  const filled = Math.round(
    (width * Math.min(percentOf(campaign.count, campaign.goal), 100)) / 100,
  );
  const label = escapeHtml(text);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="20" viewBox="0 0 ${width} 20" role="img" aria-label="${label}">`,
    `<title>${label}</title>`,
    `<rect width="${width}" height="20" rx="3" fill="#151a2d"/>`,
    `<rect width="${filled}" height="20" rx="3" fill="#8a6d1f"/>`,
    `<text x="${width / 2}" y="14" fill="#ffffff" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11" text-anchor="middle">${label}</text>`,
    "</svg>",
  ].join("");
}
