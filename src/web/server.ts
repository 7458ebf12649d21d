/**
 * The web side (docs/dashboard.md): Fastify, server-rendered HTML that works without
 * JavaScript, one module per page or group of routes. This file holds what every route shares:
 * security headers, the session and language of each request, the CSRF check of every POST, and
 * the one error path.
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import fastifyCookie from "@fastify/cookie";
import fastifyFormbody from "@fastify/formbody";
import fastifyHelmet from "@fastify/helmet";
import fastifyRateLimit from "@fastify/rate-limit";
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from "fastify";
import { now as clockNow } from "../clock.ts";
import { UserError } from "../domain/errors.ts";
import type { Store } from "../domain/store.ts";
import { webSessionUser } from "../domain/webSessions.ts";
import { translator } from "../i18n/index.ts";
import type { Logger } from "../log.ts";
import { projectPath } from "../projectRoot.ts";
import { registerAuthRoutes, sessionCookieName } from "./auth.ts";
import { registerCampaignPages } from "./campaignPage.ts";
import { LoginNeeded, NotFound, type WebContext } from "./context.ts";
import { csrfToken, isValidCsrfToken } from "./csrf.ts";
import type { DiscordAccess } from "./discordAccess.ts";
import { registerGuildPages } from "./guildPage.ts";
import { html } from "./html.ts";
import { registerHomePage } from "./homePage.ts";
import { readerLanguage } from "./language.ts";
import { registerOrganizerPages } from "./organizerPages.ts";
import { sendPage, stylesheetPath } from "./layout.ts";

declare module "fastify" {
  interface FastifyInstance {
    /** The routes of the dashboard and of the plugins, as registered. */
    rallyRoutes: readonly { method: string; url: string }[];
  }
}

export interface WebDependencies {
  db: Store;
  discord: DiscordAccess;
  log: Logger;
  /** PUBLIC_URL (no trailing slash): the OAuth2 redirect and whether cookies are Secure. */
  publicUrl: string;
  /** SESSION_SECRET: signs the form tokens. */
  sessionSecret: string;
  now?: () => Date;
  /** Logins (and callbacks) per address and minute; default 10. */
  loginRateLimit?: number;
  /** Registers more routes (the public pages) on the same server, after the shared hooks. */
  plugins?: ((app: FastifyInstance, context: WebContext) => void | Promise<void>)[];
  /**
   * An HTTP server already listening, to serve on instead of listening anew: the sandbox holds
   * its port from before Rally starts, so no other process can take it in between.
   */
  server?: Server;
}

/**
 * Scripts and styles come from Rally itself, nothing inline (no script at all today), no other
 * origin; forms post only to Rally; no page may frame a dashboard page.
 */
const contentSecurityPolicy = {
  useDefaults: false,
  directives: {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'"],
    imgSrc: ["'self'", "data:"],
    fontSrc: ["'self'"],
    connectSrc: ["'self'"],
    objectSrc: ["'none'"],
    baseUri: ["'none'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
  },
};

/** The request as logs see it: method and path, never the query (an OAuth2 code) or headers. */
function requestForLog(request: { method?: string; url?: string }) {
  return { method: request.method, path: (request.url ?? "").split("?")[0] };
}

export async function createWebServer(dependencies: WebDependencies): Promise<FastifyInstance> {
  const context: WebContext = {
    db: dependencies.db,
    discord: dependencies.discord,
    log: dependencies.log,
    now: dependencies.now ?? clockNow,
    publicUrl: dependencies.publicUrl.replace(/\/$/, ""),
    sessionSecret: dependencies.sessionSecret,
  };
  const logger = dependencies.log.child(
    { component: "web" },
    {
      serializers: {
        req: requestForLog,
        res: (reply: { statusCode?: number }) => ({ statusCode: reply.statusCode }),
      },
      // Belt and braces: were a request's headers ever logged, its cookie and tokens are not.
      redact: {
        paths: [
          "req.headers.authorization",
          "req.headers.cookie",
          "headers.authorization",
          "headers.cookie",
          'res.headers["set-cookie"]',
        ],
        censor: "[redacted]",
      },
    },
  );
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    // Requests are not logged one by one; failures are, by the error handler.
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: () => randomUUID(),
    // Behind a reverse proxy the address that counts for rate limits is the client's.
    trustProxy: "loopback",
    bodyLimit: 256 * 1024,
    ...(dependencies.server ? { serverFactory: serveOn(dependencies.server) } : {}),
  });
  // Every route, as registered: what the browser tests walk to check each page (test/browser).
  const routes: { method: string; url: string }[] = [];
  app.addHook("onRoute", (route) => {
    for (const method of [route.method].flat()) routes.push({ method, url: route.url });
  });
  app.decorate("rallyRoutes", routes);
  await app.register(fastifyHelmet, {
    contentSecurityPolicy,
    // The OAuth2 redirect to Discord must keep working; only same-origin gets the referrer.
    referrerPolicy: { policy: "same-origin" },
    strictTransportSecurity: context.publicUrl.startsWith("https://"),
  });
  await app.register(fastifyCookie);
  await app.register(fastifyFormbody);
  await app.register(fastifyRateLimit, { global: false });

  const stylesheet = readFileSync(projectPath("assets", "web", "dashboard.css"));
  app.get(stylesheetPath, (_request, reply) =>
    reply
      .header("content-type", "text/css; charset=utf-8")
      .header("cache-control", "public, max-age=3600")
      .send(stylesheet),
  );

  app.decorateRequest("reader", null as unknown as FastifyRequest["reader"]);
  // Who is reading, and in which language, before any route runs.
  app.addHook("onRequest", async (request) => {
    const language = readerLanguage(request.headers["accept-language"], "en");
    const token = request.cookies[sessionCookieName(context)] ?? "";
    const session = await webSessionUser(context.db, token, context.now());
    request.reader = {
      session,
      language,
      t: translator(language),
      csrf: session ? csrfToken(context.sessionSecret, session.tokenHash) : "",
    };
  });
  // Every POST carries the form token of the session it is sent with.
  app.addHook("preHandler", async (request, reply) => {
    if (request.method !== "POST") return;
    const { session, t } = request.reader;
    const submitted = (request.body as Record<string, unknown> | undefined)?.["_csrf"];
    if (session && isValidCsrfToken(context.sessionSecret, session.tokenHash, submitted)) return;
    await sendPage(
      request,
      reply,
      {
        title: t("web.expired.title"),
        body: html`<p>${t("web.expired.text")}</p>`,
      },
      403,
    );
  });

  app.setNotFoundHandler((request, reply) => notFound(request, reply));
  app.setErrorHandler(async (error, request, reply) => {
    // A failure before the reader was known (the session lookup itself) still gets a page.
    request.reader ??= { session: null, language: "en", t: translator("en"), csrf: "" };
    const { t } = request.reader;
    if (error instanceof NotFound) return notFound(request, reply);
    if (error instanceof LoginNeeded)
      return reply.redirect(`/login?next=${encodeURIComponent(error.next)}`, 303);
    if (error instanceof UserError) {
      if (error.key === "campaign.notFound") return notFound(request, reply);
      return sendPage(
        request,
        reply,
        {
          title: t("web.refused.title"),
          body: html`<p role="alert">${t(error.key, error.params)}</p>
            <p><a href="${request.url.replace(/\/[a-z]+$/, "")}">${t("web.back")}</a></p>`,
        },
        400,
      );
    }
    const status = (error as { statusCode?: number }).statusCode ?? 500;
    if (status === 429)
      return sendPage(
        request,
        reply,
        {
          title: t("web.tooMany.title"),
          body: html`<p>${t("web.tooMany.text")}</p>`,
        },
        429,
      );
    if (status >= 400 && status < 500)
      return sendPage(
        request,
        reply,
        {
          title: t("web.refused.title"),
          body: html`<p>${t("web.badRequest")}</p>`,
        },
        status,
      );
    const reference = request.id.slice(0, 8);
    request.log.error({ err: error, reference, req: request }, "web request failed");
    return sendPage(
      request,
      reply,
      {
        title: t("web.failed.title"),
        body: html`<p>${t("web.failed.text", { reference })}</p>`,
      },
      500,
    );
  });

  registerAuthRoutes(app, context, { loginRateLimit: dependencies.loginRateLimit ?? 10 });
  registerHomePage(app, context);
  registerGuildPages(app, context);
  registerCampaignPages(app, context);
  registerOrganizerPages(app, context);
  for (const plugin of dependencies.plugins ?? []) await plugin(app, context);
  return app;
}

function notFound(request: FastifyRequest, reply: FastifyReply) {
  const { t } = request.reader;
  return sendPage(
    request,
    reply,
    {
      title: t("web.notFound.title"),
      body: html`<p>${t("web.notFound.text")}</p>
        <p><a href="/">${t("web.home.title")}</a></p>`,
    },
    404,
  );
}

/** Starts listening; `close()` stops taking requests and finishes those in flight. */
/** Fastify's serverFactory for a server that is already listening. */
function serveOn(server: Server) {
  return (handler: (request: IncomingMessage, response: ServerResponse) => void) => {
    server.on("request", handler);
    return server;
  };
}

export async function startWebServer(
  dependencies: WebDependencies & { port: number; host: string },
): Promise<{ url: string; app: FastifyInstance; close(): Promise<void> }> {
  const app = await createWebServer(dependencies);
  if (dependencies.server) await app.ready();
  else await app.listen({ port: dependencies.port, host: dependencies.host });
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : dependencies.port;
  return {
    url: `http://${dependencies.host.includes(":") ? `[${dependencies.host}]` : dependencies.host}:${port}`,
    app,
    close: async () => {
      await app.close();
      // A server handed in was not listened on by Fastify, so Fastify leaves it open.
      const { server } = dependencies;
      if (server?.listening) {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    },
  };
}
