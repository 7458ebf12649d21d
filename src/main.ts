import { startDashboardProcess, startRally, type Rally } from "./app.ts";
import { dashboardProblem, loadConfigOrExit } from "./config.ts";
import { DataKeyRefusal } from "./db/dataKey.ts";
import { loadEnvFile } from "./envFile.ts";
import { createLogger } from "./log.ts";

loadEnvFile();
const config = loadConfigOrExit();

// A script (`npm start -- --script <file>`) always runs in the sandbox, a token set or not.
const scripted = process.argv.slice(2).some((arg) => /^--script(=|$)/.test(arg));

const webProblem = dashboardProblem(config);
if (webProblem !== null && config.DISCORD_TOKEN) {
  process.stderr.write(`${webProblem}\n`);
  process.exit(1);
}

if (process.env["RALLY_PROCESS"] === "web" && config.DISCORD_TOKEN) {
  // start:sharded's web process (src/sharded.ts): the dashboard alone, beside the shards.
  const log = createLogger(config.LOG_LEVEL).child({ process: "web" });
  let web: { stop(): Promise<void> };
  try {
    web = await startDashboardProcess(config, config.DISCORD_TOKEN, log);
  } catch (error) {
    log.fatal({ err: error }, "could not start");
    process.exit(1);
  }
  const shutdown = () => {
    web.stop().then(
      () => log.flush(() => process.exit(0)),
      () => log.flush(() => process.exit(1)),
    );
  };
  process.once("SIGINT", shutdown);
  process.once("SIGTERM", shutdown);
} else if (!config.DISCORD_TOKEN || scripted) {
  // Loaded only here: the sandbox carries the whole local Discord, which a real bot never runs.
  const { runSandbox } = await import("./sandbox/sandbox.ts");
  await runSandbox(config, {
    ...(process.env["DATABASE_URL"] ? {} : { databaseUrl: "file:./data/sandbox.db" }),
    args: process.argv.slice(2),
  });
} else {
  // Started by start:sharded, discord.js's manager names this process's shards in SHARDS.
  const shards = process.env["SHARDS"];
  const log =
    shards === undefined
      ? createLogger(config.LOG_LEVEL)
      : createLogger(config.LOG_LEVEL).child({ shards: [JSON.parse(shards) as number].flat() });
  let rally: Rally;
  try {
    // A shard process leaves the dashboard to start:sharded's web process.
    rally = await startRally({
      config,
      token: config.DISCORD_TOKEN,
      log,
      web: shards === undefined,
    });
  } catch (error) {
    // A wrong or missing DATA_KEY is the operator's to fix: one line, no stack, no value.
    if (error instanceof DataKeyRefusal) process.stderr.write(`${error.message}\n`);
    else log.fatal({ err: error }, "could not start");
    process.exit(1);
  }
  // pino writes stdout asynchronously: the last lines ("stopped") are flushed before exiting,
  // so an operator (and the SIGTERM test) always reads how the process ended.
  const exit = (code: number) => log.flush(() => process.exit(code));
  const shutdown = (signal: string) => {
    log.info({ signal }, "shutting down");
    rally.stop().then(
      () => exit(0),
      (error: unknown) => {
        log.error({ err: error }, "shutdown failed");
        exit(1);
      },
    );
  };
  process.once("SIGINT", shutdown);
  process.once("SIGTERM", shutdown);
}
