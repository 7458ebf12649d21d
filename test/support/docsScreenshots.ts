/**
 * `npm run docs:screenshots`: the dashboard, the review queue and the public page as PNGs in
 * docs/screenshots/ (1280x800). Starts the local Discord, Rally and its dashboard on a temporary
 * database, seeds the README's campaign (a count, tasks, two submissions waiting for review),
 * logs in as the sandbox's organizer in Debian's chromium (or CHROMIUM_PATH) and photographs
 * each page. The tests never write these files; this script is the only thing that does.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Page } from "playwright-core";
import { startDashboard, startRally } from "../../src/app.ts";
import { loadConfig } from "../../src/config.ts";
import { claimTask, finishTask } from "../../src/domain/tasks.ts";
import { startLocalDiscord } from "../../src/local-discord/localDiscord.ts";
import { createLogger } from "../../src/log.ts";
import { projectPath } from "../../src/projectRoot.ts";
import { seedSandbox } from "../../src/sandbox/sandbox.ts";
import { chromiumPath, hasChromium } from "../browser/browser.ts";

if (!hasChromium) {
  process.stderr.write(
    `No chromium at ${chromiumPath}: apt-get install chromium, or set CHROMIUM_PATH.\n`,
  );
  process.exit(1);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
      .once("error", reject)
      .listen(0, "127.0.0.1", () => {
        const address = probe.address();
        probe.close(() => resolve(typeof address === "object" && address ? address.port : 0));
      });
  });
}

const token = "screenshots-token-for-the-local-discord";
const directory = mkdtempSync(join(tmpdir(), "rally-screenshots-"));
const discord = await startLocalDiscord();
const world = seedSandbox(discord);
const [organizer, volunteer1, volunteer2] = world.members;
const campaignsChannel = world.channels.find((channel) => channel.name === "campaigns");
if (!organizer || !volunteer1 || !volunteer2 || !campaignsChannel)
  throw new Error("the sandbox's seed changed");
const port = await freePort();
const publicUrl = `http://127.0.0.1:${port}`;
const config = loadConfig({
  DATABASE_URL: `file:${join(directory, "rally.db")}`,
  DISCORD_API_URL: discord.apiUrl,
  DEV_GUILD_ID: world.guildId,
  LOG_LEVEL: "warn",
  WEB_PORT: String(port),
  PUBLIC_URL: publicUrl,
  DISCORD_CLIENT_ID: discord.applicationId,
  DISCORD_CLIENT_SECRET: discord.oauth2ClientSecret,
  SESSION_SECRET: "screenshots-only-session-secret-of-32-bytes",
});
const log = createLogger("warn");
const rally = await startRally({ config, token, log, schedulerCron: null, web: false });
const dashboard = await startDashboard({ config, token, db: rally.db, log });
const browser = await chromium.launch({ executablePath: chromiumPath, args: ["--no-sandbox"] });

try {
  await discord.waitFor(() => (discord.commands(world.guildId).length > 0 ? true : undefined));
  const run = async (line: string, userId = organizer.id) => {
    const answer = await discord
      .slash({
        guildId: world.guildId,
        channelId: campaignsChannel.id,
        userId,
        ...discord.parseCommandLine(line),
      })
      .final();
    await rally.settled();
    if (process.env["SCREENSHOTS_VERBOSE"])
      process.stdout.write(`${line}\n  ${answer.content} ${JSON.stringify(answer.embeds)}\n`);
  };
  // The README's demo campaign, with its page published.
  await run("/settings timezone zone:Europe/Vilnius");
  await run(
    `/campaign create title:"Derecognize Putin's puppet in Belarus" goal:500 call_to_action:"Text SIGN PMSUBG to 50409" link:https://example.org/petition`,
  );
  await run(`/campaign count campaign:1 set:332 note:"petition page"`);
  await run(`/campaign edit campaign:1 web_page:true`);
  for (const line of [
    `title:"20 flyers around the university" kind:campus location:"Main library" slots:2`,
    `title:"Refresh the library bulletin board" kind:bulletin_board location:"Community centre"`,
    `title:"Call five friends" kind:online`,
  ])
    await run(`/task add campaign:1 ${line}`);
  // Two volunteers' work waiting for review.
  const campaign = await rally.db.campaign.findFirstOrThrow({ where: { guildId: world.guildId } });
  const tasks = await rally.db.outreachTask.findMany({
    where: { campaignId: campaign.id },
    orderBy: { number: "asc" },
  });
  const now = new Date();
  for (const [task, volunteer] of [
    [tasks[0], volunteer1],
    [tasks[1], volunteer2],
  ] as const) {
    if (!task) throw new Error("a task is missing");
    await claimTask(rally.db, world.guildId, volunteer.id, task.id, now, 3);
    await finishTask(
      rally.db,
      world.guildId,
      volunteer.id,
      task.id,
      { proofLink: "https://example.org/photo.jpg", note: "Done before the lecture." },
      now,
      true,
    );
  }

  const shots = projectPath("docs", "screenshots");
  mkdirSync(shots, { recursive: true });
  const viewport = { width: 1280, height: 800 };
  const shoot = async (page: Page, path: string, name: string) => {
    const response = await page.goto(`${publicUrl}${path}`);
    if (response?.status() !== 200) throw new Error(`${path} answered ${response?.status()}`);
    await page.screenshot({ path: join(shots, name) });
    process.stdout.write(`docs/screenshots/${name}: ${path}\n`);
  };

  const organizerPage = await (await browser.newContext({ viewport })).newPage();
  await organizerPage.goto(publicUrl);
  await organizerPage.getByRole("link", { name: "Log in with Discord" }).click();
  await organizerPage.getByRole("button", { name: "Log in as organizer" }).click();
  await organizerPage.waitForURL(`${publicUrl}/`);
  await shoot(organizerPage, `/g/${world.guildId}/c/${campaign.number}`, "dashboard.png");
  await shoot(organizerPage, `/g/${world.guildId}/review`, "review.png");
  const published = await rally.db.campaign.findUniqueOrThrow({ where: { id: campaign.id } });
  const reader = await (await browser.newContext({ viewport })).newPage();
  await shoot(reader, `/c/${published.webSlug}`, "public-page.png");
} finally {
  await browser.close();
  await dashboard.close();
  await rally.stop();
  await discord.close();
  rmSync(directory, { recursive: true, force: true });
}
