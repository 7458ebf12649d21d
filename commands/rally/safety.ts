/** `/rally safety`: the server's and Rally's safety settings, each a verdict with what to do. */
import { channelMention, time } from "discord.js";
import { checkSafety, neededPermissions, type Verdict } from "../../src/domain/safety.ts";
import type { HandlerResult, InteractionContext } from "../../src/discord/command.ts";
import type { MessageKey } from "../../src/i18n/index.ts";

const marks = { ok: "✅", warn: "⚠️", unknown: "❔" } as const;

function verdictLine(verdict: Verdict, context: InteractionContext): string {
  const { t } = context;
  const permissionNames = (names: readonly string[]) =>
    names.map((name) => t(`permissions.${name}` as MessageKey)).join(", ");
  const words = t(`safety.${verdict.check}.${verdict.outcome}` as MessageKey, {
    channels: (verdict.channelIds ?? []).map((id) => channelMention(id)).join(", "),
    permissions: permissionNames(verdict.permissions ?? []),
    needed: permissionNames(neededPermissions),
    count: verdict.days ?? 0,
    level: t(`safety.levels.${verdict.level ?? 0}` as MessageKey),
    when: verdict.at ? time(verdict.at, "R") : "",
  });
  return `${marks[verdict.status]} ${words}`;
}

export async function safety(context: InteractionContext): Promise<HandlerResult> {
  const { t, channels } = context;
  const server = channels.serverFacts();
  // Not in the cache (a shard still starting): nothing to judge yet, rather than a false green.
  if (!server)
    return { type: "reply", ephemeral: true, message: { content: t("safety.noServer") } };
  const verdicts = await checkSafety(
    context.db,
    {
      mfaLevel: server.mfaLevel,
      verificationLevel: server.verificationLevel,
      botPermissions: server.botPermissions,
      everyoneCanRead: (channelId) =>
        channels.check(channelId, []).ok ? !channels.isPrivate(channelId) : null,
      encryptionAtRest: context.app.encryptionAtRest,
    },
    context.settings,
  );
  const warnings = verdicts.filter((verdict) => verdict.status === "warn").length;
  return {
    type: "reply",
    ephemeral: true,
    message: {
      embeds: [
        {
          title: t("safety.title"),
          description: verdicts.map((verdict) => verdictLine(verdict, context)).join("\n\n"),
          footer: {
            text: warnings > 0 ? t("safety.summaryWarn", { count: warnings }) : t("safety.allOk"),
          },
        },
      ],
      content: t("safety.guide"),
    },
  };
}
