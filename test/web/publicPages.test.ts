import Fastify from "fastify";
import { describe, expect, it } from "vitest";
import {
  changeCount,
  closeCampaign,
  createCampaign,
  editCampaign,
} from "../../src/domain/campaigns.ts";
import { newWebSlug, setCampaignWebPage } from "../../src/domain/publicPage.ts";
import { addTask, claimTask, finishTask } from "../../src/domain/tasks.ts";
import { setCredit } from "../../src/domain/volunteers.ts";
import { changeSetting } from "../../src/domain/guildSettings.ts";
import type { Database as Db } from "../../src/db/store.ts";
import { registerPublicPages } from "../../src/web/publicPages.ts";
import { createTestDb } from "../support/db.ts";
import { campaignFields, ids } from "../support/domain.ts";

const { guild, otherGuild, organizer, alice } = ids;
const publicUrl = "https://rally.example.org/";
const at = new Date("2026-12-07T12:00:00Z");

/** The plugin on a bare Fastify, as the web server mounts it; its cache clock is the test's. */
async function pages(db: Db, options: { publicUrl?: string | undefined } = {}) {
  const clock = { ms: 1_000_000 };
  const app = Fastify();
  registerPublicPages(app, {
    db,
    publicUrl: "publicUrl" in options ? options.publicUrl : publicUrl,
    now: () => clock.ms,
  });
  await app.ready();
  const get = (url: string, headers: Record<string, string> = {}) =>
    app.inject({ method: "GET", url, headers });
  /** Past the cache's 5 seconds: the next request reads the campaign again. */
  const later = () => {
    clock.ms += 6_000;
  };
  return { app, get, later };
}

async function campaignWithPage(
  db: Db,
  overrides: Parameters<typeof campaignFields>[0] = {},
  guildId: string = guild,
) {
  const campaign = await createCampaign(db, guildId, organizer, campaignFields(overrides));
  await changeCount(db, guildId, organizer, campaign.id, { kind: "set", value: 332 }, null, at);
  const published = await setCampaignWebPage(db, guildId, organizer, campaign.id, true);
  if (!published.webSlug) throw new Error("no slug after publishing");
  return { ...published, webSlug: published.webSlug };
}

/** Enough of XML to tell a well-formed SVG: balanced tags, quoted attributes, known entities. */
function expectWellFormedXml(text: string) {
  const open: string[] = [];
  const tag = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/y;
  let position = 0;
  while (position < text.length) {
    const next = text.indexOf("<", position);
    const chunk = text.slice(position, next === -1 ? text.length : next);
    expect(chunk, "text between tags").not.toMatch(/&(?!(amp|lt|gt|quot|#\d+);)/);
    if (next === -1) break;
    tag.lastIndex = next;
    const match = tag.exec(text);
    expect(match, `a tag at ${next}: ${text.slice(next, next + 40)}`).not.toBeNull();
    const [whole, closing, name = "", attributes = "", selfClosing] = match ?? [];
    expect(attributes).not.toMatch(/&(?!(amp|lt|gt|quot|#\d+);)/);
    if (closing) expect(open.pop()).toBe(name);
    else if (!selfClosing) open.push(name);
    position = next + (whole?.length ?? 1);
  }
  expect(open).toEqual([]);
}

describe("the public progress page", () => {
  it("does not exist until an organizer turns it on: no slug, every guess a 404", async () => {
    const db = await createTestDb();
    const campaign = await createCampaign(db, guild, organizer, campaignFields());
    expect(campaign).toMatchObject({ webPage: false, webSlug: null });
    const { get } = await pages(db);

    const guessed = await get(`/c/${newWebSlug()}`);
    expect(guessed.statusCode).toBe(404);
    expect(guessed.headers["content-type"]).toMatch(/^text\/html/);
    expect(guessed.body).toContain("Page not found");
    expect(guessed.body).not.toContain(campaign.title);
    expect((await get(`/c/${campaign.id}`)).statusCode).toBe(404);
    expect((await get(`/c/${newWebSlug()}/badge.svg`)).statusCode).toBe(404);
  });

  it("once on: title, description, the card's headline, the bar, the call, the link and a QR code", async () => {
    const db = await createTestDb();
    const campaign = await campaignWithPage(db, {
      description: "Letters to the court.\nEvery name counts.",
      callToAction: "Sign before Friday",
      link: "https://petitions.example.org/free?id=7&lang=en",
    });
    const { get } = await pages(db);

    const page = await get(`/c/${campaign.webSlug}`);

    expect(page.statusCode).toBe(200);
    expect(page.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(page.body).toMatch(/^<!doctype html>\n<html lang="en">/);
    expect(page.body).toContain("<h1>Free political prisoners</h1>");
    expect(page.body).toContain("Letters to the court.<br>Every name counts.");
    expect(page.body).toContain(
      "<strong>332</strong> so far! Help us get to <strong>500</strong> signers!",
    );
    expect(page.body).toContain('<label for="progress">Progress toward the goal</label>');
    expect(page.body).toContain('<progress id="progress" max="500" value="332">66%</progress>');
    expect(page.body).toContain("Sign before Friday");
    expect(page.body).toContain(
      'href="https://petitions.example.org/free?id=7&amp;lang=en" rel="noopener noreferrer">Sign the petition</a>',
    );
    expect(page.body).toMatch(/<figure class="qr"><svg role="img" aria-label="[^"]+" /);
    // Link previews: the share card, at the page's own absolute address.
    const address = `https://rally.example.org/c/${campaign.webSlug}`;
    expect(page.body).toContain(`<meta property="og:url" content="${address}">`);
    expect(page.body).toContain(`<meta property="og:image" content="${address}/card.png">`);
    expect(page.body).toContain('<meta name="twitter:card" content="summary_large_image">');
    // No script of any kind, nothing loaded from elsewhere.
    expect(page.body).not.toMatch(/<script|\son[a-z]+=|javascript:/i);
    const loaded = [...page.body.matchAll(/<(?:link|img|script|iframe|object)\b[^>]*>/g)];
    expect(loaded.map(([element]) => element)).toEqual([
      '<link rel="stylesheet" href="/c/page.css">',
    ]);
    expect(page.headers["content-security-policy"]).toContain("default-src 'none'");
    expect(page.headers["content-security-policy"]).not.toContain("script-src");

    const card = await get(`/c/${campaign.webSlug}/card.png`);
    expect(card.statusCode).toBe(200);
    expect(card.headers["content-type"]).toBe("image/png");
    expect(card.rawPayload.subarray(1, 4).toString()).toBe("PNG");

    const css = await get("/c/page.css");
    expect(css.statusCode).toBe(200);
    expect(css.headers["content-type"]).toBe("text/css; charset=utf-8");
  });

  it("names no member and shows no task, even of volunteers who chose public credit", async () => {
    const db = await createTestDb();
    const campaign = await campaignWithPage(db);
    const task = await addTask(db, guild, organizer, campaign.id, {
      title: "Flyers at the Zelenyi Hai library",
      kind: "campus",
      location: "Zelenyi Hai, 14 Sadova street",
      slots: 2,
      dueAt: null,
      instructions: "Ask for Marta at the desk",
    });
    await setCredit(db, guild, alice, true);
    await claimTask(db, guild, alice, task.id, at, 3);
    await finishTask(
      db,
      guild,
      alice,
      task.id,
      { proofLink: "https://example.org/alice-photo.jpg", note: "Put up 20 flyers" },
      at,
      false,
    );
    const { get } = await pages(db);

    const page = await get(`/c/${campaign.webSlug}`);
    const badge = await get(`/c/${campaign.webSlug}/badge.svg`);

    expect(page.statusCode).toBe(200);
    for (const body of [page.body, badge.body]) {
      for (const secret of [
        alice,
        organizer,
        "Zelenyi",
        "Sadova",
        "Marta",
        "alice-photo",
        "flyers",
      ])
        expect(body).not.toContain(secret);
      expect(body).not.toMatch(/\d{17,20}/);
    }
  });

  it("badge: a well-formed SVG with the numbers, as an image any site may embed", async () => {
    const db = await createTestDb();
    const campaign = await campaignWithPage(db, { goal: 1500 });
    const { get } = await pages(db);

    const badge = await get(`/c/${campaign.webSlug}/badge.svg`);

    expect(badge.statusCode).toBe(200);
    expect(badge.headers["content-type"]).toBe("image/svg+xml; charset=utf-8");
    expect(badge.headers["cross-origin-resource-policy"]).toBe("cross-origin");
    expect(badge.body).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" /);
    expect(badge.body).toContain("<title>332 / 1,500 signers</title>");
    expectWellFormedXml(badge.body);

    const typed = await createCampaign(
      db,
      guild,
      organizer,
      campaignFields({ title: "B", unit: `"<letters> & co'` }),
    );
    const on = await setCampaignWebPage(db, guild, organizer, typed.id, true);
    const escaped = await get(`/c/${on.webSlug}/badge.svg`);
    expect(escaped.body).toContain("0 / 500 &quot;&lt;letters&gt; &amp; co&#39;");
    expectWellFormedXml(escaped.body);
  });

  it("speaks the reader's language among en, ru and uk by q-value, else the server's", async () => {
    const db = await createTestDb();
    const campaign = await campaignWithPage(db, { goal: 1500 });
    const { get } = await pages(db);
    const url = `/c/${campaign.webSlug}`;

    const russian = await get(url, { "accept-language": "de-DE, en;q=0.5, ru-RU;q=0.9" });
    expect(russian.body).toContain('<html lang="ru">');
    expect(russian.body).toContain(
      "Уже <strong>332</strong>! Помогите нам дойти до <strong>1\u00a0500</strong> подписей!",
    );
    expect(russian.headers["content-language"]).toBe("ru");
    expect(russian.headers["vary"]).toBe("Accept-Language");

    const ukrainian = await get(`${url}/badge.svg`, { "accept-language": "uk" });
    expect(ukrainian.body).toContain("332 / 1\u00a0500 підписів");

    // q=0 is "not this one"; German is not spoken here: the server's language (English).
    expect((await get(url, { "accept-language": "ru;q=0, de" })).body).toContain(
      '<html lang="en">',
    );

    await changeSetting(db, guild, organizer, { setting: "language", language: "uk" });
    const { get: fresh } = await pages(db);
    expect((await fresh(url, { "accept-language": "de" })).body).toContain('<html lang="uk">');
    expect((await fresh(url, { "accept-language": "de" })).body).toContain(
      "Вже <strong>332</strong>!",
    );
  });

  it("escapes what organizers wrote: a hostile title, description, call and unit stay text", async () => {
    const db = await createTestDb();
    const campaign = await campaignWithPage(db, {
      title: `<script>alert("t")</script>`,
      description: `<img src=x onerror=alert(1)>`,
      callToAction: `"><svg onload=alert(2)>`,
      unit: `<b>votes</b>`,
    });
    const { get } = await pages(db);

    const page = await get(`/c/${campaign.webSlug}`);

    expect(page.body).not.toContain("<script>");
    expect(page.body).not.toContain("<img src=x");
    expect(page.body).not.toContain('"><svg onload');
    expect(page.body).not.toContain("<b>votes</b>");
    expect(page.body).toContain("<title>&lt;script&gt;alert(&quot;t&quot;)&lt;/script&gt;</title>");
    expect(page.body).toContain("<h1>&lt;script&gt;alert(&quot;t&quot;)&lt;/script&gt;</h1>");
    expect(page.body).toContain(
      '<meta property="og:title" content="&lt;script&gt;alert(&quot;t&quot;)&lt;/script&gt;">',
    );
    expect(page.body).toContain("&lt;b&gt;votes&lt;/b&gt;");
  });

  it("links only to web addresses, whatever was stored", async () => {
    const db = await createTestDb();
    const campaign = await campaignWithPage(db);
    await db.campaign.update({ where: { id: campaign.id }, data: { link: "javascript:alert(1)" } });
    const { get } = await pages(db);

    const page = await get(`/c/${campaign.webSlug}`);

    expect(page.statusCode).toBe(200);
    expect(page.body).not.toContain("javascript:");
    expect(page.body).not.toContain("Sign the petition");
  });

  it("slugs are global: another server's page is found by its slug, and 404 once it is off", async () => {
    const db = await createTestDb();
    const ours = await campaignWithPage(db);
    const theirs = await campaignWithPage(db, { title: "Their campaign" }, otherGuild);
    expect(theirs.webSlug).not.toBe(ours.webSlug);
    expect(theirs.webSlug).toMatch(/^[a-z2-9]{10}$/);
    const { get, later } = await pages(db);
    expect((await get(`/c/${theirs.webSlug}`)).body).toContain("<h1>Their campaign</h1>");

    // Turned off from its own server; our server cannot reach it by id.
    await expect(setCampaignWebPage(db, guild, organizer, theirs.id, true)).rejects.toMatchObject({
      key: "campaign.notFound",
    });
    await setCampaignWebPage(db, otherGuild, organizer, theirs.id, false);
    later();

    const off = await get(`/c/${theirs.webSlug}`);
    expect(off.statusCode).toBe(404);
    expect(off.body).not.toContain("Their campaign");
    expect((await get(`/c/${theirs.webSlug}/badge.svg`)).statusCode).toBe(404);
    expect((await get(`/c/${theirs.webSlug}/card.png`)).statusCode).toBe(404);
    expect((await get(`/c/${ours.webSlug}`)).statusCode).toBe(200);
  });

  it("keeps its slug when turned off and on, and every switch is in the audit trail", async () => {
    const db = await createTestDb();
    const campaign = await campaignWithPage(db);
    await setCampaignWebPage(db, guild, organizer, campaign.id, false);
    const again = await setCampaignWebPage(db, guild, organizer, campaign.id, true);
    expect(again.webSlug).toBe(campaign.webSlug);
    const edited = await editCampaign(db, guild, organizer, campaign.id, {
      webPage: false,
      goal: 600,
    });
    expect(edited).toMatchObject({ webPage: false, webSlug: campaign.webSlug, goal: 600 });

    // Turned on together with other changes: the slug is made all the same.
    const fresh = await createCampaign(db, guild, organizer, campaignFields({ title: "Second" }));
    const both = await editCampaign(db, guild, organizer, fresh.id, {
      webPage: true,
      title: "Second, renamed",
    });
    expect(both.webSlug).toMatch(/^[a-z2-9]{10}$/);
    const { get } = await pages(db);
    expect((await get(`/c/${both.webSlug ?? ""}`)).body).toContain("<h1>Second, renamed</h1>");

    const entries = await db.auditEntry.findMany({
      where: { action: "campaign.edit", subjectId: String(campaign.id) },
      orderBy: { id: "asc" },
    });
    expect(entries.map((entry) => JSON.parse(entry.details ?? "{}").changes)).toEqual([
      { webPage: { from: false, to: true } },
      { webPage: { from: true, to: false } },
      { webPage: { from: false, to: true } },
      { webPage: { from: true, to: false }, goal: { from: 500, to: 600 } },
    ]);
  });

  it("shows a closed campaign as closed, and can still be taken down after", async () => {
    const db = await createTestDb();
    const campaign = await campaignWithPage(db, { callToAction: "Sign before Friday" });
    await closeCampaign(db, guild, organizer, campaign.id, "won", at);
    const { get, later } = await pages(db);

    const page = await get(`/c/${campaign.webSlug}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(
      '<p class="status">This campaign reached its goal and is closed. Thank you to everyone who signed!</p>',
    );
    expect(page.body).toContain('<p class="headline">332 of 500 signatures</p>');
    expect(page.body).not.toContain("Help us get to");
    expect(page.body).not.toContain("Sign before Friday");

    await setCampaignWebPage(db, guild, organizer, campaign.id, false);
    later();
    expect((await get(`/c/${campaign.webSlug}`)).statusCode).toBe(404);
  });

  it("is served from memory: one render per state and language, revalidated by ETag", async () => {
    const db = await createTestDb();
    const campaign = await campaignWithPage(db);
    const { get, later } = await pages(db);
    const url = `/c/${campaign.webSlug}`;

    const first = await get(url);
    expect(first.headers["cache-control"]).toBe("public, max-age=5");
    const etag = String(first.headers["etag"]);
    const revalidated = await get(url, { "if-none-match": etag });
    expect(revalidated.statusCode).toBe(304);
    expect(revalidated.body).toBe("");

    // A count change shows once the cache's few seconds are over, with a new ETag.
    await changeCount(db, guild, organizer, campaign.id, { kind: "set", value: 401 }, null, at);
    later();
    const changed = await get(url, { "if-none-match": etag });
    expect(changed.statusCode).toBe(200);
    expect(changed.body).toContain("<strong>401</strong> so far!");
    expect(changed.headers["etag"]).not.toBe(etag);
  });

  it("without PUBLIC_URL: the page still works, with no QR code or preview to a made-up host", async () => {
    const db = await createTestDb();
    const campaign = await campaignWithPage(db);
    const { get } = await pages(db, { publicUrl: undefined });

    const page = await get(`/c/${campaign.webSlug}`, { host: "evil.example" });

    expect(page.statusCode).toBe(200);
    expect(page.body).not.toContain("evil.example");
    expect(page.body).not.toContain("og:image");
    expect(page.body).not.toContain("<svg");
  });
});
