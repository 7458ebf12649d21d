/** The organizer's subcommands that write a task: add, edit, assign (cancel: repeat.ts). */
import { ApplicationCommandOptionType, channelMention, userMention } from "discord.js";
import type * as z from "zod";
import { parseCampaignId } from "../../src/domain/campaigns.ts";
import { parseLocalDateTime } from "../../src/domain/dates.ts";
import { UserError } from "../../src/domain/errors.ts";
import { taskKinds, taskLimits, type TaskFields } from "../../src/domain/taskFields.ts";
import {
  addTask,
  assignTask,
  editTask,
  getTask,
  moveClaim,
  parseTaskId,
  type TaskWithCampaign,
} from "../../src/domain/tasks.ts";
import { translator, type Language } from "../../src/i18n/index.ts";
import { recipient, reminderText } from "../../src/discord/claimJobs.ts";
import { discordTime } from "../../src/discord/render/taskCard.ts";
import {
  privateReply,
  type HandlerResult,
  type InteractionContext,
} from "../../src/discord/command.ts";
import { localizedChoice, localizedDescription } from "../../src/discord/commandData.ts";
import { option, options } from "../../src/discord/declaredOptions.ts";
import { text } from "../../src/discord/optionSchemas.ts";
import { showText } from "../../src/discord/render/text.ts";
import { postCard, postCardRow, refreshCard } from "./card.ts";
import { campaignOption, taskOption } from "./options.ts";
import { eventOptions, readStarts, syncEventNote } from "./event.ts";
import { readRepeat, repeatOptions, repeatsNote } from "./repeat.ts";

function readDue(value: string | undefined, context: InteractionContext): Date | null {
  if (value === undefined) return null;
  return parseLocalDateTime(value, {
    option: "due",
    zone: context.settings.timezone,
    now: context.now(),
    past: "task.duePast",
  });
}

const S = ApplicationCommandOptionType;
const d = localizedDescription;

/** The fields add sets and edit changes; edit makes every one optional. */
function taskFields<Required extends boolean>(required: Required) {
  return [
    option(
      {
        type: S.String,
        name: "title",
        ...d("commands.task.options.title"),
        max_length: taskLimits.title,
        required,
      },
      text(taskLimits.title),
    ),
    option({
      type: S.String,
      name: "kind",
      ...d("commands.task.options.kind"),
      choices: taskKinds.map((kind) => localizedChoice(`commands.task.kinds.${kind}`, kind)),
    }),
    option(
      {
        type: S.String,
        name: "location",
        ...d("commands.task.options.location"),
        max_length: taskLimits.location,
      },
      text(taskLimits.location),
    ),
    option({
      type: S.Integer,
      name: "slots",
      ...d("commands.task.options.slots"),
      min_value: taskLimits.minSlots,
      max_value: taskLimits.maxSlots,
    }),
    option({ type: S.String, name: "due", ...d("commands.task.options.due"), max_length: 16 }),
    option(
      {
        type: S.String,
        name: "instructions",
        ...d("commands.task.options.instructions"),
        max_length: taskLimits.instructions,
      },
      text(taskLimits.instructions),
    ),
  ] as const;
}

export const addOptions = options(
  campaignOption,
  ...taskFields(true),
  ...repeatOptions,
  ...eventOptions,
);

export async function add(
  input: z.output<typeof addOptions.schema>,
  context: InteractionContext,
): Promise<HandlerResult> {
  const fields: TaskFields = {
    title: input.title,
    kind: input.kind ?? "other",
    location: input.location ?? null,
    slots: input.slots ?? 1,
    dueAt: readDue(input.due, context),
    instructions: input.instructions ?? null,
    startsAt: readStarts(input.starts, context),
    eventWanted: input.event ?? false,
  };
  const task = await addTask(
    context.db,
    context.guildId,
    context.userId,
    parseCampaignId(input.campaign),
    fields,
    readRepeat(input, context),
  );
  const channel = channelMention(task.campaign.channelId);
  const failure = await postCard(task, context);
  const repeats = repeatsNote(task.repeat, context);
  // After the card, so the event links it; the task is saved whatever Discord says.
  const event = task.eventWanted ? await syncEventNote(task.id, context) : "";
  // The card shows the event's link once it exists.
  const after = task.eventWanted
    ? async () => refreshCard(await getTask(context.db, context.guildId, task.id), context)
    : undefined;
  if (!failure)
    return {
      ...privateReply(`${context.t("task.added", { channel })}${repeats}${event}`),
      ...(after ? { after } : {}),
    };
  return {
    type: "reply",
    ephemeral: true,
    message: {
      content: `${context.t("task.addedNotPosted", {
        channel,
        reason: failure,
        button: context.t("task.postCardButton"),
      })}${repeats}${event}`,
      components: [postCardRow(task.id, context)],
    },
  };
}

export const editOptions = options(taskOption, ...taskFields(false), ...eventOptions);

export async function edit(
  input: z.output<typeof editOptions.schema>,
  context: InteractionContext,
): Promise<HandlerResult> {
  const changes: Partial<TaskFields> = {};
  if (input.title !== undefined) changes.title = input.title;
  if (input.kind !== undefined) changes.kind = input.kind;
  if (input.location !== undefined) changes.location = input.location;
  if (input.slots !== undefined) changes.slots = input.slots;
  if (input.due !== undefined) changes.dueAt = readDue(input.due, context);
  if (input.instructions !== undefined) changes.instructions = input.instructions;
  if (input.starts !== undefined) changes.startsAt = readStarts(input.starts, context);
  if (input.event !== undefined) changes.eventWanted = input.event;
  if (Object.keys(changes).length === 0) throw new UserError("task.nothingToEdit");
  const task = await editTask(
    context.db,
    context.guildId,
    context.userId,
    parseTaskId(input.task),
    changes,
    context.now(),
  );
  const hadEvent = task.eventWanted || task.eventId !== null;
  // The event now, whose outcome the reply tells; the card is then refreshed to link it.
  const event = hadEvent ? await syncEventNote(task.id, context) : "";
  const shown = hadEvent ? await getTask(context.db, context.guildId, task.id) : task;
  return {
    ...privateReply(
      `${context.t("task.editedReply", { title: showText(task.title, 100) })}${event}`,
    ),
    after: () => refreshCard(shown, context),
  };
}

export const assignOptions = options(
  taskOption,
  option({ type: S.User, name: "member", ...d("commands.task.options.member"), required: true }),
  option({ type: S.User, name: "from", ...d("commands.task.options.from") }),
);

/**
 * Both members of a moved claim are told privately, each in their own language and only if
 * they keep reminders on, through the once-only DM outbox (a key per claim).
 */
async function tellMoved(
  moved: {
    task: TaskWithCampaign;
    claim: { id: number; expiresAt: Date };
    previous: { id: number };
  },
  fromId: string,
  toId: string,
  context: InteractionContext,
): Promise<void> {
  const { db, guildId } = context;
  const tell = async (userId: string, build: (language: Language) => string, key: string) => {
    try {
      const language = await recipient(db, guildId, userId);
      if (!language) return;
      await context.channels.sendDirect(userId, build(language), key);
    } catch (error) {
      context.log.warn({ err: error, guildId }, "moved-claim message not sent");
    }
  };
  await tell(
    fromId,
    (language) => reminderText(language, "reminders.movedAway", moved.task, {}),
    `movedAway:${moved.previous.id}`,
  );
  await tell(
    toId,
    (language) =>
      reminderText(language, "reminders.movedTo", moved.task, {
        expires: discordTime(moved.claim.expiresAt, "R", translator(language)),
      }),
    `movedTo:${moved.claim.id}`,
  );
}

export async function assign(
  input: z.output<typeof assignOptions.schema>,
  context: InteractionContext,
): Promise<HandlerResult> {
  const target = await context.channels.isMember(input.member);
  if (!target.member) throw new UserError("task.notMember");
  if (target.bot) throw new UserError("task.bot");
  if (input.from !== undefined) {
    const from = input.from;
    const moved = await moveClaim(
      context.db,
      context.guildId,
      context.userId,
      parseTaskId(input.task),
      from,
      input.member,
      context.now(),
      context.settings.claimExpiryDays,
    );
    return {
      ...privateReply(
        context.t("task.moved", {
          member: userMention(input.member),
          from: userMention(from),
          title: showText(moved.task.title, 100),
        }),
      ),
      after: async () => {
        await refreshCard(moved.task, context);
        await tellMoved(moved, from, input.member, context);
      },
    };
  }
  const result = await assignTask(
    context.db,
    context.guildId,
    context.userId,
    parseTaskId(input.task),
    input.member,
    context.now(),
    context.settings.claimExpiryDays,
  );
  return {
    ...privateReply(
      context.t("task.assigned", {
        member: userMention(input.member),
        title: showText(result.task.title, 100),
      }),
    ),
    after: () => refreshCard(result.task, context),
  };
}
