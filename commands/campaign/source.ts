/** `/campaign source …`: the count read from where the petition lives (held readings: heldReadings.ts). */
import { ApplicationCommandOptionType, ComponentType, TextInputStyle } from "discord.js";
import type * as z from "zod";
import { parseCampaignId } from "../../src/domain/campaigns.ts";
import {
  checkCountSource,
  getCountSource,
  needsActionNetworkKey,
  removeCountSource,
  setCountSource,
  sourceHost,
  sourceKinds,
  sourceLimits,
  storeActionNetworkKey,
  type CountSource,
} from "../../src/domain/countSources.ts";
import type { Translator } from "../../src/i18n/index.ts";
import {
  customId,
  type ComponentHandler,
  type HandlerResult,
  type InteractionContext,
} from "../../src/discord/command.ts";
import { localizedChoice, localizedDescription } from "../../src/discord/commandData.ts";
import { option, options } from "../../src/discord/declaredOptions.ts";
import { text } from "../../src/discord/optionSchemas.ts";
import { formatNumber } from "../../src/discord/render/campaignCard.ts";
import { discordTime } from "../../src/discord/render/taskCard.ts";
import { showText } from "../../src/discord/render/text.ts";
import { campaignOption } from "./options.ts";
import { announceMilestone, announceReading } from "./heldReadings.ts";
import { reply } from "./render.ts";

const S = ApplicationCommandOptionType;
const d = localizedDescription;

export const sourceSetOptions = options(
  campaignOption,
  option(
    {
      type: S.String,
      name: "url",
      ...d("commands.campaign.options.url"),
      required: true,
      max_length: 2000,
    },
    text(2000),
  ),
  option({
    type: S.String,
    name: "kind",
    ...d("commands.campaign.options.kind"),
    choices: sourceKinds.map((value) =>
      localizedChoice(`commands.campaign.choices.${value}`, value),
    ),
  }),
  option(
    { type: S.String, name: "field", ...d("commands.campaign.options.field"), max_length: 200 },
    text(200),
  ),
  option({
    type: S.Integer,
    name: "every",
    ...d("commands.campaign.options.every"),
    min_value: sourceLimits.everyMin,
    max_value: sourceLimits.everyMax,
  }),
);
export const sourceCampaignOptions = options(campaignOption);

type SetInput = z.output<typeof sourceSetOptions.schema>;

/** Without a stored key, an Action Network source starts with the key's modal (no defer). */
export async function sourceSetDefersFirst(
  input: SetInput,
  context: InteractionContext,
): Promise<boolean> {
  return !(await needsActionNetworkKey(
    context.db,
    context.guildId,
    input.url,
    input.kind ?? "auto",
  ));
}

function kindText(source: Pick<CountSource, "kind">, reader: string | undefined, t: Translator) {
  const kind = t(`source.kind.${source.kind as "page"}`);
  return reader === undefined ? kind : `${kind}, ${t(`source.reader.${reader as "pattern"}`)}`;
}

async function runSet(
  input: {
    campaign: string;
    url: string;
    kind: SetInput["kind"];
    field: string | undefined;
    every: number | undefined;
  },
  context: InteractionContext,
): Promise<HandlerResult> {
  const { t, language } = context;
  const id = parseCampaignId(input.campaign);
  const everyMinutes = input.every ?? sourceLimits.everyDefault;
  const result = await setCountSource(
    context.db,
    context.sources,
    {
      guildId: context.guildId,
      actorId: context.userId,
      campaignId: id,
      url: input.url,
      kind: input.kind ?? "auto",
      field: input.field ?? null,
      everyMinutes,
    },
    context.now,
  );
  const lines = [
    t("source.setDone", {
      count: formatNumber(result.read, language),
      unit: showText(result.campaign.unit, 32),
      host: result.host,
      time: discordTime(result.source.lastReadAt ?? context.now(), "t", t),
      kind: kindText(result.source, result.reader, t),
      total: formatNumber(result.campaign.count, language),
      every: everyMinutes,
    }),
  ];
  const subject = result.milestone;
  const milestone = subject === null ? undefined : () => announceMilestone(context, subject);
  return { ...reply(context, [], lines.join("\n")), ...(milestone ? { after: milestone } : {}) };
}

export async function sourceSet(
  input: SetInput,
  context: InteractionContext,
): Promise<HandlerResult> {
  const kind = input.kind ?? "auto";
  if (await needsActionNetworkKey(context.db, context.guildId, input.url, kind)) {
    const id = parseCampaignId(input.campaign);
    const every = input.every ?? sourceLimits.everyDefault;
    const { t } = context;
    const row = (custom_id: string, label: string, value: string | undefined, max: number) => ({
      type: ComponentType.ActionRow as const,
      components: [
        {
          type: ComponentType.TextInput as const,
          custom_id,
          label,
          style: TextInputStyle.Short,
          required: custom_id !== "field",
          max_length: max,
          ...(value === undefined || value === "" ? {} : { value }),
        },
      ],
    });
    return {
      type: "modal",
      modal: {
        custom_id: customId("campaign", "sourceKey", String(id), String(every)),
        title: t("source.keyTitle"),
        // The address travels in the form, not the custom_id (100 characters at most).
        components: [
          row("url", t("source.urlLabel"), input.url, 2000),
          row("key", t("source.keyLabel"), undefined, 128),
        ],
      },
    };
  }
  return runSet({ ...input, kind, field: input.field, every: input.every }, context);
}

export const sourceKey: ComponentHandler = {
  access: "organizer",
  ephemeral: true,
  on: "own",
  deferFirst: true,
  run: async (args, context, fields) => {
    const [campaign = "", every = ""] = args;
    await storeActionNetworkKey(context.db, context.guildId, context.userId, fields.key ?? "");
    const minutes = Number(every);
    return runSet(
      {
        campaign,
        url: (fields.url ?? "").trim(),
        kind: "action_network",
        field: undefined,
        every: Number.isInteger(minutes)
          ? Math.min(Math.max(minutes, sourceLimits.everyMin), sourceLimits.everyMax)
          : undefined,
      },
      context,
    );
  },
};

function reasonText(source: CountSource): string {
  return source.lastError ?? "—";
}

/** The lines `/campaign show`, `source show` and summaries say about a failing source. */
export function sourceHealthLine(source: CountSource, t: Translator): string | null {
  if (source.status === "paused") return t("source.pausedLine");
  if (source.failingSince)
    return t("source.failingLine", { since: discordTime(source.failingSince, "f", t) });
  return null;
}

export async function sourceShow(
  input: { campaign: string },
  context: InteractionContext,
): Promise<HandlerResult> {
  const { t, language } = context;
  const { campaign, source } = await getCountSource(
    context.db,
    context.guildId,
    parseCampaignId(input.campaign),
  );
  const lines = [
    t("source.showAddress", { url: displayAddress(source.url) }),
    t("source.showKind", { kind: kindText(source, undefined, t), every: source.everyMinutes }),
    source.lastReadAt && source.lastCount !== null
      ? t("source.showLastRead", {
          time: discordTime(source.lastReadAt, "f", t),
          count: formatNumber(source.lastCount, language),
        })
      : t("source.showNeverRead"),
    source.status === "paused"
      ? t("source.showPaused", { reason: reasonText(source) })
      : source.failingSince
        ? t("source.showFailing", {
            since: discordTime(source.failingSince, "f", t),
            reason: reasonText(source),
          })
        : t("source.showActive"),
  ];
  if (source.heldCount !== null && source.heldAt !== null)
    lines.push(t("source.showHeld", { count: formatNumber(source.heldCount, language) }));
  if (source.kind === "action_network") lines.push(t("source.showKey"));
  return reply(context, [
    {
      title: t("source.showTitle", { title: showText(campaign.title, 100) }),
      description: lines.join("\n"),
    },
  ]);
}

/** Shown without its query string (a key may be in it), and never as a link preview. */
function displayAddress(url: string): string {
  try {
    const parsed = new URL(url);
    return `<${parsed.origin}${parsed.pathname}>`;
  } catch {
    return "—";
  }
}

export async function sourceCheck(
  input: { campaign: string },
  context: InteractionContext,
): Promise<HandlerResult> {
  const { t, language } = context;
  const id = parseCampaignId(input.campaign);
  const before = await getCountSource(context.db, context.guildId, id);
  const outcome = await checkCountSource(
    context.db,
    context.sources,
    context.guildId,
    context.userId,
    id,
    context.now,
  );
  const host = sourceHost(before.source);
  const lines: string[] = [];
  if (before.source.status === "paused")
    lines.push(t("source.resumed", { every: before.source.everyMinutes }));
  const read = (n: number) => formatNumber(n, language);
  if (outcome.type === "written")
    lines.unshift(
      t("source.checkWritten", {
        count: read(outcome.source.lastCount ?? 0),
        host,
        total: read(outcome.campaign.count),
      }),
    );
  else if (outcome.type === "unchanged")
    lines.unshift(t("source.checkUnchanged", { count: read(outcome.source.lastCount ?? 0), host }));
  else if (outcome.type === "held")
    lines.unshift(
      t("source.checkHeld", {
        count: read(outcome.count),
        host,
        last: read(outcome.source.lastCount ?? 0),
      }),
    );
  const after = async () => {
    await announceReading(context.channels, outcome, context);
    if (outcome.type === "written" && outcome.milestone !== null)
      await announceMilestone(context, outcome.milestone);
  };
  return { ...reply(context, [], lines.join("\n")), after };
}

export async function sourceRemove(
  input: { campaign: string },
  context: InteractionContext,
): Promise<HandlerResult> {
  const campaign = await removeCountSource(
    context.db,
    context.guildId,
    context.userId,
    parseCampaignId(input.campaign),
  );
  return reply(
    context,
    [],
    context.t("source.removed", {
      title: showText(campaign.title, 100),
      count: formatNumber(campaign.count, context.language),
    }),
  );
}
