import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { postgresSchemaFrom, postgresSchemaPath, sqliteSchemaPath } from "../../prisma/schemas.ts";

describe("the PostgreSQL schema", () => {
  it("is derived from prisma/schema.prisma: run npm run db:migration:create after editing it", () => {
    const derived = postgresSchemaFrom(readFileSync(sqliteSchemaPath, "utf8"));
    expect(readFileSync(postgresSchemaPath, "utf8")).toBe(derived);
  });

  it("differs only in the provider and where the client is generated", () => {
    const derived = postgresSchemaFrom(readFileSync(sqliteSchemaPath, "utf8"));
    expect(derived).toContain('provider = "postgresql"');
    expect(derived).toContain('"../../src/db/generated-pg"');
    const models = (schema: string) => schema.slice(schema.indexOf("model "));
    expect(models(derived)).toBe(models(readFileSync(sqliteSchemaPath, "utf8")));
  });
});
