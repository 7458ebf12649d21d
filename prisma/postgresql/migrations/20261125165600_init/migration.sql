-- CreateTable
CREATE TABLE "GuildSettings" (
    "guildId" TEXT NOT NULL,
    "timezone" TEXT NOT NULL DEFAULT 'UTC',
    "language" TEXT NOT NULL DEFAULT 'en',
    "organizerRoleId" TEXT,
    "announceRoleId" TEXT,
    "claimExpiryDays" INTEGER NOT NULL DEFAULT 3,
    "reviewRequired" BOOLEAN NOT NULL DEFAULT false,
    "reviewChannelId" TEXT,
    "retentionDays" INTEGER NOT NULL DEFAULT 90,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "GuildSettings_pkey" PRIMARY KEY ("guildId")
);

-- CreateTable
CREATE TABLE "Campaign" (
    "id" SERIAL NOT NULL,
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
    "endsAt" TIMESTAMP(3),
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "closedAt" TIMESTAMP(3),

    CONSTRAINT "Campaign_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CountEntry" (
    "id" SERIAL NOT NULL,
    "campaignId" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "value" INTEGER NOT NULL,
    "delta" INTEGER NOT NULL,
    "countAfter" INTEGER NOT NULL,
    "note" TEXT,
    "actorId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CountEntry_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AuditEntry" (
    "id" SERIAL NOT NULL,
    "guildId" TEXT NOT NULL,
    "actorId" TEXT,
    "action" TEXT NOT NULL,
    "subjectId" TEXT,
    "details" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AuditEntry_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "OutreachTask" (
    "id" SERIAL NOT NULL,
    "guildId" TEXT NOT NULL,
    "campaignId" INTEGER NOT NULL,
    "title" TEXT NOT NULL,
    "kind" TEXT NOT NULL DEFAULT 'other',
    "location" TEXT,
    "instructions" TEXT,
    "slots" INTEGER NOT NULL DEFAULT 1,
    "claimedSlots" INTEGER NOT NULL DEFAULT 0,
    "doneCount" INTEGER NOT NULL DEFAULT 0,
    "dueAt" TIMESTAMP(3),
    "status" TEXT NOT NULL DEFAULT 'open',
    "cardChannelId" TEXT,
    "cardMessageId" TEXT,
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "OutreachTask_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Claim" (
    "id" SERIAL NOT NULL,
    "guildId" TEXT NOT NULL,
    "taskId" INTEGER NOT NULL,
    "volunteerId" TEXT,
    "status" TEXT NOT NULL DEFAULT 'active',
    "openMarker" INTEGER DEFAULT 1,
    "proofLink" TEXT,
    "note" TEXT,
    "rejectReason" TEXT,
    "reviewedById" TEXT,
    "claimedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "submittedAt" TIMESTAMP(3),
    "closedAt" TIMESTAMP(3),

    CONSTRAINT "Claim_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Volunteer" (
    "guildId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "creditPublic" BOOLEAN NOT NULL DEFAULT false,
    "remindersEnabled" BOOLEAN NOT NULL DEFAULT true,
    "dmsClosed" BOOLEAN NOT NULL DEFAULT false,
    "lastLocale" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Volunteer_pkey" PRIMARY KEY ("guildId","userId")
);

-- CreateTable
CREATE TABLE "DueJob" (
    "id" SERIAL NOT NULL,
    "guildId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "subjectId" TEXT NOT NULL,
    "dueAt" TIMESTAMP(3) NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "leaseOwner" TEXT,
    "leaseUntil" TIMESTAMP(3),
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT,
    "doneAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "DueJob_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SummarySchedule" (
    "id" SERIAL NOT NULL,
    "guildId" TEXT NOT NULL,
    "channelId" TEXT NOT NULL,
    "time" TEXT NOT NULL,
    "timeZone" TEXT NOT NULL,
    "days" TEXT NOT NULL,
    "campaignId" INTEGER,
    "status" TEXT NOT NULL DEFAULT 'active',
    "statusReason" TEXT,
    "nextRunAt" TIMESTAMP(3) NOT NULL,
    "lastSlot" TEXT,
    "lastPostedAt" TIMESTAMP(3),
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "SummarySchedule_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SummaryPost" (
    "id" SERIAL NOT NULL,
    "scheduleId" INTEGER NOT NULL,
    "slot" TEXT NOT NULL,
    "part" INTEGER NOT NULL,
    "nonce" TEXT NOT NULL,
    "messageId" TEXT,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "late" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sentAt" TIMESTAMP(3),

    CONSTRAINT "SummaryPost_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Campaign_guildId_status_createdAt_idx" ON "Campaign"("guildId", "status", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "Campaign_guildId_activeTitle_key" ON "Campaign"("guildId", "activeTitle");

-- CreateIndex
CREATE INDEX "CountEntry_campaignId_createdAt_idx" ON "CountEntry"("campaignId", "createdAt");

-- CreateIndex
CREATE INDEX "AuditEntry_guildId_createdAt_idx" ON "AuditEntry"("guildId", "createdAt");

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

-- CreateIndex
CREATE INDEX "SummarySchedule_guildId_idx" ON "SummarySchedule"("guildId");

-- CreateIndex
CREATE UNIQUE INDEX "SummaryPost_scheduleId_slot_part_key" ON "SummaryPost"("scheduleId", "slot", "part");

-- AddForeignKey
ALTER TABLE "CountEntry" ADD CONSTRAINT "CountEntry_campaignId_fkey" FOREIGN KEY ("campaignId") REFERENCES "Campaign"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "OutreachTask" ADD CONSTRAINT "OutreachTask_campaignId_fkey" FOREIGN KEY ("campaignId") REFERENCES "Campaign"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Claim" ADD CONSTRAINT "Claim_taskId_fkey" FOREIGN KEY ("taskId") REFERENCES "OutreachTask"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SummaryPost" ADD CONSTRAINT "SummaryPost_scheduleId_fkey" FOREIGN KEY ("scheduleId") REFERENCES "SummarySchedule"("id") ON DELETE CASCADE ON UPDATE CASCADE;
