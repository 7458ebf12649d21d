/**
 * Discord's OAuth2 authorization-code flow, as a web app logging members in sees it:
 *   GET  /oauth2/authorize?client_id&redirect_uri&response_type=code&scope&state → a "log in as"
 *        page listing the local users (Discord shows its consent screen); POST of the choice →
 *        302 to redirect_uri?code&state.
 *   POST /api/v10/oauth2/token (form: grant_type=authorization_code, code, redirect_uri,
 *        client_id, client_secret, or the client in HTTP Basic) → { access_token, … }; a code
 *        works once, within 10 minutes, for the redirect_uri it was issued for.
 *   GET  /api/v10/users/@me and /users/@me/guilds with `Authorization: Bearer <access_token>`.
 * Errors as Discord sends them: 400 { error: "invalid_grant" }, 401 { error: "invalid_client" }.
 *
 * The sandbox's one-time login link (local only; Discord has nothing like it):
 *   GET  /oauth2/sandbox-login/<ticket> → marks this browser for the ticket's user (a cookie of
 *        the local Discord's own, used once) and 302 to the dashboard's /login, whose authorize
 *        request then skips the picker for that user. The dashboard runs its ordinary OAuth2
 *        flow throughout (state, code exchange, /users/@me): nothing of this is in Rally's web
 *        server, so a real deployment, talking to Discord, has no way in.
 */
import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { PermissionFlagsBits as Permission } from "discord.js";
import { apiUser } from "./state.ts";
import type { LocalGuild, State } from "./state.ts";

const codeLifetimeMs = 10 * 60 * 1000;
const ticketLifetimeMs = 10 * 60 * 1000;
const preselectCookie = "local_discord_login";
const tokenLifetimeSeconds = 7 * 24 * 60 * 60;

interface IssuedCode {
  userId: string;
  clientId: string;
  redirectUri: string;
  scopes: string[];
  expiresAt: number;
}

/** The OAuth2 side of one local Discord: its client secret, codes and access tokens. */
export class OAuth2 {
  readonly codes = new Map<string, IssuedCode>();
  readonly tokens = new Map<string, { userId: string; scopes: string[] }>();
  private readonly tickets = new Map<
    string,
    { userId: string; returnTo: string; expiresAt: number }
  >();
  private readonly preselected = new Map<string, { userId: string; expiresAt: number }>();

  constructor(
    private readonly state: State,
    readonly clientSecret: string,
  ) {}

  /** GET shows the member picker, POST logs in as the one picked. */
  async authorize(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const params = req.method === "POST" ? await readForm(req) : url.searchParams;
    const clientId = params.get("client_id") ?? "";
    const redirectUri = params.get("redirect_uri") ?? "";
    const scopes = (params.get("scope") ?? "").split(/[\s+]+/).filter(Boolean);
    const problem =
      clientId !== this.state.applicationId
        ? "Unknown client_id"
        : params.get("response_type") !== "code"
          ? "response_type must be code"
          : !/^https?:\/\//.test(redirectUri)
            ? "Invalid redirect_uri"
            : !scopes.includes("identify")
              ? "The identify scope is needed"
              : null;
    if (problem !== null)
      return sendHtml(res, 400, page("Invalid OAuth2 request", escape(problem)));
    // A browser marked by a sandbox login link: that user, once, without the picker.
    const chosen = req.method === "POST" ? undefined : this.takePreselected(req);
    if (req.method !== "POST" && chosen === undefined)
      return sendHtml(res, 200, this.picker(params));
    const user = this.state.users.get(chosen ?? params.get("user_id") ?? "");
    if (!user || user.bot) return sendHtml(res, 400, page("Unknown user", "Pick a listed user."));
    const code = randomBytes(16).toString("hex");
    this.codes.set(code, {
      userId: user.id,
      clientId,
      redirectUri,
      scopes,
      expiresAt: this.state.now() + codeLifetimeMs,
    });
    const target = new URL(redirectUri);
    target.searchParams.set("code", code);
    const state = params.get("state");
    if (state !== null) target.searchParams.set("state", state);
    res
      .writeHead(302, {
        location: target.toString(),
        ...(chosen === undefined
          ? {}
          : { "set-cookie": `${preselectCookie}=; Path=/oauth2; Max-Age=0` }),
      })
      .end();
  }

  /**
   * A link that logs `userId` in to the app whose login page is `returnTo`, once, within ten
   * minutes: the sandbox prints it for its organizer.
   */
  loginLink(userId: string, returnTo: string): string {
    const ticket = randomBytes(24).toString("base64url");
    this.tickets.set(ticket, { userId, returnTo, expiresAt: this.state.now() + ticketLifetimeMs });
    return `${this.state.origin}/oauth2/sandbox-login/${ticket}`;
  }

  /** GET /oauth2/sandbox-login/<ticket>: spends the ticket, marks the browser, on to the app. */
  sandboxLogin(res: ServerResponse, ticket: string): void {
    const issued = this.tickets.get(ticket);
    this.tickets.delete(ticket);
    if (!issued || issued.expiresAt <= this.state.now())
      return sendHtml(
        res,
        404,
        page("Login link used", "This login link was used already or has expired."),
      );
    const mark = randomBytes(24).toString("base64url");
    this.preselected.set(mark, { userId: issued.userId, expiresAt: issued.expiresAt });
    res
      .writeHead(302, {
        location: issued.returnTo,
        "set-cookie": `${preselectCookie}=${mark}; Path=/oauth2; HttpOnly; SameSite=Lax`,
      })
      .end();
  }

  private takePreselected(req: IncomingMessage): string | undefined {
    const mark = (req.headers.cookie ?? "")
      .split(";")
      .map((part) => part.trim().split("="))
      .find(([name]) => name === preselectCookie)?.[1];
    if (!mark) return undefined;
    const entry = this.preselected.get(mark);
    this.preselected.delete(mark);
    return entry && entry.expiresAt > this.state.now() ? entry.userId : undefined;
  }

  private picker(params: URLSearchParams): string {
    const hidden = ["client_id", "redirect_uri", "response_type", "scope", "state"]
      .map((name) => [name, params.get(name)] as const)
      .filter((entry): entry is readonly [string, string] => entry[1] !== null)
      .map(([name, value]) => `<input type="hidden" name="${name}" value="${escape(value)}">`)
      .join("");
    const users = [...this.state.users.values()].filter((user) => !user.bot);
    const rows = users
      .map((user) => {
        const guilds = this.guildsOf(user.id).map((guild) => guild.name);
        const name = user.globalName ?? user.username;
        return (
          `<li><button type="submit" name="user_id" value="${escape(user.id)}">` +
          `Log in as ${escape(name)}</button> <small>${escape(guilds.join(", "))}</small></li>`
        );
      })
      .join("");
    const body =
      `<p>Local Discord: pick who logs in (Discord would show its consent screen).</p>` +
      `<form method="post" action="/oauth2/authorize">${hidden}<ul>${rows}</ul></form>`;
    return page("Log in as", body);
  }

  /** POST /oauth2/token's answer. */
  exchange(body: Record<string, unknown>, authorization: string | undefined) {
    const basic = /^Basic (\S+)$/.exec(authorization ?? "")?.[1];
    const [basicId, basicSecret] = basic
      ? Buffer.from(basic, "base64").toString("utf8").split(":")
      : [];
    const clientId = basicId ?? String(body["client_id"] ?? "");
    const clientSecret = basicSecret ?? String(body["client_secret"] ?? "");
    if (clientId !== this.state.applicationId || clientSecret !== this.clientSecret)
      return { status: 401, body: { error: "invalid_client" } };
    if (body["grant_type"] !== "authorization_code")
      return { status: 400, body: { error: "unsupported_grant_type" } };
    const code = String(body["code"] ?? "");
    const issued = this.codes.get(code);
    // Used once: a second exchange of the same code fails, as on Discord.
    this.codes.delete(code);
    if (
      !issued ||
      issued.expiresAt <= this.state.now() ||
      issued.clientId !== clientId ||
      issued.redirectUri !== String(body["redirect_uri"] ?? "")
    )
      return { status: 400, body: { error: "invalid_grant" } };
    const accessToken = randomBytes(24).toString("hex");
    this.tokens.set(accessToken, { userId: issued.userId, scopes: issued.scopes });
    return {
      status: 200,
      body: {
        access_token: accessToken,
        token_type: "Bearer",
        expires_in: tokenLifetimeSeconds,
        refresh_token: randomBytes(24).toString("hex"),
        scope: issued.scopes.join(" "),
      },
    };
  }

  /** GET /users/@me and /users/@me/guilds for a Bearer token; 401 without a valid one. */
  bearer(path: string, authorization: string) {
    const token = /^Bearer (\S+)$/.exec(authorization)?.[1] ?? "";
    const grant = this.tokens.get(token);
    if (!grant) return { status: 401, body: { code: 0, message: "401: Unauthorized" } };
    const user = this.state.user(grant.userId);
    if (path === "/users/@me") return { status: 200, body: apiUser(user) };
    if (path === "/users/@me/guilds") {
      if (!grant.scopes.includes("guilds"))
        return { status: 403, body: { code: 50001, message: "Missing Access" } };
      const guilds = this.guildsOf(user.id).map((guild) => ({
        id: guild.id,
        name: guild.name,
        icon: null,
        banner: null,
        owner: guild.ownerId === user.id,
        permissions: memberPermissions(guild, user.id).toString(),
        features: [],
      }));
      return { status: 200, body: guilds };
    }
    return { status: 404, body: { code: 0, message: "404: Not Found" } };
  }

  private guildsOf(userId: string): LocalGuild[] {
    return [...this.state.guilds.values()].filter((guild) => guild.members.has(userId));
  }
}

/** A member's server-wide permissions: all for the owner, else @everyone's and their roles'. */
function memberPermissions(guild: LocalGuild, userId: string): bigint {
  const all = Object.values(Permission).reduce((sum, bit) => sum | bit, 0n);
  if (guild.ownerId === userId) return all;
  const roleIds = [guild.id, ...(guild.members.get(userId)?.roles ?? [])];
  const bits = roleIds.reduce((sum, id) => sum | (guild.roles.get(id)?.permissions ?? 0n), 0n);
  return (bits & Permission.Administrator) !== 0n ? all : bits;
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > 64 * 1024) break;
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

function page(title: string, body: string): string {
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<title>${escape(title)}</title></head><body><main><h1>${escape(title)}</h1>${body}</main></body></html>`
  );
}

function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, { "content-type": "text/html; charset=utf-8" }).end(html);
}
