import { DiscordAPIError, RESTJSONErrorCodes, type Client } from "discord.js";
import type { Db } from "../db/client.ts";
import { markDmsClosed } from "../domain/volunteers.ts";
import { toMessagePayload } from "./render/payload.ts";

/**
 * Sends a member a direct message. A nonce makes a retry land on the same message. A member
 * who closed their DMs (50007) is marked, so Rally stops trying until they act again; that is
 * an answer, not a failure, and is never retried in a loop.
 */
export async function sendDirectMessage(
  client: Client,
  db: Db,
  guildId: string,
  userId: string,
  content: string,
  nonce?: string,
): Promise<"sent" | "closed"> {
  try {
    const user = await client.users.fetch(userId);
    await user.send({
      ...toMessagePayload({ content }),
      ...(nonce === undefined ? {} : { nonce, enforceNonce: true }),
    });
    return "sent";
  } catch (error) {
    if (
      error instanceof DiscordAPIError &&
      error.code === RESTJSONErrorCodes.CannotSendMessagesToThisUser
    ) {
      await markDmsClosed(db, guildId, userId);
      return "closed";
    }
    throw error;
  }
}
