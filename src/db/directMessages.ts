import type { DirectMessage } from "./generated/client.ts";
import { prismaOf, type Store } from "./store.ts";

/** The outbox row of a DM's key, created pending (with this nonce) if there is none. */
export function findOrCreateDirectMessage(
  store: Store,
  row: { guildId: string; key: string; nonce: string; createdAt: Date },
): Promise<DirectMessage> {
  return prismaOf(store).directMessage.upsert({
    where: { key: row.key },
    create: row,
    update: {},
  });
}

export function setDirectMessageStatus(
  store: Store,
  id: number,
  change: { status: "sent" | "closed" | "uncertain"; sentAt?: Date },
): Promise<DirectMessage> {
  return prismaOf(store).directMessage.update({ where: { id }, data: change });
}

export async function deleteDirectMessagesCreatedBefore(store: Store, before: Date): Promise<void> {
  await prismaOf(store).directMessage.deleteMany({ where: { createdAt: { lt: before } } });
}
