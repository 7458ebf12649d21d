import { describe, expect, it } from "vitest";
import { translator, type Language } from "../../src/i18n/index.ts";
import { startTestBot, type TestBot } from "../support/bot.ts";

/**
 * An organizer in control of claims, over the wire, in a member's own language: releasing a
 * no-show's claim and moving a claim to another member (both volunteers told by DM).
 */

const ephemeral = 64;
const discordLocale: Record<string, string> = { en: "en-GB", ru: "ru" };
/** The server speaks another language, so the member's own cannot be confused with it. */
const serverLanguageOf: Record<string, Language> = { en: "ru", ru: "en" };

function directMessages(bot: TestBot, userId: string) {
  const channel = bot.discord.directMessageChannel(userId);
  return channel ? bot.discord.messages(channel.id).map((message) => message.content) : [];
}

async function setUp(language: Language) {
  const bot = await startTestBot();
  const locale = discordLocale[language] ?? "en-GB";
  const as = (userId: string, line: string) => bot.run(userId, line, undefined, { locale });
  await as(bot.organizerId, `/settings language language:${serverLanguageOf[language]}`);
  const campaigns = bot.world.channels.find((channel) => channel.name === "campaigns")?.id ?? "";
  await as(
    bot.organizerId,
    `/campaign create title:"Free political prisoners" goal:500 channel:<#${campaigns}>`,
  );
  const campaign = await bot.rally.db.campaign.findFirstOrThrow();
  await as(
    bot.organizerId,
    `/task add campaign:${campaign.id} title:"Flyers at the university" kind:campus slots:1`,
  );
  const task = await bot.rally.db.outreachTask.findFirstOrThrow({ orderBy: { id: "desc" } });
  await as(
    bot.organizerId,
    `/task add campaign:${campaign.id} title:"Posters" kind:campus slots:3`,
  );
  const other = await bot.rally.db.outreachTask.findFirstOrThrow({ orderBy: { id: "desc" } });
  return { bot, as, task, other, t: translator(language) };
}

async function claimsOf(bot: TestBot, taskId: number) {
  const claims = await bot.rally.db.claim.findMany({ where: { taskId }, orderBy: { id: "asc" } });
  return claims.map((claim) => `${claim.volunteerId}:${claim.status}`);
}

describe.each(["en", "ru"] as const)("organizer control of claims (%s)", (language) => {
  it("releases a member's claim, and says what stands in the way when it cannot", async () => {
    const { bot, as, task, t } = await setUp(language);
    const [v1, v2] = bot.volunteerIds;
    const title = "Flyers at the university";
    await as(v1, `/task claim task:${task.id}`);

    // A volunteer may release only their own claim.
    const refused = await as(v2, `/task release task:${task.id} member:<@${v1}>`);
    expect(refused.content).toBe(t("errors.organizerOnly"));
    expect(refused.flags & ephemeral).toBe(ephemeral);
    expect(await claimsOf(bot, task.id)).toEqual([`${v1}:active`]);

    // The organizer holds nothing: said so, by id or by the title typed in full.
    const own = await as(bot.organizerId, `/task release task:${task.id}`);
    expect(own.content).toBe(t("task.notHolding"));
    const typed = await as(bot.organizerId, `/task release task:"${title}"`);
    expect(typed.content).toBe(t("task.notHolding"));
    const nobody = await as(bot.organizerId, `/task release task:${task.id} member:<@${v2}>`);
    expect(nobody.content).toBe(t("task.memberNotHolding", { memberId: v2, title }));
    expect(nobody.flags & ephemeral).toBe(ephemeral);

    const released = await as(bot.organizerId, `/task release task:${task.id} member:<@${v1}>`);
    expect(released.content).toBe(t("task.releasedFor", { member: `<@${v1}>`, title }));
    expect(released.flags & ephemeral).toBe(ephemeral);
    expect(await claimsOf(bot, task.id)).toEqual([`${v1}:released`]);
    const row = await bot.rally.db.outreachTask.findUniqueOrThrow({ where: { id: task.id } });
    expect(row.claimedSlots).toBe(0);
    const pending = await bot.rally.db.dueJob.count({
      where: { kind: { startsWith: "claim." }, status: "pending" },
    });
    expect(pending).toBe(0);
    const audit = await bot.rally.db.auditEntry.findFirstOrThrow({
      where: { action: "task.releaseFor" },
    });
    expect(audit.actorId).toBe(bot.organizerId);
    // The slot is free again: someone else claims it.
    const again = await as(v2, `/task claim task:${task.id}`);
    expect(again.content).toContain(title);
    expect(await claimsOf(bot, task.id)).toEqual([`${v1}:released`, `${v2}:active`]);
  });

  it("moves a claim on a full task in one step and tells both members privately", async () => {
    const { bot, as, task, other, t } = await setUp(language);
    const [v1, v2] = bot.volunteerIds;
    const title = "Flyers at the university";
    const campaign = "Free political prisoners";
    await as(v1, `/task claim task:${task.id}`);
    // v2 has used Rally in their language before (their DMs are written in it).
    await as(v2, `/task claim task:${other.id}`);

    // Without `from`, a full task refuses as before.
    const full = await as(bot.organizerId, `/task assign task:${task.id} member:<@${v2}>`);
    expect(full.content).toBe(t("task.full", { title, count: 1 }));

    const moved = await as(
      bot.organizerId,
      `/task assign task:${task.id} member:<@${v2}> from:<@${v1}>`,
    );
    expect(moved.content).toBe(t("task.moved", { member: `<@${v2}>`, from: `<@${v1}>`, title }));
    expect(moved.flags & ephemeral).toBe(ephemeral);
    expect(await claimsOf(bot, task.id)).toEqual([`${v1}:released`, `${v2}:active`]);
    const row = await bot.rally.db.outreachTask.findUniqueOrThrow({ where: { id: task.id } });
    expect(row.claimedSlots).toBe(1);
    const card = bot.discord.message(row.cardMessageId ?? "");
    expect(JSON.stringify(card?.embeds)).toContain("1");

    const [away] = directMessages(bot, v1);
    expect(away).toContain(t("reminders.movedAway", { task: title, campaign }));
    const [toNew] = directMessages(bot, v2);
    const movedTo = t("reminders.movedTo", { task: title, campaign, expires: "@@" });
    expect(toNew).toContain(movedTo.split("@@")[0]);
    expect(toNew).toMatch(/<t:\d+:R>/);

    // The expiry follows the new holder.
    const claims = await bot.rally.db.claim.findMany({ where: { taskId: task.id } });
    const expiries = await bot.rally.db.dueJob.findMany({
      where: { kind: "claim.expire", status: "pending" },
    });
    const newClaim = claims.find((claim) => claim.volunteerId === v2);
    const oldClaim = claims.find((claim) => claim.volunteerId === v1);
    expect(expiries.map((job) => job.subjectId)).toContain(String(newClaim?.id));
    expect(expiries.map((job) => job.subjectId)).not.toContain(String(oldClaim?.id));

    // A member who turned reminders off is not messaged; the other still is.
    await as(v1, `/me reminders enabled:false`);
    await as(bot.organizerId, `/task assign task:${task.id} member:<@${v1}> from:<@${v2}>`);
    expect(directMessages(bot, v1)).toHaveLength(1);
    expect(directMessages(bot, v2)).toHaveLength(2);
    expect(directMessages(bot, v2)[1]).toContain(
      t("reminders.movedAway", { task: title, campaign }),
    );
    const moves = await bot.rally.db.auditEntry.count({ where: { action: "task.move" } });
    expect(moves).toBe(2);
    expect(bot.discord.rejected()).toEqual([]);
  });
});

describe.each(["en", "ru"] as const)("the overdue list's release menu (%s)", (language) => {
  it("lets an organizer release no-shows' claims picked in a menu, and offers volunteers none", async () => {
    const clock = { now: new Date(Date.UTC(2026, 11, 1, 12, 0)) };
    const bot = await startTestBot({ now: () => clock.now });
    const locale = discordLocale[language] ?? "en-GB";
    const t = translator(language);
    const as = (userId: string, line: string) => bot.run(userId, line, undefined, { locale });
    const [v1, v2] = bot.volunteerIds;
    const campaigns = bot.world.channels.find((channel) => channel.name === "campaigns")?.id ?? "";
    await as(
      bot.organizerId,
      `/campaign create title:"Free prisoners" goal:500 channel:<#${campaigns}>`,
    );
    const campaign = await bot.rally.db.campaign.findFirstOrThrow();
    await as(
      bot.organizerId,
      `/task add campaign:${campaign.id} title:"Flyers at the university" kind:campus slots:2 due:"2026-12-02 18:00"`,
    );
    const task = await bot.rally.db.outreachTask.findFirstOrThrow();
    await as(v1, `/task claim task:${task.id}`);
    await as(v2, `/task claim task:${task.id}`);
    clock.now = new Date(Date.UTC(2026, 11, 3, 12, 0));

    // A volunteer's overdue list has no menu.
    const volunteerList = await as(v1, "/task list filter:overdue");
    expect(JSON.stringify(volunteerList.components)).not.toContain("releaseOverdue");

    const list = await as(bot.organizerId, "/task list filter:overdue");
    expect(list.flags & ephemeral).toBe(ephemeral);
    const menu = list.components
      .flatMap((row) => row.components)
      .find((component) => component.type === 3);
    if (!menu || menu.type !== 3) throw new Error("no select menu on the organizer's overdue list");
    expect(menu.options).toHaveLength(2);
    for (const option of menu.options) {
      expect(option.label.length).toBeLessThanOrEqual(100);
      expect(option.label).toContain("Flyers at the university");
      expect(option.label).not.toMatch(/<@/);
      expect(option.description).toContain("2026-12-02 18:00");
    }
    const claims = await bot.rally.db.claim.findMany({ orderBy: { id: "asc" } });
    const first = claims.find((claim) => claim.volunteerId === v1);

    const handle = bot.discord.chooseOptions({
      messageId: list.id,
      userId: bot.organizerId,
      customId: menu.custom_id,
      values: [String(first?.id)],
      locale,
    });
    expect(await handle.response()).toMatchObject({ type: 7 });
    await handle.final();
    await bot.rally.settled();
    expect(handle.followups[0]?.content).toBe(t("task.releasedOverdue", { count: 1 }));
    expect(handle.followups[0]?.flags ?? 0).toBe(ephemeral);
    const after = await bot.rally.db.claim.findMany({ orderBy: { id: "asc" } });
    expect(after.map((claim) => `${claim.volunteerId}:${claim.status}`)).toEqual([
      `${v1}:released`,
      `${v2}:active`,
    ]);
    const row = await bot.rally.db.outreachTask.findUniqueOrThrow({ where: { id: task.id } });
    expect(row.claimedSlots).toBe(1);
    // The list is shown again with the one claim left.
    const shown = bot.discord.message(list.id);
    const left = shown?.components.flatMap((r) => r.components).find((c) => c.type === 3);
    expect(left && left.type === 3 ? left.options.map((option) => option.value) : []).toEqual([
      String(after[1]?.id),
    ]);
    const audit = await bot.rally.db.auditEntry.findMany({ where: { action: "task.releaseFor" } });
    expect(audit).toHaveLength(1);
    expect(bot.discord.rejected()).toEqual([]);
  });
});
