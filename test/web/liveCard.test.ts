/** A count set on the dashboard reaches the live card in Discord, through the bot's due job. */
import { describe, expect, it } from "vitest";
import { createLogger } from "../../src/log.ts";
import { createDiscordAccess } from "../../src/web/discordAccess.ts";
import { createWebServer } from "../../src/web/server.ts";
import { startTestBot } from "../support/bot.ts";
import { authorizeAs, cookieOf, csrfIn, sessionSecret } from "../support/web.ts";

describe("the dashboard and the bot together", () => {
  it("a count set on the web edits the campaign's card in Discord", async () => {
    const clock = { now: new Date(Date.UTC(2026, 11, 1, 12, 0)) };
    const bot = await startTestBot({ now: () => clock.now });
    await bot.run(bot.organizerId, `/campaign create title:"Free the press" goal:500`);
    const campaign = await bot.rally.db.campaign.findFirstOrThrow({
      where: { guildId: bot.guildId },
    });
    const app = await createWebServer({
      db: bot.rally.db,
      discord: createDiscordAccess({
        apiUrl: bot.discord.apiUrl,
        clientId: bot.discord.applicationId,
        clientSecret: bot.discord.oauth2ClientSecret,
        botToken: "test-token-for-the-local-discord",
      }),
      log: createLogger("silent"),
      publicUrl: "http://127.0.0.1:8788",
      sessionSecret,
      now: () => clock.now,
    });
    try {
      const login = await app.inject({ method: "GET", url: "/login" });
      const redirect = await authorizeAs(String(login.headers.location), bot.organizerId);
      const done = await app.inject({
        method: "GET",
        url: `${redirect.pathname}${redirect.search}`,
      });
      const cookie = cookieOf(done.headers["set-cookie"]);
      const path = `/g/${bot.guildId}/c/${campaign.number}`;
      const page = await app.inject({ method: "GET", url: path, headers: { cookie } });
      expect(page.statusCode).toBe(200);
      const set = await app.inject({
        method: "POST",
        url: `${path}/count`,
        headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
        payload: new URLSearchParams({
          _csrf: csrfIn(page.body),
          kind: "set",
          value: "332",
        }).toString(),
      });
      expect(set.statusCode).toBe(303);

      clock.now = new Date(clock.now.getTime() + 10_000);
      await bot.rally.scheduler.tick();
      const { cardMessageId } = await bot.rally.db.campaign.findUniqueOrThrow({
        where: { id: campaign.id },
      });
      const card = bot.discord.message(cardMessageId ?? "");
      expect(card?.embeds[0]?.description).toContain("**332** so far! Help us get to **500**");
      // No milestone yet: 332 is short of 500.
      const campaignChannel = campaign.channelId;
      const milestones = () =>
        bot.discord.messages(campaignChannel).filter((message) => message.content.startsWith("🎉"));
      expect(milestones()).toEqual([]);

      // A tally that crosses the goal: the bot posts the milestone once, as for /campaign count.
      const again = await app.inject({ method: "GET", url: path, headers: { cookie } });
      const add = await app.inject({
        method: "POST",
        url: `${path}/count`,
        headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
        payload: new URLSearchParams({
          _csrf: csrfIn(again.body),
          kind: "add",
          value: "200",
          note: "paper forms",
        }).toString(),
      });
      expect(add.statusCode).toBe(303);
      await bot.rally.scheduler.tick();
      await bot.rally.scheduler.tick();
      expect(milestones().map((message) => message.content.split("\n")[0])).toEqual([
        expect.stringContaining("500"),
      ]);
    } finally {
      await app.close();
    }
  });
});
