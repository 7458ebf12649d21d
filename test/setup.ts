import { afterAll, afterEach, beforeAll, beforeEach, vi, type MockInstance } from "vitest";
import { setClockSource } from "../src/clock.ts";
import { useDataKey } from "../src/db/secrets.ts";
import { readProjectContext } from "./support/db.ts";
import { runAfterFileHooks, runAfterTestHooks } from "./support/lifecycle.ts";

// Files share a worker's modules (isolate: false): each starts as a fresh process would, with
// its own project's database, no DATA_KEY and the real clock.
beforeAll(() => {
  readProjectContext();
  useDataKey(null);
  setClockSource(undefined);
});

// An error printed to the console is a bug until a test says otherwise: it fails the test.
let consoleError: MockInstance<typeof console.error>;

beforeEach(() => {
  consoleError = vi.spyOn(console, "error");
});

afterEach(() => {
  const calls = consoleError.mock.calls;
  consoleError.mockRestore();
  if (calls.length > 0) {
    throw new Error(`Unexpected console.error: ${calls.map((call) => call.join(" ")).join("\n")}`);
  }
});

// Registered after the check above, so they run before it (vitest runs after-hooks last first):
// bots and databases are stopped before the console is judged, as when each module had its own.
afterEach(async (context) => runAfterTestHooks(context));
afterAll(runAfterFileHooks);
