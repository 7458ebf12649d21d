-- AlterTable
ALTER TABLE "Campaign" ADD COLUMN "cardChannelId" TEXT;
ALTER TABLE "Campaign" ADD COLUMN "cardEditedAt" DATETIME;
ALTER TABLE "Campaign" ADD COLUMN "cardMessageId" TEXT;
ALTER TABLE "Campaign" ADD COLUMN "cardPin" TEXT;
