import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { projectPath } from "../projectRoot.ts";

/**
 * docs/demo.rally and its transcript in README.md: `npm run docs:demo` writes it there, and a
 * test (test/e2e/sandboxScript.test.ts) runs the script again and compares, so it never drifts.
 */
export const demo = {
  script: projectPath("docs", "demo.rally"),
  /** The sandbox's clock at the start: fixed, so every run prints the same times. */
  clockStart: "2026-12-07T12:00Z",
  args(): string[] {
    return ["--script", this.script, "--clock", this.clockStart];
  },
};

const begin =
  "<!-- demo transcript: `npm run docs:demo` writes it from docs/demo.rally; a test checks it -->";
const end = "<!-- end of demo transcript -->";

/** The transcript README.md shows, or undefined when its markers are missing. */
export function readmeTranscript(readme: string): string | undefined {
  const from = readme.indexOf(begin);
  const to = readme.indexOf(end);
  if (from < 0 || to < from) return undefined;
  const block = readme.slice(from + begin.length, to).trim();
  return /^```text\n([\s\S]*)\n```$/.exec(block)?.[1];
}

/** README.md with `transcript` between the markers. */
export function withTranscript(readme: string, transcript: string): string {
  const from = readme.indexOf(begin);
  const to = readme.indexOf(end);
  if (from < 0 || to < from) throw new Error(`README.md has no "${begin}" … "${end}" markers.`);
  const block = `${begin}\n\n\`\`\`text\n${transcript.trimEnd()}\n\`\`\`\n\n`;
  return readme.slice(0, from) + block + readme.slice(to);
}

/**
 * Runs the demo as `npm start -- --script docs/demo.rally` does (the built dist/main.js), in an
 * empty working directory, so neither a developer's .env nor their data/ play a part.
 */
export async function runDemo(
  node: [string, string[]],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const cwd = mkdtempSync(join(tmpdir(), "rally-demo-"));
  try {
    const child = spawn(node[0], [...node[1], ...demo.args()], {
      cwd,
      env: { PATH: process.env["PATH"] ?? "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((done) => child.on("exit", done));
    return { code, stdout, stderr };
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}
