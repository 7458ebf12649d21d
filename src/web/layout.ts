/** The frame of every page: language, title, styles (a file Rally serves), header, main. */
import type { FastifyReply, FastifyRequest } from "fastify";
import { html, type Html } from "./html.ts";

export const stylesheetPath = "/static/dashboard.css";

export interface PageContent {
  title: string;
  body: Html;
  /** Breadcrumbs above the title, e.g. the server's page from a campaign's. */
  crumbs?: { href: string; label: string }[];
  /** A server's sections (campaigns, tasks, review…), the one being read marked current. */
  nav?: { href: string; label: string; current: boolean }[];
}

export function renderPage(request: FastifyRequest, content: PageContent): string {
  const { t, language, session, csrf } = request.reader;
  const crumbs = content.crumbs ?? [];
  return html`<!doctype html>
    <html lang="${language}">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="same-origin" />
        <title>${content.title} · ${t("web.appName")}</title>
        <link rel="stylesheet" href="${stylesheetPath}" />
      </head>
      <body>
        <header class="top">
          <a class="brand" href="/">${t("web.appName")}</a>
          ${
            session &&
            html`<form method="post" action="/logout" class="logout">
              <input type="hidden" name="_csrf" value="${csrf}" />
              <button type="submit">${t("web.logout")}</button>
            </form>`
          }
        </header>
        <main id="main">
          ${
            crumbs.length > 0 &&
            html`<nav aria-label="${t("web.breadcrumbs")}" class="crumbs">
              ${crumbs.map((crumb) => html`<a href="${crumb.href}">${crumb.label}</a> / `)}
            </nav>`
          }
          ${
            content.nav &&
            html`<nav aria-label="${t("web.nav.label")}" class="sections">
              <ul>
                ${content.nav.map(
                  (item) =>
                    html`<li>
                      <a href="${item.href}" ${item.current && html`aria-current="page"`}
                        >${item.label}</a
                      >
                    </li>`,
                )}
              </ul>
            </nav>`
          }
          <h1>${content.title}</h1>
          ${content.body}
        </main>
      </body>
    </html> `.text;
}

export function sendPage(
  request: FastifyRequest,
  reply: FastifyReply,
  content: PageContent,
  status = 200,
): FastifyReply {
  return reply
    .code(status)
    .header("content-type", "text/html; charset=utf-8")
    .header("cache-control", "no-store")
    .send(renderPage(request, content));
}
