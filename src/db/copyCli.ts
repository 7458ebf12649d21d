import { parseArgs } from "node:util";
import { performance } from "node:perf_hooks";
import { describeDatabase, openDatabase, type Db } from "./client.ts";
import { copyDatabase } from "./copy.ts";
import { isPostgresUrl } from "./migrate.ts";

// `npm run db:copy -- --from file:./data/rally.db --to postgresql://…`: moves an instance to
// another database, both migrated first. Exits non-zero unless every table's count matches.
const usage = "usage: npm run db:copy -- --from <DATABASE_URL> --to <DATABASE_URL>";

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { from: { type: "string" }, to: { type: "string" }, "batch-size": { type: "string" } },
  });
  const { from, to } = values;
  if (from === undefined || to === undefined) {
    process.stderr.write(`${usage}\n`);
    return 2;
  }
  const batchSize = Number(values["batch-size"] ?? 1000);
  const databases: Db[] = [];
  try {
    const source = await openDatabase(from);
    databases.push(source);
    const target = await openDatabase(to);
    databases.push(target);
    process.stdout.write(`Copying ${describeDatabase(from)} → ${describeDatabase(to)}\n`);
    const started = performance.now();
    const report = await copyDatabase(source, target, {
      targetIsPostgres: isPostgresUrl(to),
      batchSize,
      onTable: ({ table, source: rows, target: copied }) =>
        process.stdout.write(
          `${table.padEnd(16)} ${String(rows).padStart(9)} → ${String(copied).padStart(9)} ${rows === copied ? "ok" : "MISMATCH"}\n`,
        ),
    });
    const mismatched = report.filter((table) => table.source !== table.target);
    const total = report.reduce((sum, table) => sum + table.target, 0);
    if (mismatched.length > 0) {
      process.stderr.write(`Counts differ for ${mismatched.map((t) => t.table).join(", ")}.\n`);
      return 1;
    }
    process.stdout.write(
      `All ${report.length} tables match: ${total} rows in ${Math.round(performance.now() - started)} ms.\n`,
    );
    return 0;
  } catch (error) {
    process.stderr.write(`Could not copy: ${(error as Error).message.split("\n")[0]}\n`);
    return 1;
  } finally {
    await Promise.all(databases.map((db) => db.$disconnect()));
  }
}

process.exitCode = await main();
