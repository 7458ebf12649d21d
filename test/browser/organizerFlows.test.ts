/**
 * An organizer's work in a real browser (#23): approving two submissions at once, a CSV import
 * whose bad row stops everything, a count that reaches the card in Discord, and the public page
 * as anyone sees it, logged out.
 */
import { AxeBuilder } from "@axe-core/playwright";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { changeCount } from "../../src/domain/campaigns.ts";
import { setCampaignWebPage } from "../../src/domain/publicPage.ts";
import { addTask, claimTask, finishTask } from "../../src/domain/tasks.ts";
import { createLogger } from "../../src/log.ts";
import { createDiscordAccess } from "../../src/web/discordAccess.ts";
import { createWebServer } from "../../src/web/server.ts";
import { startTestBot } from "../support/bot.ts";
import {
  campaignIn,
  freePort,
  sessionSecret,
  startWebWorld,
  type WebWorld,
} from "../support/web.ts";
import { chromiumPath, hasChromium } from "./browser.ts";

let browser: Browser;

beforeAll(async () => {
  if (!hasChromium) return;
  // One browser for the file; a new context (cookies, storage) for each test.
  browser = await chromium.launch({ executablePath: chromiumPath, args: ["--no-sandbox"] });
});

afterAll(async () => {
  await browser?.close();
});

/** A new reader (cookies, cache); an element that never comes fails the step within 15 s. */
async function newPage(): Promise<Page> {
  const context = await browser.newContext();
  context.setDefaultTimeout(15_000);
  return context.newPage();
}

/** Logs in through the dashboard's button and the local Discord's "log in as" page. */
async function loggedIn(publicUrl: string, name: string): Promise<Page> {
  const page = await newPage();
  await page.goto(publicUrl);
  await page.getByRole("link", { name: "Log in with Discord" }).click();
  await page.getByRole("button", { name: `Log in as ${name}` }).click();
  await page.waitForURL(`${publicUrl}/`);
  return page;
}

async function seriousViolations(page: Page) {
  const { violations } = await new AxeBuilder({ page }).analyze();
  return violations
    .filter((violation) => violation.impact === "serious" || violation.impact === "critical")
    .map((violation) => `${page.url()}: ${violation.id} (${violation.impact}) ${violation.help}`);
}

/** Two tasks of one campaign, each with the volunteer's work submitted for review. */
async function twoSubmissions(world: WebWorld) {
  const campaign = await campaignIn(world, world.guildId, "Free the press");
  const claimIds: number[] = [];
  for (const title of ["Posters on campus", "Leaflets at the market"]) {
    const task = await addTask(world.db, world.guildId, world.managerId, campaign.id, {
      title,
      kind: "campus",
      location: null,
      slots: 1,
      dueAt: null,
      instructions: null,
    });
    await claimTask(world.db, world.guildId, world.volunteerId, task.id, world.clock.now, 3);
    const done = await finishTask(
      world.db,
      world.guildId,
      world.volunteerId,
      task.id,
      { proofLink: "https://example.org/photo.jpg", note: "done today" },
      world.clock.now,
      true,
    );
    claimIds.push(done.claim.id);
  }
  return { campaign, claimIds };
}

describe.skipIf(!hasChromium)("an organizer's work in a browser", () => {
  it("approves two submissions at once on the review page", async () => {
    const world = await startWebWorld({ listen: true });
    const { claimIds } = await twoSubmissions(world);
    const page = await loggedIn(world.publicUrl, "Mara");
    await page.getByRole("link", { name: "Campaign HQ" }).click();
    await page.getByRole("link", { name: "Review" }).click();
    await page.getByLabel("#1 Posters on campus").check();
    await page.getByLabel("#2 Leaflets at the market").check();
    await page.getByLabel("Approve").check();
    await page.getByRole("button", { name: "Decide" }).click();
    const outcomes = page.getByRole("status").locator("li");
    await expect
      .poll(() => outcomes.allTextContents())
      .toEqual(["#1 Posters on campus: approved.", "#2 Leaflets at the market: approved."]);
    expect(await page.getByText("No work is waiting for review.").isVisible()).toBe(true);
    expect(await seriousViolations(page)).toEqual([]);
    const claims = await world.db.claim.findMany({ where: { id: { in: claimIds } } });
    expect(claims.map((claim) => claim.status)).toEqual(["done", "done"]);
    await page.context().close();
  }, 90_000);

  it("imports a pasted CSV: a bad row is named and stops it, a good file creates its tasks", async () => {
    const world = await startWebWorld({ listen: true });
    await campaignIn(world, world.guildId, "Free the press");
    const page = await loggedIn(world.publicUrl, "Mara");
    await page.goto(`${world.publicUrl}/g/${world.guildId}/import`);
    const header = "title,kind,location,slots,due,instructions";
    await page
      .getByLabel("Paste the CSV here")
      .fill(`${header}\nPosters,campus,Campus,2,,\nLeaflets,campus,Market,lots,,\n`);
    await page.getByRole("button", { name: "Preview" }).click();
    const problems = page.getByRole("alert");
    await expect.poll(() => problems.textContent()).toContain("Line 3: slots");
    expect(await problems.textContent()).not.toContain("Line 2:");
    expect(await problems.textContent()).toContain("Nothing was created");
    expect(await page.getByRole("button", { name: /^Create/ }).count()).toBe(0);
    expect(await seriousViolations(page)).toEqual([]);
    expect(await world.db.outreachTask.count()).toBe(0);

    await page
      .getByLabel("Paste the CSV here")
      .fill(`${header}\nPosters,campus,Campus,2,,\nCalls,online,,1,,\n`);
    await page.getByRole("button", { name: "Preview" }).click();
    await page.getByRole("button", { name: "Create 2 tasks" }).click();
    await expect.poll(() => page.getByRole("status").textContent()).toContain("2 tasks created");
    const tasks = await world.db.outreachTask.findMany({ orderBy: { number: "asc" } });
    expect(tasks.map((task) => [task.title, task.slots])).toEqual([
      ["Posters", 2],
      ["Calls", 1],
    ]);
    await page.context().close();
  }, 90_000);

  it("sets a count whose change reaches the campaign's card in Discord", async () => {
    const clock = { now: new Date(Date.UTC(2026, 11, 1, 12, 0)) };
    const bot = await startTestBot({ now: () => clock.now });
    await bot.run(bot.organizerId, `/campaign create title:"Free the press" goal:500`);
    const campaign = await bot.rally.db.campaign.findFirstOrThrow({
      where: { guildId: bot.guildId },
    });
    const port = await freePort();
    const publicUrl = `http://127.0.0.1:${port}`;
    const app = await createWebServer({
      db: bot.rally.db,
      discord: createDiscordAccess({
        apiUrl: bot.discord.apiUrl,
        clientId: bot.discord.applicationId,
        clientSecret: bot.discord.oauth2ClientSecret,
        botToken: "test-token-for-the-local-discord",
      }),
      log: createLogger("silent"),
      publicUrl,
      sessionSecret,
      now: () => clock.now,
    });
    try {
      await app.listen({ port, host: "127.0.0.1" });
      const page = await loggedIn(publicUrl, "organizer");
      await page.goto(`${publicUrl}/g/${bot.guildId}/c/${campaign.number}`);
      await page.getByLabel("New count (from the petition page)").fill("332");
      await page.getByRole("button", { name: "Set the count" }).click();
      await expect.poll(() => page.locator(".progress").textContent()).toContain("332 of 500");

      // The bot's next scheduler tick runs the card's due job, which edits the message.
      clock.now = new Date(clock.now.getTime() + 10_000);
      await bot.rally.scheduler.tick();
      const card = bot.discord.message(campaign.cardMessageId ?? "");
      expect(card?.embeds[0]?.description).toContain("**332** so far! Help us get to **500**");
      await page.context().close();
    } finally {
      await app.close();
    }
  }, 90_000);

  it("shows the public page logged out: the count and the goal, nothing serious for axe", async () => {
    const world = await startWebWorld({ listen: true });
    const campaign = await campaignIn(world, world.guildId, "Free the press");
    const at = world.clock.now;
    await changeCount(
      world.db,
      world.guildId,
      world.managerId,
      campaign.id,
      {
        kind: "set",
        value: 332,
      },
      null,
      at,
    );
    const published = await setCampaignWebPage(
      world.db,
      world.guildId,
      world.managerId,
      campaign.id,
      true,
    );
    const page = await newPage();
    const response = await page.goto(`${world.publicUrl}/c/${published.webSlug}`);
    expect(response?.status()).toBe(200);
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toContain("Free the press");
    const text = await page.locator("main").innerText();
    expect(text).toContain("332 so far! Help us get to 500");
    expect(await page.getByRole("link", { name: "Log in with Discord" }).count()).toBe(0);
    expect(await seriousViolations(page)).toEqual([]);
    // Turned off, the same address says nothing (past the page's 5-second cache).
    await setCampaignWebPage(world.db, world.guildId, world.managerId, campaign.id, false);
    world.clock.now = new Date(world.clock.now.getTime() + 6_000);
    await page.context().close();
    // A new reader: the browser's own cache (max-age 5 s) is not what is tested here.
    const later = await newPage();
    const gone = await later.goto(`${world.publicUrl}/c/${published.webSlug}`);
    expect(gone?.status()).toBe(404);
    expect(await later.locator("body").innerText()).not.toContain("Free the press");
    await later.context().close();
  }, 90_000);
});
