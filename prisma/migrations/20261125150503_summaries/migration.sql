-- CreateTable
CREATE TABLE "SummarySchedule" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "guildId" TEXT NOT NULL,
    "channelId" TEXT NOT NULL,
    "time" TEXT NOT NULL,
    "timeZone" TEXT NOT NULL,
    "days" TEXT NOT NULL,
    "campaignId" INTEGER,
    "status" TEXT NOT NULL DEFAULT 'active',
    "statusReason" TEXT,
    "nextRunAt" DATETIME NOT NULL,
    "lastSlot" TEXT,
    "lastPostedAt" DATETIME,
    "createdById" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "SummaryPost" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "scheduleId" INTEGER NOT NULL,
    "slot" TEXT NOT NULL,
    "part" INTEGER NOT NULL,
    "nonce" TEXT NOT NULL,
    "messageId" TEXT,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "late" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sentAt" DATETIME,
    CONSTRAINT "SummaryPost_scheduleId_fkey" FOREIGN KEY ("scheduleId") REFERENCES "SummarySchedule" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "SummarySchedule_guildId_idx" ON "SummarySchedule"("guildId");

-- CreateIndex
CREATE UNIQUE INDEX "SummaryPost_scheduleId_slot_part_key" ON "SummaryPost"("scheduleId", "slot", "part");
