import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import type { DestinationStream } from "pino";
import type { SandboxSession } from "./session.ts";

/** What `npm start -- …` may say to the sandbox. */
export interface SandboxArgs {
  /** `--script <file>`: run its lines, print the transcript, exit. */
  script?: string;
  /** `--clock <ISO time>`: where the sandbox's clock starts (a script's stands still there). */
  clockStart?: number;
}

export const sandboxUsage =
  "usage: npm start [-- --script <file>] [-- --clock 2026-12-07T12:00Z]  (without DISCORD_TOKEN: the sandbox)";

/** Reads the sandbox's arguments; an Error saying what is wrong otherwise. */
export function parseSandboxArgs(args: readonly string[]): SandboxArgs {
  let values: { script?: string | undefined; clock?: string | undefined };
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: { script: { type: "string" }, clock: { type: "string" } },
    }));
  } catch (error) {
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n${sandboxUsage}`);
  }
  const parsed: SandboxArgs = {};
  if (values.script !== undefined) parsed.script = values.script;
  if (values.clock !== undefined) {
    const start = Date.parse(values.clock);
    if (Number.isNaN(start)) {
      throw new Error(`--clock takes a time such as 2026-12-07T12:00Z (got "${values.clock}").`);
    }
    parsed.clockStart = start;
  }
  return parsed;
}

/**
 * Rally's log, teed: every line to `file`, and the outcome of each interaction kept, so that a
 * script knows when Rally answered with an error (a UserError is "refused", a crash "error").
 */
export function teeInteractionOutcomes(file: DestinationStream) {
  let outcomes: string[] = [];
  const stream: DestinationStream = {
    write(line: string) {
      file.write(line);
      try {
        const entry = JSON.parse(line) as { msg?: unknown; outcome?: unknown };
        if (entry.msg === "interaction" && typeof entry.outcome === "string") {
          outcomes.push(entry.outcome);
        }
      } catch {
        // Not a JSON line: not one of pino's, nothing to note.
      }
    },
  };
  return {
    stream,
    /** The outcomes logged since last asked. */
    take(): string[] {
      const taken = outcomes;
      outcomes = [];
      return taken;
    },
  };
}

interface ScriptRun {
  session: SandboxSession;
  /** After each line: Rally's work in flight, then a little sandbox time (jobs due run). */
  settle(): Promise<void>;
  /** The interaction outcomes logged since last asked (teeInteractionOutcomes). */
  outcomes(): string[];
  out(text: string): void;
  err(text: string): void;
}

/**
 * Runs a script of prompt lines (`#` starts a comment; blank lines are skipped, except that one
 * answers a form's field while a form is open) and prints the transcript: each line after the
 * prompt it was typed at, then what it printed. Stops at the first line that fails (see
 * failureOf) and returns the exit code: 0 all ran, 1 a line failed, 2 no script to read.
 */
export async function runScript(path: string, run: ScriptRun): Promise<number> {
  const { session } = run;
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    run.err(`Cannot read the script ${path}: ${error instanceof Error ? error.message : ""}`);
    return 2;
  }
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trimEnd();
    const typed = line.trim();
    if (!session.fillingForm && (typed === "" || typed.startsWith("#"))) continue;
    if (!session.fillingForm && ["quit", "exit"].includes(typed)) break;
    run.out(`${session.prompt()}${line}`);
    run.outcomes();
    const output = await session.run(line);
    await run.settle();
    run.out([output, session.newChannelPosts()].filter(Boolean).join("\n"));
    const failure = failureOf(output, run.outcomes());
    if (failure) {
      run.err(`${path}:${index + 1}: ${failure}`);
      return 1;
    }
  }
  return 0;
}

/**
 * Why a line failed, if it did: the sandbox could not run it (it printed `! …`, "Unknown input"
 * or "No button labelled …"), or Rally answered it with an error (a UserError's reply, an
 * internal error, busy): its interaction was logged with an outcome other than "ok".
 */
export function failureOf(output: string, outcomes: readonly string[]): string | undefined {
  const refused = output
    .split("\n")
    .find((line) => /^(! |Unknown input|No button labelled)/.test(line));
  if (refused) return `the sandbox could not run it: ${refused.replace(/^! /, "")}`;
  const failed = outcomes.find((outcome) => outcome !== "ok");
  if (failed) return `Rally answered with an error (outcome "${failed}")`;
  return undefined;
}
