-- AlterTable
ALTER TABLE "CountSource" ALTER COLUMN "setById" DROP NOT NULL;
