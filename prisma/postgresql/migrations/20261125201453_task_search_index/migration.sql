-- CreateIndex
CREATE INDEX "OutreachTask_guildId_status_id_idx" ON "OutreachTask"("guildId", "status", "id");
