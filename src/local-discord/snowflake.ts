const discordEpoch = 1_420_070_400_000n;

/**
 * Makes Discord-shaped ids: milliseconds since 2015 shifted left 22 bits plus an increment, so
 * ids sort by creation time and discord.js can read `createdTimestamp` from them.
 */
export function createSnowflakeGenerator(now: () => number): () => string {
  let increment = 0n;
  return () => {
    increment = (increment + 1n) & 0xfffn;
    return (((BigInt(Math.floor(now())) - discordEpoch) << 22n) | increment).toString();
  };
}

export function shardOf(guildId: string, shardCount: number): number {
  return Number((BigInt(guildId) >> 22n) % BigInt(shardCount));
}
