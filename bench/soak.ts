/**
 * The soak: the real Rally, logged in to the local Discord, answers thousands of mixed
 * interactions from the members of several servers (campaigns, counts, tasks, Claim / Release /
 * Done, lists, /me status, summaries) while Discord answers some requests with 429s, 5xx and
 * delays. A model keeps what the replies told each member; at the end the database must equal
 * it, every interaction must have had exactly one answer, and the heap must stay flat.
 *
 *   npm run soak                                   # 20,000 interactions
 *   npm run soak -- --interactions 5000 --seconds 60 --seed 3 --servers 4
 *
 * test/e2e/soak.test.ts runs a short one in CI. Speed figures are printed, never asserted.
 */
import { mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { commands } from "../commands/index.ts";
import { startRally, type Rally } from "../src/app.ts";
import type { Database as Db } from "../src/db/store.ts";
import { commandPayloads } from "../src/discord/deployCommands.ts";
import {
  startLocalDiscord,
  type Fault,
  type InteractionHandle,
  type LocalDiscord,
  type StoredMessage,
} from "../src/local-discord/localDiscord.ts";
import { formatNumber } from "../src/discord/render/campaignCard.ts";
import { permissionBits } from "../src/domain/permissions.ts";
import { translator } from "../src/i18n/index.ts";
import { createLogger } from "../src/log.ts";
import { prng } from "./prng.ts";

export interface SoakOptions {
  /** A fresh database: file: (SQLite) or postgresql://. */
  databaseUrl: string;
  /** Stops at the first round boundary past this many interactions. */
  interactions: number;
  /** Also stops at the first round boundary past this many seconds (the local run only). */
  seconds?: number;
  seed?: number;
  /** Servers, each driven by its own sequence of interactions, all at the same time. */
  servers?: number;
  volunteersPerServer?: number;
  /**
   * Discord's 3 s for the first answer. A CI machine shared with other jobs may starve the bot
   * of CPU for that long, which is not what a soak checks, so CI gives it more.
   */
  interactionDeadlineMs?: number;
  /** One Discord fault is armed every this many interactions. */
  faultEvery?: number;
  /** The heap is measured (after a full GC) about every this many interactions. */
  sampleEvery?: number;
  onSample?: (sample: MemorySample) => void;
}

export interface MemorySample {
  interactions: number;
  seconds: number;
  rssMiB: number;
  heapUsedMiB: number;
}

/** What the replies implied, and what the database holds, in the same shape. */
export interface Snapshot {
  campaigns: Record<string, { count: number; countChanges: number }>;
  tasks: Record<string, { claimedSlots: number; doneCount: number; status: string }>;
  volunteers: Record<string, { open: number[]; done: number; released: number }>;
}

export interface SoakReport {
  interactions: number;
  seconds: number;
  /** "claim ok", "claim full", "count refused"…: how often each outcome was answered. */
  outcomes: Record<string, number>;
  /** Every reply that differed from what the model expected, and every broken rule. */
  problems: string[];
  model: Snapshot;
  database: Snapshot;
  roundTripMs: { p50: number; p99: number; max: number };
  /** The bot's own time per interaction, from its log line. */
  handlingMs: { p50: number; p99: number };
  faults: { armed: number; answeredByFault: number };
  /** Interactions with no answer in time: what they did is unknown to the model. */
  unanswered: number;
  memory: MemorySample[];
  /** Least squares over the samples after the first quarter, in KiB per 1,000 interactions. */
  heapSlopeKiBPerThousand: number;
  /** Heap at the end minus heap at the first sample of the second quarter. */
  heapGrowthAfterWarmUpMiB: number;
  bot: { interactionLogLines: number; errorLines: string[]; warnLines: number };
  /**
   * discord.js keeps one REST queue per interaction token that sent a follow-up or an edit, and
   * sweeps idle ones every hour: this many were held at the end.
   */
  restQueues: number;
}

const t = translator("en");
const mib = 1024 * 1024;
const answerTimeoutMs = 30_000;
const stepsPerRound = 25;
const maxOpenTasksPerServer = 8;
const maxCampaignsPerServer = 3;

/** A fixed cycle of what Discord does wrong: rate limits, server errors, slowness. */
const faultCycle: Fault[] = [
  { path: "/callback", status: 500 },
  { method: "POST", path: "/webhooks/", status: 429, retryAfter: 0.05 },
  { path: "/callback", delayMs: 250 },
  { method: "POST", path: /^\/channels\/\d+\/messages$/, status: 503 },
  { path: "/callback", status: 429, retryAfter: 0.05 },
  { method: "POST", path: "/webhooks/", status: 500 },
  { method: "PATCH", path: /^\/channels\/\d+\/messages\/\d+$/, status: 429, retryAfter: 0.05 },
  { method: "POST", path: "/webhooks/", delayMs: 200 },
];

interface CampaignModel {
  id: number;
  title: string;
  count: number;
  countChanges: number;
}

interface TaskModel {
  id: number;
  title: string;
  slots: number;
  claimed: number;
  done: number;
  status: "open" | "done";
  cardId: string;
}

interface VolunteerModel {
  id: string;
  name: string;
  open: Set<number>;
  done: number;
  released: number;
}

interface Server {
  index: number;
  label: string;
  guildId: string;
  organizerId: string;
  generalId: string;
  campaignsId: string;
  volunteers: VolunteerModel[];
  campaigns: CampaignModel[];
  tasks: Map<number, TaskModel>;
  random: () => number;
  titles: number;
}

interface Answer {
  type: number;
  text: string;
  message: StoredMessage | undefined;
  handle: InteractionHandle;
}

function seedServers(
  discord: LocalDiscord,
  count: number,
  volunteers: number,
  seed: number,
): Server[] {
  return Array.from({ length: count }, (_, index) => {
    const label = `s${index + 1}`;
    const owner = discord.createUser({ username: `${label}-owner` });
    const guild = discord.createGuild({ name: `Soak server ${index + 1}`, ownerId: owner.id });
    const organizers = discord.createRole(guild.id, {
      name: "Organizers",
      permissions: permissionBits.manageGuild,
    });
    const organizer = discord.createUser({ username: `${label}-organizer` });
    discord.addMember(guild.id, organizer.id, { roles: [organizers.id] });
    const members = Array.from({ length: volunteers }, (_, number) => {
      const name = `volunteer${number + 1}`;
      const user = discord.createUser({ username: `${label}-${name}` });
      discord.addMember(guild.id, user.id);
      return { id: user.id, name, open: new Set<number>(), done: 0, released: 0 };
    });
    return {
      index,
      label,
      guildId: guild.id,
      organizerId: organizer.id,
      generalId: discord.createChannel(guild.id, { name: "general" }).id,
      campaignsId: discord.createChannel(guild.id, { name: "campaigns" }).id,
      volunteers: members,
      campaigns: [],
      tasks: new Map(),
      random: prng(seed * 7919 + index),
      titles: 0,
    };
  });
}

/** A full GC before each measurement, so the samples show what is retained, not garbage. */
function garbageCollector(): () => void {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed) return exposed;
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
}

function percentile(sorted: number[], fraction: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? 0;
}

function signed(value: number): string {
  return `${value > 0 ? "+" : value < 0 ? "−" : "±"}${formatNumber(Math.abs(value), "en")}`;
}

/** Whether `text` is the message `template` with each `\u0000` standing for any text. */
function matches(text: string, template: string): boolean {
  const pattern = template
    .split("\u0000")
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
    .join(".+?");
  return new RegExp(`^${pattern}$`, "s").test(text);
}

function heapSlope(samples: MemorySample[]): number {
  const points = samples.map((sample) => [sample.interactions / 1000, sample.heapUsedMiB * 1024]);
  if (points.length < 2) return 0;
  const meanX = points.reduce((sum, [x = 0]) => sum + x, 0) / points.length;
  const meanY = points.reduce((sum, [, y = 0]) => sum + y, 0) / points.length;
  let covariance = 0;
  let variance = 0;
  for (const [x = 0, y = 0] of points) {
    covariance += (x - meanX) * (y - meanY);
    variance += (x - meanX) ** 2;
  }
  return variance === 0 ? 0 : covariance / variance;
}

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const seed = options.seed ?? 1;
  const faultEvery = options.faultEvery ?? 15;
  const sampleEvery = options.sampleEvery ?? 250;
  const collectGarbage = garbageCollector();
  const problems: string[] = [];
  const outcomes: Record<string, number> = {};
  const roundTrips: number[] = [];
  const handlingMs: number[] = [];
  const memory: MemorySample[] = [];
  const bot = { interactionLogLines: 0, errorLines: [] as string[], warnLines: 0 };
  let interactions = 0;
  let armed = 0;
  let unanswered = 0;
  let answeredByFault = 0;
  let roundHandles: { handle: InteractionHandle; followups: number }[] = [];

  const problem = (text: string) => {
    if (problems.length < 200) problems.push(text);
  };
  const count = (outcome: string) => {
    outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
  };

  const discord = await startLocalDiscord({
    interactionDeadlineMs: options.interactionDeadlineMs ?? 3000,
  });
  const servers = seedServers(
    discord,
    options.servers ?? 4,
    options.volunteersPerServer ?? 6,
    seed,
  );
  // Only counts and errors are kept: a log held in memory would grow with the run.
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split("\n")) {
        if (line.includes('"msg":"interaction"')) {
          bot.interactionLogLines += 1;
          handlingMs.push(Number(/"ms":([\d.]+)/.exec(line)?.[1] ?? NaN));
        }
        if (line.includes('"level":40')) bot.warnLines += 1;
        if (/"level":(50|60)/.test(line) && bot.errorLines.length < 20) bot.errorLines.push(line);
      }
      done();
    },
  });
  let rally: Rally | undefined;
  try {
    rally = await startRally({
      config: {
        DATABASE_URL: options.databaseUrl,
        DISCORD_API_URL: discord.apiUrl,
        LOG_LEVEL: "info",
      },
      token: "soak-token-for-the-local-discord",
      log: createLogger("info", sink),
      // No due jobs run: claims must not expire behind the model's back.
      schedulerCron: "0 0 1 1 *",
    });
    const running = rally;
    const application = rally.client.application;
    if (!application) throw new Error("the client has no application after ready");
    for (const server of servers) {
      await application.commands.set(commandPayloads(commands), server.guildId);
    }

    /** Counts the interaction and, at the fixed rate, arms the next fault of the cycle. */
    const dispatching = () => {
      interactions += 1;
      if (interactions % faultEvery === 0) {
        const fault = faultCycle[armed % faultCycle.length];
        if (fault) discord.injectFault(fault);
        armed += 1;
      }
      return performance.now();
    };

    /** What the member reads: the reply, or the private follow-up after an update in place. */
    const answerOf = async (
      handle: InteractionHandle,
      started: number,
      what: string,
    ): Promise<Answer> => {
      let response: { type: number };
      let message: StoredMessage | undefined;
      try {
        response = await handle.response(answerTimeoutMs);
        if (response.type === 7 || response.type === 6) {
          message = await discord.waitFor(
            () => handle.followups[0],
            answerTimeoutMs,
            "a follow-up",
          );
        } else if (response.type !== 9) {
          message = await handle.final(answerTimeoutMs);
        }
      } catch (error) {
        throw new Error(`${what}: ${error instanceof Error ? error.message : String(error)}`);
      }
      roundTrips.push(performance.now() - started);
      roundHandles.push({ handle, followups: response.type === 7 || response.type === 6 ? 1 : 0 });
      return { type: response.type, text: message?.content ?? "", message, handle };
    };

    const slash = (server: Server, userId: string, line: string, channelId = server.generalId) => {
      const parsed = discord.parseCommandLine(line, server.guildId);
      const started = dispatching();
      const handle = discord.slash({ guildId: server.guildId, channelId, userId, ...parsed });
      return answerOf(handle, started, `${server.label} ${line}`);
    };

    const press = (messageId: string, userId: string, label: string) => {
      const started = dispatching();
      const handle = discord.clickButton({ messageId, userId, label });
      return answerOf(handle, started, `${label} on message ${messageId}`);
    };

    const submit = (opened: InteractionHandle, userId: string, values: Record<string, string>) => {
      const started = dispatching();
      const handle = discord.submitModal({ handle: opened, userId, values });
      return answerOf(handle, started, "the Done form");
    };

    const check = (where: string, actual: string, expected: string, ok = actual === expected) => {
      if (!ok)
        problem(`${where}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
    };

    // The steps. Each one predicts the answer from the model, checks it, and then updates the
    // model from what the reply said, so the database must end up matching the replies.

    async function createCampaign(server: Server) {
      const duplicate =
        server.campaigns.length >= maxCampaignsPerServer ||
        (server.campaigns.length > 0 && server.random() < 0.1);
      const existing = server.campaigns[Math.floor(server.random() * server.campaigns.length)];
      const title = duplicate && existing ? existing.title : `Petition ${(server.titles += 1)}`;
      const answer = await slash(
        server,
        server.organizerId,
        `/campaign create title:"${title}" goal:${500 + Math.floor(server.random() * 4) * 250} call_to_action:"Text SIGN 50409" channel:<#${server.campaignsId}>`,
      );
      const where = `${server.label} /campaign create "${title}"`;
      const [createdLine, cardLine = ""] = answer.text.split("\n");
      if (createdLine === t("campaign.created", { channel: `<#${server.campaignsId}>` })) {
        count("campaign create ok");
        if (duplicate) problem(`${where}: created although the title was taken`);
        // The card is the campaign's live card, posted in its channel; the reply links to it.
        const cardId = /\/(\d+) \(pinned\)$/.exec(cardLine)?.[1] ?? "";
        const footer = discord.message(cardId)?.embeds[0]?.footer?.text ?? "";
        const id = Number(/^Campaign #(\d+) /.exec(footer)?.[1]);
        if (!id) problem(`${where}: no campaign id on the card (${footer})`);
        server.campaigns.push({ id, title, count: 0, countChanges: 0 });
      } else {
        count("campaign create refused");
        check(where, answer.text, t("campaign.duplicateTitle", { title }));
      }
    }

    async function changeCount(server: Server) {
      const campaign = server.campaigns[Math.floor(server.random() * server.campaigns.length)];
      if (!campaign) return createCampaign(server);
      const set = server.random() < 0.3;
      const value = set
        ? Math.floor(server.random() * 3000)
        : Math.floor(server.random() * 500) - 200;
      const answer = await slash(
        server,
        server.organizerId,
        `/campaign count campaign:${campaign.id} ${set ? "set" : "add"}:${value}`,
      );
      const where = `${server.label} /campaign count #${campaign.id} ${set ? "set" : "add"}:${value}`;
      const after = set ? value : campaign.count + value;
      const expected =
        after < 0
          ? t("campaign.countNegative", { count: campaign.count, value })
          : set
            ? t("campaign.countSet", {
                count: formatNumber(after, "en"),
                delta: signed(after - campaign.count),
              })
            : t("campaign.countAdded", {
                value: signed(value),
                count: formatNumber(after, "en"),
                delta: signed(value),
              });
      const firstLine = answer.text.split("\n")[0] ?? "";
      check(where, firstLine, expected);
      const saved = /^(?:Count set to|Added .*: the count is now) \*\*([\d,]+)\*\*/.exec(firstLine);
      if (saved?.[1]) {
        count("count ok");
        campaign.count = Number(saved[1].replaceAll(",", ""));
        campaign.countChanges += 1;
      } else count("count refused");
    }

    async function addTask(server: Server) {
      const campaign = server.campaigns[Math.floor(server.random() * server.campaigns.length)];
      if (!campaign) return createCampaign(server);
      const title = `Leaflets ${(server.titles += 1)}`;
      const slots = 1 + Math.floor(server.random() * 3);
      const kind = server.random() < 0.5 ? "online" : "other";
      const answer = await slash(
        server,
        server.organizerId,
        `/task add campaign:${campaign.id} title:"${title}" kind:${kind} slots:${slots}`,
      );
      const where = `${server.label} /task add "${title}"`;
      check(where, answer.text, t("task.added", { channel: `<#${server.campaignsId}>` }));
      const card = discord
        .messages(server.campaignsId)
        .findLast((message) => message.embeds[0]?.title === title);
      const id = Number(/^Task #(\d+) /.exec(card?.embeds[0]?.footer?.text ?? "")?.[1]);
      if (!card || !id) {
        count("task add refused");
        problem(`${where}: no card in #campaigns`);
        return;
      }
      count("task add ok");
      server.tasks.set(id, {
        id,
        title,
        slots,
        claimed: 0,
        done: 0,
        status: "open",
        cardId: card.id,
      });
    }

    function pick<T>(server: Server, items: readonly T[]): T | undefined {
      return items[Math.floor(server.random() * items.length)];
    }

    const openTasks = (server: Server) =>
      [...server.tasks.values()].filter((task) => task.status === "open");

    /** Mostly a task the member can act on, sometimes any task: refusals are part of the mix. */
    function taskFor(server: Server, volunteer: VolunteerModel, held: boolean) {
      const own = [...volunteer.open].flatMap((id) => server.tasks.get(id) ?? []);
      if (held && own.length > 0 && server.random() < 0.75) return pick(server, own);
      const open = openTasks(server);
      if (open.length > 0 && server.random() < 0.9) return pick(server, open);
      return pick(server, [...server.tasks.values()]);
    }

    async function claim(server: Server, bySlash: boolean) {
      const volunteer = pick(server, server.volunteers);
      const task = volunteer && taskFor(server, volunteer, false);
      if (!volunteer || !task) return addTask(server);
      const full = task.claimed >= task.slots;
      // A full or finished card shows Claim disabled: the member types /task claim instead.
      const viaSlash = bySlash || full || task.status === "done";
      const answer = viaSlash
        ? await slash(server, volunteer.id, `/task claim task:${task.id}`)
        : await press(task.cardId, volunteer.id, "Claim");
      const where = `${server.label} ${viaSlash ? "/task claim" : "Claim"} #${task.id} by ${volunteer.name}`;
      const success = matches(
        answer.text,
        t("task.claimed", { title: task.title, expires: "\u0000" }),
      );
      const expected =
        task.status === "done"
          ? t("task.alreadyDone", { title: task.title })
          : volunteer.open.has(task.id)
            ? t("task.alreadyClaimed")
            : full
              ? t("task.full", { title: task.title, count: task.slots })
              : undefined;
      if (expected === undefined) check(where, answer.text, "You claimed …", success);
      else check(where, answer.text, expected);
      if (!success) {
        count("claim refused");
        return;
      }
      count("claim ok");
      task.claimed += 1;
      volunteer.open.add(task.id);
    }

    async function release(server: Server) {
      const volunteer = pick(server, server.volunteers);
      const task = volunteer && taskFor(server, volunteer, true);
      if (!volunteer || !task) return addTask(server);
      const viaSlash = task.status === "done" || server.random() < 0.5;
      const answer = viaSlash
        ? await slash(server, volunteer.id, `/task release task:${task.id}`)
        : await press(task.cardId, volunteer.id, "Release");
      const where = `${server.label} ${viaSlash ? "/task release" : "Release"} #${task.id} by ${volunteer.name}`;
      const released = t("task.released", { title: task.title });
      check(where, answer.text, volunteer.open.has(task.id) ? released : t("task.notHolding"));
      if (answer.text !== released) {
        count("release refused");
        return;
      }
      count("release ok");
      task.claimed -= 1;
      volunteer.open.delete(task.id);
      volunteer.released += 1;
    }

    async function finish(server: Server) {
      const volunteer = pick(server, server.volunteers);
      const task = volunteer && taskFor(server, volunteer, true);
      if (!volunteer || !task) return addTask(server);
      const proof = server.random() < 0.5 ? `https://example.org/proof/${task.id}` : "";
      const viaSlash = task.status === "done" || server.random() < 0.4;
      let answer: Answer;
      if (viaSlash) {
        const proofOption = proof ? ` proof_link:${proof}` : "";
        answer = await slash(server, volunteer.id, `/task done task:${task.id}${proofOption}`);
      } else {
        answer = await press(task.cardId, volunteer.id, "Done");
        // The form opens only for a member who holds the task.
        if (answer.type === 9) {
          answer = await submit(answer.handle, volunteer.id, { proof_link: proof, note: "" });
        }
      }
      const where = `${server.label} ${viaSlash ? "/task done" : "Done"} #${task.id} by ${volunteer.name}`;
      const thanks = [t("task.doneThanks", { title: task.title })];
      if (proof) thanks.push(t("task.proofNotKept"));
      const doneText = thanks.join("\n");
      check(where, answer.text, volunteer.open.has(task.id) ? doneText : t("task.notHolding"));
      if (answer.text !== doneText) {
        count("done refused");
        return;
      }
      count("done ok");
      task.done += 1;
      if (task.done >= task.slots) task.status = "done";
      volunteer.open.delete(task.id);
      volunteer.done += 1;
    }

    async function listTasks(server: Server) {
      const volunteer = pick(server, server.volunteers);
      if (!volunteer) return;
      const answer = await slash(server, volunteer.id, "/task list");
      const total = openTasks(server).filter((task) => task.claimed < task.slots).length;
      const pages = Math.max(1, Math.ceil(total / 10));
      const embed = answer.message?.embeds[0];
      const where = `${server.label} /task list by ${volunteer.name}`;
      check(
        where,
        `${embed?.title} | ${embed?.footer?.text}`,
        `${t("task.listTitle", { filter: t("commands.task.filters.open") })} | ${t("task.listPage", { page: 1, pages, count: total })}`,
      );
      count("task list");
    }

    async function status(server: Server) {
      const volunteer = pick(server, server.volunteers);
      if (!volunteer) return;
      const answer = await slash(server, volunteer.id, "/me status");
      const embed = answer.message?.embeds[0];
      const lines =
        embed?.description === t("me.statusEmpty") ? 0 : embed?.description?.split("\n").length;
      const totals = t("me.statusTotals", {
        done: volunteer.done,
        credit: t("me.creditAnonymous"),
        reminders: t("me.on"),
      });
      check(
        `${server.label} /me status by ${volunteer.name}`,
        `${lines} claims | ${embed?.footer?.text}`,
        `${Math.min(25, volunteer.open.size)} claims | ${totals}`,
      );
      count("me status");
    }

    async function summary(server: Server) {
      const answer = await slash(server, server.organizerId, "/summary now", server.campaignsId);
      check(
        `${server.label} /summary now`,
        answer.text,
        server.campaigns.length > 0
          ? t("summary.postedNow", { channel: `<#${server.campaignsId}>` })
          : t("summary.nothing"),
      );
      count("summary now");
    }

    const mix: [number, (server: Server) => Promise<void>][] = [
      [4, createCampaign],
      [10, changeCount],
      [10, addTask],
      [22, (server) => claim(server, false)],
      [6, (server) => claim(server, true)],
      [9, release],
      [15, finish],
      [8, listTasks],
      [10, status],
      [1, summary],
    ];
    const totalWeight = mix.reduce((sum, [weight]) => sum + weight, 0);

    async function step(server: Server) {
      if (server.campaigns.length === 0) return createCampaign(server);
      if (openTasks(server).length === 0) return addTask(server);
      let roll = server.random() * totalWeight;
      for (const [weight, action] of mix) {
        roll -= weight;
        if (roll >= 0) continue;
        // A server with enough open work gets claims instead of more tasks.
        if (action === addTask && openTasks(server).length >= maxOpenTasksPerServer)
          return claim(server, false);
        return action(server);
      }
    }

    async function lane(server: Server) {
      for (let index = 0; index < stepsPerRound; index += 1) {
        try {
          await step(server);
          // A member acts on what the card shows, and Rally refreshes a card just after its
          // answer: the next step on this server reads the card once that is done.
          await running.settled();
        } catch (error) {
          const text = error instanceof Error ? error.message : String(error);
          if (text.includes("Timed out")) unanswered += 1;
          problem(text);
        }
      }
    }

    /** Between rounds nothing is in flight: check each answer was single, then forget them. */
    function closeRound() {
      const accepted = new Map<string, number>();
      for (const request of discord.requests) {
        if (request.injected) answeredByFault += 1;
        const id = /^\/interactions\/(\d+)\/[^/]+\/callback$/.exec(request.path)?.[1];
        if (id && request.status < 300 && !request.injected)
          accepted.set(id, (accepted.get(id) ?? 0) + 1);
      }
      for (const { handle, followups } of roundHandles) {
        const callbacks = accepted.get(handle.id) ?? 0;
        if (callbacks !== 1) problem(`interaction ${handle.id}: ${callbacks} accepted callbacks`);
        if (handle.followups.length !== followups)
          problem(`interaction ${handle.id}: ${handle.followups.length} follow-ups`);
      }
      for (const request of discord.rejected()) {
        problem(
          `Discord refused ${request.method} ${request.path}: ${request.status} ${request.error?.code}`,
        );
      }
      roundHandles = [];
      const cards = servers.flatMap((server) => openTasks(server).map((task) => task.cardId));
      discord.forgetHistory(new Set(cards));
    }

    const started = performance.now();
    const elapsed = () => (performance.now() - started) / 1000;
    let nextSample = 0;
    while (interactions < options.interactions) {
      if (options.seconds !== undefined && elapsed() >= options.seconds) break;
      await Promise.all(servers.map(lane));
      // Answers are in; what Rally does after answering (card refreshes) finishes before the
      // round is checked and the local Discord forgets closed tasks' cards.
      await running.settled();
      closeRound();
      if (interactions >= nextSample) {
        nextSample = interactions + sampleEvery;
        collectGarbage();
        const usage = process.memoryUsage();
        const sample = {
          interactions,
          seconds: Math.round(elapsed() * 10) / 10,
          rssMiB: Math.round((usage.rss / mib) * 10) / 10,
          heapUsedMiB: Math.round((usage.heapUsed / mib) * 10) / 10,
        };
        memory.push(sample);
        options.onSample?.(sample);
      }
    }
    const seconds = elapsed();
    const restQueues = rally.client.rest.handlers.size;

    const model = modelSnapshot(servers);
    const database = await databaseSnapshot(rally.db, servers);
    const afterWarmUp = memory.filter((sample) => sample.interactions >= interactions / 4);
    const sorted = roundTrips.sort((a, b) => a - b);
    const handled = handlingMs.sort((a, b) => a - b);
    const round = (value: number) => Math.round(value * 10) / 10;
    return {
      interactions,
      seconds: round(seconds),
      outcomes,
      problems,
      model,
      database,
      roundTripMs: {
        p50: round(percentile(sorted, 0.5)),
        p99: round(percentile(sorted, 0.99)),
        max: round(sorted.at(-1) ?? 0),
      },
      handlingMs: {
        p50: round(percentile(handled, 0.5)),
        p99: round(percentile(handled, 0.99)),
      },
      faults: { armed, answeredByFault },
      unanswered,
      memory,
      heapSlopeKiBPerThousand: Math.round(heapSlope(afterWarmUp)),
      heapGrowthAfterWarmUpMiB: round(
        (memory.at(-1)?.heapUsedMiB ?? 0) - (afterWarmUp[0]?.heapUsedMiB ?? 0),
      ),
      bot,
      restQueues,
    };
  } finally {
    await rally?.stop();
    await discord.close();
  }
}

/** The same keys in the same order on both sides, so that the two print alike. */
function ordered(snapshot: Snapshot): Snapshot {
  const sort = <T>(record: Record<string, T>) =>
    Object.fromEntries(
      Object.entries(record).sort(([a], [b]) => a.localeCompare(b, "en", { numeric: true })),
    );
  return {
    campaigns: sort(snapshot.campaigns),
    tasks: sort(snapshot.tasks),
    volunteers: sort(snapshot.volunteers),
  };
}

function modelSnapshot(servers: Server[]): Snapshot {
  const snapshot: Snapshot = { campaigns: {}, tasks: {}, volunteers: {} };
  for (const server of servers) {
    for (const campaign of server.campaigns) {
      const { count, countChanges } = campaign;
      snapshot.campaigns[`${server.label}/${campaign.title}`] = { count, countChanges };
    }
    for (const task of server.tasks.values()) {
      snapshot.tasks[`${server.label}/#${task.id}`] = {
        claimedSlots: task.claimed,
        doneCount: task.done,
        status: task.status,
      };
    }
    for (const volunteer of server.volunteers) {
      snapshot.volunteers[`${server.label}/${volunteer.name}`] = {
        open: [...volunteer.open].sort((a, b) => a - b),
        done: volunteer.done,
        released: volunteer.released,
      };
    }
  }
  return ordered(snapshot);
}

async function databaseSnapshot(db: Db, servers: Server[]): Promise<Snapshot> {
  const snapshot: Snapshot = { campaigns: {}, tasks: {}, volunteers: {} };
  const byGuild = new Map(servers.map((server) => [server.guildId, server]));
  const inServers = { guildId: { in: [...byGuild.keys()] } };
  const label = (guildId: string) => byGuild.get(guildId)?.label ?? guildId;
  const campaigns = await db.campaign.findMany({
    where: inServers,
    include: { _count: { select: { countEntries: true } } },
  });
  for (const campaign of campaigns) {
    snapshot.campaigns[`${label(campaign.guildId)}/${campaign.title}`] = {
      count: campaign.count,
      countChanges: campaign._count.countEntries,
    };
  }
  const tasks = await db.outreachTask.findMany({ where: inServers });
  // Keyed by the number the cards show, as the model knows its tasks.
  for (const task of tasks) {
    snapshot.tasks[`${label(task.guildId)}/#${task.number}`] = {
      claimedSlots: task.claimedSlots,
      doneCount: task.doneCount,
      status: task.status,
    };
  }
  const names = new Map<string, string>();
  for (const server of servers) {
    for (const volunteer of server.volunteers) {
      const key = `${server.label}/${volunteer.name}`;
      names.set(`${server.guildId}/${volunteer.id}`, key);
      snapshot.volunteers[key] = { open: [], done: 0, released: 0 };
    }
  }
  // Open claims by the task's number, as the model (and every card) names tasks.
  const numberOf = new Map(tasks.map((task) => [task.id, task.number]));
  const claims = await db.claim.findMany({ where: inServers, orderBy: { taskId: "asc" } });
  for (const claim of claims) {
    const key =
      names.get(`${claim.guildId}/${claim.volunteerId}`) ?? `unknown/${claim.volunteerId}`;
    const entry = (snapshot.volunteers[key] ??= { open: [], done: 0, released: 0 });
    const number = numberOf.get(claim.taskId) ?? -1;
    if (claim.status === "active") entry.open.push(number);
    else if (claim.status === "done") entry.done += 1;
    else if (claim.status === "released") entry.released += 1;
    // Any other state (expired, submitted…) cannot come from this mix: it shows as a difference.
    else entry.open.push(-number);
  }
  for (const entry of Object.values(snapshot.volunteers)) entry.open.sort((a, b) => a - b);
  return ordered(snapshot);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      interactions: { type: "string", default: "20000" },
      seconds: { type: "string" },
      seed: { type: "string", default: "1" },
      servers: { type: "string", default: "4" },
      "fault-every": { type: "string", default: "15" },
      database: { type: "string" },
    },
  });
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const directory = mkdtempSync(join(tmpdir(), "rally-soak-"));
  const databaseUrl = values.database ?? `file:${join(directory, "soak.db")}`;
  out(`Soak: ${values.interactions} interactions, ${values.servers} servers, seed ${values.seed}`);
  out(`Database: ${databaseUrl}`);
  out("interactions  seconds  rss MiB  heap MiB");
  let printed = -Infinity;
  try {
    const report = await runSoak({
      databaseUrl,
      interactions: Number(values.interactions),
      ...(values.seconds ? { seconds: Number(values.seconds) } : {}),
      seed: Number(values.seed),
      servers: Number(values.servers),
      faultEvery: Number(values["fault-every"]),
      onSample(sample) {
        if (sample.interactions - printed < 500) return;
        printed = sample.interactions;
        const cells = [sample.interactions, sample.seconds, sample.rssMiB, sample.heapUsedMiB];
        out(cells.map((cell, index) => String(cell).padStart(index === 0 ? 12 : 8)).join(" "));
      },
    });
    const first = report.memory[0];
    const last = report.memory.at(-1);
    const same = JSON.stringify(report.database) === JSON.stringify(report.model);
    out("");
    out(
      `${report.interactions} interactions in ${report.seconds} s: ${Math.round(report.interactions / report.seconds)} interactions/s`,
    );
    out(
      `round trip (dispatch → answer read): p50 ${report.roundTripMs.p50} ms, p99 ${report.roundTripMs.p99} ms, max ${report.roundTripMs.max} ms`,
    );
    out(`bot handling time: p50 ${report.handlingMs.p50} ms, p99 ${report.handlingMs.p99} ms`);
    out(
      `faults armed: ${report.faults.armed}; requests answered by a fault: ${report.faults.answeredByFault}`,
    );
    out(`RSS: ${first?.rssMiB} MiB at the first sample, ${last?.rssMiB} MiB at the end`);
    out(
      `heap after GC: ${first?.heapUsedMiB} → ${last?.heapUsedMiB} MiB; after warm-up ${report.heapGrowthAfterWarmUpMiB >= 0 ? "+" : ""}${report.heapGrowthAfterWarmUpMiB} MiB, slope ${report.heapSlopeKiBPerThousand} KiB per 1,000 interactions`,
    );
    out(`discord.js REST queues held (swept hourly): ${report.restQueues}`);
    out(`outcomes: ${JSON.stringify(report.outcomes)}`);
    out(
      `bot log: ${report.bot.interactionLogLines} interaction lines, ${report.bot.warnLines} warnings, ${report.bot.errorLines.length} errors`,
    );
    for (const line of report.bot.errorLines) out(`  ${line}`);
    if (report.unanswered > 0) {
      out(
        `${report.unanswered} interaction(s) got no answer in time: the model cannot know what they changed`,
      );
    }
    out(`database equals what the replies implied: ${same ? "yes" : "NO"}`);
    if (!same) {
      out(`  model:    ${JSON.stringify(report.model)}`);
      out(`  database: ${JSON.stringify(report.database)}`);
    }
    out(`problems: ${report.problems.length}`);
    for (const line of report.problems.slice(0, 30)) out(`  ${line}`);
    if (!same || report.problems.length > 0 || report.bot.errorLines.length > 0) {
      process.exitCode = 1;
    }
  } finally {
    if (!values.database) rmSync(directory, { recursive: true, force: true });
  }
}

if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main();
}
