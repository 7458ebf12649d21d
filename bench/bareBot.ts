/**
 * The floor: a bare discord.js client with its default caches that answers every interaction
 * with a constant, in the callback. The bench runs it as a child process over the same local
 * Discord as Rally. DISCORD_TOKEN and DISCORD_API_URL come from the environment.
 */
import { Client, Events, GatewayIntentBits } from "discord.js";

const client = new Client({
  intents: [GatewayIntentBits.Guilds],
  rest: { api: process.env["DISCORD_API_URL"] ?? "" },
});

client.on(Events.InteractionCreate, (interaction) => {
  const answer = interaction.isAutocomplete()
    ? interaction.respond([])
    : interaction.isButton()
      ? interaction.update({ content: "ok" })
      : interaction.isRepliable()
        ? interaction.reply({ content: "ok" })
        : Promise.resolve();
  answer.catch((error: unknown) => process.stderr.write(`${String(error)}\n`));
});
client.once(Events.ClientReady, () => process.stdout.write('{"msg":"ready"}\n'));
process.once("SIGTERM", () => {
  void client.destroy().then(() => process.exit(0));
});
await client.login(process.env["DISCORD_TOKEN"]);
