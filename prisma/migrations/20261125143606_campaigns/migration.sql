-- AlterTable
ALTER TABLE "GuildSettings" ADD COLUMN "announceRoleId" TEXT;
ALTER TABLE "GuildSettings" ADD COLUMN "organizerRoleId" TEXT;

-- CreateTable
CREATE TABLE "Campaign" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "guildId" TEXT NOT NULL,
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
    "closedAt" DATETIME
);

-- CreateTable
CREATE TABLE "CountEntry" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "campaignId" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "value" INTEGER NOT NULL,
    "delta" INTEGER NOT NULL,
    "countAfter" INTEGER NOT NULL,
    "note" TEXT,
    "actorId" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "CountEntry_campaignId_fkey" FOREIGN KEY ("campaignId") REFERENCES "Campaign" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "AuditEntry" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "guildId" TEXT NOT NULL,
    "actorId" TEXT,
    "action" TEXT NOT NULL,
    "subjectId" TEXT,
    "details" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateIndex
CREATE INDEX "Campaign_guildId_status_createdAt_idx" ON "Campaign"("guildId", "status", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "Campaign_guildId_activeTitle_key" ON "Campaign"("guildId", "activeTitle");

-- CreateIndex
CREATE INDEX "CountEntry_campaignId_createdAt_idx" ON "CountEntry"("campaignId", "createdAt");

-- CreateIndex
CREATE INDEX "AuditEntry_guildId_createdAt_idx" ON "AuditEntry"("guildId", "createdAt");
