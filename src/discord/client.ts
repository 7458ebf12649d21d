import { Client, GatewayIntentBits, Options, Partials } from "discord.js";

interface ClientOptions {
  /** REST base such as http://127.0.0.1:8787/api; Discord's own when absent. */
  apiUrl?: string | undefined;
  /** How long one REST attempt may take before discord.js retries it (its default: 15 s). */
  restTimeoutMs?: number | undefined;
}

/**
 * The Discord client: the Guilds intent only (no privileged intents), nothing ever pings by
 * default, and caches trimmed to what Rally reads (guilds, channels, roles, the bot's member).
 */
export function createDiscordClient(options: ClientOptions): Client {
  return new Client({
    intents: [GatewayIntentBits.Guilds],
    partials: [Partials.Channel],
    allowedMentions: { parse: [], repliedUser: false },
    rest: {
      ...(options.apiUrl ? { api: options.apiUrl } : {}),
      ...(options.restTimeoutMs ? { timeout: options.restTimeoutMs } : {}),
    },
    makeCache: Options.cacheWithLimits({
      ...Options.DefaultMakeCacheSettings,
      MessageManager: 0,
      ReactionManager: 0,
      ThreadManager: 0,
      PresenceManager: 0,
      VoiceStateManager: 0,
      GuildEmojiManager: 0,
      GuildStickerManager: 0,
      GuildMemberManager: {
        maxSize: 1,
        keepOverLimit: (member) => member.id === member.client.user.id,
      },
      UserManager: { maxSize: 1, keepOverLimit: (user) => user.id === user.client.user.id },
    }),
  });
}
