import { describe, expect, it } from "vitest";
import { createCampaign } from "../../src/domain/campaigns.ts";
import { UserError } from "../../src/domain/errors.ts";
import {
  eventPlan,
  recordEventInterested,
  recordEventRemoved,
  recordEventSynced,
} from "../../src/domain/taskEvents.ts";
import { addTask, cancelTask, editTask, getTask } from "../../src/domain/tasks.ts";
import { createTestDb } from "../support/db.ts";
import { campaignFields, ids } from "../support/domain.ts";

const { guild, organizer } = ids;
const now = new Date("2027-01-20T10:00:00.000Z");
const starts = new Date("2027-01-23T10:00:00.000Z");

async function taskWithEvent() {
  const db = await createTestDb();
  const campaign = await createCampaign(db, guild, organizer, campaignFields());
  const task = await addTask(db, guild, organizer, campaign.id, {
    title: "Flyers",
    kind: "campus",
    location: null,
    slots: 1,
    dueAt: null,
    instructions: null,
    startsAt: starts,
    eventWanted: true,
  });
  return { db, campaign, task };
}

describe("a task's Discord event, in storage", () => {
  it("links one event only: a second sync that raced the first is told it lost", async () => {
    const { db, task } = await taskWithEvent();
    expect(await recordEventSynced(db, task, "111", "hash-a", now)).toBe(true);
    // The same event again (an update): fine.
    expect(await recordEventSynced(db, task, "111", "hash-b", now)).toBe(true);
    // Another event made by a concurrent sync: refused, the caller deletes its own.
    expect(await recordEventSynced(db, task, "222", "hash-c", now)).toBe(false);
    const stored = await getTask(db, guild, task.id);
    expect([stored.eventId, stored.eventHash]).toEqual(["111", "hash-b"]);
  });

  it("counts interested members per event, telling when the number changed", async () => {
    const { db, task } = await taskWithEvent();
    await recordEventSynced(db, task, "111", "hash", now);
    expect(await recordEventInterested(db, task.id, "111", 2)).toBe(true);
    expect(await recordEventInterested(db, task.id, "111", 2)).toBe(false);
    // A count read for an event the task no longer links is not stored.
    expect(await recordEventInterested(db, task.id, "999", 5)).toBe(false);
    await recordEventRemoved(db, task.id, "111");
    const stored = await getTask(db, guild, task.id);
    expect([stored.eventId, stored.eventInterested]).toEqual([null, null]);
  });

  it("plans: sync while open, cancel once cancelled, delete when turned off, nothing once started without one", async () => {
    const { db, task } = await taskWithEvent();
    expect(eventPlan(task, now)).toMatchObject({
      action: "sync",
      eventId: null,
      start: starts,
      end: new Date("2027-01-23T12:00:00.000Z"),
    });
    expect(eventPlan(task, new Date("2027-01-23T10:00:00.000Z"))).toEqual({ action: "none" });
    await recordEventSynced(db, task, "111", "hash", now);
    const off = await editTask(db, guild, organizer, task.id, { eventWanted: false }, now);
    expect(eventPlan(off, now)).toEqual({ action: "remove", eventId: "111", how: "delete" });
    const on = await editTask(db, guild, organizer, task.id, { eventWanted: true }, now);
    const cancelled = await cancelTask(db, guild, organizer, on.id, now);
    expect(eventPlan(cancelled, now)).toEqual({ action: "remove", eventId: "111", how: "cancel" });
  });

  it("refuses an event without a start, and a start not before the due date", async () => {
    const { db, task } = await taskWithEvent();
    await expect(
      editTask(db, guild, organizer, task.id, { startsAt: null }, now),
    ).rejects.toMatchObject(new UserError("taskEvent.needsStart"));
    await expect(
      editTask(db, guild, organizer, task.id, { dueAt: starts }, now),
    ).rejects.toMatchObject(new UserError("taskEvent.startsAfterDue"));
  });
});
