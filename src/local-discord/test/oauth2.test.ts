import { afterEach, describe, expect, it } from "vitest";
import { startLocalDiscord, type LocalDiscord } from "../localDiscord.ts";

let discord: LocalDiscord | undefined;
afterEach(async () => {
  await discord?.close();
  discord = undefined;
});

const redirectUri = "http://127.0.0.1:9/auth/callback";

async function codeFor(local: LocalDiscord, userId: string, scope = "identify guilds") {
  const origin = new URL(local.apiUrl).origin;
  const form = new URLSearchParams({
    client_id: local.applicationId,
    redirect_uri: redirectUri,
    response_type: "code",
    scope,
    state: "s1",
    user_id: userId,
  });
  const response = await fetch(`${origin}/oauth2/authorize`, {
    method: "POST",
    body: form,
    redirect: "manual",
  });
  expect(response.status).toBe(302);
  const location = new URL(response.headers.get("location") ?? "");
  expect(location.searchParams.get("state")).toBe("s1");
  return location.searchParams.get("code") ?? "";
}

function exchange(local: LocalDiscord, fields: Record<string, string>) {
  return fetch(`${local.apiUrl}/v10/oauth2/token`, {
    method: "POST",
    body: new URLSearchParams({
      grant_type: "authorization_code",
      redirect_uri: redirectUri,
      client_id: local.applicationId,
      client_secret: local.oauth2ClientSecret,
      ...fields,
    }),
  });
}

describe("OAuth2", () => {
  it("trades a code once for a token that reads the user and their servers", async () => {
    discord = await startLocalDiscord();
    const owner = discord.createUser({ username: "owner", globalName: "Olga" });
    const guild = discord.createGuild({ name: "HQ", ownerId: owner.id });
    const code = await codeFor(discord, owner.id);
    const token = await exchange(discord, { code });
    expect(token.status).toBe(200);
    const { access_token: accessToken } = (await token.json()) as { access_token: string };
    const headers = { authorization: `Bearer ${accessToken}` };
    const me = await fetch(`${discord.apiUrl}/v10/users/@me`, { headers });
    expect(await me.json()).toMatchObject({ id: owner.id, global_name: "Olga" });
    const guilds = (await (
      await fetch(`${discord.apiUrl}/v10/users/@me/guilds`, { headers })
    ).json()) as { id: string; owner: boolean; permissions: string }[];
    expect(guilds).toEqual([expect.objectContaining({ id: guild.id, name: "HQ", owner: true })]);
    // The same code again: refused, as on Discord.
    const again = await exchange(discord, { code });
    expect(again.status).toBe(400);
    expect(await again.json()).toEqual({ error: "invalid_grant" });
  });

  it("refuses a wrong client secret, another redirect_uri, and an unknown token", async () => {
    discord = await startLocalDiscord();
    const user = discord.createUser({ username: "someone" });
    const wrongSecret = await exchange(discord, {
      code: await codeFor(discord, user.id),
      client_secret: "wrong",
    });
    expect(wrongSecret.status).toBe(401);
    const elsewhere = await exchange(discord, {
      code: await codeFor(discord, user.id),
      redirect_uri: "http://127.0.0.1:9/other",
    });
    expect(elsewhere.status).toBe(400);
    const unknown = await fetch(`${discord.apiUrl}/v10/users/@me`, {
      headers: { authorization: "Bearer made-up" },
    });
    expect(unknown.status).toBe(401);
  });
});
