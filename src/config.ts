import * as z from "zod";
import { parseAllowHosts } from "./sources/addresses.ts";

const optional = (schema: z.ZodString) =>
  z.preprocess((value) => (value === "" ? undefined : value), schema.optional());

const snowflake = z.string().regex(/^\d{17,20}$/, "a Discord id (17 to 20 digits)");

const databaseUrl = z
  .string()
  .regex(/^(file:|postgres(ql)?:\/\/)/, "a file: SQLite URL or a postgresql:// URL");

const httpUrl = z
  .string()
  .url("an http(s) URL such as http://127.0.0.1:8787/api")
  .regex(/^https?:\/\//, "an http(s) URL such as http://127.0.0.1:8787/api")
  .refine((url) => !/\/v\d+\/?$/.test(url), "the API base without /v10 (discord.js appends it)");

const shardListPattern = /^\s*\d+(\s*-\s*\d+)?(\s*,\s*\d+(\s*-\s*\d+)?)*\s*$/;

/** "0,2-3" → [[0, 0], [2, 3]]. */
function shardRanges(list: string): [number, number][] {
  return list.split(",").map((part) => {
    const [low = "", high = low] = part.split("-");
    return [Number(low), Number(high)];
  });
}

/** "0,2-3" → [0, 2, 3]: each shard once, in order. */
function expandShardList(list: string): number[] {
  const ids = new Set<number>();
  for (const [low, high] of shardRanges(list)) for (let id = low; id <= high; id += 1) ids.add(id);
  return [...ids].sort((a, b) => a - b);
}

const logLevels = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

const environmentSchema = z.object({
  DISCORD_TOKEN: optional(z.string().regex(/^\S{20,}$/, "a bot token (no spaces)")),
  DATABASE_URL: z.preprocess(
    (value) => (value === "" || value === undefined ? "file:./data/rally.db" : value),
    databaseUrl,
  ),
  DISCORD_API_URL: optional(httpUrl),
  DEV_GUILD_ID: optional(snowflake),
  /** Shards for `npm run start:sharded`; Discord's recommendation when unset. */
  SHARD_COUNT: z.preprocess(
    (value) => (value === "" || value === undefined ? undefined : Number(value)),
    z
      .number({ error: "a whole number of shards, 1 or more" })
      .int("a whole number of shards, 1 or more")
      .min(1, "a whole number of shards, 1 or more")
      .max(10_000, "at most 10000 shards")
      .optional(),
  ),
  /**
   * The shards of SHARD_COUNT that this machine's `npm run start:sharded` runs ("0,1", "2-3");
   * all of them when unset. Machines that share one bot each run their part of its shards.
   */
  SHARD_LIST: z.preprocess(
    (value) => (value === "" || value === undefined ? undefined : value),
    z
      .string()
      .regex(shardListPattern, "shard ids and ranges such as 0,1 or 2-3")
      .refine(
        (list) => shardRanges(list).every(([low, high]) => low <= high && high < 10_000),
        "ranges from low to high (2-3, not 3-2), shard ids below 10000",
      )
      .transform(expandShardList)
      .optional(),
  ),
  /**
   * Hosts that count sources may reach even on a private or loopback address ("127.0.0.1:8080,
   * petitions.lan"): the sandbox's and the tests' local petition server. No port = any port.
   */
  SOURCE_ALLOW_HOSTS: z.preprocess(
    (value) => (value === "" || value === undefined ? undefined : value),
    z
      .string()
      .transform((list, context) => {
        try {
          return parseAllowHosts(list);
        } catch {
          context.addIssue({
            code: "custom",
            message: "comma-separated host or host:port entries",
          });
          return z.NEVER;
        }
      })
      .optional(),
  ),
  LOG_LEVEL: z.preprocess(
    (value) => (value === "" || value === undefined ? "info" : value),
    z.enum(logLevels, { error: `one of ${logLevels.join(", ")}` }),
  ),
});

export type Config = z.infer<typeof environmentSchema>;

export class ConfigError extends Error {}

/** Parses the environment once at boot; the error names the variable and what it expects. */
export function loadConfig(environment: NodeJS.ProcessEnv = process.env): Config {
  const result = environmentSchema.safeParse(environment);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const name = String(issue?.path[0] ?? "environment");
  // A token, and a PostgreSQL URL's password, never reach a log or a terminal.
  const secret = name === "DISCORD_TOKEN" || name === "DATABASE_URL";
  const shown = secret ? "" : ` (got "${String(environment[name])}")`;
  throw new ConfigError(`Invalid ${name}${shown}: expected ${issue?.message ?? "a valid value"}.`);
}

/** For entry points: the checked configuration, or its one-line error on stderr and exit 1. */
export function loadConfigOrExit(environment: NodeJS.ProcessEnv = process.env): Config {
  try {
    return loadConfig(environment);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}
