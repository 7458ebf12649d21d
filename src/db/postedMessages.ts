/** Where Rally posted messages that may name volunteers (review announcements, `/summary now`). */
import { prismaOf, type Store } from "./store.ts";

export type PostedMessageKind = "review" | "summary";

export interface PostedMessageRow {
  kind: string;
  channelId: string;
  messageId: string;
}

export async function insertPostedMessage(
  store: Store,
  row: {
    guildId: string;
    kind: PostedMessageKind;
    channelId: string;
    messageId: string;
    createdAt: Date;
  },
): Promise<void> {
  await prismaOf(store).postedMessage.create({ data: row });
}

/** This server's posted messages, oldest first. */
export function listPostedMessagesOfGuild(
  store: Store,
  guildId: string,
): Promise<PostedMessageRow[]> {
  return prismaOf(store).postedMessage.findMany({
    where: { guildId },
    select: { kind: true, channelId: true, messageId: true },
    orderBy: { id: "asc" },
  });
}

/** Removal of the server (30 days after Rally left it): its rows go with it. */
export async function deletePostedMessagesOfGuild(store: Store, guildId: string): Promise<number> {
  const { count } = await prismaOf(store).postedMessage.deleteMany({ where: { guildId } });
  return count;
}
