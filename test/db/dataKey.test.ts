/**
 * Encryption at rest in src/db: what a member types is read back as typed, with a key or
 * without, even text that looks like an encrypted value (which must not stop the next start).
 */
import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { findClaim, submitClaimIfActive } from "../../src/db/claims.ts";
import { checkDataKey } from "../../src/db/dataKey.ts";
import { parseDataKey, sealMemberId, useDataKey } from "../../src/db/secrets.ts";
import { createTestDb } from "../support/db.ts";

afterEach(() => useDataKey(null));

async function activeClaim(db: Awaited<ReturnType<typeof createTestDb>>) {
  const campaign = await db.campaign.create({
    data: { guildId: "1", number: 1, title: "C", goal: 10, channelId: "2" },
  });
  const task = await db.outreachTask.create({
    data: { guildId: "1", campaignId: campaign.id, number: 1, title: "T" },
  });
  return db.claim.create({
    // Through the raw client: the member id as src/db would store it.
    data: {
      guildId: "1",
      taskId: task.id,
      volunteerId: sealMemberId("100"),
      expiresAt: new Date(),
    },
  });
}

const lookalike = `enc:v1:0123abcd:${Buffer.alloc(12).toString("base64")}:${Buffer.alloc(20).toString("base64")}`;

describe("sealed fields", () => {
  it.each([
    ["without a key", null],
    ["with a key", randomBytes(32).toString("base64")],
  ])(
    "%s, a note typed like an encrypted value reads back as typed, and the next start is not refused",
    async (_label, key) => {
      useDataKey(key === null ? null : parseDataKey(key));
      const db = await createTestDb();
      const claim = await activeClaim(db);
      await submitClaimIfActive(
        db,
        claim.id,
        { proofLink: "enc:something", note: lookalike },
        new Date(),
      );
      expect(await findClaim(db, claim.id)).toMatchObject({
        proofLink: "enc:something",
        note: lookalike,
      });
      await expect(checkDataKey(db)).resolves.toBeUndefined();
    },
  );
});
