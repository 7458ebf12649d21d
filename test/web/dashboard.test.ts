import { describe, expect, it } from "vitest";
import { getCampaign } from "../../src/domain/campaigns.ts";
import {
  authorizeAs,
  callback,
  campaignIn,
  cookieOf,
  csrfIn,
  get,
  logIn,
  post,
  startLogin,
  startWebWorld,
} from "../support/web.ts";

describe("logging in with Discord", () => {
  it("goes through the local Discord's authorize page and lands on the servers one organizes", async () => {
    const world = await startWebWorld();
    const started = await startLogin(world);
    expect(started.statusCode).toBe(303);
    const authorize = new URL(String(started.headers.location));
    // The authorize page is on the API's origin, the redirect comes back to PUBLIC_URL.
    expect(`${authorize.origin}${authorize.pathname}`).toBe(
      `${new URL(world.discord.apiUrl).origin}/oauth2/authorize`,
    );
    expect(authorize.searchParams.get("scope")).toBe("identify guilds");
    expect(authorize.searchParams.get("redirect_uri")).toBe(`${world.publicUrl}/auth/callback`);
    // The picker lists the local users.
    const picker = await fetch(authorize);
    expect(await picker.text()).toContain("Log in as Mara");

    const redirect = await authorizeAs(authorize.toString(), world.managerId);
    const done = await callback(world, redirect);
    expect(done.statusCode).toBe(303);
    expect(done.headers.location).toBe("/");
    const setCookie = String(done.headers["set-cookie"]);
    expect(setCookie).toMatch(/^rally_session=[\w-]{40,};/);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Lax/);
    expect(setCookie).not.toMatch(/Secure/);

    const home = await get(world, "/", cookieOf(done.headers["set-cookie"]));
    expect(home.statusCode).toBe(200);
    expect(home.body).toContain(`<a href="/g/${world.guildId}">Campaign HQ</a>`);
    // A plain member there: not listed.
    expect(home.body).not.toContain(world.otherGuildId);
  });

  it("marks the cookie Secure (and __Host-) when PUBLIC_URL is https", async () => {
    const world = await startWebWorld({ publicUrl: "https://rally.example.org" });
    const started = await startLogin(world);
    const redirect = await authorizeAs(String(started.headers.location), world.managerId);
    const done = await callback(world, redirect);
    const setCookie = String(done.headers["set-cookie"]);
    expect(setCookie).toMatch(/^__Host-rally_session=/);
    expect(setCookie).toMatch(/; Secure/);
  });

  it("refuses a replayed state, even with a fresh code from Discord", async () => {
    const world = await startWebWorld();
    const started = await startLogin(world);
    const authorize = String(started.headers.location);
    const first = await callback(world, await authorizeAs(authorize, world.managerId));
    expect(first.statusCode).toBe(303);
    // Same state again, with a new (valid) code: the state was used.
    const replay = await callback(world, await authorizeAs(authorize, world.managerId));
    expect(replay.statusCode).toBe(400);
    expect(replay.headers["set-cookie"]).toBeUndefined();
    expect(replay.body).toContain("already used or took too long");
  });

  it("refuses a state this server never issued, and an expired one", async () => {
    const world = await startWebWorld();
    const started = await startLogin(world);
    const redirect = await authorizeAs(String(started.headers.location), world.managerId);
    const forged = new URL(redirect);
    forged.searchParams.set("state", "made-up-state");
    expect((await callback(world, forged)).statusCode).toBe(400);
    world.clock.now = new Date(world.clock.now.getTime() + 11 * 60 * 1000);
    expect((await callback(world, redirect)).statusCode).toBe(400);
  });

  it.each([
    ["https://evil.example", "/"],
    ["//evil.example", "/"],
    ["/\\evil.example", "/"],
    ["/\t/evil.example", "/"],
    ["javascript:alert(1)", "/"],
    ["/g/123?x=1", "/g/123?x=1"],
  ])("after login, next=%j sends the browser to %j", async (next, location) => {
    const world = await startWebWorld();
    expect((await logIn(world, world.managerId, next)).location).toBe(location);
  });

  it("gives a new session at every login and ends the one the browser had", async () => {
    const world = await startWebWorld();
    const { cookie: before } = await logIn(world, world.managerId);
    const started = await startLogin(world, undefined, before);
    const redirect = await authorizeAs(String(started.headers.location), world.managerId);
    const done = await callback(world, redirect, before);
    const after = cookieOf(done.headers["set-cookie"]);
    expect(after).not.toBe(before);
    expect((await get(world, `/g/${world.guildId}`, after)).statusCode).toBe(200);
    expect((await get(world, `/g/${world.guildId}`, before)).statusCode).toBe(303);
  });

  it("rate-limits logins from one address", async () => {
    const world = await startWebWorld({ loginRateLimit: 3 });
    for (let attempt = 0; attempt < 3; attempt += 1)
      expect((await startLogin(world)).statusCode).toBe(303);
    const limited = await startLogin(world);
    expect(limited.statusCode).toBe(429);
    expect(limited.body).toContain("Too many logins");
  });
});

describe("logging out and expiry", () => {
  it("a session cookie stops working after logout", async () => {
    const world = await startWebWorld();
    const { cookie } = await logIn(world, world.managerId);
    const page = await get(world, `/g/${world.guildId}`, cookie);
    const csrf = csrfIn(page.body);
    const out = await post(world, "/logout", { _csrf: csrf }, cookie);
    expect(out.statusCode).toBe(303);
    expect(String(out.headers["set-cookie"])).toMatch(/rally_session=;/);
    // The old cookie, sent again by hand: logged out for good.
    const after = await get(world, `/g/${world.guildId}`, cookie);
    expect(after.statusCode).toBe(303);
    expect(after.headers.location).toBe(`/login?next=${encodeURIComponent(`/g/${world.guildId}`)}`);
    expect((await get(world, "/", cookie)).body).toContain("Log in with Discord");
  });

  it("a session expires after a week", async () => {
    const world = await startWebWorld();
    const { cookie } = await logIn(world, world.managerId);
    world.clock.now = new Date(world.clock.now.getTime() + 7 * 24 * 60 * 60 * 1000 + 1000);
    expect((await get(world, `/g/${world.guildId}`, cookie)).statusCode).toBe(303);
  });
});

describe("who may see and change what", () => {
  it("an organizer by role (no Manage Server) sees the server and sets a count", async () => {
    const world = await startWebWorld();
    const campaign = await campaignIn(world, world.guildId, "Free the press");
    const { cookie } = await logIn(world, world.roleOrganizerId);
    const list = await get(world, `/g/${world.guildId}`, cookie);
    expect(list.statusCode).toBe(200);
    expect(list.body).toContain(
      `href="/g/${world.guildId}/c/${campaign.number}">Free the press</a>`,
    );
    const page = await get(world, `/g/${world.guildId}/c/${campaign.number}`, cookie);
    const set = await post(
      world,
      `/g/${world.guildId}/c/${campaign.number}/count`,
      { _csrf: csrfIn(page.body), kind: "set", value: "120", note: "from the site" },
      cookie,
    );
    expect(set.statusCode).toBe(303);
    expect(set.headers.location).toBe(`/g/${world.guildId}/c/${campaign.number}?saved=1`);
    expect((await getCampaign(world.db, world.guildId, campaign.id)).count).toBe(120);
    const after = await get(world, String(set.headers.location), cookie);
    expect(after.body).toContain("120 of 500 signatures");
    expect(after.body).toContain("from the site");
    // The same audit trail as /campaign count, and the card's refresh is due.
    const audit = await world.db.auditEntry.findMany({ where: { action: "campaign.count" } });
    expect(audit.map((entry) => entry.actorId)).toEqual([world.roleOrganizerId]);
    const jobs = await world.db.dueJob.findMany({ where: { subjectId: String(campaign.id) } });
    expect(jobs.map((job) => job.kind)).toContain("campaign.card");
  });

  it("a volunteer's session opens no organizer page and changes nothing", async () => {
    const world = await startWebWorld();
    const campaign = await campaignIn(world, world.guildId, "Free the press");
    // The volunteer manages the other server: a real session, the wrong server.
    const { cookie } = await logIn(world, world.volunteerId);
    const home = await get(world, "/", cookie);
    expect(home.body).not.toContain(`/g/${world.guildId}"`);
    expect((await get(world, `/g/${world.guildId}`, cookie)).statusCode).toBe(404);
    const path = `/g/${world.guildId}/c/${campaign.number}`;
    expect((await get(world, path, cookie)).statusCode).toBe(404);
    const csrf = csrfIn((await get(world, `/g/${world.otherGuildId}`, cookie)).body);
    expect(csrf).not.toBe("");
    const forged = await post(
      world,
      `${path}/count`,
      { _csrf: csrf, kind: "set", value: "9" },
      cookie,
    );
    expect(forged.statusCode).toBe(404);
    expect((await getCampaign(world.db, world.guildId, campaign.id)).count).toBe(0);
  });

  it("another server's ids in a URL or form are 404, and change nothing there", async () => {
    const world = await startWebWorld();
    const theirs = await campaignIn(world, world.otherGuildId, "Their campaign");
    await campaignIn(world, world.guildId, "Ours");
    const { cookie } = await logIn(world, world.managerId);
    const csrf = csrfIn((await get(world, `/g/${world.guildId}`, cookie)).body);
    expect((await get(world, `/g/${world.otherGuildId}`, cookie)).statusCode).toBe(404);
    const theirPath = `/g/${world.otherGuildId}/c/${theirs.number}`;
    expect((await get(world, theirPath, cookie)).statusCode).toBe(404);
    const forged = await post(
      world,
      `${theirPath}/count`,
      { _csrf: csrf, kind: "set", value: "9" },
      cookie,
    );
    expect(forged.statusCode).toBe(404);
    expect(
      (await post(world, `${theirPath}/close`, { _csrf: csrf, outcome: "won" }, cookie)).statusCode,
    ).toBe(404);
    expect(await getCampaign(world.db, world.otherGuildId, theirs.id)).toMatchObject({
      count: 0,
      status: "active",
    });
    // Numbers that do not exist here, or are not numbers, or servers that do not exist.
    expect((await get(world, `/g/${world.guildId}/c/999`, cookie)).statusCode).toBe(404);
    expect((await get(world, `/g/${world.guildId}/c/abc`, cookie)).statusCode).toBe(404);
    expect((await get(world, "/g/123456789012345678", cookie)).statusCode).toBe(404);
    expect((await get(world, "/g/not-a-server", cookie)).statusCode).toBe(404);
  });

  it("refuses a POST without the form token, or with another session's", async () => {
    const world = await startWebWorld();
    const campaign = await campaignIn(world, world.guildId, "Free the press");
    const path = `/g/${world.guildId}/c/${campaign.number}`;
    const { cookie } = await logIn(world, world.managerId);
    const { cookie: other } = await logIn(world, world.roleOrganizerId);
    const othersToken = csrfIn((await get(world, path, other)).body);
    const without = await post(world, `${path}/count`, { kind: "set", value: "7" }, cookie);
    expect(without.statusCode).toBe(403);
    expect(without.body).toContain("This form expired");
    const borrowed = await post(
      world,
      `${path}/count`,
      { _csrf: othersToken, kind: "set", value: "7" },
      cookie,
    );
    expect(borrowed.statusCode).toBe(403);
    expect((await post(world, "/logout", {}, cookie)).statusCode).toBe(403);
    expect((await getCampaign(world.db, world.guildId, campaign.id)).count).toBe(0);
  });

  it("closes and reopens through the same rules as the slash commands", async () => {
    const world = await startWebWorld();
    const campaign = await campaignIn(world, world.guildId, "Free the press");
    const path = `/g/${world.guildId}/c/${campaign.number}`;
    const { cookie } = await logIn(world, world.managerId);
    const csrf = csrfIn((await get(world, path, cookie)).body);
    expect(
      (await post(world, `${path}/close`, { _csrf: csrf, outcome: "won" }, cookie)).statusCode,
    ).toBe(303);
    expect((await getCampaign(world.db, world.guildId, campaign.id)).status).toBe("won");
    // Closed: the count cannot change, with the domain's own message.
    const refused = await post(
      world,
      `${path}/count`,
      { _csrf: csrf, kind: "add", value: "5" },
      cookie,
    );
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toContain("Free the press");
    expect((await post(world, `${path}/reopen`, { _csrf: csrf }, cookie)).statusCode).toBe(303);
    expect((await getCampaign(world.db, world.guildId, campaign.id)).status).toBe("active");
    const bad = await post(
      world,
      `${path}/count`,
      { _csrf: csrf, kind: "set", value: "lots" },
      cookie,
    );
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain("Type a whole number");
  });
});

describe("pages", () => {
  it("escape every member's text and carry a strict Content-Security-Policy", async () => {
    const world = await startWebWorld();
    const campaign = await campaignIn(world, world.guildId, `<script>alert("x")</script>`);
    const { cookie } = await logIn(world, world.managerId);
    for (const path of [`/g/${world.guildId}`, `/g/${world.guildId}/c/${campaign.number}`]) {
      const page = await get(world, path, cookie);
      expect(page.statusCode).toBe(200);
      expect(page.body).not.toContain("<script");
      expect(page.body).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
      const csp = String(page.headers["content-security-policy"]);
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain("unsafe-inline");
      expect(csp).not.toMatch(/https?:/);
      expect(page.headers["x-content-type-options"]).toBe("nosniff");
    }
    const css = await get(world, "/static/dashboard.css");
    expect(css.statusCode).toBe(200);
    expect(css.headers["content-type"]).toMatch(/^text\/css/);
  });

  it("speak the reader's language", async () => {
    const world = await startWebWorld();
    const page = await world.app.inject({
      method: "GET",
      url: "/",
      headers: { "accept-language": "uk-UA,uk;q=0.9,en;q=0.5" },
    });
    expect(page.body).toContain('<html lang="uk">');
    expect(page.body).toContain("Увійти через Discord");
  });

  it("draw the count history as a chart image", async () => {
    const world = await startWebWorld();
    const campaign = await campaignIn(world, world.guildId, "Free the press");
    const { cookie } = await logIn(world, world.managerId);
    const chart = await get(world, `/g/${world.guildId}/c/${campaign.number}/chart.png`, cookie);
    expect(chart.statusCode).toBe(200);
    expect(chart.headers["content-type"]).toBe("image/png");
    expect(chart.rawPayload.subarray(1, 4).toString()).toBe("PNG");
  });

  it("never write a session token, an OAuth2 code or state into the logs", async () => {
    const world = await startWebWorld();
    const started = await startLogin(world);
    const redirect = await authorizeAs(String(started.headers.location), world.managerId);
    const done = await callback(world, redirect);
    const token = cookieOf(done.headers["set-cookie"]).split("=")[1] ?? "";
    // A failing request is logged: with its path, never its query or cookie.
    world.discord.injectFault({ path: "/guilds/", status: 500, times: 10 });
    const failed = await get(
      world,
      `/g/${world.guildId}?code=secret-code`,
      `rally_session=${token}`,
    );
    expect(failed.statusCode).toBe(500);
    const logged = JSON.stringify(world.logs);
    expect(logged).toContain("web request failed");
    for (const secret of [
      token,
      redirect.searchParams.get("code"),
      redirect.searchParams.get("state"),
      "secret-code",
    ])
      expect(logged).not.toContain(secret);
  });
});
