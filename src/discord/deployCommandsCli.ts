import { loadConfig } from "../config.ts";
import { loadEnvFile } from "../envFile.ts";
import { deployCommands } from "./deployCommands.ts";

// `npm run deploy:commands`: the one way to register commands globally.
loadEnvFile();
const config = loadConfig();
if (!config.DISCORD_TOKEN) {
  process.stderr.write("DISCORD_TOKEN is not set: deploying commands needs the bot's token.\n");
  process.exit(1);
}
const result = await deployCommands({
  token: config.DISCORD_TOKEN,
  apiUrl: config.DISCORD_API_URL,
  guildId: process.argv.includes("--guild") ? config.DEV_GUILD_ID : undefined,
});
process.stdout.write(`Registered ${result.count} commands (${result.scope}).\n`);
