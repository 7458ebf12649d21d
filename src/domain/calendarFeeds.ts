/**
 * Private iCalendar feeds (#26). A feed's URL holds a random token; only its SHA-256 is stored,
 * so Rally cannot show a URL again: it is shown when made or rotated, and otherwise the member
 * is told a feed exists and that rotating gives a new URL (the old one stops working).
 */
import { randomBytes } from "node:crypto";
import ical from "ical-generator";
import {
  deleteCalendarFeedsOfOwnerExcept,
  findCalendarFeedByHash,
  findCalendarFeedOf,
  insertCalendarFeed,
  listDatedClaimedTasksOfMember,
  listDatedOpenTasksOfGuild,
  listEndingCampaignsOfGuild,
  markCalendarFeedFetched,
  updateCalendarFeed,
  type CalendarFeedKind,
} from "../db/calendarFeeds.ts";
import { inTransaction, type Store } from "../db/store.ts";
import { translator } from "../i18n/index.ts";
import { recordAudit } from "./audit.ts";
import { getGuildSettings, settingsLanguage } from "./guildSettings.ts";
import { openClaimStatuses } from "./tasks.ts";
import { hashSecret } from "./webSessions.ts";

/** 32 random bytes, base64url: 43 characters. */
const tokenPattern = /^[A-Za-z0-9_-]{43}$/;

export function feedUrl(publicUrl: string, token: string): string {
  return `${publicUrl.replace(/\/+$/, "")}/feeds/${token}.ics`;
}

export interface FeedSetup {
  /** The new token, when this call made or rotated the feed; undefined otherwise. */
  token?: string;
  /** Whether the feed existed before this call. */
  existed: boolean;
  locations: boolean;
}

async function setUpFeed(
  db: Store,
  owner: { guildId: string; kind: CalendarFeedKind; userId: string | null },
  change: { rotate: boolean; locations?: boolean | undefined },
  now: Date,
): Promise<FeedSetup> {
  return inTransaction(db, async (tx) => {
    const feed = await findCalendarFeedOf(tx, owner.guildId, owner.kind, owner.userId);
    const locations =
      owner.kind === "server" ? (change.locations ?? feed?.locations ?? false) : false;
    if (!feed || change.rotate) {
      const token = randomBytes(32).toString("base64url");
      const tokenHash = hashSecret(token);
      if (feed) {
        await updateCalendarFeed(tx, feed.id, { tokenHash, locations });
        await deleteCalendarFeedsOfOwnerExcept(
          tx,
          owner.guildId,
          owner.kind,
          owner.userId,
          feed.id,
        );
      } else {
        await insertCalendarFeed(tx, { ...owner, tokenHash, locations, createdAt: now });
      }
      return { token, existed: feed !== null, locations };
    }
    if (locations !== feed.locations) await updateCalendarFeed(tx, feed.id, { locations });
    return { existed: true, locations };
  });
}

/** `/settings calendar`: the server's feed, made on first use; audited, without the token. */
export async function setUpServerFeed(
  db: Store,
  guildId: string,
  actorId: string,
  change: { rotate: boolean; locations?: boolean | undefined },
  now: Date,
): Promise<FeedSetup> {
  const before = await findCalendarFeedOf(db, guildId, "server", null);
  const setup = await setUpFeed(db, { guildId, kind: "server", userId: null }, change, now);
  const changed = setup.token !== undefined || setup.locations !== (before?.locations ?? false);
  if (changed) {
    await recordAudit(db, {
      guildId,
      actorId,
      action: "settings.calendar",
      details: {
        feed: !setup.existed ? "created" : setup.token ? "rotated" : "kept",
        locations: setup.locations,
      },
      at: now,
    });
  }
  return setup;
}

/** `/me calendar`: the member's own feed of the tasks they hold. */
export async function setUpMemberFeed(
  db: Store,
  guildId: string,
  userId: string,
  change: { rotate: boolean },
  now: Date,
): Promise<FeedSetup> {
  return setUpFeed(db, { guildId, kind: "member", userId }, change, now);
}

/**
 * The iCalendar text a token's URL serves; null for a token no feed holds. Times are UTC
 * instants (the server's zone was applied when the dates were typed). Never a member's name:
 * task titles, campaign titles and, for a server feed with locations on, task locations only.
 */
export async function calendarOfToken(db: Store, token: string, now: Date): Promise<string | null> {
  if (!tokenPattern.test(token)) return null;
  const feed = await findCalendarFeedByHash(db, hashSecret(token));
  if (!feed) return null;
  const settings = await getGuildSettings(db, feed.guildId);
  const t = translator(settingsLanguage(settings));
  const member = feed.kind === "member" && feed.userId !== null;
  const calendar = ical({
    name: t(member ? "calendar.memberFeedName" : "calendar.serverFeedName"),
    prodId: { company: "Rally", product: "Rally", language: "EN" },
    ttl: 300,
  });
  const tasks = member
    ? await listDatedClaimedTasksOfMember(db, feed.guildId, feed.userId ?? "", openClaimStatuses)
    : await listDatedOpenTasksOfGuild(db, feed.guildId);
  for (const task of tasks) {
    calendar.createEvent({
      id: `task-${task.id}@rally`,
      stamp: now,
      start: task.dueAt,
      summary: task.title,
      ...(feed.locations && task.location ? { location: task.location } : {}),
    });
  }
  if (!member) {
    for (const campaign of await listEndingCampaignsOfGuild(db, feed.guildId)) {
      calendar.createEvent({
        id: `campaign-${campaign.id}@rally`,
        stamp: now,
        start: campaign.endsAt,
        summary: t("calendar.campaignEnds", { title: campaign.title }),
      });
    }
  }
  await markCalendarFeedFetched(db, feed.id, now);
  return calendar.toString();
}
