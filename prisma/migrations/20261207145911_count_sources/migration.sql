-- AlterTable
ALTER TABLE "GuildSettings" ADD COLUMN "actionNetworkKey" TEXT;

-- CreateTable
CREATE TABLE "CountSource" (
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
    "setById" TEXT NOT NULL,
    CONSTRAINT "CountSource_campaignId_fkey" FOREIGN KEY ("campaignId") REFERENCES "Campaign" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE UNIQUE INDEX "CountSource_campaignId_key" ON "CountSource"("campaignId");

-- CreateIndex
CREATE INDEX "CountSource_guildId_idx" ON "CountSource"("guildId");
