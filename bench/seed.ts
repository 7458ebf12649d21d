/**
 * The bench's database: 1,000 servers, 5,000 campaigns, 200,000 tasks, 300,000 claims and a year
 * of count history, written with createMany in big batches (the domain functions would take
 * hours). Servers and channels get placeholder ids; each run works on a copy whose ids are then
 * rewritten to those of the servers the local Discord created for that run (`adoptServers`).
 */
import Database from "better-sqlite3";
import { copyFileSync, existsSync, mkdirSync, rmSync, statSync } from "node:fs";
import { dirname } from "node:path";
import pg from "pg";
import { openDatabase } from "../src/db/client.ts";
import type { Database as Db } from "../src/db/store.ts";
import { sqlitePathFromUrl } from "../src/db/migrate.ts";
import { isSqlite } from "../src/db/sqliteDirect.ts";
import { goalAfterCount } from "../src/domain/goalLadder.ts";
import { prng } from "./prng.ts";

export interface SeedSize {
  servers: number;
  /** Tasks of the largest campaign (the first); the rest are spread over the others. */
  largestCampaignTasks: number;
  tasks: number;
}

export const campaignsPerServer = 5;
export const fullSize: SeedSize = { servers: 1000, largestCampaignTasks: 5000, tasks: 200_000 };
export const quickSize: SeedSize = { servers: 100, largestCampaignTasks: 500, tasks: 20_000 };

const day = 24 * 60 * 60 * 1000;
const historyDays = 365;
/** The largest campaign gets a busy year (four changes a day); the others one every five days. */
const largestChangesPerDay = 4;
const otherChangeEveryDays = 5;
const volunteersPerServer = 50;

export const seedGuildId = (server: number) => String(100_000_000_000_000_000n + BigInt(server));
export const seedChannelId = (server: number) => String(200_000_000_000_000_000n + BigInt(server));
const seedVolunteerId = (server: number, volunteer: number) =>
  String(300_000_000_000_000_000n + BigInt(server * volunteersPerServer + volunteer));

export interface SeedCounts {
  servers: number;
  campaigns: number;
  tasks: number;
  claims: number;
  countEntries: number;
}

export async function countRows(db: Db): Promise<SeedCounts> {
  const [servers, campaigns, tasks, claims, countEntries] = await Promise.all([
    db.guildSettings.count(),
    db.campaign.count(),
    db.outreachTask.count(),
    db.claim.count(),
    db.countEntry.count(),
  ]);
  return { servers, campaigns, tasks, claims, countEntries };
}

export function expectedCounts(size: SeedSize): Omit<SeedCounts, "countEntries"> {
  return {
    servers: size.servers,
    campaigns: size.servers * campaignsPerServer,
    tasks: size.tasks,
    // Every other task has two claims: 1.5 a task.
    claims: size.tasks + Math.floor(size.tasks / 2),
  };
}

function matches(counts: SeedCounts, size: SeedSize): boolean {
  const expected = expectedCounts(size);
  return (
    counts.servers === expected.servers &&
    counts.campaigns === expected.campaigns &&
    counts.tasks === expected.tasks &&
    counts.claims === expected.claims
  );
}

const kinds = ["campus", "bulletin_board", "event", "online", "text_invite", "other"];
const places = ["Main library", "Student union", "Market square", "Bus station", "Town hall"];

/** Writes the whole data set through `write(model, rows)`, in the caller's batches. */
async function generate(
  size: SeedSize,
  now: Date,
  write: (model: Model, rows: object[]) => Promise<void>,
): Promise<void> {
  const random = prng(20261125);
  const campaigns = size.servers * campaignsPerServer;
  const yearStart = now.getTime() - historyDays * day;

  await write(
    "settings",
    Array.from({ length: size.servers }, (_, server) => ({
      guildId: seedGuildId(server),
      createdAt: new Date(yearStart - day),
      updatedAt: now,
    })),
  );

  // Count history first: each campaign's count is where its history ends.
  const counts: number[] = [];
  let entryId = 0;
  // Held until the campaigns exist (their foreign key): a few hundred thousand small objects.
  const entries: object[] = [];
  for (let campaign = 0; campaign < campaigns; campaign += 1) {
    const changes =
      campaign === 0 ? historyDays * largestChangesPerDay : historyDays / otherChangeEveryDays;
    const spacing = (historyDays * day) / changes;
    let count = 0;
    for (let change = 0; change < changes; change += 1) {
      const setFromPage = change % 7 === 0;
      // Mostly growth, sometimes a correction down.
      const delta = Math.floor(random() * 40) - (random() < 0.08 ? 45 : 0);
      const after = Math.max(0, count + delta);
      entryId += 1;
      entries.push({
        id: entryId,
        campaignId: campaign + 1,
        kind: setFromPage ? "set" : "add",
        value: setFromPage ? after : after - count,
        delta: after - count,
        countAfter: after,
        note: setFromPage ? "petition page" : null,
        actorId: seedVolunteerId(Math.floor(campaign / campaignsPerServer), 0),
        createdAt: new Date(yearStart + change * spacing + random() * spacing * 0.5),
      });
      count = after;
    }
    counts.push(count);
  }

  await write(
    "campaign",
    counts.map((count, campaign) => {
      const server = Math.floor(campaign / campaignsPerServer);
      const title = `Petition ${campaign + 1}: ${places[campaign % places.length]} ${campaign % 3 === 0 ? "bus lanes" : "clean water"}`;
      return {
        id: campaign + 1,
        guildId: seedGuildId(server),
        // As the migration numbered rows older than per-server numbers: by id, unique per server.
        number: campaign + 1,
        title,
        activeTitle: title.trim().toLowerCase(),
        goal: goalAfterCount(count, 500, true).goal,
        count,
        callToAction: "Text SIGN 50409",
        link: `https://example.org/petition/${campaign + 1}`,
        channelId: seedChannelId(server),
        createdById: seedVolunteerId(server, 0),
        createdAt: new Date(yearStart - day),
        updatedAt: now,
        endsAt: new Date(now.getTime() + 60 * day),
      };
    }),
  );

  for (let start = 0; start < entries.length; start += 5000) {
    await write("entry", entries.slice(start, start + 5000));
  }

  let tasks: object[] = [];
  let claims: object[] = [];
  let claimId = 0;
  for (let task = 0; task < size.tasks; task += 1) {
    const campaign =
      task < size.largestCampaignTasks
        ? 0
        : 1 + ((task - size.largestCampaignTasks) % (campaigns - 1));
    const server = Math.floor(campaign / campaignsPerServer);
    const slots = 1 + (task % 4);
    const createdAt = new Date(yearStart + random() * (historyDays - 20) * day);
    // Two claims on every other task; with one slot the first is given back (released).
    const states: readonly string[] =
      task % 2 === 0
        ? [["done", "active", "done", "submitted", "expired"][task % 5] ?? "done"]
        : [
            slots === 1 ? "released" : "done",
            (["active", "done", "released"] as const)[task % 3] ?? "done",
          ];
    let claimedSlots = 0;
    let doneCount = 0;
    states.forEach((status, index) => {
      const open = status === "active" || status === "submitted";
      if (open || status === "done") claimedSlots += 1;
      if (status === "done") doneCount += 1;
      const claimedAt = new Date(createdAt.getTime() + (index + 1) * day * random());
      const closed = !open;
      claimId += 1;
      claims.push({
        id: claimId,
        guildId: seedGuildId(server),
        taskId: task + 1,
        volunteerId: seedVolunteerId(server, (task + index * 7) % volunteersPerServer),
        status,
        openMarker: open ? 1 : null,
        proofLink: status === "done" ? "https://example.org/photo" : null,
        claimedAt,
        expiresAt: new Date(claimedAt.getTime() + 3 * day),
        submittedAt: status === "submitted" || status === "done" ? claimedAt : null,
        closedAt: closed
          ? new Date(Math.min(now.getTime(), claimedAt.getTime() + random() * 3 * day))
          : null,
      });
    });
    tasks.push({
      id: task + 1,
      guildId: seedGuildId(server),
      number: task + 1,
      campaignId: campaign + 1,
      title: `${slots * 10} flyers, round ${task + 1}`,
      titleFolded: `${slots * 10} flyers, round ${task + 1}`,
      kind: kinds[task % kinds.length],
      location: places[task % places.length],
      instructions: "Ask at the desk before putting anything up.",
      slots,
      claimedSlots,
      doneCount,
      dueAt: new Date(createdAt.getTime() + (5 + (task % 40)) * day),
      status: doneCount === slots ? "done" : "open",
      createdById: seedVolunteerId(server, 0),
      createdAt,
      updatedAt: now,
    });
    // Claims after their tasks (foreign key): both flushed together.
    if (tasks.length >= 5000) {
      await write("task", tasks);
      await write("claim", claims);
      tasks = [];
      claims = [];
    }
  }
  if (tasks.length > 0) await write("task", tasks);
  if (claims.length > 0) await write("claim", claims);
}

const tables = {
  settings: "GuildSettings",
  campaign: "Campaign",
  entry: "CountEntry",
  task: "OutreachTask",
  claim: "Claim",
} as const;
type Model = keyof typeof tables;
type Row = Record<string, string | number | boolean | Date | null | undefined>;

/**
 * Prisma's createMany measured 0.4–0.7 ms a row here (900,000 rows: 7 minutes), so rows go
 * through the driver: prepared statements in one transaction on SQLite, multi-row INSERTs of
 * 1,000 rows on PostgreSQL. Values are stored as Prisma stores them.
 */
function sqliteWriter(sqlite: Database.Database) {
  const statements = new Map<string, Database.Statement>();
  const stored = (value: Row[string]) =>
    value instanceof Date
      ? value.toISOString().replace("Z", "+00:00")
      : typeof value === "boolean"
        ? Number(value)
        : (value ?? null);
  return async (model: Model, rows: object[]) => {
    for (const row of rows as Row[]) {
      const columns = Object.keys(row);
      const key = `${model}:${columns.join(",")}`;
      let statement = statements.get(key);
      if (!statement) {
        statement = sqlite.prepare(
          `INSERT INTO "${tables[model]}" (${columns.map((c) => `"${c}"`).join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`,
        );
        statements.set(key, statement);
      }
      statement.run(...columns.map((column) => stored(row[column])));
    }
  };
}

function postgresWriter(client: pg.Client) {
  const stored = (value: Row[string]) =>
    value instanceof Date ? value.toISOString().replace("Z", "") : (value ?? null);
  return async (model: Model, rows: object[]) => {
    for (let start = 0; start < rows.length; start += 1000) {
      const chunk = rows.slice(start, start + 1000) as Row[];
      const columns = Object.keys(chunk[0] ?? {});
      const values = chunk.map(
        (_, index) =>
          `(${columns.map((__, column) => `$${index * columns.length + column + 1}`).join(", ")})`,
      );
      await client.query(
        `INSERT INTO "${tables[model]}" (${columns.map((c) => `"${c}"`).join(", ")}) VALUES ${values.join(", ")}`,
        chunk.flatMap((row) => columns.map((column) => stored(row[column]))),
      );
    }
  };
}

export interface SeededDatabase {
  /** The seeded database, kept between runs. */
  seedUrl: string;
  seconds: number;
  reused: boolean;
  counts: SeedCounts;
}

/** A cached SQLite file under data/bench/, rebuilt when missing, older than two days or wrong. */
export async function seedSqlite(path: string, size: SeedSize): Promise<SeededDatabase> {
  const url = `file:${path}`;
  const started = performance.now();
  if (existsSync(path) && Date.now() - statSync(path).mtimeMs < 2 * day) {
    const db = await openDatabase(url);
    const counts = await countRows(db);
    await db.$disconnect();
    if (matches(counts, size)) return { seedUrl: url, seconds: 0, reused: true, counts };
  }
  mkdirSync(dirname(path), { recursive: true });
  for (const suffix of ["", "-wal", "-shm"]) rmSync(`${path}${suffix}`, { force: true });
  await (await openDatabase(url)).$disconnect();
  const sqlite = new Database(path);
  sqlite.exec("BEGIN");
  await generate(size, new Date(), sqliteWriter(sqlite));
  sqlite.exec("COMMIT");
  sqlite.exec("ANALYZE");
  sqlite.pragma("wal_checkpoint(TRUNCATE)");
  sqlite.close();
  const db = await openDatabase(url);
  const counts = await countRows(db);
  await db.$disconnect();
  return { seedUrl: url, seconds: (performance.now() - started) / 1000, reused: false, counts };
}

/** The run's own copy of the cached file, so the seed stays as it was. */
export function copySqlite(seedUrl: string, runPath: string): string {
  const from = sqlitePathFromUrl(seedUrl);
  for (const suffix of ["", "-wal", "-shm"]) rmSync(`${runPath}${suffix}`, { force: true });
  copyFileSync(from, runPath);
  return `file:${runPath}`;
}

function databaseUrl(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function admin<T>(serverUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: databaseUrl(serverUrl, "postgres") });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** bench_seed on the server, reused when its counts are right; batches of 5,000 rows. */
export async function seedPostgres(serverUrl: string, size: SeedSize): Promise<SeededDatabase> {
  const name = size === fullSize ? "bench_seed" : "bench_seed_quick";
  const url = databaseUrl(serverUrl, name);
  const started = performance.now();
  const exists = await admin(serverUrl, async (client) => {
    const found = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    return found.rowCount === 1;
  });
  if (exists) {
    const db = await openDatabase(url);
    const counts = await countRows(db).catch(() => undefined);
    await db.$disconnect();
    if (counts && matches(counts, size)) return { seedUrl: url, seconds: 0, reused: true, counts };
    await admin(serverUrl, (client) => client.query(`DROP DATABASE ${name} WITH (FORCE)`));
  }
  await admin(serverUrl, (client) => client.query(`CREATE DATABASE ${name}`));
  await (await openDatabase(url)).$disconnect();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await generate(size, new Date(), postgresWriter(client));
  } finally {
    await client.end();
  }
  const db = await openDatabase(url);
  // Ids were given explicitly: the sequences must continue after them.
  for (const table of ["Campaign", "CountEntry", "OutreachTask", "Claim"]) {
    await db.$executeRawUnsafe(
      `SELECT setval(pg_get_serial_sequence('"${table}"', 'id'), (SELECT max(id) FROM "${table}"))`,
    );
  }
  await db.$executeRawUnsafe("ANALYZE");
  const counts = await countRows(db);
  await db.$disconnect();
  return { seedUrl: url, seconds: (performance.now() - started) / 1000, reused: false, counts };
}

/** A copy of the seed database for one run (a template copy: seconds, not a new seeding). */
export async function copyPostgres(serverUrl: string, seedUrl: string): Promise<string> {
  const seedName = new URL(seedUrl).pathname.slice(1);
  const name = `bench_run_${process.pid}`;
  await admin(serverUrl, async (client) => {
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await client.query(`CREATE DATABASE ${name} TEMPLATE ${seedName}`);
  });
  return databaseUrl(serverUrl, name);
}

export async function dropPostgres(serverUrl: string, runUrl: string): Promise<void> {
  const name = new URL(runUrl).pathname.slice(1);
  if (!name.startsWith("bench_")) throw new Error(`not a bench database: ${name}`);
  await admin(serverUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}

const guildColumns: [table: string, column: string][] = [
  ["GuildSettings", "guildId"],
  ["Campaign", "guildId"],
  ["OutreachTask", "guildId"],
  ["Claim", "guildId"],
  ["AuditEntry", "guildId"],
  ["DueJob", "guildId"],
  ["SummarySchedule", "guildId"],
  ["Volunteer", "guildId"],
];

/**
 * Gives seeded server `index` the ids of the local Discord's server `guilds[index]` (and its
 * channel), through a mapping table and one UPDATE … FROM per column (SQLite and PostgreSQL).
 */
export async function adoptServers(
  db: Db,
  servers: { guildId: string; channelId: string }[],
): Promise<void> {
  await db.$executeRawUnsafe(
    `CREATE TABLE "BenchMap" ("old" TEXT PRIMARY KEY, "new" TEXT NOT NULL)`,
  );
  const pairs = servers.flatMap((server, index) => [
    [seedGuildId(index), server.guildId],
    [seedChannelId(index), server.channelId],
  ]);
  for (let start = 0; start < pairs.length; start += 500) {
    // Snowflakes only (checked), written inline: SQLite and PostgreSQL differ in placeholders.
    const values = pairs
      .slice(start, start + 500)
      .map(([from = "", to = ""]) => {
        if (!/^\d+$/.test(from) || !/^\d+$/.test(to)) throw new Error(`not an id: ${from} ${to}`);
        return `('${from}', '${to}')`;
      })
      .join(", ");
    await db.$executeRawUnsafe(`INSERT INTO "BenchMap" ("old", "new") VALUES ${values}`);
  }
  const columns = [
    ...guildColumns,
    ["Campaign", "channelId"],
    ["OutreachTask", "cardChannelId"],
    ["SummarySchedule", "channelId"],
  ];
  for (const [table, column] of columns) {
    await db.$executeRawUnsafe(
      `UPDATE "${table}" SET "${column}" = "BenchMap"."new" FROM "BenchMap" WHERE "${table}"."${column}" = "BenchMap"."old"`,
    );
  }
  await db.$executeRawUnsafe(`DROP TABLE "BenchMap"`);
  // Every row was just rewritten. On PostgreSQL half of each table is now dead rows, no page is
  // marked all-visible and the statistics describe server ids that no longer exist: autovacuum
  // would see to it within minutes on a real server, but the run starts at once, and the
  // planner then chose plans that made /task list 59 ms instead of 14.5. Measure a settled copy.
  await db.$executeRawUnsafe(isSqlite(db) ? "ANALYZE" : "VACUUM ANALYZE");
}
