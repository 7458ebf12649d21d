/**
 * Which shard serves a server: Discord's rule, (guild_id >> 22) % shard_count. A shard process
 * runs only its own servers' jobs, because only it holds their channels, roles and permissions.
 */
export function shardOfGuild(guildId: string, shardCount: number): number {
  return Number((BigInt(guildId) >> 22n) % BigInt(shardCount));
}

export interface ShardSet {
  /** The shards this process runs. */
  ids: readonly number[];
  count: number;
}

/** Whether this process serves the server; everything belongs to a single, unsharded process. */
export function servesGuild(shards: ShardSet, guildId: string): boolean {
  if (shards.count <= 1) return true;
  if (!/^\d+$/.test(guildId)) return false;
  return shards.ids.includes(shardOfGuild(guildId, shards.count));
}
