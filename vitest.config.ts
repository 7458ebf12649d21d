import { defineConfig } from "vitest/config";
import { SlowFirstSequencer } from "./test/sequencer.ts";

// The whole suite runs on SQLite; with TEST_POSTGRES_URL set (a server where tests may create
// databases) every test that stores data runs a second time on PostgreSQL, whose many
// connections expose races that SQLite's single connection hides. Left out of that pass: the
// files that test SQLite itself, test/unit/ and src/local-discord/test/ (pure functions, rendering and the
// local Discord), the texts of every command in three languages, and Discord's own faults
// (429s, 500s, hangs, gateway closes), whose outcome no database can change; and the browser
// tests (test/browser), whose pages the route tests already check on both databases.
const sqliteOnly = [
  "test/db/migrate.test.ts",
  "test/db/backup.test.ts",
  "test/db/busy.test.ts",
  "test/unit/**",
  "src/local-discord/**",
  "test/e2e/languages.test.ts",
  "test/e2e/faults.test.ts",
  // The browser pass runs once: pages are the same whatever the database.
  "test/browser/**",
  // Whole processes (`npm start`, the sandbox): what they prove is the entry point, the sandbox's
  // prompt, files and clock, not the database (the sandbox keeps its own SQLite file without
  // DATABASE_URL; its clock is a file; every query they make is tested on PostgreSQL elsewhere).
  // The starts that are about DATABASE_URL itself run on both databases, in their own files:
  // test/e2e/sandboxDatabase.test.ts and test/e2e/processDatabase.test.ts.
  "test/e2e/sandbox.test.ts",
  "test/e2e/sandboxTime.test.ts",
  "test/e2e/sandboxPetition.test.ts",
  "test/e2e/process.test.ts",
];
const postgresOnly = [
  "test/db/postgres.test.ts",
  "test/db/copy.test.ts",
  "test/e2e/sharded.test.ts",
];
const postgres = (process.env["TEST_POSTGRES_URL"] ?? "") !== "";
// Run with modules of their own (isolate: true): with a worker's modules shared, the flyer's
// tear-off strips once measured the link too long and cut it (CI, 2026-12-07 22:23), after some
// other file had run in the same worker; not reproduced alone. Until that is understood (the
// flyer keeps one parsed font per process, see src/render/flyer.ts), these files start fresh.
const isolatedFiles = ["test/unit/shareKit.test.ts", "test/unit/shareKitProperties.test.ts"];

export default defineConfig({
  test: {
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: "forks",
    // A worker keeps its modules from one file to the next (discord.js, Prisma, Rally: ~2 s of
    // imports a file, a third of the run's CPU when every file loaded them again). What a file
    // must not inherit is reset per file by test/setup.ts, and support modules register their
    // cleanups through test/support/lifecycle.ts.
    isolate: false,
    // Most of a test's time is spent waiting on sockets and the database, not on the CPU:
    // three files at once on CI's two cores.
    maxWorkers: 3,
    // The slowest files first, across both projects (test/sequencer.ts keeps the list).
    sequence: { sequencer: SlowFirstSequencer },
    // The local Discord's generated validators (1 MB of plain JavaScript) load natively in
    // ~50 ms; through Vite's transform they took ~1 s in every test file.
    server: { deps: { external: [/src\/local-discord\/spec\/validators\.generated\.mjs$/] } },
    projects: [
      {
        extends: true as const,
        test: {
          name: "sqlite",
          include: ["test/**/*.test.ts", "src/local-discord/test/**/*.test.ts"],
          exclude: [...postgresOnly, ...isolatedFiles],
          setupFiles: ["test/setup.ts"],
          globalSetup: ["test/globalSetup.ts"],
        },
      },
      {
        extends: true as const,
        test: {
          name: "sqlite-isolated",
          include: isolatedFiles,
          isolate: true,
          setupFiles: ["test/setup.ts"],
          globalSetup: ["test/globalSetup.ts"],
        },
      },
      ...(postgres
        ? [
            {
              extends: true as const,
              test: {
                name: "postgresql",
                include: ["test/**/*.test.ts", "src/local-discord/test/**/*.test.ts"],
                exclude: sqliteOnly,
                setupFiles: ["test/setup.ts"],
                globalSetup: ["test/globalSetup.ts"],
              },
            },
          ]
        : []),
    ],
  },
});
