/**
 * What the web side asks Discord: the OAuth2 login (authorize link, code exchange, who logged
 * in and their servers), and, with the bot's token, a member's roles and a server's roles, from
 * which permissions are computed. The web process has no gateway and Rally no member cache, so
 * lookups go over REST, cached briefly.
 */
import { DiscordAPIError, REST } from "@discordjs/rest";
import {
  Routes,
  type APIGuildMember,
  type APIRole,
  type RESTGetAPIGuildResult,
} from "discord-api-types/v10";
import { nowMs } from "../clock.ts";
import { serverPermissions } from "../domain/permissions.ts";

export interface OAuthUser {
  id: string;
  name: string;
}

export interface Membership {
  guildName: string;
  permissions: bigint;
  roleIds: string[];
}

export interface DiscordAccess {
  /** Discord's authorize page for this login. */
  authorizeUrl(state: string, redirectUri: string): string;
  /** Trades the callback's code for the member and the servers they are in; null when refused. */
  login(
    code: string,
    redirectUri: string,
  ): Promise<{ user: OAuthUser; guilds: { id: string; permissions: bigint }[] } | null>;
  /** The member's roles and permissions in a server; null when Rally or the member is not there. */
  membership(guildId: string, userId: string): Promise<Membership | null>;
  /** The name a member shows in a server (nickname, display name, username); null when unknown. */
  memberName(guildId: string, userId: string): Promise<string | null>;
  /** A server's role names by id (from the server lookup the permission check caches). */
  roleNames(guildId: string): Promise<Map<string, string>>;
}

interface DiscordAccessOptions {
  /** DISCORD_API_URL (without /v10); Discord's when unset. */
  apiUrl: string | undefined;
  clientId: string;
  clientSecret: string;
  botToken: string;
  now?: () => number;
  /** How long a member's or a server's roles are trusted (default 30 s). */
  cacheMs?: number;
}

const discordApi = "https://discord.com/api";

/** Answers that mean "not there": unknown server or member, or Rally not in it. */
function isAbsent(error: unknown): boolean {
  return (
    error instanceof DiscordAPIError &&
    (error.status === 404 || (error.status === 403 && error.code === 50001))
  );
}

function briefCache<T>(cacheMs: number, now: () => number) {
  const entries = new Map<string, { at: number; value: Promise<T> }>();
  return (key: string, load: () => Promise<T>): Promise<T> => {
    const time = now();
    const cached = entries.get(key);
    if (cached && time - cached.at < cacheMs) return cached.value;
    if (entries.size > 10_000) entries.clear();
    const value = load();
    entries.set(key, { at: time, value });
    // A failure is not remembered: the next page asks again.
    value.catch(() => entries.delete(key));
    return value;
  };
}

export function createDiscordAccess(options: DiscordAccessOptions): DiscordAccess {
  const api = (options.apiUrl ?? discordApi).replace(/\/$/, "");
  // Discord's authorize page is on its site, not under the API: the API's origin.
  const authorizeBase = `${new URL(options.apiUrl ?? "https://discord.com").origin}/oauth2/authorize`;
  const rest = new REST({ api }).setToken(options.botToken);
  const now = options.now ?? nowMs;
  const cacheMs = options.cacheMs ?? 30_000;
  const guildCache = briefCache<RESTGetAPIGuildResult | null>(cacheMs, now);
  const memberCache = briefCache<APIGuildMember | null>(cacheMs, now);

  async function orAbsent<T>(request: Promise<unknown>): Promise<T | null> {
    try {
      return (await request) as T;
    } catch (error) {
      if (isAbsent(error)) return null;
      throw error;
    }
  }

  async function oauthGet<T>(path: string, accessToken: string): Promise<T> {
    const response = await fetch(`${api}/v10${path}`, {
      headers: { authorization: `Bearer ${accessToken}` },
      signal: AbortSignal.timeout(15_000),
    });
    if (!response.ok) throw new Error(`Discord answered ${response.status} to GET ${path}`);
    return (await response.json()) as T;
  }

  return {
    authorizeUrl(state, redirectUri) {
      const url = new URL(authorizeBase);
      url.searchParams.set("client_id", options.clientId);
      url.searchParams.set("response_type", "code");
      url.searchParams.set("redirect_uri", redirectUri);
      url.searchParams.set("scope", "identify guilds");
      url.searchParams.set("state", state);
      url.searchParams.set("prompt", "none");
      return url.toString();
    },

    async login(code, redirectUri) {
      const response = await fetch(`${api}/v10/oauth2/token`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({
          grant_type: "authorization_code",
          code,
          redirect_uri: redirectUri,
          client_id: options.clientId,
          client_secret: options.clientSecret,
        }),
        signal: AbortSignal.timeout(15_000),
      });
      // A code used twice, expired, or for another redirect: Discord's 400 invalid_grant.
      if (response.status === 400) return null;
      if (!response.ok) throw new Error(`Discord answered ${response.status} to the code exchange`);
      const token = (await response.json()) as { access_token: string };
      const [me, guilds] = await Promise.all([
        oauthGet<{ id: string; username: string; global_name?: string | null }>(
          "/users/@me",
          token.access_token,
        ),
        oauthGet<{ id: string; permissions?: string }[]>("/users/@me/guilds", token.access_token),
      ]);
      // The access token is dropped here: Rally keeps nothing that acts as the member.
      return {
        user: { id: me.id, name: me.global_name ?? me.username },
        guilds: guilds.map((guild) => ({
          id: guild.id,
          permissions: /^\d+$/.test(guild.permissions ?? "") ? BigInt(guild.permissions ?? 0) : 0n,
        })),
      };
    },

    async membership(guildId, userId) {
      if (!/^\d{17,20}$/.test(guildId)) return null;
      const [guild, member] = await Promise.all([
        guildCache(guildId, () => orAbsent(rest.get(Routes.guild(guildId)))),
        memberCache(`${guildId}:${userId}`, () =>
          orAbsent(rest.get(Routes.guildMember(guildId, userId))),
        ),
      ]);
      if (!guild || !member) return null;
      const roles = guild.roles.map((role: APIRole) => ({
        id: role.id,
        permissions: BigInt(role.permissions),
      }));
      return {
        guildName: guild.name,
        roleIds: member.roles,
        permissions: serverPermissions(
          { id: guild.id, ownerId: guild.owner_id, roles },
          userId,
          member.roles,
        ),
      };
    },

    async memberName(guildId, userId) {
      if (!/^\d{17,20}$/.test(guildId) || !/^\d{17,20}$/.test(userId)) return null;
      const member = await memberCache(`${guildId}:${userId}`, () =>
        orAbsent(rest.get(Routes.guildMember(guildId, userId))),
      ).catch(() => null);
      if (!member) return null;
      return member.nick ?? member.user.global_name ?? member.user.username;
    },

    async roleNames(guildId) {
      if (!/^\d{17,20}$/.test(guildId)) return new Map();
      const guild = await guildCache(guildId, () => orAbsent(rest.get(Routes.guild(guildId))));
      return new Map((guild?.roles ?? []).map((role: APIRole) => [role.id, role.name]));
    },
  };
}
