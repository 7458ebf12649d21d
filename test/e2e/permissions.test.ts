import Database from "better-sqlite3";
import { PermissionFlagsBits } from "discord.js";
import { expect, it, onTestFinished } from "vitest";
import { commands } from "../../commands/index.ts";
import type { Access } from "../../src/discord/command.ts";
import { deployCommands } from "../../src/discord/deployCommands.ts";
import type { InteractionHandle, StoredMessage } from "../../src/local-discord/localDiscord.ts";
import { closeCampaign, createCampaign } from "../../src/domain/campaigns.ts";
import { createSchedule, turnOff } from "../../src/domain/summarySchedules.ts";
import { addTask, claimTask, finishTask } from "../../src/domain/tasks.ts";
import type { Repeat } from "../../src/domain/repeatRules.ts";
import { setCredit } from "../../src/domain/volunteers.ts";
import { translator } from "../../src/i18n/index.ts";
import { databaseKind, dumpTables } from "../support/db.ts";
import { startTestBot, type TestBot } from "../support/bot.ts";

/**
 * Who may do what, over the wire: every registered subcommand and the buttons a crafted client
 * can forge, for every kind of member. Rally sets no default_member_permissions, so a server
 * admin can let anyone see and run any command; the dispatcher's check is the only gate.
 */

const t = translator("en");
const ephemeral = 64;
/** Every title and description of the first server carries this, so a leak is easy to spot. */
const secret = "SECRET-A";

const refusalText = {
  organizerOnly: t("errors.organizerOnly"),
  managerOnly: t("errors.managerOnly"),
  forgetOther: t("me.forgetOther"),
} as const;
const notFoundTexts = [
  t("campaign.notFound"),
  t("task.notFound"),
  t("task.reviewNotFound"),
  t("summary.notFound"),
];
/** Answers that mean the member did not get to act, whatever the reason. */
const notActed = [
  ...Object.values(refusalText),
  ...notFoundTexts,
  t("errors.unknownCommand"),
  t("errors.staleButton"),
];
const internalError = t("errors.internal", { id: "@" }).split("@")[0] ?? "";

type Level = "everyone" | "organizer" | "manager";
/**
 * allowed: no refusal. organizerOnly / managerOnly / forgetOther: that ephemeral refusal and
 * nothing saved. notFound: another server's id is unknown here, nothing saved. isolated: an
 * answer that shows nothing of the other server, nothing saved.
 */
type Outcome =
  "allowed" | "organizerOnly" | "managerOnly" | "forgetOther" | "notFound" | "isolated";

/** One server as an actor sees it: where they type, and a role and member of that server. */
interface Place {
  guildId: string;
  channelId: string;
  roleId: string;
  memberId: string;
}

interface Actor {
  name: string;
  userId: string;
  place: Place;
  level: Level;
  /** A member of another server, using the first server's ids there. */
  foreign: boolean;
}

/** Things of the FIRST server, made directly in the database; each call makes a fresh one. */
interface Fixtures {
  victimId: string;
  sharedCampaignId: string;
  campaign(): Promise<string>;
  closedCampaign(): Promise<string>;
  task(): Promise<string>;
  /** A task that repeats weekly (the first occurrence of its series). */
  repeatingTask(): Promise<string>;
  claimedTask(userId: string): Promise<string>;
  submitted(): Promise<{ taskId: string; claimId: string }>;
  /** The id of the victim's active claim on a task already past due. */
  overdueClaim(): Promise<string>;
  schedule(): Promise<string>;
  offSchedule(): Promise<string>;
}

type Options = Record<string, string>;

interface Case {
  /** Who may use it: the spec, checked against what the handler declares. */
  access: Access;
  options(fx: Fixtures, actor: Actor): Options | Promise<Options>;
  /** Whether the member attaches the CSV of `/task import`. */
  csv?: true;
  /**
   * Used from another server with the first server's ids. Unset: no id of the first server is
   * involved, so it runs like any command there (the other server's owner may do everything).
   */
  foreign?: "notFound" | "isolated";
}

/**
 * Minimal valid options of every registered subcommand, keyed "command subcommand" (or
 * "command group subcommand"). A subcommand registered without an entry here fails the test.
 */
const cases: Record<string, Case> = {
  "rally about": { access: "everyone", options: () => ({}) },
  "rally help": { access: "everyone", options: () => ({}) },
  "rally safety": { access: "organizer", options: () => ({}) },

  "campaign create": {
    access: "organizer",
    options: (_fx, actor) => ({ title: `Created by ${actor.name} ${unique()}`, goal: "500" }),
  },
  "campaign list": { access: "everyone", options: () => ({ status: "all" }) },
  "campaign show": {
    access: "everyone",
    options: async (fx) => ({ campaign: await fx.campaign() }),
    foreign: "notFound",
  },
  "campaign edit": {
    access: "organizer",
    options: async (fx) => ({ campaign: await fx.campaign(), unit: "letters" }),
    foreign: "notFound",
  },
  "campaign close": {
    access: "organizer",
    options: async (fx) => ({ campaign: await fx.campaign(), outcome: "won" }),
    foreign: "notFound",
  },
  "campaign reopen": {
    access: "organizer",
    options: async (fx) => ({ campaign: await fx.closedCampaign() }),
    foreign: "notFound",
  },
  "campaign count": {
    access: "organizer",
    options: async (fx) => ({ campaign: await fx.campaign(), add: "5" }),
    foreign: "notFound",
  },
  "campaign export": {
    access: "organizer",
    options: async (fx) => ({ campaign: await fx.campaign() }),
    foreign: "notFound",
  },
  "campaign flyer": {
    access: "everyone",
    options: async (fx) => ({ campaign: await fx.campaign() }),
    foreign: "notFound",
  },
  "campaign card": {
    access: "everyone",
    options: async (fx) => ({ campaign: await fx.campaign() }),
    foreign: "notFound",
  },
  "campaign repost": {
    access: "organizer",
    options: async (fx) => ({ campaign: await fx.campaign() }),
    foreign: "notFound",
  },
  "campaign source set": {
    access: "organizer",
    // A documentation address: refused before anything is fetched, so no network is needed.
    options: async (fx) => ({ campaign: await fx.campaign(), url: "http://192.0.2.1/count.json" }),
    foreign: "notFound",
  },
  "campaign source show": {
    access: "organizer",
    options: async (fx) => ({ campaign: await fx.campaign() }),
    foreign: "notFound",
  },
  "campaign source check": {
    access: "organizer",
    options: async (fx) => ({ campaign: await fx.campaign() }),
    foreign: "notFound",
  },
  "campaign source remove": {
    access: "organizer",
    options: async (fx) => ({ campaign: await fx.campaign() }),
    foreign: "notFound",
  },

  "task add": {
    access: "organizer",
    options: async (fx) => ({ campaign: await fx.campaign(), title: "Leaflets at the station" }),
    foreign: "notFound",
  },
  "task import": {
    access: "organizer",
    options: async (fx) => ({ campaign: await fx.campaign(), file: "tasks.csv" }),
    csv: true,
    foreign: "notFound",
  },
  "task list": {
    access: "everyone",
    options: (fx) => ({ campaign: fx.sharedCampaignId, filter: "open" }),
    // The first server's campaign number is none of the other server's.
    foreign: "notFound",
  },
  "task claim": {
    access: "everyone",
    options: async (fx) => ({ task: await fx.task() }),
    foreign: "notFound",
  },
  "task release": {
    access: "everyone",
    options: async (fx, actor) => ({ task: await fx.claimedTask(actor.userId) }),
    foreign: "notFound",
  },
  // Options only organizers may give, on subcommands everyone may use: a row each ("<sub> (…)").
  "task release (member: someone else's claim)": {
    access: "organizer",
    options: async (fx) => ({ task: await fx.claimedTask(fx.victimId), member: fx.victimId }),
    foreign: "notFound",
  },
  "task done": {
    access: "everyone",
    options: async (fx, actor) => ({ task: await fx.claimedTask(actor.userId) }),
    foreign: "notFound",
  },
  "task assign": {
    access: "organizer",
    options: async (fx, actor) => ({ task: await fx.task(), member: actor.place.memberId }),
    foreign: "notFound",
  },
  "task assign (from: move a claim)": {
    access: "organizer",
    options: async (fx, actor) => ({
      task: await fx.claimedTask(fx.victimId),
      member: actor.place.memberId,
      from: fx.victimId,
    }),
    foreign: "notFound",
  },
  "task review": {
    access: "organizer",
    options: async (fx) => ({ task: (await fx.submitted()).taskId }),
    foreign: "notFound",
  },
  "task cancel": {
    access: "organizer",
    options: async (fx) => ({ task: await fx.task() }),
    foreign: "notFound",
  },
  "task edit": {
    access: "organizer",
    options: async (fx) => ({ task: await fx.task(), location: "Main square" }),
    foreign: "notFound",
  },

  "summary schedule": {
    access: "organizer",
    options: async (fx, actor) => ({
      channel: actor.place.channelId,
      time: "09:00",
      campaign: await fx.campaign(),
    }),
    foreign: "notFound",
  },
  "summary list": { access: "organizer", options: () => ({}) },
  "summary off": {
    access: "organizer",
    options: async (fx) => ({ schedule: await fx.schedule() }),
    foreign: "notFound",
  },
  "summary resume": {
    access: "organizer",
    options: async (fx) => ({ schedule: await fx.offSchedule() }),
    foreign: "notFound",
  },
  "summary now": {
    access: "organizer",
    options: async (fx, actor) => ({
      campaign: await fx.campaign(),
      channel: actor.place.channelId,
    }),
    foreign: "notFound",
  },
  "summary preview": {
    access: "everyone",
    options: async (fx) => ({ campaign: await fx.campaign() }),
    foreign: "notFound",
  },

  "me status": { access: "everyone", options: () => ({}) },
  "me credit": { access: "everyone", options: () => ({ mode: "public" }) },
  "me export": { access: "everyone", options: () => ({}) },
  "me forget": { access: "everyone", options: () => ({}) },
  "me reminders": { access: "everyone", options: () => ({ enabled: "true" }) },
  "me calendar": { access: "everyone", options: () => ({}) },

  "settings organizer_role": {
    access: "manager",
    // The organizer role it already is: allowed calls change nothing that later cases rely on.
    options: (_fx, actor) => ({ role: actor.place.roleId }),
  },
  "settings announce_role": { access: "organizer", options: () => ({}) },
  "settings timezone": { access: "organizer", options: () => ({ zone: "UTC" }) },
  "settings claim_expiry": { access: "organizer", options: () => ({ days: "3" }) },
  "settings review_required": { access: "organizer", options: () => ({ enabled: "false" }) },
  "settings review_channel": { access: "organizer", options: () => ({}) },
  "settings retention": { access: "organizer", options: () => ({ days: "90" }) },
  "settings audit": { access: "organizer", options: () => ({}) },
  "settings language": { access: "organizer", options: () => ({ language: "en" }) },
  "settings show": { access: "everyone", options: () => ({}) },
  "settings proof_files": { access: "organizer", options: () => ({ enabled: "true" }) },
  "settings calendar": { access: "organizer", options: () => ({ locations: "true" }) },
  // Answers with the confirmation form only: nothing is erased until the name is typed.
  "settings purge": { access: "manager", options: () => ({}) },
};

interface ButtonCase {
  access: Access;
  customId(fx: Fixtures, actor: Actor): string | Promise<string>;
  /** A string select menu: the values picked (the carrier shows a menu offering them). */
  picked?(fx: Fixtures, actor: Actor): Promise<string[]>;
  foreign?: "notFound" | "isolated";
  /** The same answer for every actor. */
  always?: Outcome;
  /** A modal submitted without the button that opens it, with these values. */
  modal?: Record<string, string>;
}

/**
 * Buttons and modals as a crafted client sends them: any custom_id, on a message it can see.
 * Keyed by "command:action", then a note.
 */
const buttonCases: Record<string, ButtonCase> = {
  // The purge's form submitted without the command; a wrong name, so an allowed one erases nothing.
  "settings:purge (the form, submitted without the command)": {
    access: "manager",
    customId: () => "settings:purge",
    modal: { name: "not this server's name" },
  },
  "task:claim": {
    access: "everyone",
    customId: async (fx) => `task:claim:${await fx.task()}`,
    foreign: "notFound",
  },
  "task:release": {
    access: "everyone",
    customId: async (fx, actor) => `task:release:${await fx.claimedTask(actor.userId)}`,
    foreign: "notFound",
  },
  "task:approve": {
    access: "organizer",
    customId: async (fx) => `task:approve:${(await fx.submitted()).claimId}`,
    foreign: "notFound",
  },
  // It only opens the form; the other server sees an empty form.
  "task:reject": {
    access: "organizer",
    customId: async (fx) => `task:reject:${(await fx.submitted()).claimId}`,
    foreign: "isolated",
  },
  "task:rejectReason (the form, submitted without the button)": {
    access: "organizer",
    customId: async (fx) => `task:rejectReason:${(await fx.submitted()).claimId}`,
    modal: { reason: "No photo of the table" },
    foreign: "notFound",
  },
  "task:page": {
    access: "everyone",
    customId: (fx) => `task:page:open:${fx.sharedCampaignId}:0`,
    foreign: "isolated",
  },
  // The overdue list's release menu (forged as a press: no values, the access refuses first).
  "task:releaseOverdue": {
    access: "organizer",
    customId: (fx) => `task:releaseOverdue:${fx.sharedCampaignId}:0`,
    picked: async (fx) => [await fx.overdueClaim()],
    foreign: "isolated",
  },
  "task:browse": {
    access: "everyone",
    customId: (fx) => `task:browse:${fx.sharedCampaignId}`,
    foreign: "isolated",
  },
  // /task cancel's two answers for a repeating task, on the organizer's own reply.
  "task:cancelOne": {
    access: "organizer",
    customId: async (fx) => `task:cancelOne:${await fx.repeatingTask()}`,
    foreign: "notFound",
  },
  "task:stopSeries": {
    access: "organizer",
    customId: async (fx) => `task:stopSeries:${await fx.repeatingTask()}`,
    foreign: "notFound",
  },
  "campaign:flyer": {
    access: "everyone",
    customId: async (fx) => `campaign:flyer:${await fx.campaign()}`,
    foreign: "notFound",
  },
  "campaign:sourceAccept": {
    access: "organizer",
    customId: async (fx) => `campaign:sourceAccept:${await fx.campaign()}:40`,
    foreign: "notFound",
  },
  "campaign:sourceIgnore": {
    access: "organizer",
    customId: async (fx) => `campaign:sourceIgnore:${await fx.campaign()}:40`,
    foreign: "notFound",
  },
  "me:forget (someone else's id)": {
    access: "everyone",
    customId: (fx) => `me:forget:${fx.victimId}`,
    always: "forgetOther",
  },
  // Last: it erases the presser's own data.
  "me:forget (own id)": {
    access: "everyone",
    customId: (_fx, actor) => `me:forget:${actor.userId}`,
  },
};

let counter = 0;
function unique(): number {
  counter += 1;
  return counter;
}

function expectedOutcome(
  spec: { access: Access; foreign?: "notFound" | "isolated"; always?: Outcome },
  actor: Actor,
): Outcome {
  if (spec.always) return spec.always;
  if (actor.foreign) return spec.foreign ?? "allowed";
  const rank: Record<Level, number> = { everyone: 0, organizer: 1, manager: 2 };
  if (rank[actor.level] >= rank[spec.access]) return "allowed";
  return spec.access === "manager" ? "managerOnly" : "organizerOnly";
}

/**
 * Every row of every table, in rowid order, read through a second, read-only connection to the
 * bot's database file (it sees what the bot committed; far quicker than a query per table
 * through Prisma).
 */
async function databaseReader(bot: TestBot) {
  if (databaseKind === "postgresql") return postgresReader(bot);
  const [main] = await bot.rally.db.$queryRawUnsafe<{ file: string }[]>(
    "SELECT file FROM pragma_database_list WHERE name = 'main'",
  );
  const sqlite = new Database(main?.file ?? "", { readonly: true, fileMustExist: true });
  sqlite.defaultSafeIntegers(true);
  const tables = sqlite
    .prepare<[], { name: string }>(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .all()
    .map(({ name }) => ({ name, rows: sqlite.prepare(`SELECT * FROM "${name}" ORDER BY rowid`) }));
  return {
    async dump(): Promise<Map<string, string>> {
      return new Map(
        tables.map(({ name, rows }) => [
          name,
          JSON.stringify(rows.raw().all(), (_key, value: unknown) =>
            typeof value === "bigint" ? value.toString() : value,
          ),
        ]),
      );
    },
    close(): void {
      sqlite.close();
    },
  };
}

/** The same dump on PostgreSQL, through the bot's own client (it sees what was committed). */
function postgresReader(bot: TestBot) {
  return {
    async dump(): Promise<Map<string, string>> {
      const tables = await dumpTables(bot.rally.db);
      return new Map(Object.entries(tables).map(([name, rows]) => [name, JSON.stringify(rows)]));
    },
    close(): void {},
  };
}

function changedTables(before: Map<string, string>, after: Map<string, string>): string[] {
  const names = new Set([...before.keys(), ...after.keys()]);
  return [...names].filter((name) => before.get(name) !== after.get(name));
}

interface Answer {
  text: string;
  ephemeral: boolean;
  /** Everything the member was shown, files included, to look for leaks. */
  shown: string;
}

function shownIn(messages: (StoredMessage | undefined)[]): string {
  return messages
    .flatMap((message) =>
      message
        ? [
            JSON.stringify([message.content, message.embeds, message.components]),
            ...message.attachments.map((file) => file.data.toString("utf8")),
          ]
        : [],
    )
    .join("\n");
}

/**
 * Waits until the dispatcher logged the interaction as handled, so its writes and posts are done.
 * Polled every millisecond: the local Discord's waitFor polls every 10, which adds up here.
 */
async function handled(bot: TestBot, before: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (interactionLogs(bot) <= before) {
    if (Date.now() > deadline) throw new Error("the dispatcher did not finish the interaction");
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

function interactionLogs(bot: TestBot): number {
  return bot.logs.filter((line) => line["msg"] === "interaction").length;
}

async function answerOf(bot: TestBot, handle: InteractionHandle, carrierId?: string) {
  const response = await handle.response();
  if (response.type === 9) {
    // A form: nothing said, only the form shown.
    return { text: "", ephemeral: true, shown: JSON.stringify(handle.modal) };
  }
  const message = response.type === 7 ? bot.discord.message(carrierId ?? "") : await handle.final();
  const followups = handle.followups;
  const main = response.type === 7 ? (followups[0] ?? message) : message;
  return {
    text: main?.content ?? "",
    ephemeral: ((main?.flags ?? 0) & ephemeral) === ephemeral,
    shown: shownIn([message, ...followups]),
  };
}

it("refuses every subcommand and forged button to whoever may not use it, and changes nothing", async () => {
  // A public address, so that the calendar feeds' allowed calls make a feed.
  const bot = await startTestBot({ publicUrl: "https://rally.example.org" });
  const { discord } = bot;
  const db = bot.rally.db;
  const problems: string[] = [];

  // The first server: the sandbox's organizer (owner), volunteers and channels, plus one member
  // of each kind.
  const [general, campaigns] = bot.world.channels;
  const managers = bot.world.roles[0];
  if (!general || !campaigns || !managers) throw new Error("the sandbox changed");
  const member = (guildId: string, username: string, roles: string[] = []) => {
    const user = discord.createUser({ username });
    discord.addMember(guildId, user.id, { roles });
    return user.id;
  };
  const team = discord.createRole(bot.guildId, { name: "Campaign team", permissions: 0n });
  const moderators = discord.createRole(bot.guildId, {
    name: "Moderators",
    permissions:
      PermissionFlagsBits.ManageMessages |
      PermissionFlagsBits.KickMembers |
      PermissionFlagsBits.BanMembers |
      PermissionFlagsBits.ModerateMembers |
      PermissionFlagsBits.ManageNicknames |
      PermissionFlagsBits.MentionEveryone,
  });
  const first: Place = {
    guildId: bot.guildId,
    channelId: general.id,
    roleId: team.id,
    memberId: bot.volunteerIds[1],
  };
  const organizerByRole = member(bot.guildId, "team-member", [team.id]);
  const manager = member(bot.guildId, "server-manager", [managers.id]);
  const moderator = member(bot.guildId, "moderator", [moderators.id]);
  const victimId = member(bot.guildId, "victim");

  const beforeSetRole = interactionLogs(bot);
  const setRole = await bot.run(bot.organizerId, `/settings organizer_role role:<@&${team.id}>`);
  await handled(bot, beforeSetRole);
  expect(setRole.content).toBe(t("settings.organizerRoleSet", { role: `<@&${team.id}>` }));

  // The other server: its owner (Manage Server there, nothing in the first server).
  const otherOwner = discord.createUser({ username: "other-owner" });
  const other = discord.createGuild({ name: "Other server", ownerId: otherOwner.id });
  const otherGeneral = discord.createChannel(other.id, { name: "general" });
  const otherRole = discord.createRole(other.id, { name: "Other team", permissions: 0n });
  const second: Place = {
    guildId: other.id,
    channelId: otherGeneral.id,
    roleId: otherRole.id,
    memberId: member(other.id, "other-volunteer"),
  };
  // Registered there as an operator would (globally), after the bot saw the server.
  await discord.waitFor(
    () => (bot.rally.client.channels.cache.has(otherGeneral.id) ? true : undefined),
    5000,
    "the bot to see the other server",
  );
  await deployCommands({ token: "deploy-token", apiUrl: discord.apiUrl });

  const actor = (name: string, userId: string, place: Place, level: Level): Actor => ({
    name,
    userId,
    place,
    level,
    foreign: place === second,
  });
  const actors: Actor[] = [
    actor("organizer by role", organizerByRole, first, "organizer"),
    actor("Manage Server member", manager, first, "manager"),
    actor("plain member", bot.volunteerIds[0], first, "everyone"),
    // Allowed to use every command by the server's integration settings; Discord sends the
    // interaction with the member's own permissions, so to Rally this is a plain member.
    actor("member let in by a command override", moderator, first, "everyone"),
    actor("owner of another server", otherOwner.id, second, "manager"),
  ];

  // Fixtures of the first server, straight in the database.
  const now = () => new Date();
  const newCampaign = async () => {
    const campaign = await createCampaign(db, bot.guildId, bot.organizerId, {
      title: `${secret} campaign ${unique()}`,
      goal: 1000,
      unit: "signatures",
      description: `${secret} description`,
      link: null,
      callToAction: null,
      channelId: campaigns.id,
      endsAt: null,
      autoRaise: true,
    });
    return campaign.id;
  };
  const sharedCampaignId = await newCampaign();
  const newTask = async (repeat: Repeat | null = null) => {
    const task = await addTask(
      db,
      bot.guildId,
      bot.organizerId,
      sharedCampaignId,
      {
        title: `${secret} task ${unique()}`,
        kind: "campus",
        location: null,
        slots: 5,
        dueAt: repeat ? new Date(Date.now() + 7 * 24 * 60 * 60 * 1000) : null,
        instructions: null,
      },
      repeat,
    );
    return task.id;
  };
  const newSchedule = async () =>
    (
      await createSchedule(
        db,
        bot.guildId,
        bot.organizerId,
        {
          channelId: campaigns.id,
          time: "09:00",
          timeZone: "UTC",
          days: "daily",
          campaignId: null,
        },
        now(),
      )
    ).id;
  const fx: Fixtures = {
    victimId,
    sharedCampaignId: String(sharedCampaignId),
    campaign: async () => String(await newCampaign()),
    closedCampaign: async () => {
      const id = await newCampaign();
      await closeCampaign(db, bot.guildId, bot.organizerId, id, "ended", now());
      return String(id);
    },
    task: async () => String(await newTask()),
    repeatingTask: async () => String(await newTask({ period: "weekly", until: null })),
    claimedTask: async (userId) => {
      const id = await newTask();
      await claimTask(db, bot.guildId, userId, id, now(), 3);
      return String(id);
    },
    submitted: async () => {
      const id = await newTask();
      await claimTask(db, bot.guildId, victimId, id, now(), 3);
      const { claim } = await finishTask(
        db,
        bot.guildId,
        victimId,
        id,
        { proofLink: null, note: `${secret} note` },
        now(),
        true,
      );
      return { taskId: String(id), claimId: String(claim.id) };
    },
    overdueClaim: async () => {
      const task = await addTask(db, bot.guildId, bot.organizerId, sharedCampaignId, {
        title: `${secret} overdue task ${unique()}`,
        kind: "campus",
        location: null,
        slots: 5,
        dueAt: new Date(Date.now() - 60 * 60 * 1000),
        instructions: null,
      });
      const { claim } = await claimTask(db, bot.guildId, victimId, task.id, now(), 3);
      return String(claim.id);
    },
    schedule: async () => String(await newSchedule()),
    offSchedule: async () => {
      const id = await newSchedule();
      await turnOff(db, bot.guildId, bot.organizerId, id);
      return String(id);
    },
  };
  // The victim has something to lose: a claim and a preference.
  await setCredit(db, bot.guildId, victimId, true);
  await fx.claimedTask(victimId);

  const reader = await databaseReader(bot);
  onTestFinished(() => reader.close());

  /**
   * A `campaign` or `task` option is typed as this server's number. The fixtures' rows get
   * numbers the other server never reaches, so its owner typing them finds nothing there.
   */
  async function typedNumbers(options: Options): Promise<Options> {
    const typed = { ...options };
    const shift = (id: string) => ({
      where: { id: Number(id) },
      data: { number: Number(id) + 1e6 },
    });
    if (typed.campaign)
      typed.campaign = String((await db.campaign.update(shift(typed.campaign))).number);
    if (typed.task) typed.task = String((await db.outreachTask.update(shift(typed.task))).number);
    return typed;
  }

  /** Runs one interaction and checks its answer, the database and what it showed. */
  async function check(
    label: string,
    actor: Actor,
    outcome: Outcome,
    act: () => Promise<Answer>,
  ): Promise<void> {
    const where = `${label} by ${actor.name}: expected ${outcome}`;
    const before = outcome === "allowed" ? null : await reader.dump();
    const logged = interactionLogs(bot);
    let answer: Answer;
    try {
      answer = await act();
      await handled(bot, logged);
    } catch (error) {
      problems.push(`${where}, but no answer: ${String(error)}`);
      return;
    }
    const got = JSON.stringify(answer.text);
    if (answer.text.startsWith(internalError)) problems.push(`${where}, got an internal error`);
    switch (outcome) {
      case "allowed":
      case "isolated":
        if (notActed.includes(answer.text)) problems.push(`${where}, got ${got}`);
        break;
      case "notFound":
        if (!notFoundTexts.includes(answer.text)) problems.push(`${where}, got ${got}`);
        break;
      default:
        if (answer.text !== refusalText[outcome]) problems.push(`${where}, got ${got}`);
    }
    if (outcome !== "allowed" && outcome !== "isolated" && !answer.ephemeral) {
      problems.push(`${where}: the refusal is not ephemeral`);
    }
    if (before) {
      const changed = changedTables(before, await reader.dump());
      if (changed.length > 0)
        problems.push(`${where}: the database changed (${changed.join(", ")})`);
    }
    if (actor.foreign && answer.shown.includes(secret)) {
      problems.push(`${where}: the other server was shown the first server's data`);
    }
  }

  // Every registered subcommand: the bot registered exactly the command list, and each
  // subcommand it registered has a case here and a handler.
  const registered = discord.commands(bot.guildId);
  expect(registered.map((command) => command.name)).toEqual(commands.map((c) => c.data.name));
  const seen = new Set<string>();
  for (const definition of registered) {
    const command = commands.find((candidate) => candidate.data.name === definition.name);
    const paths = (definition.options ?? []).flatMap((option): { group?: string; sub: string }[] =>
      option.type === 2
        ? (option.options ?? []).map((sub) => ({ group: option.name, sub: sub.name }))
        : option.type === 1
          ? [{ sub: option.name }]
          : [],
    );
    for (const { group, sub } of paths) {
      const key = [definition.name, group, sub].filter(Boolean).join(" ");
      const path = key.slice(definition.name.length + 1);
      seen.add(key);
      const spec = cases[key];
      if (!spec) {
        problems.push(`/${key} is registered but has no case in permissions.test.ts: add one`);
        continue;
      }
      const declared = command?.subcommands[path]?.access;
      if (declared === undefined) problems.push(`/${key} is registered but has no handler`);
      else if (declared !== spec.access) {
        problems.push(`/${key} declares access "${declared}", the spec says "${spec.access}"`);
      }
      const rows = [key, ...Object.keys(cases).filter((name) => name.startsWith(`${key} (`))];
      for (const row of rows) {
        seen.add(row);
        const rowSpec = cases[row] ?? spec;
        for (const actor of actors) {
          const options = await typedNumbers(await rowSpec.options(fx, actor));
          await check(`/${row}`, actor, expectedOutcome(rowSpec, actor), async () => {
            const handle = discord.slash({
              guildId: actor.place.guildId,
              channelId: actor.place.channelId,
              userId: actor.userId,
              command: definition.name,
              ...(group === undefined ? {} : { subcommandGroup: group }),
              subcommand: sub,
              options,
              ...(rowSpec.csv
                ? {
                    attachments: {
                      file: {
                        filename: "tasks.csv",
                        contentType: "text/csv",
                        data: Buffer.from(
                          "title,kind,location,slots,due,instructions\nFlyers,campus,,2,,\n",
                        ),
                      },
                    },
                  }
                : {}),
            });
            return answerOf(bot, handle);
          });
        }
      }
    }
  }
  for (const key of Object.keys(cases)) {
    if (!seen.has(key)) problems.push(`the case "${key}" names no registered subcommand`);
  }

  // Forged buttons: the custom_id on a message of the presser's own (their /rally about reply).
  for (const [label, spec] of Object.entries(buttonCases)) {
    const [commandName = "", action = ""] = label.split(" ")[0]?.split(":") ?? [];
    const declared = commands.find((c) => c.data.name === commandName)?.components?.[action];
    if (!declared) problems.push(`the button ${label} has no handler`);
    else if (declared.access !== spec.access) {
      problems.push(
        `${label} declares access "${declared.access}", the spec says "${spec.access}"`,
      );
    }
    for (const actor of actors) {
      const customId = await spec.customId(fx, actor);
      const where = { guildId: actor.place.guildId, channelId: actor.place.channelId };
      const outcome = expectedOutcome(spec, actor);
      const values = spec.modal;
      if (values) {
        const fields = Object.keys(values).map((id) => ({
          type: 1,
          components: [{ type: 4, custom_id: id, style: 2, label: id, required: true }],
        }));
        await check(`modal ${customId} (${label})`, actor, outcome, () =>
          answerOf(
            bot,
            discord.submitModal({
              ...where,
              userId: actor.userId,
              modal: { customId, components: fields },
              values,
            }),
          ),
        );
        continue;
      }
      const logged = interactionLogs(bot);
      const carrier = await discord
        .slash({ ...where, userId: actor.userId, command: "rally", subcommand: "about" })
        .final();
      await handled(bot, logged);
      const picked = await spec.picked?.(fx, actor);
      if (picked) {
        const options = picked.map((value) => ({ label: value, value }));
        carrier.components = [
          { type: 1, components: [{ type: 3, custom_id: customId, options, max_values: 25 }] },
        ];
        await check(`menu ${customId} (${label})`, actor, outcome, () =>
          answerOf(
            bot,
            discord.chooseOptions({
              messageId: carrier.id,
              userId: actor.userId,
              customId,
              values: picked,
            }),
            carrier.id,
          ),
        );
        continue;
      }
      carrier.components = [
        { type: 1, components: [{ type: 2, style: 1, label: "Forged", custom_id: customId }] },
      ];
      await check(`button ${customId} (${label})`, actor, outcome, () =>
        answerOf(
          bot,
          discord.clickButton({ messageId: carrier.id, userId: actor.userId, customId }),
          carrier.id,
        ),
      );
    }
  }

  // Nothing the other server can read shows the first server's data, and Discord refused nothing.
  const leaked = discord
    .channels(other.id)
    .filter((channel) => shownIn(discord.messages(channel.id)).includes(secret));
  if (leaked.length > 0) problems.push("the other server's channels show the first server's data");
  const refused = discord
    .rejected()
    .map((request) => `${request.method} ${request.path} ${request.status}`);
  if (refused.length > 0) problems.push(`Discord refused requests: ${refused.join("; ")}`);

  expect(problems).toEqual([]);
}, 60_000);
