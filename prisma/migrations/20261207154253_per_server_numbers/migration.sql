-- Campaign and task numbers count from 1 in each server. Existing rows keep the number they
-- showed, their id, and the next number of a server is its highest plus one.
-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Campaign" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "guildId" TEXT NOT NULL,
    "number" INTEGER NOT NULL,
    "title" TEXT NOT NULL,
    "activeTitle" TEXT,
    "description" TEXT,
    "unit" TEXT NOT NULL DEFAULT 'signatures',
    "goal" INTEGER NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0,
    "autoRaise" BOOLEAN NOT NULL DEFAULT true,
    "callToAction" TEXT,
    "link" TEXT,
    "channelId" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'active',
    "endsAt" DATETIME,
    "createdById" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    "closedAt" DATETIME,
    "cardChannelId" TEXT,
    "cardMessageId" TEXT,
    "cardEditedAt" DATETIME,
    "cardPin" TEXT
);
INSERT INTO "new_Campaign" ("number", "activeTitle", "autoRaise", "callToAction", "cardChannelId", "cardEditedAt", "cardMessageId", "cardPin", "channelId", "closedAt", "count", "createdAt", "createdById", "description", "endsAt", "goal", "guildId", "id", "link", "status", "title", "unit", "updatedAt") SELECT "id", "activeTitle", "autoRaise", "callToAction", "cardChannelId", "cardEditedAt", "cardMessageId", "cardPin", "channelId", "closedAt", "count", "createdAt", "createdById", "description", "endsAt", "goal", "guildId", "id", "link", "status", "title", "unit", "updatedAt" FROM "Campaign";
DROP TABLE "Campaign";
ALTER TABLE "new_Campaign" RENAME TO "Campaign";
CREATE INDEX "Campaign_guildId_status_createdAt_idx" ON "Campaign"("guildId", "status", "createdAt");
CREATE UNIQUE INDEX "Campaign_guildId_activeTitle_key" ON "Campaign"("guildId", "activeTitle");
CREATE UNIQUE INDEX "Campaign_guildId_number_key" ON "Campaign"("guildId", "number");
CREATE TABLE "new_OutreachTask" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "guildId" TEXT NOT NULL,
    "campaignId" INTEGER NOT NULL,
    "number" INTEGER NOT NULL,
    "title" TEXT NOT NULL,
    "titleFolded" TEXT,
    "kind" TEXT NOT NULL DEFAULT 'other',
    "location" TEXT,
    "instructions" TEXT,
    "slots" INTEGER NOT NULL DEFAULT 1,
    "claimedSlots" INTEGER NOT NULL DEFAULT 0,
    "doneCount" INTEGER NOT NULL DEFAULT 0,
    "dueAt" DATETIME,
    "status" TEXT NOT NULL DEFAULT 'open',
    "cardChannelId" TEXT,
    "cardMessageId" TEXT,
    "createdById" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    "repeat" TEXT,
    "repeatUntil" DATETIME,
    "seriesId" INTEGER,
    CONSTRAINT "OutreachTask_campaignId_fkey" FOREIGN KEY ("campaignId") REFERENCES "Campaign" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_OutreachTask" ("number", "campaignId", "cardChannelId", "cardMessageId", "claimedSlots", "createdAt", "createdById", "doneCount", "dueAt", "guildId", "id", "instructions", "kind", "location", "repeat", "repeatUntil", "seriesId", "slots", "status", "title", "titleFolded", "updatedAt") SELECT "id", "campaignId", "cardChannelId", "cardMessageId", "claimedSlots", "createdAt", "createdById", "doneCount", "dueAt", "guildId", "id", "instructions", "kind", "location", "repeat", "repeatUntil", "seriesId", "slots", "status", "title", "titleFolded", "updatedAt" FROM "OutreachTask";
DROP TABLE "OutreachTask";
ALTER TABLE "new_OutreachTask" RENAME TO "OutreachTask";
CREATE INDEX "OutreachTask_guildId_campaignId_status_dueAt_claimedSlots_slots_idx" ON "OutreachTask"("guildId", "campaignId", "status", "dueAt", "claimedSlots", "slots");
CREATE INDEX "OutreachTask_guildId_status_dueAt_idx" ON "OutreachTask"("guildId", "status", "dueAt");
CREATE INDEX "OutreachTask_guildId_status_id_idx" ON "OutreachTask"("guildId", "status", "id");
CREATE INDEX "OutreachTask_seriesId_idx" ON "OutreachTask"("seriesId");
CREATE UNIQUE INDEX "OutreachTask_guildId_number_key" ON "OutreachTask"("guildId", "number");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
