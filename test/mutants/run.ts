// `npm run mutants`: applies each recorded mutation (test/mutants/mutations.ts) in a scratch
// copy of the work tree, runs the tests that should notice it, and prints the table that
// RELIABILITY.md keeps. Outside CI: it runs the named tests once per mutation (minutes).
// `--only <text>` runs the rows whose guarantee contains the text.
import { spawnSync } from "node:child_process";
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { mutations, type Mutation } from "./mutations.ts";

const root = resolve(import.meta.dirname, "../..");

/** The tracked and new files of the work tree, with node_modules and the generated clients linked. */
function scratchCopy(): string {
  const scratch = mkdtempSync(join(tmpdir(), "rally-mutants-"));
  const listed = spawnSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], {
    cwd: root,
    encoding: "utf8",
  });
  for (const file of listed.stdout.split("\n").filter(Boolean)) {
    mkdirSync(dirname(join(scratch, file)), { recursive: true });
    cpSync(join(root, file), join(scratch, file));
  }
  for (const linked of ["node_modules", "src/db/generated", "src/db/generated-pg"]) {
    symlinkSync(join(root, linked), join(scratch, linked));
  }
  return scratch;
}

interface Outcome {
  mutation: Mutation;
  noticed: boolean;
  detail: string;
  seconds: number;
}

function run(scratch: string, mutation: Mutation): Outcome {
  const path = join(scratch, mutation.file);
  const original = readFileSync(path, "utf8");
  const found = original.split(mutation.find).length - 1;
  if (found !== 1) {
    return { mutation, noticed: false, detail: `stale: found ${found} times`, seconds: 0 };
  }
  writeFileSync(path, original.replace(mutation.find, mutation.replace));
  const started = performance.now();
  try {
    const args = ["vitest", "run", "--project", "sqlite", ...mutation.tests];
    if (mutation.testName) args.push("-t", mutation.testName);
    const result = spawnSync("npx", args, {
      cwd: scratch,
      encoding: "utf8",
      env: { ...process.env, TEST_POSTGRES_URL: "", NO_COLOR: "1" },
    });
    const output = `${result.stdout}${result.stderr}`;
    const failed = /Tests\s+(\d+) failed/.exec(output)?.[1];
    const passed = /(\d+) passed/.exec(/Tests\s+.*$/m.exec(output)?.[0] ?? "")?.[1];
    const noticed = result.status !== 0 && failed !== undefined;
    // A mutation that stops the build or the test files from loading proves nothing.
    const ran = failed !== undefined || passed !== undefined;
    return {
      mutation,
      noticed,
      detail: noticed
        ? `${failed} failed`
        : ran
          ? `not noticed (${passed ?? 0} passed)`
          : "no test ran (the mutation breaks the build?)",
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    writeFileSync(path, original);
  }
}

const only = process.argv.includes("--only")
  ? process.argv[process.argv.indexOf("--only") + 1]
  : undefined;
const chosen = mutations.filter((mutation) => !only || mutation.guarantee.includes(only));
const scratch = scratchCopy();
const outcomes: Outcome[] = [];
try {
  for (const mutation of chosen) {
    const outcome = run(scratch, mutation);
    outcomes.push(outcome);
    process.stderr.write(
      `${outcome.noticed ? "noticed" : "MISSED "} ${mutation.guarantee} (${outcome.detail}, ${outcome.seconds.toFixed(0)} s)\n`,
    );
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

const out = (line = "") => process.stdout.write(`${line}\n`);
const cell = (text: string) => text.replaceAll("|", "\\|");
out("| guarantee | mutation (in) | noticed by | result |");
out("| --- | --- | --- | --- |");
for (const { mutation, detail } of outcomes) {
  const tests = mutation.tests.map((file) => `\`${file}\``).join(", ");
  const name = mutation.testName ? ` › “${mutation.testName}”` : "";
  out(`| ${cell(mutation.guarantee)} | \`${mutation.file}\` | ${tests}${cell(name)} | ${detail} |`);
}
const missed = outcomes.filter((outcome) => !outcome.noticed).length;
out(`\n${outcomes.length - missed} of ${outcomes.length} mutations noticed.`);
process.exitCode = missed === 0 ? 0 : 1;
