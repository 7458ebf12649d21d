/*
  Warnings:

  - A unique constraint covering the columns `[webSlug]` on the table `Campaign` will be added. If there are existing duplicate values, this will fail.

*/
-- AlterTable
ALTER TABLE "Campaign" ADD COLUMN     "webPage" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "webSlug" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "Campaign_webSlug_key" ON "Campaign"("webSlug");
