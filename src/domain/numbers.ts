import {
  findCampaignIdByNumber,
  findTaskIdByNumber,
  listCampaignNumbers,
  listTaskNumbers,
} from "../db/numbers.ts";
import type { Store } from "../db/store.ts";
import { UserError } from "./errors.ts";

/**
 * The options that name a campaign or a task, by name, in every command. Their value, typed or
 * picked from autocomplete (whose values are numbers too), is a number of this server: "3" or
 * "#3" is this server's #3, never another server's row of id 3.
 */
const numberedOptions: ReadonlySet<string> = new Set(["campaign", "task"]);

/**
 * Option values with each campaign and task number turned into the internal id the handlers
 * act on (`parseCampaignId`, `parseTaskId`). A number this server has no campaign or task of is
 * "not found"; text that is not a number is left as it is, for the handler to refuse.
 */
export async function resolveNumberedOptions<Value>(
  db: Store,
  guildId: string,
  values: Record<string, Value>,
): Promise<Record<string, Value | string>> {
  const resolved: Record<string, Value | string> = { ...values };
  for (const [name, value] of Object.entries(values)) {
    if (!numberedOptions.has(name) || typeof value !== "string") continue;
    const typed = /^\s*#?\s*(\d{1,9})\s*$/.exec(value);
    if (!typed) continue;
    const number = Number(typed[1]);
    const id =
      name === "campaign"
        ? await findCampaignIdByNumber(db, guildId, number)
        : await findTaskIdByNumber(db, guildId, number);
    if (id === null)
      throw new UserError(name === "campaign" ? "campaign.notFound" : "task.notFound");
    resolved[name] = String(id);
  }
  return resolved;
}

/** This server's campaign #number (the web's URLs name campaigns as people know them). */
export async function getCampaignIdByNumber(
  db: Store,
  guildId: string,
  number: number,
): Promise<number> {
  const id = Number.isSafeInteger(number)
    ? await findCampaignIdByNumber(db, guildId, number)
    : null;
  if (id === null) throw new UserError("campaign.notFound");
  return id;
}

/** What an audit entry's subject is, by its action: "task.import" records the campaign. */
function subjectKind(action: string): "campaign" | "task" | null {
  const [topic, verb] = action.split(".");
  if (topic === "campaign" || (topic === "task" && verb === "import")) return "campaign";
  return topic === "task" ? "task" : null;
}

/**
 * Audit entries with the subject people know: a campaign's or task's number in this server
 * (entries keep the internal id), other subjects (a summary schedule) as recorded.
 */
export async function withAuditSubjects<Entry extends { action: string; subjectId: string | null }>(
  db: Store,
  guildId: string,
  entries: Entry[],
): Promise<(Entry & { subject: string | null })[]> {
  const idsOf = (kind: "campaign" | "task") =>
    entries.flatMap((entry) =>
      subjectKind(entry.action) === kind && /^\d{1,9}$/.test(entry.subjectId ?? "")
        ? [Number(entry.subjectId)]
        : [],
    );
  const numbers = {
    campaign: await listCampaignNumbers(db, guildId, idsOf("campaign")),
    task: await listTaskNumbers(db, guildId, idsOf("task")),
  };
  return entries.map((entry) => {
    const kind = subjectKind(entry.action);
    const number = kind ? numbers[kind].get(Number(entry.subjectId)) : undefined;
    return { ...entry, subject: number === undefined ? entry.subjectId : String(number) };
  });
}

/** The numbers of these campaigns of this server, by id. */
export function campaignNumbersOf(
  db: Store,
  guildId: string,
  ids: number[],
): Promise<Map<number, number>> {
  return listCampaignNumbers(db, guildId, ids);
}
