-- CreateTable
CREATE TABLE "OutreachTask" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "guildId" TEXT NOT NULL,
    "campaignId" INTEGER NOT NULL,
    "title" TEXT NOT NULL,
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
    CONSTRAINT "OutreachTask_campaignId_fkey" FOREIGN KEY ("campaignId") REFERENCES "Campaign" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Claim" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "guildId" TEXT NOT NULL,
    "taskId" INTEGER NOT NULL,
    "volunteerId" TEXT,
    "status" TEXT NOT NULL DEFAULT 'active',
    "openMarker" INTEGER DEFAULT 1,
    "proofLink" TEXT,
    "note" TEXT,
    "rejectReason" TEXT,
    "reviewedById" TEXT,
    "claimedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" DATETIME NOT NULL,
    "submittedAt" DATETIME,
    "closedAt" DATETIME,
    CONSTRAINT "Claim_taskId_fkey" FOREIGN KEY ("taskId") REFERENCES "OutreachTask" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Volunteer" (
    "guildId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "creditPublic" BOOLEAN NOT NULL DEFAULT false,
    "remindersEnabled" BOOLEAN NOT NULL DEFAULT true,
    "dmsClosed" BOOLEAN NOT NULL DEFAULT false,
    "lastLocale" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,

    PRIMARY KEY ("guildId", "userId")
);

-- CreateTable
CREATE TABLE "DueJob" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "guildId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "subjectId" TEXT NOT NULL,
    "dueAt" DATETIME NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "leaseOwner" TEXT,
    "leaseUntil" DATETIME,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT,
    "doneAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_GuildSettings" (
    "guildId" TEXT NOT NULL PRIMARY KEY,
    "timezone" TEXT NOT NULL DEFAULT 'UTC',
    "language" TEXT NOT NULL DEFAULT 'en',
    "organizerRoleId" TEXT,
    "announceRoleId" TEXT,
    "claimExpiryDays" INTEGER NOT NULL DEFAULT 3,
    "reviewRequired" BOOLEAN NOT NULL DEFAULT false,
    "reviewChannelId" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);
INSERT INTO "new_GuildSettings" ("announceRoleId", "createdAt", "guildId", "language", "organizerRoleId", "timezone", "updatedAt") SELECT "announceRoleId", "createdAt", "guildId", "language", "organizerRoleId", "timezone", "updatedAt" FROM "GuildSettings";
DROP TABLE "GuildSettings";
ALTER TABLE "new_GuildSettings" RENAME TO "GuildSettings";
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "OutreachTask_guildId_campaignId_status_idx" ON "OutreachTask"("guildId", "campaignId", "status");

-- CreateIndex
CREATE INDEX "OutreachTask_guildId_status_dueAt_idx" ON "OutreachTask"("guildId", "status", "dueAt");

-- CreateIndex
CREATE INDEX "Claim_guildId_volunteerId_status_idx" ON "Claim"("guildId", "volunteerId", "status");

-- CreateIndex
CREATE INDEX "Claim_taskId_status_idx" ON "Claim"("taskId", "status");

-- CreateIndex
CREATE UNIQUE INDEX "Claim_taskId_volunteerId_openMarker_key" ON "Claim"("taskId", "volunteerId", "openMarker");

-- CreateIndex
CREATE INDEX "DueJob_status_dueAt_idx" ON "DueJob"("status", "dueAt");

-- CreateIndex
CREATE UNIQUE INDEX "DueJob_kind_subjectId_key" ON "DueJob"("kind", "subjectId");
