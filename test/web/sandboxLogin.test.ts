/**
 * The sandbox's dashboard link (#23): a one-time link of the local Discord that logs the
 * organizer in through the dashboard's ordinary OAuth2 flow, once; Rally's web server itself has
 * no such way in.
 */
import { describe, expect, it } from "vitest";
import { createLogger } from "../../src/log.ts";
import { createDiscordAccess } from "../../src/web/discordAccess.ts";
import { createWebServer } from "../../src/web/server.ts";
import { startTestBot } from "../support/bot.ts";
import { cookieOf, sessionSecret } from "../support/web.ts";

const dashboard = "http://127.0.0.1:8788";

async function setUp() {
  const bot = await startTestBot();
  const app = await createWebServer({
    db: bot.rally.db,
    discord: createDiscordAccess({
      apiUrl: bot.discord.apiUrl,
      clientId: bot.discord.applicationId,
      clientSecret: bot.discord.oauth2ClientSecret,
      botToken: "test-token-for-the-local-discord",
    }),
    log: createLogger("silent"),
    publicUrl: dashboard,
    sessionSecret,
  });
  return { bot, app };
}

const visit = (url: string, cookie?: string) =>
  fetch(url, { redirect: "manual", ...(cookie ? { headers: { cookie } } : {}) });

describe("the sandbox's dashboard link", () => {
  it("logs the organizer in through the real OAuth2 flow, once", async () => {
    const { bot, app } = await setUp();
    try {
      const link = bot.discord.loginLink(bot.organizerId, `${dashboard}/login`);
      expect(link.startsWith(`${new URL(bot.discord.apiUrl).origin}/oauth2/sandbox-login/`)).toBe(
        true,
      );

      // The link: the local Discord marks this browser, then sends it to the dashboard's /login.
      const marked = await visit(link);
      expect(marked.status).toBe(302);
      expect(marked.headers.get("location")).toBe(`${dashboard}/login`);
      const mark = cookieOf(marked.headers.getSetCookie());
      // The dashboard's own login: its state cookie, and Discord's authorize page.
      const login = await app.inject({ method: "GET", url: "/login" });
      const state = cookieOf(login.headers["set-cookie"]);
      const authorize = String(login.headers.location);
      // Authorize with the mark: no picker, straight back with a code for the organizer.
      const granted = await visit(authorize, mark);
      expect(granted.status).toBe(302);
      const callback = new URL(granted.headers.get("location") ?? "");
      const done = await app.inject({
        method: "GET",
        url: `${callback.pathname}${callback.search}`,
        headers: { cookie: state },
      });
      const session = cookieOf(done.headers["set-cookie"]);
      const page = await app.inject({
        method: "GET",
        url: `/g/${bot.guildId}`,
        headers: { cookie: session },
      });
      expect(page.statusCode).toBe(200);

      // Once: the link is spent, and the mark with it (the picker again).
      expect((await visit(link)).status).toBe(404);
      const again = await app.inject({ method: "GET", url: "/login" });
      const picker = await visit(String(again.headers.location), mark);
      expect(picker.status).toBe(200);
      expect(await picker.text()).toContain("Log in as");
    } finally {
      await app.close();
    }
  });

  it("does not exist in Rally's web server: a deployment talking to Discord has no such way in", async () => {
    const { bot, app } = await setUp();
    try {
      const link = new URL(bot.discord.loginLink(bot.organizerId, `${dashboard}/login`));
      // The same path on the dashboard: nothing there.
      const onDashboard = await app.inject({ method: "GET", url: link.pathname });
      expect(onDashboard.statusCode).toBe(404);
      // A browser carrying a made-up mark gets Discord's page, as everyone does.
      const login = await app.inject({
        method: "GET",
        url: "/login",
        headers: { cookie: "local_discord_login=forged" },
      });
      expect(String(login.headers.location)).toContain("/oauth2/authorize");
      const picker = await visit(String(login.headers.location), "local_discord_login=forged");
      expect(picker.status).toBe(200);
      expect(await picker.text()).toContain("Log in as");
    } finally {
      await app.close();
    }
  });
});
