/**
 * An import made where Rally has no gateway (the dashboard): the tasks, the campaign card's
 * edit and the import's one message in the campaign's channel, armed as a due job in the same
 * transaction, so the message follows exactly once, posted by the process serving the server.
 */
import { scheduleJob } from "../db/dueJobs.ts";
import { inTransaction, type Store } from "../db/store.ts";
import { campaignCardChanged } from "./campaignCard.ts";
import { taskKinds, type TaskKind } from "./taskFields.ts";
import { importTasks, type ImportedTask } from "./taskImport.ts";

export const importPostJobKind = "task.importPost";

export interface ImportResult {
  created: number;
  byKind: Record<TaskKind, number>;
}

/** `<campaign>@<ms>:<count of each kind, in taskKinds order>`: all the post needs, no text. */
function importPostSubject(campaignId: number, result: ImportResult, now: Date): string {
  return `${campaignId}@${now.getTime()}:${taskKinds.map((kind) => result.byKind[kind]).join(",")}`;
}

export function readImportPostSubject(
  subject: string,
): { campaignId: number; result: ImportResult } | null {
  const match = /^(\d{1,9})@\d+:([\d,]+)$/.exec(subject);
  if (!match) return null;
  const counts = (match[2] ?? "").split(",").map(Number);
  if (counts.length !== taskKinds.length) return null;
  const byKind = Object.fromEntries(taskKinds.map((kind, index) => [kind, counts[index] ?? 0]));
  return {
    campaignId: Number(match[1]),
    result: {
      created: counts.reduce((sum, count) => sum + count, 0),
      byKind: byKind as Record<TaskKind, number>,
    },
  };
}

/** `/task import`'s all-or-nothing import, with what Discord shows after it armed. */
export async function importTasksWithPost(
  db: Store,
  guildId: string,
  actorId: string,
  campaignId: number,
  tasks: ImportedTask[],
  now: Date,
): Promise<ImportResult> {
  return inTransaction(db, async (tx) => {
    const result = await importTasks(tx, guildId, actorId, campaignId, tasks);
    await campaignCardChanged(tx, guildId, campaignId, now);
    await scheduleJob(tx, {
      guildId,
      kind: importPostJobKind,
      subjectId: importPostSubject(campaignId, result, now),
      dueAt: now,
    });
    return result;
  });
}
