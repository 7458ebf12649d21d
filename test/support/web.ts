/**
 * The dashboard as tests drive it: a local Discord (OAuth2 and the REST lookups, for real), a
 * fresh database, and the web server answering `inject` requests. Logging in goes through the
 * local Discord's authorize page and token endpoint, as a browser would.
 */
import { createServer } from "node:net";
import { Writable } from "node:stream";
import type { FastifyInstance } from "fastify";
import { createCampaign } from "../../src/domain/campaigns.ts";
import { changeSetting } from "../../src/domain/guildSettings.ts";
import type { Database as Db } from "../../src/db/store.ts";
import { startLocalDiscord, type LocalDiscord } from "../../src/local-discord/localDiscord.ts";
import { createLogger } from "../../src/log.ts";
import { createDiscordAccess } from "../../src/web/discordAccess.ts";
import { registerPublicPages } from "../../src/web/publicPages.ts";
import { createWebServer } from "../../src/web/server.ts";
import { createTestDb } from "./db.ts";
import { afterEveryTest } from "./lifecycle.ts";

const cleanups: (() => Promise<unknown>)[] = [];
afterEveryTest(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

export const sessionSecret = "a-test-session-secret-of-32-bytes-or-more";
const manageGuild = 1n << 5n;

export interface WebWorld {
  discord: LocalDiscord;
  db: Db;
  app: FastifyInstance;
  publicUrl: string;
  logs: Record<string, unknown>[];
  /** The clock the web server reads; tests move it. */
  clock: { now: Date };
  guildId: string;
  otherGuildId: string;
  channelId: string;
  /** Manage Server through a role, not the owner. */
  managerId: string;
  /** Holds the server's organizer role (set with /settings), without Manage Server. */
  roleOrganizerId: string;
  volunteerId: string;
}

export async function startWebWorld(
  options: {
    publicUrl?: string;
    loginRateLimit?: number;
    db?: Db;
    discord?: LocalDiscord;
    /** Listen on a free port of 127.0.0.1 (for a browser); PUBLIC_URL is that address. */
    listen?: boolean;
  } = {},
): Promise<WebWorld> {
  const discord = options.discord ?? (await startLocalDiscord());
  if (!options.discord) cleanups.push(() => discord.close());
  const db = options.db ?? (await createTestDb());
  const owner = discord.createUser({ username: "owner" });
  const manager = discord.createUser({ username: "manager", globalName: "Mara" });
  const roleOrganizer = discord.createUser({ username: "role-organizer" });
  const volunteer = discord.createUser({ username: "volunteer" });
  const guild = discord.createGuild({ name: "Campaign HQ", ownerId: owner.id });
  const managers = discord.createRole(guild.id, { name: "Managers", permissions: manageGuild });
  const organizers = discord.createRole(guild.id, { name: "Organizers", permissions: 0n });
  discord.addMember(guild.id, manager.id, { roles: [managers.id] });
  discord.addMember(guild.id, roleOrganizer.id, { roles: [organizers.id] });
  discord.addMember(guild.id, volunteer.id);
  const channel = discord.createChannel(guild.id, { name: "general" });
  // Another server where the manager is a plain member and the volunteer manages.
  const other = discord.createGuild({ name: "Someone else's server" });
  const otherManagers = discord.createRole(other.id, { name: "Admins", permissions: manageGuild });
  discord.addMember(other.id, manager.id);
  discord.addMember(other.id, volunteer.id, { roles: [otherManagers.id] });
  await changeSetting(db, guild.id, owner.id, { setting: "organizerRole", roleId: organizers.id });

  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split("\n").filter(Boolean)) logs.push(JSON.parse(line));
      done();
    },
  });
  const port = options.listen ? await freePort() : 0;
  const publicUrl = options.listen
    ? `http://127.0.0.1:${port}`
    : (options.publicUrl ?? "http://127.0.0.1:8788");
  const clock = { now: new Date() };
  const app = await createWebServer({
    db,
    discord: createDiscordAccess({
      apiUrl: discord.apiUrl,
      clientId: discord.applicationId,
      clientSecret: discord.oauth2ClientSecret,
      botToken: "test-token-for-the-local-discord",
      // Permission changes in a test apply at once.
      cacheMs: 0,
    }),
    log: createLogger("info", sink),
    publicUrl,
    sessionSecret,
    now: () => clock.now,
    // The public progress pages (/c/<slug>), mounted as the bot mounts them (src/app.ts).
    plugins: [
      (server) => registerPublicPages(server, { db, publicUrl, now: () => clock.now.getTime() }),
    ],
    ...(options.loginRateLimit ? { loginRateLimit: options.loginRateLimit } : {}),
  });
  cleanups.push(() => app.close());
  if (options.listen) await app.listen({ port, host: "127.0.0.1" });
  return {
    discord,
    db,
    app,
    publicUrl,
    logs,
    clock,
    guildId: guild.id,
    otherGuildId: other.id,
    channelId: channel.id,
    managerId: manager.id,
    roleOrganizerId: roleOrganizer.id,
    volunteerId: volunteer.id,
  };
}

/** A port of 127.0.0.1 nothing listens on now (for a server whose address must be known first). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
      .once("error", reject)
      .listen(0, "127.0.0.1", () => {
        const address = probe.address();
        probe.close(() => resolve(typeof address === "object" && address ? address.port : 0));
      });
  });
}

export function campaignIn(world: WebWorld, guildId: string, title: string, goal = 500) {
  return createCampaign(world.db, guildId, world.managerId, {
    title,
    goal,
    unit: "signatures",
    description: null,
    link: null,
    callToAction: null,
    channelId: world.channelId,
    endsAt: null,
    autoRaise: false,
  });
}

/** The cookie a Set-Cookie header sets, as "name=value" for the next request. */
export function cookieOf(setCookie: string | string[] | undefined): string {
  const header = [setCookie ?? []].flat()[0] ?? "";
  return header.split(";")[0] ?? "";
}

export function csrfIn(page: string): string {
  return /name="_csrf" value="([^"]+)"/.exec(page)?.[1] ?? "";
}

/** The local Discord's authorize page, submitted as `userId`: where it redirects to. */
export async function authorizeAs(authorizeUrl: string, userId: string): Promise<URL> {
  const url = new URL(authorizeUrl);
  const form = new URLSearchParams(url.searchParams);
  form.set("user_id", userId);
  const response = await fetch(`${url.origin}${url.pathname}`, {
    method: "POST",
    body: form,
    redirect: "manual",
  });
  if (response.status !== 302) throw new Error(`authorize answered ${response.status}`);
  return new URL(response.headers.get("location") ?? "");
}

/** GET /login?next=…: the redirect to Discord's authorize page. */
export async function startLogin(world: WebWorld, next?: string, cookie?: string) {
  const response = await world.app.inject({
    method: "GET",
    url: next === undefined ? "/login" : `/login?next=${encodeURIComponent(next)}`,
    ...(cookie ? { headers: { cookie } } : {}),
  });
  return response;
}

/** The callback request Discord's redirect makes the browser send. */
export function callback(world: WebWorld, redirect: URL, cookie?: string) {
  return world.app.inject({
    method: "GET",
    url: `${redirect.pathname}${redirect.search}`,
    ...(cookie ? { headers: { cookie } } : {}),
  });
}

/** The whole login as `userId`; the session cookie and where the login sent the browser. */
export async function logIn(
  world: WebWorld,
  userId: string,
  next?: string,
): Promise<{ cookie: string; location: string }> {
  const started = await startLogin(world, next);
  const redirect = await authorizeAs(String(started.headers.location), userId);
  const done = await callback(world, redirect);
  if (done.statusCode !== 303)
    throw new Error(`callback answered ${done.statusCode}: ${done.body}`);
  return { cookie: cookieOf(done.headers["set-cookie"]), location: String(done.headers.location) };
}

export function get(world: WebWorld, url: string, cookie?: string) {
  return world.app.inject({ method: "GET", url, ...(cookie ? { headers: { cookie } } : {}) });
}

export function post(world: WebWorld, url: string, form: Record<string, string>, cookie?: string) {
  return world.app.inject({
    method: "POST",
    url,
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      ...(cookie ? { cookie } : {}),
    },
    payload: new URLSearchParams(form).toString(),
  });
}
