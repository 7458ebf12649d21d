// docs/scaling.md tells operators to put @discordjs/proxy in front of Discord when several
// processes must share its rate limits, with DISCORD_API_URL pointing at the proxy. This drives
// the real bot through a real proxy to the local Discord: every REST call Rally makes (the
// gateway's URL, command registration, replies, card edits, follow-ups, files) goes through it.
import { proxyRequests } from "@discordjs/proxy";
import { REST } from "@discordjs/rest";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it, onTestFinished } from "vitest";
import type { LocalDiscord } from "../../src/local-discord/localDiscord.ts";
import { startTestBot } from "../support/bot.ts";
import { withoutLiveCards } from "../support/liveCard.ts";

const ephemeral = 1 << 6;

/** @discordjs/proxy in front of the local Discord, as docs/scaling.md sets it up. */
async function proxyTo(discord: LocalDiscord, forwarded: string[]): Promise<string> {
  const handle = proxyRequests(new REST({ api: discord.apiUrl }));
  const server = createServer((req, res) => {
    forwarded.push(`${req.method} ${req.url}`);
    Promise.resolve(handle(req, res)).catch(() => res.destroy());
  });
  await new Promise<void>((listening) => server.listen(0, "127.0.0.1", listening));
  onTestFinished(() => new Promise<void>((closed) => server.close(() => closed())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
}

describe("Rally behind @discordjs/proxy", () => {
  it("answers, posts and edits cards, follows up and uploads files, all through the proxy", async () => {
    const forwarded: string[] = [];
    const bot = await startTestBot({ apiUrlFor: (discord) => proxyTo(discord, forwarded) });
    const [volunteer] = bot.volunteerIds;

    const created = await bot.run(
      bot.organizerId,
      `/campaign create title:"Free political prisoners" goal:500 channel:<#${bot.channelId}>`,
    );
    expect(created.content?.split("\n")[0]).toBe(
      `Campaign created. Its posts go to <#${bot.channelId}>.`,
    );
    const campaign = await bot.rally.db.campaign.findFirstOrThrow({
      where: { guildId: bot.guildId },
    });
    await bot.run(bot.organizerId, `/task add campaign:${campaign.id} title:"Flyers on campus"`);
    const card = withoutLiveCards(bot.discord.messages(bot.channelId)).at(-1);
    expect(card?.embeds[0]?.title).toContain("Flyers on campus");
    expect(card?.embeds[0]?.description).toMatch(/· 0 of 1 /);

    // Claim: the card updated in place, then the private follow-up (a webhook request).
    const pressed = bot.discord.clickButton({
      messageId: card?.id ?? "",
      userId: volunteer,
      label: "Claim",
    });
    expect((await pressed.response()).type).toBe(7);
    const followUp = await bot.discord.waitFor(() => pressed.followups[0], 5000, "the follow-up");
    await bot.rally.settled();
    expect(followUp.flags & ephemeral).toBe(ephemeral);
    expect(followUp.content).toContain("Flyers on campus");
    expect(bot.discord.message(card?.id ?? "")?.embeds[0]?.description).toMatch(/· 1 of 1 /);

    // A file in the reply: a multipart body, passed through the proxy untouched.
    const shared = await bot.run(volunteer, `/campaign card campaign:${campaign.id}`);
    const [png] = shared.attachments;
    expect(png?.filename).toBe(`campaign-${campaign.id}.png`);
    expect(png?.data.subarray(1, 4).toString()).toBe("PNG");

    // Every request the local Discord saw came through the proxy, one for one, and none failed.
    const received = bot.discord.requests.map((request) => `${request.method} ${request.path}`);
    expect(received).toHaveLength(forwarded.length);
    expect(received).toEqual(
      expect.arrayContaining(["GET /gateway/bot", expect.stringMatching(/^PUT \/applications\//)]),
    );
    expect(forwarded.every((request) => request.includes("/api/v10/"))).toBe(true);
    expect(bot.discord.rejected()).toEqual([]);
  });
});
