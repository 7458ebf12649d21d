import { describe, expect, it } from "vitest";
import type { Database as Db } from "../../src/db/store.ts";
import type { InteractionHandle, StoredMessage } from "../../src/local-discord/localDiscord.ts";
import { armGuildErasure, guildEraseJobKind } from "../../src/domain/privacy.ts";
import { dumpTables } from "../support/db.ts";
import { channelNamed, startTestBot, type TestBot } from "../support/bot.ts";

const ephemeral = 64;
const day = 24 * 60 * 60 * 1000;
const organizerOnly =
  "Only organizers can do this: members with Manage Server or the server's organizer role.";
const forgetConfirm =
  "This erases you from Rally in this server: your claims are released, your notes and proof links are deleted, and your id is removed from everything Rally stores. Your finished work still counts, anonymously. Messages already posted in Discord (such as a review announcement) stay: ask an organizer to delete them. This cannot be undone.";

/** A bot on a controllable clock, with one campaign in #campaigns and one two-slot task. */
async function botWithTask() {
  const clock = { now: new Date(Date.UTC(2026, 10, 2, 12, 0)) };
  const bot = await startTestBot({ now: () => clock.now });
  const campaigns = channelNamed(bot, "campaigns");
  await bot.run(
    bot.organizerId,
    `/campaign create title:"Free political prisoners" goal:500 channel:<#${campaigns}>`,
  );
  const campaign = await bot.rally.db.campaign.findFirstOrThrow();
  await bot.run(
    bot.organizerId,
    `/task add campaign:${campaign.id} title:"Flyers at the university" kind:campus slots:2`,
  );
  const task = await bot.rally.db.outreachTask.findFirstOrThrow();
  const card = task.cardMessageId ?? "";
  if (!bot.discord.message(card)) throw new Error("no task card");
  return { bot, clock, campaign, task, card, campaigns };
}

/** The public card's first line: "🎓 Campus · 1 of 2 volunteers". */
function cardLine(bot: TestBot, cardId: string): string | undefined {
  return bot.discord.message(cardId)?.embeds[0]?.description;
}

/** What the presser reads: the message updated in place (type 7) or the bot's reply. */
async function pressed(bot: TestBot, handle: InteractionHandle, messageId: string) {
  const response = await handle.response();
  const message = response.type === 7 ? bot.discord.message(messageId) : await handle.final();
  if (!message) throw new Error("no answer");
  return {
    type: response.type,
    content: message.content,
    flags: message.flags,
    components: message.components,
  };
}

/**
 * A crafted client pressing a button whose custom_id is not on the message it holds: the local
 * Discord only presses buttons that are on a message, so the button is swapped for that press.
 */
async function pressForged(bot: TestBot, message: StoredMessage, userId: string, id: string) {
  const stored = bot.discord.message(message.id);
  if (!stored) throw new Error(`no message ${message.id}`);
  const original = stored.components;
  stored.components = [
    { type: 1, components: [{ type: 2, style: 4, label: "Erase me", custom_id: id }] },
  ];
  try {
    return await pressed(
      bot,
      bot.discord.clickButton({ messageId: message.id, userId, customId: id }),
      message.id,
    );
  } finally {
    stored.components = original;
  }
}

/** Every row of every table, read with plain SQL, as JSON lines naming their table. */
async function dumpDatabase(db: Db): Promise<string[]> {
  const lines: string[] = [];
  for (const [name, rows] of Object.entries(await dumpTables(db))) {
    for (const row of rows) {
      lines.push(
        `${name} ${JSON.stringify(row, (_key, value: unknown) =>
          typeof value === "bigint" ? value.toString() : value,
        )}`,
      );
    }
  }
  return lines;
}

/** Polls the database until the probe answers (the bot handles gateway events on its own). */
async function eventually<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
  const deadline = Date.now() + 3000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function guildRowCounts(db: Db, guildId: string) {
  return {
    campaigns: await db.campaign.count({ where: { guildId } }),
    countEntries: await db.countEntry.count({ where: { campaign: { guildId } } }),
    tasks: await db.outreachTask.count({ where: { guildId } }),
    claims: await db.claim.count({ where: { guildId } }),
    volunteers: await db.volunteer.count({ where: { guildId } }),
    audit: await db.auditEntry.count({ where: { guildId } }),
    settings: await db.guildSettings.count({ where: { guildId } }),
    schedules: await db.summarySchedule.count({ where: { guildId } }),
  };
}

describe("/me export over the wire", () => {
  it("hands the member a private JSON file of what Rally stores about them, and nothing of others", async () => {
    const { bot, task } = await botWithTask();
    const [volunteer, other] = bot.volunteerIds;
    await bot.run(volunteer, `/task claim task:${task.id}`);
    await bot.run(other, `/task claim task:${task.id}`);
    await bot.run(
      other,
      `/task done task:${task.id} proof_link:https://example.org/other note:"Someone else's note"`,
    );

    const reply = await bot.run(volunteer, "/me export");
    expect(reply.content).toBe(
      "Here is everything Rally stores about you in this server. Only you can see this message.",
    );
    expect(reply.flags & ephemeral).toBe(ephemeral);
    expect(bot.discord.messages(bot.channelId).map((message) => message.id)).not.toContain(
      reply.id,
    );
    expect(reply.attachments.map((file) => file.filename)).toEqual(["rally-my-data.json"]);
    const text = reply.attachments[0]?.data.toString("utf8") ?? "";
    const data = JSON.parse(text) as {
      guildId: string;
      userId: string;
      claims: { task: { id: number; title: string }; yours: boolean; status: string }[];
    };
    expect(data).toMatchObject({ guildId: bot.guildId, userId: volunteer });
    expect(data.claims).toEqual([
      expect.objectContaining({
        task: expect.objectContaining({ id: task.id, title: "Flyers at the university" }),
        yours: true,
        status: "active",
      }),
    ]);
    expect(text).not.toContain(other);
    expect(text).not.toContain("Someone else's note");
    expect(text).not.toContain("https://example.org/other");
    expect(bot.discord.rejected()).toEqual([]);
  });
});

describe("/me forget over the wire", () => {
  it("asks first, refuses anyone else, then erases the member, frees their slot on the card and leaves no trace", async () => {
    const { bot, task, card } = await botWithTask();
    const [victim, other] = bot.volunteerIds;
    await bot.run(victim, `/task claim task:${task.id}`);
    await bot.run(other, `/task claim task:${task.id}`);
    await bot.run(victim, "/me credit mode:public");
    expect(cardLine(bot, card)).toBe("🎓 Campus · 2 of 2 volunteers");

    const prompt = await bot.run(victim, "/me forget");
    expect(prompt.content).toBe(forgetConfirm);
    expect(prompt.flags & ephemeral).toBe(ephemeral);
    expect(prompt.components).toEqual([
      {
        type: 1,
        components: [
          expect.objectContaining({ type: 2, label: "Erase me", custom_id: `me:forget:${victim}` }),
        ],
      },
    ]);
    // Asking changes nothing yet.
    expect(await bot.rally.db.volunteer.count({ where: { userId: victim } })).toBe(1);

    // Another member with a crafted button naming the victim, from their own prompt...
    const otherPrompt = await bot.run(other, "/me forget");
    const forged = await pressForged(bot, otherPrompt, other, `me:forget:${victim}`);
    expect(forged.content).toBe("This button is for the member who asked.");
    expect(forged.flags & ephemeral).toBe(ephemeral);
    // ...or pressing the victim's own button: refused too.
    const stolen = await pressed(
      bot,
      bot.discord.clickButton({ messageId: prompt.id, userId: other, label: "Erase me" }),
      prompt.id,
    );
    expect(stolen.content).toBe("This button is for the member who asked.");
    expect(await bot.rally.db.claim.count({ where: { volunteerId: victim } })).toBe(1);
    expect(await bot.rally.db.volunteer.count({ where: { userId: victim } })).toBe(1);
    expect(await bot.rally.db.volunteer.count({ where: { userId: other } })).toBe(1);
    expect(cardLine(bot, card)).toBe("🎓 Campus · 2 of 2 volunteers");

    const erased = await pressed(
      bot,
      bot.discord.clickButton({ messageId: prompt.id, userId: victim, label: "Erase me" }),
      prompt.id,
    );
    expect(erased).toMatchObject({
      type: 7,
      content: "Done. Rally has forgotten you in this server.",
      components: [],
    });
    expect(cardLine(bot, card)).toBe("🎓 Campus · 1 of 2 volunteers");
    expect(
      await bot.rally.db.outreachTask.findUniqueOrThrow({ where: { id: task.id } }),
    ).toMatchObject({ claimedSlots: 1, doneCount: 0 });

    const dump = await dumpDatabase(bot.rally.db);
    expect(dump.filter((line) => line.includes(victim))).toEqual([]);
    expect(dump.some((line) => line.includes(other))).toBe(true);
    // The freed slot can be taken again.
    const again = await bot.run(bot.organizerId, `/task claim task:${task.id}`);
    expect(again.content).toMatch(/^You claimed/);
    expect(bot.discord.rejected()).toEqual([]);
  });

  it("keeps a forgotten member's done work counted on the card", async () => {
    const { bot, task, card } = await botWithTask();
    const [victim] = bot.volunteerIds;
    await bot.run(victim, `/task claim task:${task.id}`);
    await bot.run(
      victim,
      `/task done task:${task.id} proof_link:https://example.org/mine note:"Put up 30"`,
    );
    expect(cardLine(bot, card)).toBe("🎓 Campus · 1 of 2 volunteers · 1 done");
    const prompt = await bot.run(victim, "/me forget");
    expect(prompt.content).toContain(
      "Messages already posted in Discord (such as a review announcement) stay",
    );
    await pressed(
      bot,
      bot.discord.clickButton({ messageId: prompt.id, userId: victim, label: "Erase me" }),
      prompt.id,
    );
    expect(await bot.rally.db.claim.findMany()).toEqual([
      expect.objectContaining({ volunteerId: null, status: "done", note: null, proofLink: null }),
    ]);
    expect(
      await bot.rally.db.outreachTask.findUniqueOrThrow({ where: { id: task.id } }),
    ).toMatchObject({ claimedSlots: 1, doneCount: 1 });
    const status = await bot.run(victim, "/me status");
    expect(status.embeds[0]?.footer?.text).toBe(
      "Done so far: 0 · Credit: anonymous · Reminders: on",
    );
    const dump = await dumpDatabase(bot.rally.db);
    expect(dump.filter((line) => line.includes(victim) || line.includes("Put up 30"))).toEqual([]);
  });
});

describe("/me forget and what Rally posted about the member", () => {
  it("erases the member from what Rally stores and says plainly that posted messages stay", async () => {
    const { bot, task } = await botWithTask();
    const [victim] = bot.volunteerIds;
    const organizers = channelNamed(bot, "organizers");
    await bot.run(bot.organizerId, "/settings review_required enabled:true");
    await bot.run(bot.organizerId, `/settings review_channel channel:<#${organizers}>`);
    await bot.run(victim, `/task claim task:${task.id}`);
    await bot.run(victim, `/task done task:${task.id} note:"At the east gate"`);
    const named = () =>
      bot.discord
        .channels(bot.guildId)
        .flatMap((channel) => bot.discord.messages(channel.id))
        .filter((message) => JSON.stringify(message).includes(victim))
        .map((message) => `#${message.channel_id}: ${message.content}`);
    // Organizers are told who submitted, in their private channel.
    expect(named()).toEqual([
      `#${organizers}: New submission to review: **Flyers at the university** by <@${victim}>. Use \`/task review\` to approve or reject it.`,
    ]);

    const prompt = await bot.run(victim, "/me forget");
    expect(prompt.content).toContain(
      "Messages already posted in Discord (such as a review announcement) stay",
    );
    await pressed(
      bot,
      bot.discord.clickButton({ messageId: prompt.id, userId: victim, label: "Erase me" }),
      prompt.id,
    );
    expect(await bot.rally.db.claim.findFirstOrThrow()).toMatchObject({
      volunteerId: null,
      status: "released",
    });
    // Rally cannot unsay a Discord message it did not keep: the prompt says so, and nothing
    // Rally stores names the member any more.
    expect(named()).toHaveLength(1);
    const stored = await bot.rally.db.claim.findMany();
    expect(JSON.stringify(stored)).not.toContain(victim);
  });
});

describe("/settings audit over the wire", () => {
  it("lists the last organizer actions, showing an erased organizer as such", async () => {
    const { bot, campaign, task } = await botWithTask();
    const [coordinator, volunteer] = bot.volunteerIds;
    const role = bot.discord.createRole(bot.guildId, { name: "Coordinators", permissions: 0n });
    await bot.run(bot.organizerId, `/settings organizer_role role:<@&${role.id}>`);
    bot.discord.setMemberRoles(bot.guildId, coordinator, [role.id]);
    // An organizer by role only: no Manage Server.
    const counted = await bot.run(coordinator, `/campaign count campaign:${campaign.id} add:40`);
    expect(counted.content).not.toBe(organizerOnly);
    expect((await bot.rally.db.campaign.findFirstOrThrow()).count).toBe(40);

    const prompt = await bot.run(coordinator, "/me forget");
    await pressed(
      bot,
      bot.discord.clickButton({ messageId: prompt.id, userId: coordinator, label: "Erase me" }),
      prompt.id,
    );

    const audit = await bot.run(bot.organizerId, "/settings audit");
    expect(audit.flags & ephemeral).toBe(ephemeral);
    const embed = audit.embeds[0];
    expect(embed?.title).toBe("Recent organizer actions");
    const lines = (embed?.description ?? "").split("\n");
    // Each line starts with its date and time in the server's zone.
    expect(lines.every((line) => /^\d{4}-\d{2}-\d{2} \d{2}:\d{2} · /.test(line))).toBe(true);
    const action = (line: string) => line.replace(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2} · /, "");
    expect(lines.map(action)).toEqual([
      `a former organizer · count changed #${campaign.id}: count 0 → 40`,
      `<@${bot.organizerId}> · organizer role changed: organizer role None → <@&${role.id}>`,
      `<@${bot.organizerId}> · task added #${task.id}`,
      `<@${bot.organizerId}> · campaign created #${campaign.id}`,
    ]);
    expect(JSON.stringify(audit)).not.toContain(coordinator);
    // The count the erased organizer added still stands.
    expect((await bot.rally.db.campaign.findFirstOrThrow()).count).toBe(40);

    const refused = await bot.run(volunteer, "/settings audit");
    expect(refused.content).toBe(organizerOnly);
    expect(refused.embeds).toEqual([]);
    expect(refused.flags & ephemeral).toBe(ephemeral);
  });
});

describe("/campaign export over the wire", () => {
  it("gives organizers a CSV without identities: every volunteer a number, no proof links, no locations", async () => {
    const { bot, campaign, task } = await botWithTask();
    const [anonymous, credited] = bot.volunteerIds;
    await bot.run(
      bot.organizerId,
      `/task add campaign:${campaign.id} title:"Posters" kind:campus location:"East gate, Main St 5"`,
    );
    await bot.run(credited, "/me credit mode:public");
    await bot.run(anonymous, `/task claim task:${task.id}`);
    await bot.run(
      anonymous,
      `/task done task:${task.id} proof_link:https://example.org/flyers note:"Private words"`,
    );
    await bot.run(credited, `/task claim task:${task.id}`);

    const refused = await bot.run(anonymous, `/campaign export campaign:${campaign.id}`);
    expect(refused.content).toBe(organizerOnly);
    expect(refused.attachments).toEqual([]);

    const reply = await bot.run(bot.organizerId, `/campaign export campaign:${campaign.id}`);
    expect(reply.flags & ephemeral).toBe(ephemeral);
    expect(reply.content).toBe(
      "The tasks and claims of **Free political prisoners**, without identities: volunteers appear as numbers (stable in this file only), with no proof links or locations.",
    );
    expect(reply.attachments.map((file) => file.filename)).toEqual([`campaign-${campaign.id}.csv`]);
    const csv = reply.attachments[0]?.data.toString("utf8") ?? "";
    const lines = csv
      .replace(/^\uFEFF/, "")
      .trimEnd()
      .split("\r\n");
    expect(lines[0]).toBe(
      "task #,task,kind,location,slots,due,task status,volunteer,claim status,claimed at,closed at,proof link",
    );
    const cells = lines.slice(1).map((line) => line.split(","));
    expect(cells.map((row) => [row[0], row[1], row[3], row[7], row[8], row[11]])).toEqual([
      [String(task.id), "Flyers at the university", "", "volunteer #1", "done", ""],
      [String(task.id), "Flyers at the university", "", "volunteer #2", "active", ""],
      ["2", "Posters", "", "", "", ""],
    ]);
    for (const secret of [anonymous, credited, "example.org", "East gate", "Private words"])
      expect(csv).not.toContain(secret);
    // Nothing about the export without identities goes to the audit.
    expect(
      await bot.rally.db.auditEntry.count({ where: { action: "campaign.exportMembers" } }),
    ).toBe(0);
    expect(bot.discord.rejected()).toEqual([]);
  });

  it("include_members:true adds ids, proof links and locations for Manage Server only, says who can read the file, and is audited", async () => {
    const { bot, campaign, task } = await botWithTask();
    const [volunteer, roleOrganizer] = bot.volunteerIds;
    await bot.run(bot.organizerId, `/task edit task:${task.id} location:"East gate, Main St 5"`);
    await bot.run(volunteer, `/task claim task:${task.id}`);
    await bot.run(volunteer, `/task done task:${task.id} proof_link:https://example.org/flyers`);
    // An organizer by role, without Manage Server.
    const team = bot.discord.createRole(bot.guildId, { name: "Team", permissions: 0n });
    bot.discord.setMemberRoles(bot.guildId, roleOrganizer, [team.id]);
    await bot.run(bot.organizerId, `/settings organizer_role role:<@&${team.id}>`);

    const plain = await bot.run(roleOrganizer, `/campaign export campaign:${campaign.id}`);
    expect(plain.attachments).toHaveLength(1);
    const refused = await bot.run(
      roleOrganizer,
      `/campaign export campaign:${campaign.id} include_members:true`,
    );
    expect(refused.flags & ephemeral).toBe(ephemeral);
    expect(refused.content).toBe(
      "Only members with Manage Server can export with `include_members`: the file would name every volunteer. Leave the option out for an export without identities.",
    );
    expect(refused.attachments).toEqual([]);
    expect(
      await bot.rally.db.auditEntry.count({ where: { action: "campaign.exportMembers" } }),
    ).toBe(0);

    const reply = await bot.run(
      bot.organizerId,
      `/campaign export campaign:${campaign.id} include_members:true`,
    );
    expect(reply.flags & ephemeral).toBe(ephemeral);
    expect(reply.content).toContain("Only you can see this reply and its file (it is private)");
    const csv = reply.attachments[0]?.data.toString("utf8") ?? "";
    const row = csv.replace(/^\uFEFF/, "").split("\r\n")[1] ?? "";
    expect(row).toContain(`,${volunteer},done,`);
    expect(row).toContain('"East gate, Main St 5"');
    expect(row).toContain("https://example.org/flyers");
    const audit = await bot.run(bot.organizerId, "/settings audit");
    expect(audit.embeds[0]?.description).toContain(
      `<@${bot.organizerId}> · campaign exported with members #${campaign.number}`,
    );
  });
});

describe("retention over the wire", () => {
  it("erases a closed campaign's notes and proof links at the tick after the retention, once", async () => {
    const { bot, clock, campaign, task } = await botWithTask();
    const [volunteer] = bot.volunteerIds;
    await bot.run(volunteer, `/task claim task:${task.id}`);
    await bot.run(
      volunteer,
      `/task done task:${task.id} proof_link:https://example.org/gate note:"East gate"`,
    );
    const closedAt = clock.now;
    await bot.run(bot.organizerId, `/campaign close campaign:${campaign.id} outcome:won`);
    const set = await bot.run(bot.organizerId, "/settings retention days:5");
    expect(set.content).toBe(
      "Notes and proof links of closed campaigns are now erased 5 days after they close.",
    );
    expect(JSON.stringify(set.embeds)).toContain("5 days after closing");

    clock.now = new Date(closedAt.getTime() + 5 * day - 60_000);
    await bot.rally.scheduler.tick();
    expect(await bot.rally.db.claim.findFirstOrThrow()).toMatchObject({
      note: "East gate",
      proofLink: "https://example.org/gate",
    });

    clock.now = new Date(closedAt.getTime() + 5 * day);
    await bot.rally.scheduler.tick();
    expect(await bot.rally.db.claim.findFirstOrThrow()).toMatchObject({
      volunteerId: volunteer,
      status: "done",
      note: null,
      proofLink: null,
    });
    const ran = bot.logs.filter((line) => line.msg === "retention applied");
    expect(ran).toEqual([expect.objectContaining({ erased: 1 })]);
    clock.now = new Date(closedAt.getTime() + 50 * day);
    await bot.rally.scheduler.tick();
    expect(bot.logs.filter((line) => line.msg === "retention applied")).toHaveLength(1);
  });
});

describe("a server that removes Rally", () => {
  async function busyServer() {
    const setup = await botWithTask();
    const { bot, task, campaign } = setup;
    const [volunteer, other] = bot.volunteerIds;
    await bot.run(bot.organizerId, "/settings retention days:10");
    await bot.run(bot.organizerId, `/campaign count campaign:${campaign.id} add:12`);
    await bot.run(volunteer, `/task claim task:${task.id}`);
    await bot.run(volunteer, `/task done task:${task.id} note:"Done at noon"`);
    await bot.run(other, `/task claim task:${task.id}`);
    await bot.run(other, "/me reminders enabled:false");
    await bot.run(bot.organizerId, `/summary schedule time:18:00 channel:<#${setup.campaigns}>`);
    return setup;
  }

  it("erases every row of the server 30 days after the removal, even across a restart", async () => {
    const { bot, clock } = await busyServer();
    const before = await guildRowCounts(bot.rally.db, bot.guildId);
    expect(Object.values(before).every((count) => count > 0)).toBe(true);
    const removedAt = clock.now;

    bot.discord.removeBotFromGuild(bot.guildId);
    const job = await eventually(
      () =>
        bot.rally.db.dueJob
          .findFirst({ where: { kind: guildEraseJobKind, subjectId: bot.guildId } })
          .then((found) => found ?? undefined),
      "the erasure to be armed",
    );
    expect(job).toMatchObject({
      guildId: bot.guildId,
      status: "pending",
      dueAt: new Date(removedAt.getTime() + 30 * day),
    });
    await eventually(
      () =>
        bot.rally.db.summarySchedule
          .findFirst({ where: { guildId: bot.guildId, status: "stopped" } })
          .then((found) => found ?? undefined),
      "the schedules to stop",
    );

    await bot.restart();
    clock.now = new Date(removedAt.getTime() + 30 * day - 60_000);
    await bot.rally.scheduler.tick();
    expect(await guildRowCounts(bot.rally.db, bot.guildId)).toMatchObject({
      campaigns: before.campaigns,
      tasks: before.tasks,
      claims: before.claims,
      audit: before.audit,
    });

    clock.now = new Date(removedAt.getTime() + 30 * day);
    await bot.rally.scheduler.tick();
    expect(await guildRowCounts(bot.rally.db, bot.guildId)).toEqual({
      campaigns: 0,
      countEntries: 0,
      tasks: 0,
      claims: 0,
      volunteers: 0,
      audit: 0,
      settings: 0,
      schedules: 0,
    });
    // What remains naming the server is the record that its erasure ran, and nothing else.
    const dump = await dumpDatabase(bot.rally.db);
    const left = dump.filter((line) => line.includes(bot.guildId));
    expect(left).toHaveLength(1);
    expect(left[0]).toMatch(/^DueJob /);
    expect(left[0]).toContain(`"kind":"${guildEraseJobKind}"`);
    expect(left[0]).toContain(`"status":"done"`);
    for (const userId of [bot.organizerId, ...bot.volunteerIds])
      expect(dump.filter((line) => line.includes(userId))).toEqual([]);
    expect(dump.some((line) => line.includes("Done at noon"))).toBe(false);
  });

  it("erases a server that removed Rally while Rally was offline", async () => {
    const { bot, clock } = await busyServer();
    const removedAt = clock.now;
    // Rally is down (a deploy, a crash) when the server kicks it: no GUILD_DELETE reaches it.
    await bot.rally.stop();
    bot.discord.removeBotFromGuild(bot.guildId);
    await bot.restart();
    expect(bot.rally.client.guilds.cache.has(bot.guildId)).toBe(false);

    clock.now = new Date(removedAt.getTime() + 31 * day);
    await bot.rally.scheduler.tick();
    await bot.rally.scheduler.tick();
    expect(await guildRowCounts(bot.rally.db, bot.guildId)).toMatchObject({
      campaigns: 0,
      tasks: 0,
      claims: 0,
      volunteers: 0,
      audit: 0,
      settings: 0,
    });
  });

  it("looks for servers removed while it was offline a moment after READY, not before", async () => {
    // As `npm start` does: the check waits so that members' first commands come first.
    const bot = await startTestBot({ housekeepingDelayMs: 1000 });
    await bot.run(bot.organizerId, "/settings retention days:10");
    await bot.rally.stop();
    bot.discord.removeBotFromGuild(bot.guildId);
    await bot.restart();
    const erasure = () =>
      bot.rally.db.dueJob.findFirst({
        where: { kind: guildEraseJobKind, subjectId: bot.guildId, status: "pending" },
      });
    expect(await erasure()).toBeNull();
    const armed = await eventually(
      () => erasure().then((job) => job ?? undefined),
      "the erasure armed by the start-up check",
    );
    expect(armed.dueAt.getTime()).toBeGreaterThan(Date.now() + 29 * day);
  });

  it("keeps everything when Rally is back in the server by the time the erasure is due", async () => {
    // The local Discord cannot re-invite a removed server under the same id (removeBotFromGuild
    // deletes it; createGuild mints a new id), so this arms the erasure of a server the bot is
    // in, as after a removal and a re-invite, and lets the real job decide at the tick.
    const { bot, clock } = await busyServer();
    const before = await guildRowCounts(bot.rally.db, bot.guildId);
    await armGuildErasure(bot.rally.db, bot.guildId, clock.now);
    clock.now = new Date(clock.now.getTime() + 31 * day);
    await bot.rally.scheduler.tick();
    expect(
      await bot.rally.db.dueJob.findFirstOrThrow({
        where: { kind: guildEraseJobKind, subjectId: bot.guildId },
      }),
    ).toMatchObject({ status: "done" });
    expect(await guildRowCounts(bot.rally.db, bot.guildId)).toMatchObject({
      campaigns: before.campaigns,
      countEntries: before.countEntries,
      tasks: before.tasks,
      claims: before.claims,
      audit: before.audit,
      settings: 1,
      schedules: before.schedules,
    });
    const show = await bot.run(bot.organizerId, "/settings show");
    expect(JSON.stringify(show.embeds)).toContain("10 days after closing");
  });

  it("a server that adds Rally while it runs gets nothing armed, and the first server's data stays", async () => {
    const { bot } = await busyServer();
    const before = await guildRowCounts(bot.rally.db, bot.guildId);
    const guild = bot.discord.createGuild({ name: "New chapter" });
    await bot.discord.waitFor(
      () => (bot.rally.client.guilds.cache.has(guild.id) ? true : undefined),
      2000,
      "the new server to arrive",
    );
    expect(await bot.rally.db.dueJob.count({ where: { subjectId: guild.id } })).toBe(0);
    expect(await guildRowCounts(bot.rally.db, bot.guildId)).toEqual(before);
    expect(bot.logs.filter((line) => Number(line.level) >= 50)).toEqual([]);
  });
});
