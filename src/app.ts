import { setTimeout as delay } from "node:timers/promises";
import { Events, type Client } from "discord.js";
import packageJson from "../package.json" with { type: "json" };
import { commands as allCommands } from "../commands/index.ts";
import { dashboardProblem, type Config } from "./config.ts";
import { describeDatabase, openDatabase } from "./db/client.ts";
import { applyDataKey, checkDataKey } from "./db/dataKey.ts";
import type { Database as Db } from "./db/store.ts";
import type { Command } from "./discord/command.ts";
import { createDiscordClient } from "./discord/client.ts";
import { createDispatcher } from "./discord/dispatcher.ts";
import { commandPayloads } from "./discord/deployCommands.ts";
import type { Logger } from "./log.ts";
import { campaignCardJobHandlers } from "./discord/campaignCardJobs.ts";
import { claimJobHandlers } from "./discord/claimJobs.ts";
import { privacyJobHandlers } from "./discord/privacyJobs.ts";
import { dashboardJobHandlers } from "./discord/dashboardJobs.ts";
import { armErasureOfLeftGuilds, armGuildErasure, disarmGuildErasure } from "./domain/privacy.ts";
import { summaryJobHandlers } from "./discord/summaryJobs.ts";
import { taskRepeatJobHandlers } from "./discord/taskRepeatJobs.ts";
import { taskEventJobHandlers } from "./discord/taskEventJobs.ts";
import { sourceJobHandlers } from "./discord/sourceJobs.ts";
import { createSourceReads } from "./domain/countSources.ts";
import type { SafeFetchOptions } from "./sources/safeFetch.ts";
import { stopSchedulesOfGuild } from "./domain/summarySchedules.ts";
import { startScheduler, type Scheduler } from "./scheduler/scheduler.ts";
import { stopChartWorkers } from "./render/chartPool.ts";
import { servesGuild, type ShardSet } from "./scheduler/shards.ts";
import { now as clockNow } from "./clock.ts";
import { createDiscordAccess } from "./web/discordAccess.ts";
import type { Server } from "node:http";
import { registerCalendarFeeds } from "./web/calendarFeeds.ts";
import { registerPublicPages } from "./web/publicPages.ts";
import { startWebServer } from "./web/server.ts";

interface RallyOptions {
  config: Config;
  token: string;
  log: Logger;
  commands?: readonly Command[];
  now?: () => Date;
  deferAfterMs?: number;
  /** node-cron expression of the due-job tick (default every 15 s); null: `scheduler.tick()` only. */
  schedulerCron?: string | null;
  /** discord.js's REST timeout per attempt (default 15 s); tests shorten it to simulate hangs. */
  restTimeoutMs?: number;
  /** Delay of the start-up housekeeping after READY (default 1 s); 0 runs it before starting. */
  housekeepingDelayMs?: number;
  /** How count sources are fetched beyond SOURCE_ALLOW_HOSTS: tests inject a resolver, timeouts. */
  sourceFetch?: SafeFetchOptions;
  /** PUBLIC_URL, for the addresses of public pages in replies (config.PUBLIC_URL at start). */
  publicUrl?: string;
  /**
   * Whether this process serves the dashboard when WEB_PORT is set (default true). Shard
   * processes do not: `npm run start:sharded` runs it as a process of its own.
   */
  web?: boolean;
}

export interface Dashboard {
  /** Where it listens, e.g. http://127.0.0.1:8788. */
  url: string;
  /** The address people reach (PUBLIC_URL, or the listening address). */
  publicUrl: string;
  close(): Promise<void>;
}

/** The dashboard on WEB_HOST:WEB_PORT, on this database, asking Discord with the bot's token. */
export async function startDashboard(options: {
  config: Config;
  token: string;
  db: Db;
  log: Logger;
  now?: () => Date;
  /** A server already listening on the dashboard's port (the sandbox's), to serve on. */
  server?: Server;
}): Promise<Dashboard> {
  const { config } = options;
  const problem = dashboardProblem(config);
  if (problem !== null) throw new Error(problem);
  const host = config.WEB_HOST ?? "127.0.0.1";
  const port = config.WEB_PORT ?? 0;
  const publicUrl =
    config.PUBLIC_URL ?? `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  const server = await startWebServer({
    db: options.db,
    discord: createDiscordAccess({
      apiUrl: config.DISCORD_API_URL,
      clientId: config.DISCORD_CLIENT_ID ?? "",
      clientSecret: config.DISCORD_CLIENT_SECRET ?? "",
      botToken: options.token,
    }),
    log: options.log,
    publicUrl,
    sessionSecret: config.SESSION_SECRET ?? "",
    ...(options.now ? { now: options.now } : {}),
    // The public progress pages (/c/<slug>) are served by the same server.
    plugins: [
      (app) => registerPublicPages(app, { db: options.db, publicUrl }),
      // The private calendar feeds (/feeds/<token>.ics) too.
      (app) =>
        registerCalendarFeeds(app, {
          db: options.db,
          ...(options.now ? { now: options.now } : {}),
        }),
    ],
    port,
    host,
    ...(options.server ? { server: options.server } : {}),
  });
  options.log.info({ url: server.url, publicUrl }, "dashboard listening");
  return { url: server.url, publicUrl, close: () => server.close() };
}

/**
 * The dashboard alone, for `npm run start:sharded`'s web process: the database and the web
 * server, no gateway (members are looked up over REST).
 */
export async function startDashboardProcess(
  config: Config,
  token: string,
  log: Logger,
): Promise<{ url: string; stop(): Promise<void> }> {
  const db = await openKeyedDatabase(config);
  try {
    const dashboard = await startDashboard({ config, token, db, log });
    return {
      url: dashboard.url,
      stop: async () => {
        await dashboard.close();
        await db.$disconnect();
        log.info("stopped");
      },
    };
  } catch (error) {
    await db.$disconnect();
    throw error;
  }
}

/**
 * The start-up housekeeping (the check for servers that removed Rally while it was down, then
 * the scheduler's clock and its first pass) waits this long after READY, so members' first
 * commands are not queued behind it: ~50 ms of CPU, mostly first-use costs (Prisma compiling
 * query shapes, ICU loading time zones). Nothing in it is urgent: a job missed during downtime
 * runs a second later.
 */
const defaultHousekeepingDelayMs = 1000;

export interface Rally {
  client: Client;
  db: Db;
  /** The due-job tick (reminders, claim expiries); tests call `tick()` with their own clock. */
  scheduler: Scheduler;
  /**
   * Resolves once every interaction received so far is finished, including the work run after
   * its answer (a card's refresh): what a test waits for before it reads the channel.
   */
  settled(): Promise<void>;
  /** The dashboard, when this process serves it (WEB_PORT set); null otherwise. */
  dashboard: Dashboard | null;
  /** Stops taking work, finishes what is in flight, closes the client, then the database. */
  stop(): Promise<void>;
}

/**
 * Opens the database (migrating it) while it logs in, and answers interactions until stopped.
 */
export async function startRally(options: RallyOptions): Promise<Rally> {
  const { config, log } = options;
  const commands = options.commands ?? allCommands;
  const now = options.now ?? clockNow;
  const client = createDiscordClient({
    apiUrl: config.DISCORD_API_URL,
    restTimeoutMs: options.restTimeoutMs,
  });
  // The database opens while the gateway logs in (against Discord, several network round
  // trips): what needs it waits for it, and an interaction that arrives first is answered once
  // it is open.
  const opening = openKeyedDatabase(config);
  // Petition sites are read in a pool of their own: a hanging one never holds a due-job worker.
  const sources = createSourceReads({
    fetch: {
      ...(config.SOURCE_ALLOW_HOSTS ? { allowHosts: config.SOURCE_ALLOW_HOSTS } : {}),
      ...options.sourceFetch,
    },
  });
  // Replies name public pages at this address (the sandbox sets it to its dashboard's).
  const publicUrl = options.publicUrl ?? config.PUBLIC_URL;
  const dispatching = opening.then((db) =>
    createDispatcher({
      db,
      log,
      commands,
      sources,
      app: {
        version: packageJson.version,
        database: describeDatabase(config.DATABASE_URL),
        ...(publicUrl ? { publicUrl } : {}),
        encryptionAtRest: encryptionAtRest(config),
      },
      ...(options.now ? { now: options.now } : {}),
      ...(options.deferAfterMs ? { deferAfterMs: options.deferAfterMs } : {}),
    }),
  );
  // A failed open is reported by the await below, not as an unhandled rejection.
  dispatching.catch(() => undefined);
  client.on(Events.InteractionCreate, (interaction) => {
    // Without a database there is no answer; the failure stops Rally (below).
    void dispatching.then(
      (dispatcher) => dispatcher.handle(interaction),
      () => undefined,
    );
  });
  client.on(Events.GuildCreate, (guild) => {
    // A re-invite within the grace period keeps everything.
    opening
      .then((db) => disarmGuildErasure(db, guild.id))
      .catch((error: unknown) =>
        log.error({ err: error, guildId: guild.id }, "could not cancel a server's erasure"),
      );
  });
  client.on(Events.Error, (error) => log.error({ err: error }, "discord client error"));
  client.on(Events.GuildDelete, (guild) => {
    // An outage also removes a guild, marked unavailable; only a real removal stops its posts.
    if (guild.available === false) return;
    opening
      .then((db) =>
        Promise.all([stopSchedulesOfGuild(db, guild.id), armGuildErasure(db, guild.id, now())]),
      )
      .catch((error: unknown) =>
        log.error({ err: error, guildId: guild.id }, "could not handle a removed server"),
      );
  });
  client.on(Events.ShardDisconnect, (event, shardId) =>
    log.warn({ code: event.code, shardId }, "gateway disconnected"),
  );

  // Under start:sharded each process runs some shards (discord.js reads SHARDS/SHARD_COUNT
  // from the sharding manager); its jobs and checks stop at the servers those shards hold.
  const shards: ShardSet = {
    ids: Array.isArray(client.options.shards) ? client.options.shards : [0],
    count: client.options.shardCount ?? 1,
  };
  const serves = (guildId: string) => servesGuild(shards, guildId);

  const ready = new Promise<void>((resolve) => {
    client.once(Events.ClientReady, async (readyClient) => {
      const rssMiB = Math.round(process.memoryUsage.rss() / 2 ** 20);
      log.info(
        { user: readyClient.user.id, guilds: readyClient.guilds.cache.size, rssMiB },
        "ready",
      );
      // One process registers: the one whose shard holds the development server.
      if (config.DEV_GUILD_ID && serves(config.DEV_GUILD_ID)) {
        try {
          await readyClient.application.commands.set(
            commandPayloads(commands),
            config.DEV_GUILD_ID,
          );
          log.info(
            { guildId: config.DEV_GUILD_ID, count: commands.length },
            "commands registered to the dev guild",
          );
        } catch (error) {
          log.error(
            { err: error, guildId: config.DEV_GUILD_ID },
            "could not register commands to the dev guild",
          );
        }
      }
      resolve();
    });
  });
  const loggingIn = client.login(options.token);
  loggingIn.catch(() => undefined); // reported below, once the database is open
  let db: Db;
  try {
    db = await opening;
  } catch (error) {
    // Without its database Rally cannot answer anything: leave Discord at once.
    await client.destroy();
    throw error;
  }
  try {
    await loggingIn;
  } catch (error) {
    await client.destroy();
    await db.$disconnect();
    throw error;
  }
  const dispatcher = await dispatching;
  await ready;
  const housekeepingDelayMs = options.housekeepingDelayMs ?? defaultHousekeepingDelayMs;
  const stopHousekeeping = new AbortController();
  const leftServersChecked = delay(housekeepingDelayMs, undefined, {
    signal: stopHousekeeping.signal,
  }).then(
    async () => {
      const present = new Set(client.guilds.cache.keys());
      await armErasureOfLeftGuilds(db, present, now(), serves).catch((error: unknown) =>
        log.error({ err: error }, "could not check for servers that removed Rally"),
      );
    },
    () => undefined, // stopped before it was due
  );
  if (housekeepingDelayMs === 0) await leftServersChecked;
  // Started once, after the first ready: a gateway reconnect never starts a second one.
  const scheduler = startScheduler({
    db,
    log,
    now,
    handlers: {
      ...claimJobHandlers({ client, db, log, now }),
      ...summaryJobHandlers({ client, db, log, now }),
      ...privacyJobHandlers({ client, db, log }),
      ...taskRepeatJobHandlers({ client, db, log, now }),
      ...taskEventJobHandlers({ client, db, log, now }),
      ...campaignCardJobHandlers({ client, db, log, now }),
      ...dashboardJobHandlers({ client, db, log, now }),
      ...sourceJobHandlers({ client, db, log, now, sources }),
    },
    ...(options.schedulerCron !== undefined ? { cronExpression: options.schedulerCron } : {}),
    ...(shards.count > 1 ? { servesGuild: serves } : {}),
    startAfter: leftServersChecked,
  });

  let dashboard: Dashboard | null = null;
  let stopping: Promise<void> | undefined;
  const rally: Rally = {
    client,
    db,
    scheduler,
    dashboard,
    settled: async () => {
      await dispatcher.settled();
      await sources.settled();
    },
    stop() {
      stopping ??= (async () => {
        await dashboard?.close();
        await scheduler.stop();
        stopHousekeeping.abort();
        await leftServersChecked;
        await dispatcher.drain();
        await sources.settled();
        await stopChartWorkers();
        await client.destroy();
        await db.$disconnect();
        log.info("stopped");
      })();
      return stopping;
    },
  };
  if (config.WEB_PORT !== undefined && options.web !== false) {
    try {
      dashboard = await startDashboard({ config, token: options.token, db, log, now });
      rally.dashboard = dashboard;
    } catch (error) {
      // A dashboard that cannot listen (port taken) stops the start, as a database would.
      await rally.stop();
      throw error;
    }
  }
  return rally;
}

/** Whether new values are stored encrypted (DATA_KEY set), for `/rally safety`. */
function encryptionAtRest(config: Config): boolean {
  return config.DATA_KEY !== undefined;
}

/**
 * The database with DATA_KEY as this process's key; refused (DataKeyRefusal) when it holds
 * values encrypted with another key, or the key is missing.
 */
async function openKeyedDatabase(config: Config): Promise<Db> {
  applyDataKey(config.DATA_KEY);
  const db = await openDatabase(config.DATABASE_URL);
  try {
    await checkDataKey(db);
  } catch (error) {
    await db.$disconnect();
    throw error;
  }
  return db;
}
