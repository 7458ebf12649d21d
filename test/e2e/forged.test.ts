import { describe, expect, it } from "vitest";
import type { Database as Db } from "../../src/db/store.ts";
import type { InteractionHandle, StoredMessage } from "../../src/local-discord/localDiscord.ts";
import { commands } from "../../commands/index.ts";
import { createCampaign } from "../../src/domain/campaigns.ts";
import { createSchedule } from "../../src/domain/summarySchedules.ts";
import { addTask, claimTask, finishTask } from "../../src/domain/tasks.ts";
import { translate, type MessageKey, type MessageParams } from "../../src/i18n/index.ts";
import { startTestBot, type TestBot } from "../support/bot.ts";

/**
 * Forged values, over the wire with the real bot: ids typed into autocompleted options that
 * were never offered, custom_ids edited by a client, and forms submitted twice. Each is answered
 * with a friendly private message, and changes nothing: no row, no public message, no DM.
 */

const en = (key: MessageKey, params?: MessageParams) => translate("en", key, params);
const ephemeral = 64;

/**
 * Every table, row by row, through Prisma (the same on SQLite and PostgreSQL). A table is
 * compared whole, so an answer that wrote anything anywhere shows up by name.
 */
async function databaseRows(db: Db): Promise<Record<string, string>> {
  const tables: Record<string, unknown[]> = {
    guildSettings: await db.guildSettings.findMany({ orderBy: { guildId: "asc" } }),
    campaign: await db.campaign.findMany({ orderBy: { id: "asc" } }),
    countEntry: await db.countEntry.findMany({ orderBy: { id: "asc" } }),
    auditEntry: await db.auditEntry.findMany({ orderBy: { id: "asc" } }),
    outreachTask: await db.outreachTask.findMany({ orderBy: { id: "asc" } }),
    claim: await db.claim.findMany({ orderBy: { id: "asc" } }),
    volunteer: await db.volunteer.findMany({ orderBy: [{ guildId: "asc" }, { userId: "asc" }] }),
    dueJob: await db.dueJob.findMany({ orderBy: { id: "asc" } }),
    summarySchedule: await db.summarySchedule.findMany({ orderBy: { id: "asc" } }),
    summaryPost: await db.summaryPost.findMany({ orderBy: { id: "asc" } }),
    directMessage: await db.directMessage.findMany({ orderBy: { id: "asc" } }),
  };
  return Object.fromEntries(
    Object.entries(tables).map(([name, rows]) => [name, JSON.stringify(rows)]),
  );
}

function changedTables(before: Record<string, string>, after: Record<string, string>): string[] {
  return Object.keys(before).filter((name) => before[name] !== after[name]);
}

/** What anyone can read in Discord: every message of every channel, DMs included. */
function discordState(bot: TestBot, guildIds: string[]): string {
  const channels = [
    ...guildIds.flatMap((guildId) => bot.discord.channels(guildId)),
    ...guildIds.flatMap((guildId) =>
      bot.discord
        .members(guildId)
        .flatMap((user) => bot.discord.directMessageChannel(user.id) ?? []),
    ),
  ];
  return JSON.stringify(
    channels.map((channel) => [
      channel.id,
      bot.discord.messages(channel.id).map((message) => ({
        id: message.id,
        content: message.content,
        embeds: message.embeds,
        components: message.components,
        files: message.attachments.map((file) => file.filename),
        edited: message.edited_timestamp,
      })),
    ]),
  );
}

/** Interactions the bot has answered: each gets exactly one accepted callback. */
function interactionsAnswered(bot: TestBot): number {
  const callbacks = bot.discord.requests.filter(
    (request) =>
      request.method === "POST" &&
      request.status < 300 &&
      /^\/interactions\/\d+\/[^/]+\/callback$/.test(request.path),
  );
  return new Set(callbacks.map((request) => request.path.split("/")[2])).size;
}

/**
 * Waits until every answered interaction is finished (the dispatcher logs each one after its
 * last reply, follow-up and post), so what it wrote and posted can be read.
 */
function settled(bot: TestBot): Promise<true> {
  return bot.discord.waitFor(
    () => {
      const logged = bot.logs.filter((line) => line["msg"] === "interaction").length;
      return logged >= interactionsAnswered(bot) ? true : undefined;
    },
    undefined,
    "every answered interaction to finish",
  );
}

interface Answer {
  /** 4 a reply, 7 the pressed message updated (the presser reads the follow-up), 9 a form. */
  type: number;
  content: string;
  ephemeral: boolean;
  /** Everything shown, to look for another server's data. */
  shown: string;
}

/** What the member was shown, once the dispatcher has finished with the interaction. */
async function answerOf(bot: TestBot, handle: InteractionHandle, carrierId = ""): Promise<Answer> {
  const response = await handle.response();
  await settled(bot);
  if (response.type === 9) {
    return { type: 9, content: "", ephemeral: true, shown: JSON.stringify(handle.modal) };
  }
  const message =
    response.type === 7
      ? (handle.followups[0] ?? bot.discord.message(carrierId))
      : await handle.final();
  return {
    type: response.type,
    content: message?.content ?? "",
    ephemeral: ((message?.flags ?? 0) & ephemeral) === ephemeral,
    shown: JSON.stringify([message?.content, message?.embeds, ...handle.followups]),
  };
}

/**
 * The first server (the sandbox): one campaign, and a 3-slot task whose card is in #campaigns.
 * The second server: a campaign, a task, a claim waiting for review and a summary schedule, whose
 * ids the first server's members type or forge.
 */
async function twoServers() {
  const bot = await startTestBot();
  const db = bot.rally.db;
  const [volunteer] = bot.volunteerIds;
  const campaigns = bot.world.channels.find((channel) => channel.name === "campaigns");
  if (!campaigns) throw new Error("the sandbox changed");

  const campaignCard = await bot.run(
    bot.organizerId,
    `/campaign create title:"Free political prisoners" goal:500 channel:<#${campaigns.id}>`,
  );
  const campaign = await db.campaign.findFirstOrThrow({ where: { guildId: bot.guildId } });
  await bot.run(
    bot.organizerId,
    `/task add campaign:${campaign.id} title:"Table at the student union" kind:campus slots:3`,
  );
  const task = await db.outreachTask.findFirstOrThrow({ where: { guildId: bot.guildId } });
  const card = bot.discord.message(task.cardMessageId ?? "");
  if (!card) throw new Error("no task card");

  const other = bot.discord.createGuild({ name: "Another server" });
  const otherChannel = bot.discord.createChannel(other.id, { name: "general" });
  const otherMember = bot.discord.createUser({ username: "their-volunteer" });
  bot.discord.addMember(other.id, otherMember.id);
  const secret = "THEIR-SECRET";
  const foreignCampaign = await createCampaign(db, other.id, other.ownerId, {
    title: `${secret} campaign`,
    goal: 10,
    unit: "signatures",
    description: secret,
    link: null,
    callToAction: null,
    channelId: otherChannel.id,
    endsAt: null,
    autoRaise: true,
  });
  const foreignTask = await addTask(db, other.id, other.ownerId, foreignCampaign.id, {
    title: `${secret} task`,
    kind: "campus",
    location: null,
    slots: 5,
    dueAt: null,
    instructions: null,
  });
  const now = new Date();
  await claimTask(db, other.id, otherMember.id, foreignTask.id, now, 3);
  const { claim: foreignClaim } = await finishTask(
    db,
    other.id,
    otherMember.id,
    foreignTask.id,
    { proofLink: null, note: secret },
    now,
    true,
  );
  const foreignSchedule = await createSchedule(
    db,
    other.id,
    other.ownerId,
    { channelId: otherChannel.id, time: "09:00", timeZone: "UTC", days: "daily", campaignId: null },
    now,
  );
  // The volunteer has met Rally before: their first interaction's bookkeeping is not a change.
  await bot.run(volunteer, "/me status");

  return {
    bot,
    db,
    volunteer,
    campaign,
    campaignCard,
    task,
    card,
    secret,
    guildIds: [bot.guildId, other.id],
    foreign: {
      campaignId: String(foreignCampaign.id),
      taskId: String(foreignTask.id),
      claimId: String(foreignClaim.id),
      scheduleId: String(foreignSchedule.id),
    },
  };
}

type World = Awaited<ReturnType<typeof twoServers>>;

interface Observed {
  answer: string;
  ephemeral: boolean;
  changedTables: string[];
  discordChanged: boolean;
  leaked: boolean;
}

/**
 * With reviews required, the volunteer claims the first server's task and sends it as done
 * (by the card's buttons, as a member would); the organizer's `/task review` message.
 */
async function reviewOfSubmittedWork(world: World): Promise<StoredMessage> {
  const { bot, volunteer, card, task } = world;
  await bot.run(bot.organizerId, "/settings review_required enabled:true");
  await bot.discord.clickButton({ messageId: card.id, userId: volunteer, label: "Claim" }).final();
  const done = bot.discord.clickButton({ messageId: card.id, userId: volunteer, label: "Done" });
  await done.response();
  await answerOf(
    bot,
    bot.discord.submitModal({ handle: done, userId: volunteer, values: { note: "" } }),
    card.id,
  );
  return bot.run(bot.organizerId, `/task review task:${task.id}`);
}

/** Runs one forged interaction and reports what the member saw and what it changed. */
async function observe(
  world: World,
  act: () => InteractionHandle,
  carrierId?: string,
): Promise<Observed> {
  const { bot, db } = world;
  await settled(bot);
  const rowsBefore = await databaseRows(db);
  const discordBefore = discordState(bot, world.guildIds);
  const answer = await answerOf(bot, act(), carrierId);
  return {
    answer: answer.type === 9 ? "(a form)" : answer.content,
    ephemeral: answer.ephemeral,
    changedTables: changedTables(rowsBefore, await databaseRows(db)),
    discordChanged: discordState(bot, world.guildIds) !== discordBefore,
    leaked: answer.shown.includes(world.secret),
  };
}

const refused = (answer: string): Observed => ({
  answer,
  ephemeral: true,
  changedTables: [],
  discordChanged: false,
  leaked: false,
});

/**
 * Presses a button with a forged custom_id. The local Discord, like Discord, only sends presses
 * of buttons on a message, so the carrier's buttons are swapped for the forged one, then put back.
 */
function pressForged(world: World, carrier: StoredMessage, userId: string, customId: string) {
  return async () => {
    const original = carrier.components;
    carrier.components = [
      { type: 1, components: [{ type: 2, style: 1, label: "Forged", custom_id: customId }] },
    ];
    try {
      return await observe(
        world,
        () => world.bot.discord.clickButton({ messageId: carrier.id, userId, customId }),
        carrier.id,
      );
    } finally {
      carrier.components = original;
    }
  };
}

/** Submits a form the bot never opened, with any custom_id: a crafted client can. */
function submitForged(
  world: World,
  userId: string,
  customId: string,
  values: Record<string, string>,
) {
  const { bot } = world;
  const components = Object.keys(values).map((id) => ({
    type: 1,
    components: [{ type: 4, custom_id: id, style: 2, label: id, required: false }],
  }));
  return () =>
    observe(world, () =>
      bot.discord.submitModal({
        guildId: bot.guildId,
        channelId: bot.channelId,
        userId,
        modal: { customId, components },
        values,
      }),
    );
}

/** A message as its readers see it, and whether it was edited: a forged press must keep all. */
function shownMessage(bot: TestBot, id: string): string {
  const message = bot.discord.message(id);
  return JSON.stringify(
    message && {
      content: message.content,
      embeds: message.embeds,
      components: message.components,
      files: message.attachments.map((file) => file.filename),
      flags: message.flags,
      edited: message.edited_timestamp,
    },
  );
}

/** The custom_ids of the buttons a message shows (Rally's messages hold action rows only). */
function customIdsOn(message: StoredMessage): string[] {
  return message.components.flatMap((row) =>
    row.components.flatMap((component) =>
      "custom_id" in component && component.custom_id !== undefined ? [component.custom_id] : [],
    ),
  );
}

describe("forged values over the wire", () => {
  it("refuses campaign, task and schedule ids typed past autocomplete, and changes nothing", async () => {
    const world = await twoServers();
    const { bot, foreign } = world;
    const general = bot.channelId;
    const notCampaign = en("campaign.notFound");
    const pickCampaign = en("campaign.pickFromList");
    const notTask = en("task.notFound");
    const pickTask = en("task.pickFromList");

    /** Each subcommand with an autocompleted campaign option, its other options filled in. */
    const withCampaign: [string, string][] = [
      ["campaign show", ""],
      ["campaign edit", "unit:letters"],
      ["campaign close", "outcome:won"],
      ["campaign reopen", ""],
      ["campaign count", "add:5"],
      ["campaign export", ""],
      ["campaign flyer", ""],
      ["campaign card", "language:uk"],
      ["task add", 'title:"Leaflets"'],
      ["summary schedule", `channel:<#${general}> time:09:00`],
    ];
    const typedCampaigns: [string, string][] = [
      [foreign.campaignId, notCampaign],
      ["999999", notCampaign],
      ["0", notCampaign],
      ["abc", pickCampaign],
      ["-1", pickCampaign],
      ["1e3", pickCampaign],
      ["12345678901", pickCampaign],
      ["٣", pickCampaign],
      [`"Free political prisoners"`, pickCampaign],
    ];
    const withTask = [
      "task claim",
      "task release",
      "task done",
      `task assign member:<@${world.volunteer}>`,
      "task review",
      "task cancel",
      "task edit location:Library",
    ];
    const typedTasks: [string, string][] = [
      [foreign.taskId, notTask],
      ["999999", notTask],
      ["abc", pickTask],
      [`${world.task.id}.0`, pickTask],
    ];

    const lines: [string, string][] = [
      ...withCampaign.flatMap(([command, rest]) =>
        typedCampaigns.map(([typed, expected]): [string, string] => [
          `/${command} campaign:${typed} ${rest}`,
          expected,
        ]),
      ),
      ...withTask.flatMap((command) =>
        typedTasks.map(([typed, expected]): [string, string] => {
          const [name, sub, ...rest] = command.split(" ");
          return [`/${name} ${sub} task:${typed} ${rest.join(" ")}`, expected];
        }),
      ),
      [`/summary off schedule:${foreign.scheduleId}`, en("summary.notFound")],
      [`/summary resume schedule:${foreign.scheduleId}`, en("summary.notFound")],
      ["/summary off schedule:abc", en("summary.pickFromList")],
      [
        `/summary schedule channel:<#${general}> time:09:00 timezone:Mars/Olympus_Mons`,
        en("summary.unknownTimezone", { zone: "Mars/Olympus_Mons" }),
      ],
      [
        "/settings timezone zone:Europe/Atlantis",
        en("settings.unknownTimezone", { zone: "Europe/Atlantis" }),
      ],
    ];

    const observed: [string, Observed][] = [];
    const expected: [string, Observed][] = [];
    for (const [line, answer] of lines) {
      observed.push([
        line,
        await observe(world, () =>
          bot.discord.slash({
            guildId: bot.guildId,
            channelId: general,
            userId: bot.organizerId,
            ...bot.discord.parseCommandLine(line),
          }),
        ),
      ]);
      expected.push([line, refused(answer)]);
    }
    expect(observed).toEqual(expected);
    expect(bot.discord.rejected()).toEqual([]);
  }, 60_000);

  it("reads another server's campaign id as this server's number where a campaign only filters a list", async () => {
    const world = await twoServers();
    const { bot, foreign } = world;
    const run = (line: string) =>
      observe(world, () =>
        bot.discord.slash({
          guildId: bot.guildId,
          channelId: bot.channelId,
          userId: bot.organizerId,
          ...bot.discord.parseCommandLine(line),
        }),
      );
    // Typed digits are this server's campaign number: it has no #2, whatever other servers have.
    for (const line of [
      `/summary preview campaign:${foreign.campaignId}`,
      `/summary now campaign:${foreign.campaignId}`,
      `/task list campaign:${foreign.campaignId}`,
    ]) {
      expect(await run(line), line).toEqual(refused(en("campaign.notFound")));
    }
  });

  it("refuses forged custom_ids: another server's ids, unknown, truncated, garbage, extra fields", async () => {
    const world = await twoServers();
    const { bot, foreign, volunteer, task, card, campaign } = world;
    const organizer = bot.organizerId;
    // A submission of the first server waiting for review, for the approve cases.
    await bot.run(organizer, "/settings review_required enabled:true");
    await bot.discord
      .clickButton({ messageId: card.id, userId: volunteer, label: "Claim" })
      .final();
    const submitted = await finishTask(
      world.db,
      bot.guildId,
      volunteer,
      task.id,
      { proofLink: null, note: null },
      new Date(),
      true,
    );
    const claimId = String(submitted.claim.id);
    // Private messages of the presser's own carry the list and review buttons, which only
    // such a message shows; the answer edits it.
    const about = await bot.run(volunteer, "/rally about");
    const organizerAbout = await bot.run(organizer, "/rally about");
    const stale = en("errors.staleButton");
    const notTask = en("task.notFound");

    type Case = [customId: string, presser: string, expected: string, carrier?: StoredMessage];
    const cases: Case[] = [
      // another server's ids
      [`task:claim:${foreign.taskId}`, volunteer, notTask],
      [`task:release:${foreign.taskId}`, volunteer, notTask],
      [`task:done:${foreign.taskId}`, volunteer, notTask],
      [`task:approve:${foreign.claimId}`, organizer, en("task.reviewNotFound"), organizerAbout],
      [`campaign:flyer:${foreign.campaignId}`, volunteer, en("campaign.notFound")],
      // ids that do not exist
      ["task:claim:999999", volunteer, notTask],
      ["task:done:0", volunteer, notTask],
      ["task:approve:999999", organizer, en("task.reviewNotFound"), organizerAbout],
      ["campaign:flyer:999999", volunteer, en("campaign.notFound")],
      // truncated
      ["task:cla", volunteer, stale],
      ["task", volunteer, stale],
      ["task:claim", volunteer, stale],
      ["task:claim:", volunteer, stale],
      ["campaign:flyer:", volunteer, stale],
      ["task:page:open:-", volunteer, stale, about],
      // garbage
      ["task:claim:abc", volunteer, stale],
      ["task:claim:-1", volunteer, stale],
      ["task:claim:1e3", volunteer, stale],
      ["task:claim:٣", volunteer, stale],
      ["task:claim:99999999999999999999", volunteer, stale],
      ["task:approve:x", organizer, stale, organizerAbout],
      ["campaign:flyer:abc", volunteer, stale],
      ["task:page:bogus:-:0", volunteer, stale, about],
      ["task:page:open:-:-1", volunteer, stale, about],
      ["task:page:open:abc:0", volunteer, stale, about],
      ["task:browse:abc", volunteer, stale],
      ["nosuch:claim:1", volunteer, stale],
      [":::", volunteer, stale],
      // an extra field after a real id of this server
      [`task:claim:${task.id}:1`, bot.volunteerIds[1], stale],
      [`task:release:${task.id}:x`, volunteer, stale],
      [`task:approve:${claimId}:x`, organizer, stale, organizerAbout],
      [`campaign:flyer:${campaign.id}:x`, volunteer, stale],
      ["task:page:open:-:0:x", volunteer, stale, about],
      // a list is private: not on the presser's own public reply, even were it to show the button
      ["task:page:open:-:0", organizer, en("errors.wrongMessage"), world.campaignCard],
      [`task:browse:${campaign.id}:x`, volunteer, stale],
      // /task cancel's answers for a repeating task: only on the organizer's own reply
      [`task:cancelOne:${foreign.taskId}`, organizer, notTask, organizerAbout],
      [`task:stopSeries:${foreign.taskId}`, organizer, notTask, organizerAbout],
      ["task:stopSeries:999999", organizer, notTask, organizerAbout],
      ["task:cancelOne:abc", organizer, stale, organizerAbout],
      ["task:stopSeries:", organizer, stale, organizerAbout],
      [`task:cancelOne:${task.id}:x`, organizer, stale, organizerAbout],
      [`task:stopSeries:${task.id}:x`, organizer, stale, organizerAbout],
      [`task:stopSeries:${task.id}`, organizer, en("errors.wrongMessage"), world.campaignCard],
    ];

    const observed: [string, Observed][] = [];
    const expected: [string, Observed][] = [];
    for (const [customId, presser, answer, carrier] of cases) {
      observed.push([customId, await pressForged(world, carrier ?? card, presser, customId)()]);
      expected.push([customId, refused(answer)]);
    }
    expect(observed).toEqual(expected);
    expect(bot.discord.rejected()).toEqual([]);
  }, 60_000);

  it("refuses forms with forged custom_ids", async () => {
    const world = await twoServers();
    const { bot, foreign, volunteer, task, card } = world;
    await bot.discord
      .clickButton({ messageId: card.id, userId: volunteer, label: "Claim" })
      .final();
    const cases: [string, string, Record<string, string>, string][] = [
      [`task:submit:${foreign.taskId}`, volunteer, { note: "done" }, en("task.notFound")],
      ["task:submit:999999", volunteer, { note: "done" }, en("task.notFound")],
      ["task:submit:abc", volunteer, { note: "done" }, en("errors.staleButton")],
      [`task:submit:${task.id}:x`, volunteer, { note: "done" }, en("errors.staleButton")],
      [
        `task:rejectReason:${foreign.claimId}`,
        bot.organizerId,
        { reason: "No photo" },
        en("task.reviewNotFound"),
      ],
      ["task:rejectReason:", bot.organizerId, { reason: "No photo" }, en("errors.staleButton")],
      ["task:submi", volunteer, { note: "done" }, en("errors.staleButton")],
    ];
    const observed: [string, Observed][] = [];
    const expected: [string, Observed][] = [];
    for (const [customId, presser, values, answer] of cases) {
      observed.push([customId, await submitForged(world, presser, customId, values)()]);
      expected.push([customId, refused(answer)]);
    }
    expect(observed).toEqual(expected);
    expect(bot.discord.rejected()).toEqual([]);
  });

  it("counts a Done form submitted twice once: the second changes nothing and says why", async () => {
    const world = await twoServers();
    const { bot, volunteer, card, task } = world;
    await bot.discord
      .clickButton({ messageId: card.id, userId: volunteer, label: "Claim" })
      .final();
    const form = bot.discord.clickButton({ messageId: card.id, userId: volunteer, label: "Done" });
    expect((await form.response()).type).toBe(9);
    const submit = () =>
      bot.discord.submitModal({
        handle: form,
        userId: volunteer,
        values: { proof_link: "https://example.org/photo.jpg", note: "50 flyers" },
      });

    const first = await observe(world, submit, card.id);
    expect(first.answer).toBe(
      `${en("task.doneThanks", { title: "Table at the student union" })}\n${en("task.proofNotKept")}`,
    );
    expect(first.changedTables).toEqual(["outreachTask", "claim", "dueJob"]);
    const second = await observe(world, submit, card.id);
    expect(second).toEqual(refused(en("task.notHolding")));
    expect(await world.db.outreachTask.findUniqueOrThrow({ where: { id: task.id } })).toMatchObject(
      { doneCount: 1, claimedSlots: 1 },
    );
    expect(bot.discord.rejected()).toEqual([]);
  });

  it("takes one of two Done forms sent at once for review, posts once, and refuses a third", async () => {
    const world = await twoServers();
    const { bot, volunteer, card, task } = world;
    const reviews = bot.world.channels.find((channel) => channel.name === "organizers");
    if (!reviews) throw new Error("the sandbox changed");
    await bot.run(bot.organizerId, "/settings review_required enabled:true");
    await bot.run(bot.organizerId, `/settings review_channel channel:<#${reviews.id}>`);
    await bot.discord
      .clickButton({ messageId: card.id, userId: volunteer, label: "Claim" })
      .final();
    const form = bot.discord.clickButton({ messageId: card.id, userId: volunteer, label: "Done" });
    await form.response();
    const submit = () =>
      bot.discord.submitModal({ handle: form, userId: volunteer, values: { note: "Done it" } });
    await settled(bot);
    const before = await databaseRows(world.db);

    // A double click: both submissions are on their way before either is answered.
    const handles = [submit(), submit()];
    const answers = await Promise.all(handles.map((handle) => answerOf(bot, handle)));
    const title = "Table at the student union";
    expect(answers.map((answer) => answer.content).sort()).toEqual(
      [en("task.submitted", { title }), en("task.alreadySubmitted")].sort(),
    );
    const refusal = answers.find((answer) => answer.content === en("task.alreadySubmitted"));
    expect(refusal).toMatchObject({ type: 4, ephemeral: true });
    expect(changedTables(before, await databaseRows(world.db))).toEqual(["claim", "dueJob"]);
    const claims = await world.db.claim.findMany({ where: { taskId: task.id } });
    expect(claims.map(({ status, note }) => ({ status, note }))).toEqual([
      { status: "submitted", note: "Done it" },
    ]);
    expect(bot.discord.messages(reviews.id).map((message) => message.content)).toEqual([
      en("task.reviewAnnounce", { title, member: `<@${volunteer}>` }),
    ]);

    const third = await observe(world, submit, card.id);
    expect(third).toEqual(refused(en("task.alreadySubmitted")));
    expect(bot.discord.messages(reviews.id)).toHaveLength(1);
    expect(bot.discord.rejected()).toEqual([]);
  });

  it("rejects a submission once when the reason form is sent twice: one DM, one change", async () => {
    const world = await twoServers();
    const { bot, volunteer, task } = world;
    const review = await reviewOfSubmittedWork(world);
    const reject = bot.discord.clickButton({
      messageId: review.id,
      userId: bot.organizerId,
      label: "Reject",
    });
    expect((await reject.response()).type).toBe(9);
    const submit = () =>
      bot.discord.submitModal({
        handle: reject,
        userId: bot.organizerId,
        values: { reason: "The photo shows another campus." },
      });
    const title = "Table at the student union";

    await settled(bot);
    const before = await databaseRows(world.db);

    // A double click: both forms are on their way before either is answered.
    const answers = await Promise.all(
      [submit(), submit()].map((handle) => answerOf(bot, handle, review.id)),
    );
    expect(answers.map((answer) => answer.content).sort()).toEqual(
      [
        en("task.rejected", { member: `<@${volunteer}>`, title }),
        en("task.alreadyReviewed"),
      ].sort(),
    );
    const refusal = answers.find((answer) => answer.content === en("task.alreadyReviewed"));
    expect(refusal).toMatchObject({ type: 4, ephemeral: true });
    // The one rejection notice goes out through the DM outbox after the answer.
    await expect
      .poll(() => world.db.directMessage.findMany())
      .toMatchObject([{ key: expect.stringMatching(/^rejected:/), status: "sent" }]);
    expect(changedTables(before, await databaseRows(world.db))).toEqual([
      "auditEntry",
      "outreachTask",
      "claim",
      "directMessage",
    ]);
    // Sent again later, from the review message that now shows no buttons.
    const third = await observe(world, submit, review.id);
    expect(third).toEqual(refused(en("errors.wrongMessage")));

    const dms = bot.discord.directMessageChannel(volunteer);
    expect(bot.discord.messages(dms?.id ?? "").map((message) => message.content)).toEqual([
      en("task.rejectedNotice", { title, reason: "The photo shows another campus." }),
    ]);
    expect(await world.db.claim.findFirstOrThrow({ where: { taskId: task.id } })).toMatchObject({
      status: "rejected",
      rejectReason: "The photo shows another campus.",
    });
    expect(bot.discord.rejected()).toEqual([]);
  });

  it("approves once when Approve is clicked twice at once", async () => {
    const world = await twoServers();
    const { bot, task } = world;
    const review = await reviewOfSubmittedWork(world);
    const press = () =>
      bot.discord.clickButton({ messageId: review.id, userId: bot.organizerId, label: "Approve" });
    const handles = [press(), press()];
    const responses = await Promise.all(handles.map((handle) => handle.response()));
    await settled(bot);
    expect(responses.map((response) => response.type).sort()).toEqual([4, 7]);
    const refusal = handles[responses.findIndex((response) => response.type === 4)];
    const refusalMessage = await refusal?.final();
    expect(refusalMessage?.content).toBe(en("task.alreadyReviewed"));
    expect((refusalMessage?.flags ?? 0) & ephemeral).toBe(ephemeral);
    expect(await world.db.outreachTask.findUniqueOrThrow({ where: { id: task.id } })).toMatchObject(
      { doneCount: 1, claimedSlots: 1 },
    );
    expect(await world.db.auditEntry.count({ where: { action: "task.approve" } })).toBe(1);
    expect(bot.discord.rejected()).toEqual([]);
  });

  it("refuses every button and form of Rally on a message that does not show it, changing nothing", async () => {
    const world = await twoServers();
    const { bot, db, volunteer, campaign, foreign, card } = world;
    const organizer = bot.organizerId;
    const channelNamed = (name: string) => {
      const channel = bot.world.channels.find((candidate) => candidate.name === name);
      if (!channel) throw new Error("the sandbox changed");
      return channel.id;
    };
    const campaigns = channelNamed("campaigns");
    const reviews = channelNamed("organizers");
    /** The public message a command posted last in a channel. */
    const posted = (channelId: string) => {
      const message = bot.discord.messages(channelId).at(-1);
      if (!message) throw new Error(`nothing posted in ${channelId}`);
      return message;
    };

    // Every kind of public message Rally posts, and the ids a forger would reach for.
    await bot.run(organizer, "/settings review_required enabled:true");
    await bot.run(organizer, `/settings review_channel channel:<#${reviews}>`);
    await bot.run(organizer, `/task add campaign:${campaign.id} title:"Phone bank" slots:2`);
    const otherCard = posted(campaigns);
    const otherTask = await db.outreachTask.findFirstOrThrow({ where: { title: "Phone bank" } });
    // Eleven imported tasks: one import post, and lists of two pages.
    const csv = [
      "title,kind,location,slots,due,instructions",
      ...Array.from({ length: 11 }, (_, index) => `Leaflets ${index + 1},event,,1,,`),
    ].join("\n");
    await bot.discord
      .slash({
        guildId: bot.guildId,
        channelId: bot.channelId,
        userId: organizer,
        command: "task",
        subcommand: "import",
        options: { campaign: String(campaign.id), file: "tasks.csv" },
        attachments: {
          file: { filename: "tasks.csv", contentType: "text/csv", data: Buffer.from(csv) },
        },
      })
      .final();
    await bot.rally.settled();
    const importPost = posted(campaigns);
    expect(customIdsOn(importPost)).toEqual([`task:browse:${campaign.id}`]);
    await bot.discord
      .clickButton({ messageId: card.id, userId: volunteer, label: "Claim" })
      .final();
    const done = bot.discord.clickButton({ messageId: card.id, userId: volunteer, label: "Done" });
    await done.response();
    await answerOf(
      bot,
      bot.discord.submitModal({ handle: done, userId: volunteer, values: { note: "" } }),
      card.id,
    );
    const reviewPost = posted(reviews);
    const claim = await db.claim.findFirstOrThrow({ where: { taskId: world.task.id } });
    await bot.run(organizer, `/campaign count campaign:${campaign.id} add:500`);
    const milestonePost = posted(campaigns);
    await bot.run(organizer, `/summary now channel:<#${campaigns}>`);
    const summaryPost = posted(campaigns);
    // The organizer's own private messages, which no one else may press on, not even another
    // organizer.
    const organizerList = await bot.run(organizer, "/task list");
    const organizerReview = await bot.run(organizer, `/task review task:${world.task.id}`);
    const coOrganizer = bot.discord.createUser({ username: "co-organizer" }).id;
    const organizers = bot.world.roles.find((role) => role.name === "Organizers");
    bot.discord.addMember(bot.guildId, coOrganizer, { roles: organizers ? [organizers.id] : [] });
    await bot.run(coOrganizer, "/me status");

    const publicMessages: [string, StoredMessage][] = [
      ["the task card", card],
      ["another task's card", otherCard],
      ["the campaign card", world.campaignCard],
      ["the import post", importPost],
      ["the review announcement", reviewPost],
      ["the milestone post", milestonePost],
      ["the summary post", summaryPost],
    ];
    const othersPrivate: [string, StoredMessage][] = [
      ["the organizer's task list", organizerList],
      ["the organizer's review message", organizerReview],
    ];
    expect(
      new Set([...publicMessages, ...othersPrivate].map(([, message]) => message.id)).size,
    ).toBe(publicMessages.length + othersPrivate.length);
    expect(customIdsOn(organizerList)).toContain("task:page:open:-:1");
    for (const [, message] of publicMessages) expect(message.flags & ephemeral).toBe(0);
    for (const [, message] of othersPrivate) expect(message.flags & ephemeral).toBe(ephemeral);

    /**
     * Each component Rally registers, with the arguments a forger would try: real ids of this
     * server, another server's, the presser's own. A form names the button that opens it.
     */
    const tasks = [String(world.task.id), String(otherTask.id), foreign.taskId];
    const claims = [String(claim.id), foreign.claimId];
    const campaignIds = [String(campaign.id), foreign.campaignId];
    const forgeries: Record<
      string,
      { args: string[]; form?: Record<string, string>; openedBy?: string }
    > = {
      "task:claim": { args: tasks },
      "task:release": { args: tasks },
      "task:done": { args: tasks },
      "task:submit": { args: tasks, form: { note: "done" }, openedBy: "task:done" },
      "task:page": { args: ["open:-:0", "open:-:1", `mine:${campaign.id}:0`] },
      "task:browse": { args: campaignIds },
      "task:releaseOverdue": { args: ["-:0", `${campaign.id}:0`, `${foreign.campaignId}:0`] },
      "task:approve": { args: claims },
      "task:reject": { args: claims },
      "task:rejectReason": { args: claims, form: { reason: "No photo" }, openedBy: "task:reject" },
      "task:postCard": { args: tasks },
      "task:cancelOne": { args: tasks },
      "task:stopSeries": { args: tasks },
      "campaign:flyer": { args: campaignIds },
      "campaign:sourceAccept": { args: campaignIds.map((id) => `${id}:40`) },
      "campaign:sourceIgnore": { args: campaignIds.map((id) => `${id}:40`) },
      "campaign:sourceKey": {
        args: campaignIds.map((id) => `${id}:15`),
        form: { url: "http://192.0.2.1/api/v2/petitions/x", key: "forged-key-123" },
      },
      "me:forget": { args: [volunteer, organizer] },
      // The purge's form, with the right name: on any message, refused before it erases.
      "settings:purge": { args: [""], form: { name: "Rally Sandbox" } },
    };
    const registered = commands.flatMap((command) =>
      Object.entries(command.components ?? {}).map(
        ([action, handler]) => [`${command.data.name}:${action}`, handler.access] as const,
      ),
    );
    expect(Object.keys(forgeries).sort()).toEqual(registered.map(([id]) => id).sort());

    /** Presses (or submits) a forged id and reports what it changed, the message included. */
    const forge = async (
      message: StoredMessage,
      userId: string,
      component: string,
      arg: string,
    ) => {
      const customId = `${component}:${arg}`;
      const { form } = forgeries[component] ?? {};
      const before = shownMessage(bot, message.id);
      const seen = await observe(
        world,
        () =>
          form
            ? bot.discord.submitModal({
                guildId: bot.guildId,
                channelId: message.channel_id,
                messageId: message.id,
                userId,
                modal: {
                  customId,
                  components: Object.keys(form).map((id) => ({
                    type: 1,
                    components: [{ type: 4, custom_id: id, style: 2, label: id, required: false }],
                  })),
                },
                values: form,
              })
            : bot.discord.pressCustomId({ messageId: message.id, userId, customId }),
        message.id,
      );
      return { ...seen, messageChanged: shownMessage(bot, message.id) !== before };
    };

    const observed: [string, Observed & { messageChanged: boolean }][] = [];
    const expected: [string, Observed & { messageChanged: boolean }][] = [];
    const refusal = { ...refused(en("errors.wrongMessage")), messageChanged: false };
    const legitimate: string[] = [];
    for (const [component, access] of registered) {
      const { args, openedBy } = forgeries[component] ?? { args: [] };
      // Forged by someone allowed to use it: only the message can be why it is refused.
      const everyone = access === "everyone";
      const [presser, who] = everyone ? [volunteer, "a volunteer"] : [organizer, "the organizer"];
      const [other, otherWho] = everyone ? [volunteer, who] : [coOrganizer, "a co-organizer"];
      for (const arg of args) {
        for (const [name, message] of publicMessages) {
          // The buttons a message shows (and their forms) are the legitimate presses.
          const shows = `${openedBy ?? component}:${arg}`;
          if (customIdsOn(message).includes(shows)) {
            legitimate.push(`${component}:${arg} on ${name}`);
            continue;
          }
          const label = `${component}:${arg} by ${who} on ${name}`;
          observed.push([label, await forge(message, presser, component, arg)]);
          expected.push([label, refusal]);
        }
        // Someone else's private message, even with a button it shows.
        for (const [name, message] of othersPrivate) {
          const label = `${component}:${arg} by ${otherWho} on ${name}`;
          observed.push([label, await forge(message, other, component, arg)]);
          expected.push([label, refusal]);
        }
      }
    }
    expect(observed).toEqual(expected);
    // Left out: the presses members make every day (tasks.test.ts, campaigns.test.ts).
    const [first, second] = [world.task.id, otherTask.id];
    expect(legitimate.sort()).toEqual(
      [
        ...["claim", "release", "done", "submit"].flatMap((action) => [
          `task:${action}:${first} on the task card`,
          `task:${action}:${second} on another task's card`,
        ]),
        `task:browse:${campaign.id} on the import post`,
        `campaign:flyer:${campaign.id} on the task card`,
      ].sort(),
    );
    expect(bot.discord.rejected()).toEqual([]);
  }, 180_000);
});
