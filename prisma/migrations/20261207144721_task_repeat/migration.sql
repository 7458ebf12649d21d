-- AlterTable
ALTER TABLE "OutreachTask" ADD COLUMN "repeat" TEXT;
ALTER TABLE "OutreachTask" ADD COLUMN "repeatUntil" DATETIME;
ALTER TABLE "OutreachTask" ADD COLUMN "seriesId" INTEGER;

-- CreateIndex
CREATE INDEX "OutreachTask_seriesId_idx" ON "OutreachTask"("seriesId");
