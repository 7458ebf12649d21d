import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.ts";
import { shardingProblem } from "../../src/sharded.ts";

const postgres = {
  DISCORD_TOKEN: "a-token-the-local-discord-accepts",
  DATABASE_URL: "postgresql://rally@127.0.0.1/rally",
};

describe("start:sharded's configuration", () => {
  it("runs on PostgreSQL with a token, with or without a shard list", () => {
    expect(shardingProblem(loadConfig(postgres))).toBeNull();
    expect(shardingProblem(loadConfig({ ...postgres, SHARD_COUNT: "4" }))).toBeNull();
    expect(
      shardingProblem(loadConfig({ ...postgres, SHARD_COUNT: "4", SHARD_LIST: "2-3" })),
    ).toBeNull();
  });

  it("refuses SQLite and a missing token, saying why", () => {
    expect(shardingProblem(loadConfig({ DISCORD_TOKEN: postgres.DISCORD_TOKEN }))).toMatch(
      /^start:sharded needs PostgreSQL/,
    );
    expect(shardingProblem(loadConfig({ DATABASE_URL: postgres.DATABASE_URL }))).toMatch(
      /^start:sharded needs DISCORD_TOKEN/,
    );
  });

  it("refuses a shard list without a shard count: machines must split the same count", () => {
    expect(shardingProblem(loadConfig({ ...postgres, SHARD_LIST: "0,1" }))).toBe(
      "SHARD_LIST needs SHARD_COUNT: every machine must split the same number of shards.",
    );
  });

  it("refuses a shard the count does not have", () => {
    expect(shardingProblem(loadConfig({ ...postgres, SHARD_COUNT: "4", SHARD_LIST: "2-4" }))).toBe(
      "SHARD_LIST names shard 4, but SHARD_COUNT=4 numbers them 0 to 3.",
    );
  });
});
