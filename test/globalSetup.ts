import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { applyMigrations } from "../src/db/migrate.ts";

declare module "vitest" {
  export interface ProvidedContext {
    templateDatabase: string;
  }
}

/** Migrates one SQLite file from the committed migrations; every test copies it. */
export default async function setup(project: TestProject) {
  const directory = mkdtempSync(join(tmpdir(), "rally-template-"));
  const template = join(directory, "template.db");
  await applyMigrations(template);
  project.provide("templateDatabase", template);
  return () => rmSync(directory, { recursive: true, force: true });
}
