-- AlterTable
ALTER TABLE "GuildSettings" ADD COLUMN     "proofFilesAllowed" BOOLEAN NOT NULL DEFAULT true;
