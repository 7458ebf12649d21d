-- DropIndex
DROP INDEX "OutreachTask_guildId_campaignId_status_idx";

-- CreateIndex
CREATE INDEX "OutreachTask_guildId_campaignId_status_dueAt_claimedSlots_slots_idx" ON "OutreachTask"("guildId", "campaignId", "status", "dueAt", "claimedSlots", "slots");
