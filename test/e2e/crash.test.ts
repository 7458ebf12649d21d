import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/db/client.ts";
import type { Database as Db } from "../../src/db/store.ts";
import { createCampaign } from "../../src/domain/campaigns.ts";
import { directMessageNonce } from "../../src/domain/outbox.ts";
import { createSchedule, postNonce } from "../../src/domain/summarySchedules.ts";
import { addTask, claimTask } from "../../src/domain/tasks.ts";
import {
  startLocalDiscord,
  type LocalDiscord,
  type StoredMessage,
} from "../../src/local-discord/localDiscord.ts";
import { translate } from "../../src/i18n/index.ts";
import { seedSandbox } from "../../src/sandbox/sandbox.ts";
import type { SandboxWorld } from "../../src/sandbox/session.ts";
import { databaseKind, testDatabaseUrl } from "../support/db.ts";
import { campaignFields } from "../support/domain.ts";
import { entryCommand } from "../support/entry.ts";

const importHeader = "title,kind,location,slots,due,instructions";
/** Long enough that the bot is surely killed before the delayed request is answered. */
const stuck = 30_000;
/** Generous: two processes' worth of CPU on a shared machine; only a hang fails it. */
const answerWithinMs = 15_000;

/**
 * A fault path that can be switched off, and that counts the requests it matched: the local
 * Discord tests it once it has read a whole request, so `matched` says what Discord received.
 */
class Route extends RegExp {
  on = true;
  matched = 0;
  override test(path: string): boolean {
    if (!this.on || !super.test(path)) return false;
    this.matched += 1;
    return true;
  }
}

interface RallyProcess {
  child: ChildProcess;
  /** The JSON log lines written so far. */
  logs(): Record<string, unknown>[];
  stderr(): string;
}

interface World {
  discord: LocalDiscord;
  world: SandboxWorld;
  guildId: string;
  organizerId: string;
  general: string;
  campaigns: string;
  databaseUrl: string;
  db: Db;
}

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A local Discord seeded like the sandbox, a fresh database, and the test's own connection. */
async function setUpWorld(): Promise<World> {
  // This file is about what survives a crash, not latency: two bot processes share two busy
  // cores here, and a cold process can miss Discord's 3 s first answer.
  const discord = await startLocalDiscord({ interactionDeadlineMs: answerWithinMs });
  cleanups.push(() => discord.close());
  const world = seedSandbox(discord);
  const databaseUrl = await testDatabaseUrl();
  const db = await openDatabase(databaseUrl);
  cleanups.push(() => db.$disconnect());
  const [organizer] = world.members;
  const [general, campaigns] = world.channels;
  if (!organizer || !general || !campaigns) throw new Error("seed changed");
  return {
    discord,
    world,
    guildId: world.guildId,
    organizerId: organizer.id,
    general: general.id,
    campaigns: campaigns.id,
    databaseUrl,
    db,
  };
}

/** `npm start` with a token: the real entry point in its own process, until it is ready. */
async function startRallyProcess(w: World): Promise<RallyProcess> {
  const child = spawn(...entryCommand("main"), {
    cwd: mkdtempSync(join(tmpdir(), "rally-crash-")),
    env: {
      PATH: process.env["PATH"] ?? "",
      DISCORD_TOKEN: "a-token-the-local-discord-accepts",
      DISCORD_API_URL: w.discord.apiUrl,
      DEV_GUILD_ID: w.guildId,
      DATABASE_URL: w.databaseUrl,
      LOG_LEVEL: "info",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await exited;
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const rally: RallyProcess = {
    child,
    logs: () =>
      stdout
        .split("\n")
        .filter((line) => line.startsWith("{"))
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    stderr: () => stderr,
  };
  const ready = () =>
    rally.logs().some((line) => line["msg"] === "commands registered to the dev guild");
  await eventually(
    async () => (ready() ? true : undefined),
    "the bot process to be ready",
    40_000,
  ).catch((error: unknown) => {
    throw new Error(`${String(error)}\nstdout: ${stdout}\nstderr: ${stderr}`);
  });
  return rally;
}

/** SIGKILL: no shutdown handler runs, nothing in flight is finished. */
async function kill(rally: RallyProcess): Promise<void> {
  const exited = new Promise((done) => rally.child.once("exit", done));
  rally.child.kill("SIGKILL");
  await exited;
  expect(rally.child.signalCode).toBe("SIGKILL");
}

/** Polls (the database, the process's output) until `read` returns something. */
async function eventually<T>(
  read: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((next) => setTimeout(next, 5));
  }
}

function run(w: World, userId: string, line: string, channelId = w.general) {
  return w.discord
    .slash({ guildId: w.guildId, channelId, userId, ...w.discord.parseCommandLine(line) })
    .final(answerWithinMs);
}

function newMember(w: World, username: string): string {
  const user = w.discord.createUser({ username });
  w.discord.addMember(w.guildId, user.id);
  return user.id;
}

/** Whatever a process logged at error level or above: a restart must come up clean. */
function errorsOf(rally: RallyProcess) {
  return rally.logs().filter((line) => Number(line["level"]) >= 50);
}

/** The database-wide invariants of claims and counts, read straight from the file. */
async function claimsAndCountsAgree(db: Db) {
  for (const task of await db.outreachTask.findMany({ include: { claims: true } })) {
    const holding = task.claims.filter((claim) =>
      ["active", "submitted", "done"].includes(claim.status),
    );
    expect(task.claimedSlots).toBe(holding.length);
    expect(task.claimedSlots).toBeLessThanOrEqual(task.slots);
    expect(new Set(holding.map((claim) => claim.volunteerId)).size).toBe(holding.length);
  }
  for (const campaign of await db.campaign.findMany({ include: { countEntries: true } })) {
    const entries = campaign.countEntries.toSorted((a, b) => a.id - b.id);
    expect(campaign.count).toBe(entries.at(-1)?.countAfter ?? 0);
    expect(campaign.count).toBe(entries.reduce((sum, entry) => sum + entry.delta, 0));
    const audited = await db.auditEntry.count({
      where: { action: "campaign.count", subjectId: String(campaign.id) },
    });
    expect(audited).toBe(entries.length);
  }
}

// Two real process starts per test: generous, because CI's two cores are shared.
describe(
  "SIGKILL of the real process in the middle of work, then a restart",
  { timeout: 90_000 },
  () => {
    it("claims and count updates: the restart finds no slot over capacity and every count matches its history and audit", async () => {
      const w = await setUpWorld();
      const volunteers = Array.from({ length: 12 }, (_, n) => newMember(w, `volunteer-${n}`));
      const first = await startRallyProcess(w);
      await run(
        w,
        w.organizerId,
        `/campaign create title:"Free political prisoners" goal:500 channel:<#${w.campaigns}>`,
      );
      const campaign = await w.db.campaign.findFirstOrThrow();
      await run(
        w,
        w.organizerId,
        `/task add campaign:${campaign.id} title:"Flyers at the university" kind:campus slots:3`,
      );
      const task = await w.db.outreachTask.findFirstOrThrow();
      const cardId = task.cardMessageId ?? "";

      // Discord stops answering the bot: every interaction callback hangs, so the process is
      // killed with claims and counts written or half-way, none of them answered.
      const hang = new Route("^/interactions/");
      w.discord.injectFault({ path: hang, delayMs: stuck, times: 1000 });
      const pending = [
        ...volunteers.map((userId) =>
          w.discord.clickButton({ messageId: cardId, userId, label: "Claim" }).response(),
        ),
        ...Array.from({ length: 10 }, () =>
          run(w, w.organizerId, `/campaign count campaign:${campaign.id} add:7`),
        ),
      ];
      for (const answer of pending) answer.catch(() => undefined);
      await eventually(async () => {
        const claims = await w.db.claim.count();
        const counts = await w.db.countEntry.count();
        return claims >= 1 && counts >= 1 ? true : undefined;
      }, "the first claim and count to be written");
      await kill(first);
      hang.on = false;
      await claimsAndCountsAgree(w.db);

      const second = await startRallyProcess(w);
      await claimsAndCountsAgree(w.db);
      const afterCrash = await w.db.campaign.findUniqueOrThrow({ where: { id: campaign.id } });
      const added = await run(w, w.organizerId, `/campaign count campaign:${campaign.id} add:1`);
      const counted = await w.db.campaign.findUniqueOrThrow({ where: { id: campaign.id } });
      expect(counted.count).toBe(afterCrash.count + 1);
      expect(added.content).toContain(`**${counted.count}**`);

      // Whoever holds no slot yet may take one only while one is free.
      const taken = await w.db.outreachTask.findUniqueOrThrow({ where: { id: task.id } });
      const latecomer = newMember(w, "latecomer");
      const claim = await run(w, latecomer, `/task claim task:${task.id}`);
      const now = await w.db.outreachTask.findUniqueOrThrow({ where: { id: task.id } });
      if (taken.claimedSlots < taken.slots) {
        expect(now.claimedSlots).toBe(taken.claimedSlots + 1);
      } else {
        expect(claim.content).toBe(
          translate("en", "task.full", { count: 3, title: "Flyers at the university" }),
        );
        expect(now.claimedSlots).toBe(3);
      }
      await claimsAndCountsAgree(w.db);
      expect(errorsOf(second)).toEqual([]);
      expect(second.stderr()).toBe("");
    });

    it("a CSV import: after the restart each campaign has all of its rows or none, and a failed one can simply be run again", async () => {
      const w = await setUpWorld();
      const first = await startRallyProcess(w);
      const titles = ["Spring drive", "Summer drive", "Autumn drive"];
      const campaignIds: number[] = [];
      for (const title of titles) {
        await run(w, w.organizerId, `/campaign create title:"${title}" goal:500`);
        campaignIds.push((await w.db.campaign.findFirstOrThrow({ where: { title } })).id);
      }
      const csv = (label: string) =>
        [
          importHeader,
          ...Array.from(
            { length: 500 },
            (_, n) => `${label} flyers ${n + 1},bulletin_board,Street ${n},2,,Take a photo`,
          ),
        ].join("\n");
      const importInto = (campaignId: number, label: string) =>
        w.discord
          .slash({
            guildId: w.guildId,
            channelId: w.general,
            userId: w.organizerId,
            command: "task",
            subcommand: "import",
            options: { campaign: String(campaignId), file: "tasks.csv" },
            attachments: {
              file: {
                filename: "tasks.csv",
                contentType: "text/csv",
                data: Buffer.from(csv(label), "utf8"),
              },
            },
          })
          .final(answerWithinMs);

      const hang = new Route("^/interactions/");
      w.discord.injectFault({ path: hang, delayMs: stuck, times: 1000 });
      const answers = campaignIds.map((id, index) => importInto(id, titles[index] ?? ""));
      for (const answer of answers) answer.catch(() => undefined);
      // Killed as soon as the first import is committed, with the others parsing or writing.
      await eventually(
        async () => ((await w.db.outreachTask.count()) > 0 ? true : undefined),
        "the first import to be committed",
      );
      await kill(first);
      hang.on = false;

      const second = await startRallyProcess(w);
      const imported: number[] = [];
      for (const campaignId of campaignIds) {
        const tasks = await w.db.outreachTask.count({ where: { campaignId } });
        expect([0, 500]).toContain(tasks);
        const audits = await w.db.auditEntry.count({
          where: { action: "task.import", subjectId: String(campaignId) },
        });
        expect(audits).toBe(tasks === 500 ? 1 : 0);
        if (tasks === 500) imported.push(campaignId);
      }
      expect(imported.length).toBeGreaterThan(0);

      // Running again what the crash lost gives the whole file, once.
      const missing = campaignIds.filter((id) => !imported.includes(id));
      for (const campaignId of missing) {
        const index = campaignIds.indexOf(campaignId);
        const reply = await importInto(campaignId, titles[index] ?? "");
        expect(reply.content).toBe(
          translate("en", "task.importDone", { count: 500, campaign: titles[index] ?? "" }),
        );
      }
      for (const campaignId of campaignIds) {
        expect(await w.db.outreachTask.count({ where: { campaignId } })).toBe(500);
      }
      expect(await w.db.outreachTask.count()).toBe(1500);
      expect(errorsOf(second)).toEqual([]);
      expect(second.stderr()).toBe("");
    });

    it("a summary post: killed while Discord holds its POST, the restart's catch-up lands on one message for the slot", async () => {
      const w = await setUpWorld();
      await createCampaign(w.db, w.guildId, w.organizerId, {
        title: "Free political prisoners",
        goal: 500,
        unit: "signatures",
        description: null,
        link: "https://example.org/petition",
        callToAction: "Text SIGN PMSUBG to 50409",
        channelId: w.campaigns,
        endsAt: null,
        autoRaise: true,
      });
      // A daily schedule whose slot (the last whole minute) has just come: the first process
      // posts it in the scheduler pass it runs at start.
      const startedAt = Date.now();
      const lastMinute = new Date(startedAt - 60_000);
      const time = lastMinute.toISOString().slice(11, 16);
      const schedule = await createSchedule(
        w.db,
        w.guildId,
        w.organizerId,
        { channelId: w.campaigns, time, timeZone: "UTC", days: "daily", campaignId: null },
        new Date(startedAt - 120_000),
      );
      expect(schedule.nextRunAt.getTime()).toBeLessThanOrEqual(startedAt);

      // Discord holds the post for a few seconds: the process dies after Discord has received
      // it, before the bot learns the message id.
      const held = new Route(`^/channels/${w.campaigns}/messages$`);
      w.discord.injectFault({ method: "POST", path: held, delayMs: 4000 });
      const first = await startRallyProcess(w);
      await eventually(async () => (held.matched > 0 ? true : undefined), "the summary POST");
      const outbox = await w.db.summaryPost.findFirstOrThrow();
      expect(outbox.status).toBe("pending");
      await kill(first);

      // The dead process's lease on the slot would run out a minute later; the restart comes
      // after that instead of the test waiting for it.
      await w.db.dueJob.updateMany({
        where: { leaseUntil: { not: null } },
        data: { leaseUntil: new Date(Date.now() - 1000) },
      });

      const second = await startRallyProcess(w);
      const sent = await eventually(async () => {
        const post = await w.db.summaryPost.findUniqueOrThrow({ where: { id: outbox.id } });
        return post.status === "sent" ? post : undefined;
      }, "the catch-up post");
      // Both POSTs (the dead process's, held by Discord, and the restart's) have been answered.
      const posts = () =>
        w.discord.requests.filter(
          (request) =>
            request.method === "POST" && request.path === `/channels/${w.campaigns}/messages`,
        );
      await w.discord.waitFor(() => (posts().length === 2 ? true : undefined), 10_000);
      expect(posts().map((request) => (request.body as { nonce?: string }).nonce)).toEqual([
        postNonce(schedule.id, outbox.slot, 0),
        postNonce(schedule.id, outbox.slot, 0),
      ]);
      const messages: StoredMessage[] = w.discord.messages(w.campaigns);
      expect(messages).toHaveLength(1);
      expect(messages[0]?.nonce).toBe(postNonce(schedule.id, outbox.slot, 0));
      expect(messages[0]?.embeds[0]?.title).toBe("Free political prisoners");
      expect(sent.messageId).toBe(messages[0]?.id);
      expect(await w.db.summaryPost.count()).toBe(1);
      await eventually(async () => {
        const job = await w.db.dueJob.findFirstOrThrow({
          where: { subjectId: { endsWith: outbox.slot } },
        });
        return job.status === "done" ? true : undefined;
      }, "the slot's job to be recorded done");
      const after = await w.db.summarySchedule.findUniqueOrThrow({ where: { id: schedule.id } });
      expect(after.lastSlot).toBe(outbox.slot);
      expect(after.nextRunAt.getTime()).toBeGreaterThan(Date.now());
      expect(errorsOf(second)).toEqual([]);
      expect(second.stderr()).toBe("");
    });

    /**
     * A claim whose due-date reminder is due now, a volunteer to receive it, and the first
     * process killed while Discord holds the DM's POST: Discord takes the message after the bot
     * is gone, so the outbox row stays pending.
     */
    async function killWhileReminding(w: World) {
      const volunteer = newMember(w, "volunteer");
      const campaign = await createCampaign(
        w.db,
        w.guildId,
        w.organizerId,
        campaignFields({ channelId: w.campaigns }),
      );
      const task = await addTask(w.db, w.guildId, w.organizerId, campaign.id, {
        title: "Flyers at the university",
        kind: "campus",
        location: null,
        slots: 1,
        dueAt: new Date(Date.now() + 2 * 24 * 60 * 60_000),
        instructions: null,
      });
      const { claim } = await claimTask(w.db, w.guildId, volunteer, task.id, new Date(), 5);
      // The reminder a day before the due date is already due: the first process sends it in
      // the scheduler pass it runs at start.
      await w.db.dueJob.updateMany({
        where: { kind: "claim.remindDue", subjectId: String(claim.id) },
        data: { dueAt: new Date(Date.now() - 1000) },
      });
      const held = new Route("^/channels/\\d+/messages$");
      w.discord.injectFault({ method: "POST", path: held, delayMs: 3000 });
      const first = await startRallyProcess(w);
      await eventually(async () => (held.matched > 0 ? true : undefined), "the reminder's POST");
      const outbox = await w.db.directMessage.findFirstOrThrow();
      expect(outbox.status).toBe("pending");
      await kill(first);
      held.on = false;
      const dms = () => {
        const channel = w.discord.directMessageChannel(volunteer);
        return channel ? w.discord.messages(channel.id) : [];
      };
      // Discord takes the held message after the bot is gone.
      await eventually(async () => (dms().length === 1 ? true : undefined), "the held DM");
      const key = `remindDue:${claim.id}:${task.dueAt?.getTime() ?? 0}`;
      expect(outbox.key).toBe(key);
      expect(dms()[0]?.nonce).toBe(directMessageNonce(key));
      // The dead process's lease would run out a minute later; the restart comes after that.
      await w.db.dueJob.updateMany({
        where: { leaseUntil: { not: null } },
        data: { leaseUntil: new Date(Date.now() - 1000) },
      });
      const dmPosts = () =>
        w.discord.requests.filter(
          (request) =>
            request.method === "POST" && /^\/channels\/\d+\/messages$/.test(request.path),
        );
      const reminderDone = () =>
        eventually(async () => {
          const job = await w.db.dueJob.findFirstOrThrow({
            where: { kind: "claim.remindDue", subjectId: String(claim.id) },
          });
          return job.status === "done" ? true : undefined;
        }, "the reminder job to be recorded done");
      return { outbox, dms, dmPosts, reminderDone };
    }

    it("a reminder DM: killed while Discord holds its POST, a restart within Discord's nonce memory lands on the same message", async () => {
      const w = await setUpWorld();
      const { outbox, dms, dmPosts, reminderDone } = await killWhileReminding(w);

      const second = await startRallyProcess(w);
      await reminderDone();
      // The restart did send again, with the same nonce, and Discord answered with the message
      // it already had.
      expect(dmPosts().map((request) => (request.body as { nonce?: string }).nonce)).toEqual([
        outbox.nonce,
        outbox.nonce,
      ]);
      expect(dms()).toHaveLength(1);
      const after = await w.db.directMessage.findUniqueOrThrow({ where: { id: outbox.id } });
      expect(after.status).toBe("sent");
      expect(errorsOf(second)).toEqual([]);
      expect(second.stderr()).toBe("");
    });

    it("a reminder DM: a restart after Discord's nonce memory has passed sends nothing, rather than the DM a second time", async () => {
      const w = await setUpWorld();
      const { outbox, dms, dmPosts, reminderDone } = await killWhileReminding(w);
      // Six minutes pass on both sides: Discord forgets the nonce, and the outbox row is older
      // than that memory when the restart reads it.
      w.discord.advanceClock(6 * 60_000);
      await w.db.directMessage.update({
        where: { id: outbox.id },
        data: { createdAt: new Date(outbox.createdAt.getTime() - 6 * 60_000) },
      });

      const second = await startRallyProcess(w);
      await reminderDone();
      expect(dmPosts()).toHaveLength(1);
      expect(dms()).toHaveLength(1);
      const after = await w.db.directMessage.findUniqueOrThrow({ where: { id: outbox.id } });
      expect(after.status).toBe("uncertain");
      expect(errorsOf(second)).toEqual([]);
      expect(second.stderr()).toBe("");
    });

    it("a purge: killed while it erases, the restart finds the server purged in full or untouched, never half", async () => {
      const w = await setUpWorld();
      const campaign = await createCampaign(
        w.db,
        w.guildId,
        w.organizerId,
        campaignFields({ title: "Big", channelId: w.campaigns }),
      );
      const volunteers = Array.from({ length: 400 }, (_, n) =>
        String(800000000000000000n + BigInt(n)),
      );
      await w.db.outreachTask.createMany({
        data: Array.from({ length: 200 }, (_, n) => ({
          guildId: w.guildId,
          campaignId: campaign.id,
          number: n + 1,
          title: `Task ${n + 1}`,
          slots: 200,
        })),
      });
      // Enough rows that erasing them takes a while: claims with proofs, and audit entries whose
      // details name members (each rewritten on its own). 100 done claims on each task, the n-th
      // on task t by volunteers[(t + n) % 400], made by the database in one statement from a
      // first claim Prisma wrote (20,000 rows through Prisma took ~20 s of a busy CI's time).
      const model = await w.db.claim.create({
        data: {
          guildId: w.guildId,
          taskId: (await w.db.outreachTask.findFirstOrThrow({ where: { number: 1 } })).id,
          volunteerId: volunteers[0] ?? null,
          status: "done",
          openMarker: null,
          proofLink: "https://example.org/proof/0/0",
          expiresAt: new Date(),
        },
      });
      await w.db.$executeRawUnsafe(
        `INSERT INTO "Claim" ("guildId", "taskId", "volunteerId", "status", "openMarker", "proofLink", "claimedAt", "expiresAt")
         WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 99)
         SELECT c."guildId", t."id",
           CAST(800000000000000000 + (t."number" - 1 + n.i) % 400 AS TEXT),
           c."status", NULL,
           'https://example.org/proof/' || CAST(t."number" - 1 AS TEXT) || '/' || CAST(n.i AS TEXT),
           c."claimedAt", c."expiresAt"
         FROM "OutreachTask" t CROSS JOIN n CROSS JOIN "Claim" c
         WHERE c."id" = ${model.id} AND NOT (t."number" = 1 AND n.i = 0)`,
      );
      await w.db.auditEntry.createMany({
        data: Array.from({ length: 800 }, (_, n) => ({
          guildId: w.guildId,
          actorId: w.organizerId,
          action: "task.assign",
          details: JSON.stringify({ member: volunteers[n % volunteers.length] }),
        })),
      });
      const state = async () => ({
        named: await w.db.claim.count({ where: { volunteerId: { not: null } } }),
        proofs: await w.db.claim.count({ where: { proofLink: { not: null } } }),
        actors: await w.db.auditEntry.count({ where: { actorId: { not: null } } }),
        detailsNaming: await w.db.auditEntry.count({ where: { details: { contains: "8000" } } }),
        purges: await w.db.auditEntry.count({ where: { action: "settings.purge" } }),
      });
      const untouched = {
        named: 20000,
        proofs: 20000,
        actors: 801,
        detailsNaming: 800,
        purges: 0,
      };
      // The seed, as the purge will find it.
      expect(await state()).toEqual(untouched);
      const first = await startRallyProcess(w);
      const opened = w.discord.slash({
        guildId: w.guildId,
        channelId: w.general,
        userId: w.organizerId,
        command: "settings",
        subcommand: "purge",
        options: {},
      });
      await opened.response();
      const submitted = w.discord.submitModal({
        handle: opened,
        userId: w.organizerId,
        values: { name: "Rally Sandbox" },
      });
      // Acknowledged (deferred) as the purge starts; killed once it is seen under way from
      // outside, not after a guessed delay (which, on a busy machine, killed the bot before its
      // first write): anything of the purge committed, so that a purge made of several
      // transactions is caught half done (tried: without inTransaction this test fails on both
      // databases); on PostgreSQL, earlier, as soon as the bot's connection writes audit
      // entries, which the purge erases after the claims, inside its transaction.
      await submitted.response();
      const underWay = async () => {
        if (databaseKind === "postgresql") {
          const [locks] = await w.db.$queryRawUnsafe<{ n: number }[]>(
            `SELECT count(*)::int AS n FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
             WHERE c.relname = 'AuditEntry' AND l.mode = 'RowExclusiveLock'
               AND l.pid <> pg_backend_pid()
               AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
          );
          if ((locks?.n ?? 0) > 0) return true;
        }
        return JSON.stringify(await state()) === JSON.stringify(untouched) ? undefined : true;
      };
      await eventually(underWay, "the purge to be under way", 30_000);
      await kill(first);

      const purged = { named: 0, proofs: 0, actors: 0, detailsNaming: 0, purges: 1 };
      const afterKill = await state();
      expect([untouched, purged]).toContainEqual(afterKill);
      if (databaseKind === "sqlite")
        expect(await w.db.$queryRawUnsafe("PRAGMA integrity_check")).toEqual([
          { integrity_check: "ok" },
        ]);

      // After the restart, the purge runs (again) and completes.
      const second = await startRallyProcess(w);
      const again = w.discord.slash({
        guildId: w.guildId,
        channelId: w.general,
        userId: w.organizerId,
        command: "settings",
        subcommand: "purge",
        options: {},
      });
      await again.response();
      const done = await w.discord
        .submitModal({ handle: again, userId: w.organizerId, values: { name: "Rally Sandbox" } })
        .final(answerWithinMs);
      expect(done.content).toMatch(/^\*\*Erased\.\*\*/);
      expect(await state()).toEqual({ ...purged, purges: afterKill.purges + 1 });
      expect(errorsOf(second)).toEqual([]);
    });
  },
);
