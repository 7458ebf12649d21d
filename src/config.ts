import * as z from "zod";
import { parseAllowHosts } from "./sources/addresses.ts";

const optional = <T extends z.ZodType>(schema: T) =>
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

/** A secret of at least 32 bytes (SESSION_SECRET): shorter ones are guessable offline. */
const secret32 = z
  .string()
  .refine(
    (value) => Buffer.byteLength(value, "utf8") >= 32,
    "at least 32 bytes (openssl rand -hex 32)",
  );

/** DATA_KEY: 32 random bytes in base64 (openssl rand -base64 32). */
const dataKey = z
  .string()
  .refine(
    (value) =>
      /^[A-Za-z0-9+/]+={0,2}$/.test(value.trim()) &&
      Buffer.from(value.trim(), "base64").length === 32,
    "32 bytes in base64 (openssl rand -base64 32)",
  )
  .transform((value) => value.trim());

const webPort = z.preprocess(
  (value) => (value === "" || value === undefined ? undefined : Number(value)),
  z
    .number({ error: "a TCP port, 1 to 65535" })
    .int("a TCP port, 1 to 65535")
    .min(1, "a TCP port, 1 to 65535")
    .max(65_535, "a TCP port, 1 to 65535")
    .optional(),
);

const publicUrl = z
  .string()
  .url("the address people reach the dashboard at, such as https://rally.example.org")
  .regex(
    /^https?:\/\/[^/?#]+\/?$/,
    "an http(s) origin without a path, such as https://rally.example.org",
  )
  .transform((url) => url.replace(/\/$/, ""));

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
  /** The dashboard's port (docs/dashboard.md); no web server when unset. */
  WEB_PORT: webPort,
  /** Where the dashboard listens: loopback unless a reverse proxy elsewhere needs it. */
  WEB_HOST: optional(
    z.string().regex(/^[\w.:-]+$/, "a host or IP address to listen on, such as 127.0.0.1"),
  ),
  /** The address people reach: OAuth2's redirect, links. http://127.0.0.1:WEB_PORT when unset. */
  PUBLIC_URL: optional(publicUrl),
  DISCORD_CLIENT_ID: optional(snowflake),
  DISCORD_CLIENT_SECRET: optional(
    z.string().regex(/^\S{8,}$/, "the OAuth2 client secret (no spaces)"),
  ),
  SESSION_SECRET: optional(secret32),
  /**
   * Encrypts proof links, notes, review reasons, task locations and the Action Network key in
   * the database (PRIVACY.md); values are written plain while it is unset. Never echoed.
   */
  DATA_KEY: optional(dataKey),
  /** The key DATA_KEY replaces, read only by `npm run data:rotate-key`. Never echoed. */
  DATA_KEY_OLD: optional(dataKey),
});

export type Config = z.infer<typeof environmentSchema>;

export class ConfigError extends Error {}

/** The variables whose wrong value the error repeats; never a secret or a URL with a password. */
const echoedVariables: ReadonlySet<string> = new Set([
  "DISCORD_API_URL",
  "DEV_GUILD_ID",
  "SHARD_COUNT",
  "SHARD_LIST",
  "SOURCE_ALLOW_HOSTS",
  "LOG_LEVEL",
  "WEB_PORT",
  "WEB_HOST",
  "PUBLIC_URL",
  "DISCORD_CLIENT_ID",
]);

/** Parses the environment once at boot; the error names the variable and what it expects. */
export function loadConfig(environment: NodeJS.ProcessEnv = process.env): Config {
  const result = environmentSchema.safeParse(environment);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const name = String(issue?.path[0] ?? "environment");
  // Only the variables named here are echoed: a new one stays silent until someone decides its
  // value is harmless, so a secret (a token, a PostgreSQL password) never reaches a terminal.
  const shown = echoedVariables.has(name) ? ` (got "${String(environment[name])}")` : "";
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

/** Why the dashboard cannot start with this configuration, in one line; null when it can. */
export function dashboardProblem(config: Config): string | null {
  if (config.WEB_PORT === undefined) return null;
  const missing = (
    ["DISCORD_CLIENT_ID", "DISCORD_CLIENT_SECRET", "SESSION_SECRET"] as const
  ).filter((name) => !config[name]);
  if (missing.length === 0) return null;
  return `WEB_PORT is set, so the dashboard needs ${missing.join(", ")} too (docs/dashboard.md).`;
}
