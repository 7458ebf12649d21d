import { ButtonStyle, ComponentType } from "discord.js";
import type { TaskKind } from "../../domain/taskFields.ts";
import type { Translator } from "../../i18n/index.ts";
import { customId, type OutgoingMessage } from "../command.ts";
import { showText } from "./text.ts";

/**
 * The one message an import posts in the campaign's channel (never a card per row: Discord
 * allows ~5 posts per 5 s), in the server's language, from `/task import` or the dashboard.
 */
export function importPostMessage(
  t: Translator,
  import_: { created: number; byKind: Record<TaskKind, number> },
  campaign: { id: number; title: string },
): OutgoingMessage {
  const kinds = (Object.entries(import_.byKind) as [TaskKind, number][])
    .filter(([, count]) => count > 0)
    .map(
      ([kindName, count]) =>
        `${t(`task.kindIcon.${kindName}`)} ${count} ${t(`commands.task.kinds.${kindName}`)}`,
    )
    .join(" · ");
  return {
    content: t("task.importPost", {
      count: import_.created,
      campaign: showText(campaign.title, 100),
      kinds,
    }),
    components: [
      {
        type: ComponentType.ActionRow,
        components: [
          {
            type: ComponentType.Button,
            style: ButtonStyle.Primary,
            label: t("task.importListButton"),
            custom_id: customId("task", "browse", String(campaign.id)),
          },
        ],
      },
    ],
  };
}
