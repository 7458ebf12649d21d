import { prismaOf, type Store } from "./store.ts";

/** The channels a server's summaries (active or paused) post in, each once. */
export async function listSummaryChannelIds(store: Store, guildId: string): Promise<string[]> {
  const rows = await prismaOf(store).summarySchedule.findMany({
    where: { guildId, status: { in: ["active", "paused"] } },
    select: { channelId: true },
    distinct: ["channelId"],
  });
  return rows.map((row) => row.channelId);
}
