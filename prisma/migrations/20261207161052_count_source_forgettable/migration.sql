-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_CountSource" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "guildId" TEXT NOT NULL,
    "campaignId" INTEGER NOT NULL,
    "url" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "field" TEXT,
    "everyMinutes" INTEGER NOT NULL DEFAULT 15,
    "status" TEXT NOT NULL DEFAULT 'active',
    "lastReadAt" DATETIME,
    "lastCount" INTEGER,
    "etag" TEXT,
    "lastModified" TEXT,
    "failingSince" DATETIME,
    "lastError" TEXT,
    "failures" INTEGER NOT NULL DEFAULT 0,
    "heldCount" INTEGER,
    "heldAt" DATETIME,
    "setAt" DATETIME NOT NULL,
    "setById" TEXT,
    CONSTRAINT "CountSource_campaignId_fkey" FOREIGN KEY ("campaignId") REFERENCES "Campaign" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_CountSource" ("campaignId", "etag", "everyMinutes", "failingSince", "failures", "field", "guildId", "heldAt", "heldCount", "id", "kind", "lastCount", "lastError", "lastModified", "lastReadAt", "setAt", "setById", "status", "url") SELECT "campaignId", "etag", "everyMinutes", "failingSince", "failures", "field", "guildId", "heldAt", "heldCount", "id", "kind", "lastCount", "lastError", "lastModified", "lastReadAt", "setAt", "setById", "status", "url" FROM "CountSource";
DROP TABLE "CountSource";
ALTER TABLE "new_CountSource" RENAME TO "CountSource";
CREATE UNIQUE INDEX "CountSource_campaignId_key" ON "CountSource"("campaignId");
CREATE INDEX "CountSource_guildId_idx" ON "CountSource"("guildId");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
