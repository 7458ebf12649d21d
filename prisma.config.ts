import { defineConfig } from "prisma/config";

// Prisma's CLI downloads its native schema engine before every command, and that host is
// unreachable here. `prisma generate` does not use the engine, so any existing file satisfies
// the check; machines that have the real binary keep theirs. Migrations go through the
// WebAssembly engine instead (prisma/createMigration.ts).
process.env["PRISMA_SCHEMA_ENGINE_BINARY"] ??= "package.json";

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
});
