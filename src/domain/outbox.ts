import { createHash } from "node:crypto";
import {
  deleteDirectMessagesCreatedBefore,
  findOrCreateDirectMessage,
  setDirectMessageStatus,
} from "../db/directMessages.ts";
import type { DirectMessage } from "../db/rows.ts";
import type { Store } from "../db/store.ts";

/** Discord remembers a nonce for a few minutes; an older pending message is not retried blindly. */
const nonceMemoryMs = 5 * 60 * 1000;

/** Sent DMs' rows are kept this long, far beyond any retry, then dropped as the outbox is used. */
const directMessageKeptMs = 30 * 24 * 60 * 60 * 1000;

/**
 * The one rule of every outbox (summary posts, direct messages): a pending message is sent, or
 * sent again with its nonce, only while Discord still remembers that nonce. After that Rally
 * cannot know whether the first attempt landed: it is marked uncertain and never sent again,
 * because a message twice is worse than one that may be missing.
 */
export function outboxAction(
  row: { status: string; createdAt: Date },
  now: Date,
): "send" | "skip" | "uncertain" {
  if (row.status !== "pending") return "skip";
  return now.getTime() - row.createdAt.getTime() > nonceMemoryMs ? "uncertain" : "send";
}

/** A nonce of at most 25 characters, the same for the same key on every retry. */
export function directMessageNonce(key: string): string {
  return `d${createHash("sha256").update(key).digest("base64url").slice(0, 24)}`;
}

/**
 * Claims the outbox row of one direct message before it is sent: `send` for a new row or a
 * pending one whose nonce Discord still remembers, `skip` for one already sent, refused by closed
 * DMs, or too old to retry (then marked uncertain).
 */
export async function claimDirectMessage(
  store: Store,
  guildId: string,
  key: string,
  now: Date,
): Promise<{ action: "send" | "skip"; message: DirectMessage }> {
  const message = await findOrCreateDirectMessage(store, {
    guildId,
    key,
    nonce: directMessageNonce(key),
    createdAt: now,
  });
  const action = outboxAction(message, now);
  if (action === "uncertain") {
    const marked = await setDirectMessageStatus(store, message.id, { status: "uncertain" });
    return { action: "skip", message: marked };
  }
  return { action, message };
}

export async function finishDirectMessage(
  store: Store,
  id: number,
  status: "sent" | "closed",
  now: Date,
): Promise<void> {
  await setDirectMessageStatus(store, id, { status, sentAt: now });
  // Old rows only ever stop a key being sent twice, and keys are not reused after a month.
  await deleteDirectMessagesCreatedBefore(store, new Date(now.getTime() - directMessageKeptMs));
}
