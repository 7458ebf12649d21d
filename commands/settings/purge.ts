/** `/settings purge`: the emergency erasure, confirmed by typing the server's name in a form. */
import { ComponentType, TextInputStyle } from "discord.js";
import { UserError } from "../../src/domain/errors.ts";
import { purgeGuild, requireServerName, type PurgeCounts } from "../../src/domain/purge.ts";
import { getTask } from "../../src/domain/tasks.ts";
import {
  customId,
  type ComponentHandler,
  type HandlerResult,
  type InteractionContext,
} from "../../src/discord/command.ts";
import { taskCard } from "../../src/discord/render/taskCard.ts";
import { translator } from "../../src/i18n/index.ts";

/** The form: nothing is erased until the server's name is typed exactly. */
export function purgeForm(context: InteractionContext): HandlerResult {
  const { t } = context;
  return {
    type: "modal",
    modal: {
      custom_id: customId("settings", "purge"),
      title: t("purge.formTitle"),
      components: [
        {
          type: ComponentType.ActionRow,
          components: [
            {
              type: ComponentType.TextInput,
              custom_id: "name",
              label: t("purge.nameLabel"),
              placeholder: t("purge.namePlaceholder"),
              style: TextInputStyle.Short,
              required: true,
              max_length: 100,
            },
          ],
        },
      ],
    },
  };
}

function report(
  counts: PurgeCounts,
  posts: { edited: number; failed: number },
  t: InteractionContext["t"],
) {
  const lines = [
    t("purge.doneClaims", { count: counts.claims }),
    t("purge.doneReleased", { count: counts.released }),
    t("purge.doneProofs", { count: counts.proofs + counts.notes + counts.reasons }),
    t("purge.doneVolunteers", { count: counts.volunteers }),
    t("purge.doneDirectMessages", { count: counts.directMessages }),
    t("purge.doneAudit", { count: counts.auditActors + counts.auditDetails }),
    t("purge.doneCreators", { count: counts.creators }),
    counts.actionNetworkKey ? t("purge.doneKey") : t("purge.noKey"),
    t("purge.doneWebSessions", { count: counts.webSessions }),
    t("purge.doneCalendarFeeds", { count: counts.calendarFeeds }),
    t("purge.donePosts", { count: posts.edited }),
  ];
  if (posts.failed > 0) lines.push(t("purge.postsFailed", { count: posts.failed }));
  return [t("purge.doneTitle"), ...lines.map((line) => `• ${line}`), t("purge.notReached")].join(
    "\n",
  );
}

export const purgeSubmit: ComponentHandler = {
  access: "manager",
  ephemeral: true,
  // A form opened by the slash command: it has no message to be shown on.
  on: "own",
  // Erasing, compacting the database and editing posts take longer than Discord's 3 seconds.
  deferFirst: true,
  run: async (_args, context, fields) => {
    const server = context.channels.serverFacts();
    if (!server) throw new UserError("safety.noServer");
    requireServerName(fields.name ?? "", server.name);
    const result = await purgeGuild(context.db, context.guildId, context.now());
    // VACUUM holds the thread: let the network events it held up (a keep-alive socket Discord
    // closed meanwhile) be seen before the next request, or that request goes to a dead socket.
    await new Promise((next) => setImmediate(next));
    // Rally's scheduled summaries thank volunteers by mention, review announcements name the
    // member (maybe with a proof link), /summary now posts likewise: those names come out.
    const toEdit = [
      ...result.summaryPosts.map((post) => ({ ...post, kind: "summary" })),
      ...result.postedMessages,
    ];
    const posts = { edited: 0, failed: 0 };
    for (const post of toEdit) {
      try {
        const outcome = await context.channels.removeNames(
          post.channelId,
          post.messageId,
          context.t("purge.namesRemoved"),
          post.kind === "review" ? context.t("purge.linkRemoved") : undefined,
        );
        if (outcome === "edited") posts.edited += 1;
      } catch (error) {
        posts.failed += 1;
        context.log.warn(
          { err: error, guildId: context.guildId, kind: post.kind },
          "post not edited in the purge",
        );
      }
    }
    const serverT = translator(context.serverLanguage);
    return {
      type: "reply",
      ephemeral: true,
      message: { content: report(result.counts, posts, context.t) },
      // Released claims open slots again: their tasks' cards say so.
      after: async () => {
        for (const taskId of result.releasedTaskIds) {
          const task = await getTask(context.db, context.guildId, taskId);
          if (!task.cardChannelId || !task.cardMessageId) continue;
          await context.channels
            .edit(task.cardChannelId, task.cardMessageId, taskCard(task, serverT))
            .catch((error: unknown) =>
              context.log.warn({ err: error, guildId: context.guildId }, "task card not updated"),
            );
        }
      },
    };
  },
};
