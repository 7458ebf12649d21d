/** What a task is, as organizers describe it; shared by /task add, /task edit and the CSV import. */
export const taskKinds = [
  "campus",
  "bulletin_board",
  "event",
  "online",
  "text_invite",
  "other",
] as const;
export type TaskKind = (typeof taskKinds)[number];

export function isTaskKind(value: string): value is TaskKind {
  return (taskKinds as readonly string[]).includes(value);
}

export const taskLimits = {
  title: 100,
  location: 200,
  instructions: 1000,
  minSlots: 1,
  maxSlots: 50,
  proofLink: 512,
  note: 500,
  rejectReason: 300,
  importRows: 500,
  importBytes: 1024 * 1024,
} as const;

export interface TaskFields {
  title: string;
  kind: TaskKind;
  location: string | null;
  slots: number;
  dueAt: Date | null;
  instructions: string | null;
  /** When the work starts: the start of its Discord event (src/domain/taskEvents.ts). */
  startsAt?: Date | null;
  /** Whether it gets a Discord scheduled event; off unless asked for. */
  eventWanted?: boolean;
}

/**
 * How a title is compared when members search for it: Unicode's default lower case, the same
 * for the stored title and for what they type (about 100× cheaper than toLocaleLowerCase("und"),
 * with the same result).
 */
export function foldTitle(title: string): string {
  return title.toLowerCase();
}

/** Task fields as written to the row: with the title, its folded form for the search. */
export function withFoldedTitle<Fields extends { title?: string }>(
  fields: Fields,
): Fields & { titleFolded?: string } {
  return fields.title === undefined ? fields : { ...fields, titleFolded: foldTitle(fields.title) };
}
