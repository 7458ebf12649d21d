/**
 * The public progress pages, a Fastify plugin of routes under /c/:
 *   /c/:slug            the page (HTML, no script)
 *   /c/:slug/badge.svg  "332 / 500 signers", for other sites to embed
 *   /c/:slug/card.png   the share card, the page's link preview (Open Graph)
 *   /c/page.css         the page's stylesheet
 * Anyone may read them, so they are cheap: a campaign is read at most once per `cacheMs` per
 * slug, and each (campaign as shown, language) is rendered once and then served from memory.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import QRCode from "qrcode";
import {
  findPublicCampaign,
  isWebSlug,
  publicPageUrl,
  type PublicCampaign,
} from "../domain/publicPage.ts";
import { nowMs } from "../clock.ts";
import { shareCardFor } from "../domain/shareCard.ts";
import type { Store } from "../domain/store.ts";
import type { Language } from "../i18n/index.ts";
import { projectPath } from "../projectRoot.ts";
import { readerLanguage } from "./acceptLanguage.ts";
import { renderBadge, renderNotFoundPage, renderPublicPage } from "./publicHtml.ts";

export interface PublicPagesDeps {
  db: Store;
  /** PUBLIC_URL. Without it a page has no QR code and no link preview: both need its address. */
  publicUrl: string | undefined;
  /** How long a campaign read is reused, and browsers may keep a page (default 5 s). */
  cacheMs?: number;
  /** The clock of the cache, in ms (tests step it). */
  now?: () => number;
}

const stylesheetPath = "/c/page.css";
/** Renders kept at most (pages × languages × kinds); the oldest go first. */
const maxRendered = 3_000;
/** Slugs whose read is kept at most, found or not. */
const maxLookups = 10_000;

interface Found {
  campaign: PublicCampaign;
  /** Changes whenever anything the page shows changes: part of every render's key. */
  version: string;
}

interface Rendered {
  body: Buffer;
  etag: string;
}

function digest(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("base64url").slice(0, 22);
}

/** Adds the public pages' routes to `app` (the web server, or a bare Fastify() in tests). */
export function registerPublicPages(app: FastifyInstance, deps: PublicPagesDeps): void {
  const cacheMs = deps.cacheMs ?? 5_000;
  const now = deps.now ?? nowMs;
  const maxAge = `public, max-age=${Math.floor(cacheMs / 1000)}`;
  const lookups = new Map<string, { until: number; found: Promise<Found | null> }>();
  const rendered = new Map<string, Promise<Rendered>>();
  const stylesheet = readFileSync(projectPath("assets", "web", "public-page.css"), "utf8");

  /** The page a slug names, read once per `cacheMs` however many readers ask at once. */
  function lookup(slug: string): Promise<Found | null> {
    // Not a slug Rally makes: no read, and nothing kept.
    if (!isWebSlug(slug)) return Promise.resolve(null);
    const at = now();
    const hit = lookups.get(slug);
    if (hit && hit.until > at) return hit.found;
    const found = findPublicCampaign(deps.db, slug).then((campaign) =>
      campaign ? { campaign, version: digest(JSON.stringify(campaign)) } : null,
    );
    lookups.delete(slug);
    const entry = { until: at + cacheMs, found };
    lookups.set(slug, entry);
    if (lookups.size > maxLookups) lookups.delete(lookups.keys().next().value ?? "");
    // A failed read is not kept: the next reader tries again.
    found.catch(() => {
      if (lookups.get(slug) === entry) lookups.delete(slug);
    });
    return found;
  }

  /** One render per (kind, page, version, language), shared by every request that needs it. */
  function render(
    kind: string,
    found: Found,
    language: Language,
    make: () => Promise<string | Buffer> | string | Buffer,
  ): Promise<Rendered> {
    const key = `${kind}\u0000${found.campaign.slug}\u0000${found.version}\u0000${language}`;
    const hit = rendered.get(key);
    if (hit) return hit;
    // Encoded once here, not on every request that sends it.
    const made = Promise.resolve()
      .then(make)
      .then((body) => (typeof body === "string" ? Buffer.from(body) : body))
      .then((body) => ({ body, etag: `"${digest(body)}"` }));
    rendered.set(key, made);
    if (rendered.size > maxRendered) rendered.delete(rendered.keys().next().value ?? "");
    made.catch(() => {
      if (rendered.get(key) === made) rendered.delete(key);
    });
    return made;
  }

  function send(
    request: FastifyRequest,
    reply: FastifyReply,
    page: Rendered,
    type: string,
    language: Language,
  ) {
    reply
      .header("cache-control", maxAge)
      .header("etag", page.etag)
      .header("vary", "Accept-Language")
      .header("content-language", language);
    const asked = request.headers["if-none-match"];
    if (asked?.split(",").some((tag) => tag.trim().replace(/^W\//, "") === page.etag)) {
      return reply.code(304).send();
    }
    return reply.type(type).send(page.body);
  }

  function notFound(reply: FastifyReply, language: Language) {
    return reply
      .code(404)
      .header("cache-control", maxAge)
      .header("vary", "Accept-Language")
      .header("content-language", language)
      .header("content-security-policy", pageSecurityPolicy)
      .type("text/html; charset=utf-8")
      .send(notFoundPages.get(language));
  }
  const notFoundPages = new Map(
    (["en", "ru", "uk"] as const).map((language) => [
      language,
      Buffer.from(renderNotFoundPage(language, stylesheetPath)),
    ]),
  );

  const languageOf = (request: FastifyRequest, found: Found | null) =>
    readerLanguage(request.headers["accept-language"], found?.campaign.language ?? "en");

  app.get(stylesheetPath, (_request, reply) =>
    reply
      .header("cache-control", "public, max-age=3600")
      .type("text/css; charset=utf-8")
      .send(stylesheet),
  );

  app.get<{ Params: { slug: string } }>("/c/:slug", async (request, reply) => {
    const found = await lookup(request.params.slug);
    const language = languageOf(request, found);
    if (!found) return notFound(reply, language);
    const { slug } = found.campaign;
    const page = await render("page", found, language, async () => {
      const address = deps.publicUrl ? publicPageUrl(deps.publicUrl, slug) : null;
      const qr = address
        ? await QRCode.toString(address, { type: "svg", margin: 1, errorCorrectionLevel: "M" })
        : null;
      return renderPublicPage(
        found.campaign,
        language,
        { page: address, card: address && `${address}/card.png`, stylesheet: stylesheetPath },
        qr,
      );
    });
    reply.header("content-security-policy", pageSecurityPolicy);
    return send(request, reply, page, "text/html; charset=utf-8", language);
  });

  app.get<{ Params: { slug: string } }>("/c/:slug/badge.svg", async (request, reply) => {
    const found = await lookup(request.params.slug);
    const language = languageOf(request, found);
    if (!found) return notFound(reply, language);
    const badge = await render("badge", found, language, () =>
      renderBadge(found.campaign, language),
    );
    // Embedded by other sites: loadable from any origin, and never a document that runs anything.
    reply
      .header("cross-origin-resource-policy", "cross-origin")
      .header("content-security-policy", "default-src 'none'");
    return send(request, reply, badge, "image/svg+xml; charset=utf-8", language);
  });

  app.get<{ Params: { slug: string } }>("/c/:slug/card.png", async (request, reply) => {
    const found = await lookup(request.params.slug);
    const language = languageOf(request, found);
    if (!found) return notFound(reply, language);
    const card = await render("card", found, language, async () => {
      // The canvas loads on first use, as for /campaign card.
      const { renderShareCard } = await import("../render/shareCard.ts");
      return renderShareCard(shareCardFor(found.campaign, language));
    });
    reply.header("cross-origin-resource-policy", "cross-origin");
    return send(request, reply, card, "image/png", language);
  });
}

/** No script at all, nothing from elsewhere: Rally's stylesheet and the page's own images. */
const pageSecurityPolicy =
  "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
