import type { SummaryPost } from "./generated/client.ts";
import { prismaOf, type Store } from "./store.ts";

/** The outbox row of one message of a slot, created pending (with this nonce) if there is none. */
export function findOrCreateSummaryPost(
  store: Store,
  row: Pick<SummaryPost, "scheduleId" | "slot" | "part" | "nonce" | "late" | "createdAt">,
): Promise<SummaryPost> {
  const { scheduleId, slot, part } = row;
  return prismaOf(store).summaryPost.upsert({
    where: { scheduleId_slot_part: { scheduleId, slot, part } },
    create: row,
    update: {},
  });
}

export function setSummaryPostStatus(
  store: Store,
  id: number,
  change: { status: "uncertain" } | { status: "sent"; messageId: string; sentAt: Date },
): Promise<SummaryPost> {
  return prismaOf(store).summaryPost.update({ where: { id }, data: change });
}
