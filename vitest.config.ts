import { defineConfig } from "vitest/config";

// The whole suite runs on SQLite; with TEST_POSTGRES_URL set (a server where tests may create
// databases) it runs a second time on PostgreSQL, whose many connections expose races that
// SQLite's single connection hides. Files that test SQLite itself are left out of that pass.
const sqliteOnly = ["test/db/migrate.test.ts", "test/db/backup.test.ts", "test/db/busy.test.ts"];
const postgresOnly = ["test/db/postgres.test.ts", "test/db/copy.test.ts"];
const postgres = (process.env["TEST_POSTGRES_URL"] ?? "") !== "";

export default defineConfig({
  test: {
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: "forks",
    projects: [
      {
        extends: true as const,
        test: {
          name: "sqlite",
          include: ["test/**/*.test.ts"],
          exclude: postgresOnly,
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
                include: ["test/**/*.test.ts"],
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
