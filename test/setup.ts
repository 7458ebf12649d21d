import { afterEach, beforeEach, vi, type MockInstance } from "vitest";

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
