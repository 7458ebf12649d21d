import type { Client } from "discord.js";
import type { DueJobHandler } from "../domain/dueJobs.ts";
import {
  applyRetention,
  eraseGuild,
  guildEraseJobKind,
  retentionJobKind,
} from "../domain/privacy.ts";
import type { Store } from "../domain/store.ts";
import type { Logger } from "../log.ts";

/** Retention and the erasure of servers that removed Rally: due jobs, run exactly once. */
export function privacyJobHandlers({
  client,
  db,
  log,
}: {
  client: Client;
  db: Store;
  log: Logger;
}): Record<string, DueJobHandler> {
  return {
    async [retentionJobKind](job) {
      const erased = await applyRetention(db, job.guildId, Number(job.subjectId));
      log.info({ jobId: job.id, guildId: job.guildId, erased }, "retention applied");
    },
    async [guildEraseJobKind](job) {
      // Re-invited during the grace period: everything stays.
      if (client.guilds.cache.has(job.guildId)) return;
      await eraseGuild(db, job.guildId);
      log.info({ jobId: job.id, guildId: job.guildId }, "data of a removed server erased");
    },
  };
}
