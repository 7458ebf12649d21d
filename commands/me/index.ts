import { ApplicationCommandOptionType, ButtonStyle, ComponentType } from "discord.js";
import { UserError } from "../../src/domain/errors.ts";
import { isOverdueClaim } from "../../src/domain/overdue.ts";
import { exportMember, forgetMember } from "../../src/domain/privacy.ts";
import { getTask, memberStatus } from "../../src/domain/tasks.ts";
import { getVolunteer, setCredit, setReminders } from "../../src/domain/volunteers.ts";
import { translator } from "../../src/i18n/index.ts";
import {
  customId,
  privateReply,
  subcommand,
  type Command,
  type ComponentHandler,
  type HandlerResult,
  type InteractionContext,
} from "../../src/discord/command.ts";
import {
  guildCommand,
  localizedChoice,
  localizedDescription,
} from "../../src/discord/commandData.ts";
import { option, options } from "../../src/discord/declaredOptions.ts";
import { discordTime, taskCard } from "../../src/discord/render/taskCard.ts";
import { showText, shorten } from "../../src/discord/render/text.ts";
import { memberCalendar } from "./calendar.ts";

const S = ApplicationCommandOptionType;
const d = localizedDescription;

const creditOptions = options(
  option({
    type: S.String,
    name: "mode",
    ...d("commands.me.options.mode"),
    required: true,
    choices: (["public", "anonymous"] as const).map((value) =>
      localizedChoice(`commands.me.choices.${value}`, value),
    ),
  }),
);
const remindersOptions = options(
  option({ type: S.Boolean, name: "enabled", ...d("commands.me.options.enabled"), required: true }),
);
const calendarOptions = options(
  option({ type: S.Boolean, name: "rotate", ...d("commands.me.options.rotate") }),
);
const noOptions = options();

const data = guildCommand({
  name: "me",
  ...d("commands.me.description"),
  options: [
    { type: S.Subcommand, name: "status", ...d("commands.me.status") },
    {
      type: S.Subcommand,
      name: "credit",
      ...d("commands.me.credit"),
      options: creditOptions.json,
    },
    { type: S.Subcommand, name: "export", ...d("commands.me.export") },
    { type: S.Subcommand, name: "forget", ...d("commands.me.forget") },
    {
      type: S.Subcommand,
      name: "reminders",
      ...d("commands.me.reminders"),
      options: remindersOptions.json,
    },
    {
      type: S.Subcommand,
      name: "calendar",
      ...d("commands.me.calendar"),
      options: calendarOptions.json,
    },
  ],
});

/** The member's own claims, due dates and totals: only they see it. */
async function status(context: InteractionContext): Promise<HandlerResult> {
  const { t } = context;
  const now = context.now();
  const [{ open, done }, volunteer] = await Promise.all([
    memberStatus(context.db, context.guildId, context.userId),
    getVolunteer(context.db, context.guildId, context.userId),
  ]);
  const lines = open.slice(0, 25).map((claim) =>
    t("me.statusLine", {
      title: showText(claim.task.title, 100),
      campaign: showText(shorten(claim.task.campaign.title, 40), 60),
      due: !claim.task.dueAt
        ? ""
        : isOverdueClaim(claim, claim.task, now)
          ? t("me.overdue", { due: discordTime(claim.task.dueAt, "R", t) })
          : ` · ${discordTime(claim.task.dueAt, "R", t)}`,
      state: claim.status === "submitted" ? t("me.stateSubmitted") : t("me.stateActive"),
    }),
  );
  const totals = t("me.statusTotals", {
    done,
    credit: volunteer.creditPublic ? t("me.creditPublic") : t("me.creditAnonymous"),
    reminders: volunteer.remindersEnabled ? t("me.on") : t("me.off"),
  });
  return {
    type: "reply",
    ephemeral: true,
    message: {
      embeds: [
        {
          title: t("me.statusTitle"),
          description: lines.join("\n") || t("me.statusEmpty"),
          footer: { text: totals },
        },
      ],
    },
  };
}

/** The confirm button carries the member's id: only they can erase themselves. */
function forgetPrompt(context: InteractionContext): HandlerResult {
  return {
    type: "reply",
    ephemeral: true,
    message: {
      content: context.t("me.forgetConfirm"),
      components: [
        {
          type: ComponentType.ActionRow,
          components: [
            {
              type: ComponentType.Button,
              style: ButtonStyle.Danger,
              label: context.t("me.forgetButton"),
              custom_id: customId("me", "forget", context.userId),
            },
          ],
        },
      ],
    },
  };
}

const components: Record<string, ComponentHandler> = {
  forget: {
    access: "everyone",
    ephemeral: true,
    // Only the member's own prompt shows their id; `run` tells another member why not.
    on: "shown",
    run: async (args, context) => {
      if (args[0] !== context.userId) throw new UserError("me.forgetOther");
      const { releasedTaskIds } = await forgetMember(
        context.db,
        context.guildId,
        context.userId,
        context.now(),
      );
      for (const taskId of releasedTaskIds) {
        const task = await getTask(context.db, context.guildId, taskId);
        if (task.cardChannelId && task.cardMessageId) {
          await context.channels
            .edit(
              task.cardChannelId,
              task.cardMessageId,
              taskCard(task, translator(context.serverLanguage)),
            )
            .catch((error: unknown) =>
              context.log.warn({ err: error, guildId: context.guildId }, "task card not updated"),
            );
        }
      }
      return { type: "update", message: { content: context.t("me.forgotten"), components: [] } };
    },
  },
};

export const meCommand: Command = {
  data,
  components,
  subcommands: {
    status: subcommand({
      access: "everyone",
      ephemeral: true,
      options: noOptions.schema,
      run: async (_input, context) => status(context),
    }),
    credit: subcommand({
      access: "everyone",
      ephemeral: true,
      options: creditOptions.schema,
      run: async (input, context) => {
        await setCredit(context.db, context.guildId, context.userId, input.mode === "public");
        const key = input.mode === "public" ? "me.creditSetPublic" : "me.creditSetAnonymous";
        return privateReply(context.t(key));
      },
    }),
    export: subcommand({
      access: "everyone",
      ephemeral: true,
      options: noOptions.schema,
      run: async (_input, context) => {
        const data = await exportMember(context.db, context.guildId, context.userId);
        return {
          type: "reply",
          ephemeral: true,
          message: {
            content: context.t("me.exportReady"),
            files: [
              { name: "rally-my-data.json", data: Buffer.from(JSON.stringify(data, null, 2)) },
            ],
          },
        };
      },
    }),
    forget: subcommand({
      access: "everyone",
      ephemeral: true,
      options: noOptions.schema,
      run: async (_input, context) => forgetPrompt(context),
    }),
    reminders: subcommand({
      access: "everyone",
      ephemeral: true,
      options: remindersOptions.schema,
      run: async (input, context) => {
        await setReminders(context.db, context.guildId, context.userId, input.enabled);
        return privateReply(context.t(input.enabled ? "me.remindersOn" : "me.remindersOff"));
      },
    }),
    calendar: subcommand({
      access: "everyone",
      ephemeral: true,
      options: calendarOptions.schema,
      run: memberCalendar,
    }),
  },
};
