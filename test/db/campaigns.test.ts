import { describe, expect, it } from "vitest";
import type { Database as Db } from "../../src/db/store.ts";
import {
  campaignLimits,
  changeCount,
  closeCampaign,
  countHistory,
  createCampaign,
  editCampaign,
  getActiveCampaign,
  getCampaign,
  listCampaigns,
  parseCampaignId,
  reopenCampaign,
  searchCampaigns,
  type CampaignFields,
} from "../../src/domain/campaigns.ts";
import { UserError } from "../../src/domain/errors.ts";
import { campaignFields } from "../support/domain.ts";
import { createTestDb } from "../support/db.ts";

const guild = "100000000000000001";
const otherGuild = "100000000000000002";
const organizer = "200000000000000001";
const secondOrganizer = "200000000000000002";
const day = (iso: string) => new Date(iso);

function fields(overrides: Partial<CampaignFields> = {}): CampaignFields {
  return campaignFields({ channelId: "300000000000000001", ...overrides });
}

/** The refusal a member would read: a UserError with this key (and, when given, these params). */
async function expectRefusal(
  action: Promise<unknown> | (() => unknown),
  key: string,
  params?: Record<string, unknown>,
): Promise<UserError> {
  let caught: unknown;
  try {
    await (typeof action === "function" ? action() : action);
  } catch (error) {
    caught = error;
  }
  expect(caught, `expected a refusal "${key}"`).toBeInstanceOf(UserError);
  const error = caught as UserError;
  expect(error.key).toBe(key);
  if (params) expect(error.params).toMatchObject(params);
  return error;
}

async function audit(db: Db, action?: string) {
  return db.auditEntry.findMany({
    where: action ? { action } : {},
    orderBy: { id: "asc" },
  });
}

describe("creating a campaign", () => {
  it("stores every field the organizer gave and starts at zero, active", async () => {
    const db = await createTestDb();
    const endsAt = day("2026-12-31T21:59:00Z");
    const created = await createCampaign(
      db,
      guild,
      organizer,
      fields({
        title: "Свобода политзаключённым",
        goal: 1000,
        unit: "подписей",
        description: "Письма в поддержку",
        link: "https://example.org/petition",
        callToAction: "Подпишите петицию",
        endsAt,
        autoRaise: false,
      }),
    );

    const stored = await getCampaign(db, guild, created.id);
    expect(stored).toMatchObject({
      guildId: guild,
      title: "Свобода политзаключённым",
      goal: 1000,
      count: 0,
      unit: "подписей",
      description: "Письма в поддержку",
      link: "https://example.org/petition",
      callToAction: "Подпишите петицию",
      channelId: "300000000000000001",
      autoRaise: false,
      status: "active",
      createdById: organizer,
      closedAt: null,
    });
    expect(stored.endsAt?.toISOString()).toBe(endsAt.toISOString());
  });

  it("records who created it in the audit log", async () => {
    const db = await createTestDb();
    const created = await createCampaign(db, guild, organizer, fields({ goal: 250 }));

    const entries = await audit(db);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      guildId: guild,
      actorId: organizer,
      action: "campaign.create",
      subjectId: String(created.id),
    });
    expect(JSON.parse(entries[0]?.details ?? "null")).toEqual({
      title: "Free political prisoners",
      goal: 250,
    });
  });
});

describe("two active campaigns of a server never share a title", () => {
  it.each([
    ["the same title", "Free political prisoners"],
    ["another case", "FREE POLITICAL PRISONERS"],
    ["surrounding spaces", "  free Political prisoners  "],
  ])("refuses %s while the first is active", async (_name, title) => {
    const db = await createTestDb();
    await createCampaign(db, guild, organizer, fields());

    await expectRefusal(
      createCampaign(db, guild, organizer, fields({ title })),
      "campaign.duplicateTitle",
      {
        title,
      },
    );
    expect(await db.campaign.count()).toBe(1);
    expect(await audit(db, "campaign.create")).toHaveLength(1);
  });

  it("allows the title again once the first is closed, and then refuses to reopen the first", async () => {
    const db = await createTestDb();
    const first = await createCampaign(db, guild, organizer, fields());
    await closeCampaign(db, guild, organizer, first.id, "ended", day("2026-06-01T12:00:00Z"));

    const second = await createCampaign(db, guild, organizer, fields());
    expect(second.id).not.toBe(first.id);

    await expectRefusal(reopenCampaign(db, guild, organizer, first.id), "campaign.duplicateTitle");
    expect((await getCampaign(db, guild, first.id)).status).toBe("ended");
    expect(await audit(db, "campaign.reopen")).toHaveLength(0);
  });

  it("lets another server use the same title", async () => {
    const db = await createTestDb();
    await createCampaign(db, guild, organizer, fields());
    await createCampaign(db, otherGuild, organizer, fields());

    expect(await db.campaign.count()).toBe(2);
  });

  it("creates the same campaign only once when two organizers submit it at the same instant", async () => {
    const db = await createTestDb();
    const results = await Promise.allSettled([
      createCampaign(db, guild, organizer, fields()),
      createCampaign(db, guild, secondOrganizer, fields({ title: "free political prisoners" })),
    ]);

    const created = results.filter((result) => result.status === "fulfilled");
    const refused = results.filter((result) => result.status === "rejected");
    expect(created).toHaveLength(1);
    expect(refused).toHaveLength(1);
    const reason: unknown = refused[0]?.reason;
    expect(reason).toBeInstanceOf(UserError);
    expect((reason as UserError).key).toBe("campaign.duplicateTitle");
    expect(await db.campaign.count()).toBe(1);
    expect(await audit(db, "campaign.create")).toHaveLength(1);
  });

  it("refuses to rename a campaign to the title of another active one", async () => {
    const db = await createTestDb();
    await createCampaign(db, guild, organizer, fields({ title: "Letters" }));
    const other = await createCampaign(db, guild, organizer, fields({ title: "Rally" }));

    await expectRefusal(
      editCampaign(db, guild, organizer, other.id, { title: "LETTERS" }),
      "campaign.duplicateTitle",
    );
    expect((await getCampaign(db, guild, other.id)).title).toBe("Rally");
  });
});

describe("a server sees only its own campaigns", () => {
  it("answers 'not found' for another server's campaign id", async () => {
    const db = await createTestDb();
    const theirs = await createCampaign(db, otherGuild, organizer, fields());

    await expectRefusal(getCampaign(db, guild, theirs.id), "campaign.notFound");
    await expectRefusal(getActiveCampaign(db, guild, theirs.id), "campaign.notFound");
    await expectRefusal(
      editCampaign(db, guild, organizer, theirs.id, { goal: 1 }),
      "campaign.notFound",
    );
    await expectRefusal(
      closeCampaign(db, guild, organizer, theirs.id, "won", day("2026-06-01T00:00:00Z")),
      "campaign.notFound",
    );
    await expectRefusal(reopenCampaign(db, guild, organizer, theirs.id), "campaign.notFound");
    expect(await getCampaign(db, otherGuild, theirs.id)).toMatchObject({
      goal: 500,
      status: "active",
    });
  });

  it("answers 'not found' for an id that does not exist", async () => {
    const db = await createTestDb();
    await expectRefusal(getCampaign(db, guild, 999), "campaign.notFound");
  });

  it("never lists or suggests another server's campaigns", async () => {
    const db = await createTestDb();
    await createCampaign(db, guild, organizer, fields({ title: "Ours: letters" }));
    await createCampaign(db, otherGuild, organizer, fields({ title: "Theirs: letters" }));

    for (const status of ["active", "closed", "all"] as const) {
      const listed = await listCampaigns(db, guild, status);
      expect(listed.every((campaign) => campaign.guildId === guild)).toBe(true);
    }
    expect((await listCampaigns(db, guild, "all")).map((c) => c.title)).toEqual(["Ours: letters"]);
    expect((await searchCampaigns(db, guild, "letters", "all")).map((c) => c.title)).toEqual([
      "Ours: letters",
    ]);
    expect(await searchCampaigns(db, guild, "theirs", "all")).toEqual([]);
  });
});

describe("reading a campaign id typed or picked by a member", () => {
  it.each(["abc", "", "   ", "1.5", "-3", "123456789012", "1e3", "0x10", "12 34"])(
    "refuses %j with 'pick from the list'",
    async (value) => {
      await expectRefusal(() => parseCampaignId(value), "campaign.pickFromList");
    },
  );

  it.each([
    ["42", 42],
    [" 7 ", 7],
    ["999999999", 999_999_999],
  ])("reads %j as campaign %d", (value, id) => {
    expect(parseCampaignId(value)).toBe(id);
  });
});

describe("listing campaigns", () => {
  async function threeCampaigns(db: Db) {
    const oldest = await createCampaign(db, guild, organizer, fields({ title: "Oldest" }));
    const middle = await createCampaign(db, guild, organizer, fields({ title: "Middle" }));
    const newest = await createCampaign(db, guild, organizer, fields({ title: "Newest" }));
    await closeCampaign(db, guild, organizer, middle.id, "won", day("2026-06-01T00:00:00Z"));
    return { oldest, middle, newest };
  }

  it("shows active campaigns, newest first", async () => {
    const db = await createTestDb();
    await threeCampaigns(db);
    expect((await listCampaigns(db, guild, "active")).map((c) => c.title)).toEqual([
      "Newest",
      "Oldest",
    ]);
  });

  it("shows closed campaigns, won or ended", async () => {
    const db = await createTestDb();
    const { oldest } = await threeCampaigns(db);
    await closeCampaign(db, guild, organizer, oldest.id, "ended", day("2026-06-02T00:00:00Z"));
    expect((await listCampaigns(db, guild, "closed")).map((c) => c.title)).toEqual([
      "Middle",
      "Oldest",
    ]);
  });

  it("shows all campaigns, newest first", async () => {
    const db = await createTestDb();
    await threeCampaigns(db);
    expect((await listCampaigns(db, guild, "all")).map((c) => c.title)).toEqual([
      "Newest",
      "Middle",
      "Oldest",
    ]);
  });
});

describe("searching campaigns (autocomplete)", () => {
  it("matches Cyrillic titles whatever the case", async () => {
    const db = await createTestDb();
    await createCampaign(db, guild, organizer, fields({ title: "Свобода политзаключённым" }));
    await createCampaign(db, guild, organizer, fields({ title: "Письма в СИЗО" }));

    for (const query of ["свобода", "СВОБОДА", "ПОЛИТзаключённым"]) {
      expect((await searchCampaigns(db, guild, query, "active")).map((c) => c.title)).toEqual([
        "Свобода политзаключённым",
      ]);
    }
    expect((await searchCampaigns(db, guild, "сизо", "active")).map((c) => c.title)).toEqual([
      "Письма в СИЗО",
    ]);
  });

  it("offers at most 25 suggestions, newest first", async () => {
    const db = await createTestDb();
    for (let n = 1; n <= 30; n++) {
      await createCampaign(db, guild, organizer, fields({ title: `Petition ${n}` }));
    }

    const found = await searchCampaigns(db, guild, "petition", "active");
    expect(found).toHaveLength(25);
    expect(found[0]?.title).toBe("Petition 30");
    expect(found[24]?.title).toBe("Petition 6");
  });

  it("respects the status filter", async () => {
    const db = await createTestDb();
    const closed = await createCampaign(db, guild, organizer, fields({ title: "Letters 2025" }));
    await closeCampaign(db, guild, organizer, closed.id, "ended", day("2026-01-01T00:00:00Z"));
    await createCampaign(db, guild, organizer, fields({ title: "Letters 2026" }));

    expect((await searchCampaigns(db, guild, "letters", "active")).map((c) => c.title)).toEqual([
      "Letters 2026",
    ]);
    expect((await searchCampaigns(db, guild, "letters", "closed")).map((c) => c.title)).toEqual([
      "Letters 2025",
    ]);
  });
});

describe("editing a campaign", () => {
  it("changes the given fields and records the edit", async () => {
    const db = await createTestDb();
    const created = await createCampaign(db, guild, organizer, fields());

    const edited = await editCampaign(db, guild, secondOrganizer, created.id, {
      goal: 2500,
      description: "Now with a description",
    });

    expect(edited).toMatchObject({
      title: "Free political prisoners",
      goal: 2500,
      description: "Now with a description",
    });
    expect(await getCampaign(db, guild, created.id)).toMatchObject({ goal: 2500 });
    const entries = await audit(db, "campaign.edit");
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ actorId: secondOrganizer, subjectId: String(created.id) });
  });

  it("refuses to edit a closed campaign and changes nothing", async () => {
    const db = await createTestDb();
    const created = await createCampaign(db, guild, organizer, fields());
    await closeCampaign(db, guild, organizer, created.id, "won", day("2026-06-01T00:00:00Z"));
    const before = await getCampaign(db, guild, created.id);

    await expectRefusal(
      editCampaign(db, guild, organizer, created.id, { goal: 9999, title: "Renamed" }),
      "campaign.closed",
      { title: "Free political prisoners" },
    );

    expect(await getCampaign(db, guild, created.id)).toEqual(before);
    expect(await audit(db, "campaign.edit")).toHaveLength(0);
  });
});

describe("closing and reopening", () => {
  it.each(["won", "ended"] as const)(
    "closing as %s sets the status and the closing time",
    async (outcome) => {
      const db = await createTestDb();
      const created = await createCampaign(db, guild, organizer, fields());
      const now = day("2026-07-04T15:30:00Z");

      const closed = await closeCampaign(db, guild, secondOrganizer, created.id, outcome, now);

      expect(closed.status).toBe(outcome);
      expect(closed.closedAt?.toISOString()).toBe(now.toISOString());
      expect(await getCampaign(db, guild, created.id)).toMatchObject({ status: outcome });
      const entries = await audit(db, "campaign.close");
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({ actorId: secondOrganizer });
      expect(JSON.parse(entries[0]?.details ?? "null")).toEqual({ outcome });
    },
  );

  it("refuses to close a campaign twice", async () => {
    const db = await createTestDb();
    const created = await createCampaign(db, guild, organizer, fields());
    const first = day("2026-07-04T15:30:00Z");
    await closeCampaign(db, guild, organizer, created.id, "won", first);

    await expectRefusal(
      closeCampaign(db, guild, organizer, created.id, "ended", day("2026-07-05T00:00:00Z")),
      "campaign.closed",
    );
    const stored = await getCampaign(db, guild, created.id);
    expect(stored.status).toBe("won");
    expect(stored.closedAt?.toISOString()).toBe(first.toISOString());
  });

  it("reopening makes the campaign active again, with its count kept", async () => {
    const db = await createTestDb();
    const created = await createCampaign(db, guild, organizer, fields());
    await changeCount(
      db,
      guild,
      organizer,
      created.id,
      { kind: "set", value: 120 },
      null,
      day("2026-07-01T00:00:00Z"),
    );
    await closeCampaign(db, guild, organizer, created.id, "ended", day("2026-07-04T00:00:00Z"));

    const reopened = await reopenCampaign(db, guild, secondOrganizer, created.id);

    expect(reopened).toMatchObject({ status: "active", closedAt: null, count: 120 });
    expect(await listCampaigns(db, guild, "active")).toHaveLength(1);
    expect(await audit(db, "campaign.reopen")).toMatchObject([{ actorId: secondOrganizer }]);
    // Active again, so its title is taken again.
    await expectRefusal(createCampaign(db, guild, organizer, fields()), "campaign.duplicateTitle");
  });

  it("refuses to reopen an active campaign", async () => {
    const db = await createTestDb();
    const created = await createCampaign(db, guild, organizer, fields());
    await expectRefusal(reopenCampaign(db, guild, organizer, created.id), "campaign.alreadyActive");
  });
});

describe("counting", () => {
  const t1 = day("2026-05-01T10:00:00Z");
  const t2 = day("2026-05-01T11:00:00Z");
  const t3 = day("2026-05-02T09:00:00Z");

  it("sets and adds, keeping every change in the history in order", async () => {
    const db = await createTestDb();
    const { id } = await createCampaign(db, guild, organizer, fields({ goal: 10_000 }));

    const set = await changeCount(
      db,
      guild,
      organizer,
      id,
      { kind: "set", value: 332 },
      "petition page",
      t1,
    );
    expect(set).toMatchObject({ previousCount: 0, delta: 332, reachedGoal: null });
    expect(set.campaign.count).toBe(332);

    const added = await changeCount(
      db,
      guild,
      secondOrganizer,
      id,
      { kind: "add", value: 40 },
      "paper, market square",
      t2,
    );
    expect(added).toMatchObject({ previousCount: 332, delta: 40, reachedGoal: null });
    expect(added.campaign.count).toBe(372);

    const history = await countHistory(db, guild, id, day("2026-01-01T00:00:00Z"));
    expect(
      history.map(({ kind, value, delta, countAfter, note, actorId }) => ({
        kind,
        value,
        delta,
        countAfter,
        note,
        actorId,
      })),
    ).toEqual([
      {
        kind: "set",
        value: 332,
        delta: 332,
        countAfter: 332,
        note: "petition page",
        actorId: organizer,
      },
      {
        kind: "add",
        value: 40,
        delta: 40,
        countAfter: 372,
        note: "paper, market square",
        actorId: secondOrganizer,
      },
    ]);
    expect(history.map((entry) => entry.createdAt.toISOString())).toEqual([
      t1.toISOString(),
      t2.toISOString(),
    ]);

    const entries = await audit(db, "campaign.count");
    expect(entries.map((entry) => entry.actorId)).toEqual([organizer, secondOrganizer]);
    expect(entries.map((entry) => JSON.parse(entry.details ?? "null"))).toEqual([
      { kind: "set", value: 332, delta: 332, changes: { count: { from: 0, to: 332 } } },
      { kind: "add", value: 40, delta: 40, changes: { count: { from: 332, to: 372 } } },
    ]);
    expect((await getCampaign(db, guild, id)).count).toBe(372);
  });

  it("records a lower set as a correction with a negative change", async () => {
    const db = await createTestDb();
    const { id } = await createCampaign(db, guild, organizer, fields({ goal: 10_000 }));
    await changeCount(db, guild, organizer, id, { kind: "set", value: 400 }, null, t1);

    const corrected = await changeCount(
      db,
      guild,
      organizer,
      id,
      { kind: "set", value: 350 },
      "duplicates removed",
      t2,
    );

    expect(corrected).toMatchObject({ previousCount: 400, delta: -50 });
    expect(corrected.campaign.count).toBe(350);
    const history = await countHistory(db, guild, id, t1);
    expect(history.at(-1)).toMatchObject({ kind: "set", value: 350, delta: -50, countAfter: 350 });
  });

  it("accepts a negative tally that keeps the count at or above zero", async () => {
    const db = await createTestDb();
    const { id } = await createCampaign(db, guild, organizer, fields());
    await changeCount(db, guild, organizer, id, { kind: "add", value: 12 }, null, t1);

    const result = await changeCount(
      db,
      guild,
      organizer,
      id,
      { kind: "add", value: -12 },
      null,
      t2,
    );
    expect(result.campaign.count).toBe(0);
    expect(result.delta).toBe(-12);
  });

  it("refuses a tally that would make the count negative and writes nothing", async () => {
    const db = await createTestDb();
    const { id } = await createCampaign(db, guild, organizer, fields());
    await changeCount(db, guild, organizer, id, { kind: "add", value: 5 }, null, t1);
    const before = await getCampaign(db, guild, id);

    await expectRefusal(
      changeCount(db, guild, organizer, id, { kind: "add", value: -6 }, "oops", t2),
      "campaign.countNegative",
      { count: 5, value: -6 },
    );

    expect(await getCampaign(db, guild, id)).toEqual(before);
    expect(await db.countEntry.count()).toBe(1);
    expect(await audit(db, "campaign.count")).toHaveLength(1);
  });

  it("refuses a count above the limit and writes nothing", async () => {
    const db = await createTestDb();
    const { id } = await createCampaign(db, guild, organizer, fields());

    await expectRefusal(
      changeCount(
        db,
        guild,
        organizer,
        id,
        { kind: "set", value: campaignLimits.count + 1 },
        null,
        t1,
      ),
      "campaign.countTooLarge",
      { max: campaignLimits.count },
    );
    expect((await getCampaign(db, guild, id)).count).toBe(0);
    expect(await db.countEntry.count()).toBe(0);
  });

  it("accepts the largest count allowed, even when it raises the goal", async () => {
    const db = await createTestDb();
    const { id } = await createCampaign(
      db,
      guild,
      organizer,
      fields({ goal: campaignLimits.count }),
    );

    const result = await changeCount(
      db,
      guild,
      organizer,
      id,
      { kind: "set", value: campaignLimits.count },
      null,
      t1,
    );

    expect(result.campaign.count).toBe(campaignLimits.count);
    expect(result.reachedGoal).toBe(campaignLimits.count);
    expect(result.campaign.goal).toBeGreaterThan(campaignLimits.count);
    expect((await getCampaign(db, guild, id)).count).toBe(campaignLimits.count);
  });

  it("refuses to count on a closed campaign", async () => {
    const db = await createTestDb();
    const { id } = await createCampaign(db, guild, organizer, fields());
    await closeCampaign(db, guild, organizer, id, "ended", t1);

    await expectRefusal(
      changeCount(db, guild, organizer, id, { kind: "add", value: 1 }, null, t2),
      "campaign.closed",
      { title: "Free political prisoners" },
    );
    expect((await getCampaign(db, guild, id)).count).toBe(0);
    expect(await db.countEntry.count()).toBe(0);
  });

  it("answers 'not found' when counting on another server's campaign", async () => {
    const db = await createTestDb();
    const { id } = await createCampaign(db, otherGuild, organizer, fields());

    await expectRefusal(
      changeCount(db, guild, organizer, id, { kind: "add", value: 1 }, null, t1),
      "campaign.notFound",
    );
    expect((await getCampaign(db, otherGuild, id)).count).toBe(0);
    expect(await db.countEntry.count()).toBe(0);
  });

  it("returns the history since a date, oldest first, and refuses another server's", async () => {
    const db = await createTestDb();
    const { id } = await createCampaign(db, guild, organizer, fields({ goal: 10_000 }));
    await changeCount(db, guild, organizer, id, { kind: "add", value: 1 }, "day one", t1);
    await changeCount(db, guild, organizer, id, { kind: "add", value: 2 }, "day one, later", t2);
    await changeCount(db, guild, organizer, id, { kind: "add", value: 3 }, "day two", t3);

    expect((await countHistory(db, guild, id, t2)).map((entry) => entry.note)).toEqual([
      "day one, later",
      "day two",
    ]);
    expect(await countHistory(db, guild, id, day("2026-05-03T00:00:00Z"))).toEqual([]);
    await expectRefusal(countHistory(db, otherGuild, id, t1), "campaign.notFound");
  });
});

describe("the goal ladder", () => {
  const now = day("2026-05-01T10:00:00Z");

  it("reaching the goal reports it and raises the goal to the next step", async () => {
    const db = await createTestDb();
    const { id } = await createCampaign(db, guild, organizer, fields({ goal: 500 }));

    const result = await changeCount(
      db,
      guild,
      organizer,
      id,
      { kind: "set", value: 500 },
      null,
      now,
    );

    expect(result.reachedGoal).toBe(500);
    expect(result.campaign.goal).toBe(1000);
    expect((await getCampaign(db, guild, id)).goal).toBe(1000);
  });

  it("jumping past several steps reports the goal once and raises past every step crossed", async () => {
    const db = await createTestDb();
    const { id } = await createCampaign(db, guild, organizer, fields({ goal: 500 }));
    await changeCount(db, guild, organizer, id, { kind: "set", value: 332 }, null, now);

    const result = await changeCount(
      db,
      guild,
      organizer,
      id,
      { kind: "add", value: 1000 },
      null,
      now,
    );

    expect(result.campaign.count).toBe(1332);
    expect(result.reachedGoal).toBe(500);
    expect(result.campaign.goal).toBe(2500);
  });

  it("counting below the goal reports nothing", async () => {
    const db = await createTestDb();
    const { id } = await createCampaign(db, guild, organizer, fields({ goal: 500 }));

    const result = await changeCount(
      db,
      guild,
      organizer,
      id,
      { kind: "set", value: 499 },
      null,
      now,
    );

    expect(result.reachedGoal).toBeNull();
    expect(result.campaign.goal).toBe(500);
  });

  it("without auto-raise the goal stays and is reported reached only once", async () => {
    const db = await createTestDb();
    const { id } = await createCampaign(
      db,
      guild,
      organizer,
      fields({ goal: 500, autoRaise: false }),
    );

    const reached = await changeCount(
      db,
      guild,
      organizer,
      id,
      { kind: "set", value: 510 },
      null,
      now,
    );
    expect(reached.reachedGoal).toBe(500);
    expect(reached.campaign.goal).toBe(500);

    const further = await changeCount(
      db,
      guild,
      organizer,
      id,
      { kind: "add", value: 100 },
      null,
      now,
    );
    expect(further.reachedGoal).toBeNull();
    expect(further.campaign).toMatchObject({ count: 610, goal: 500 });
  });
});

describe("organizers counting at the same time", () => {
  const now = day("2026-05-01T10:00:00Z");

  it("applies 20 simultaneous tallies one after the other", async () => {
    const db = await createTestDb();
    const { id } = await createCampaign(db, guild, organizer, fields({ goal: 10_000 }));

    const results = await Promise.all(
      Array.from({ length: 20 }, (_, n) =>
        changeCount(
          db,
          guild,
          `2000000000000001${String(n).padStart(2, "0")}`,
          id,
          { kind: "add", value: 1 },
          null,
          now,
        ),
      ),
    );

    expect((await getCampaign(db, guild, id)).count).toBe(20);
    const history = await countHistory(db, guild, id, now);
    expect(history).toHaveLength(20);
    expect(history.map((entry) => entry.countAfter).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 20 }, (_, n) => n + 1),
    );
    expect(results.map((result) => result.campaign.count).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 20 }, (_, n) => n + 1),
    );
  });

  it("announces a goal reached by simultaneous tallies exactly once", async () => {
    const db = await createTestDb();
    const { id } = await createCampaign(
      db,
      guild,
      organizer,
      fields({ goal: 10, autoRaise: true }),
    );

    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        changeCount(db, guild, organizer, id, { kind: "add", value: 1 }, null, now),
      ),
    );

    expect(
      results.filter((result) => result.reachedGoal !== null).map((r) => r.reachedGoal),
    ).toEqual([10]);
    expect(await getCampaign(db, guild, id)).toMatchObject({ count: 20, goal: 25 });
  });
});
