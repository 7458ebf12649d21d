import { spawn } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { entryCommand } from "./entry.ts";

/** The prompt the sandbox prints when it waits for the next line: a member's, or a form field's. */
const promptAtEnd = /(?:^|\n)(?:\S+ in #\S+> | {2}[^\n]*: )$/;

export interface SandboxProcess {
  /** Types a line and returns what the sandbox printed until it asked for the next one. */
  send(line: string): Promise<string>;
  /** Waits until what was printed since `from` (an offset in `output()`) matches. */
  until(pattern: RegExp, from?: number, timeoutMs?: number): Promise<string>;
  output(): string;
  /** Types quit and waits for the process to end. */
  quit(): Promise<{ code: number | null; stdout: string; stderr: string }>;
  kill(): void;
}

/**
 * `npm start` without a token, as a person at a terminal uses it: the real entry point in its own
 * process and working directory (where data/ is), driven line by line through stdin and stdout.
 */
export async function startSandbox(
  cwd: string,
  environment: Record<string, string> = {},
): Promise<SandboxProcess> {
  const child = spawn(...entryCommand("main"), {
    cwd,
    env: { PATH: process.env["PATH"] ?? "", ...environment },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  let changedAt = Date.now();
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
    changedAt = Date.now();
  });
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; stdout: string; stderr: string }>((done) =>
    child.on("exit", (code) => done({ code, stdout, stderr })),
  );
  let ended = false;
  void exited.then(() => (ended = true));

  const until = async (pattern: RegExp, from = 0, timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const since = stdout.slice(from);
      if (pattern.test(since)) return since;
      if (ended || Date.now() > deadline) {
        throw new Error(
          `The sandbox did not print ${String(pattern)}${ended ? " (it exited)" : ""}; it printed:\n${since}\nstderr:\n${stderr}`,
        );
      }
      await sleep(20);
    }
  };
  /** A prompt at the end, and nothing more for a moment (posts arriving print a prompt too). */
  const settled = async (from: number) => {
    for (;;) {
      await until(promptAtEnd, from);
      if (Date.now() - changedAt >= 150 && promptAtEnd.test(stdout.slice(from))) {
        return stdout.slice(from);
      }
      await sleep(30);
    }
  };
  await settled(0);
  return {
    async send(line) {
      const from = stdout.length;
      child.stdin.write(`${line}\n`);
      return settled(from);
    },
    until,
    output: () => stdout,
    async quit() {
      child.stdin.end("quit\n");
      return exited;
    },
    kill: () => child.kill("SIGKILL"),
  };
}
