import {
  ApplicationCommandOptionType,
  ButtonStyle,
  ComponentType,
  TextInputStyle,
  channelMention,
  hideLinkEmbed,
  roleMention,
  userMention,
  type APIActionRowComponent,
  type APIApplicationCommandBasicOption,
  type APIComponentInMessageActionRow,
  type APIEmbed,
} from "discord.js";
import * as z from "zod";
import { getCampaign, parseCampaignId, searchCampaigns } from "../src/domain/campaigns.ts";
import { parseLocalDateTime } from "../src/domain/dates.ts";
import { UserError } from "../src/domain/errors.ts";
import { taskKinds, taskLimits, type TaskFields, type TaskKind } from "../src/domain/taskFields.ts";
import {
  importSizeProblem,
  importTasks,
  parseTaskCsv,
  problemsCsv,
} from "../src/domain/taskImport.ts";
import {
  addTask,
  assignTask,
  cancelTask,
  claimTask,
  editTask,
  finishTask,
  getTask,
  listTasks,
  nextSubmission,
  parseTaskId,
  releaseTask,
  requireOpenClaim,
  reviewClaim,
  searchTasks,
  setTaskCard,
  taskFilters,
  type TaskFilter,
  type TaskWithCampaign,
} from "../src/domain/tasks.ts";
import { volunteerLanguage } from "../src/domain/volunteers.ts";
import { hasAccess } from "../src/domain/permissions.ts";
import { translator, type Language } from "../src/i18n/index.ts";
import {
  customId,
  idArgument,
  privateReply,
  subcommand,
  type AutocompleteChoice,
  type Command,
  type ComponentHandler,
  type HandlerResult,
  type InteractionContext,
  type OutgoingMessage,
} from "../src/discord/command.ts";
import { guildCommand, localizedChoice, localizedDescription } from "../src/discord/commandData.ts";
import { httpUrl, integer, optionalText, snowflake, text } from "../src/discord/optionSchemas.ts";
import { classifyDiscordFailure, discordFailureText } from "../src/discord/discordFailure.ts";
import { discordTime, taskCard } from "../src/discord/render/taskCard.ts";
import { showText, shorten } from "../src/discord/render/text.ts";
import type { AttachmentOption } from "../src/discord/options.ts";

const S = ApplicationCommandOptionType;
const d = localizedDescription;

const taskOption = {
  type: S.String,
  name: "task",
  ...d("commands.task.options.task"),
  required: true,
  autocomplete: true,
} as const;
const campaignOption = {
  type: S.String,
  name: "campaign",
  ...d("commands.task.options.campaign"),
  required: true,
  autocomplete: true,
} as const;

function taskFieldOptions(required: boolean): APIApplicationCommandBasicOption[] {
  return [
    {
      type: S.String,
      name: "title",
      ...d("commands.task.options.title"),
      max_length: taskLimits.title,
      required,
    },
    {
      type: S.String,
      name: "kind",
      ...d("commands.task.options.kind"),
      choices: taskKinds.map((kind) => localizedChoice(`commands.task.kinds.${kind}`, kind)),
    },
    {
      type: S.String,
      name: "location",
      ...d("commands.task.options.location"),
      max_length: taskLimits.location,
    },
    {
      type: S.Integer,
      name: "slots",
      ...d("commands.task.options.slots"),
      min_value: taskLimits.minSlots,
      max_value: taskLimits.maxSlots,
    },
    { type: S.String, name: "due", ...d("commands.task.options.due"), max_length: 16 },
    {
      type: S.String,
      name: "instructions",
      ...d("commands.task.options.instructions"),
      max_length: taskLimits.instructions,
    },
  ];
}

const data = guildCommand({
  name: "task",
  ...d("commands.task.description"),
  options: [
    {
      type: S.Subcommand,
      name: "add",
      ...d("commands.task.add"),
      options: [campaignOption, ...taskFieldOptions(true)],
    },
    {
      type: S.Subcommand,
      name: "import",
      ...d("commands.task.import"),
      options: [
        campaignOption,
        { type: S.Attachment, name: "file", ...d("commands.task.options.file"), required: true },
      ],
    },
    {
      type: S.Subcommand,
      name: "list",
      ...d("commands.task.list"),
      options: [
        { ...campaignOption, required: false },
        {
          type: S.String,
          name: "filter",
          ...d("commands.task.options.filter"),
          choices: taskFilters.map((filter) =>
            localizedChoice(`commands.task.filters.${filter}`, filter),
          ),
        },
      ],
    },
    { type: S.Subcommand, name: "claim", ...d("commands.task.claim"), options: [taskOption] },
    { type: S.Subcommand, name: "release", ...d("commands.task.release"), options: [taskOption] },
    {
      type: S.Subcommand,
      name: "done",
      ...d("commands.task.done"),
      options: [
        taskOption,
        { type: S.Attachment, name: "proof_file", ...d("commands.task.options.proof_file") },
        {
          type: S.String,
          name: "proof_link",
          ...d("commands.task.options.proof_link"),
          max_length: taskLimits.proofLink,
        },
        {
          type: S.String,
          name: "note",
          ...d("commands.task.options.note"),
          max_length: taskLimits.note,
        },
      ],
    },
    {
      type: S.Subcommand,
      name: "assign",
      ...d("commands.task.assign"),
      options: [
        taskOption,
        { type: S.User, name: "member", ...d("commands.task.options.member"), required: true },
      ],
    },
    { type: S.Subcommand, name: "review", ...d("commands.task.review"), options: [taskOption] },
    { type: S.Subcommand, name: "cancel", ...d("commands.task.cancel"), options: [taskOption] },
    {
      type: S.Subcommand,
      name: "edit",
      ...d("commands.task.edit"),
      options: [taskOption, ...taskFieldOptions(false)],
    },
  ],
});

const serverLanguage = (context: InteractionContext) => context.settings.language as Language;

/** The public card, always in the server's language (never the presser's). */
function cardMessage(task: TaskWithCampaign, context: InteractionContext): OutgoingMessage {
  return taskCard(task, translator(serverLanguage(context)));
}

/** Updates the task's card in its channel; a card that is gone or unreachable is not an error for the member. */
async function refreshCard(task: TaskWithCampaign, context: InteractionContext): Promise<void> {
  if (!task.cardChannelId || !task.cardMessageId) return;
  try {
    await context.channels.edit(task.cardChannelId, task.cardMessageId, cardMessage(task, context));
  } catch (error) {
    context.log.warn(
      { err: error, guildId: context.guildId, taskId: task.id },
      "task card not updated",
    );
  }
}

function readDue(value: string | undefined, context: InteractionContext): Date | null {
  if (value === undefined) return null;
  return parseLocalDateTime(value, {
    option: "due",
    zone: context.settings.timezone,
    now: context.now(),
    past: "task.duePast",
  });
}

const kind = z.enum(taskKinds);
const addOptions = z.object({
  campaign: z.string(),
  title: text(taskLimits.title),
  kind: kind.optional(),
  location: optionalText(taskLimits.location),
  slots: integer(taskLimits.minSlots, taskLimits.maxSlots).optional(),
  due: z.string().optional(),
  instructions: optionalText(taskLimits.instructions),
});

async function add(
  input: z.output<typeof addOptions>,
  context: InteractionContext,
): Promise<HandlerResult> {
  const fields: TaskFields = {
    title: input.title,
    kind: input.kind ?? "other",
    location: input.location ?? null,
    slots: input.slots ?? 1,
    dueAt: readDue(input.due, context),
    instructions: input.instructions ?? null,
  };
  const task = await addTask(
    context.db,
    context.guildId,
    context.userId,
    parseCampaignId(input.campaign),
    fields,
  );
  const channel = channelMention(task.campaign.channelId);
  const failure = await postCard(task, context);
  if (!failure) return privateReply(context.t("task.added", { channel }));
  return {
    type: "reply",
    ephemeral: true,
    message: {
      content: context.t("task.addedNotPosted", {
        channel,
        reason: failure,
        button: context.t("task.postCardButton"),
      }),
      components: [postCardRow(task.id, context)],
    },
  };
}

/** The same on every try at one task's card: a later try lands on what an earlier one left. */
function cardNonce(taskId: number): string {
  return `t${taskId}.card`;
}

/**
 * Posts a new task's card, pinging the announce role (only it), and records where it is.
 * Returns null, or why Discord did not take it, in the organizer's words: the task is saved
 * either way, and the private reply offers to try again.
 */
async function postCard(
  task: TaskWithCampaign,
  context: InteractionContext,
): Promise<string | null> {
  const role = context.settings.announceRoleId;
  const card = cardMessage(task, context);
  const announce: OutgoingMessage = role
    ? {
        ...card,
        content: translator(serverLanguage(context))("task.newTaskAnnounce", {
          role: roleMention(role),
          title: showText(task.title, 100),
        }),
        allowedRoleIds: [role],
      }
    : card;
  let posted: { id: string };
  try {
    posted = await context.channels.post(task.campaign.channelId, announce, {
      nonce: cardNonce(task.id),
    });
  } catch (error) {
    context.log.warn(
      { err: error, guildId: context.guildId, taskId: task.id },
      "task card not posted",
    );
    return discordFailureText(classifyDiscordFailure(error), context.t);
  }
  await setTaskCard(context.db, task.id, task.campaign.channelId, posted.id);
  return null;
}

/** "Post the card" on the organizer's private reply, for a card Discord did not take. */
function postCardRow(
  taskId: number,
  context: InteractionContext,
): APIActionRowComponent<APIComponentInMessageActionRow> {
  return {
    type: ComponentType.ActionRow,
    components: [
      {
        type: ComponentType.Button,
        style: ButtonStyle.Primary,
        label: context.t("task.postCardButton"),
        custom_id: customId("task", "postCard", String(taskId)),
      },
    ],
  };
}

const importOptions = z.object({
  campaign: z.string(),
  file: z.custom<AttachmentOption>(
    (value) => typeof value === "object" && value !== null && "url" in value,
  ),
});

/** How many problems the reply lists before pointing to the attached file. */
const problemsShown = 15;

async function importFile(
  input: z.output<typeof importOptions>,
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
  const campaign = await getCampaign(context.db, context.guildId, campaignId);
  const tServer = translator(serverLanguage(context));
  const kinds = (Object.entries(result.byKind) as [TaskKind, number][])
    .filter(([, count]) => count > 0)
    .map(
      ([kindName, count]) =>
        `${tServer(`task.kindIcon.${kindName}`)} ${count} ${tServer(`commands.task.kinds.${kindName}`)}`,
    )
    .join(" · ");
  const title = showText(campaign.title, 100);
  // One message for the whole import, never a card per row: Discord allows ~5 posts per 5 s.
  await context.channels
    .post(campaign.channelId, {
      content: tServer("task.importPost", { count: result.created, campaign: title, kinds }),
      components: [
        {
          type: ComponentType.ActionRow,
          components: [
            {
              type: ComponentType.Button,
              style: ButtonStyle.Primary,
              label: tServer("task.importListButton"),
              custom_id: customId("task", "browse", String(campaignId)),
            },
          ],
        },
      ],
    })
    .catch((error: unknown) =>
      context.log.warn({ err: error, guildId: context.guildId }, "import message not posted"),
    );
  return privateReply(t("task.importDone", { count: result.created, campaign: title }));
}

const listOptions = z.object({
  campaign: z.string().optional(),
  filter: z.enum(taskFilters).optional(),
});

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
  const lines = result.tasks.map((task) => {
    const line = t("task.listLine", {
      icon: t(`task.kindIcon.${task.kind as TaskKind}`),
      id: task.id,
      title: showText(task.title, 100),
      slots: t("task.slotsLine", { claimed: task.claimedSlots, count: task.slots }),
      due: task.dueAt ? t("task.listDue", { due: discordTime(task.dueAt, "R", t) }) : "",
      campaign: showText(shorten(task.campaign.title, 40), 60),
    });
    // Who holds a claim is for organizers only; the member sees their own hold as "mine".
    const holders = organizer
      ? task.claims.map((claim) => (claim.volunteerId ? userMention(claim.volunteerId) : "—"))
      : [];
    return holders.length > 0
      ? `${line}\n  ${t("task.listHolders", { members: holders.join(", ") })}`
      : line;
  });
  const embed: APIEmbed = {
    title: t("task.listTitle", { filter: t(`commands.task.filters.${query.filter}`) }),
    description: lines.join("\n") || t("task.listEmpty"),
    footer: {
      text: t("task.listPage", { page: result.page + 1, pages: result.pages, count: result.total }),
    },
  };
  const state = [query.filter, query.campaignId === null ? "-" : String(query.campaignId)];
  return {
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
}

async function list(
  input: z.output<typeof listOptions>,
  context: InteractionContext,
): Promise<HandlerResult> {
  const campaignId = input.campaign === undefined ? null : parseCampaignId(input.campaign);
  const message = await taskPage(context, { campaignId, filter: input.filter ?? "open", page: 0 });
  return { type: "reply", ephemeral: true, message };
}

/** What the claimer reads after a claim: thanks, when it expires, when it is due. */
function claimedText(task: TaskWithCampaign, expiresAt: Date, context: InteractionContext): string {
  const lines = [
    context.t("task.claimed", {
      title: showText(task.title, 100),
      expires: discordTime(expiresAt, "R", context.t),
    }),
  ];
  if (task.dueAt)
    lines.push(context.t("task.claimedDue", { due: discordTime(task.dueAt, "f", context.t) }));
  return lines.join(" ");
}

async function claim(taskId: number, context: InteractionContext) {
  const result = await claimTask(
    context.db,
    context.guildId,
    context.userId,
    taskId,
    context.now(),
    context.settings.claimExpiryDays,
    context.language,
  );
  return { task: result.task, text: claimedText(result.task, result.claim.expiresAt, context) };
}

async function release(taskId: number, context: InteractionContext) {
  const task = await releaseTask(
    context.db,
    context.guildId,
    context.userId,
    taskId,
    context.now(),
  );
  return { task, text: context.t("task.released", { title: showText(task.title, 100) }) };
}

async function finish(
  taskId: number,
  proof: { proofLink: string | null; note: string | null },
  context: InteractionContext,
) {
  const result = await finishTask(
    context.db,
    context.guildId,
    context.userId,
    taskId,
    proof,
    context.now(),
    context.settings.reviewRequired,
  );
  const title = showText(result.task.title, 100);
  const lines = [
    result.state === "submitted"
      ? context.t("task.submitted", { title })
      : context.t("task.doneThanks", { title }),
  ];
  if (proof.proofLink) lines.push(context.t("task.proofNotKept"));
  const reviewChannelId = result.state === "submitted" ? context.settings.reviewChannelId : null;
  const announce = async () => {
    if (!reviewChannelId) return;
    const tServer = translator(serverLanguage(context));
    await context.channels
      .post(reviewChannelId, {
        content: tServer("task.reviewAnnounce", { title, member: userMention(context.userId) }),
      })
      .catch((error: unknown) =>
        context.log.warn(
          { err: error, guildId: context.guildId },
          "review announcement not posted",
        ),
      );
  };
  return { task: result.task, text: lines.join("\n"), after: announce };
}

const taskOnly = z.object({ task: z.string() });
const doneOptions = z.object({
  task: z.string(),
  proof_file: z
    .custom<AttachmentOption>(
      (value) => typeof value === "object" && value !== null && "url" in value,
    )
    .optional(),
  proof_link: httpUrl.optional(),
  note: optionalText(taskLimits.note),
});

/** What a claim, release or done did: the task as it is now and the member's answer. */
interface TaskChange {
  task: TaskWithCampaign;
  text: string;
  /** Bookkeeping the answer does not wait for. */
  after?: () => Promise<void>;
}

/**
 * A slash command changes a task: the member is answered privately first, then the card is
 * updated in place (a REST edit the answer need not wait for).
 */
async function slashChange(
  change: Promise<TaskChange>,
  context: InteractionContext,
): Promise<HandlerResult> {
  const { task, text: reply, after } = await change;
  return {
    ...privateReply(reply),
    after: async () => {
      await refreshCard(task, context);
      await after?.();
    },
  };
}

/** A card button changes a task: the card updates in place, the presser alone reads the answer. */
async function buttonChange(
  change: Promise<TaskChange>,
  context: InteractionContext,
): Promise<HandlerResult> {
  const { task, text: reply, after } = await change;
  return {
    type: "update",
    message: cardMessage(task, context),
    followUp: { content: reply },
    ...(after ? { after } : {}),
  };
}

async function review(
  input: z.output<typeof taskOnly>,
  context: InteractionContext,
): Promise<HandlerResult> {
  const taskId = parseTaskId(input.task);
  const { task, submission } = await nextSubmission(context.db, context.guildId, taskId);
  const title = showText(task.title, 100);
  if (!submission) return privateReply(context.t("task.noneToReview", { title }));
  return { type: "reply", ephemeral: true, message: reviewMessage(submission, title, context) };
}

function isDiscordAttachment(link: string): boolean {
  try {
    return /(^|\.)discordapp\.(com|net)$|(^|\.)discord\.com$/.test(new URL(link).hostname);
  } catch {
    return false;
  }
}

function reviewMessage(
  submission: {
    id: number;
    volunteerId: string | null;
    proofLink: string | null;
    note: string | null;
    submittedAt: Date | null;
  },
  title: string,
  context: InteractionContext,
): OutgoingMessage {
  const { t } = context;
  const link = submission.proofLink;
  // Discord attachment links are signed and expire about a day after upload.
  const expired =
    submission.submittedAt !== null &&
    context.now().getTime() - submission.submittedAt.getTime() > 24 * 60 * 60 * 1000;
  const proof = !link
    ? t("task.reviewNoProof")
    : isDiscordAttachment(link)
      ? t(expired ? "task.reviewExpiredProof" : "task.reviewAttachmentProof", {
          link: hideLinkEmbed(link),
        })
      : hideLinkEmbed(link);
  const fields = [{ name: t("task.reviewProof"), value: shorten(proof, 1024) }];
  if (submission.note)
    fields.push({ name: t("task.reviewNote"), value: showText(submission.note, 1024) });
  const id = String(submission.id);
  return {
    embeds: [
      {
        title: t("task.reviewTitle", { title }),
        description: t("task.reviewBy", {
          member: submission.volunteerId ? userMention(submission.volunteerId) : "—",
          when: submission.submittedAt ? discordTime(submission.submittedAt, "R", t) : "",
        }),
        fields,
      },
    ],
    components: [
      {
        type: ComponentType.ActionRow,
        components: [
          {
            type: ComponentType.Button,
            style: ButtonStyle.Success,
            label: t("task.approveButton"),
            custom_id: customId("task", "approve", id),
          },
          {
            type: ComponentType.Button,
            style: ButtonStyle.Danger,
            label: t("task.rejectButton"),
            custom_id: customId("task", "reject", id),
          },
        ],
      },
    ],
  };
}

const editOptions = z.object({
  task: z.string(),
  title: text(taskLimits.title).optional(),
  kind: kind.optional(),
  location: optionalText(taskLimits.location),
  slots: integer(taskLimits.minSlots, taskLimits.maxSlots).optional(),
  due: z.string().optional(),
  instructions: optionalText(taskLimits.instructions),
});

async function edit(
  input: z.output<typeof editOptions>,
  context: InteractionContext,
): Promise<HandlerResult> {
  const changes: Partial<TaskFields> = {};
  if (input.title !== undefined) changes.title = input.title;
  if (input.kind !== undefined) changes.kind = input.kind;
  if (input.location !== undefined) changes.location = input.location;
  if (input.slots !== undefined) changes.slots = input.slots;
  if (input.due !== undefined) changes.dueAt = readDue(input.due, context);
  if (input.instructions !== undefined) changes.instructions = input.instructions;
  if (Object.keys(changes).length === 0) throw new UserError("task.nothingToEdit");
  const task = await editTask(
    context.db,
    context.guildId,
    context.userId,
    parseTaskId(input.task),
    changes,
    context.now(),
  );
  return {
    ...privateReply(context.t("task.editedReply", { title: showText(task.title, 100) })),
    after: () => refreshCard(task, context),
  };
}

const doneModal = (taskId: string, t: InteractionContext["t"]) => ({
  type: "modal" as const,
  modal: {
    custom_id: customId("task", "submit", taskId),
    title: t("task.doneModalTitle"),
    components: [
      {
        type: ComponentType.ActionRow as const,
        components: [
          {
            type: ComponentType.TextInput as const,
            custom_id: "proof_link",
            label: t("task.proofLinkLabel"),
            style: TextInputStyle.Short,
            required: false,
            max_length: taskLimits.proofLink,
            placeholder: t("task.proofLinkPlaceholder"),
          },
        ],
      },
      {
        type: ComponentType.ActionRow as const,
        components: [
          {
            type: ComponentType.TextInput as const,
            custom_id: "note",
            label: t("task.noteLabel"),
            style: TextInputStyle.Paragraph,
            required: false,
            max_length: taskLimits.note,
          },
        ],
      },
    ],
  },
});

/** Modal fields are free text: check them as strictly as the slash options. */
function proofFromFields(fields: Readonly<Record<string, string>>) {
  const link = fields["proof_link"]?.trim() ?? "";
  const note = fields["note"]?.trim() ?? "";
  const parsed = httpUrl.safeParse(link);
  if (link !== "" && !parsed.success)
    throw new UserError("validation.url", { option: "proof_link" });
  return {
    proofLink: link === "" ? null : link,
    note: note === "" ? null : shorten(note, taskLimits.note),
  };
}

function argId(args: readonly string[], parse: (value: string) => number): number {
  return parse(idArgument(args));
}

/** The volunteer learns why their work was not accepted, privately, in their own language. */
async function tellRejected(
  volunteerId: string,
  claimId: number,
  task: TaskWithCampaign,
  reason: string,
  context: InteractionContext,
) {
  const language = await volunteerLanguage(context.db, context.guildId, volunteerId);
  const text = translator(language)("task.rejectedNotice", {
    title: showText(task.title, 100),
    reason: showText(shorten(reason, taskLimits.rejectReason), 400),
  });
  // A claim is rejected once: its key keeps a retried answer from telling the volunteer twice.
  const key = `rejected:${claimId}`;
  await context.channels.sendDirect(volunteerId, text, key).catch((error: unknown) => {
    context.log.warn({ err: error, guildId: context.guildId }, "rejection notice not sent");
  });
}

const components: Record<string, ComponentHandler> = {
  claim: {
    access: "everyone",
    ephemeral: true,
    on: "shown",
    run: (args, context) => buttonChange(claim(argId(args, parseTaskId), context), context),
  },
  release: {
    access: "everyone",
    ephemeral: true,
    on: "shown",
    run: (args, context) => buttonChange(release(argId(args, parseTaskId), context), context),
  },
  done: {
    access: "everyone",
    ephemeral: true,
    on: "shown",
    run: async (args, context) => {
      const taskId = argId(args, parseTaskId);
      // Refuse before the form: a member who does not hold the task should not type proof first.
      await requireOpenClaim(context.db, context.guildId, context.userId, taskId);
      return doneModal(String(taskId), context.t);
    },
  },
  submit: {
    access: "everyone",
    ephemeral: true,
    on: "shown",
    openedBy: "done",
    run: (args, context, fields) =>
      buttonChange(finish(argId(args, parseTaskId), proofFromFields(fields), context), context),
  },
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
  browse: {
    access: "everyone",
    ephemeral: true,
    on: "shown",
    run: async (args, context) => ({
      type: "reply",
      ephemeral: true,
      message: await taskPage(context, {
        campaignId: argId(args, parseCampaignId),
        filter: "open",
        page: 0,
      }),
    }),
  },
  approve: {
    access: "organizer",
    ephemeral: true,
    on: "own",
    run: async (args, context) => {
      const result = await reviewClaim(
        context.db,
        context.guildId,
        context.userId,
        argId(args, parseTaskId),
        { approve: true },
        context.now(),
      );
      const member = result.claim.volunteerId ? userMention(result.claim.volunteerId) : "—";
      return {
        after: () => refreshCard(result.task, context),
        type: "update",
        message: {
          content: context.t("task.approved", { member, title: showText(result.task.title, 100) }),
          embeds: [],
          components: [],
        },
      };
    },
  },
  reject: {
    access: "organizer",
    ephemeral: true,
    on: "own",
    run: async (args, context) => ({
      type: "modal",
      modal: {
        custom_id: customId("task", "rejectReason", String(argId(args, parseTaskId))),
        title: context.t("task.rejectModalTitle"),
        components: [
          {
            type: ComponentType.ActionRow,
            components: [
              {
                type: ComponentType.TextInput,
                custom_id: "reason",
                label: context.t("task.rejectReasonLabel"),
                style: TextInputStyle.Paragraph,
                required: true,
                max_length: taskLimits.rejectReason,
              },
            ],
          },
        ],
      },
    }),
  },
  rejectReason: {
    access: "organizer",
    ephemeral: true,
    on: "own",
    openedBy: "reject",
    run: async (args, context, fields) => {
      const reason = (fields["reason"] ?? "").trim();
      if (reason === "") throw new UserError("validation.blank", { option: "reason" });
      const result = await reviewClaim(
        context.db,
        context.guildId,
        context.userId,
        argId(args, parseTaskId),
        { approve: false, reason: shorten(reason, taskLimits.rejectReason) },
        context.now(),
      );
      const volunteerId = result.claim.volunteerId;
      const member = volunteerId ? userMention(volunteerId) : "—";
      return {
        after: async () => {
          await refreshCard(result.task, context);
          if (volunteerId)
            await tellRejected(volunteerId, result.claim.id, result.task, reason, context);
        },
        type: "update",
        message: {
          content: context.t("task.rejected", { member, title: showText(result.task.title, 100) }),
          embeds: [],
          components: [],
        },
      };
    },
  },
  /** Posts a card an earlier try could not; organizers only, for this server's cardless tasks. */
  postCard: {
    access: "organizer",
    // The button is on the organizer's own private reply to /task add.
    on: "own",
    ephemeral: true,
    run: async (args, context) => {
      const task = await getTask(context.db, context.guildId, argId(args, parseTaskId));
      const channel = channelMention(task.campaign.channelId);
      if (task.cardMessageId) {
        throw new UserError("task.cardAlreadyPosted", {
          title: showText(task.title, 100),
          channel: channelMention(task.cardChannelId ?? task.campaign.channelId),
        });
      }
      const failure = await postCard(task, context);
      return {
        type: "update",
        message: failure
          ? {
              content: context.t("task.cardStillNotPosted", {
                channel,
                reason: failure,
                button: context.t("task.postCardButton"),
              }),
              components: [postCardRow(task.id, context)],
            }
          : { content: context.t("task.cardPosted", { channel }), components: [] },
      };
    },
  },
};

/** Which tasks each subcommand offers. */
const autocompleteScope: Record<string, "mine" | "open" | "any"> = {
  claim: "open",
  release: "mine",
  done: "mine",
  assign: "open",
  review: "any",
  cancel: "open",
  edit: "open",
};

async function autocomplete(
  focused: { name: string; value: string; subcommand: string },
  context: InteractionContext,
): Promise<AutocompleteChoice[]> {
  if (focused.name === "campaign") {
    const campaigns = await searchCampaigns(
      context.db,
      context.guildId,
      focused.value,
      focused.subcommand === "list" ? "all" : "active",
    );
    return campaigns.map((campaign) => ({ name: campaign.title, value: String(campaign.id) }));
  }
  if (focused.name !== "task") return [];
  const tasks = await searchTasks(
    context.db,
    context.guildId,
    context.userId,
    focused.value,
    autocompleteScope[focused.subcommand] ?? "any",
  );
  return tasks.map((task) => ({
    name: `${task.title} · ${context.t("task.slotsLine", { claimed: task.claimedSlots, count: task.slots })} · #${task.id}`,
    value: String(task.id),
  }));
}

const assignOptions = z.object({ task: z.string(), member: snowflake });

export const taskCommand: Command = {
  data,
  subcommands: {
    add: subcommand({ access: "organizer", ephemeral: true, options: addOptions, run: add }),
    import: subcommand({
      access: "organizer",
      ephemeral: true,
      options: importOptions,
      run: importFile,
    }),
    list: subcommand({ access: "everyone", ephemeral: true, options: listOptions, run: list }),
    claim: subcommand({
      access: "everyone",
      ephemeral: true,
      options: taskOnly,
      run: (input, context) => slashChange(claim(parseTaskId(input.task), context), context),
    }),
    release: subcommand({
      access: "everyone",
      ephemeral: true,
      options: taskOnly,
      run: (input, context) => slashChange(release(parseTaskId(input.task), context), context),
    }),
    done: subcommand({
      access: "everyone",
      ephemeral: true,
      options: doneOptions,
      run: (input, context) =>
        slashChange(
          finish(
            parseTaskId(input.task),
            {
              proofLink: input.proof_link ?? input.proof_file?.url ?? null,
              note: input.note ?? null,
            },
            context,
          ),
          context,
        ),
    }),
    assign: subcommand({
      access: "organizer",
      ephemeral: true,
      options: assignOptions,
      run: async (input, context) => {
        const target = await context.channels.isMember(input.member);
        if (!target.member) throw new UserError("task.notMember");
        if (target.bot) throw new UserError("task.bot");
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
      },
    }),
    review: subcommand({ access: "organizer", ephemeral: true, options: taskOnly, run: review }),
    cancel: subcommand({
      access: "organizer",
      ephemeral: true,
      options: taskOnly,
      run: async (input, context) => {
        const task = await cancelTask(
          context.db,
          context.guildId,
          context.userId,
          parseTaskId(input.task),
          context.now(),
        );
        return {
          ...privateReply(context.t("task.cancelledReply", { title: showText(task.title, 100) })),
          after: () => refreshCard(task, context),
        };
      },
    }),
    edit: subcommand({ access: "organizer", ephemeral: true, options: editOptions, run: edit }),
  },
  autocomplete,
  components,
};
