import { relative } from "node:path";
import { BaseSequencer, type TestSpecification } from "vitest/node";

/**
 * The files that take longest, in ms of wall time on CI (2 cores, 3 workers), by vitest project
 * and path: measured on a quiet CI run (2026-12-07), rounded; crash.test.ts as after its purge
 * seed was made one statement, the sandbox and process files on SQLite only (vitest.config.ts).
 * Only the order matters, and only roughly: refresh it when a file grows past the last here or
 * a listed one gets much faster (every file's time is in vitest's output).
 */
const slowFiles: Record<string, number> = {
  "sqlite test/e2e/sandbox.test.ts": 62_000,
  "sqlite test/e2e/faults.test.ts": 54_000,
  "postgresql test/e2e/forged.test.ts": 53_000,
  "postgresql test/e2e/crash.test.ts": 50_000,
  "sqlite test/browser/dashboard.test.ts": 49_000,
  "sqlite test/e2e/crash.test.ts": 45_000,
  "postgresql test/db/tasks.test.ts": 43_000,
  "sqlite test/e2e/sandboxTime.test.ts": 39_000,
  "postgresql test/e2e/sharded.test.ts": 38_000,
  "postgresql test/e2e/summaries.test.ts": 31_000,
  "postgresql test/e2e/soak.test.ts": 29_000,
  "postgresql test/e2e/permissions.test.ts": 26_000,
  "sqlite test/e2e/forged.test.ts": 24_000,
  "sqlite test/browser/organizerFlows.test.ts": 23_000,
  "sqlite test/e2e/soak.test.ts": 22_600,
  "sqlite test/e2e/process.test.ts": 20_000,
  "sqlite test/e2e/languages.test.ts": 18_000,
  "postgresql test/db/campaigns.test.ts": 16_000,
  "postgresql test/e2e/privacy.test.ts": 16_000,
  "sqlite test/db/tasks.test.ts": 14_000,
  "sqlite test/e2e/summaries.test.ts": 12_000,
  "postgresql test/e2e/sandboxDatabase.test.ts": 12_000,
  "sqlite test/e2e/sandboxDatabase.test.ts": 11_000,
  "sqlite test/e2e/permissions.test.ts": 10_000,
};

/**
 * Starts the slowest files first, whichever project they belong to. vitest's own order runs the
 * postgresql project's files before the sqlite project's, each largest file first (a fresh clone,
 * as on CI, has no record of durations), so the sandbox, crash and fault files of the sqlite pass
 * started last, and the longest of them formed the run's tail. Files
 * not listed follow in vitest's own order.
 */
export class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const root = this.ctx.config.root;
    const known = (spec: TestSpecification) =>
      slowFiles[`${spec.project.name} ${relative(root, spec.moduleId)}`] ?? 0;
    return (await super.sort(files)).toSorted((a, b) => known(b) - known(a));
  }
}
