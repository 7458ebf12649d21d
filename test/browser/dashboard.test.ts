/** The dashboard in a real browser: logging in through the local Discord, a form, accessibility. */
import { AxeBuilder } from "@axe-core/playwright";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getCampaign } from "../../src/domain/campaigns.ts";
import { setCampaignWebPage } from "../../src/domain/publicPage.ts";
import { addTask, claimTask, finishTask } from "../../src/domain/tasks.ts";
import { campaignIn, startWebWorld, type WebWorld } from "../support/web.ts";
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

async function loggedIn(world: WebWorld, name: string): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(world.publicUrl);
  await page.getByRole("link", { name: "Log in with Discord" }).click();
  // The local Discord's authorize page, as Discord's consent screen.
  await page.getByRole("button", { name: `Log in as ${name}` }).click();
  await page.waitForURL(`${world.publicUrl}/`);
  return page;
}

async function seriousViolations(page: Page) {
  const { violations } = await new AxeBuilder({ page }).analyze();
  return violations
    .filter((violation) => violation.impact === "serious" || violation.impact === "critical")
    .map((violation) => `${page.url()}: ${violation.id} (${violation.impact}) ${violation.help}`);
}

describe.skipIf(!hasChromium)("the dashboard in a browser", () => {
  it("logs in through the local Discord and sets a count with the form", async () => {
    const world = await startWebWorld({ listen: true });
    const campaign = await campaignIn(world, world.guildId, "Free the press");
    const page = await loggedIn(world, "Mara");
    await page.getByRole("link", { name: "Campaign HQ" }).click();
    await page.getByRole("link", { name: "Free the press" }).click();
    await page.getByLabel("New count (from the petition page)").fill("250");
    await page.getByRole("button", { name: "Set the count" }).click();
    await expect.poll(() => page.locator(".progress").textContent()).toContain("250 of 500");
    expect(await page.getByRole("status").textContent()).toContain("Saved");
    expect((await getCampaign(world.db, world.guildId, campaign.id)).count).toBe(250);
    await page.context().close();
  }, 60_000);

  it("has no serious or critical accessibility violation on any page of the router", async () => {
    const world = await startWebWorld({
      listen: true,
      // Every page the anonymous reader opens sends it to the (rate-limited) login.
      loginRateLimit: 1000,
    });
    const campaign = await campaignIn(world, world.guildId, "Free the press");
    // A public page to open, and work waiting for review, so those pages show their content.
    const published = await setCampaignWebPage(
      world.db,
      world.guildId,
      world.managerId,
      campaign.id,
      true,
    );
    const task = await addTask(world.db, world.guildId, world.managerId, campaign.id, {
      title: "Posters on campus",
      kind: "campus",
      location: null,
      slots: 1,
      dueAt: null,
      instructions: null,
    });
    await claimTask(world.db, world.guildId, world.volunteerId, task.id, world.clock.now, 3);
    await finishTask(
      world.db,
      world.guildId,
      world.volunteerId,
      task.id,
      { proofLink: null, note: "done" },
      world.clock.now,
      true,
    );
    const values: Record<string, string> = {
      guildId: world.guildId,
      number: String(campaign.number),
      slug: published.webSlug ?? "",
    };
    // Every GET route, its parameters filled in; images and styles are not pages.
    const paths = world.app.rallyRoutes
      .filter((route) => route.method === "GET" && !/\.(png|css|svg)$/.test(route.url))
      .map((route) =>
        route.url.replace(/:(\w+)/g, (_, name: string) => {
          const value = values[name];
          if (value === undefined) throw new Error(`no value for :${name} in ${route.url}`);
          return value;
        }),
      );
    expect(paths).toEqual(
      expect.arrayContaining([
        `/g/${world.guildId}/review`,
        `/g/${world.guildId}/import`,
        `/c/${published.webSlug}`,
      ]),
    );
    const anonymous = await (await browser.newContext()).newPage();
    const page = await loggedIn(world, "Mara");
    const found: string[] = [];
    for (const reader of [anonymous, page]) {
      for (const path of [...new Set(paths), "/no-such-page"]) {
        const response = await reader.goto(`${world.publicUrl}${path}`);
        // A route that leaves the dashboard (to Discord's authorize page) is not one of its pages.
        if (!reader.url().startsWith(world.publicUrl)) continue;
        expect(response?.headers()["content-type"]).toMatch(/^text\/html/);
        // The organizer sees every page itself, not a 404 for an id that names nothing.
        if (reader === page && path !== "/no-such-page" && path !== "/auth/callback")
          expect(response?.status(), path).toBe(200);
        found.push(...(await seriousViolations(reader)));
      }
    }
    expect(found).toEqual([]);
    await anonymous.context().close();
    await page.context().close();
  }, 180_000);
});
