/** `/task list` and its pages: what a member sees of the tasks. */
import {
  ApplicationCommandOptionType,
  ButtonStyle,
  ComponentType,
  userMention,
  type APIEmbed,
} from "discord.js";
import * as z from "zod";
import { parseCampaignId } from "../../src/domain/campaigns.ts";
import { UserError } from "../../src/domain/errors.ts";
import { hasOverdueClaim } from "../../src/domain/overdue.ts";
import type { TaskKind } from "../../src/domain/taskFields.ts";
import { formatLocalDateTime } from "../../src/domain/dates.ts";
import {
  listTasks,
  releaseOverdueClaims,
  taskFilters,
  type ListedTask,
  type TaskFilter,
} from "../../src/domain/tasks.ts";
import { hasAccess } from "../../src/domain/permissions.ts";
import {
  customId,
  idArgument,
  type ComponentHandler,
  type HandlerResult,
  type InteractionContext,
  type OutgoingMessage,
} from "../../src/discord/command.ts";
import { localizedChoice, localizedDescription } from "../../src/discord/commandData.ts";
import { option, options } from "../../src/discord/declaredOptions.ts";
import { discordTime, eventLink } from "../../src/discord/render/taskCard.ts";
import { refreshCard } from "./card.ts";
import { campaignJson } from "./options.ts";
import { showText, shorten } from "../../src/discord/render/text.ts";

export const listOptions = options(
  option({ ...campaignJson, required: false }),
  option({
    type: ApplicationCommandOptionType.String,
    name: "filter",
    ...localizedDescription("commands.task.options.filter"),
    choices: taskFilters.map((filter) =>
      localizedChoice(`commands.task.filters.${filter}`, filter),
    ),
  }),
);

/** A select menu holds at most 25 options, each label and description at most 100 characters. */
const menuOptionLimit = 25;
const menuTextLimit = 100;

/**
 * The overdue list's menu for organizers: the active claims of the tasks on the page (a message
 * cannot hold a button per claim), to release the ones picked. Names, never pings.
 */
function overdueMenu(
  tasks: ListedTask[],
  context: InteractionContext,
  state: string[],
): NonNullable<OutgoingMessage["components"]> {
  const { t } = context;
  const options = tasks
    .flatMap((task) =>
      task.claims
        .filter((claim) => claim.status === "active")
        .map((claim) => ({
          label: shorten(
            t("task.overdueOption", {
              member: claim.volunteerId
                ? (context.channels.memberName(claim.volunteerId) ?? t("task.someone"))
                : t("task.someone"),
              title: task.title,
            }),
            menuTextLimit,
          ),
          description: shorten(
            t("task.overdueOptionDescription", {
              id: task.id,
              due: task.dueAt ? formatLocalDateTime(task.dueAt, context.settings.timezone) : "",
              claimed: formatLocalDateTime(claim.claimedAt, context.settings.timezone),
            }),
            menuTextLimit,
          ),
          value: String(claim.id),
        })),
    )
    .slice(0, menuOptionLimit);
  if (options.length === 0) return [];
  return [
    {
      type: ComponentType.ActionRow,
      components: [
        {
          type: ComponentType.StringSelect,
          custom_id: customId("task", "releaseOverdue", ...state),
          placeholder: shorten(t("task.overduePlaceholder"), 150),
          min_values: 1,
          max_values: options.length,
          options,
        },
      ],
    },
  ];
}

/** One page of tasks, with Previous/Next buttons that carry the query in their custom_id. */
async function taskPage(
  context: InteractionContext,
  query: { campaignId: number | null; filter: TaskFilter; page: number },
): Promise<OutgoingMessage> {
  const { t } = context;
  const result = await listTasks(context.db, context.guildId, {
    ...query,
    userId: context.userId,
    now: context.now(),
  });
  const organizer = hasAccess("organizer", {
    permissions: context.memberPermissions,
    roleIds: context.memberRoleIds,
    organizerRoleId: context.settings.organizerRoleId,
  });
  const now = context.now();
  const lines = result.tasks.map((task) => {
    const line = t("task.listLine", {
      icon: t(`task.kindIcon.${task.kind as TaskKind}`),
      id: task.number,
      title: showText(task.title, 100),
      slots: t("task.slotsLine", { claimed: task.claimedSlots, count: task.slots }),
      due: !task.dueAt
        ? ""
        : t(hasOverdueClaim(task, now) ? "task.listOverdue" : "task.listDue", {
            due: discordTime(task.dueAt, "R", t),
          }),
      campaign: showText(shorten(task.campaign.title, 40), 60),
    });
    const withEvent = task.eventId
      ? `${line} · [${t("taskEvent.listMark")}](${eventLink(task.guildId, task.eventId)})`
      : line;
    // Who holds a claim is for organizers only; the member sees their own hold as "mine".
    const holders = organizer
      ? task.claims.map((claim) => (claim.volunteerId ? userMention(claim.volunteerId) : "—"))
      : [];
    return holders.length > 0
      ? `${withEvent}\n  ${t("task.listHolders", { members: holders.join(", ") })}`
      : withEvent;
  });
  const embed: APIEmbed = {
    title: t("task.listTitle", { filter: t(`commands.task.filters.${query.filter}`) }),
    description: lines.join("\n") || t("task.listEmpty"),
    footer: {
      text: t("task.listPage", { page: result.page + 1, pages: result.pages, count: result.total }),
    },
  };
  const state = [query.filter, query.campaignId === null ? "-" : String(query.campaignId)];
  const campaignState = query.campaignId === null ? "-" : String(query.campaignId);
  const menu =
    organizer && query.filter === "overdue"
      ? overdueMenu(result.tasks, context, [campaignState, String(result.page)])
      : [];
  const message: OutgoingMessage = {
    embeds: [embed],
    components:
      result.pages > 1
        ? [
            {
              type: ComponentType.ActionRow,
              components: [
                {
                  type: ComponentType.Button,
                  style: ButtonStyle.Secondary,
                  label: t("task.previous"),
                  custom_id: customId("task", "page", ...state, String(result.page - 1)),
                  disabled: result.page === 0,
                },
                {
                  type: ComponentType.Button,
                  style: ButtonStyle.Secondary,
                  label: t("task.next"),
                  custom_id: customId("task", "page", ...state, String(result.page + 1)),
                  disabled: result.page >= result.pages - 1,
                },
              ],
            },
          ]
        : [],
  };
  return { ...message, components: [...menu, ...(message.components ?? [])] };
}

export async function list(
  input: z.output<typeof listOptions.schema>,
  context: InteractionContext,
): Promise<HandlerResult> {
  const campaignId = input.campaign === undefined ? null : parseCampaignId(input.campaign);
  const message = await taskPage(context, { campaignId, filter: input.filter ?? "open", page: 0 });
  return { type: "reply", ephemeral: true, message };
}

/** Previous/Next on a member's own list, and "Browse" under an import's message. */
export const listButtons: Record<string, ComponentHandler> = {
  page: {
    access: "everyone",
    ephemeral: true,
    on: "own",
    run: async (args, context) => {
      const [filter = "", campaign = "", page = "", ...extra] = args;
      const parsedFilter = z.enum(taskFilters).safeParse(filter);
      if (!parsedFilter.success || !/^\d{1,4}$/.test(page) || extra.length > 0)
        throw new UserError("errors.staleButton");
      const campaignId = campaign === "-" ? null : parseCampaignId(idArgument([campaign]));
      return {
        type: "update",
        message: await taskPage(context, {
          campaignId,
          filter: parsedFilter.data,
          page: Number(page),
        }),
      };
    },
  },
  // The overdue list's menu: the organizer picks no-shows' claims to release.
  releaseOverdue: {
    access: "organizer",
    ephemeral: true,
    on: "own",
    run: async (args, context, _fields, values) => {
      const [campaign = "", page = "", ...extra] = args;
      const ids = values.filter((value) => /^\d{1,9}$/.test(value)).map(Number);
      if (
        !/^\d{1,4}$/.test(page) ||
        extra.length > 0 ||
        ids.length === 0 ||
        ids.length !== values.length ||
        ids.length > menuOptionLimit
      )
        throw new UserError("errors.staleButton");
      const campaignId = campaign === "-" ? null : parseCampaignId(idArgument([campaign]));
      const { released, tasks } = await releaseOverdueClaims(
        context.db,
        context.guildId,
        context.userId,
        ids,
        context.now(),
      );
      return {
        type: "update",
        message: await taskPage(context, { campaignId, filter: "overdue", page: Number(page) }),
        followUp: { content: context.t("task.releasedOverdue", { count: released }) },
        after: async () => {
          for (const task of tasks) await refreshCard(task, context);
        },
      };
    },
  },
  browse: {
    access: "everyone",
    ephemeral: true,
    on: "shown",
    run: async (args, context) => ({
      type: "reply",
      ephemeral: true,
      message: await taskPage(context, {
        campaignId: parseCampaignId(idArgument(args)),
        filter: "open",
        page: 0,
      }),
    }),
  },
};
