import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import type { Database as Db } from "../../src/db/store.ts";
import { closeCampaign, createCampaign } from "../../src/domain/campaigns.ts";
import { UserError } from "../../src/domain/errors.ts";
import type { TaskFields } from "../../src/domain/taskFields.ts";
import {
  csvFile,
  importTasks,
  parseTaskCsv,
  problemsCsv,
  type ImportProblem,
  type ParsedImport,
} from "../../src/domain/taskImport.ts";
import { translate } from "../../src/i18n/index.ts";
import { campaignFields } from "../support/domain.ts";
import { createTestDb } from "../support/db.ts";

const guild = "100000000000000001";
const otherGuild = "100000000000000002";
const organizer = "200000000000000001";
const zone = "Europe/Berlin";
const now = new Date("2026-05-01T10:00:00Z");
const header = "title,kind,location,slots,due,instructions";

async function campaign(db: Db, guildId = guild) {
  return createCampaign(
    db,
    guildId,
    organizer,
    campaignFields({ channelId: "300000000000000001" }),
  );
}

function file(text: string): Uint8Array {
  return Buffer.from(text, "utf8");
}

function read(text: string | Uint8Array): ParsedImport {
  return parseTaskCsv(typeof text === "string" ? file(text) : text, zone, now);
}

function tasksOf(parsed: ParsedImport): TaskFields[] {
  if (!parsed.ok) throw new Error(`expected tasks, got ${JSON.stringify(parsed.problems)}`);
  return parsed.tasks;
}

function problemsOf(parsed: ParsedImport): ImportProblem[] {
  if (parsed.ok) throw new Error("expected problems, got tasks");
  return parsed.problems;
}

/** The problems as an organizer reads them in English: "line: text". */
function english(parsed: ParsedImport): string[] {
  return problemsOf(parsed).map(
    (problem) => `${problem.line}: ${translate("en", problem.key, problem.params)}`,
  );
}

function rows(count: number): string {
  return Array.from({ length: count }, (_, index) => `Flyers ${index + 1},campus,,,,`).join("\n");
}

const goodRows = [
  header,
  "Flyers on the campus board,Bulletin board,Main building,3,2026-06-01 18:00,Use the blue flyers",
  'Info stand,event,"Market square, north side",,2026-06-02,"Bring the table.\r\nAnd the banner, too."',
  "Share the petition,ONLINE,,10,,",
  "Invite five friends,text-invite,,,,",
  "Свобода политзаключённым — листовки,,,,,",
];

describe("reading an import file", () => {
  it("reads a file saved by Excel (BOM, CRLF) into tasks with every field", () => {
    const tasks = tasksOf(read(`\uFEFF${goodRows.join("\r\n")}\r\n`));
    expect(tasks).toEqual([
      {
        title: "Flyers on the campus board",
        kind: "bulletin_board",
        location: "Main building",
        slots: 3,
        dueAt: new Date("2026-06-01T16:00:00Z"),
        instructions: "Use the blue flyers",
      },
      {
        title: "Info stand",
        kind: "event",
        location: "Market square, north side",
        slots: 1,
        dueAt: new Date("2026-06-02T21:59:00Z"),
        instructions: "Bring the table.\nAnd the banner, too.",
      },
      {
        title: "Share the petition",
        kind: "online",
        location: null,
        slots: 10,
        dueAt: null,
        instructions: null,
      },
      {
        title: "Invite five friends",
        kind: "text_invite",
        location: null,
        slots: 1,
        dueAt: null,
        instructions: null,
      },
      {
        title: "Свобода политзаключённым — листовки",
        kind: "other",
        location: null,
        slots: 1,
        dueAt: null,
        instructions: null,
      },
    ]);
  });

  it("reads the same file without a BOM, with LF or CR line ends, the same way", () => {
    const expected = tasksOf(read(`\uFEFF${goodRows.join("\r\n")}\r\n`));
    expect(tasksOf(read(goodRows.join("\r\n")))).toEqual(expected);
    expect(tasksOf(read(`${goodRows.join("\n")}\n`))).toEqual(expected);
    expect(tasksOf(read(goodRows.join("\r")))).toEqual(expected);
  });

  it("accepts a header in any case with spaces, and a `;` file when the header uses `;`", () => {
    const tasks = tasksOf(read(" Title , KIND,Location,Slots,Due ,Instructions\nA,,,,,\n"));
    expect(tasks.map((task) => task.title)).toEqual(["A"]);
    const semicolons = tasksOf(
      read("title;kind;location;slots;due;instructions\nFlyers, big;campus;Hall 2;2;;\n"),
    );
    expect(semicolons).toMatchObject([
      { title: "Flyers, big", kind: "campus", location: "Hall 2", slots: 2 },
    ]);
  });

  it("skips blank lines and rows of empty cells, and ignores a stray empty column", () => {
    const tasks = tasksOf(read(`${header},\n\nA,campus,,,,,\n,,,,,,\n   \n\nB,,,,,\n\n`));
    expect(tasks.map((task) => task.title)).toEqual(["A", "B"]);
  });

  it("reports every bad row with the line it starts on, and no task", () => {
    const parsed = read(
      [
        header, // 1
        "Good one,campus,,,,", // 2
        ",campus,,,,", // 3: blank title
        "", // 4
        'Quoted,event,,,,"Line one', // 5: instructions over three lines
        "line two, with a comma",
        'line three ""quoted"""',
        "Bad kind,flyering,,0,2026-13-01,", // 8: kind, slots, due
        "\u200B\u2060 ,online,,,,", // 9: only invisible characters
        "Too few,campus", // 10
        "Late,campus,,three,2026-04-30,", // 11: slots, due in the past
        "Fine,,,50,2026-05-01 12:01,", // 12: due a minute after now
      ].join("\r\n"),
    );
    expect(english(parsed)).toEqual([
      "3: title is empty",
      "8: kind “flyering” is not one of campus, bulletin_board, event, online, text_invite, other",
      "8: slots “0” is not a whole number from 1 to 50",
      "8: due “2026-13-01” is not a date like 2026-12-31 or 2026-12-31 18:00",
      "9: title is empty",
      "10: expected 6 columns, found 2",
      "11: slots “three” is not a whole number from 1 to 50",
      "11: due 2026-04-30 is in the past",
    ]);
  });

  it("bounds the due column like the due option: at most five years ahead", () => {
    const parsed = read(
      [
        header, // 1
        "Last day,campus,,,2031-05-01,", // 2: five years from today in Berlin, taken
        "Far,campus,,,9999-12-31,", // 3
        "Just past,campus,,,2031-05-02 00:00,", // 4
        "Ancient,campus,,,0001-01-01,", // 5: in the past, as any past date
      ].join("\n"),
    );
    const tooLate = translate("en", "validation.dateTooLate", {
      option: "due",
      latest: "2031-05-01",
    });
    expect(english(parsed)).toEqual([
      `3: ${tooLate}`,
      `4: ${tooLate}`,
      "5: due 0001-01-01 is in the past",
    ]);
    const last = tasksOf(read(`${header}\nLast day,campus,,,2031-05-01,`));
    expect(last.map((task) => task.dueAt?.toISOString())).toEqual(["2031-05-01T21:59:00.000Z"]);
  });

  it("checks slots, lengths (in characters) and kinds one by one", () => {
    const emoji = "🚩".repeat(100);
    const lines = [
      header,
      `${emoji},,,1,,`, // 2: 100 characters (200 UTF-16 units) is fine
      `${emoji}!,,,3.5,,`, // 3
      `A,,${"x".repeat(201)},51,,${"y".repeat(1001)}`, // 4
      "B,bulletin  board,,+3,,", // 5
      "C,,,03,,", // 6
    ];
    expect(english(read(lines.join("\n")))).toEqual([
      "3: title is longer than 100 characters",
      "3: slots “3.5” is not a whole number from 1 to 50",
      "4: location is longer than 200 characters",
      "4: slots “51” is not a whole number from 1 to 50",
      "4: instructions are longer than 1,000 characters",
      "5: slots “+3” is not a whole number from 1 to 50",
    ]);
    const ok = [header, `${emoji},,${"x".repeat(200)},50,,${"y".repeat(1000)}`, "C,,,03,,"];
    expect(tasksOf(read(ok.join("\n"))).map((task) => task.slots)).toEqual([50, 3]);
  });

  it("quotes long or multi-line cells back on one short line", () => {
    const [problem] = problemsOf(read(`${header}\nA,"${"k".repeat(60)}\nmore",,,,`));
    expect(problem?.params["kind"]).toBe(`${"k".repeat(39)}…`);
  });

  it("refuses a missing header or one in another order", () => {
    expect(english(read("Flyers,campus,,,,\nMore,campus,,,,\n"))).toEqual([
      "0: The first line must be the header `title,kind,location,slots,due,instructions` (found: Flyers,campus,,,,).",
    ]);
    expect(problemsOf(read("kind,title,location,slots,due,instructions\nA,,,,,"))).toEqual([
      {
        line: 0,
        key: "taskImport.header",
        params: { found: "kind,title,location,slots,due,instructions" },
      },
    ]);
    expect(problemsOf(read("title,kind,location,slots,due\nA,,,,"))[0]?.key).toBe(
      "taskImport.header",
    );
  });

  it("takes up to 500 tasks and refuses 501", () => {
    expect(tasksOf(read(`${header}\n${rows(500)}\n`))).toHaveLength(500);
    expect(english(read(`${header}\n${rows(501)}\n`))).toEqual([
      "0: The file has 501 tasks; the limit is 500 per import.",
    ]);
  });

  it("refuses a file over 1 MB without reading it", () => {
    const row = `Flyers,campus,,,,${"x".repeat(900)}\n`;
    const text = `${header}\n${row.repeat(1200)}`.slice(0, 1024 * 1024 + 1);
    expect(Buffer.byteLength(text)).toBe(1024 * 1024 + 1);
    expect(english(read(text))).toEqual(["0: The file is 1.1 MB; the limit is 1 MB."]);
    expect(english(read(new Uint8Array(1.4 * 1024 * 1024)))).toEqual([
      "0: The file is 1.4 MB; the limit is 1 MB.",
    ]);
  });

  it("refuses text that is not UTF-8: Latin-1, UTF-16, a picture", () => {
    const encoding = [{ line: 0, key: "taskImport.encoding", params: {} }];
    expect(problemsOf(read(Buffer.from(`${header}\nCafé,,,,,\n`, "latin1")))).toEqual(encoding);
    expect(problemsOf(read(Buffer.from(`\uFEFF${header}\nA,,,,,\n`, "utf16le")))).toEqual(encoding);
    expect(problemsOf(read(Buffer.from(`${header}\nA,,,,,\n`, "utf16le")))).toEqual(encoding);
    const png = Buffer.from([
      0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44,
      0x52,
    ]);
    expect(problemsOf(read(png))).toEqual(encoding);
  });

  it("refuses broken quoting as not CSV, naming the line the broken row starts on", () => {
    expect(english(read(`${header}\r\nA,,,,,"ok\r\nstill ok"\r\nB,,,,,"never closed\r\n`))).toEqual(
      ["0: This file is not CSV text: Quote Not Closed at line 4"],
    );
    expect(problemsOf(read(`${header}\nA "quoted" word,,,,,\n`))).toEqual([
      {
        line: 0,
        key: "taskImport.notCsv",
        params: { reason: "Invalid Opening Quote at line 2" },
      },
    ]);
  });

  it("tells an empty file from one with a header and no tasks", () => {
    expect(problemsOf(read(""))).toEqual([
      { line: 0, key: "taskImport.header", params: { found: "" } },
    ]);
    expect(problemsOf(read("\uFEFF"))[0]?.key).toBe("taskImport.header");
    const empty = [{ line: 0, key: "taskImport.empty", params: {} }];
    expect(problemsOf(read(header))).toEqual(empty);
    expect(problemsOf(read(`\uFEFF${header}\r\n\r\n,,,,,\r\n`))).toEqual(empty);
  });

  it("keeps hostile and non-Latin text exactly as typed", () => {
    const tasks = tasksOf(
      read(
        [
          header,
          '"=HYPERLINK(""http://evil.example"",""click"")",,,,,@SUM(A1)',
          "Листовки у метро «Пушкинская»,campus,Кампус МГУ,,,Ёлки-палки: ё и й не трогать",
          "  Ζήτω ελευθερία 🕊️  ,,,,,",
        ].join("\n"),
      ),
    );
    expect(
      tasks.map(({ title, location, instructions }) => [title, location, instructions]),
    ).toEqual([
      ['=HYPERLINK("http://evil.example","click")', null, "@SUM(A1)"],
      ["Листовки у метро «Пушкинская»", "Кампус МГУ", "Ёлки-палки: ё и й не трогать"],
      ["Ζήτω ελευθερία 🕊️", null, null],
    ]);
  });
});

describe("the problems file", () => {
  it("is CSV with a BOM, escapes commas, quotes and newlines, and defuses formulas", () => {
    const problems: ImportProblem[] = [
      { line: 0, key: "taskImport.empty", params: {} },
      { line: 3, key: "taskImport.kind", params: { kind: 'a, "b"\nc' } },
      { line: 4, key: "taskImport.titleBlank", params: {} },
    ];
    const csv = problemsCsv(problems, "en");
    expect([...csv.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = csv.toString("utf8");
    expect(text).toBe(
      "\uFEFFline,problem\r\n" +
        ",The file has a header but no tasks.\r\n" +
        '3,"kind “a, ""b""\nc” is not one of campus, bulletin_board, event, online, text_invite, other"\r\n' +
        "4,title is empty\r\n",
    );
    const back = parse(text, { bom: true, relax_column_count: true }) as string[][];
    expect(back[2]).toEqual([
      "3",
      'kind “a, "b"\nc” is not one of campus, bulletin_board, event, online, text_invite, other',
    ]);
  });

  it("prefixes a cell a spreadsheet would run as a formula with a quote", () => {
    // English messages start with words; another language may start with the organizer's text.
    const formulas = ["=1+1", "+1", "-1", "@SUM(A1)", '=HYPERLINK("http://x","y")', "\t=1"];
    const text = csvFile("h", [formulas, ["title is empty", " padded "]]).toString("utf8");
    expect(text).toBe(
      "\uFEFFh\r\n" +
        `'=1+1,'+1,'-1,'@SUM(A1),"'=HYPERLINK(""http://x"",""y"")",'\t=1\r\n` +
        'title is empty," padded "\r\n',
    );
    expect(
      (parse(text, { bom: true, relax_column_count: true }) as string[][]).slice(1, 2),
    ).toEqual([formulas.map((cell) => `'${cell}`)]);
  });
});

describe("importing tasks", () => {
  it("creates every task of the file in one go, with one audit entry", async () => {
    const db = await createTestDb();
    const { id } = await campaign(db);
    const tasks = tasksOf(read(`\uFEFF${goodRows.join("\r\n")}\r\n`));

    const result = await importTasks(db, guild, organizer, id, tasks);

    expect(result).toEqual({
      created: 5,
      byKind: { campus: 0, bulletin_board: 1, event: 1, online: 1, text_invite: 1, other: 1 },
    });
    const stored = await db.outreachTask.findMany({ orderBy: { id: "asc" } });
    expect(
      stored.map(({ title, kind, location, slots, dueAt, instructions }) => ({
        title,
        kind,
        location,
        slots,
        dueAt,
        instructions,
      })),
    ).toEqual(tasks);
    for (const task of stored) {
      expect(task).toMatchObject({
        guildId: guild,
        campaignId: id,
        createdById: organizer,
        status: "open",
        claimedSlots: 0,
        doneCount: 0,
      });
    }
    expect(stored[4]?.title).toBe("Свобода политзаключённым — листовки");
    const audit = await db.auditEntry.findMany({ where: { action: "task.import" } });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ guildId: guild, actorId: organizer, subjectId: String(id) });
    expect(JSON.parse(audit[0]?.details ?? "null")).toEqual({ count: 5 });
  });

  it("creates nothing when the file has a bad row", async () => {
    const db = await createTestDb();
    await campaign(db);
    const parsed = read(`${header}\nGood,campus,,,,\nBad,campus,,0,,\n`);
    expect(parsed.ok).toBe(false);
    expect(await db.outreachTask.count()).toBe(0);
  });

  it("refuses a closed campaign and creates nothing", async () => {
    const db = await createTestDb();
    const { id, title } = await campaign(db);
    await closeCampaign(db, guild, organizer, id, "ended", now);
    const tasks = tasksOf(read(goodRows.join("\n")));

    const error = await importTasks(db, guild, organizer, id, tasks).catch((caught) => caught);

    expect(error).toBeInstanceOf(UserError);
    expect(error).toMatchObject({ key: "campaign.closed", params: { title } });
    expect(await db.outreachTask.count()).toBe(0);
    expect(await db.auditEntry.count({ where: { action: "task.import" } })).toBe(0);
  });

  it("does not import into another server's campaign", async () => {
    const db = await createTestDb();
    const { id } = await campaign(db, otherGuild);
    const tasks = tasksOf(read(goodRows.join("\n")));

    const error = await importTasks(db, guild, organizer, id, tasks).catch((caught) => caught);

    expect(error).toMatchObject({ key: "campaign.notFound" });
    expect(await db.outreachTask.count()).toBe(0);
  });
});

describe("importing repeating tasks", () => {
  const repeatHeader = `${header},repeat,repeat_until`;

  it("reads the optional repeat and repeat_until columns; a row may leave them off", () => {
    const tasks = tasksOf(
      read(
        [
          repeatHeader,
          "Board,bulletin_board,,,2026-06-01 18:00,,Weekly,2026-08-31",
          "Stand,event,,,2026-06-02,,monthly,",
          "Share,online,,,,",
        ].join("\n"),
      ),
    );
    expect(tasks.map((task) => [task.title, (task as { repeat?: unknown }).repeat])).toEqual([
      ["Board", { period: "weekly", until: new Date("2026-08-31T21:59:00Z") }],
      ["Stand", { period: "monthly", until: null }],
      ["Share", undefined],
    ]);
    // Seven columns: repeat without repeat_until.
    expect(tasksOf(read(`${header},repeat\nBoard,,,,2026-06-01,,daily`))).toHaveLength(1);
  });

  it("reports a repeat that is no period, one without a due date, and an end before the due date", () => {
    expect(
      english(
        read(
          [
            repeatHeader,
            "A,,,,2026-06-01,,yearly,",
            "B,,,,,,weekly,",
            "C,,,,2026-06-10,,daily,2026-06-01",
            "D,,,,2026-06-10,,daily,soon",
          ].join("\n"),
        ),
      ),
    ).toEqual([
      "2: repeat “yearly” is not daily, weekly or monthly",
      "3: repeat needs a due date in the due column",
      "4: repeat_until is before the due date",
      "5: repeat_until “soon” is not a date like 2026-12-31 or 2026-12-31 18:00",
    ]);
  });

  it("creates each repeating task as the first occurrence of its series, with its job", async () => {
    const db = await createTestDb();
    const owner = await campaign(db);
    const tasks = tasksOf(
      read([repeatHeader, "Board,,,,2026-06-01 18:00,,weekly,", "Share,online,,,,,,"].join("\n")),
    );
    const result = await importTasks(db, guild, organizer, owner.id, tasks);
    expect(result.created).toBe(2);
    const rows = await db.outreachTask.findMany({ orderBy: { title: "asc" } });
    expect(rows.map((row) => [row.title, row.repeat, row.seriesId === row.id])).toEqual([
      ["Board", "weekly", true],
      ["Share", null, false],
    ]);
    const jobs = await db.dueJob.findMany({ where: { kind: "task.repeat" } });
    expect(jobs.map((job) => [job.subjectId, job.dueAt])).toEqual([
      [String(rows[0]?.id), new Date("2026-06-01T16:00:00Z")],
    ]);
  });
});
