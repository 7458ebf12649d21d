const discordEpoch = 1_420_070_400_000n;

export type SnowflakeGenerator = (() => string) & {
  /** Later ids sort after this one (ids restored from a snapshot, a clock set back). */
  advancePast(id: string): void;
};

/**
 * Makes Discord-shaped ids: milliseconds since 2015 shifted left 22 bits plus an increment, so
 * ids sort by creation time and discord.js can read `createdTimestamp` from them. Each id is
 * greater than the last, even when the clock goes back.
 */
export function createSnowflakeGenerator(now: () => number): SnowflakeGenerator {
  let increment = 0n;
  let last = 0n;
  const next = () => {
    increment = (increment + 1n) & 0xfffn;
    let id = ((BigInt(Math.floor(now())) - discordEpoch) << 22n) | increment;
    if (id <= last) id = last + 1n;
    last = id;
    return id.toString();
  };
  next.advancePast = (id: string) => {
    if (BigInt(id) > last) last = BigInt(id);
  };
  return next;
}

export function shardOf(guildId: string, shardCount: number): number {
  return Number((BigInt(guildId) >> 22n) % BigInt(shardCount));
}
