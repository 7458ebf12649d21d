/**
 * Member ids sealed with DATA_KEY (#25): lookups by member, the unique keys that name a member,
 * and every filter form src/db uses work on the sealed value; and every column that names a
 * member in the schema is sealed.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { listAuditEntriesWhere } from "../../src/db/auditTrail.ts";
import { eraseMemberFromAuditDetails } from "../../src/db/privacy.ts";
import { recordAudit } from "../../src/domain/audit.ts";
import {
  countDoneClaimsOfMember,
  listHeldTaskIds,
  listOpenClaimsOfMember,
} from "../../src/db/claims.ts";
import { memberIdFields, parseDataKey, sealMemberId, useDataKey } from "../../src/db/secrets.ts";
import { prismaOf } from "../../src/db/store.ts";
import { checkDataKey } from "../../src/db/dataKey.ts";
import { findVolunteer, saveVolunteerChoices } from "../../src/db/volunteers.ts";
import { createCampaign } from "../../src/domain/campaigns.ts";
import { UserError } from "../../src/domain/errors.ts";
import { addTask, claimTask } from "../../src/domain/tasks.ts";
import { createTestDb } from "../support/db.ts";
import { campaignFields, ids } from "../support/domain.ts";

const bob = "300000000000000002";

beforeEach(() => useDataKey(parseDataKey(randomBytes(32).toString("base64"))));
afterEach(() => useDataKey(null));

async function twoTasks() {
  const db = await createTestDb();
  const campaign = await createCampaign(db, ids.guild, ids.organizer, campaignFields());
  const task = (title: string) =>
    addTask(db, ids.guild, ids.organizer, campaign.id, {
      title,
      kind: "campus",
      location: null,
      instructions: null,
      slots: 3,
      dueAt: null,
    });
  return { db, first: await task("Flyers"), second: await task("Posters") };
}

describe("member ids sealed with DATA_KEY", () => {
  it("finds a member's two claims as theirs, and only theirs, though the ids are stored sealed", async () => {
    const { db, first, second } = await twoTasks();
    const now = new Date();
    await claimTask(db, ids.guild, ids.alice, first.id, now, 3);
    await claimTask(db, ids.guild, ids.alice, second.id, now, 3);
    await claimTask(db, ids.guild, bob, first.id, now, 3);

    const stored = await db.claim.findMany({ orderBy: { id: "asc" } });
    expect(stored.map((claim) => claim.volunteerId)).toEqual([
      sealMemberId(ids.alice),
      sealMemberId(ids.alice),
      sealMemberId(bob),
    ]);
    expect(JSON.stringify(stored)).not.toContain(ids.alice);

    const mine = await listOpenClaimsOfMember(db, ids.guild, ids.alice);
    expect(mine.map((claim) => [claim.taskId, claim.volunteerId])).toEqual([
      [first.id, ids.alice],
      [second.id, ids.alice],
    ]);
    expect(await listHeldTaskIds(db, ids.guild, ids.alice)).toEqual([second.id, first.id]);
    expect(await listHeldTaskIds(db, ids.guild, bob)).toEqual([first.id]);
    expect(await countDoneClaimsOfMember(db, ids.guild, ids.alice)).toBe(0);
    // One open claim per member and task: the unique index holds on the sealed id.
    await expect(claimTask(db, ids.guild, ids.alice, first.id, now, 3)).rejects.toThrow(UserError);
    expect(await db.claim.count()).toBe(3);
  });

  it("keeps one volunteer row per member and server, on the sealed id", async () => {
    const { db } = await twoTasks();
    await saveVolunteerChoices(db, ids.guild, ids.alice, { creditPublic: true });
    await saveVolunteerChoices(db, ids.guild, ids.alice, { remindersEnabled: false });
    await saveVolunteerChoices(db, ids.otherGuild, ids.alice, { creditPublic: false });
    expect(await db.volunteer.count({ where: { guildId: ids.guild } })).toBe(1);
    expect(await findVolunteer(db, ids.guild, ids.alice)).toMatchObject({
      userId: ids.alice,
      creditPublic: true,
      remindersEnabled: false,
    });
    // A second row for the same member, written as src/db writes it, is refused.
    await expect(
      db.volunteer.create({ data: { guildId: ids.guild, userId: sealMemberId(ids.alice) } }),
    ).rejects.toThrow();
  });

  it("seals member ids in every filter form: in, notIn, not, AND/OR/NOT, relation filters, groupBy", async () => {
    const { db, first } = await twoTasks();
    const now = new Date();
    await claimTask(db, ids.guild, ids.alice, first.id, now, 3);
    await claimTask(db, ids.guild, bob, first.id, now, 3);
    const q = prismaOf(db);
    const who = async (where: object) =>
      (await q.claim.findMany({ where, orderBy: { id: "asc" } })).map((c) => c.volunteerId);
    expect(await who({ volunteerId: { in: [ids.alice] } })).toEqual([ids.alice]);
    expect(await who({ volunteerId: { notIn: [ids.alice] } })).toEqual([bob]);
    expect(await who({ volunteerId: { not: ids.alice } })).toEqual([bob]);
    expect(await who({ volunteerId: { equals: bob } })).toEqual([bob]);
    expect(await who({ OR: [{ volunteerId: bob }, { volunteerId: ids.alice }] })).toEqual([
      ids.alice,
      bob,
    ]);
    expect(await who({ AND: [{ NOT: { volunteerId: bob } }] })).toEqual([ids.alice]);
    expect(await who({ task: { createdById: ids.organizer } })).toEqual([ids.alice, bob]);
    const counted = await q.claim.groupBy({ by: ["volunteerId"], _count: { _all: true } });
    expect(counted.map((row) => row.volunteerId).sort()).toEqual([ids.alice, bob].sort());
    expect((await q.outreachTask.findFirstOrThrow()).createdById).toBe(ids.organizer);
  });

  it("seals the member ids inside audit details, reads them back, and /me forget still finds them there", async () => {
    const { db } = await twoTasks();
    const details = { claimId: 1, member: ids.alice };
    await recordAudit(db, {
      guildId: ids.guild,
      actorId: ids.organizer,
      action: "task.releaseFor",
      details,
    });
    await recordAudit(db, {
      guildId: ids.guild,
      actorId: ids.organizer,
      action: "task.releaseFor",
      details: { claimId: 2, member: bob },
    });
    const raw = await db.auditEntry.findMany({ where: { action: "task.releaseFor" } });
    expect(JSON.stringify(raw)).not.toContain(ids.alice);
    expect(JSON.stringify(raw)).not.toContain(ids.organizer);
    const query = { actorId: ids.organizer, action: "task.releaseFor", from: null, before: null };
    const shown = await listAuditEntriesWhere(db, ids.guild, query, 10);
    expect(shown.map((entry) => JSON.parse(entry.details ?? "{}") as object)).toEqual([
      { claimId: 2, member: bob },
      details,
    ]);
    await eraseMemberFromAuditDetails(db, ids.guild, ids.alice);
    const after = await listAuditEntriesWhere(db, ids.guild, query, 10);
    expect(after.map((entry) => JSON.parse(entry.details ?? "{}") as object)).toEqual([
      { claimId: 2, member: bob },
      { claimId: 1, member: "erased" },
    ]);
  });

  it("refuses a start without the key, with another key, or with a member id that fails its check", async () => {
    const db = await createTestDb();
    const key = parseDataKey(randomBytes(32).toString("base64"));
    const sealed = sealMemberId(ids.alice, key);
    await db.volunteer.create({ data: { guildId: ids.guild, userId: sealed } });
    useDataKey(null);
    await expect(checkDataKey(db)).rejects.toThrow(
      `The database holds values encrypted with a key (id ${key?.id ?? ""}), and DATA_KEY is not set`,
    );
    useDataKey(parseDataKey(randomBytes(32).toString("base64")));
    await expect(checkDataKey(db)).rejects.toThrow(/encrypted with another key/);
    useDataKey(key);
    await expect(checkDataKey(db)).resolves.toBeUndefined();
    // The same envelope with one byte of its ciphertext changed opens to no id at all.
    const parts = sealed.split(":");
    const bytes = Buffer.from(parts[4] ?? "", "base64url");
    bytes[0] = (bytes[0] ?? 0) ^ 1;
    const forged = [...parts.slice(0, 4), bytes.toString("base64url")].join(":");
    await db.volunteer.update({
      where: { guildId_userId: { guildId: ids.guild, userId: sealed } },
      data: { userId: forged },
    });
    await expect(checkDataKey(db)).rejects.toThrow(/fail their check/);
  });

  it("seals every column of the schema that names a member", () => {
    const schema = readFileSync("prisma/schema.prisma", "utf8");
    const named: string[] = [];
    let model = "";
    for (const line of schema.split("\n")) {
      const opened = /^model (\w+) \{/.exec(line);
      if (opened) model = opened[1] ?? "";
      const field = /^\s+(\w+)\s+String\??/.exec(line);
      if (field && /(?:userId|volunteerId|actorId|ById|memberId|recipientId)$/.test(field[1] ?? ""))
        named.push(`${model}.${field[1] ?? ""}`);
    }
    const sealed = Object.entries(memberIdFields).flatMap(([name, fields]) =>
      fields.map((field) => `${name}.${field}`),
    );
    expect(named.sort()).toEqual(sealed.sort());
  });
});
