import type { TestContext } from "vitest";

/**
 * Cleanups that support modules (bots, databases, web servers) need after each test and each
 * file. They register here, and test/setup.ts (a setup file: run for every test file) calls
 * them, instead of calling vitest's afterEach at import: test files share a worker's modules
 * (`isolate: false` in vitest.config.ts), so a support module is imported once per worker and a
 * hook it registered itself would run for that worker's first file only.
 */
type TestHook = (context: TestContext) => Promise<void> | void;
type FileHook = () => Promise<void> | void;

const afterTestHooks: TestHook[] = [];
const afterFileHooks: FileHook[] = [];

export function afterEveryTest(hook: TestHook): void {
  afterTestHooks.push(hook);
}

export function afterEveryFile(hook: FileHook): void {
  afterFileHooks.push(hook);
}

/** Last registered runs first, as vitest runs after-hooks: a bot stops before its database. */
export async function runAfterTestHooks(context: TestContext): Promise<void> {
  for (const hook of afterTestHooks.toReversed()) await hook(context);
}

export async function runAfterFileHooks(): Promise<void> {
  for (const hook of afterFileHooks.toReversed()) await hook();
}
