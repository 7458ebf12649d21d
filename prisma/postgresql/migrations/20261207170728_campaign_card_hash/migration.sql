-- AlterTable
ALTER TABLE "Campaign" ADD COLUMN     "cardHash" TEXT;
