import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.ts";

describe("configuration from the environment", () => {
  it("fills in the documented defaults", () => {
    expect(loadConfig({})).toEqual({ DATABASE_URL: "file:./data/rally.db", LOG_LEVEL: "info" });
  });

  it("treats empty values as unset, as .env files write them", () => {
    const config = loadConfig({
      DISCORD_TOKEN: "",
      DEV_GUILD_ID: "",
      DATABASE_URL: "",
      LOG_LEVEL: "",
    });
    expect(config.DISCORD_TOKEN).toBeUndefined();
    expect(config.DATABASE_URL).toBe("file:./data/rally.db");
  });

  it.each([
    [
      "LOG_LEVEL",
      "loud",
      /^Invalid LOG_LEVEL \(got "loud"\): expected one of fatal, error, warn, info, debug, trace, silent\.$/,
    ],
    [
      "DATABASE_URL",
      "mysql://x",
      // Never echoed: a PostgreSQL URL may hold a password.
      /^Invalid DATABASE_URL: expected a file: SQLite URL or a postgresql:\/\/ URL\.$/,
    ],
    [
      "DEV_GUILD_ID",
      "my-guild",
      /^Invalid DEV_GUILD_ID .*: expected a Discord id \(17 to 20 digits\)\.$/,
    ],
    ["DISCORD_API_URL", "127.0.0.1:8787", /^Invalid DISCORD_API_URL .*: expected an http\(s\) URL/],
    ["DISCORD_API_URL", "http://127.0.0.1:8787/api/v10", /without \/v10/],
    [
      "SHARD_COUNT",
      "0",
      /^Invalid SHARD_COUNT \(got "0"\): expected a whole number of shards, 1 or more\.$/,
    ],
    ["SHARD_COUNT", "two", /^Invalid SHARD_COUNT \(got "two"\): expected a whole number of shards/],
    [
      "SHARD_COUNT",
      "1.5",
      /^Invalid SHARD_COUNT \(got "1\.5"\): expected a whole number of shards/,
    ],
  ])("refuses %s=%s with one line naming it", (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrow(message);
  });

  it("reads SHARD_COUNT as a number, and leaves it unset when empty", () => {
    expect(loadConfig({ SHARD_COUNT: "4" }).SHARD_COUNT).toBe(4);
    expect(loadConfig({ SHARD_COUNT: "" }).SHARD_COUNT).toBeUndefined();
  });

  it.each([
    ["0", [0]],
    ["0,1", [0, 1]],
    [" 4-6 , 1,5 ", [1, 4, 5, 6]],
    ["", undefined],
  ])("reads SHARD_LIST=%j as the shards to run", (value, shards) => {
    expect(loadConfig({ SHARD_LIST: value }).SHARD_LIST).toEqual(shards);
  });

  it.each([
    [
      "one",
      /^Invalid SHARD_LIST \(got "one"\): expected shard ids and ranges such as 0,1 or 2-3\.$/,
    ],
    ["0,", /expected shard ids and ranges/],
    ["-1", /expected shard ids and ranges/],
    ["3-1", /^Invalid SHARD_LIST \(got "3-1"\): expected ranges from low to high \(2-3, not 3-2\)/],
    // Refused before it is expanded into a list of a billion numbers.
    ["0-999999999", /shard ids below 10000/],
  ])("refuses SHARD_LIST=%s with one line naming it", (value, message) => {
    expect(() => loadConfig({ SHARD_LIST: value })).toThrow(message);
  });

  it("never prints a PostgreSQL password back", () => {
    try {
      loadConfig({ DATABASE_URL: "mysql://rally:hunter2@db/rally" });
      expect.unreachable();
    } catch (error) {
      expect(String(error)).not.toContain("hunter2");
    }
  });

  it("never prints a token back, even a malformed one", () => {
    expect(() => loadConfig({ DISCORD_TOKEN: "secret with spaces" })).toThrow(
      /^Invalid DISCORD_TOKEN: expected a bot token/,
    );
    try {
      loadConfig({ DISCORD_TOKEN: "secret with spaces" });
    } catch (error) {
      expect(String(error)).not.toContain("secret");
    }
  });

  it("accepts a full, valid environment", () => {
    const config = loadConfig({
      DISCORD_TOKEN: "MTIzNDU2Nzg5MDEyMzQ1Njc4.abcdef.ghijklmnopqrstuvwxyz",
      DATABASE_URL: "postgresql://rally@127.0.0.1/rally",
      DISCORD_API_URL: "http://127.0.0.1:8787/api",
      DEV_GUILD_ID: "123456789012345678",
      LOG_LEVEL: "debug",
    });
    expect(config.DEV_GUILD_ID).toBe("123456789012345678");
  });

  it("reads the web side's settings, and leaves it off when WEB_PORT is unset", () => {
    expect(loadConfig({}).WEB_PORT).toBeUndefined();
    const config = loadConfig({
      WEB_PORT: "8788",
      PUBLIC_URL: "https://rally.example.org/",
      DISCORD_CLIENT_ID: "123456789012345678",
      DISCORD_CLIENT_SECRET: "client-secret-value",
      SESSION_SECRET: "x".repeat(32),
    });
    expect(config.WEB_PORT).toBe(8788);
    expect(config.PUBLIC_URL).toBe("https://rally.example.org");
  });

  it.each([
    [
      "WEB_PORT",
      "eighty",
      /^Invalid WEB_PORT \(got "eighty"\): expected a TCP port, 1 to 65535\.$/,
    ],
    ["WEB_PORT", "70000", /^Invalid WEB_PORT \(got "70000"\)/],
    ["PUBLIC_URL", "rally.example.org", /^Invalid PUBLIC_URL \(got "rally\.example\.org"\)/],
    ["PUBLIC_URL", "https://rally.example.org/app", /without a path/],
    ["DISCORD_CLIENT_ID", "rally", /^Invalid DISCORD_CLIENT_ID \(got "rally"\)/],
  ])("refuses %s=%s, repeating the harmless value", (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrow(message);
  });

  it.each([
    [
      "SESSION_SECRET",
      "short-but-secret-value-31-bytes",
      /^Invalid SESSION_SECRET: expected at least 32 bytes/,
    ],
    [
      "DISCORD_CLIENT_SECRET",
      "secret with spaces",
      /^Invalid DISCORD_CLIENT_SECRET: expected the OAuth2 client secret/,
    ],
    ["DISCORD_TOKEN", "secret with spaces", /^Invalid DISCORD_TOKEN: expected a bot token/],
    // 31 bytes of base64: a key, just too short, must not reach a terminal either.
    [
      "DATA_KEY",
      Buffer.alloc(31, 7).toString("base64"),
      /^Invalid DATA_KEY: expected 32 bytes in base64/,
    ],
    ["DATA_KEY_OLD", "not base64!", /^Invalid DATA_KEY_OLD: expected 32 bytes in base64/],
  ])("refuses a wrong %s without printing it", (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrow(message);
    expect(() => loadConfig({ [name]: value })).not.toThrow(value);
  });

  it("accepts a session secret of exactly 32 bytes, counted in bytes not characters", () => {
    expect(loadConfig({ SESSION_SECRET: "s".repeat(32) }).SESSION_SECRET).toHaveLength(32);
    // 16 Cyrillic letters are 32 bytes in UTF-8.
    expect(loadConfig({ SESSION_SECRET: "ж".repeat(16) }).SESSION_SECRET).toHaveLength(16);
    expect(() => loadConfig({ SESSION_SECRET: "s".repeat(31) })).toThrow(/at least 32 bytes/);
  });

  it("accepts a DATA_KEY of 32 bytes in base64, and none", () => {
    const key = Buffer.alloc(32, 9).toString("base64");
    expect(loadConfig({ DATA_KEY: key }).DATA_KEY).toBe(key);
    expect(loadConfig({ DATA_KEY: "" }).DATA_KEY).toBeUndefined();
  });
});
