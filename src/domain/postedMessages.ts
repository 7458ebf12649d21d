/**
 * Messages Rally posted that may name volunteers and that no other row keeps (a review
 * channel's announcement of a submission, a `/summary now` post): noted where they are, so that
 * `/settings purge` can take the names out of them.
 */
import { insertPostedMessage, type PostedMessageKind } from "../db/postedMessages.ts";
import type { Store } from "../db/store.ts";

export type { PostedMessageKind };

export async function notePostedMessage(
  db: Store,
  guildId: string,
  kind: PostedMessageKind,
  message: { channelId: string; messageId: string },
  at: Date,
): Promise<void> {
  await insertPostedMessage(db, { guildId, kind, ...message, createdAt: at });
}
