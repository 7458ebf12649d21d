import { startRally, type Rally } from "./app.ts";
import { loadConfigOrExit } from "./config.ts";
import { loadEnvFile } from "./envFile.ts";
import { createLogger } from "./log.ts";

loadEnvFile();
const config = loadConfigOrExit();

// A script (`npm start -- --script <file>`) always runs in the sandbox, a token set or not.
const scripted = process.argv.slice(2).some((arg) => /^--script(=|$)/.test(arg));

if (!config.DISCORD_TOKEN || scripted) {
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
    rally = await startRally({ config, token: config.DISCORD_TOKEN, log });
  } catch (error) {
    log.fatal({ err: error }, "could not start");
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
