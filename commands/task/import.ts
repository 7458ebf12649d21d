/** `/task import`: many tasks from a CSV file, answered with one message in the campaign's channel. */
import { ApplicationCommandOptionType } from "discord.js";
import type * as z from "zod";
import { campaignCardChanged } from "../../src/domain/campaignCard.ts";
import { getCampaign, parseCampaignId } from "../../src/domain/campaigns.ts";
import { UserError } from "../../src/domain/errors.ts";
import {
  importSizeProblem,
  importTasks,
  parseTaskCsv,
  problemsCsv,
} from "../../src/domain/taskImport.ts";
import { translator } from "../../src/i18n/index.ts";
import {
  privateReply,
  type HandlerResult,
  type InteractionContext,
} from "../../src/discord/command.ts";
import { showText, shorten } from "../../src/discord/render/text.ts";
import { localizedDescription } from "../../src/discord/commandData.ts";
import { importPostMessage } from "../../src/discord/render/importPost.ts";
import { option, options } from "../../src/discord/declaredOptions.ts";
import { campaignOption } from "./options.ts";

export const importOptions = options(
  campaignOption,
  option({
    type: ApplicationCommandOptionType.Attachment,
    name: "file",
    ...localizedDescription("commands.task.options.file"),
    required: true,
  }),
);

/** How many problems the reply lists before pointing to the attached file. */
const problemsShown = 15;

export async function importFile(
  input: z.output<typeof importOptions.schema>,
  context: InteractionContext,
): Promise<HandlerResult> {
  const { t } = context;
  const campaignId = parseCampaignId(input.campaign);
  // Refuse an oversized file before downloading it.
  const tooLarge = importSizeProblem(input.file.size);
  if (tooLarge) throw new UserError(tooLarge.key, tooLarge.params);
  const response = await fetch(input.file.url).catch(() => null);
  if (!response?.ok) throw new UserError("task.importDownload");
  const bytes = new Uint8Array(await response.arrayBuffer());
  const parsed = parseTaskCsv(bytes, context.settings.timezone, context.now());
  if (!parsed.ok) {
    const lines = parsed.problems
      .slice(0, problemsShown)
      .map((problem) =>
        problem.line === 0
          ? t("task.importFileProblem", { problem: t(problem.key, problem.params) })
          : t("task.importLine", { line: problem.line, problem: t(problem.key, problem.params) }),
      );
    const more = parsed.problems.length - problemsShown;
    if (more > 0) lines.push(t("task.importProblemsMore", { count: more }));
    return {
      type: "reply",
      ephemeral: true,
      message: {
        content: shorten(
          [t("task.importProblems", { count: parsed.problems.length }), ...lines].join("\n"),
          2000,
        ),
        ...(more > 0
          ? {
              files: [
                {
                  name: "import-problems.csv",
                  data: problemsCsv(parsed.problems, context.language),
                },
              ],
            }
          : {}),
      },
    };
  }
  const result = await importTasks(
    context.db,
    context.guildId,
    context.userId,
    campaignId,
    parsed.tasks,
  );
  await campaignCardChanged(context.db, context.guildId, campaignId, context.now());
  const campaign = await getCampaign(context.db, context.guildId, campaignId);
  const title = showText(campaign.title, 100);
  const tServer = translator(context.serverLanguage);
  await context.channels
    .post(campaign.channelId, importPostMessage(tServer, result, campaign))
    .catch((error: unknown) =>
      context.log.warn({ err: error, guildId: context.guildId }, "import message not posted"),
    );
  return privateReply(t("task.importDone", { count: result.created, campaign: title }));
}
