import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { applyMigrations, applyPostgresMigrations } from "../src/db/migrate.ts";
import { chromiumPath, hasChromium } from "./browser/browser.ts";

declare module "vitest" {
  export interface ProvidedContext {
    databaseKind: "sqlite" | "postgresql";
    /** A SQLite file, or the name of a PostgreSQL database, migrated once; tests copy it. */
    templateDatabase: string;
    /** The server the PostgreSQL pass creates its databases on ("" in the SQLite pass). */
    postgresUrl: string;
  }
}

/**
 * Builds the dist/ bundle that `npm start` runs (the process tests spawn it) and, with it, the
 * local Discord's request-body validators (src/local-discord/spec/compile.mjs), so no test
 * process compiles them; and migrates one template database from the committed migrations;
 * every test copies it.
 */
export default async function setup(project: TestProject) {
  // Once per run, not once per project: a second build would replace dist/ under running tests.
  if (process.env["RALLY_DIST_BUILT"] === undefined) {
    execFileSync(process.execPath, [join(import.meta.dirname, "..", "esbuild.config.mjs")], {
      stdio: "inherit",
    });
    process.env["RALLY_DIST_BUILT"] = "1";
  }
  const postgresUrl = process.env["TEST_POSTGRES_URL"] ?? "";
  if (project.name === "postgresql") return setupPostgres(project, postgresUrl);
  const directory = mkdtempSync(join(tmpdir(), "rally-template-"));
  const template = join(directory, "template.db");
  await applyMigrations(template);
  project.provide("databaseKind", "sqlite");
  project.provide("templateDatabase", template);
  project.provide("postgresUrl", "");
  return () => {
    rmSync(directory, { recursive: true, force: true });
    if (postgresUrl === "") {
      process.stdout.write(
        "\nPostgreSQL pass NOT run: set TEST_POSTGRES_URL (see docs/development.md, Tests) to run every test on PostgreSQL too.\n",
      );
    }
    if (!hasChromium) {
      process.stdout.write(
        `\nBrowser pass NOT run: no chromium at ${chromiumPath} (apt-get install chromium, or set CHROMIUM_PATH) to run test/browser.\n`,
      );
    }
  };
}

async function setupPostgres(project: TestProject, postgresUrl: string) {
  const template = `rally_template_${process.pid}`;
  const admin = new pg.Client({ connectionString: postgresUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${template}" WITH (FORCE)`);
  await admin.query(`CREATE DATABASE "${template}"`);
  const url = new URL(postgresUrl);
  url.pathname = `/${template}`;
  await applyPostgresMigrations(url.toString());
  project.provide("databaseKind", "postgresql");
  project.provide("templateDatabase", template);
  project.provide("postgresUrl", postgresUrl);
  return async () => {
    await admin.query(`DROP DATABASE IF EXISTS "${template}" WITH (FORCE)`);
    await admin.end();
    process.stdout.write(`\nPostgreSQL pass run on ${url.host}.\n`);
  };
}
