/**
 * Dashboard logins (docs/dashboard.md). The cookie carries a random token and the OAuth2 `state`
 * a random value; only their SHA-256 is stored, so the database alone logs no one in.
 */
import { createHash, randomBytes } from "node:crypto";
import {
  deleteExpiredWebRows,
  deleteWebSession,
  findLiveWebSession,
  insertWebLoginState,
  insertWebSession,
  takeWebLoginState,
} from "../db/webSessions.ts";
import type { Store } from "./store.ts";

const minute = 60 * 1000;
/** A session lasts a week, then the organizer logs in again (one click when Discord remembers). */
export const webSessionLifetimeMs = 7 * 24 * 60 * minute;
/** The time from the login link to Discord's answer: a person picking an account. */
export const loginStateLifetimeMs = 10 * minute;

export function hashSecret(value: string): string {
  return createHash("sha256").update(value).digest("hex");
}

function newSecret(): string {
  return randomBytes(32).toString("base64url");
}

/** Starts a login: the `state` to send to Discord, remembered (hashed) with where to go after. */
export async function startLogin(db: Store, next: string, now: Date): Promise<string> {
  const state = newSecret();
  await deleteExpiredWebRows(db, now);
  await insertWebLoginState(db, {
    stateHash: hashSecret(state),
    next,
    expiresAt: new Date(now.getTime() + loginStateLifetimeMs),
  });
  return state;
}

/** The login a `state` started, once: a replay, an unknown or an expired state gets null. */
export function finishLogin(db: Store, state: string, now: Date): Promise<{ next: string } | null> {
  if (state === "") return Promise.resolve(null);
  return takeWebLoginState(db, hashSecret(state), now);
}

/** A new session for a member who just logged in: a new token every time (no fixation). */
export async function startWebSession(
  db: Store,
  userId: string,
  guildIds: readonly string[],
  now: Date,
): Promise<{ token: string; expiresAt: Date }> {
  const token = newSecret();
  const expiresAt = new Date(now.getTime() + webSessionLifetimeMs);
  await insertWebSession(db, {
    tokenHash: hashSecret(token),
    userId,
    guildIds: guildIds.join(","),
    createdAt: now,
    expiresAt,
  });
  return { token, expiresAt };
}

export interface WebSessionView {
  userId: string;
  /** Identifies the session without its token (the CSRF token is derived from it). */
  tokenHash: string;
  /** The servers the login found the member organizing, to try first (pages check again). */
  guildIds: string[];
}

/** Who a session cookie's token belongs to; null when unknown, logged out or expired. */
export async function webSessionUser(
  db: Store,
  token: string,
  now: Date,
): Promise<WebSessionView | null> {
  if (token === "") return null;
  const tokenHash = hashSecret(token);
  const session = await findLiveWebSession(db, tokenHash, now);
  if (!session) return null;
  const guildIds = session.guildIds === "" ? [] : session.guildIds.split(",");
  return { userId: session.userId, tokenHash, guildIds };
}

export async function endWebSession(db: Store, token: string): Promise<void> {
  await deleteWebSession(db, hashSecret(token));
}
