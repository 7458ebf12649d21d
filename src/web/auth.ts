/**
 * Logging in with Discord (OAuth2 authorization code, scopes identify and guilds) and out.
 *   GET  /login?next=/g/…  → Discord's authorize page, with a random single-use `state`
 *   GET  /auth/callback   → checks the state, trades the code, starts a new session
 *   POST /logout          → ends the session
 */
import type { FastifyInstance, FastifyReply } from "fastify";
import { isOrganizer, organizerCandidates } from "../domain/webAccess.ts";
import { endWebSession, finishLogin, startLogin, startWebSession } from "../domain/webSessions.ts";
import type { WebContext } from "./context.ts";
import { html } from "./html.ts";
import { sendPage } from "./layout.ts";
import { safeNext } from "./next.ts";

export const callbackPath = "/auth/callback";

/** The session cookie; `__Host-` (Secure, whole site, no Domain) when served over https. */
export function sessionCookieName(context: WebContext): string {
  return context.publicUrl.startsWith("https://") ? "__Host-rally_session" : "rally_session";
}

/** At most this many servers are asked about at once during a login. */
const lookupsAtOnce = 5;

async function mapInBatches<T, R>(items: T[], size: number, work: (item: T) => Promise<R>) {
  const results: R[] = [];
  for (let start = 0; start < items.length; start += size)
    results.push(...(await Promise.all(items.slice(start, start + size).map(work))));
  return results;
}

export function registerAuthRoutes(
  app: FastifyInstance,
  context: WebContext,
  options: { loginRateLimit: number },
): void {
  const { db, discord } = context;
  const redirectUri = `${context.publicUrl}${callbackPath}`;
  const cookieName = sessionCookieName(context);
  const secure = context.publicUrl.startsWith("https://");
  const rateLimit = { max: options.loginRateLimit, timeWindow: 60_000 };

  const loginFailed = (request: Parameters<typeof sendPage>[0], reply: FastifyReply) => {
    const { t } = request.reader;
    return sendPage(
      request,
      reply,
      {
        title: t("web.login.failedTitle"),
        body: html`<p role="alert">${t("web.login.failed")}</p>
          <p><a class="button" href="/login">${t("web.login.button")}</a></p>`,
      },
      400,
    );
  };

  app.get("/login", { config: { rateLimit } }, async (request, reply) => {
    const next = safeNext((request.query as Record<string, unknown>)["next"]);
    const state = await startLogin(db, next, context.now());
    return reply
      .header("cache-control", "no-store")
      .redirect(discord.authorizeUrl(state, redirectUri), 303);
  });

  app.get(callbackPath, { config: { rateLimit } }, async (request, reply) => {
    const query = request.query as Record<string, unknown>;
    const state = typeof query["state"] === "string" ? query["state"] : "";
    const code = typeof query["code"] === "string" ? query["code"] : "";
    // The state first: a callback this server did not start (or already finished) stops here.
    const login = await finishLogin(db, state, context.now());
    if (!login || code === "") return loginFailed(request, reply);
    const answer = await discord.login(code, redirectUri);
    if (!answer) return loginFailed(request, reply);
    const candidates = await organizerCandidates(db, answer.guilds);
    const organized = await mapInBatches(candidates, lookupsAtOnce, async (guildId) => {
      const member = await discord.membership(guildId, answer.user.id);
      return member && (await isOrganizer(db, guildId, member)) ? guildId : null;
    });
    // A new session id at every login; the one the browser had (if any) ends now.
    const previous = request.cookies[cookieName];
    if (previous) await endWebSession(db, previous);
    const session = await startWebSession(
      db,
      answer.user.id,
      organized.filter((id): id is string => id !== null),
      context.now(),
    );
    reply.setCookie(cookieName, session.token, {
      httpOnly: true,
      sameSite: "lax",
      secure,
      path: "/",
      expires: session.expiresAt,
    });
    return reply.header("cache-control", "no-store").redirect(login.next, 303);
  });

  app.post("/logout", async (request, reply) => {
    const token = request.cookies[cookieName];
    if (token) await endWebSession(db, token);
    reply.clearCookie(cookieName, { path: "/", httpOnly: true, sameSite: "lax", secure });
    return reply.redirect("/", 303);
  });
}
