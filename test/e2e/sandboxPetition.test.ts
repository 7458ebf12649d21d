/** The sandbox's demo petition page, as a newcomer tries it at `npm start` without a token. */
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { testDatabaseUrl } from "../support/db.ts";
import { entryCommand } from "../support/entry.ts";

describe("the sandbox's demo petition page", () => {
  it("is printed at start, and a source set on it reads its number", async () => {
    const child = spawn(...entryCommand("main"), {
      cwd: mkdtempSync(join(tmpdir(), "rally-sandbox-petition-")),
      env: { PATH: process.env["PATH"] ?? "", DATABASE_URL: await testDatabaseUrl() },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((done) => child.on("exit", done));
    const printed = (pattern: RegExp) =>
      new Promise<RegExpExecArray>((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(stdout);
          if (match) {
            child.stdout.off("data", onData);
            resolve(match);
          }
        };
        const onData = (chunk: Buffer) => {
          stdout += chunk.toString();
          check();
        };
        child.stdout.on("data", onData);
        void exited.then(() => reject(new Error(`exited before ${pattern}:\n${stdout}`)));
        check();
      });
    const [, url = ""] = await printed(/Demo petition page: (http:\/\/127\.0\.0\.1:\d+\/petition)/);
    child.stdin.write('/campaign create title:"Free political prisoners" goal:500\n');
    await printed(/Campaign #1/);
    child.stdin.write(`/campaign source set campaign:1 url:${url} kind:page field:"{n} so far"\n`);
    const [read] = await printed(/Read \*\*\d+\*\* signatures from 127\.0\.0\.1:\d+[^\n]*/);
    expect(read).toMatch(
      /^Read \*\*332\*\* signatures from 127\.0\.0\.1:\d+ at .+ \(chosen: web page/,
    );
    expect(read).toContain("The count is now **332**");
    child.stdin.end("quit\n");
    expect(await exited).toBe(0);
    expect(stderr).toBe("");
    // A whole process start (migrations, the local Discord, commands) on a shared machine.
  }, 60_000);
});
