-- AlterTable
ALTER TABLE "OutreachTask" ADD COLUMN     "repeat" TEXT,
ADD COLUMN     "repeatUntil" TIMESTAMP(3),
ADD COLUMN     "seriesId" INTEGER;

-- CreateIndex
CREATE INDEX "OutreachTask_seriesId_idx" ON "OutreachTask"("seriesId");
