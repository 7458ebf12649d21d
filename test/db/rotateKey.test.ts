/**
 * `npm run data:rotate-key`: plain values and the old key's are sealed under the new key, batch
 * by batch; stopped half-way it continues, and a run with nothing left changes nothing.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { findClaim } from "../../src/db/claims.ts";
import { findActionNetworkKey } from "../../src/db/countSources.ts";
import { rotateDataKey } from "../../src/db/rotateKey.ts";
import { listAuditActorIds, listAuditEntriesWhere } from "../../src/db/auditTrail.ts";
import { listOpenClaimsOfMember } from "../../src/db/claims.ts";
import { checkDataKey } from "../../src/db/dataKey.ts";
import {
  parseDataKey,
  seal,
  sealMemberId,
  useDataKey,
  type DataKey,
} from "../../src/db/secrets.ts";
import { findVolunteer } from "../../src/db/volunteers.ts";
import { findLiveWebSession } from "../../src/db/webSessions.ts";
import { createTestDb, testDatabaseUrl } from "../support/db.ts";
import { openDatabase } from "../../src/db/client.ts";

const newKey = () => {
  const base64 = randomBytes(32).toString("base64");
  return { base64, key: parseDataKey(base64) as DataKey };
};

afterEach(() => useDataKey(null));

/** Six claims with proofs: three plain (written before any key), three under `old`. */
async function seeded(db: Awaited<ReturnType<typeof createTestDb>>, old: DataKey) {
  const campaign = await db.campaign.create({
    data: { guildId: "1", number: 1, title: "C", goal: 10, channelId: "2" },
  });
  const task = await db.outreachTask.create({
    data: {
      guildId: "1",
      campaignId: campaign.id,
      number: 1,
      title: "T",
      location: seal("East gate", old),
    },
  });
  const ids: number[] = [];
  for (let index = 0; index < 6; index += 1) {
    const proof = `https://example.org/proof-${index}`;
    const claim = await db.claim.create({
      data: {
        guildId: "1",
        taskId: task.id,
        volunteerId: `${100 + index}`,
        status: "done",
        openMarker: null,
        expiresAt: new Date(),
        proofLink: index % 2 === 0 ? proof : seal(proof, old),
        note: index === 0 ? seal("a note", old) : null,
      },
    });
    ids.push(claim.id);
  }
  await db.guildSettings.create({ data: { guildId: "1", actionNetworkKey: "an-key-plain" } });
  return { ids, taskId: task.id };
}

describe("data:rotate-key", () => {
  it("seals everything under the new key in batches, continues after a stop, and a second run changes nothing", async () => {
    const db = await createTestDb();
    const old = newKey().key;
    const next = newKey().key;
    const { ids, taskId } = await seeded(db, old);

    // Stopped (as by a crash) after two committed batches of two rows.
    await expect(
      rotateDataKey(db, next, old, {
        batchSize: 2,
        afterBatch: (progress) => {
          if (progress.rows >= 4) throw new Error("killed");
        },
      }),
    ).rejects.toThrow("killed");
    const halfway = await db.claim.findMany({ orderBy: { id: "asc" } });
    expect(
      halfway.filter((claim) => claim.proofLink?.startsWith(`enc:v1:${next.id}:`)),
    ).toHaveLength(4);

    const resumed = await rotateDataKey(db, next, old, { batchSize: 2 });
    // The two claims left, the task's location and the Action Network key.
    // ...and the six claims' member ids, plain so far.
    expect(resumed).toEqual({ rows: 10, values: 4, memberIds: 6 });
    const again = await rotateDataKey(db, next, old, { batchSize: 2 });
    expect(again).toEqual({ rows: 0, values: 0, memberIds: 0 });

    const stored = [
      ...(await db.claim.findMany()).flatMap((claim) => [claim.proofLink, claim.note]),
      (await db.outreachTask.findUniqueOrThrow({ where: { id: taskId } })).location,
      (await db.guildSettings.findUniqueOrThrow({ where: { guildId: "1" } })).actionNetworkKey,
    ].filter((value) => value !== null);
    expect(stored).toHaveLength(9);
    for (const value of stored) expect(value).toMatch(new RegExp(`^enc:v1:${next.id}:`));

    // Read with the new key alone, through src/db's functions, the values are the same.
    useDataKey(next);
    for (const [index, id] of ids.entries())
      expect((await findClaim(db, id))?.proofLink).toBe(`https://example.org/proof-${index}`);
    expect((await findClaim(db, ids[0] ?? 0))?.note).toBe("a note");
    expect(await findActionNetworkKey(db, "1")).toBe("an-key-plain");
  });

  it("member ids, plain or under the old key, are sealed under the new one and read back by id; Rally refuses plain ids until then", async () => {
    const db = await createTestDb();
    const old = newKey().key;
    const next = newKey().key;
    const [plain, underOld] = ["300000000000000001", "300000000000000002"];
    const { taskId } = await seeded(db, old);
    // Plain rows from before any key, and rows written under the old key, side by side.
    for (const [member, key] of [
      [plain, null],
      [underOld, old],
    ] as const) {
      const stored = key ? sealMemberId(member, key) : member;
      await db.volunteer.create({ data: { guildId: "1", userId: stored, creditPublic: true } });
      await db.claim.create({
        data: { guildId: "1", taskId, volunteerId: stored, expiresAt: new Date() },
      });
      await db.auditEntry.create({
        data: {
          guildId: "1",
          actorId: stored,
          action: "task.release",
          details: JSON.stringify({ member: stored }),
        },
      });
      await db.webSession.create({
        data: {
          tokenHash: `token-${member.slice(-1)}`,
          userId: stored,
          expiresAt: new Date(Date.now() + 9e6),
        },
      });
    }
    // Started with the old key, Rally refuses the plain ids, lookups by sealed id would miss them.
    useDataKey(old);
    await expect(checkDataKey(db)).rejects.toThrow(
      "The database holds member ids stored in clear, from before DATA_KEY: stop Rally and run npm run data:rotate-key once (RELIABILITY.md).",
    );

    await expect(
      rotateDataKey(db, next, old, {
        batchSize: 2,
        afterBatch: (progress) => {
          if (progress.memberIds >= 4) throw new Error("killed");
        },
      }),
    ).rejects.toThrow("killed");
    await rotateDataKey(db, next, old, { batchSize: 2 });
    expect(await rotateDataKey(db, next, old, { batchSize: 2 })).toEqual({
      rows: 0,
      values: 0,
      memberIds: 0,
    });

    useDataKey(next);
    await expect(checkDataKey(db)).resolves.toBeUndefined();
    const raw = JSON.stringify([
      await db.volunteer.findMany(),
      await db.claim.findMany(),
      await db.auditEntry.findMany(),
      await db.webSession.findMany(),
    ]);
    expect(raw).not.toContain(plain);
    expect(raw).not.toContain(underOld);
    expect(raw).not.toContain(`enc:m1:${old.id}:`);
    for (const member of [plain, underOld]) {
      expect(await findVolunteer(db, "1", member)).toMatchObject({ userId: member });
      expect((await listOpenClaimsOfMember(db, "1", member)).map((c) => c.volunteerId)).toEqual([
        member,
      ]);
      expect(await findLiveWebSession(db, `token-${member.slice(-1)}`, new Date())).toMatchObject({
        userId: member,
      });
      const [entry] = await listAuditEntriesWhere(
        db,
        "1",
        { actorId: member, action: null, from: null, before: null },
        10,
      );
      expect(entry).toMatchObject({ actorId: member, details: JSON.stringify({ member }) });
    }
    expect(await listAuditActorIds(db, "1")).toEqual([plain, underOld]);
  });

  it("the command: a wrong old key stops it in one line; the right one rotates, and again changes nothing", async () => {
    const url = await testDatabaseUrl();
    const db = await openDatabase(url);
    const old = newKey();
    const next = newKey();
    await seeded(db, old.key);
    await db.$disconnect();
    const run = (environment: Record<string, string>) =>
      promisify(execFile)(process.execPath, ["--import", "tsx", "src/db/rotateKeyCli.ts"], {
        env: { PATH: process.env["PATH"] ?? "", DATABASE_URL: url, ...environment },
      }).then(
        (done) => ({ code: 0, ...done }),
        (error: { code: number; stdout: string; stderr: string }) => error,
      );
    const wrong = await run({ DATA_KEY: next.base64, DATA_KEY_OLD: newKey().base64 });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toBe(
      `Key rotation failed: a value is encrypted with key ${old.key.id}, which neither DATA_KEY nor DATA_KEY_OLD is; what was done so far stays done.\n`,
    );
    const first = await run({ DATA_KEY: next.base64, DATA_KEY_OLD: old.base64 });
    expect(first.stderr).toBe("");
    expect(first.stdout).toMatch(
      new RegExp(`^Encrypted 9 values in \\d+ rows under key ${next.key.id}`),
    );
    const second = await run({ DATA_KEY: next.base64, DATA_KEY_OLD: old.base64 });
    expect(second.stdout).toMatch(/^Encrypted 0 values in 0 rows/);
  }, 120_000);
});
