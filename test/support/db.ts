import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, inject } from "vitest";
import { openDatabase, type Db } from "../../src/db/client.ts";

const opened: Db[] = [];
const directories: string[] = [];

afterEach(async () => {
  await Promise.all(opened.splice(0).map((db) => db.$disconnect()));
  for (const directory of directories.splice(0))
    rmSync(directory, { recursive: true, force: true });
});

/** A fresh file copied from the migrated template: a real database, one per test. */
export function testDatabaseUrl(): string {
  const directory = mkdtempSync(join(tmpdir(), "rally-test-"));
  directories.push(directory);
  const path = join(directory, "rally.db");
  copyFileSync(inject("templateDatabase"), path);
  return `file:${path}`;
}

export async function createTestDb(): Promise<Db> {
  const db = await openDatabase(testDatabaseUrl());
  opened.push(db);
  return db;
}
