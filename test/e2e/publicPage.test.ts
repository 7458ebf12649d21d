import Fastify from "fastify";
import { describe, expect, it } from "vitest";
import { registerPublicPages } from "../../src/web/publicPages.ts";
import { startTestBot, type TestBot } from "../support/bot.ts";

const ephemeral = 64;

async function createCampaign(bot: TestBot) {
  await bot.run(
    bot.organizerId,
    '/campaign create title:"Free political prisoners" goal:500 link:https://example.org/petition',
  );
  const campaign = await bot.rally.db.campaign.findFirstOrThrow({ orderBy: { id: "desc" } });
  await bot.run(bot.organizerId, `/campaign count campaign:${campaign.id} set:332`);
  return campaign;
}

/** The public pages over the bot's own database, as the web server serves them. */
async function publicPages(bot: TestBot) {
  const app = Fastify();
  registerPublicPages(app, {
    db: bot.rally.db,
    publicUrl: "https://rally.example.org",
    cacheMs: 0,
  });
  await app.ready();
  return (url: string) => app.inject({ method: "GET", url });
}

describe("/campaign edit web_page", () => {
  it("publishes the page and answers with its address; the page names no volunteer", async () => {
    const bot = await startTestBot({ publicUrl: "https://rally.example.org/" });
    const campaign = await createCampaign(bot);
    const [volunteer1, volunteer2] = bot.volunteerIds;
    await bot.run(volunteer1 ?? "", "/me credit mode:public");
    await bot.run(
      bot.organizerId,
      `/task add campaign:${campaign.id} title:"Table at the student union" kind:campus location:"Student union" slots:4`,
    );
    const task = await bot.rally.db.outreachTask.findFirstOrThrow({ orderBy: { id: "desc" } });
    await bot.run(volunteer1 ?? "", `/task claim task:${task.id}`);
    await bot.run(volunteer2 ?? "", `/task claim task:${task.id}`);

    const on = await bot.run(
      bot.organizerId,
      `/campaign edit campaign:${campaign.id} web_page:true`,
    );

    const { webSlug } = await bot.rally.db.campaign.findUniqueOrThrow({
      where: { id: campaign.id },
    });
    expect(webSlug).toMatch(/^[a-z2-9]{10}$/);
    expect(on.content).toBe(
      [
        "Campaign updated.",
        `Public page: https://rally.example.org/c/${webSlug}. It shows the count and goal, never members. Turn it off with \`web_page:false\`.`,
      ].join("\n"),
    );
    expect(on.flags & ephemeral).toBe(ephemeral);
    const audit = await bot.run(bot.organizerId, "/settings audit");
    expect(JSON.stringify(audit.embeds)).toContain("campaign edited #1: public page No → Yes");

    const get = await publicPages(bot);
    const page = await get(`/c/${webSlug}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain("<strong>332</strong> so far! Help us get to <strong>500</strong>");
    for (const member of bot.world.members.filter((m) => m.id !== bot.organizerId)) {
      expect(page.body).not.toContain(member.name);
      expect(page.body).not.toContain(member.id);
    }
    expect(page.body).not.toContain("Student union");

    const off = await bot.run(
      bot.organizerId,
      `/campaign edit campaign:${campaign.id} web_page:false`,
    );
    expect(off.content).toBe(
      "Campaign updated.\nThe public page is off: its address now shows “not found”. Turned on again, it keeps the same address.",
    );
    expect((await get(`/c/${webSlug}`)).statusCode).toBe(404);
  });

  it("says what to set when PUBLIC_URL is not, and can take a closed campaign's page down", async () => {
    const bot = await startTestBot();
    const campaign = await createCampaign(bot);

    const on = await bot.run(
      bot.organizerId,
      `/campaign edit campaign:${campaign.id} web_page:true`,
    );

    const { webSlug } = await bot.rally.db.campaign.findUniqueOrThrow({
      where: { id: campaign.id },
    });
    expect(on.content).toBe(
      [
        "Campaign updated.",
        `The public page is on, but Rally has no public address yet: the bot's operator sets \`PUBLIC_URL\` (such as https://rally.example.org), and the page is then at \`PUBLIC_URL/c/${webSlug}\`.`,
      ].join("\n"),
    );

    await bot.run(bot.organizerId, `/campaign close campaign:${campaign.id} outcome:ended`);
    const get = await publicPages(bot);
    expect((await get(`/c/${webSlug}`)).body).toContain("This campaign has ended.");
    const off = await bot.run(
      bot.organizerId,
      `/campaign edit campaign:${campaign.id} web_page:false`,
    );
    expect(off.content).toMatch(/^Campaign updated\.\nThe public page is off/);
    expect((await get(`/c/${webSlug}`)).statusCode).toBe(404);
    // Other changes to a closed campaign are still refused.
    const goal = await bot.run(
      bot.organizerId,
      `/campaign edit campaign:${campaign.id} goal:900 web_page:true`,
    );
    expect(goal.content).toBe(
      "“Free political prisoners” is closed. Reopen it with `/campaign reopen` to change it.",
    );
  });
});
