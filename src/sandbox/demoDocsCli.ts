import { readFileSync, writeFileSync } from "node:fs";
import { projectPath } from "../projectRoot.ts";
import { runDemo, withTranscript } from "./demoDocs.ts";

// `npm run docs:demo`: runs docs/demo.rally on the freshly built bundle and writes its
// transcript into README.md. A failing line leaves README.md as it was.
const { code, stdout, stderr } = await runDemo([
  process.execPath,
  [projectPath("dist", "main.js")],
]);
if (code !== 0) {
  process.stderr.write(stderr || `The demo exited with ${code}.\n`);
  process.exit(1);
}
const readme = projectPath("README.md");
writeFileSync(readme, withTranscript(readFileSync(readme, "utf8"), stdout));
process.stdout.write(`README.md: the demo's transcript, ${stdout.split("\n").length} lines.\n`);
