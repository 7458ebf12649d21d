-- AlterTable
ALTER TABLE "Campaign" ADD COLUMN     "cardChannelId" TEXT,
ADD COLUMN     "cardEditedAt" TIMESTAMP(3),
ADD COLUMN     "cardMessageId" TEXT,
ADD COLUMN     "cardPin" TEXT;
