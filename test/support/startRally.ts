import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { entryCommand } from "./entry.ts";

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `npm start` as a user runs it: the real entry point in its own process. */
export function startRally(environment: Record<string, string>, input?: string) {
  const child = spawn(...entryCommand("main"), {
    cwd: mkdtempSync(join(tmpdir(), "rally-start-")),
    env: { PATH: process.env["PATH"] ?? "", ...environment },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  if (input !== undefined) child.stdin.end(input);
  const finished = new Promise<Finished>((done) =>
    child.on("exit", (code) => done({ code, stdout, stderr })),
  );
  return { child, finished, output: () => stdout };
}
