// `npm run start:sharded`: one process per shard (discord.js's ShardingManager), all on one
// PostgreSQL database. Each process is `npm start` with the shards the manager gives it.
import { REST } from "@discordjs/rest";
import { Routes, type RESTGetAPIGatewayBotResult } from "discord-api-types/v10";
import { ShardingManager } from "discord.js";
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { dashboardProblem, loadConfigOrExit, type Config } from "./config.ts";
import { describeDatabase } from "./db/client.ts";
import { applyPostgresMigrations, isPostgresUrl } from "./db/migrate.ts";
import { loadEnvFile } from "./envFile.ts";
import { createLogger } from "./log.ts";

/** Why this configuration cannot run sharded, in one line; null when it can. */
export function shardingProblem(config: Config): string | null {
  if (!config.DISCORD_TOKEN) {
    return "start:sharded needs DISCORD_TOKEN: the sandbox runs in one process (npm start).";
  }
  if (!isPostgresUrl(config.DATABASE_URL)) {
    return (
      "start:sharded needs PostgreSQL: shard processes on one SQLite file would serialize every " +
      "write. Set DATABASE_URL=postgresql://… (npm run db:copy moves your data), or run one " +
      "process with npm start."
    );
  }
  const webProblem = dashboardProblem(config);
  if (webProblem !== null) return webProblem;
  const { SHARD_LIST: shardList, SHARD_COUNT: shardCount } = config;
  if (shardList) {
    // A recommendation can change between two machines' starts; the split must not.
    if (shardCount === undefined) {
      return "SHARD_LIST needs SHARD_COUNT: every machine must split the same number of shards.";
    }
    const outside = shardList.find((id) => id >= shardCount);
    if (outside !== undefined) {
      return `SHARD_LIST names shard ${outside}, but SHARD_COUNT=${shardCount} numbers them 0 to ${shardCount - 1}.`;
    }
  }
  return null;
}

/** Discord's recommendation from GET /gateway/bot, which counts the servers the bot is in. */
async function recommendedShardCount(config: Config, token: string): Promise<number> {
  const rest = new REST(config.DISCORD_API_URL ? { api: config.DISCORD_API_URL } : {});
  const gateway = (await rest
    .setToken(token)
    .get(Routes.gatewayBot())) as RESTGetAPIGatewayBotResult;
  return Math.max(1, gateway.shards);
}

async function main(): Promise<void> {
  loadEnvFile();
  const config = loadConfigOrExit();
  const problem = shardingProblem(config);
  if (problem !== null || !config.DISCORD_TOKEN) {
    process.stderr.write(`${problem}\n`);
    process.exit(1);
  }
  const log = createLogger(config.LOG_LEVEL).child({ component: "shards" });
  const token = config.DISCORD_TOKEN;
  // Once here, before the shards start: they would only wait for each other's lock.
  const { applied } = await applyPostgresMigrations(config.DATABASE_URL);
  const totalShards = config.SHARD_COUNT ?? (await recommendedShardCount(config, token));
  // On this machine: SHARD_LIST's shards, or all of them.
  const shardList = config.SHARD_LIST ?? [...Array(totalShards).keys()];
  log.info(
    {
      totalShards,
      shardList,
      database: describeDatabase(config.DATABASE_URL),
      migrations: applied.length,
    },
    "starting shards",
  );
  // From the dist/ bundle (`npm run start:sharded`) the shards run the bundled main.js with this
  // process's Node flags (package.json); from source (tsx) they run main.ts through tsx,
  // resolved here whatever the working directory.
  const bundled = import.meta.url.endsWith(".js");
  const manager = new ShardingManager(
    fileURLToPath(new URL(bundled ? "main.js" : "main.ts", import.meta.url)),
    {
      token,
      totalShards,
      shardList,
      mode: "process",
      respawn: true,
      execArgv: bundled ? process.execArgv : ["--import", import.meta.resolve("tsx")],
    },
  );
  let stopping = false;
  // The dashboard (WEB_PORT) is a process of its own: main with RALLY_PROCESS=web, restarted
  // if it dies, like a shard.
  let web: ChildProcess | undefined;
  const mainFile = fileURLToPath(new URL(bundled ? "main.js" : "main.ts", import.meta.url));
  const startWeb = () => {
    web = fork(mainFile, [], {
      env: { ...process.env, RALLY_PROCESS: "web" },
      execArgv: bundled ? process.execArgv : ["--import", import.meta.resolve("tsx")],
    });
    log.info({ pid: web.pid }, "web process started");
    web.once("exit", (code) => {
      if (stopping) return;
      log.warn({ code }, "web process exited; restarting");
      setTimeout(startWeb, 1000).unref();
    });
  };
  if (config.WEB_PORT !== undefined) startWeb();
  manager.on("shardCreate", (shard) => {
    log.info({ shard: shard.id, pid: shard.process?.pid }, "shard process started");
    shard.on("death", () => log.warn({ shard: shard.id }, "shard process exited"));
  });

  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "stopping shards");
    // Each shard finishes its in-flight work on SIGTERM (src/main.ts); kill() sends SIGTERM and
    // turns respawning off for that shard.
    const exits = [...manager.shards.values()].map(
      (shard) =>
        new Promise<void>((done) => {
          if (!shard.process || shard.process.exitCode !== null) return done();
          shard.process.once("exit", () => done());
          shard.kill();
        }),
    );
    const webExit = new Promise<void>((done) => {
      if (!web || web.exitCode !== null) return done();
      web.once("exit", () => done());
      web.kill("SIGTERM");
    });
    void Promise.all([...exits, webExit]).then(() => process.exit(0));
  };
  process.once("SIGINT", shutdown);
  process.once("SIGTERM", shutdown);
  await manager.spawn({ amount: totalShards, delay: 0, timeout: 60_000 });
  log.info({ totalShards, shardList }, "all shards ready");
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  await main();
}
