import { describe, expect, it } from "vitest";
import { commands } from "../../commands/index.ts";
import type { InteractionHandle, StoredMessage } from "../../src/local-discord/localDiscord.ts";
import { formatLocalDateTime } from "../../src/domain/dates.ts";
import { claimTask, finishTask } from "../../src/domain/tasks.ts";
import {
  languages,
  translate,
  translator,
  type Language,
  type MessageKey,
  type MessageParams,
  type Translator,
} from "../../src/i18n/index.ts";
import packageJson from "../../package.json" with { type: "json" };
import { channelNamed, startTestBot, type TestBot } from "../support/bot.ts";

/*
 * Every command that says something, in English, Russian and Ukrainian, over the wire. Each
 * member's Discord locale is one language and the server's /settings language another, so a
 * reply in the wrong one of the two fails: replies only the member sees follow the member;
 * cards, milestones, summaries and other channel posts follow the server.
 */

const ephemeral = 64;
const discordLocale: Record<Language, string> = { en: "en-GB", ru: "ru", uk: "uk" };
/** The server speaks another language than its members, so the two cannot be confused. */
const serverLanguageOf: Record<Language, Language> = { en: "ru", ru: "uk", uk: "en" };
const t0 = new Date(Date.UTC(2026, 11, 1, 12, 0));
const hour = 60 * 60 * 1000;

/** For keys built at run time (`commands.${name}.${sub}`); a wrong one fails the comparison. */
function text(language: Language, key: string, params?: MessageParams): string {
  return translate(language, key as MessageKey, params);
}

function number(value: number, language: Language): string {
  return new Intl.NumberFormat(language).format(value);
}

function unix(date: Date | null | undefined): number {
  if (!date) throw new Error("no date");
  return Math.floor(date.getTime() / 1000);
}

function labelsOf(message: StoredMessage | undefined): (string | undefined)[] {
  return (message?.components ?? []).flatMap((row) =>
    row.components.map((component) => ("label" in component ? component.label : undefined)),
  );
}

function fieldValue(message: StoredMessage | undefined, name: string): string | undefined {
  return message?.embeds[0]?.fields?.find((field) => field.name === name)?.value;
}

function modalLabels(handle: InteractionHandle): (string | undefined)[] {
  return (handle.modal?.components ?? []).flatMap((row) =>
    "components" in row ? row.components.map((input) => ("label" in input ? input.label : "")) : [],
  );
}

/**
 * What the presser reads: the ephemeral follow-up of an in-place update, or the reply; once the
 * bot has also done what it does after answering (a card's refresh).
 */
async function answerOf(bot: TestBot, handle: InteractionHandle): Promise<StoredMessage> {
  const response = await handle.response();
  const answer = await (response.type === 7
    ? bot.discord.waitFor(() => handle.followups[0], 2000, "the follow-up")
    : handle.final());
  await bot.rally.settled();
  return answer;
}

interface World {
  bot: TestBot;
  clock: { now: Date };
  /** The member's language and the server's. */
  t: Translator;
  ts: Translator;
  language: Language;
  server: Language;
  organizer: string;
  volunteers: [string, string];
  campaigns: string;
  /** A slash command typed by a member whose Discord speaks `language`. */
  as(userId: string, line: string, channelId?: string): Promise<StoredMessage>;
  press(messageId: string, userId: string, label: string): InteractionHandle;
  languageReply: StoredMessage;
}

async function setUp(language: Language): Promise<World> {
  const clock = { now: t0 };
  const bot = await startTestBot({ now: () => clock.now });
  const server = serverLanguageOf[language];
  const locale = discordLocale[language];
  const as = (userId: string, line: string, channelId?: string) =>
    bot.run(userId, line, channelId, { locale });
  const languageReply = await as(bot.organizerId, `/settings language language:${server}`);
  return {
    bot,
    clock,
    t: translator(language),
    ts: translator(server),
    language,
    server,
    organizer: bot.organizerId,
    volunteers: bot.volunteerIds,
    campaigns: channelNamed(bot, "campaigns"),
    as,
    press: (messageId, userId, label) =>
      bot.discord.clickButton({ messageId, userId, label, locale }),
    languageReply,
  };
}

const campaignTitle = "Free political prisoners";
const callToAction = "Text SIGN PMSUBG to 50409";
const link = "https://example.org/petition";

async function createCampaign(world: World, extra = "") {
  const reply = await world.as(
    world.organizer,
    `/campaign create title:"${campaignTitle}" goal:500 call_to_action:"${callToAction}" link:${link} channel:<#${world.campaigns}> ${extra}`,
  );
  const campaign = await world.bot.rally.db.campaign.findFirstOrThrow({ orderBy: { id: "desc" } });
  return { reply, campaign };
}

async function addTask(world: World, campaignId: number, options: string) {
  const reply = await world.as(world.organizer, `/task add campaign:${campaignId} ${options}`);
  const task = await world.bot.rally.db.outreachTask.findFirstOrThrow({ orderBy: { id: "desc" } });
  const card = world.bot.discord.message(task.cardMessageId ?? "");
  if (!card) throw new Error(`no card for task #${task.id}: ${reply.content}`);
  return { reply, task, card };
}

/** Claims a slot for someone who is not a member of the test server (setup, not under test). */
async function fillSlots(world: World, taskId: number, count: number, prefix: string) {
  const ids = Array.from({ length: count }, (_, index) => `${prefix}${1000 + index}`);
  for (const id of ids) {
    await claimTask(world.bot.rally.db, world.bot.guildId, id, taskId, world.clock.now, 3);
  }
  return ids;
}

async function finishAll(world: World, taskId: number, ids: string[], reviewRequired: boolean) {
  for (const id of ids) {
    const proof = { proofLink: null, note: null };
    await finishTask(
      world.bot.rally.db,
      world.bot.guildId,
      id,
      taskId,
      proof,
      world.clock.now,
      reviewRequired,
    );
  }
}

/** The card's line "🎓 Campus · 1 of 22 volunteers", in the server's language. */
function cardLine(ts: Translator, kind: "campus" | "online", claimed: number, slots: number) {
  const icon = ts(`task.kindIcon.${kind}`);
  return `${icon} ${ts(`commands.task.kinds.${kind}`)} · ${ts("task.slotsLine", { claimed, count: slots })}`;
}

function progress(language: Language, count: number, goal: number, unit: string) {
  const filled = Math.round(Math.min(1, count / goal) * 12);
  const bar = "▰".repeat(filled) + "▱".repeat(12 - filled);
  const percent = Math.floor((count * 100) / goal);
  return translate(language, "campaign.progress", {
    bar,
    count: number(count, language),
    goal: number(goal, language),
    unit,
    percent,
  });
}

/** The parts of a campaign card that carry words, in `language`. */
function expectCampaignCard(
  embed: StoredMessage["embeds"][number] | undefined,
  language: Language,
  card: {
    id: number;
    status: "active" | "won" | "ended";
    count: number;
    goal: number;
    unit: string;
    milestone: number;
    open: number;
    done: number;
    ends: Date | null;
  },
) {
  const tr = translator(language);
  const ends = unix(card.ends);
  expect(embed).toMatchObject({
    title: campaignTitle,
    url: link,
    description: progress(language, card.count, card.goal, card.unit),
    fields: [
      {
        name: tr("campaign.nextMilestone"),
        value: tr("campaign.nextMilestoneValue", {
          milestone: number(card.milestone, language),
          unit: card.unit,
          remaining: number(card.milestone - card.count, language),
        }),
        inline: true,
      },
      {
        name: tr("campaign.tasks"),
        value: tr("campaign.tasksValue", {
          open: tr("campaign.tasksOpen", { count: card.open }),
          done: tr("campaign.tasksDone", { count: card.done }),
        }),
        inline: true,
      },
      {
        name: tr("campaign.ends"),
        value: tr("campaign.endsValue", { date: `<t:${ends}:f>`, relative: `<t:${ends}:R>` }),
        inline: true,
      },
      { name: tr("campaign.takeAction"), value: callToAction },
    ],
    footer: {
      text: tr("campaign.cardFooter", {
        id: card.id,
        status: tr(`campaign.status.${card.status}`),
      }),
    },
  });
}

describe.each(languages)("a member whose Discord speaks %s", (language) => {
  it("reads /rally about and /rally help in their language", async () => {
    const { as, t, volunteers, organizer } = await setUp(language);

    const about = await as(volunteers[0], "/rally about");
    expect(about.flags & ephemeral).toBe(ephemeral);
    const [before, after] = t("rally.dataValue", { database: "\u0000" }).split("\u0000");
    expect(about.embeds[0]).toMatchObject({
      title: t("rally.aboutTitle"),
      description: t("rally.aboutDescription"),
      fields: [
        { name: t("rally.version"), value: packageJson.version },
        {
          name: t("rally.data"),
          value: expect.stringMatching(new RegExp(`^${escape(before)}.+${escape(after)}$`, "s")),
        },
        { name: t("rally.source"), value: t("rally.sourceValue") },
      ],
    });

    const help = await as(organizer, "/rally help");
    expect(help.flags & ephemeral).toBe(ephemeral);
    const everyone: string[] = [];
    const organizers = [t("rally.helpOrganizersNote")];
    for (const command of commands) {
      for (const [path, handler] of Object.entries(command.subcommands)) {
        // A grouped subcommand's key joins its path in camel case: "source set" → sourceSet.
        const key = path.replace(/ (\w)/g, (_, letter: string) => letter.toUpperCase());
        const description = text(language, `commands.${command.data.name}.${key}`);
        const line = `\`/${command.data.name} ${path}\` — ${description}`;
        (handler.access === "everyone" ? everyone : organizers).push(line);
      }
    }
    // A list longer than a field (1024 characters) goes on in fields titled as continuing it.
    const fields = help.embeds[0]?.fields ?? [];
    expect(help.embeds[0]?.title).toBe(t("rally.helpTitle"));
    expect(fields.every((field) => field.value.length <= 1024)).toBe(true);
    const sections = new Map<string, string[]>();
    let section = "";
    for (const field of fields) {
      if (field.name !== t("rally.helpContinued", { section })) section = field.name;
      sections.set(section, [...(sections.get(section) ?? []), field.value]);
    }
    expect(
      [...sections].map(([name, values]) => ({ name, lines: values.join("\n").split("\n") })),
    ).toEqual([
      { name: t("rally.helpEveryone"), lines: everyone },
      { name: t("rally.helpOrganizers"), lines: organizers },
    ]);
  });

  it("runs /campaign in their language while the card and milestone follow the server", async () => {
    const world = await setUp(language);
    const { as, t, ts, server, organizer, campaigns, bot } = world;
    const unit = ts("campaign.defaultUnit");
    const ends = "2026-12-31";
    const endsAt = new Date(Date.UTC(2026, 11, 31, 23, 59));

    const { reply: created, campaign } = await createCampaign(world, `ends:${ends}`);
    // The create reply is public: the whole channel reads it, so it is in the server's language.
    expect(created.flags & ephemeral).toBe(0);
    expect(created.content?.split("\n")[0]).toBe(
      ts("campaign.created", { channel: `<#${campaigns}>` }),
    );
    const card = { id: campaign.id, status: "active", goal: 500, unit, ends: endsAt } as const;
    // The live card, in the campaign's channel, speaks the server's language like a petition page.
    const { cardMessageId } = await bot.rally.db.campaign.findUniqueOrThrow({
      where: { id: campaign.id },
    });
    expect(bot.discord.message(cardMessageId ?? "")?.embeds[0]?.description).toContain(
      ts("campaign.liveHeadline", { current: "0", goal: number(500, server), count: 500 }),
    );

    const shown = await as(organizer, `/campaign show campaign:${campaign.id}`);
    expect(shown.flags & ephemeral).toBe(ephemeral);
    expectCampaignCard(shown.embeds[0], language, {
      ...card,
      count: 0,
      milestone: 100,
      open: 0,
      done: 0,
    });

    const edited = await as(organizer, `/campaign edit campaign:${campaign.id} unit:${unit}`);
    expect(edited.content).toBe(t("campaign.edited"));
    expectCampaignCard(edited.embeds[0], language, {
      ...card,
      count: 0,
      milestone: 100,
      open: 0,
      done: 0,
    });

    const set = await as(organizer, `/campaign count campaign:${campaign.id} set:332 note:"page"`);
    expect(set.content).toBe(t("campaign.countSet", { count: "332", delta: "+332" }));
    expectCampaignCard(set.embeds[0], language, {
      ...card,
      count: 332,
      milestone: 500,
      open: 0,
      done: 0,
    });
    const lowered = await as(organizer, `/campaign count campaign:${campaign.id} add:-12`);
    expect(lowered.content).toBe(
      [
        t("campaign.countAdded", { value: "−12", count: "320", delta: "−12" }),
        t("campaign.countDown", { amount: "12" }),
      ].join("\n"),
    );
    const same = await as(organizer, `/campaign count campaign:${campaign.id} set:320`);
    expect(same.content).toBe(
      [
        t("campaign.countSet", { count: "320", delta: "±0" }),
        t("campaign.countSame", { count: "320" }),
      ].join("\n"),
    );

    // Past the goal of 500: the goal rises to 2,500 and one milestone goes to the channel.
    const before = bot.discord.messages(campaigns).length;
    const raised = await as(organizer, `/campaign count campaign:${campaign.id} add:1012`);
    expect(raised.content).toBe(
      [
        t("campaign.countAdded", {
          value: `+${number(1012, language)}`,
          count: number(1332, language),
          delta: `+${number(1012, language)}`,
        }),
        t("campaign.milestonePosted", { channel: `<#${campaigns}>` }),
      ].join("\n"),
    );
    const milestone = bot.discord.messages(campaigns).slice(before);
    expect(milestone.map((message) => message.content)).toEqual([
      [
        ts("campaign.milestoneRaisedPast", {
          title: campaignTitle,
          unit,
          reached: number(500, server),
          count: number(1332, server),
          goal: number(2500, server),
        }),
        callToAction,
        `<${link}>`,
      ].join("\n"),
    ]);

    const listed = await as(world.volunteers[0], "/campaign list");
    expect(listed.flags & ephemeral).toBe(ephemeral);
    expect(listed.embeds[0]).toMatchObject({
      title: t("campaign.listTitle", { filter: t("commands.campaign.choices.active") }),
      description: t("campaign.listLine", {
        id: campaign.id,
        title: campaignTitle,
        count: number(1332, language),
        goal: number(2500, language),
        unit,
        percent: 53,
        status: t("campaign.status.active"),
      }),
    });

    const flyer = await as(world.volunteers[0], `/campaign flyer campaign:${campaign.id}`);
    expect(flyer.flags & ephemeral).toBe(ephemeral);
    expect(flyer.content).toBe(t("share.flyerReady", { title: campaignTitle }));
    expect(flyer.attachments.map((file) => file.filename)).toEqual([`flyer-${campaign.id}.pdf`]);

    const shareCard = await as(world.volunteers[0], `/campaign card campaign:${campaign.id}`);
    expect(shareCard.content).toBe(t("share.cardReady", { title: campaignTitle }));
    expect(shareCard.attachments.map((file) => file.filename)).toEqual([
      `campaign-${campaign.id}.png`,
    ]);

    // One anonymous volunteer's claim, so the export names them only as a number.
    const { task } = await addTask(world, campaign.id, 'title:"Flyers" slots:2');
    await as(world.volunteers[0], `/task claim task:${task.id}`);
    const exported = await as(organizer, `/campaign export campaign:${campaign.id}`);
    expect(exported.content).toBe(t("campaign.exportReady", { title: campaignTitle }));
    const csv = exported.attachments[0]?.data.toString("utf8") ?? "";
    const [header, row] = csv.replace(/^\uFEFF/, "").split("\r\n");
    expect(header).toBe(t("campaign.exportHeader"));
    expect(row).toContain(`,${t("campaign.exportVolunteer", { number: "#1" })},active,`);

    const closed = await as(organizer, `/campaign close campaign:${campaign.id} outcome:won`);
    expect(closed.content).toBe(t("campaign.closedReply", { outcome: t("campaign.status.won") }));
    expectCampaignCard(closed.embeds[0], language, {
      ...card,
      status: "won",
      goal: 2500,
      count: 1332,
      milestone: 2500,
      open: 1,
      done: 0,
    });
    const reopened = await as(organizer, `/campaign reopen campaign:${campaign.id}`);
    expect(reopened.content).toBe(t("campaign.reopened"));
    expect(reopened.embeds[0]?.footer?.text).toBe(
      t("campaign.cardFooter", { id: campaign.id, status: t("campaign.status.active") }),
    );
    expect(bot.discord.rejected()).toEqual([]);
  });

  it("runs /task and the card's buttons in their language while the card follows the server", async () => {
    const world = await setUp(language);
    const { as, t, ts, bot, organizer, campaigns, press } = world;
    const [volunteer1, volunteer2] = world.volunteers;
    const { campaign } = await createCampaign(world);
    const title = "Table at the student union";

    const {
      reply: added,
      task,
      card,
    } = await addTask(
      world,
      campaign.id,
      `title:"${title}" kind:campus location:"Student union" slots:22 due:2026-12-20 instructions:"Hand out flyers"`,
    );
    expect(added.flags & ephemeral).toBe(ephemeral);
    expect(added.content).toBe(t("task.added", { channel: `<#${campaigns}>` }));
    const due = unix(task.dueAt);
    expect(card.embeds[0]).toMatchObject({
      title,
      description: cardLine(ts, "campus", 0, 22),
      fields: [
        { name: ts("task.where"), value: "Student union" },
        {
          name: ts("task.due"),
          value: ts("task.dueValue", { date: `<t:${due}:f>`, relative: `<t:${due}:R>` }),
        },
        { name: ts("task.how"), value: "Hand out flyers" },
        { name: ts("task.campaign"), value: `${campaignTitle} — ${callToAction}` },
      ],
      footer: { text: ts("task.cardFooter", { id: task.id, status: ts("task.status.open") }) },
    });
    expect(labelsOf(card)).toEqual([
      ts("task.claimButton"),
      ts("task.releaseButton"),
      ts("task.doneButton"),
      ts("share.getFlyerButton"),
    ]);
    const cardNow = () => bot.discord.message(card.id);

    const listed = await as(volunteer1, "/task list");
    expect(listed.embeds[0]).toMatchObject({
      title: t("task.listTitle", { filter: t("commands.task.filters.open") }),
      description: t("task.listLine", {
        icon: t("task.kindIcon.campus"),
        id: task.id,
        title,
        slots: t("task.slotsLine", { claimed: 0, count: 22 }),
        due: t("task.listDue", { due: `<t:${due}:R>` }),
        campaign: campaignTitle,
      }),
      footer: { text: t("task.listPage", { page: 1, pages: 1, count: 1 }) },
    });

    const claimedText = async (volunteer: string) => {
      const claim = await bot.rally.db.claim.findFirstOrThrow({
        where: { volunteerId: volunteer, status: "active" },
      });
      return [
        t("task.claimed", { title, expires: `<t:${unix(claim.expiresAt)}:R>` }),
        t("task.claimedDue", { due: `<t:${due}:f>` }),
      ].join(" ");
    };
    const claimed = await as(volunteer1, `/task claim task:${task.id}`);
    expect(claimed.content).toBe(await claimedText(volunteer1));
    expect(cardNow()?.embeds[0]?.description).toBe(cardLine(ts, "campus", 1, 22));
    const released = await as(volunteer1, `/task release task:${task.id}`);
    expect(released.content).toBe(t("task.released", { title }));
    expect(cardNow()?.embeds[0]?.description).toBe(cardLine(ts, "campus", 0, 22));

    // The same through the card's buttons: the presser reads their language, the card stays.
    const pressedClaim = await answerOf(bot, press(card.id, volunteer1, ts("task.claimButton")));
    expect(pressedClaim.content).toBe(await claimedText(volunteer1));
    expect(pressedClaim.flags & ephemeral).toBe(ephemeral);
    expect(cardNow()?.embeds[0]?.description).toBe(cardLine(ts, "campus", 1, 22));
    const pressedRelease = await answerOf(
      bot,
      press(card.id, volunteer1, ts("task.releaseButton")),
    );
    expect(pressedRelease.content).toBe(t("task.released", { title }));
    await answerOf(bot, press(card.id, volunteer1, ts("task.claimButton")));
    const opened = press(card.id, volunteer1, ts("task.doneButton"));
    expect((await opened.response()).type).toBe(9);
    expect(opened.modal?.title).toBe(t("task.doneModalTitle"));
    expect(modalLabels(opened)).toEqual([t("task.proofLinkLabel"), t("task.noteLabel")]);
    const submitted = await answerOf(
      bot,
      bot.discord.submitModal({
        handle: opened,
        userId: volunteer1,
        locale: discordLocale[language],
        values: { proof_link: "https://example.org/photo.jpg", note: "" },
      }),
    );
    expect(submitted.content).toBe(
      [t("task.doneThanks", { title }), t("task.proofNotKept")].join("\n"),
    );
    expect(cardNow()?.embeds[0]?.description).toBe(
      `${cardLine(ts, "campus", 1, 22)} · ${ts("task.doneLine", { done: 1 })}`,
    );

    await as(volunteer2, `/task claim task:${task.id}`);
    const done = await as(volunteer2, `/task done task:${task.id} note:"50 flyers"`);
    expect(done.content).toBe(t("task.doneThanks", { title }));

    const assigned = await as(organizer, `/task assign task:${task.id} member:<@${organizer}>`);
    expect(assigned.content).toBe(t("task.assigned", { member: `<@${organizer}>`, title }));
    const edited = await as(organizer, `/task edit task:${task.id} slots:21`);
    expect(edited.content).toBe(t("task.editedReply", { title }));
    expect(cardNow()?.embeds[0]?.description).toBe(
      `${cardLine(ts, "campus", 3, 21)} · ${ts("task.doneLine", { done: 2 })}`,
    );
    const cancelled = await as(organizer, `/task cancel task:${task.id}`);
    expect(cancelled.content).toBe(t("task.cancelledReply", { title }));
    expect(cardNow()?.embeds[0]?.footer?.text).toBe(
      ts("task.cardFooter", { id: task.id, status: ts("task.status.cancelled") }),
    );
    expect(bot.discord.rejected()).toEqual([]);
  });

  it("reviews submitted work in their language; the announcement follows the server", async () => {
    const world = await setUp(language);
    const { as, t, ts, bot, organizer, press } = world;
    const [volunteer1, volunteer2] = world.volunteers;
    const reviewers = channelNamed(bot, "organizers");
    await as(organizer, "/settings review_required enabled:true");
    await as(organizer, `/settings review_channel channel:<#${reviewers}>`);
    const { campaign } = await createCampaign(world);
    const title = "Share the petition online";
    const { task } = await addTask(world, campaign.id, `title:"${title}" kind:online slots:5`);

    await as(volunteer1, `/task claim task:${task.id}`);
    const sent = await as(
      volunteer1,
      `/task done task:${task.id} proof_link:https://example.org/post`,
    );
    expect(sent.content).toBe([t("task.submitted", { title }), t("task.proofNotKept")].join("\n"));
    expect(bot.discord.messages(reviewers).map((message) => message.content)).toEqual([
      ts("task.reviewAnnounce", { title, member: `<@${volunteer1}>` }),
    ]);

    const review = await as(organizer, `/task review task:${task.id}`);
    expect(review.flags & ephemeral).toBe(ephemeral);
    expect(review.embeds[0]).toMatchObject({
      title: t("task.reviewTitle", { title }),
      description: t("task.reviewBy", { member: `<@${volunteer1}>`, when: `<t:${unix(t0)}:R>` }),
      fields: [{ name: t("task.reviewProof"), value: "<https://example.org/post>" }],
    });
    expect(labelsOf(review)).toEqual([t("task.approveButton"), t("task.rejectButton")]);
    const approved = await press(review.id, organizer, t("task.approveButton")).final();
    expect(approved.content).toBe(t("task.approved", { member: `<@${volunteer1}>`, title }));

    await as(volunteer2, `/task claim task:${task.id}`);
    await as(volunteer2, `/task done task:${task.id}`);
    const second = await as(organizer, `/task review task:${task.id}`);
    expect(fieldValue(second, t("task.reviewProof"))).toBe(t("task.reviewNoProof"));
    const rejecting = press(second.id, organizer, t("task.rejectButton"));
    await rejecting.response();
    expect(rejecting.modal?.title).toBe(t("task.rejectModalTitle"));
    expect(modalLabels(rejecting)).toEqual([t("task.rejectReasonLabel")]);
    const rejected = await bot.discord
      .submitModal({
        handle: rejecting,
        userId: organizer,
        locale: discordLocale[language],
        values: { reason: "Wrong post" },
      })
      .final();
    expect(rejected.content).toBe(t("task.rejected", { member: `<@${volunteer2}>`, title }));
    // The volunteer last spoke to Rally in this language, so the notice is in it.
    const notice = await bot.discord.waitFor(
      () => {
        const dm = bot.discord.directMessageChannel(volunteer2);
        return dm && bot.discord.messages(dm.id).at(-1);
      },
      2000,
      "the rejection notice",
    );
    expect(notice.content).toBe(t("task.rejectedNotice", { title, reason: "Wrong post" }));
    const none = await as(organizer, `/task review task:${task.id}`);
    expect(none.content).toBe(t("task.noneToReview", { title }));
    expect(bot.discord.rejected()).toEqual([]);
  });

  it("imports tasks: the reply in their language, the one channel post in the server's", async () => {
    const world = await setUp(language);
    const { t, ts, bot, organizer, campaigns } = world;
    const { campaign } = await createCampaign(world);
    const importCsv = (csv: string) =>
      bot.discord
        .slash({
          guildId: bot.guildId,
          channelId: bot.channelId,
          userId: organizer,
          locale: discordLocale[language],
          command: "task",
          subcommand: "import",
          options: { campaign: String(campaign.id), file: "tasks.csv" },
          attachments: {
            file: { filename: "tasks.csv", contentType: "text/csv", data: Buffer.from(csv) },
          },
        })
        .final();
    const header = "title,kind,location,slots,due,instructions";

    const refused = await importCsv(`${header}\nA,campus,,many,,\nB,party,,1,,\n`);
    expect(refused.content).toBe(
      [
        t("task.importProblems", { count: 2 }),
        t("task.importLine", { line: 2, problem: t("taskImport.slots", { slots: "many" }) }),
        t("task.importLine", { line: 3, problem: t("taskImport.kind", { kind: "party" }) }),
      ].join("\n"),
    );

    const rows = ["A,campus", "B,campus", "C,online", "D,online", "E,online"];
    const before = bot.discord.messages(campaigns).length;
    const imported = await importCsv([header, ...rows.map((row) => `${row},,1,,`)].join("\n"));
    expect(imported.content).toBe(t("task.importDone", { count: 5, campaign: campaignTitle }));
    const [post] = bot.discord.messages(campaigns).slice(before);
    const kinds = [
      `${ts("task.kindIcon.campus")} 2 ${ts("commands.task.kinds.campus")}`,
      `${ts("task.kindIcon.online")} 3 ${ts("commands.task.kinds.online")}`,
    ].join(" · ");
    expect(post?.content).toBe(ts("task.importPost", { count: 5, campaign: campaignTitle, kinds }));
    expect(labelsOf(post)).toEqual([ts("task.importListButton")]);

    const browsed = await world
      .press(post?.id ?? "", world.volunteers[0], ts("task.importListButton"))
      .final();
    expect(browsed.flags & ephemeral).toBe(ephemeral);
    expect(browsed.embeds[0]?.title).toBe(
      t("task.listTitle", { filter: t("commands.task.filters.open") }),
    );
    expect(browsed.embeds[0]?.footer?.text).toBe(
      t("task.listPage", { page: 1, pages: 1, count: 5 }),
    );
    expect(bot.discord.rejected()).toEqual([]);
  });

  it("runs /summary in their language while the posted summary follows the server", async () => {
    const world = await setUp(language);
    const { as, t, ts, server, bot, organizer, campaigns, clock } = world;
    const [volunteer1] = world.volunteers;
    const { campaign } = await createCampaign(world);
    const unit = ts("campaign.defaultUnit");
    await as(organizer, `/campaign count campaign:${campaign.id} set:332`);
    const { task: big } = await addTask(world, campaign.id, 'title:"Flyers" slots:48');
    const { task: soon } = await addTask(
      world,
      campaign.id,
      'title:"Poster" slots:2 due:"2026-12-01 18:00"',
    );
    // Six done (one volunteer thanked by name, five anonymous), 21 waiting for review, two
    // claims overdue once the clock passes 18:00, 48 − 27 = 21 slots open.
    await as(volunteer1, "/me credit mode:public");
    await as(volunteer1, `/task claim task:${big.id}`);
    await as(volunteer1, `/task done task:${big.id}`);
    await finishAll(world, big.id, await fillSlots(world, big.id, 5, "7000000000000"), false);
    await finishAll(world, big.id, await fillSlots(world, big.id, 21, "8000000000000"), true);
    await fillSlots(world, soon.id, 2, "9000000000000");
    clock.now = new Date(t0.getTime() + 8 * hour);

    const scheduled = await as(
      organizer,
      `/summary schedule channel:<#${campaigns}> time:18:30 days:weekdays`,
    );
    const schedule = await bot.rally.db.summarySchedule.findFirstOrThrow();
    const days = t("summary.days.weekdays");
    expect(scheduled.flags & ephemeral).toBe(ephemeral);
    expect(scheduled.content).toBe(
      t("summary.scheduled", {
        channel: `<#${campaigns}>`,
        days,
        time: "18:30",
        zone: "UTC",
        first: `<t:${unix(schedule.nextRunAt)}:f>`,
      }),
    );
    const listLine = (state: string) =>
      t("summary.listLine", {
        id: schedule.id,
        channel: `<#${campaigns}>`,
        days,
        time: "18:30",
        zone: "UTC",
        campaign: t("summary.allCampaigns"),
        state,
      });
    const listed = await as(organizer, "/summary list");
    expect(listed.embeds[0]).toMatchObject({
      title: t("summary.listTitle"),
      description: listLine(
        t("summary.stateActive", { next: `<t:${unix(schedule.nextRunAt)}:R>` }),
      ),
    });
    const off = await as(organizer, `/summary off schedule:${schedule.id}`);
    expect(off.content).toBe(t("summary.turnedOff", { id: schedule.id }));
    expect((await as(organizer, "/summary list")).embeds[0]?.description).toBe(
      listLine(t("summary.stateOff")),
    );
    const resumed = await as(organizer, `/summary resume schedule:${schedule.id}`);
    const next = (await bot.rally.db.summarySchedule.findFirstOrThrow()).nextRunAt;
    expect(resumed.content).toBe(
      t("summary.resumed", { id: schedule.id, next: `<t:${unix(next)}:f>` }),
    );

    const before = bot.discord.messages(campaigns).length;
    const now = await as(organizer, `/summary now channel:<#${campaigns}>`);
    expect(now.content).toBe(t("summary.postedNow", { channel: `<#${campaigns}>` }));
    const posted = bot.discord.messages(campaigns).slice(before);
    expect(posted).toHaveLength(1);
    const [summary] = posted;
    expect(summary?.content).toBe(
      ts("summary.thanksNamedAndMore", { names: `<@${volunteer1}>`, count: 5 }),
    );
    expect(summary?.embeds[0]).toMatchObject({
      title: campaignTitle,
      description: [
        progress(server, 332, 500, unit),
        ts("summary.sinceStart", { delta: "+332" }),
        ts("summary.milestone", { milestone: "500", remaining: "168" }),
        ts("summary.review", { count: 21 }),
      ].join("\n"),
      fields: [
        {
          name: ts("summary.outreach"),
          value: [
            // Six claims done, but no task yet: Flyers has 48 slots (the card counts tasks too).
            ts("summary.tasksDoneStart", { done: ts("campaign.tasksDone", { count: 0 }) }),
            ts("summary.slotsOpen", { count: 21 }),
            ts("summary.overdue", { count: 2 }),
          ].join(" · "),
        },
        { name: ts("summary.takeAction"), value: `${callToAction}\n${link}` },
      ],
    });

    // The preview shows the post as the channel would read it: in the server's language.
    const preview = await as(volunteer1, "/summary preview");
    expect(preview.flags & ephemeral).toBe(ephemeral);
    expect(preview.content).toBe(summary?.content);
    expect(preview.embeds).toEqual(summary?.embeds);
    expect(bot.discord.rejected()).toEqual([]);
  });

  it("runs /me in their language, and an erased claim's card follows the server", async () => {
    const world = await setUp(language);
    const { as, t, ts, bot, press } = world;
    const [volunteer1, volunteer2] = world.volunteers;
    const { campaign } = await createCampaign(world);
    const title = "Poster at the library";
    const { task, card } = await addTask(
      world,
      campaign.id,
      `title:"${title}" kind:campus slots:5 due:2026-12-20`,
    );

    const totals = (done: number, credit: "creditPublic" | "creditAnonymous", on: boolean) =>
      t("me.statusTotals", {
        done,
        credit: t(`me.${credit}`),
        reminders: t(on ? "me.on" : "me.off"),
      });
    const empty = await as(volunteer1, "/me status");
    expect(empty.flags & ephemeral).toBe(ephemeral);
    expect(empty.embeds[0]).toMatchObject({
      title: t("me.statusTitle"),
      description: t("me.statusEmpty"),
      footer: { text: totals(0, "creditAnonymous", true) },
    });

    expect((await as(volunteer1, "/me credit mode:public")).content).toBe(t("me.creditSetPublic"));
    expect((await as(volunteer1, "/me reminders enabled:false")).content).toBe(
      t("me.remindersOff"),
    );
    await as(volunteer1, `/task claim task:${task.id}`);
    const holding = await as(volunteer1, "/me status");
    expect(holding.embeds[0]).toMatchObject({
      description: t("me.statusLine", {
        title,
        campaign: campaignTitle,
        due: ` · <t:${unix(task.dueAt)}:R>`,
        state: t("me.stateActive"),
      }),
      footer: { text: totals(0, "creditPublic", false) },
    });
    expect((await as(volunteer1, "/me credit mode:anonymous")).content).toBe(
      t("me.creditSetAnonymous"),
    );
    expect((await as(volunteer1, "/me reminders enabled:true")).content).toBe(t("me.remindersOn"));

    const exported = await as(volunteer1, "/me export");
    expect(exported.content).toBe(t("me.exportReady"));
    expect(exported.attachments.map((file) => file.filename)).toEqual(["rally-my-data.json"]);

    const prompt = await as(volunteer1, "/me forget");
    expect(prompt.flags & ephemeral).toBe(ephemeral);
    expect(prompt.content).toBe(t("me.forgetConfirm"));
    expect(labelsOf(prompt)).toEqual([t("me.forgetButton")]);
    const notTheirs = await answerOf(bot, press(prompt.id, volunteer2, t("me.forgetButton")));
    expect(notTheirs.content).toBe(t("me.forgetOther"));
    const forgotten = await press(prompt.id, volunteer1, t("me.forgetButton")).final();
    expect(forgotten.content).toBe(t("me.forgotten"));
    expect(bot.discord.message(card.id)?.embeds[0]?.description).toBe(cardLine(ts, "campus", 0, 5));
    expect(bot.discord.rejected()).toEqual([]);
  });

  it("runs every /settings subcommand in their language, with plural forms", async () => {
    const world = await setUp(language);
    const { as, t, server, bot, organizer, languageReply } = world;
    const organizersRole = bot.world.roles[0]?.id ?? "";
    const reviewers = channelNamed(bot, "organizers");
    const general = channelNamed(bot, "general");
    const settings = {
      organizerRole: null as string | null,
      announceRole: null as string | null,
      timezone: "UTC",
      claimExpiry: 3,
      reviewRequired: false,
      retention: 90,
      reviewChannel: null as string | null,
    };
    const embed = () => ({
      title: t("settings.title"),
      fields: [
        { name: t("settings.organizerRole"), value: role(settings.organizerRole) },
        { name: t("settings.announceRole"), value: role(settings.announceRole) },
        { name: t("settings.timezone"), value: settings.timezone },
        { name: t("settings.language"), value: t(`commands.settings.languages.${server}`) },
        {
          name: t("settings.claimExpiry"),
          value: t("settings.claimExpiryValue", { count: settings.claimExpiry }),
        },
        {
          name: t("settings.reviewRequired"),
          value: t(settings.reviewRequired ? "settings.yes" : "settings.no"),
        },
        {
          name: t("settings.retention"),
          value: t("settings.retentionValue", { count: settings.retention }),
        },
        {
          name: t("settings.reviewChannel"),
          value: settings.reviewChannel ? `<#${settings.reviewChannel}>` : t("settings.none"),
        },
        { name: t("settings.proofFiles"), value: t("settings.yes") },
      ],
    });
    const role = (id: string | null) => (id ? `<@&${id}>` : t("settings.none"));
    const expectAnswer = (reply: StoredMessage, content: string) => {
      expect(reply.flags & ephemeral).toBe(ephemeral);
      expect(reply.content).toBe(content);
      expect(reply.embeds[0]).toMatchObject(embed());
    };

    // Said in the language just chosen, since it is the one the server's posts now use.
    const tServer = translator(server);
    expectAnswer(
      languageReply,
      tServer("settings.languageSet", {
        language: tServer(`commands.settings.languages.${server}`),
      }),
    );

    settings.organizerRole = organizersRole;
    expectAnswer(
      await as(organizer, `/settings organizer_role role:<@&${organizersRole}>`),
      t("settings.organizerRoleSet", { role: `<@&${organizersRole}>` }),
    );
    settings.organizerRole = null;
    expectAnswer(
      await as(organizer, "/settings organizer_role"),
      t("settings.organizerRoleCleared"),
    );
    settings.announceRole = organizersRole;
    expectAnswer(
      await as(organizer, `/settings announce_role role:<@&${organizersRole}>`),
      t("settings.announceRoleSet", { role: `<@&${organizersRole}>` }),
    );
    settings.announceRole = null;
    expectAnswer(await as(organizer, "/settings announce_role"), t("settings.announceRoleCleared"));
    settings.timezone = "Europe/Vilnius";
    expectAnswer(
      await as(organizer, "/settings timezone zone:Europe/Vilnius"),
      t("settings.timezoneSet", { zone: "Europe/Vilnius", time: "14:00" }),
    );
    // 1, 2, 5, 21, 22 and 111: Russian and Ukrainian "one", "few" and "many".
    for (const days of [1, 2, 5, 21, 22]) {
      settings.claimExpiry = days;
      expectAnswer(
        await as(organizer, `/settings claim_expiry days:${days}`),
        t("settings.claimExpirySet", { count: days }),
      );
    }
    for (const days of [1, 2, 5, 21, 22, 111]) {
      settings.retention = days;
      expectAnswer(
        await as(organizer, `/settings retention days:${days}`),
        t("settings.retentionSet", { count: days }),
      );
    }
    settings.reviewRequired = true;
    expectAnswer(
      await as(organizer, "/settings review_required enabled:true"),
      t("settings.reviewRequiredOn"),
    );
    settings.reviewRequired = false;
    expectAnswer(
      await as(organizer, "/settings review_required enabled:false"),
      t("settings.reviewRequiredOff"),
    );
    settings.reviewChannel = reviewers;
    expectAnswer(
      await as(organizer, `/settings review_channel channel:<#${reviewers}>`),
      t("settings.reviewChannelSet", { channel: `<#${reviewers}>` }),
    );
    const publicChannel = await as(organizer, `/settings review_channel channel:<#${general}>`);
    expect(publicChannel.content).toBe(
      t("settings.reviewChannelPublic", { channel: `<#${general}>` }),
    );
    settings.reviewChannel = null;
    expectAnswer(
      await as(organizer, "/settings review_channel"),
      t("settings.reviewChannelCleared"),
    );

    const shown = await as(world.volunteers[0], "/settings show");
    expect(shown.flags & ephemeral).toBe(ephemeral);
    expect(shown.embeds[0]).toMatchObject(embed());

    const audit = await as(organizer, "/settings audit");
    const entries = await bot.rally.db.auditEntry.findMany({
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      take: 25,
    });
    expect(audit.embeds[0]?.title).toBe(t("settings.auditTitle"));
    // When, in the server's zone; then what changed, old → new (test/e2e/auditLog.test.ts).
    const auditLines = (audit.embeds[0]?.description ?? "").split("\n");
    expect(auditLines).toHaveLength(entries.length);
    entries.forEach((entry, index) =>
      expect(
        auditLines[index]?.startsWith(
          t("settings.auditLine", {
            when: formatLocalDateTime(entry.createdAt, settings.timezone),
            actor: `<@${organizer}>`,
            action: text(language, `settings.auditActions.${entry.action}`),
            subject: entry.subjectId ? ` #${entry.subjectId}` : "",
            changes: "",
          }),
        ),
      ).toBe(true),
    );
    expect(audit.embeds[0]?.description).toContain(
      t("settings.auditChange", {
        field: t("settings.auditFields.retentionDays"),
        from: new Intl.NumberFormat(language).format(90),
        to: new Intl.NumberFormat(language).format(1),
      }),
    );
    expect(bot.discord.rejected()).toEqual([]);
  });

  it("gets refusals in their language", async () => {
    const world = await setUp(language);
    const { as, t, bot, organizer } = world;
    const [volunteer] = world.volunteers;
    const { campaign } = await createCampaign(world);

    // A full task names its slots with the right plural: 1 ("the only slot"), 2, 5, 21.
    for (const slots of [1, 2, 5, 21]) {
      const title = `Stall ${slots}`;
      const { task } = await addTask(world, campaign.id, `title:"${title}" slots:${slots}`);
      await fillSlots(world, task.id, slots, `6${slots}00000000000`);
      const full = await as(volunteer, `/task claim task:${task.id}`);
      expect(full.flags & ephemeral).toBe(ephemeral);
      expect(full.content).toBe(t("task.full", { count: slots, title }));
    }

    const refusals: [string, string, string][] = [
      [volunteer, `/campaign create title:X goal:10`, t("errors.organizerOnly")],
      [volunteer, `/settings organizer_role`, t("errors.managerOnly")],
      [
        organizer,
        `/campaign create title:X goal:10 ends:2026-02-30`,
        t("validation.date", { option: "ends" }),
      ],
      [organizer, `/campaign create title:X goal:10 ends:2026-01-01`, t("campaign.endsInPast")],
      [
        organizer,
        `/campaign create title:X goal:10 link:ftp://x`,
        t("validation.url", { option: "link" }),
      ],
      [
        organizer,
        `/campaign create title:"${campaignTitle}" goal:10`,
        t("campaign.duplicateTitle", { title: campaignTitle }),
      ],
      [organizer, `/campaign count campaign:${campaign.id}`, t("campaign.countExactlyOne")],
      [organizer, `/campaign show campaign:999999`, t("campaign.notFound")],
      [organizer, `/task add campaign:${campaign.id} title:X due:2026-11-30`, t("task.duePast")],
      [
        organizer,
        `/settings timezone zone:Mars/Olympus`,
        t("settings.unknownTimezone", { zone: "Mars/Olympus" }),
      ],
      [
        organizer,
        `/summary schedule channel:<#${world.campaigns}> time:25:00`,
        t("summary.badTime", { time: "25:00" }),
      ],
      [organizer, `/task review task:999999`, t("task.notFound")],
    ];
    for (const [userId, line, expected] of refusals) {
      const reply = await as(userId, line);
      expect({ line, content: reply.content, ephemeral: reply.flags & ephemeral }).toEqual({
        line,
        content: expected,
        ephemeral,
      });
    }
    expect(bot.discord.rejected()).toEqual([]);
  });
});

describe("a member whose Discord speaks a language Rally does not", () => {
  it("reads the server's language, which is English until /settings language changes it", async () => {
    const bot = await startTestBot();
    const [volunteer] = bot.volunteerIds;
    const about = () => bot.run(volunteer, "/rally about", undefined, { locale: "fr" });
    expect((await about()).embeds[0]?.title).toBe(translate("en", "rally.aboutTitle"));
    expect((await about()).embeds[0]?.fields?.[0]?.name).toBe(translate("en", "rally.version"));
    await bot.run(bot.organizerId, "/settings language language:uk");
    expect((await about()).embeds[0]?.fields?.[0]?.name).toBe(translate("uk", "rally.version"));
    const english = await bot.run(volunteer, "/rally about", undefined, { locale: "en-US" });
    expect(english.embeds[0]?.fields?.[0]?.name).toBe(translate("en", "rally.version"));
  });
});

interface Localized {
  name: string;
  description?: string;
  description_localizations?: Record<string, string | null> | null;
  name_localizations?: Record<string, string | null> | null;
  options?: Localized[];
  choices?: Localized[];
}

/** Every English text under `commands.` and the keys that say it (some texts repeat). */
function keysByEnglishText(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  const visit = (value: unknown, path: string) => {
    if (typeof value === "string") found.set(value, [...(found.get(value) ?? []), path]);
    else if (typeof value === "object" && value !== null) {
      for (const [key, child] of Object.entries(value)) visit(child, `${path}.${key}`);
    }
  };
  visit(enCommands, "commands");
  return found;
}

import en from "../../src/i18n/locales/en.json" with { type: "json" };
const enCommands = en.commands;

describe("the commands Rally registers", () => {
  it("carry Russian and Ukrainian descriptions for every command, subcommand and option, and names for every choice", async () => {
    const bot = await startTestBot();
    const registered = bot.discord.commands(bot.guildId) as unknown as Localized[];
    const keys = keysByEnglishText();
    const problems: string[] = [];
    const check = (path: string, english: string, map: Localized["description_localizations"]) => {
      const candidates = keys.get(english) ?? [];
      if (candidates.length === 0) problems.push(`${path}: "${english}" is not from en.json`);
      for (const locale of ["ru", "uk"] as const) {
        const expected = candidates.map((key) => text(locale, key));
        const actual = map?.[locale];
        if (!actual || !expected.includes(actual)) {
          problems.push(`${path} [${locale}]: ${String(actual)}`);
        }
      }
    };
    const walk = (item: Localized, path: string) => {
      check(path, item.description ?? "", item.description_localizations);
      for (const choice of item.choices ?? []) {
        check(`${path} choice ${choice.name}`, choice.name, choice.name_localizations);
      }
      for (const option of item.options ?? []) walk(option, `${path} ${option.name}`);
    };
    for (const command of registered) walk(command, `/${command.name}`);
    expect(registered.map((command) => command.name).sort()).toEqual(
      commands.map((command) => command.data.name).sort(),
    );
    expect(problems).toEqual([]);
  });
});

function escape(value: string | undefined): string {
  return (value ?? "").replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
