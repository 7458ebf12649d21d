import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { sqlitePathFromUrl } from "../../src/db/migrate.ts";
import { createCampaign } from "../../src/domain/campaigns.ts";
import { addTask, claimTask, finishTask } from "../../src/domain/tasks.ts";
import { databaseKind, dumpTables } from "../support/db.ts";
import { channelNamed, purgeServer, startTestBot, type TestBot } from "../support/bot.ts";

const ephemeral = 64;

const taskFields = (title: string, location: string | null = null) => ({
  title,
  kind: "campus" as const,
  location,
  instructions: null,
  slots: 3,
  dueAt: null,
});

/**
 * A server where two volunteers claimed, finished, wrote notes and proofs, were released and
 * thanked by name; one of them is also a volunteer of a second server.
 */
async function seededWorld() {
  const bot = await startTestBot();
  const campaigns = channelNamed(bot, "campaigns");
  const [alone, shared] = bot.volunteerIds;
  await bot.run(
    bot.organizerId,
    `/campaign create title:"Free political prisoners" goal:500 channel:<#${campaigns}>`,
  );
  const campaign = await bot.rally.db.campaign.findFirstOrThrow();
  const add = (line: string) =>
    bot.run(bot.organizerId, `/task add campaign:${campaign.id} ${line}`);
  await add('title:"Flyers at the university" kind:campus slots:3 location:"East gate"');
  await add('title:"Posters" kind:campus slots:2');
  const [flyers, posters] = await bot.rally.db.outreachTask.findMany({ orderBy: { id: "asc" } });
  if (!flyers || !posters) throw new Error("no tasks");

  await bot.run(alone, `/task claim task:${flyers.id}`);
  await bot.run(
    alone,
    `/task done task:${flyers.id} proof_link:https://example.org/alone-proof-7f3a note:"Met Ales at the east gate"`,
  );
  await bot.run(shared, "/me credit mode:public");
  await bot.run(shared, `/task claim task:${flyers.id}`);
  await bot.run(
    shared,
    `/task done task:${flyers.id} proof_link:https://example.org/shared-proof-91c2`,
  );
  // Still held when the purge comes; and one released for a member by an organizer (audited
  // with that member's id in its details).
  await bot.run(shared, `/task claim task:${posters.id}`);
  await bot.run(alone, `/task claim task:${posters.id}`);
  await bot.run(bot.organizerId, `/task release task:${posters.id} member:<@${alone}>`);
  await bot.rally.db.guildSettings.upsert({
    where: { guildId: bot.guildId },
    create: { guildId: bot.guildId, actionNetworkKey: "an-key-5e1d0c" },
    update: { actionNetworkKey: "an-key-5e1d0c" },
  });

  // A summary that thanks the credited volunteer by mention, recorded as a scheduled post.
  await bot.run(bot.organizerId, `/summary now channel:<#${campaigns}>`);
  const summary = bot.discord
    .messages(campaigns)
    .find((message) => message.content.includes(`<@${shared}>`));
  if (!summary) throw new Error("no summary naming the credited volunteer");
  await bot.rally.db.summarySchedule.create({
    data: {
      guildId: bot.guildId,
      channelId: campaigns,
      time: "18:00",
      timeZone: "UTC",
      days: "mon",
      nextRunAt: new Date(),
      posts: {
        create: { slot: "2026-12-07", part: 0, nonce: "n1", messageId: summary.id, status: "sent" },
      },
    },
  });

  // The second server: the shared volunteer's work there must survive the first's purge.
  const other = bot.discord.createGuild({ name: "Another server" });
  const otherCampaign = await createCampaign(bot.rally.db, other.id, bot.organizerId, {
    title: "Elsewhere",
    goal: 10,
    unit: "signatures",
    description: null,
    link: null,
    callToAction: null,
    channelId: bot.channelId,
    endsAt: null,
    autoRaise: true,
  });
  const otherTask = await addTask(
    bot.rally.db,
    other.id,
    bot.organizerId,
    otherCampaign.id,
    taskFields("Other flyers", "North square"),
  );
  await claimTask(bot.rally.db, other.id, shared, otherTask.id, new Date(), 3);
  await finishTask(
    bot.rally.db,
    other.id,
    shared,
    otherTask.id,
    { proofLink: "https://example.org/other-server-proof", note: "other note" },
    new Date(),
    false,
  );
  return { bot, campaign, flyers, posters, alone, shared, summary, other, campaigns };
}

/** The database's files as bytes, the WAL included: what a copied disk would show. */
function databaseBytes(bot: TestBot): Buffer {
  const path = sqlitePathFromUrl(bot.databaseUrl);
  const files = [path, `${path}-wal`, `${path}-journal`].filter((file) => existsSync(file));
  return Buffer.concat(files.map((file) => readFileSync(file)));
}

describe("/settings purge over the wire", () => {
  it("a wrong server name erases nothing; the right one erases who did what in this server only, in the rows and in the file's bytes", async () => {
    const world = await seededWorld();
    const { bot, alone, shared } = world;
    const secrets = [
      alone,
      "https://example.org/alone-proof-7f3a",
      "https://example.org/shared-proof-91c2",
      "Met Ales at the east gate",
      "an-key-5e1d0c",
    ];
    if (databaseKind === "sqlite") {
      const before = databaseBytes(bot);
      // The test would prove nothing if the values were not in the file to begin with.
      for (const secret of secrets) expect(before.includes(secret)).toBe(true);
    }
    // Dashboard logins: one naming only this server, one naming it among others, one elsewhere.
    const session = (tokenHash: string, guildIds: string) =>
      bot.rally.db.webSession.create({
        data: {
          tokenHash,
          userId: bot.organizerId,
          guildIds,
          createdAt: new Date(),
          expiresAt: new Date(Date.now() + 86_400_000),
        },
      });
    await session("here-only", bot.guildId);
    await session("here-and-there", `${world.other.id},${bot.guildId}`);
    await session("there-only", world.other.id);
    const tables = await dumpTables(bot.rally.db);

    const wrong = await purgeServer(bot, bot.organizerId, "Rally sandbox");
    expect(wrong.flags & ephemeral).toBe(ephemeral);
    expect(wrong.content).toBe(
      "That is not this server's name, so nothing was erased. Run `/settings purge` again and type the name exactly as Discord shows it.",
    );
    expect(await dumpTables(bot.rally.db)).toEqual(tables);

    const otherBefore = {
      claims: await bot.rally.db.claim.findMany({ where: { guildId: world.other.id } }),
      volunteers: await bot.rally.db.volunteer.findMany({ where: { guildId: world.other.id } }),
      audit: await bot.rally.db.auditEntry.findMany({ where: { guildId: world.other.id } }),
      campaigns: await bot.rally.db.campaign.findMany({ where: { guildId: world.other.id } }),
    };
    const countsBefore = await bot.rally.db.outreachTask.findMany({
      where: { guildId: bot.guildId },
      select: { id: true, doneCount: true },
      orderBy: { id: "asc" },
    });

    const done = await purgeServer(bot, bot.organizerId, " Rally Sandbox ");
    expect(done.flags & ephemeral).toBe(ephemeral);
    const lines = done.content.split("\n");
    expect(lines[0]).toMatch(/^\*\*Erased\.\*\*/);
    expect(lines).toContain(
      "• 4 claims no longer name their volunteer or reviewer (they still count)",
    );
    expect(lines).toContain("• 1 claim still open was released: its slot is free again");
    expect(lines).toContain("• 3 proof links, notes and review reasons deleted");
    expect(lines).toContain(
      "• the Action Network key was deleted (set it again to read those counts)",
    );
    expect(lines).toContain("• 1 summary post edited to remove the names it thanked");
    expect(lines).toContain("• 2 dashboard logins ended");
    expect(
      (await bot.rally.db.webSession.findMany({ select: { tokenHash: true } })).map(
        (row) => row.tokenHash,
      ),
    ).toEqual(["there-only"]);
    expect(done.content).toContain("backups made before now still hold everything");

    // The rows: claims keep their counts, nobody is named anywhere in this server.
    const claims = await bot.rally.db.claim.findMany({ where: { guildId: bot.guildId } });
    expect(claims).toHaveLength(4);
    for (const claim of claims)
      expect(claim).toMatchObject({
        volunteerId: null,
        reviewedById: null,
        proofLink: null,
        note: null,
        rejectReason: null,
      });
    expect(claims.filter((claim) => claim.status === "active")).toEqual([]);
    expect(
      await bot.rally.db.outreachTask.findMany({
        where: { guildId: bot.guildId },
        select: { id: true, doneCount: true },
        orderBy: { id: "asc" },
      }),
    ).toEqual(countsBefore);
    expect(await bot.rally.db.volunteer.count({ where: { guildId: bot.guildId } })).toBe(0);
    expect(await bot.rally.db.directMessage.count({ where: { guildId: bot.guildId } })).toBe(0);
    const audit = await bot.rally.db.auditEntry.findMany({ where: { guildId: bot.guildId } });
    expect(audit.filter((entry) => entry.actorId !== null)).toEqual([]);
    expect(JSON.stringify(audit)).not.toContain(alone);
    expect(audit.at(-1)).toMatchObject({ action: "settings.purge", actorId: null });
    expect(
      await bot.rally.db.campaign.count({ where: { guildId: bot.guildId, createdById: null } }),
    ).toBe(1);
    expect(
      (await bot.rally.db.guildSettings.findUniqueOrThrow({ where: { guildId: bot.guildId } }))
        .actionNetworkKey,
    ).toBeNull();

    // The other server keeps everything, the shared volunteer's work included.
    expect({
      claims: await bot.rally.db.claim.findMany({ where: { guildId: world.other.id } }),
      volunteers: await bot.rally.db.volunteer.findMany({ where: { guildId: world.other.id } }),
      audit: await bot.rally.db.auditEntry.findMany({ where: { guildId: world.other.id } }),
      campaigns: await bot.rally.db.campaign.findMany({ where: { guildId: world.other.id } }),
    }).toEqual(otherBefore);
    expect(otherBefore.claims[0]).toMatchObject({
      volunteerId: shared,
      proofLink: "https://example.org/other-server-proof",
    });

    // The bytes: not one erased value is left in the database file or its WAL.
    if (databaseKind === "sqlite") {
      const after = databaseBytes(bot);
      for (const secret of secrets) expect(after.includes(secret), secret).toBe(false);
      // The shared member's id is still there, for the other server's rows only.
      expect(after.includes("https://example.org/other-server-proof")).toBe(true);
      for (const username of ["volunteer1", "volunteer2"])
        expect(after.includes(username)).toBe(false);
    }

    // The summary no longer names the volunteer it thanked.
    const edited = bot.discord.message(world.summary.id);
    expect(edited?.content).not.toContain(`<@${shared}>`);
    expect(edited?.content).toContain("(names removed)");

    // The audit shows the purge, by nobody, with numbers only.
    const shown = await bot.run(bot.organizerId, "/settings audit");
    const newest = (shown.embeds[0]?.description ?? "").split("\n")[0] ?? "";
    expect(newest).toMatch(/ · a former organizer · emergency purge: who did what erased$/);
    expect(bot.discord.rejected()).toEqual([]);
  });

  it("is refused to an organizer without Manage Server, before any form", async () => {
    const { bot } = await seededWorld();
    const [, roleOrganizer] = bot.volunteerIds;
    const team = bot.discord.createRole(bot.guildId, { name: "Team", permissions: 0n });
    bot.discord.setMemberRoles(bot.guildId, roleOrganizer, [team.id]);
    await bot.run(bot.organizerId, `/settings organizer_role role:<@&${team.id}>`);
    const tables = await dumpTables(bot.rally.db);
    const refused = await bot.run(roleOrganizer, "/settings purge");
    expect(refused.content).toBe("Only members with the Manage Server permission can do this.");
    // A forged form submitted without the command: refused the same way.
    const forged = await bot.discord
      .submitModal({
        guildId: bot.guildId,
        channelId: bot.channelId,
        userId: roleOrganizer,
        modal: {
          customId: "settings:purge",
          components: [
            { type: 1, components: [{ type: 4, custom_id: "name", style: 1, label: "name" }] },
          ],
        },
        values: { name: "Rally Sandbox" },
      })
      .final();
    expect(forged.content).toBe("Only members with the Manage Server permission can do this.");
    expect(await dumpTables(bot.rally.db)).toEqual(tables);
  });
});
