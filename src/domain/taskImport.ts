import { CsvError, parse } from "csv-parse/sync";
import { stringify, type Options as CsvOptions } from "csv-stringify/sync";
import { inTransaction, type Store } from "../db/store.ts";
import { updateCampaignIfActive } from "../db/campaigns.ts";
import { insertTask, insertTasks } from "../db/tasks.ts";
import { translate, type Language, type MessageKey, type MessageParams } from "../i18n/index.ts";
import { recordAudit } from "./audit.ts";
import { getActiveCampaign } from "./campaigns.ts";
import { parseLocalDateTime } from "./dates.ts";
import { UserError } from "./errors.ts";
import { beginSeries, isRepeatPeriod, type Repeat } from "./repeatRules.ts";
import {
  isTaskKind,
  taskKinds,
  taskLimits,
  withFoldedTitle,
  type TaskFields,
  type TaskKind,
} from "./taskFields.ts";
import { now as clockNow } from "../clock.ts";

/**
 * Reads the CSV of `/task import`: `title,kind,location,slots,due,instructions`, one task a row,
 * optionally followed by `repeat` (daily, weekly or monthly; blank: does not repeat) and
 * `repeat_until` (a date, as due).
 *
 * - Every problem of every row is reported, in file order, one entry per problem (a row with a
 *   blank title and bad slots gives two); a row with the wrong number of cells gives only that.
 * - The delimiter is `,`, or `;` when the header line has `;` and no `,` (Excel in locales with
 *   a decimal comma saves "CSV" that way).
 * - A line is the text line where the row starts, counting every line of the file (blank lines
 *   and the extra lines of multi-line quoted cells included); the header is line 1.
 * - Trailing empty cells (a spreadsheet's stray column) are ignored, in the header too.
 * - Quotes must be where RFC 4180 puts them: a stray quote means a broken file, not text.
 */

export interface ImportProblem {
  /** 1-based line of the file where the row starts (the header is line 1); 0 for the file. */
  line: number;
  key: MessageKey;
  params: MessageParams;
}

/** A task of the file, with how it repeats when its row says so. */
export type ImportedTask = TaskFields & { repeat?: Repeat };

export type ParsedImport =
  { ok: true; tasks: ImportedTask[] } | { ok: false; problems: ImportProblem[] };

const importColumns = ["title", "kind", "location", "slots", "due", "instructions"] as const;
/** Columns a file may add after the six, in this order. */
const repeatColumns = ["repeat", "repeat_until"] as const;

/** How much of a cell a problem quotes back: enough to recognise it, never a wall of text. */
const quotedCellLength = 40;
const quotedHeaderLength = 100;
const reasonLength = 120;

const megabyte = 1024 * 1024;

function fileProblem(
  key: MessageKey,
  params: MessageParams = {},
): { ok: false; problems: ImportProblem[] } {
  return { ok: false, problems: [{ line: 0, key, params }] };
}

/** Rounded up, so a file just over the limit never reads as "1.0 MB". */
function formatSize(bytes: number): string {
  return `${(Math.ceil((bytes / megabyte) * 10) / 10).toFixed(1)} MB`;
}

/** The size refusal, for a caller that knows an attachment's size before downloading it. */
export function importSizeProblem(bytes: number): ImportProblem | null {
  return bytes > taskLimits.importBytes
    ? { line: 0, key: "taskImport.tooLarge", params: { size: formatSize(bytes) } }
    : null;
}

function characterCount(text: string): number {
  let count = 0;
  for (const _ of text) count += 1;
  return count;
}

function shorten(text: string, max: number): string {
  const characters = [...text];
  return characters.length <= max ? text : `${characters.slice(0, max - 1).join("")}…`;
}

/** Zero-width and other invisible format characters do not make a cell non-empty. */
function isBlank(text: string): boolean {
  return text.replace(/[\p{White_Space}\p{Cf}]/gu, "") === "";
}

/** Title and location are one line, as in /task add: a line break in the cell becomes a space. */
function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, " ").trim();
}

/** A cell quoted back in a problem: one line, short enough for a list in a message. */
function quoted(text: string): string {
  return shorten(oneLine(text), quotedCellLength);
}

/** Counts line breaks as a text editor does: CRLF, LF and a lone CR are one each. */
class LineCounter {
  private offset = 0;
  private line = 1;

  constructor(private readonly bytes: Buffer) {}

  /** The line of the first byte at or after `offset` that is not a line break. */
  lineOfContentFrom(offset: number): number {
    let position = offset;
    while (position < this.bytes.length && this.isBreak(position)) position += 1;
    this.advanceTo(position);
    return this.line;
  }

  private isBreak(position: number): boolean {
    const byte = this.bytes[position];
    return byte === 0x0a || byte === 0x0d;
  }

  private advanceTo(position: number): void {
    for (; this.offset < position; this.offset += 1) {
      const byte = this.bytes[this.offset];
      if (byte === 0x0a) this.line += 1;
      else if (byte === 0x0d && this.bytes[this.offset + 1] !== 0x0a) this.line += 1;
    }
  }
}

interface Row {
  line: number;
  cells: string[];
}

type Rows = { ok: true; rows: Row[] } | { ok: false; reason: string };

function delimiterOf(text: string): "," | ";" {
  const firstLine = /^[^\r\n]*/.exec(text)?.[0] ?? "";
  return firstLine.includes(";") && !firstLine.includes(",") ? ";" : ",";
}

/**
 * Splits the text into rows with the line each starts on. csv-parse's own `info.lines` counts a
 * CRLF inside a quoted cell as two lines (and its errors name the line where reading stopped),
 * so lines are counted here from `bytes`, the offset where each record ends.
 */
function readRows(bytes: Buffer, delimiter: string): Rows {
  const lines = new LineCounter(bytes);
  const rows: Row[] = [];
  let recordStart = 0;
  try {
    parse(bytes, {
      delimiter,
      record_delimiter: ["\r\n", "\n", "\r"],
      relax_column_count: true,
      skip_empty_lines: true,
      on_record: (cells: string[], context) => {
        rows.push({ line: lines.lineOfContentFrom(recordStart), cells });
        recordStart = context.bytes;
        return null;
      },
    });
    return { ok: true, rows };
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    // "Quote Not Closed: the parsing is finished…": the name of the fault, and the row's line.
    const name = error.message.split(":")[0] ?? error.message;
    const reason = `${name} at line ${lines.lineOfContentFrom(recordStart)}`;
    return { ok: false, reason: shorten(reason, reasonLength) };
  }
}

/** Cells past the file's columns are a spreadsheet's stray column when empty, and dropped. */
function sixCells(cells: string[], columns: number = importColumns.length): string[] {
  const extra = cells.slice(columns);
  return extra.length > 0 && extra.every(isBlank) ? cells.slice(0, columns) : cells;
}

/** How many columns the header names (6, or 7 or 8 with the repeat columns), or its problem. */
function checkHeader(row: Row | undefined, delimiter: string): number | ImportProblem {
  const raw = (row?.cells ?? []).map((cell) => cell.trim().toLowerCase());
  const known = [...importColumns, ...repeatColumns];
  for (let columns = known.length; columns >= importColumns.length; columns--) {
    const cells = sixCells(raw, columns);
    if (cells.length === columns && known.slice(0, columns).every((c, i) => cells[i] === c))
      return columns;
  }
  const found = shorten(oneLine((row?.cells ?? []).join(delimiter)), quotedHeaderLength);
  return { line: 0, key: "taskImport.header", params: { found } };
}

function readKind(text: string): TaskKind | null {
  if (isBlank(text)) return "other";
  const kind = text
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, "_");
  return isTaskKind(kind) ? kind : null;
}

function readSlots(text: string): number | null {
  const trimmed = text.trim();
  if (trimmed === "") return 1;
  if (!/^\d{1,3}$/.test(trimmed)) return null;
  const slots = Number(trimmed);
  return slots >= taskLimits.minSlots && slots <= taskLimits.maxSlots ? slots : null;
}

/**
 * The due reader for one file: the due option's own parser and bound, so a file cannot store
 * what the option refuses. An import repeats a handful of dates, and luxon is slow-ish.
 */
function dueReader(
  zone: string,
  now: Date,
  option: "due" | "repeat_until" = "due",
): (text: string) => Date | UserError {
  const seen = new Map<string, Date | UserError>();
  const past = option === "due" ? "taskImport.duePast" : "taskImport.repeatUntilPast";
  return (text) => {
    const key = text.trim();
    let read = seen.get(key);
    if (read === undefined) {
      try {
        read = parseLocalDateTime(key, { option, zone, now, past });
      } catch (error) {
        if (!(error instanceof UserError)) throw error;
        read = error;
      }
      seen.set(key, read);
    }
    // A copy each time: tasks never share a mutable Date.
    return read instanceof Date ? new Date(read.getTime()) : read;
  };
}

/** Every problem of one row (or the task it describes). */
function readTask(
  row: Row,
  readDue: (text: string) => Date | UserError,
  readUntil: (text: string) => Date | UserError,
  columns: number,
): { task: ImportedTask | null; problems: ImportProblem[] } {
  const problems: ImportProblem[] = [];
  const problem = (key: MessageKey, params: MessageParams = {}) =>
    problems.push({ line: row.line, key, params });
  // A row may leave the repeat columns off entirely: they are optional.
  let cells = sixCells(row.cells, columns);
  if (cells.length < columns && cells.length >= importColumns.length)
    cells = [...cells, ...Array<string>(columns - cells.length).fill("")];
  if (cells.length !== columns) {
    problem("taskImport.columns", { found: cells.length });
    return { task: null, problems };
  }
  const [
    rawTitle = "",
    rawKind = "",
    rawLocation = "",
    rawSlots = "",
    rawDue = "",
    rawText = "",
    rawRepeat = "",
    rawUntil = "",
  ] = cells;

  const title = oneLine(rawTitle);
  if (isBlank(title)) problem("taskImport.titleBlank");
  else if (characterCount(title) > taskLimits.title)
    problem("taskImport.titleTooLong", { max: taskLimits.title });

  const kind = readKind(rawKind);
  if (kind === null) problem("taskImport.kind", { kind: quoted(rawKind) });

  const location = isBlank(rawLocation) ? null : oneLine(rawLocation);
  if (location !== null && characterCount(location) > taskLimits.location)
    problem("taskImport.locationTooLong", { max: taskLimits.location });

  const slots = readSlots(rawSlots);
  if (slots === null) problem("taskImport.slots", { slots: quoted(rawSlots) });

  const due = isBlank(rawDue) ? null : readDue(rawDue);
  const dueAt = due instanceof Date ? due : null;
  if (due instanceof UserError) {
    // The import's own words for a cell that is no date; the bound's refusal names its last day.
    const params = { ...due.params, due: quoted(rawDue) };
    problem(due.key === "validation.date" ? "taskImport.due" : due.key, params);
  }

  const instructions = isBlank(rawText) ? null : rawText.replace(/\r\n?/g, "\n").trim();
  if (instructions !== null && characterCount(instructions) > taskLimits.instructions)
    problem("taskImport.instructionsTooLong", { max: taskLimits.instructions });

  const period = rawRepeat.trim().toLowerCase();
  if (period !== "" && !isRepeatPeriod(period))
    problem("taskImport.repeat", { repeat: quoted(rawRepeat) });
  const until = isBlank(rawUntil) ? null : readUntil(rawUntil);
  if (until instanceof UserError) {
    const params = { ...until.params, until: quoted(rawUntil) };
    problem(until.key === "validation.date" ? "taskImport.repeatUntil" : until.key, params);
  }
  const untilAt = until instanceof Date ? until : null;
  if (isRepeatPeriod(period) && due === null) problem("taskImport.repeatNeedsDue");
  if (isRepeatPeriod(period) && dueAt && untilAt && untilAt < dueAt)
    problem("taskImport.repeatUntilBeforeDue");

  if (problems.length > 0 || kind === null || slots === null) return { task: null, problems };
  const task: ImportedTask = { title, kind, location, slots, dueAt, instructions };
  if (isRepeatPeriod(period)) task.repeat = { period, until: untilAt };
  return { task, problems };
}

/** Every row of an import file with its task or its problems, for a preview before creating. */
export type ImportPreview =
  | { ok: true; rows: { line: number; task: ImportedTask | null; problems: ImportProblem[] }[] }
  | { ok: false; problems: ImportProblem[] };

/**
 * Reads an import file row by row. File-level problems (size, encoding, not CSV, header, row
 * count) stop the reading and are the only problem reported.
 */
export function previewTaskCsv(file: Uint8Array, zone: string, now: Date): ImportPreview {
  const tooLarge = importSizeProblem(file.byteLength);
  if (tooLarge) return { ok: false, problems: [tooLarge] };

  let text: string;
  try {
    // The decoder drops a leading BOM (Excel's "CSV UTF-8" writes one).
    text = new TextDecoder("utf-8", { fatal: true }).decode(file);
  } catch {
    return fileProblem("taskImport.encoding");
  }
  // NUL is never in a text CSV; it is the mark of UTF-16 ("Unicode text") saved without a BOM.
  if (text.includes("\u0000")) return fileProblem("taskImport.encoding");

  const delimiter = delimiterOf(text);
  const read = readRows(Buffer.from(text, "utf8"), delimiter);
  if (!read.ok) return fileProblem("taskImport.notCsv", { reason: read.reason });

  const [header, ...records] = read.rows;
  const columns = checkHeader(header, delimiter);
  if (typeof columns !== "number") return { ok: false, problems: [columns] };

  // A row of empty cells is a blank line in a spreadsheet's eyes: skipped, not a task.
  const rows = records.filter((row) => !row.cells.every(isBlank));
  if (rows.length > taskLimits.importRows) {
    return fileProblem("taskImport.tooManyRows", {
      rows: rows.length,
      max: taskLimits.importRows,
    });
  }
  if (rows.length === 0) return fileProblem("taskImport.empty");

  const readDue = dueReader(zone, now);
  const readUntil = dueReader(zone, now, "repeat_until");
  return {
    ok: true,
    rows: rows.map((row) => ({ line: row.line, ...readTask(row, readDue, readUntil, columns) })),
  };
}

/**
 * Reads an import file. All or nothing: either every row is a valid task, or the answer lists
 * every problem found, in file order.
 */
export function parseTaskCsv(file: Uint8Array, zone: string, now: Date): ParsedImport {
  const preview = previewTaskCsv(file, zone, now);
  if (!preview.ok) return preview;
  const tasks: ImportedTask[] = [];
  const problems: ImportProblem[] = [];
  for (const row of preview.rows) {
    if (row.task) tasks.push(row.task);
    problems.push(...row.problems);
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, tasks };
}

/**
 * Creates every task of an import in one transaction, with one audit entry. The campaign must
 * be this server's and active, also at the moment of writing: a close that lands between the
 * check and the write leaves no task behind.
 */
export async function importTasks(
  db: Store,
  guildId: string,
  actorId: string,
  campaignId: number,
  tasks: ImportedTask[],
): Promise<{ created: number; byKind: Record<TaskKind, number> }> {
  const campaign = await getActiveCampaign(db, guildId, campaignId);
  const created = await inTransaction(db, async (tx) => {
    // The first statement takes the write lock and re-checks, as changeCount does.
    if (!(await updateCampaignIfActive(tx, guildId, campaignId, { updatedAt: clockNow() })))
      throw new UserError("campaign.closed", { title: campaign.title });
    const row = ({ repeat: _repeat, ...task }: ImportedTask) => ({
      ...withFoldedTitle(task),
      guildId,
      campaignId,
      createdById: actorId,
    });
    let count = await insertTasks(tx, tasks.filter((task) => !task.repeat).map(row));
    // A repeating task needs its id for its series and job: one insert each.
    for (const task of tasks) {
      if (!task.repeat) continue;
      await beginSeries(tx, await insertTask(tx, row(task)), task.repeat);
      count += 1;
    }
    await recordAudit(tx, {
      guildId,
      actorId,
      action: "task.import",
      subjectId: campaignId,
      details: { count },
    });
    return count;
  });
  const byKind = Object.fromEntries(taskKinds.map((kind) => [kind, 0])) as Record<TaskKind, number>;
  for (const task of tasks) byKind[task.kind] += 1;
  return { created, byKind };
}

/**
 * How Rally writes CSV: CRLF, a cell quoted when it holds `"`, `,` or a line break or starts or
 * ends with a space. A cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR
 * first) gets a leading `'`, which shows it as text.
 */
const csvOptions: CsvOptions = {
  record_delimiter: "\r\n",
  quote_record_delimiter: true,
  quoted_match: /^\s|\s$/,
  // Not escape_formulas: it decides the quotes before adding the `'`, so `\t=1` would be quoted.
  cast: { string: (value) => (/^[=+\-@\t\r]/.test(value) ? `'${value}` : value) },
};

/**
 * A CSV file, UTF-8 with a BOM and CRLF so Excel opens it right. The header is a translated
 * line, written as the translators wrote it.
 */
export function csvFile(header: string, rows: string[][]): Buffer {
  return Buffer.from(`\uFEFF${header}\r\n${stringify(rows, csvOptions)}`, "utf8");
}

/**
 * Every problem as a CSV to attach when the list does not fit in a message: `line,problem`,
 * translated. A file-level problem has an empty line cell.
 */
export function problemsCsv(problems: ImportProblem[], language: Language): Buffer {
  return csvFile(
    translate(language, "taskImport.errorsCsvHeader"),
    problems.map((problem) => [
      problem.line > 0 ? String(problem.line) : "",
      translate(language, problem.key, problem.params),
    ]),
  );
}
