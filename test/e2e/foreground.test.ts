/**
 * The dispatcher puts a member's interaction in the foreground until its answer is sent, so
 * background work (due jobs, readings, live cards) waits for it (src/foreground.ts).
 */
import { describe, expect, it } from "vitest";
import { foregroundCount } from "../../src/foreground.ts";
import { startTestBot } from "../support/bot.ts";

describe("interactions first", () => {
  it("an interaction is in the foreground until its answer is sent, then no longer", async () => {
    const bot = await startTestBot();
    expect(foregroundCount()).toBe(0);
    // The answer takes 400 ms to reach Discord: the member is still waiting meanwhile.
    bot.discord.injectFault({ method: "POST", path: /\/callback$/, delayMs: 400 });
    const handle = bot.discord.slash({
      guildId: bot.guildId,
      channelId: bot.channelId,
      userId: bot.volunteerIds[0],
      ...bot.discord.parseCommandLine("/rally about"),
    });
    await bot.discord.waitFor(
      () => (foregroundCount() === 1 ? true : undefined),
      5_000,
      "the interaction to be in the foreground",
    );
    await handle.final(5_000);
    await bot.rally.settled();
    expect(foregroundCount()).toBe(0);
  });
});
