import { ApplicationCommandOptionType } from "discord.js";
import { z } from "zod";
import { memberStatus } from "../src/domain/tasks.ts";
import { getVolunteer, setCredit, setReminders } from "../src/domain/volunteers.ts";
import { translator } from "../src/i18n/index.ts";
import {
  subcommand,
  type Command,
  type HandlerResult,
  type InteractionContext,
} from "../src/discord/command.ts";
import { guildCommand, localizedDescription } from "../src/discord/commandData.ts";
import { discordTime } from "../src/discord/render/taskCard.ts";
import { showText, shorten } from "../src/discord/render/text.ts";

const S = ApplicationCommandOptionType;
const d = localizedDescription;
const en = translator("en");

const data = guildCommand({
  name: "me",
  ...d("commands.me.description"),
  options: [
    { type: S.Subcommand, name: "status", ...d("commands.me.status") },
    {
      type: S.Subcommand,
      name: "credit",
      ...d("commands.me.credit"),
      options: [
        {
          type: S.String,
          name: "mode",
          ...d("commands.me.options.mode"),
          required: true,
          choices: (["public", "anonymous"] as const).map((value) => ({
            name: en(`commands.me.choices.${value}`),
            value,
          })),
        },
      ],
    },
    {
      type: S.Subcommand,
      name: "reminders",
      ...d("commands.me.reminders"),
      options: [
        { type: S.Boolean, name: "enabled", ...d("commands.me.options.enabled"), required: true },
      ],
    },
  ],
});

function privately(content: string): HandlerResult {
  return { type: "reply", ephemeral: true, message: { content } };
}

/** The member's own claims, due dates and totals: only they see it. */
async function status(context: InteractionContext): Promise<HandlerResult> {
  const { t } = context;
  const [{ open, done }, volunteer] = await Promise.all([
    memberStatus(context.db, context.guildId, context.userId),
    getVolunteer(context.db, context.guildId, context.userId),
  ]);
  const lines = open.slice(0, 25).map((claim) =>
    t("me.statusLine", {
      title: showText(claim.task.title, 100),
      campaign: showText(shorten(claim.task.campaign.title, 40), 60),
      due: claim.task.dueAt ? ` · ${discordTime(claim.task.dueAt, "R")}` : "",
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

export const meCommand: Command = {
  data,
  subcommands: {
    status: subcommand({
      access: "everyone",
      ephemeral: true,
      options: z.object({}),
      run: async (_input, context) => status(context),
    }),
    credit: subcommand({
      access: "everyone",
      ephemeral: true,
      options: z.object({ mode: z.enum(["public", "anonymous"]) }),
      run: async (input, context) => {
        await setCredit(context.db, context.guildId, context.userId, input.mode === "public");
        const key = input.mode === "public" ? "me.creditSetPublic" : "me.creditSetAnonymous";
        return privately(context.t(key));
      },
    }),
    reminders: subcommand({
      access: "everyone",
      ephemeral: true,
      options: z.object({ enabled: z.boolean() }),
      run: async (input, context) => {
        await setReminders(context.db, context.guildId, context.userId, input.enabled);
        return privately(context.t(input.enabled ? "me.remindersOn" : "me.remindersOff"));
      },
    }),
  },
};
