/** Calendar feeds (#26): rows keyed by the SHA-256 of their URL's token, and what a feed lists. */
import { prismaOf, type Store } from "./store.ts";

export type CalendarFeedKind = "server" | "member";

export interface CalendarFeedRow {
  id: number;
  guildId: string;
  kind: string;
  userId: string | null;
  locations: boolean;
}

const feedColumns = { id: true, guildId: true, kind: true, userId: true, locations: true } as const;

/** The feed a token's hash names; null when none (never made, rotated, revoked). */
export async function findCalendarFeedByHash(
  store: Store,
  tokenHash: string,
): Promise<CalendarFeedRow | null> {
  return prismaOf(store).calendarFeed.findUnique({ where: { tokenHash }, select: feedColumns });
}

/** The server's feed, or a member's, in one server (the oldest, should two have been made at once). */
export async function findCalendarFeedOf(
  store: Store,
  guildId: string,
  kind: CalendarFeedKind,
  userId: string | null,
): Promise<CalendarFeedRow | null> {
  return prismaOf(store).calendarFeed.findFirst({
    where: { guildId, kind, userId },
    select: feedColumns,
    orderBy: { id: "asc" },
  });
}

export async function insertCalendarFeed(
  store: Store,
  row: {
    guildId: string;
    kind: CalendarFeedKind;
    userId: string | null;
    tokenHash: string;
    locations: boolean;
    createdAt: Date;
  },
): Promise<void> {
  await prismaOf(store).calendarFeed.create({ data: row });
}

/** A new token (rotation: the old hash, and so the old URL, stop working) or locations setting. */
export async function updateCalendarFeed(
  store: Store,
  id: number,
  data: { tokenHash?: string; locations?: boolean },
): Promise<void> {
  await prismaOf(store).calendarFeed.update({ where: { id }, data });
}

/** Other feeds of the same owner: a second one made by a race, removed when rotating. */
export async function deleteCalendarFeedsOfOwnerExcept(
  store: Store,
  guildId: string,
  kind: CalendarFeedKind,
  userId: string | null,
  keepId: number,
): Promise<void> {
  await prismaOf(store).calendarFeed.deleteMany({
    where: { guildId, kind, userId, id: { not: keepId } },
  });
}

export async function markCalendarFeedFetched(store: Store, id: number, at: Date): Promise<void> {
  await prismaOf(store).calendarFeed.updateMany({ where: { id }, data: { lastFetchedAt: at } });
}

/** /me forget: the member's feeds in this server. */
export async function deleteCalendarFeedsOfMember(
  store: Store,
  guildId: string,
  userId: string,
): Promise<number> {
  const { count } = await prismaOf(store).calendarFeed.deleteMany({
    where: { guildId, userId },
  });
  return count;
}

/** /settings purge and the server's erasure: every feed of the server, its own and members'. */
export async function deleteCalendarFeedsOfGuild(store: Store, guildId: string): Promise<number> {
  const { count } = await prismaOf(store).calendarFeed.deleteMany({ where: { guildId } });
  return count;
}

/** Most events a feed lists (the nearest due first), so a feed stays small. */
const maxEvents = 500;

export interface FeedTaskRow {
  id: number;
  title: string;
  location: string | null;
  dueAt: Date;
}

/** Open tasks with a due date in the server's active campaigns, nearest first. */
export async function listDatedOpenTasksOfGuild(
  store: Store,
  guildId: string,
): Promise<FeedTaskRow[]> {
  const rows = await prismaOf(store).outreachTask.findMany({
    where: { guildId, status: "open", dueAt: { not: null }, campaign: { status: "active" } },
    select: { id: true, title: true, location: true, dueAt: true },
    orderBy: [{ dueAt: "asc" }, { id: "asc" }],
    take: maxEvents,
  });
  return rows.flatMap((row) => (row.dueAt ? [{ ...row, dueAt: row.dueAt }] : []));
}

/** The tasks with a due date that a member holds an open claim on in one server. */
export async function listDatedClaimedTasksOfMember(
  store: Store,
  guildId: string,
  userId: string,
  statuses: readonly string[],
): Promise<FeedTaskRow[]> {
  const rows = await prismaOf(store).outreachTask.findMany({
    where: {
      guildId,
      dueAt: { not: null },
      claims: { some: { guildId, volunteerId: userId, status: { in: [...statuses] } } },
    },
    select: { id: true, title: true, location: true, dueAt: true },
    orderBy: [{ dueAt: "asc" }, { id: "asc" }],
    take: maxEvents,
  });
  return rows.flatMap((row) => (row.dueAt ? [{ ...row, dueAt: row.dueAt }] : []));
}

/** Active campaigns with an end date, soonest first. */
export async function listEndingCampaignsOfGuild(
  store: Store,
  guildId: string,
): Promise<{ id: number; title: string; endsAt: Date }[]> {
  const rows = await prismaOf(store).campaign.findMany({
    where: { guildId, status: "active", endsAt: { not: null } },
    select: { id: true, title: true, endsAt: true },
    orderBy: [{ endsAt: "asc" }, { id: "asc" }],
    take: maxEvents,
  });
  return rows.flatMap((row) => (row.endsAt ? [{ ...row, endsAt: row.endsAt }] : []));
}
