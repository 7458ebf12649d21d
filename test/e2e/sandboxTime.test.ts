import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, inject, it } from "vitest";
import { demo, readmeTranscript, runDemo } from "../../src/sandbox/demoDocs.ts";
import { testDatabaseUrl } from "../support/db.ts";
import { entryCommand } from "../support/entry.ts";

/** `npm start` with arguments, as a person runs it; `input` is typed at the prompt. */
function sandbox(
  args: string[],
  environment: Record<string, string>,
  input?: string,
  cwd = mkdtempSync(join(tmpdir(), "rally-sandbox-")),
) {
  const child = spawn(entryCommand("main")[0], [...entryCommand("main")[1], ...args], {
    cwd,
    env: { PATH: process.env["PATH"] ?? "", ...environment },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end(input ?? "");
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((done) =>
    child.on("exit", (code) => done({ code, stdout, stderr })),
  );
}

/** The text from `from` (the start of a prompt's answer) to the end of the line holding `to`. */
function between(stdout: string, from: string, to: string): string {
  const start = stdout.indexOf(`> ${from}`);
  const end = stdout.indexOf("\n", stdout.indexOf(to, start));
  if (start < 0 || end < 0) throw new Error(`no "${from}" … "${to}" in:\n${stdout}`);
  return stdout.slice(start + 2, end + 1);
}

describe("the sandbox's clock", { timeout: 60_000 }, () => {
  it("wait runs what falls due at its own time: a scheduled summary, then each day's repeat", async () => {
    const typed = [
      '/campaign create title:"Free political prisoners" goal:500 channel:#campaigns',
      "in #campaigns",
      '/task add campaign:Free title:"Flyers at the station" kind:campus slots:1 due:"2026-12-09 18:00"',
      "as @volunteer1 press Claim",
      '/task add campaign:Free title:"Refresh the board" kind:bulletin_board due:"2026-12-08 09:00" repeat:daily',
      "/summary schedule channel:#campaigns time:18:00 campaign:Free",
      "wait until 2026-12-01 10:00",
      "wait 25h",
      "wait 2d",
      "/rally about",
      "quit",
    ];
    // Typed at the prompt (not a script): the clock flows from --clock, as for a person.
    const { code, stdout, stderr } = await sandbox(
      ["--clock", "2026-12-07T12:00Z"],
      { DATABASE_URL: await testDatabaseUrl() },
      `${typed.join("\n")}\n`,
    );
    expect(stderr).toBe("");
    expect(code).toBe(0);
    // A piped prompt does not echo what was typed: each answer follows its prompt.
    expect(stdout).toContain(
      "> ! 2026-12-01 10:00 UTC is not ahead of the sandbox's clock (2026-12-07 12:00 UTC): time only moves forward.\n",
    );

    // Today's summary at 18:00, counting the claimed task's due date from then, not from now.
    const day = between(stdout, "[2026-12-07 18:00 UTC]", "25 hours later.");
    expect(day).toMatch(
      /^\[2026-12-07 18:00 UTC\]\n\[#campaigns\] Rally:\n {2}│ \*\*Free political prisoners/,
    );
    expect(day).toContain("│ Next due: • Refresh the board — in 15 hours");
    expect(day).toContain("Flyers at the station — in 2 days");
    expect(day).toMatch(/It is now 2026-12-08 13:00 UTC, 25 hours later\.\n$/);
    // The daily task's first due date (09:00) passed on the way: its next occurrence was posted.
    const repeat = day.indexOf(
      "[2026-12-08 09:00 UTC]\n[#campaigns] Rally:\n  │ **Refresh the board**",
    );
    expect(repeat).toBeGreaterThan(0);
    expect(day.slice(repeat)).toContain("Due: 2026-12-09 09:00 UTC (in 24 hours)");

    // Two more days: each post under the time it was made at, in order.
    const days = between(stdout, "[2026-12-08 18:00 UTC]", "2 days later.");
    const stamps = [...days.matchAll(/^\[(2026-12-\d\d \d\d:\d\d) UTC\]$/gm)].map((m) => m[1]);
    expect(stamps).toEqual([
      "2026-12-08 18:00",
      "2026-12-09 09:00",
      "2026-12-09 12:00",
      "2026-12-09 18:00",
      "2026-12-10 09:00",
      "2026-12-10 12:00",
    ]);
    // At noon, three days after the claim, the claim's own notices reach volunteer1 by DM.
    expect(days).toContain("[2026-12-09 12:00 UTC]\nDM to @volunteer1:");
    expect(days).toContain("[2026-12-10 12:00 UTC]\nDM to @volunteer1:");
    expect(days).toContain("Due: 2026-12-11 09:00 UTC (in 24 hours)");
    expect(days).toMatch(/It is now 2026-12-10 13:00 UTC, 2 days later\.\n$/);
    // Three days on, Rally still answers: the local Discord's interactions carry the same clock.
    expect(stdout.slice(stdout.indexOf("2 days later."))).toContain(
      "> Rally (only you can see this):\n  │ **Rally**",
    );
  });

  it("keeps the time it waited through for the next start", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "rally-sandbox-"));
    const environment = { DATABASE_URL: await testDatabaseUrl() };
    // Far ahead of any real date this test runs on: the saved time, not the system's, decides.
    const first = await sandbox(["--clock", "2030-01-01T12:00Z"], environment, "wait 3d\n", cwd);
    expect(first.stdout).toContain("It is now 2030-01-04 12:00 UTC, 3 days later.");
    const second = await sandbox([], environment, "wait until 2030-01-04 11:00\n", cwd);
    expect(second.stderr).toBe("");
    expect(second.stdout).toContain(
      "! 2030-01-04 11:00 UTC is not ahead of the sandbox's clock (2030-01-04 12:00 UTC): time only moves forward.",
    );
  });
});

// A script always runs on a SQLite file of its own, whatever DATABASE_URL says: once is enough.
describe.skipIf(inject("databaseKind") === "postgresql")(
  "npm start -- --script",
  { timeout: 60_000 },
  () => {
    it("prints the transcript README.md shows for docs/demo.rally, on a fresh sandbox", async () => {
      const { code, stdout, stderr } = await runDemo(entryCommand("main"));
      expect(stderr).toBe("");
      expect(code).toBe(0);
      const shown = readmeTranscript(
        readFileSync(join(import.meta.dirname, "../../README.md"), "utf8"),
      );
      // Run `npm run docs:demo` when this fails after a change to the demo or to what Rally says.
      expect(stdout.trimEnd()).toBe(shown);
      expect(demo.args()).toContain("2026-12-07T12:00Z");
    });

    it("stops at the first line Rally refuses, names it, and exits 1", async () => {
      const directory = mkdtempSync(join(tmpdir(), "rally-script-"));
      const script = join(directory, "refused.rally");
      writeFileSync(
        script,
        [
          "# a volunteer may not start a campaign",
          "/rally about",
          'as @volunteer1 /campaign create title:"Not mine" goal:10',
          "/rally help",
        ].join("\n"),
      );
      // Even with the log silenced, the script sees how each interaction ended.
      const { code, stdout, stderr } = await sandbox(["--script", script], { LOG_LEVEL: "silent" });
      expect(code).toBe(1);
      expect(stderr).toBe(`${script}:3: Rally answered with an error (outcome "refused")\n`);
      expect(stdout).toContain(
        'organizer in #general> as @volunteer1 /campaign create title:"Not mine" goal:10\n',
      );
      expect(stdout).toContain("Only organizers");
      expect(stdout).not.toContain("/rally help");
    });

    it("fails on a line the sandbox cannot run, and on a wait into the past", async () => {
      const directory = mkdtempSync(join(tmpdir(), "rally-script-"));
      const unknown = join(directory, "unknown.rally");
      writeFileSync(unknown, "/rally about\nsing a song\n");
      const first = await sandbox(["--script", unknown], {});
      expect(first.code).toBe(1);
      expect(first.stderr).toBe(
        `${unknown}:2: the sandbox could not run it: Unknown input. Type help for what you can do.\n`,
      );
      const past = join(directory, "past.rally");
      writeFileSync(past, "wait until 2026-12-07 11:00\n");
      const second = await sandbox(["--script", past, "--clock", "2026-12-07T12:00Z"], {});
      expect(second.code).toBe(1);
      expect(second.stderr).toContain(
        `${past}:1: the sandbox could not run it: 2026-12-07 11:00 UTC`,
      );
    });
  },
);
