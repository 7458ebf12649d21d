import { Writable } from "node:stream";
import { expect } from "vitest";
import { startRally, type Rally } from "../../src/app.ts";
import type { Command } from "../../src/discord/command.ts";
import { createCampaign } from "../../src/domain/campaigns.ts";
import {
  startLocalDiscord,
  type LocalDiscord,
  type StoredMessage,
} from "../../src/local-discord/localDiscord.ts";
import { createLogger } from "../../src/log.ts";
import { seedSandbox } from "../../src/sandbox/sandbox.ts";
import { parseAllowHosts } from "../../src/sources/addresses.ts";
import type { SafeFetchOptions } from "../../src/sources/safeFetch.ts";
import type { SandboxWorld } from "../../src/sandbox/session.ts";
import { testDatabaseUrl } from "./db.ts";
import { afterEveryTest } from "./lifecycle.ts";

export interface TestBot {
  discord: LocalDiscord;
  rally: Rally;
  world: SandboxWorld;
  guildId: string;
  channelId: string;
  organizerId: string;
  volunteerIds: [string, string];
  /** The bot's database (SQLite file or PostgreSQL database), for a second process on it. */
  databaseUrl: string;
  /** Every structured log line the bot wrote, parsed. */
  logs: Record<string, unknown>[];
  /**
   * Types a slash command as a member (options typed as in Discord) and waits for the answer,
   * and for the work the bot does after answering (a task card's refresh).
   * `locale` is the member's Discord language (default "en-US").
   */
  run(
    userId: string,
    line: string,
    channelId?: string,
    options?: { locale?: string },
  ): Promise<StoredMessage>;
  /** Stops the bot and starts a new one on the same database and local Discord (a restart). */
  restart(): Promise<void>;
}

const running: (() => Promise<void>)[] = [];
const discords: LocalDiscord[] = [];

// The helpers' waits have no wall-clock budget of their own (a busy machine makes the bot
// slower, not wrong): a test that hangs is stopped by its own timeout, and this names what
// it was still waiting for, before stopping the bot (which may wait on the same hang).
afterEveryTest(async (context) => {
  const failed = context.task.result?.state === "fail";
  const waiting = failed ? discords.flatMap((discord) => discord.pendingWaits()) : [];
  discords.splice(0);
  if (waiting.length > 0) {
    process.stderr.write(
      `\n${context.task.name}: still waiting on the local Discord for: ${waiting.join("; ")}\n`,
    );
  }
  for (const stop of running.splice(0).reverse()) await stop();
});

/**
 * The real bot, logged in over the wire to a local Discord seeded like the sandbox (an
 * organizer, two volunteers, three channels), on a fresh database. Stopped after the test.
 */
export async function startTestBot(
  options: {
    commands?: readonly Command[];
    deferAfterMs?: number;
    interactionDeadlineMs?: number;
    now?: () => Date;
    schedulerCron?: string;
    restTimeoutMs?: number;
    housekeepingDelayMs?: number;
    /** The REST base Rally is given, when not the local Discord's own (a proxy in front of it). */
    apiUrlFor?: (discord: LocalDiscord) => Promise<string>;
    /** SOURCE_ALLOW_HOSTS, as in the environment ("127.0.0.1:8080"). */
    sourceAllowHosts?: string;
    /** Count source fetching beyond the allow list: an injected resolver, a short timeout. */
    sourceFetch?: SafeFetchOptions;
    /** PUBLIC_URL: where the public pages are said to be. */
    publicUrl?: string;
    /** DATA_KEY: encryption at rest (src/db/secrets.ts). */
    dataKey?: string;
    /** The local Discord's clock (default the real one), e.g. the bot's, for "in the past" rules. */
    discordNow?: () => number;
  } = {},
): Promise<TestBot> {
  const discord = await startLocalDiscord({
    ...(options.interactionDeadlineMs
      ? { interactionDeadlineMs: options.interactionDeadlineMs }
      : {}),
    ...(options.discordNow ? { now: options.discordNow } : {}),
  });
  running.push(() => discord.close());
  discords.push(discord);
  const world = seedSandbox(discord);
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split("\n").filter(Boolean)) logs.push(JSON.parse(line));
      done();
    },
  });
  const databaseUrl = await testDatabaseUrl();
  const apiUrl = options.apiUrlFor ? await options.apiUrlFor(discord) : discord.apiUrl;
  const start = async () => {
    const rally = await startRally({
      config: {
        DATABASE_URL: databaseUrl,
        DISCORD_API_URL: apiUrl,
        DEV_GUILD_ID: world.guildId,
        LOG_LEVEL: "info",
        ...(options.sourceAllowHosts
          ? { SOURCE_ALLOW_HOSTS: parseAllowHosts(options.sourceAllowHosts) }
          : {}),
        ...(options.dataKey ? { DATA_KEY: options.dataKey } : {}),
      },
      token: "test-token-for-the-local-discord",
      log: createLogger("info", sink),
      // The due-job tick is driven by the tests (scheduler.tick()), never by the wall clock.
      schedulerCron: options.schedulerCron ?? "0 0 1 1 *",
      // Start-up housekeeping done before the bot is handed to the test, unless a test says.
      housekeepingDelayMs: options.housekeepingDelayMs ?? 0,
      ...(options.commands ? { commands: options.commands } : {}),
      ...(options.deferAfterMs ? { deferAfterMs: options.deferAfterMs } : {}),
      ...(options.now ? { now: options.now } : {}),
      ...(options.restTimeoutMs ? { restTimeoutMs: options.restTimeoutMs } : {}),
      ...(options.sourceFetch ? { sourceFetch: options.sourceFetch } : {}),
      ...(options.publicUrl ? { publicUrl: options.publicUrl } : {}),
    });
    running.push(() => rally.stop());
    return rally;
  };
  const rally = await start();
  await discord.waitFor(() => (discord.commands(world.guildId).length > 0 ? true : undefined));
  const [organizer, volunteer1, volunteer2] = world.members;
  const [general] = world.channels;
  if (!organizer || !volunteer1 || !volunteer2 || !general) throw new Error("seed changed");
  const bot: TestBot = {
    discord,
    rally,
    world,
    guildId: world.guildId,
    channelId: general.id,
    organizerId: organizer.id,
    volunteerIds: [volunteer1.id, volunteer2.id],
    databaseUrl,
    logs,
    async run(userId, line, channelId = general.id, { locale } = {}) {
      const answer = await discord
        .slash({
          guildId: world.guildId,
          channelId,
          userId,
          ...(locale === undefined ? {} : { locale }),
          ...discord.parseCommandLine(line),
        })
        .final();
      await bot.rally.settled();
      return answer;
    },
    async restart() {
      await bot.rally.stop();
      bot.rally = await start();
    },
  };
  return bot;
}

/**
 * `/settings purge` as `userId`: the confirmation form must open (a modal, type 9), then it is
 * submitted with `name` typed; the answer, once the bot's work after it is done.
 */
export async function purgeServer(bot: TestBot, userId: string, name: string) {
  const opened = bot.discord.slash({
    guildId: bot.guildId,
    channelId: bot.channelId,
    userId,
    command: "settings",
    subcommand: "purge",
    options: {},
  });
  const response = await opened.response();
  expect(response.type).toBe(9);
  const answer = await bot.discord
    .submitModal({ handle: opened, userId, values: { name } })
    .final();
  await bot.rally.settled();
  return answer;
}

/** The id of the sandbox server's channel called `name` (#campaigns, #organizers, …). */
export function channelNamed(bot: TestBot, name: string): string {
  const channel = bot.world.channels.find((candidate) => candidate.name === name);
  if (!channel) throw new Error(`no #${name}`);
  return channel.id;
}

/**
 * Another server on the bot's local Discord with a campaign of its own, written straight to the
 * database: the ids a member of the bot's server types or forges and must never reach.
 */
export async function campaignOnAnotherServer(bot: TestBot, title: string) {
  const server = bot.discord.createGuild({ name: "Another server" });
  const campaign = await createCampaign(bot.rally.db, server.id, bot.organizerId, {
    title,
    goal: 10,
    unit: "signatures",
    description: null,
    link: null,
    callToAction: null,
    channelId: bot.channelId,
    endsAt: null,
    autoRaise: true,
  });
  return { server, campaign };
}
