import { DiscordAPIError, RESTJSONErrorCodes, type Client } from "discord.js";
import { claimDirectMessage, finishDirectMessage } from "../domain/outbox.ts";
import type { Store } from "../domain/store.ts";
import { markDmsClosed } from "../domain/volunteers.ts";
import { toMessagePayload } from "./render/payload.ts";

interface DirectMessageRequest {
  guildId: string;
  userId: string;
  content: string;
  /** What the message is for (`remindDue:<claim>:<due>`): a key is sent at most once. */
  key: string;
  now: Date;
}

/**
 * Sends a member a direct message through the outbox, as summaries are posted: the row is
 * written first, the message carries its nonce with enforce_nonce, so a retry after a crash
 * lands on the same message while Discord remembers the nonce, and is not sent at all after
 * that ("uncertain"); one already sent or refused is "skipped". A member who closed their DMs (50007) is marked, so Rally stops trying
 * until they act again; that is an answer, not a failure, and is never retried in a loop.
 */
export async function sendDirectMessage(
  client: Client,
  db: Store,
  request: DirectMessageRequest,
): Promise<"sent" | "closed" | "skipped" | "uncertain"> {
  const { guildId, userId, content, key, now } = request;
  const outbox = await claimDirectMessage(db, guildId, key, now);
  if (outbox.action === "skip")
    return outbox.message.status === "uncertain" ? "uncertain" : "skipped";
  try {
    const user = await client.users.fetch(userId);
    await user.send({
      ...toMessagePayload({ content }),
      nonce: outbox.message.nonce,
      enforceNonce: true,
    });
  } catch (error) {
    if (
      error instanceof DiscordAPIError &&
      error.code === RESTJSONErrorCodes.CannotSendMessagesToThisUser
    ) {
      await markDmsClosed(db, guildId, userId);
      await finishDirectMessage(db, outbox.message.id, "closed", now);
      return "closed";
    }
    throw error;
  }
  await finishDirectMessage(db, outbox.message.id, "sent", now);
  return "sent";
}
