import { describe, expect, it } from "vitest";
import type { Database as Db } from "../../src/db/store.ts";
import { UserError } from "../../src/domain/errors.ts";
import { changeSetting, getGuildSettings } from "../../src/domain/guildSettings.ts";
import { eraseGuild } from "../../src/domain/privacy.ts";
import { hasAccess, permissionBits, type Member } from "../../src/domain/permissions.ts";
import { createTestDb } from "../support/db.ts";

const guild = "100000000000000001";
const otherGuild = "100000000000000002";
const manager = "200000000000000001";
const organizerRole = "400000000000000001";
const announceRole = "400000000000000002";

async function auditOf(db: Db) {
  const entries = await db.auditEntry.findMany({ orderBy: { id: "asc" } });
  return entries.map(({ guildId, actorId, action, details }) => ({
    guildId,
    actorId,
    action,
    details: JSON.parse(details ?? "null") as unknown,
  }));
}

describe("a server that never changed a setting", () => {
  it("gets the defaults without anything being written", async () => {
    const db = await createTestDb();

    expect(await getGuildSettings(db, guild)).toEqual({
      guildId: guild,
      timezone: "UTC",
      language: "en",
      organizerRoleId: null,
      announceRoleId: null,
      claimExpiryDays: 3,
      reviewRequired: false,
      reviewChannelId: null,
      retentionDays: 90,
      proofFilesAllowed: true,
    });
    expect(await db.guildSettings.count()).toBe(0);
    expect(await db.auditEntry.count()).toBe(0);
  });
});

describe("settings kept in memory", () => {
  it("are read from the database once, and a change or an erasure is seen at once", async () => {
    const db = await createTestDb();
    await getGuildSettings(db, guild);
    // Written behind Rally's back (an operator's SQL): the kept copy is still served...
    await db.guildSettings.create({ data: { guildId: guild, language: "uk" } });
    expect((await getGuildSettings(db, guild)).language).toBe("en");

    // ...but every change made through Rally replaces it.
    await changeSetting(db, guild, manager, { setting: "timezone", zone: "Europe/Kyiv" });
    expect(await getGuildSettings(db, guild)).toMatchObject({
      language: "uk",
      timezone: "Europe/Kyiv",
    });

    await eraseGuild(db, guild);
    expect((await getGuildSettings(db, guild)).timezone).toBe("UTC");
  });

  it("are not shared between two databases", async () => {
    const first = await createTestDb();
    const second = await createTestDb();
    await changeSetting(first, guild, manager, { setting: "language", language: "ru" });
    expect((await getGuildSettings(first, guild)).language).toBe("ru");
    expect((await getGuildSettings(second, guild)).language).toBe("en");
  });
});

describe("changing settings", () => {
  it("sets and clears the organizer role, recording each change", async () => {
    const db = await createTestDb();

    const set = await changeSetting(db, guild, manager, {
      setting: "organizerRole",
      roleId: organizerRole,
    });
    expect(set.organizerRoleId).toBe(organizerRole);
    expect((await getGuildSettings(db, guild)).organizerRoleId).toBe(organizerRole);

    const cleared = await changeSetting(db, guild, manager, {
      setting: "organizerRole",
      roleId: null,
    });
    expect(cleared.organizerRoleId).toBeNull();
    expect((await getGuildSettings(db, guild)).organizerRoleId).toBeNull();

    expect(await auditOf(db)).toEqual([
      {
        guildId: guild,
        actorId: manager,
        action: "settings.organizerRole",
        details: {
          organizerRoleId: organizerRole,
          changes: { organizerRoleId: { from: null, to: organizerRole } },
        },
      },
      {
        guildId: guild,
        actorId: manager,
        action: "settings.organizerRole",
        details: {
          organizerRoleId: null,
          changes: { organizerRoleId: { from: organizerRole, to: null } },
        },
      },
    ]);
  });

  it("sets and clears the announce role without touching the other settings", async () => {
    const db = await createTestDb();
    await changeSetting(db, guild, manager, { setting: "timezone", zone: "Europe/Vilnius" });
    await changeSetting(db, guild, manager, { setting: "organizerRole", roleId: organizerRole });

    await changeSetting(db, guild, manager, { setting: "announceRole", roleId: announceRole });
    expect(await getGuildSettings(db, guild)).toEqual({
      guildId: guild,
      timezone: "Europe/Vilnius",
      language: "en",
      organizerRoleId: organizerRole,
      announceRoleId: announceRole,
      claimExpiryDays: 3,
      reviewRequired: false,
      reviewChannelId: null,
      retentionDays: 90,
      proofFilesAllowed: true,
    });

    await changeSetting(db, guild, manager, { setting: "announceRole", roleId: null });
    expect(await getGuildSettings(db, guild)).toMatchObject({
      timezone: "Europe/Vilnius",
      organizerRoleId: organizerRole,
      announceRoleId: null,
    });

    expect((await auditOf(db)).map((entry) => [entry.action, entry.details])).toEqual([
      [
        "settings.timezone",
        {
          timezone: "Europe/Vilnius",
          changes: { timezone: { from: "UTC", to: "Europe/Vilnius" } },
        },
      ],
      [
        "settings.organizerRole",
        {
          organizerRoleId: organizerRole,
          changes: { organizerRoleId: { from: null, to: organizerRole } },
        },
      ],
      [
        "settings.announceRole",
        {
          announceRoleId: announceRole,
          changes: { announceRoleId: { from: null, to: announceRole } },
        },
      ],
      [
        "settings.announceRole",
        { announceRoleId: null, changes: { announceRoleId: { from: announceRole, to: null } } },
      ],
    ]);
  });

  it("sets a known time zone", async () => {
    const db = await createTestDb();

    const changed = await changeSetting(db, guild, manager, {
      setting: "timezone",
      zone: "Europe/Kyiv",
    });

    expect(changed.timezone).toBe("Europe/Kyiv");
    expect((await getGuildSettings(db, guild)).timezone).toBe("Europe/Kyiv");
    expect(await auditOf(db)).toEqual([
      {
        guildId: guild,
        actorId: manager,
        action: "settings.timezone",
        details: {
          timezone: "Europe/Kyiv",
          changes: { timezone: { from: "UTC", to: "Europe/Kyiv" } },
        },
      },
    ]);
  });

  it("refuses an unknown time zone and writes nothing", async () => {
    const db = await createTestDb();
    await changeSetting(db, guild, manager, { setting: "timezone", zone: "Europe/Vilnius" });

    let caught: unknown;
    try {
      await changeSetting(db, guild, manager, { setting: "timezone", zone: "Mars/Olympus" });
    } catch (error) {
      caught = error;
    }

    expect(caught).toBeInstanceOf(UserError);
    expect((caught as UserError).key).toBe("settings.unknownTimezone");
    expect((caught as UserError).params).toEqual({ zone: "Mars/Olympus" });
    expect((await getGuildSettings(db, guild)).timezone).toBe("Europe/Vilnius");
    expect(await db.auditEntry.count()).toBe(1);
  });

  it("refuses an unknown time zone on a server without settings, creating no row", async () => {
    const db = await createTestDb();

    await expect(
      changeSetting(db, guild, manager, { setting: "timezone", zone: "Not/AZone" }),
    ).rejects.toBeInstanceOf(UserError);
    expect(await db.guildSettings.count()).toBe(0);
    expect(await db.auditEntry.count()).toBe(0);
  });

  it("keeps each server's settings to itself", async () => {
    const db = await createTestDb();
    await changeSetting(db, guild, manager, { setting: "timezone", zone: "Australia/Sydney" });
    await changeSetting(db, guild, manager, { setting: "organizerRole", roleId: organizerRole });

    expect(await getGuildSettings(db, otherGuild)).toEqual({
      guildId: otherGuild,
      timezone: "UTC",
      language: "en",
      organizerRoleId: null,
      announceRoleId: null,
      claimExpiryDays: 3,
      reviewRequired: false,
      reviewChannelId: null,
      retentionDays: 90,
      proofFilesAllowed: true,
    });
  });
});

describe("who may do what", () => {
  const none = 0n;
  const everyday = permissionBits.viewChannel | permissionBits.sendMessages;
  const member = (permissions: bigint, roleIds: string[], roleId: string | null): Member => ({
    permissions,
    roleIds,
    organizerRoleId: roleId,
  });

  const cases: [string, Member, { everyone: boolean; organizer: boolean; manager: boolean }][] = [
    [
      "a member without special permissions",
      member(everyday, ["400000000000000009"], organizerRole),
      { everyone: true, organizer: false, manager: false },
    ],
    [
      "a member with no permissions at all",
      member(none, [], null),
      { everyone: true, organizer: false, manager: false },
    ],
    [
      "a member with Manage Server (1 << 5)",
      member(everyday | (1n << 5n), [], null),
      { everyone: true, organizer: true, manager: true },
    ],
    [
      "a member with Administrator (1 << 3) only",
      member(1n << 3n, [], null),
      { everyone: true, organizer: true, manager: true },
    ],
    [
      "a member with the organizer role only",
      member(everyday, ["400000000000000009", organizerRole], organizerRole),
      { everyone: true, organizer: true, manager: false },
    ],
    [
      "a member with a role once the server has no organizer role",
      member(everyday, [organizerRole], null),
      { everyone: true, organizer: false, manager: false },
    ],
    [
      "a member with the organizer role and Manage Server",
      member(everyday | (1n << 5n), [organizerRole], organizerRole),
      { everyone: true, organizer: true, manager: true },
    ],
    [
      "a member with neighbouring bits (1 << 4, 1 << 6) but not Manage Server",
      member((1n << 4n) | (1n << 6n), [], null),
      { everyone: true, organizer: false, manager: false },
    ],
  ];

  it.each(cases)("%s", (_name, who, expected) => {
    expect({
      everyone: hasAccess("everyone", who),
      organizer: hasAccess("organizer", who),
      manager: hasAccess("manager", who),
    }).toEqual(expected);
  });
});
