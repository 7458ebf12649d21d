import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

/**
 * The import-boundary rule of eslint.config.js, run on one-line files placed in each layer: the
 * imports shared/DESIGN.md forbids are refused, and the ones the layers need pass.
 */
const eslint = new ESLint();

async function boundaryErrors(file: string, target: string): Promise<string[]> {
  const [result] = await eslint.lintText(`import "${target}";\n`, { filePath: file });
  return (result?.messages ?? [])
    .filter((message) => message.ruleId?.startsWith("boundaries/"))
    .map((message) => message.message);
}

const refused: [from: string, target: string, why: string][] = [
  ["src/domain/x.ts", "discord.js", "the domain never touches discord.js"],
  ["src/domain/x.ts", "@discordjs/rest", "the domain never touches discord.js"],
  ["src/domain/x.ts", "../discord/dispatcher.ts", "domain → src/discord"],
  ["src/domain/x.ts", "../../commands/index.ts", "domain → commands"],
  ["commands/x/index.ts", "../../src/db/store.ts", "commands → src/db"],
  ["src/discord/x.ts", "../db/store.ts", "src/discord → src/db"],
  ["src/web/x.ts", "../db/store.ts", "src/web → src/db"],
  ["src/scheduler/x.ts", "../db/dueJobs.ts", "src/scheduler → src/db"],
  ["src/sandbox/x.ts", "../db/client.ts", "src/sandbox → src/db"],
  ["src/db/x.ts", "../domain/dates.ts", "src/db → src/domain"],
  ["src/db/x.ts", "discord.js", "storage never touches discord.js"],
  ["src/render/x.ts", "../domain/goalLadder.ts", "render → anything of Rally's"],
  ["src/render/x.ts", "../projectRoot.ts", "render → anything of Rally's"],
  ["src/i18n/x.ts", "../domain/dates.ts", "i18n → anything of Rally's"],
  ["src/i18n/x.ts", "../log.ts", "i18n → anything of Rally's"],
  ["src/sources/x.ts", "../domain/campaigns.ts", "sources → the domain"],
  ["src/discord/x.ts", "../local-discord/localDiscord.ts", "bot code → the local Discord"],
  [
    "commands/x/index.ts",
    "../../src/local-discord/localDiscord.ts",
    "bot code → the local Discord",
  ],
  ["src/domain/x.ts", "../local-discord/localDiscord.ts", "bot code → the local Discord"],
  ["src/app.ts", "./local-discord/localDiscord.ts", "bot code → the local Discord"],
  ["src/local-discord/x.ts", "../domain/dates.ts", "the local Discord imports nothing of Rally's"],
];

const allowed: [from: string, target: string, why: string][] = [
  ["src/domain/x.ts", "../db/store.ts", "the domain asks src/db"],
  ["src/domain/x.ts", "../i18n/index.ts", "the domain knows the languages"],
  ["commands/x/index.ts", "../../src/domain/campaigns.ts", "a handler calls the domain"],
  ["commands/x/index.ts", "../../src/discord/command.ts", "a handler is a Discord command"],
  ["src/discord/x.ts", "../domain/store.ts", "Discord code holds the opaque Store"],
  ["src/scheduler/x.ts", "../domain/dates.ts", "the scheduler calls the domain"],
  [
    "src/sandbox/x.ts",
    "../local-discord/localDiscord.ts",
    "the sandbox entry runs the local Discord",
  ],
  ["src/app.ts", "./db/client.ts", "the entry opens the database"],
  ["src/render/x.ts", "./shareCard.ts", "a layer imports itself"],
  ["src/domain/x.ts", "luxon", "libraries"],
];

describe("layers (eslint.boundaries.js)", () => {
  it.each(refused)("refuses %s importing %s (%s)", async (from, target) => {
    expect(await boundaryErrors(from, target)).not.toEqual([]);
  });

  it.each(allowed)("lets %s import %s (%s)", async (from, target) => {
    expect(await boundaryErrors(from, target)).toEqual([]);
  });

  it("refuses a file in src/ that belongs to no layer", async () => {
    expect(await boundaryErrors("src/newThing.ts", "luxon")).not.toEqual([]);
    expect(await boundaryErrors("src/newFolder/x.ts", "luxon")).not.toEqual([]);
  });
});
