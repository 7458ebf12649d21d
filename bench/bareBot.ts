/**
 * The floor: a bare discord.js client with its default caches that answers every interaction
 * with a constant, in the callback. The bench runs it as a child process over the same local
 * Discord as Rally. DISCORD_TOKEN and DISCORD_API_URL come from the environment.
 *
 * A button is answered as Rally answers Claim: the message updated in the callback, then a private
 * follow-up, so the floor of a rush makes the same requests as Rally's rush.
 */
import { Client, Events, GatewayIntentBits, MessageFlags } from "discord.js";

const client = new Client({
  intents: [GatewayIntentBits.Guilds],
  rest: { api: process.env["DISCORD_API_URL"] ?? "" },
});

client.on(Events.InteractionCreate, (interaction) => {
  const answer = interaction.isAutocomplete()
    ? interaction.respond([])
    : interaction.isButton()
      ? interaction
          .update({ content: "ok" })
          .then(() => interaction.followUp({ content: "ok", flags: MessageFlags.Ephemeral }))
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
